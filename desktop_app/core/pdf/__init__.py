"""PDFs: text extraction in a child process, importing local PDFs, attaching a PDF to a paper."""
