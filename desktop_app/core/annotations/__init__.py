"""Annotations: highlights, underlines, notes and areas on a paper's PDF, kept as plain files.

``papers/<key>/annotations.json`` holds them (:mod:`.model` is the format, :mod:`.store`
reads and writes it atomically, :mod:`.merge` merges sync conflict copies by id, :mod:`.undo`
takes an edit back); ``papers/<key>/annotations/<id>.png`` holds the images of area
annotations. :mod:`.ops` is what the CLI and the app do with them and a paper's PDF (whose
side — words on a page, standard PDF annotations in and out, finding an annotation again on
a new version — is :mod:`desktop_app.core.pdf.annotations`); :mod:`.markdown` writes them
out as Markdown with ``papershelf://open/…`` links.
"""
