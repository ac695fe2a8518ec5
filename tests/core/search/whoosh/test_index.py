"""The Whoosh search index, through its facade: ranking, every query form, snippets, and
keeping in step with the library."""

from __future__ import annotations

import json
import os
import shutil

import pytest

import tests.helpers.files as shared
from desktop_app.core.errors import QueryError, SearchIndexError
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.pdf.text import PdfText, TextExtractor, file_sha256, store_cached
from desktop_app.core.search.api import HIGHLIGHT_END, HIGHLIGHT_START, SortOrder
from desktop_app.core.search.whoosh import writing
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.indexing import add_paper, keys
from tests.helpers.locks import index_lock_held
from tests.helpers.pdfgen import write_pdf

# -- ranking and analysis -------------------------------------------------------------------


def test_title_match_outranks_full_text_only_match(shared_ix: WhooshIndex) -> None:
    results = shared_ix.search("retrieval")
    # title > abstract ("retrievability") > the PDF's text only
    assert [h.key for h in results.hits] == ["2504.00001", "1907.00003", "2301.00002"]
    assert results.hits[0].score > results.hits[1].score > results.hits[2].score > 0


def test_stemming_finds_other_forms(shared_ix: WhooshIndex) -> None:
    for word in ("retrieval", "retrieve", "retrieving", "Retrieved"):
        assert "2504.00001" in keys(shared_ix, word), word
    assert keys(shared_ix, "networks") == keys(shared_ix, "network") == ["2301.00002"]
    assert keys(shared_ix, "title:retrieving") == ["2504.00001"]


def test_the_word_as_typed_outranks_other_forms_of_its_stem(
    library: Library, extractor: TextExtractor
) -> None:
    """Stemming finds every form, but a paper holding the form typed ranks first, in a
    field and over all fields, whichever form is typed (issue #14)."""
    add_paper(library, "2501.00001", title="MSL: Not All Tokens Are What You Need")
    add_paper(library, "2501.00002", title="Tokenization Matters for Retrieval Models")
    add_paper(library, "2501.00003", title="Token Budgets", abstract="We count tokens.")
    add_paper(library, "2501.00004", title="On style", pages=["jargon and jargon, more jargon"])
    add_paper(library, "2501.00005", title="On prose", pages=["a jargoned text, long and dull"])
    with WhooshIndex(library, extractor=extractor, observe=False) as index:
        assert keys(index, "jargoned") == ["2501.00005", "2501.00004"]
        assert keys(index, "jargon")[0] == "2501.00004"
        assert keys(index, "title:tokenization")[0] == "2501.00002"
        assert keys(index, "tokenization")[0] == "2501.00002"
        assert keys(index, "title:tokens")[0] == "2501.00001"
        assert keys(index, "title:token")[0] == "2501.00003"
        assert set(keys(index, "title:token")) == {"2501.00001", "2501.00002", "2501.00003"}


def test_phrases_are_exact_across_stop_words(library: Library, extractor: TextExtractor) -> None:
    """A stop word keeps its place: "hard negatives" is not "hard of negatives"."""
    add_paper(library, "2501.00001", title="Mining hard negatives", pages=["x"])
    add_paper(library, "2501.00002", title="Hard of negatives", pages=["mining hard negatives"])
    add_paper(library, "2501.00003", title="The bag of words model")
    add_paper(library, "2501.00004", title="A bag words model")
    with WhooshIndex(library, extractor=extractor, observe=False) as index:
        assert sorted(keys(index, '"hard negatives"')) == ["2501.00001", "2501.00002"]
        assert keys(index, 'title:"hard negatives"') == ["2501.00001"]
        assert keys(index, 'title:"hard of negatives"') == ["2501.00002"]
        assert keys(index, '"bag of words"') == ["2501.00003"]
        assert keys(index, '"bag words"') == ["2501.00004"]
        assert sorted(keys(index, '"bag words"~2')) == ["2501.00003", "2501.00004"]


def test_accents_are_folded(shared_ix: WhooshIndex) -> None:
    assert keys(shared_ix, "godel") == ["1907.00003"]
    assert keys(shared_ix, "Gödel") == ["1907.00003"]
    assert keys(shared_ix, "author:gomez") == ["2504.00001"]
    assert keys(shared_ix, "author:Gómez") == ["2504.00001"]


