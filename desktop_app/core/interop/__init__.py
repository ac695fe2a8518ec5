"""Papers in and out: the import pipeline, duplicates, BibTeX, LaTeX, CSV/Markdown, digests."""
