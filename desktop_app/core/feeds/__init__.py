"""The daily feed: followed arXiv categories and searches (specs, feeds.json), fetching them
into the Inbox (fetching), and ranking the Inbox by what the reader keeps (ranking)."""