# -- every query form -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:graph", ["2301.00002"]),
        ("title:retrieval", ["2504.00001"]),
        ("author:zed", ["2301.00002"]),
        ("author:li", ["2504.00001"]),
        ("abstract:incompleteness", ["1907.00003"]),
        ("tag:rag", ["2504.00001"]),  # and the tags below it
        ("tag:rag/eval", ["2504.00001"]),
        ('tag:"to read"', ["2504.00001"]),
        ("tag:logic", ["1907.00003"]),
        ("status:reading", ["2504.00001"]),
        ("status:read", ["1907.00003"]),
        ("cat:cs.IR", ["2504.00001"]),
        ("cat:math", ["1907.00003"]),  # the archive of math.LO
        ("year:2023", ["2301.00002"]),
        ("year:2019..2023", ["2301.00002", "1907.00003"]),
        ("year:..2020", ["1907.00003"]),
        ("note:colbert", ["2504.00001"]),
        ("fulltext:bm25", ["2301.00002"]),
        ("fulltext:dense", []),
        ("id:2504.00001", ["2504.00001"]),
        ("2504.00001", ["2504.00001"]),
        ('"dense retrieval"', ["2504.00001"]),
        ('"retrieval dense"', []),
        ('"message passing"', ["2301.00002"]),
        ('title:"neural networks"', ["2301.00002"]),
        ("retriev*", ["2504.00001", "1907.00003", "2301.00002"]),
        ("grap*", ["2301.00002"]),
        ("g?aph", ["2301.00002"]),
        ("incompletness~", ["1907.00003"]),
        ("dense AND passages", ["2504.00001"]),
        ("dense passages", ["2504.00001"]),
        ("graph OR godel", ["2301.00002", "1907.00003"]),
        ("retrieval -graph", ["2504.00001", "1907.00003"]),
        ("retrieval NOT graph", ["2504.00001", "1907.00003"]),
        ("retrieval -incompleteness -graph", ["2504.00001"]),
        ("(graph OR godel) -logic", ["2301.00002"]),
        ("title:(graph OR dense)", ["2504.00001", "2301.00002"]),
        ("has:notes", ["2504.00001"]),
        ("has:pdf", ["2301.00002"]),
        ("has:text", ["2301.00002"]),
        ("has:rating", ["2504.00001"]),
        ("pdf:done", ["2301.00002"]),
        ("pdf:none", ["2504.00001", "1907.00003"]),
        ("added:7d", ["2504.00001"]),
        ("added:2m", ["2504.00001", "2301.00002"]),
        ("rating:4", ["2504.00001"]),
        ("rating:1..5 retrieval", ["2504.00001"]),
    ],
)
def test_query_forms(shared_ix: WhooshIndex, query: str, expected: list[str]) -> None:
    assert sorted(keys(shared_ix, query)) == sorted(expected)


def test_malformed_queries_raise_query_error(shared_ix: WhooshIndex) -> None:
    for query in ('"unclosed', "(a OR", "titel:x", "year:soon", "a AND"):
        with pytest.raises(QueryError):
            shared_ix.search(query)


def test_empty_query_lists_everything_in_each_order(shared_ix: WhooshIndex) -> None:
    assert shared_ix.search("").total == 3
    assert keys(shared_ix, "") == ["2504.00001", "2301.00002", "1907.00003"]  # newest first
    assert keys(shared_ix, "", sort=SortOrder.ADDED) == ["2504.00001", "2301.00002", "1907.00003"]
    assert keys(shared_ix, "", sort=SortOrder.YEAR) == ["2504.00001", "2301.00002", "1907.00003"]
    assert keys(shared_ix, "", sort=SortOrder.TITLE) == ["2504.00001", "2301.00002", "1907.00003"]
    assert keys(shared_ix, "retriev*", sort=SortOrder.YEAR) == [
        "2504.00001",
        "2301.00002",
        "1907.00003",
    ]


def test_title_sort_is_alphabetical(shared_ix: WhooshIndex) -> None:
    titles = [h.summary.title for h in shared_ix.search("", sort=SortOrder.TITLE).hits]
    assert titles == sorted(titles, key=str.casefold)


def test_limit_keeps_total_and_counts(shared_ix: WhooshIndex) -> None:
    results = shared_ix.search("", limit=1)
    assert len(results.hits) == 1 and results.total == 3
    assert results.tag_counts == {"rag/eval": 1, "to read": 1, "logic": 1}
    assert results.status_counts == {"reading": 1, "unread": 1, "read": 1}


