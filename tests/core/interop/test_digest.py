"""Digest import: the real sample digest, malformed digests, idempotence, the inbox, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.errors import DigestError
from desktop_app.core.interop.digest import (
    clean_title,
    import_digest,
    parse_categories,
    parse_digest,
    read_digest_text,
    split_authors,
    write_digest,
)
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from tests.helpers.files import SAMPLE_DIGEST, SHARED

SAMPLE_IDS = [
    "2504.05220", "2504.05217", "2504.05216", "2504.05181", "2504.05146", "2504.04843",
    "2504.04752", "2504.04726", "2504.04707", "2504.04452", "2504.04443", "2504.04405",
    "2504.04400", "2504.04386", "2504.04237", "2504.04199", "2504.04193", "2504.04188",
    "2504.04178", "2504.04098", "2504.04062", "2504.03997", "2504.03965", "2504.03947",
    "2504.05156", "2504.05009", "2504.04915", "2504.04737", "2504.04713", "2504.04065",
    "2504.03979", "2504.03970", "2504.03957",
]  # fmt: skip

ENTRY = """\
# {title}

**Authors**: {authors}

**Link**: [PDF](https://arxiv.org/pdf/{id})

**Abstract**: {abstract}

---
"""


def _entry(aid: str, title: str = "A title", authors: str = "Ann One, Bob Two") -> str:
    abstract = "An abstract."
    return ENTRY.format(id=aid, title=title, authors=authors, abstract=abstract)


# -- the sample digest ----------------------------------------------------------------------


def test_the_sample_digest_imports_33_papers_whole(library: Library) -> None:
    report = import_digest(library, SAMPLE_DIGEST)
    assert len(report.added) == 33 and report.skipped == []
    assert report.added == SAMPLE_IDS
    assert report.summary() == (
        "33 added, 0 already present, 0 updated, 0 dismissed before, 0 skipped"
    )
    papers = {p.key: p for p in library.papers()}
    assert sorted(papers) == sorted(SAMPLE_IDS)

    first = papers["2504.05220"]
    assert first.title == (
        "Leveraging LLMs for Utility-Focused Annotation: Reducing Manual Effort for "
        "Retrieval and RAG"
    )
    assert first.authors == [
        "Hengran Zhang", "Minghao Tang", "Keping Bi", "Jiafeng Guo", "Shihao Liu",
        "Daiting Shi", "Dawei Yin", "Xueqi Cheng",
    ]  # fmt: skip
    assert first.abstract.startswith("Retrieval models typically rely on costly human-labeled")
    assert first.abstract.endswith(
        "to match the performance of models trained entirely with human annotations."
    )
    assert first.status is Status.NEW
    assert first.pdf_state is FetchState.NONE and first.pdf_file is None
    assert first.source == "sample-digest.md"
    assert papers["2504.04752"].authors == ["Dominik Kowald"]

    # Abstracts over several lines keep every paragraph, in order.
    multi = papers["2504.04386"].abstract.split("\n")
    assert len(multi) == 3
    assert multi[0].startswith("Recently, there has been a growing trend")
    assert multi[1].startswith("However, optimizing LLMRec with ICL content")
    assert multi[2].startswith("To address these two main issues")
    assert multi[2].endswith("theoretical analysis and practical module design.")
    assert papers["2504.04178"].abstract.count("\n") == 1
    assert papers["2504.03997"].abstract.count("\n") == 1

    # Nothing of the Markdown leaks into the records.
    for paper in papers.values():
        assert paper.title and paper.authors and paper.abstract
        assert "**" not in paper.title + paper.abstract + "".join(paper.authors)
        assert paper.title == paper.title.strip() and paper.abstract == paper.abstract.strip()


def test_every_abstract_of_the_sample_is_complete(library: Library) -> None:
    """Each abstract holds every non-empty line of its entry after **Abstract**:."""
    text = SAMPLE_DIGEST.read_text(encoding="utf-8")
    expected: dict[str, str] = {}
    for block in text.split("\n---\n"):
        if "**Link**" not in block:
            continue
        aid = block.split("arxiv.org/pdf/")[1].split(")")[0]
        body = block.split("**Abstract**:", 1)[1]
        expected[aid] = "\n".join(line.strip() for line in body.splitlines() if line.strip())
    import_digest(library, SAMPLE_DIGEST)
    assert {p.key: p.abstract for p in library.papers()} == expected


def test_the_shared_sample_is_the_one_shipped() -> None:
    shared = SHARED / "samples" / "arxiv-digest-cs-ir-2504.md"
    if not shared.exists():
        pytest.skip(f"{shared} is not here")
    assert shared.read_bytes() == SAMPLE_DIGEST.read_bytes()


# -- import is idempotent and leaves the reader's data alone ------------------------------


def test_reimport_adds_nothing_and_keeps_the_readers_data(library: Library) -> None:
    import_digest(library, SAMPLE_DIGEST)
    library.set_status("2504.05220", Status.READING)
    library.add_tags("2504.05220", ["rag"])
    library.set_rating("2504.05220", 4)
    library.write_notes("2504.05220", "my notes")
    before = {p.key: p.to_dict() for p in library.papers()}

    report = import_digest(library, str(SAMPLE_DIGEST), status=Status.UNREAD)  # a file name
    assert report.added == [] and len(report.present) == 33
    assert {p.key: p.to_dict() for p in library.papers()} == before
    assert library.read_notes("2504.05220") == "my notes\n"


def test_an_overlapping_digest_fills_in_what_was_missing(library: Library) -> None:
    library.add_arxiv(parse("2504.05220"))
    library.set_status("2504.05220", Status.READ)
    library.update("2504.05220", lambda p: setattr(p, "abstract", "Mine."))
    text = _entry("2504.05220", title="The real title") + _entry("2504.09999", title="New")
    report = import_digest(library, text, source="today.md")
    assert report.updated == ["2504.05220"] and report.added == ["2504.09999"]
    paper = library.get("2504.05220")
    assert paper.title == "The real title" and paper.authors == ["Ann One", "Bob Two"]
    assert paper.abstract == "Mine."  # present already: not overwritten
    assert paper.status is Status.READ and paper.source == "today.md"
    assert import_digest(library, text).present == ["2504.05220", "2504.09999"]


def test_fields_the_user_edited_are_not_filled(library: Library) -> None:
    import_digest(library, _entry("2504.05220", title="Title"))

    def clear(p: Paper) -> None:
        p.title = ""
        p.edited.append("title")

    library.update("2504.05220", clear)
    assert import_digest(library, _entry("2504.05220", title="Title")).present == ["2504.05220"]
    assert library.get("2504.05220").title == ""


def test_dismissed_papers_do_not_come_back(library: Library) -> None:
    import_digest(library, SAMPLE_DIGEST)
    library.set_status("2504.05217", Status.UNREAD)  # kept
    library.dismiss("2504.05220")
    report = import_digest(library, SAMPLE_DIGEST)
    assert report.dismissed == ["2504.05220"] and len(report.present) == 32
    assert not library.exists("2504.05220")
    library.empty_trash()
    assert import_digest(library, SAMPLE_DIGEST).dismissed == ["2504.05220"]


def test_a_damaged_paper_is_skipped_and_left_alone(library: Library) -> None:
    import_digest(library, SAMPLE_DIGEST)
    broken = library.paper_dir("2504.05220") / "paper.json"
    broken.write_text("{", encoding="utf-8")
    report = import_digest(library, SAMPLE_DIGEST)
    assert len(report.present) == 32
    [skipped] = report.skipped
    assert skipped.line == 1 and str(broken) in skipped.reason
    assert broken.read_text(encoding="utf-8") == "{"


def test_status_unread_skips_the_inbox(library: Library) -> None:
    import_digest(library, _entry("2504.05220"), status=Status.UNREAD)
    assert library.get("2504.05220").status is Status.UNREAD


def test_progress_is_reported(library: Library) -> None:
    seen: list[tuple[int, int]] = []
    import_digest(library, SAMPLE_DIGEST, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (1, 33) and seen[-1] == (33, 33)


# -- tolerant parsing -----------------------------------------------------------------------


def test_crlf_bom_and_trailing_spaces(library: Library, tmp_path: Path) -> None:
    text = SAMPLE_DIGEST.read_text(encoding="utf-8")
    path = tmp_path / "windows.md"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "  \r\n").encode("utf-8"))
    report = import_digest(library, path)
    assert len(report.added) == 33 and report.skipped == []
    reference = {e.arxiv.id: e for e in parse_digest(text).entries}
    for paper in library.papers():
        entry = reference[paper.key]
        assert (paper.title, paper.authors, paper.abstract) == (
            entry.title,
            entry.authors,
            entry.abstract,
        )
    old_mac = parse_digest(text.replace("\n", "\r"))
    assert len(old_mac.entries) == 33


MESSY = """\
# arXiv digest: cs.IR, 8 April 2025

Generated by a script. The preamble has no fields and is not a paper.

---
# A good paper

**Authors**: Ann One

**Link**: [PDF](https://arxiv.org/pdf/2504.05220v2)

**Abstract**: Fine.

---
# No link at all

**Authors**: Nobody

**Abstract**: Lost.

---
# A link that is not arXiv

**Link**: [PDF](https://example.org/paper.pdf)

---
# A broken ID

**Link**: [PDF](https://arxiv.org/pdf/2504.5220)

---

**Authors**: No Title

**Link**: https://arxiv.org/abs/2504.05217

---
# Extra fields, **bold**, and $\\mathcal{O}(n^2)$ TeX
**Authors**: [Ann One](https://x.org/ann), Bob Two, and Cy Three
**Link**: <https://arxiv.org/abs/2504.05216>
**Comments**: 12 pages,
  3 figures
**Subjects**: Information Retrieval (cs.IR); Machine Learning (cs.LG)
**Report-no**: ignored
**Abstract**: First paragraph
runs on.

Second paragraph.

---
# A good paper again

**Link**: https://arxiv.org/abs/2504.05220

---
# Separator forgotten
**Link**: arXiv:2504.05181
# Next one straight after
**Link**: 2504.05146
"""


def test_malformed_entries_are_reported_with_their_line_and_the_rest_imports(
    library: Library,
) -> None:
    report = import_digest(library, MESSY, source="messy.md")
    assert report.added == ["2504.05220", "2504.05217", "2504.05216", "2504.05181", "2504.05146"]
    skipped = {s.line: s for s in report.skipped}
    assert sorted(skipped) == [15, 22, 27, 51]
    assert skipped[15].reason == "no arXiv link or ID" and skipped[15].title == "No link at all"
    assert "'https://example.org/paper.pdf' is not an arXiv identifier" in skipped[22].reason
    assert "2504.5220" in skipped[27].reason and "digits" in skipped[27].reason
    assert skipped[51].reason == "2504.05220 appears already at line 6"
    assert str(skipped[15]) == "line 15: no arXiv link or ID (No link at all)"

    assert library.get("2504.05220").arxiv_version == 2
    untitled = library.get("2504.05217")
    assert untitled.title == "" and untitled.authors == ["No Title"]
    extra = library.get("2504.05216")
    assert extra.title == "Extra fields, bold, and O(n²) TeX"
    assert extra.authors == ["Ann One", "Bob Two", "Cy Three"]
    assert extra.comment == "12 pages, 3 figures"
    assert extra.categories == ["cs.IR", "cs.LG"]
    assert extra.abstract == "First paragraph\nruns on.\n\nSecond paragraph."
    assert library.get("2504.05181").title == "Separator forgotten"
    assert library.get("2504.05146").title == "Next one straight after"


@pytest.mark.parametrize(
    ("raw", "readable"),
    [
        ("**Bold** and __strong__ and *emphasis*", "Bold and strong and emphasis"),
        ("[Linked](https://example.org) title", "Linked title"),
        ("$k$-NN search in $\\mathcal{O}(\\log n)$", "k-NN search in O(log n)"),
        ("$\\alpha$-Divergence for $\\ell_2$ and $x^{2}$", "α-Divergence for ℓ₂ and x²"),
        ("Costs \\$5, or $5 and $10", "Costs $5, or $5 and $10"),
        ("M\\\"uller's {BERT} \\& {\\'E}cole", "Müller's BERT & École"),
        ("A* search &amp; <i>more</i>", "A* search & more"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_titles_are_made_readable(raw: str, readable: str) -> None:
    assert clean_title(raw) == readable


def test_authors_and_categories() -> None:
    assert split_authors("A. Smith, B. Jones, and C. Doe") == ["A. Smith", "B. Jones", "C. Doe"]
    assert split_authors("Smith, John; Doe, Jane") == ["Smith, John", "Doe, Jane"]
    assert split_authors("Ann One (1), Bob Two (1,2) & Cy") == ["Ann One", "Bob Two", "Cy"]
    assert parse_categories("cs.IR, stat.ML; hep-th") == ["cs.IR", "stat.ML", "hep-th"]
    assert parse_categories("Optics (physics.optics); Soft (cond-mat.soft)") == [
        "physics.optics",
        "cond-mat.soft",
    ]


def test_files_that_are_not_digests_are_refused(tmp_path: Path, library: Library) -> None:
    binary = tmp_path / "paper.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02")
    latin = tmp_path / "latin1.md"
    latin.write_bytes("# Caf\xe9\n".encode("latin-1"))
    with pytest.raises(DigestError, match=r"paper\.pdf: is a binary file"):
        read_digest_text(binary)
    with pytest.raises(DigestError, match=r"latin1\.md: line 1: not UTF-8"):
        import_digest(library, latin)
    with pytest.raises(DigestError, match=r"missing\.md: no such file"):
        import_digest(library, tmp_path / "missing.md")
    with pytest.raises(DigestError, match="is a folder"):
        import_digest(library, tmp_path)
    assert library.keys() == []
    assert parse_digest("").entries == [] and parse_digest("just prose").skipped == []


# -- writing digests ------------------------------------------------------------------------


def test_write_digest_round_trips(library: Library, tmp_path: Path) -> None:
    import_digest(library, SAMPLE_DIGEST)
    library.update(
        "2504.05220",
        lambda p: (
            setattr(p, "categories", ["cs.IR", "cs.CL"]),
            setattr(p, "comment", "Accepted at SIGIR"),
            setattr(p, "abstract", p.abstract + "\n# not a heading\n---\n**Not**: a field"),
            setattr(p, "authors", ["Smith, Jr., Ann", "Bob Two"]),
            setattr(p, "doi", "10.1145/1234.5678"),
            setattr(p, "published", "2025-04-07"),
            setattr(p, "journal_ref", "SIGIR 2025"),
        ),
    )
    papers = library.papers()
    text = write_digest(papers)
    parsed = parse_digest(text)
    assert parsed.skipped == [] and len(parsed.entries) == 33
    fields = ("title", "authors", "abstract", "categories", "comment", "doi", "published")
    by_key = {e.arxiv.key: e for e in parsed.entries}
    for paper in papers:
        entry = by_key[paper.key]
        for name in fields:
            assert getattr(entry, name) == (getattr(paper, name) or type(getattr(entry, name))())
    # And through a second library, as a user would do it.
    (tmp_path / "export.md").write_text(text, encoding="utf-8")
    other = Library.open(tmp_path / "other")
    assert len(import_digest(other, tmp_path / "export.md").added) == 33
    assert json.dumps(
        [(p.title, p.authors, p.abstract) for p in other.papers()], sort_keys=True
    ) == json.dumps([(p.title, p.authors, p.abstract) for p in papers], sort_keys=True)


def test_write_digest_looks_like_the_format() -> None:
    paper = Paper.from_arxiv(
        parse("2504.05220v1"),
        title="T",
        authors=["A", "B"],
        abstract="Abs.",
    )
    assert write_digest([paper]) == (
        "# T\n\n**Authors**: A, B\n\n**Link**: [PDF](https://arxiv.org/pdf/2504.05220v1)\n\n"
        "**Abstract**: Abs.\n\n---\n"
    )
    assert write_digest([]) == ""


def test_each_paper_keeps_its_place_in_the_digest(library: Library) -> None:
    report = import_digest(library, SAMPLE_DIGEST)
    assert [library.get(k).digest_position for k in report.added] == list(range(1, 34))


# -- hostile digests (issue #19) ----------------------------------------------------------------

GOOD_ENTRY = "# Kept\n\n**Link**: https://arxiv.org/abs/2504.05220\n\n---\n"


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "title",
    [
        "[" * 20_000 + "](" * 20_000,  # D8: 53 s before
        "[](" * 20_000,
        "<https://" * 20_000,
        "<i" * 20_000,
        "*a " * 20_000,
        "$$\\$" * 20_000,
        "#" + " " * 50_000 + "x",
        "**a*" * 20_000,
    ],
)
def test_regex_worst_cases_finish(title: str) -> None:
    text = f"# {title}\n\n**Link**: [PDF]({title[:5000]})\n\n**Authors**: {title}\n\n---\n"
    parsed = parse_digest(text + GOOD_ENTRY)
    assert [e.arxiv.id for e in parsed.entries] == ["2504.05220"]
    assert len(parsed.skipped) == 1


def test_tex_too_deep_or_a_version_too_long_costs_its_entry() -> None:
    deep = "{" * 2000 + "x" + "}" * 2000
    text = (
        f"# A {deep} title\n\n**Link**: https://arxiv.org/abs/2504.05217\n\n---\n"
        f"# Long version\n\n**Link**: https://arxiv.org/abs/2504.05216v{'9' * 5000}\n\n---\n"
        + GOOD_ENTRY
    )
    parsed = parse_digest(text)
    assert [e.arxiv.id for e in parsed.entries] == ["2504.05220"]
    reasons = [s.reason for s in parsed.skipped]
    assert "braces nested 2000 deep" in reasons[0]
    assert "too long" in reasons[1]  # 4,301+ digits rejected the whole file before


def test_tex_in_titles_is_read_by_the_one_decoder() -> None:
    assert clean_title(r"\relax Deep \textasciimacron{} {\"U}ber $\alpha$") == "Deep ¯ Über α"


# -- indexed as one batch ----------------------------------------------------------------------


def test_an_import_is_indexed_in_one_batch_not_one_commit_per_paper(library: Library) -> None:
    """With an index built, each paper was a commit of its own (1,000 entries: 28 s, 0.9 s
    without an index); the index is now told once, at the end of the import."""
    from desktop_app.core.search.whoosh.index import WhooshIndex
    from tests.bench.test_bench_import import generated_digest

    with WhooshIndex(library) as ix:
        ix.sync()
        opened = ix._open
        assert opened is not None
        before = opened.papers.latest_generation()
        report = import_digest(library, generated_digest(120))
        assert len(report.added) == 120
        assert ix.search("retrieval").total == 120  # all in, right after the import
        assert opened.papers.latest_generation() - before <= 2
        library.add_tags(report.added[0], ["later"])  # a single edit is indexed at once
        assert [h.key for h in ix.search("tag:later").hits] == [report.added[0]]
