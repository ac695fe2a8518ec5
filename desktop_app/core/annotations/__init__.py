"""Annotations: highlights, underlines, notes and areas on a paper's PDF, kept as plain files.

``papers/<key>/annotations.json`` holds them (:mod:`.model` is the format, :mod:`.store`
reads and writes it atomically, :mod:`.merge` merges sync conflict copies by id);
``papers/<key>/annotations/<id>.png`` holds the images of area annotations. The PDF side
(finding words on a page, importing and exporting standard PDF annotations, re-anchoring on a
new version) is :mod:`.pdf`; :mod:`.markdown` writes them out as Markdown.
"""