def test_counts_follow_the_query(shared_ix: WhooshIndex) -> None:
    results = shared_ix.search("retrieval -logic")
    assert results.tag_counts == {"rag/eval": 1, "to read": 1}
    assert results.status_counts == {"reading": 1, "unread": 1}


def test_summaries_carry_what_a_list_shows(shared_ix: WhooshIndex) -> None:
    hit = shared_ix.search("title:dense").hits[0]
    s = hit.summary
    assert s.title.startswith("Dense Retrieval")
    assert s.authors == ("Ana Gómez", "Bob Li")
    assert (s.year, s.status, s.rating, s.has_notes) == (2025, "reading", 4, True)
    assert s.tags == ("rag/eval", "to read")
    assert s.categories == ("cs.IR", "cs.CL")
    graph = shared_ix.search("title:graph").hits[0].summary
    assert graph.pdf_state == "done" and graph.page_count == 3 and not graph.has_notes


# -- snippets, more like this, did you mean -------------------------------------------------


def test_snippets_highlight_matches_with_page_numbers(ix: WhooshIndex) -> None:
    results = ix.search("retrieval", snippets=True)
    first = {s.field: s for s in results.hits[0].snippets}
    assert set(first) == {"title", "abstract"}
    assert first["title"].html == "Dense <b>Retrieval</b> for Open-Domain Question Answering"
    assert f"{HIGHLIGHT_START}retrieving{HIGHLIGHT_END}" in first["abstract"].text
    (page,) = results.hits[2].snippets
    assert (page.field, page.page) == ("fulltext", 3)
    assert "sparse <b>retrieval</b> baselines" in page.html
    assert results.terms == ("retrieval",)


def test_phrase_snippets_mark_the_phrase_not_its_words_alone(ix: WhooshIndex) -> None:
    (hit,) = ix.search('"dense encoders"', snippets=True).hits
    # The title holds "Dense" alone: no snippet there, and no lone word marked.
    assert [(s.field, s.html) for s in hit.snippets] == [
        ("abstract", "We study retrieving passages with <b>dense encoders</b> and hard negatives.")
    ]
    (hit,) = ix.search('"message passing"', snippets=True).hits
    assert {(s.field, s.page): s.html for s in hit.snippets} == {
        ("abstract", None): "<b>Message passing</b> on large graphs.",
        ("fulltext", 2): "Related work on <b>message passing</b>",
    }
    # A phrase is exact: a stop word between its words keeps its place, in the index and
    # in the snippet ("work message" is not "work on message"; "work of message" is: any
    # one stop word stands there, as in Lucene).
    assert ix.search('"work message"').total == 0
    for phrase in ('"work on message"', '"work of message"', '"work message"~2'):
        (hit,) = ix.search(phrase, snippets=True).hits
        assert [s.html for s in hit.snippets] == ["Related <b>work on message</b> passing"]
    (hit,) = ix.search('"neural networks" scale', snippets=True).hits
    assert hit.snippets[0].html == "Graph <b>Neural Networks</b> at <b>Scale</b>"
    # Pages: only those holding the phrase (page 3 has "graphs" alone).
    assert [h.page for h in ix.fulltext_hits("2301.00002", "graph")] == [1, 3]
    (page,) = ix.fulltext_hits("2301.00002", '"graph neural"')
    assert (page.page, page.html) == (1, "<b>Graph neural</b> networks introduction")


