"""Everything that touches Whoosh: the index facade and what it is built from."""
