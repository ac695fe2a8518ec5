"""arXiv identifiers: every form arXiv uses parses to one canonical ID; bad input is named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.arxiv.ids import OLD_ARCHIVES, ArxivId, find_all, key_of, parse, try_parse
from desktop_app.core.errors import InvalidArxivId

# -- strategies: valid identifiers and the ways people write them ---------------------------


@st.composite
def new_style(draw: st.DrawFn) -> ArxivId:
    yymm = draw(
        st.sampled_from([f"{y:02d}{m:02d}" for y in range(7, 100) for m in range(1, 13)]).filter(
            lambda s: int(s) >= 704
        )
    )
    digits = 4 if int(yymm) <= 1412 else 5
    number = draw(st.integers(1, 10**digits - 1))
    version = draw(st.none() | st.integers(1, 30))
    return ArxivId(f"{yymm}.{number:0{digits}d}", version)


@st.composite
def old_style(draw: st.DrawFn) -> tuple[ArxivId, str]:
    """An old-style ID and the archive as written (maybe with a subject class)."""
    archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
    yymm = draw(
        st.sampled_from(
            [f"{y % 100:02d}{m:02d}" for y in range(1991, 2008) for m in range(1, 13)]
        ).filter(lambda s: (s >= "9107") or s <= "0703")
    )
    number = draw(st.integers(1, 999))
    version = draw(st.none() | st.integers(1, 9))
    written = archive
    if draw(st.booleans()):
        written += "." + draw(st.sampled_from(["CA", "GT", "IR", "LG", "AO"]))
    return ArxivId(f"{archive}/{yymm}{number:03d}", version), written


def _forms(aid: ArxivId, written_id: str) -> list[str]:
    """Every way of writing ``aid`` that parse() must understand."""
    v = f"v{aid.version}" if aid.version else ""
    bare = written_id + v
    forms = [
        bare,
        f"arXiv:{bare}",
        f"ARXIV:{bare}",
        f"arxiv: {bare}",
        f"https://arxiv.org/abs/{bare}",
        f"http://arxiv.org/abs/{bare}",
        f"https://www.arxiv.org/abs/{bare}",
        f"http://export.arxiv.org/abs/{bare}",
        f"https://arxiv.org/pdf/{bare}",
        f"https://arxiv.org/pdf/{bare}.pdf",
        f"arxiv.org/pdf/{bare}.pdf",
        f"https://arxiv.org/html/{bare}",
        f"https://arxiv.org/abs/{bare}?context=cs",
        f"<https://arxiv.org/abs/{bare}>",
        f"  {bare}  ",
        f"arXiv:{bare} [cs.IR] 7 Apr 2025",
    ]
    if not aid.version:  # DOIs name the paper, not a version
        forms += [
            f"10.48550/arXiv.{written_id}",
            f"https://doi.org/10.48550/arXiv.{written_id}",
            f"doi:10.48550/ARXIV.{written_id}",
        ]
    return forms


@given(new_style(), st.data())
def test_every_form_of_a_new_style_id_round_trips(aid: ArxivId, data: st.DataObject) -> None:
    form = data.draw(st.sampled_from(_forms(aid, aid.id)))
    assert parse(form) == aid
    assert parse(aid.canonical) == aid
    assert parse(aid.abs_url()) == aid
    assert parse(aid.pdf_url()) == aid


@given(old_style(), st.data())
def test_every_form_of_an_old_style_id_round_trips(
    case: tuple[ArxivId, str], data: st.DataObject
) -> None:
    aid, archive_written = case
    written = archive_written + "/" + aid.id.split("/")[1]
    form = data.draw(st.sampled_from(_forms(aid, written)))
    assert parse(form) == aid
    assert parse(str(aid)) == aid


@given(st.lists(new_style(), min_size=1, max_size=6), st.data())
def test_find_all_finds_every_id_in_pasted_text_once(
    ids: list[ArxivId], data: st.DataObject
) -> None:
    seps = st.sampled_from([" ", "\n", ", ", "; ", " and ", "\t(", ")\n"])
    parts = [data.draw(st.sampled_from(_forms(a, a.id)[:13])) for a in ids]
    text = "Papers: " + "".join(p + data.draw(seps) for p in parts) + "the end."
    text += " Again: " + parts[0]
    expected: dict[str, ArxivId] = {}
    for aid in ids:
        expected.setdefault(aid.id, aid)
    assert find_all(text) == list(expected.values())


# -- examples from arXiv's documentation ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "version"),
    [
        ("math.CA/0611800v2", "math/0611800", 2),
        ("arXiv:math.CA/0611800v2", "math/0611800", 2),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("HEP-TH/9901001V1", "hep-th/9901001", 1),
        ("0704.0001", "0704.0001", None),
        ("1412.7878", "1412.7878", None),
        ("1501.00001", "1501.00001", None),
        ("9912.12345v2", "9912.12345", 2),
        ("arXiv:2504.05220v1 [cs.IR] 7 Apr 2025", "2504.05220", 1),
        ("arXiv:0706.0001v1 [q-bio.CB] 1 Jun 2007", "0706.0001", 1),
        ("arXiv:hep-th/9901001v2 10 May 1999", "hep-th/9901001", 2),
        ("arXiv:cond-mat/9901001v1 [cond-mat.supr-con] 1 Jan 1999", "cond-mat/9901001", 1),
        ("https://arxiv.org/pdf/hep-th/9901001.pdf", "hep-th/9901001", None),
        ("https://arxiv.org/abs/hep-th/9901001?fmt=txt", "hep-th/9901001", None),
        ("https://arxiv.org/abs/2504.05220#", "2504.05220", None),
        ("https://arxiv.org/abs/arXiv:1310.2590", "1310.2590", None),
        ("https://arxiv.org/1110.3658", "1110.3658", None),
        ("https://doi.org/10.48550/arXiv.math/0211159", "math/0211159", None),
        ("10.48550/ARXIV.1811.10364", "1811.10364", None),
    ],
)
def test_documented_forms(text: str, canonical: str, version: int | None) -> None:
    aid = parse(text)
    assert (aid.id, aid.version) == (canonical, version)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2513.00001", "month 13"),
        ("2500.00001", "month 00"),
        ("2504.0522", "5 digits after the dot, not 4"),
        ("2504.052201", "5 digits after the dot, not 6"),
        ("1412.12345", "4 digits after the dot, not 5"),
        ("0703.0001", "start in April 2007"),
        ("2504.00000", "number 0"),
        ("2504.05220v0", "versions start at v1"),
        ("foo-bar/9901001", "unknown archive 'foo-bar'"),
        ("hep-th/990100", "7 digits"),
        ("hep-th/0704001", "9107 to 0703"),
        ("hep-th/9913001", "month 13"),
        ("https://arxiv.org/list/cs.IR/new", "not an arXiv identifier"),
        ("hello world", "not an arXiv identifier"),
    ],
)
def test_invalid_input_names_the_input_and_the_problem(text: str, why: str) -> None:
    with pytest.raises(InvalidArxivId) as info:
        parse(text)
    message = str(info.value)
    assert why in message
    if text.strip():
        assert repr(text) in message
    assert try_parse(text) is None


def test_what_an_id_gives() -> None:
    aid = parse("arXiv:2504.05220v1")
    assert aid.canonical == "2504.05220v1"
    assert aid.key == "2504.05220"
    assert aid.year == 2025
    assert aid.abs_url() == "https://arxiv.org/abs/2504.05220v1"
    assert aid.pdf_url() == "https://arxiv.org/pdf/2504.05220v1"
    assert aid.pdf_url("http://127.0.0.1:8000/pdf/") == "http://127.0.0.1:8000/pdf/2504.05220v1"
    assert aid.doi == "10.48550/arXiv.2504.05220"
    assert aid.with_version(None).canonical == "2504.05220"

    old = parse("math.CA/0611800v2")
    assert old.key == "math_0611800"
    assert old.canonical == "math/0611800v2"
    assert old.year == 2006
    assert parse("hep-th/9901001").year == 1999
    assert parse("9912.12345").year == 2099  # new-style IDs are 2007 on


def test_find_all_in_a_real_paste() -> None:
    text = (
        "Read https://arxiv.org/abs/2504.05220v2 (and arXiv:2504.05220), the PDF at "
        "arxiv.org/pdf/hep-th/9901001v1.pdf, DOI 10.48550/arXiv.2202.01037; "
        "not 1203.12345 or 12345.6789 or version 2504.05217v0. Also math.CA/0611800v2."
    )
    assert [str(a) for a in find_all(text)] == [
        "2504.05220v2",
        "hep-th/9901001v1",
        "2202.01037",
        "math/0611800v2",
    ]
    assert find_all("no identifiers here, just 3.14159 and 2025.") == []


def test_key_of_accepts_ids_in_any_form_and_keys() -> None:
    assert key_of("https://arxiv.org/abs/hep-th/9901001v3") == "hep-th_9901001"
    assert key_of(" local-some-paper-0a1b2c3d ") == "local-some-paper-0a1b2c3d"