def test_a_hit_whose_text_holds_no_match_shows_no_page_and_its_text_is_not_read(
    library: Library, extractor: TextExtractor
) -> None:
    """A phrase in two papers' titles and in one's PDF text only: that one shows the page,
    the other its title alone, its text not read (the index knows it holds no match: a
    text is ~0.5 ms to read and cut at every search). A query marking a prefix in the
    text reads every hit's text, as the highlighter alone knows what a prefix marks."""
    from desktop_app.core.search.whoosh import snippets

    add_paper(library, "2401.00001", title="Hard negatives", pages=["Mining hard negatives"])
    add_paper(library, "2401.00002", title="Hard negatives", pages=["Negatives that are hard"])
    with WhooshIndex(library, extractor=extractor, observe=False) as index:
        index.sync()
        shas = {k: index.entry(k).text_sha for k in ("2401.00001", "2401.00002")}  # type: ignore[union-attr]
        queries = ('"hard negatives"', '"hard negatives" OR title:mining', 'hard "hard negatives"')
        for query in queries:
            snippets._page_memo.clear()
            hits = {h.key: h.snippets for h in index.search(query, snippets=True).hits}
            assert [(s.field, s.page) for s in hits["2401.00001"]] == [
                ("title", None),
                ("fulltext", 1),
            ], query
            page = hits["2401.00001"][1].html
            assert page == "Mining <b>hard negatives</b>", query
            shown = [(s.field, s.page) for s in hits["2401.00002"]]
            if query.startswith("hard"):  # (the word alone is on the page)
                assert shown == [("title", None), ("fulltext", 1)], query
                assert set(snippets._page_memo) == set(shas.values()), query
            else:
                assert shown == [("title", None)], query
                assert set(snippets._page_memo) == {shas["2401.00001"]}, query
        snippets._page_memo.clear()
        found = index.search('"hard negatives" neg*', snippets=True)
        hits = {h.key: h.snippets for h in found.hits}
        assert set(snippets._page_memo) == set(shas.values())
        assert [(s.field, s.page) for s in hits["2401.00002"]] == [("title", None), ("fulltext", 1)]


def test_snippets_escape_html(lib: Library, ix: WhooshIndex) -> None:
    lib.write_notes("1907.00003", "a <script> tag & graph notes")
    (snip,) = ix.search("note:graph", snippets=True).hits[0].snippets
    assert snip.html == "a &lt;script&gt; tag &amp; <b>graph</b> notes"


def test_fulltext_hits_name_their_pages(ix: WhooshIndex) -> None:
    hits = ix.fulltext_hits("2301.00002", "passing OR citation")
    assert [h.page for h in hits] == [2, 3]
    # The pages holding the word as typed first: "graphs" stands on page 3 only.
    assert [h.page for h in ix.fulltext_hits("2301.00002", "graphs", limit=2)] == [3, 1]
    assert [h.page for h in ix.fulltext_hits("2301.00002", "graphs", limit=1)] == [3]
    assert ix.fulltext_hits("2504.00001", "retrieval") == []  # no PDF
    assert ix.fulltext_hits("2301.00002", "") == []


def test_more_like_this(lib: Library, ix: WhooshIndex) -> None:
    add_paper(
        lib,
        "2505.00004",
        title="Dense Passage Retrieval with Hard Negatives",
        abstract="Dense encoders retrieve passages for question answering.",
    )
    similar = ix.more_like_this("2504.00001")
    assert similar and similar[0].key == "2505.00004"
    assert "2504.00001" not in [h.key for h in similar]
    assert ix.more_like_this("no-such-key") == []


def test_did_you_mean(shared_ix: WhooshIndex) -> None:
    results = shared_ix.search("retreival")
    assert results.total == 0 and results.suggestion == "retrieval"
    assert shared_ix.search("zzzqqq").suggestion is None
    assert shared_ix.search("retrieval").suggestion is None


# -- keeping in step ------------------------------------------------------------------------


def test_library_changes_are_searchable_at_once(lib: Library, ix: WhooshIndex) -> None:
    lib.add_tags("2301.00002", ["gnn"])
    assert keys(ix, "tag:gnn") == ["2301.00002"]
    lib.set_status("2301.00002", "read")
    assert sorted(keys(ix, "status:read")) == ["1907.00003", "2301.00002"]
    lib.write_notes("1907.00003", "Reread chapter on Hilbert")
    assert keys(ix, "hilbert") == ["1907.00003"]
    lib.delete("1907.00003")
    assert keys(ix, "godel") == []
    lib.restore("1907.00003")
    assert keys(ix, "godel") == ["1907.00003"]


