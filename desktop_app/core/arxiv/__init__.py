"""arXiv: identifiers, the API client, polite HTTP, PDF downloads and the fetch queue."""
