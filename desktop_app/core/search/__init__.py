"""Search, engine-neutral: the SearchIndex protocol (api), the query syntax (query), its
boolean algebra over scores (evaluate), what a query marks (highlight) and how words become
index terms (terms, porter).

The Whoosh implementation lives in :mod:`desktop_app.core.search.whoosh`; only the composition
roots (``gui/app.py`` and the CLI's context) import it.
"""