def test_counts_sorting_and_rows_follow_edits(lib: Library, ix: WhooshIndex) -> None:
    ix.search("")  # the per-paper views exist before the edits, and the orders they keep
    assert keys(ix, "", sort=SortOrder.TITLE) == ["2504.00001", "2301.00002", "1907.00003"]
    assert keys(ix, "", sort=SortOrder.YEAR) == ["2504.00001", "2301.00002", "1907.00003"]
    lib.add_tags("2301.00002", ["gnn", "rag/eval"])
    lib.remove_tags("2504.00001", ["to read"])
    lib.set_status("1907.00003", "unread")
    lib.update("1907.00003", lambda p: setattr(p, "title", "An Account of Gödel"))
    results = ix.search("")
    assert results.tag_counts == {"rag/eval": 2, "gnn": 1, "logic": 1}
    assert results.status_counts == {"reading": 1, "unread": 2}
    rows = {h.key: h.summary for h in results.hits}
    assert rows["2301.00002"].tags == ("gnn", "rag/eval")
    assert rows["1907.00003"].status == "unread"
    assert keys(ix, "", sort=SortOrder.TITLE) == ["1907.00003", "2504.00001", "2301.00002"]
    lib.update("1907.00003", lambda p: setattr(p, "published", "2024-05-01"))
    assert keys(ix, "", sort=SortOrder.YEAR) == ["2504.00001", "1907.00003", "2301.00002"]
    assert keys(ix, "", sort=SortOrder.TITLE) == ["1907.00003", "2504.00001", "2301.00002"]
    lib.delete("2504.00001")
    assert ix.search("").tag_counts == {"gnn": 1, "rag/eval": 1, "logic": 1}


def test_edits_commit_small_segments_that_a_sync_merges(lib: Library, ix: WhooshIndex) -> None:
    for n in range(writing.MERGE_AT_SYNC + 1):
        lib.add_tags("2301.00002", [f"t{n}"])
    opened = ix._open
    assert opened is not None
    before = len(opened.papers._segments())
    assert before > writing.MERGE_AT_SYNC
    ix.sync()
    assert len(opened.papers._segments()) < before
    assert keys(ix, "tag:t0 tag:t4") == ["2301.00002"]
    assert sorted(keys(ix, "")) == ["1907.00003", "2301.00002", "2504.00001"]
    assert keys(ix, "graph") == ["2301.00002"]


def test_tag_change_does_not_touch_full_text(lib: Library, ix: WhooshIndex) -> None:
    opened = ix._open
    assert opened is not None
    before = opened.fulltext.latest_generation()
    lib.add_tags("2301.00002", ["gnn"])
    lib.write_notes("2301.00002", "notes too")
    assert opened.fulltext.latest_generation() == before
    assert keys(ix, "fulltext:bm25") == ["2301.00002"]


def test_edits_by_another_process_are_found_on_sync(lib: Library, ix: WhooshIndex) -> None:
    # A text editor on notes.md, another program on paper.json, a sync tool adding and
    # removing folders: none of them tells the index.
    (lib.paper_dir("2301.00002") / "notes.md").write_text("edited in vim: transformers\n")
    data = json.loads((lib.paper_dir("1907.00003") / "paper.json").read_text())
    data["tags"] = ["philosophy"]
    (lib.paper_dir("1907.00003") / "paper.json").write_text(json.dumps(data))
    other = Library(lib.root)
    other.add(Paper(key="2502.00009", arxiv_id="2502.00009", title="Synced in from elsewhere"))
    shutil.rmtree(lib.paper_dir("2504.00001"))
    report = ix.sync()
    assert (report.added, report.updated, report.removed) == (1, 2, 1)
    assert keys(ix, "transformers") == ["2301.00002"]
    assert keys(ix, "tag:philosophy") == ["1907.00003"]
    assert keys(ix, "elsewhere") == ["2502.00009"]
    assert keys(ix, "dense") == []
    assert ix.sync() == type(report)()  # nothing left to do


def test_a_quick_sync_reads_the_journal_and_the_papers_folder_only(
    lib: Library, ix: WhooshIndex
) -> None:
    """What the command line does before a search (issue #18): no look at every folder.
    Papershelf's own changes (the journal) and folders added or removed are indexed; an
    edit made outside Papershelf inside a paper folder waits for a full sync."""
    assert ix.sync(quick=True) == type(ix.sync())()  # in step: nothing to do
    other = Library(lib.root)  # another process's library: it does not tell this index
    other.add_tags("2301.00002", ["quickly"])
    other.add(Paper(key="2502.00009", arxiv_id="2502.00009", title="Added elsewhere"))
    shutil.rmtree(lib.paper_dir("2504.00001"))  # a sync tool removing a folder
    (lib.paper_dir("1907.00003") / "notes.md").write_text("edited in vim: transformers\n")
    report = ix.sync(quick=True)
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert keys(ix, "tag:quickly") == ["2301.00002"]
    assert keys(ix, "elsewhere") == ["2502.00009"]
    assert keys(ix, "dense") == []
    assert keys(ix, "transformers") == []  # not seen by a quick sync
    assert ix.sync(quick=True) == type(report)()
    report = ix.sync()  # the full scan (the app's, or reindex --check) finds it
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert keys(ix, "transformers") == ["1907.00003"]


