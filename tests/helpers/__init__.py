"""Helpers shared by the tests: files and folders, PDFs made on the fly, a local arXiv server,
locks held as another program would."""