def test_a_quick_sync_that_finds_nothing_writes_nothing(lib: Library, ix: WhooshIndex) -> None:
    """Every search's quick sync: with nothing changed, the stamp of the signals is left as
    it is (no file written by each search); after a change it moves on past the change."""
    ix.sync(quick=True)
    stamp = ix.dir / "synced.json"
    os.utime(stamp, ns=(1, 1))  # (a rewrite would show in its mtime)
    assert ix.sync(quick=True) == type(ix.sync(quick=True))()
    assert stamp.stat().st_mtime_ns == 1
    Library(lib.root).add_tags("2301.00002", ["again"])  # another process's change
    assert ix.sync(quick=True).updated == 1
    assert stamp.stat().st_mtime_ns != 1
    assert ix.sync(quick=True).updated == 0


def test_a_quick_sync_without_a_full_one_before_is_a_full_one(lib: Library) -> None:
    with WhooshIndex(lib, observe=False) as index:
        index.sync()
        (index.dir / "synced.json").unlink()
        (lib.paper_dir("1907.00003") / "notes.md").write_text("edited in vim: transformers\n")
        assert index.sync(quick=True).updated == 1
        assert keys(index, "transformers") == ["1907.00003"]


def test_another_index_on_the_same_library_sees_commits(lib: Library, ix: WhooshIndex) -> None:
    with WhooshIndex(Library(lib.root), observe=False) as second:
        assert keys(second, "tag:logic") == ["1907.00003"]
        lib.add_tags("2301.00002", ["logic"])  # written through the first index
        assert sorted(keys(second, "tag:logic")) == ["1907.00003", "2301.00002"]


def test_pdf_replaced_is_read_again(lib: Library, ix: WhooshIndex) -> None:
    pdf = lib.paper_dir("2301.00002") / "2301.00002v1.pdf"
    write_pdf(pdf, ["entirely new text about wavelets"])
    ix.update("2301.00002")
    assert keys(ix, "wavelets") == ["2301.00002"]
    assert keys(ix, "bm25") == []


def test_delete_removes_a_paper(ix: WhooshIndex) -> None:
    ix.delete("2301.00002")
    assert keys(ix, "graph") == []
    assert ix.search("").total == 2


def test_search_builds_a_missing_index(lib: Library) -> None:
    with WhooshIndex(lib, observe=False) as fresh:
        assert fresh.search("graph").total == 1


def test_a_second_writer_waits_then_gives_up_clearly(lib: Library, ix: WhooshIndex) -> None:
    ix.write_timeout = 0.2
    with index_lock_held(ix.dir):  # another program is writing
        with pytest.raises(SearchIndexError, match="another program"):
            ix.update("2301.00002")
        lib.add_tags("2301.00002", ["queued"])  # the library change itself succeeds
    assert keys(ix, "tag:queued") == []  # not indexed yet ...
    ix.sync()
    assert keys(ix, "tag:queued") == ["2301.00002"]  # ... the next sync catches up


# -- PDFs -----------------------------------------------------------------------------------


def test_scanned_and_broken_pdfs_fail_alone_with_a_reason(lib: Library, ix: WhooshIndex) -> None:
    add_paper(lib, "2402.00010", title="A scanned paper", pages=["", "", ""])
    write_pdf(lib.paper_dir("2402.00010") / "2402.00010v1.pdf", ["", "", ""], scanned=True)
    add_paper(lib, "2402.00011", title="A broken paper", pages=["x"])
    (lib.paper_dir("2402.00011") / "2402.00011v1.pdf").write_bytes(b"%PDF-1.4 nonsense")
    ix.sync()
    stats = ix.stats()
    assert (stats.papers, stats.pdfs, stats.pdfs_indexed) == (5, 3, 1)
    reasons = dict(stats.failures)
    assert reasons["2402.00010"] == "no text layer (scanned PDF?)"
    assert "cannot be opened" in reasons["2402.00011"]
    assert keys(ix, "scanned") == ["2402.00010"]  # its metadata is still searchable
    assert keys(ix, "has:pdf -has:text") == ["2402.00010", "2402.00011"] or sorted(
        keys(ix, "has:pdf -has:text")
    ) == ["2402.00010", "2402.00011"]


def test_a_rebuild_reads_failed_pdfs_again_only_when_asked(lib: Library) -> None:
    add_paper(lib, "2402.00012", title="Timed out once", pages=["kaleidoscope optics"])
    pdf = lib.paper_dir("2402.00012") / "2402.00012v1.pdf"
    # An earlier attempt failed (the machine was busy): the text cache remembers it.
    failure = "took longer than the time limit (60 s)"
    store_cached(PdfText(sha256=file_sha256(pdf), error=failure, source=pdf.name))
    with WhooshIndex(lib, observe=False) as index:
        index.rebuild()
        assert dict(index.stats().failures) == {"2402.00012": failure}
        assert keys(index, "kaleidoscope") == []
        index.rebuild(retry_failed=True)
        assert index.stats().failures == []
        assert keys(index, "kaleidoscope") == ["2402.00012"]


@pytest.mark.testdata
def test_every_broken_testdata_pdf_fails_cleanly(library: Library) -> None:
    broken = sorted(shared.testdata("pdfs", "broken").glob("*.pdf"))
    for i, pdf in enumerate(broken):
        key = f"2401.{i:05d}"
        add_paper(library, key, title=f"Broken {pdf.stem}", pages=["placeholder"])
        shutil.copyfile(pdf, library.paper_dir(key) / f"{key}v1.pdf")
    add_paper(library, "2401.99999", title="A good one", pages=["healthy words"])
    with WhooshIndex(library, extractor=TextExtractor(timeout=30)) as index:
        index.sync()
        stats = index.stats()
        assert stats.pdfs == len(broken) + 1
        failed = dict(stats.failures)
        for i, pdf in enumerate(broken):
            key = f"2401.{i:05d}"
            assert key in failed or index.entry(key).text_state == "ok"  # type: ignore[union-attr]
            assert failed.get(key, "ok"), pdf.name
        assert keys(index, "healthy") == ["2401.99999"]


@pytest.mark.testdata
def test_snippets_on_real_arxiv_pdfs(library: Library) -> None:
    source = shared.testdata("pdfs", "arxiv", "2302.07302v1.pdf")
    add_paper(library, "2302.07302", title="CiteSee", pages=["x"])
    shutil.copyfile(source, library.paper_dir("2302.07302") / "2302.07302v1.pdf")
    with WhooshIndex(library) as index:
        index.sync()
        assert index.stats().pdfs_indexed == 1
        hits = index.fulltext_hits("2302.07302", "fulltext:citations", limit=50)
        pages = [h.page for h in hits]
        assert pages[0] == 1 and len(pages) > 5 and pages == sorted(pages)
        assert all("<b>" in h.html for h in hits)
        assert index.search("personalized", snippets=True).hits[0].snippets[0].page
        entry = index.entry("2302.07302")
        assert entry is not None and entry.text_pages == 15


def test_results_list_every_hit_and_its_paper(ix: WhooshIndex) -> None:
    results = ix.search("retrieval")
    hits = list(results.hits)
    assert len(results.hits) == len(hits) == results.total == 3
    assert results.hits == hits and results.hits[1:] == hits[1:]
    assert results.hits[0] == hits[0] and results.hits[0].score > hits[2].score > 0
    assert list(results.summaries) == [h.summary for h in hits]
    assert [s.key for s in ix.search("tag:logic").summaries] == ["1907.00003"]


def test_a_word_searched_again_sees_the_changes_made_since(lib: Library, ix: WhooshIndex) -> None:
    assert keys(ix, "wavelets") == []
    assert keys(ix, "wavelets", sort=SortOrder.TITLE) == []  # the word's scores are kept...
    lib.update("1907.00003", lambda p: setattr(p, "title", "Wavelets of Gödel"))
    assert keys(ix, "wavelets") == ["1907.00003"]  # ... until the index changes
    lib.set_status("1907.00003", Status.UNREAD)
    assert keys(ix, "wavelets status:unread") == ["1907.00003"]
