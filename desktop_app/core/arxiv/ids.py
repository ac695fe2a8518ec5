"""arXiv identifiers: parse every form arXiv uses, normalise it, and find IDs in pasted text.

Forms understood (see ../shared/testdata/arxiv-rules.md, quoting arXiv's documentation):

- new style ``YYMM.NNNN`` (0704 to 1412) and ``YYMM.NNNNN`` (1501 on), optional ``vN``;
- old style ``archive/YYMMNNN`` and ``archive.SC/YYMMNNN`` (the subject class is dropped
  from the canonical form: ``math.CA/0611800v2`` is ``math/0611800`` version 2);
- an ``arXiv:`` prefix in any case; abs, pdf (with or without ``.pdf``), html, format, ps,
  src and tb URLs on ``arxiv.org``, ``www.arxiv.org`` and ``export.arxiv.org``, over http or
  https (also ``arxiv.org/<id>`` and ``/abs/arXiv:<id>``, seen in the wild);
- the DOI ``10.48550/arXiv.XXXX`` and its ``doi.org`` URL;
- the stamp in the margin of arXiv PDFs (``arXiv:2504.05220v1 [cs.IR] 7 Apr 2025``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from desktop_app.core.errors import InvalidArxivId

#: Text longer than this is no arXiv reference (the longest link form is ~80 characters).
MAX_REF_CHARS = 2048
#: Versions have at most this many digits (arXiv's highest are in the dozens): a longer
#: one is refused here, before int() meets 4,301 digits or a PDF name outgrows the disk's.
MAX_VERSION_DIGITS = 4

DEFAULT_ABS_URL = "https://arxiv.org/abs/"
DEFAULT_PDF_URL = "https://arxiv.org/pdf/"

#: The archives of the old identifier scheme (1991 to March 2007).
OLD_ARCHIVES = frozenset(
    {
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
        "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th",
        "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio",
        "quant-ph", "solv-int", "supr-con",
    }
)  # fmt: skip

_NEW = re.compile(r"(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<num>\d+)(?:[vV](?P<version>\d+))?")
_OLD = re.compile(
    r"(?P<archive>[a-zA-Z]+(?:-[a-zA-Z]+)?)(?:\.(?P<sc>[A-Za-z]{2}(?:-[a-z]+)?))?"
    r"/(?P<yy>\d\d)(?P<mm>\d\d)(?P<num>\d+)(?:[vV](?P<version>\d+))?"
)
_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.(?:org|com)/(?:(?:abs|pdf|html|format|ps|src|tb)/)?"
    r"(?P<rest>.+?)(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_DOI = re.compile(
    r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.(?P<rest>.+)$",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?$")


@functools.cache
def _find() -> re.Pattern[str]:
    """Candidates inside free text; each is validated by parse() before it counts.
    (Compiled when first used: ~0.5 ms of every command, which mostly never looks.)"""
    return re.compile(
        r"(?<![\w.])(?:arxiv:\s*)?"
        r"(?P<id>\d{4}\.\d{4,5}(?:v\d+)?"
        r"|[a-zA-Z]+(?:-[a-zA-Z]+)?(?:\.[A-Za-z]{2})?/\d{7}(?:v\d+)?)"
        r"(?![\w])",
        re.IGNORECASE,
    )


@dataclass(frozen=True, order=True)
class ArxivId:
    """A validated arXiv identifier.

    Attributes:
        id: the canonical identifier without version (``2504.05220``, ``math/0611800``).
        version: the version number, or None for "the latest version".
    """

    id: str
    version: int | None = None

    @property
    def canonical(self) -> str:
        """The identifier with its version when one is known (``2504.05220v1``)."""
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def is_old_style(self) -> bool:
        return "/" in self.id

    @property
    def key(self) -> str:
        """The folder name of the paper in the library (``hep-th_9901001``)."""
        return self.id.replace("/", "_")

    @property
    def yymm(self) -> str:
        return self.id.split("/")[-1][:4]

    @property
    def year(self) -> int:
        """The year of the first submission, from the identifier."""
        yy = int(self.yymm[:2])
        # Old-style IDs run from 1991 to 2007; new-style ones from 2007 on (9912.12345 is 2099).
        return 1900 + yy if self.is_old_style and yy >= 91 else 2000 + yy

    def with_version(self, version: int | None) -> ArxivId:
        return ArxivId(self.id, version)

    def abs_url(self, base: str = DEFAULT_ABS_URL) -> str:
        return f"{base.rstrip('/')}/{self.canonical}"

    def pdf_url(self, base: str = DEFAULT_PDF_URL) -> str:
        return f"{base.rstrip('/')}/{self.canonical}"

    @property
    def doi(self) -> str:
        """arXiv's own DOI for the paper (``10.48550/arXiv.2504.05220``)."""
        return f"10.48550/arXiv.{self.id}"

    def __str__(self) -> str:
        return self.canonical


def parse(text: str) -> ArxivId:
    """Parse one arXiv identifier in any of the forms of the module docstring.

    Raises:
        InvalidArxivId: naming the input and what is wrong with it.
    """
    original = text
    if len(text) > MAX_REF_CHARS:
        raise InvalidArxivId(
            f"{_shown(text)} is not an arXiv identifier: {len(text):,} characters is too long"
        )
    text = text.strip().strip("<>\"'")
    if not text:
        raise InvalidArxivId("empty arXiv identifier")
    if (m := _URL.match(text)) or (m := _DOI.match(text)):
        text = _PREFIX.sub("", m.group("rest"))  # also /abs/arXiv:1310.2590
    else:
        text = _PREFIX.sub("", text)
        # The PDF stamp: "arXiv:2504.05220v1 [cs.IR] 7 Apr 2025" -> first token.
        text = text.split()[0] if text.split() else text
    text = text.rstrip("/.,;")
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    return _parse_bare(text, original)


def _parse_bare(text: str, original: str) -> ArxivId:
    if m := _NEW.fullmatch(text):
        yy, mm, num = int(m["yy"]), int(m["mm"]), m["num"]
        if not 1 <= mm <= 12:
            raise InvalidArxivId(f"{_shown(original)} is not an arXiv identifier: month {mm:02d}")
        yymm = yy * 100 + mm
        if yymm < 704:
            raise InvalidArxivId(
                f"{_shown(original)} is not an arXiv identifier: "
                "new-style IDs start in April 2007 (0704)"
            )
        want = 4 if yymm <= 1412 else 5
        if len(num) != want:
            raise InvalidArxivId(
                f"{_shown(original)} is not an arXiv identifier: IDs of {m['yy']}{m['mm']} have "
                f"{want} digits after the dot, not {len(num)}"
            )
        if int(num) == 0:
            raise InvalidArxivId(f"{_shown(original)} is not an arXiv identifier: number 0")
        return ArxivId(f"{m['yy']}{m['mm']}.{num}", _version(m["version"], original))
    if m := _OLD.fullmatch(text):
        archive = m["archive"].lower()
        if archive not in OLD_ARCHIVES:
            raise InvalidArxivId(
                f"{_shown(original)} is not an arXiv identifier: unknown archive {archive!r}"
            )
        yy, mm, num = int(m["yy"]), int(m["mm"]), m["num"]
        if len(num) != 3:
            raise InvalidArxivId(
                f"{_shown(original)} is not an arXiv identifier: old-style IDs have 7 digits"
            )
        if not 1 <= mm <= 12:
            raise InvalidArxivId(f"{_shown(original)} is not an arXiv identifier: month {mm:02d}")
        if not (yy >= 91 or yy * 100 + mm <= 703) or (yy == 91 and mm < 7):
            raise InvalidArxivId(
                f"{_shown(original)} is not an arXiv identifier: "
                "old-style IDs run from 9107 to 0703"
            )
        if int(num) == 0:
            raise InvalidArxivId(f"{_shown(original)} is not an arXiv identifier: number 000")
        return ArxivId(f"{archive}/{m['yy']}{m['mm']}{num}", _version(m["version"], original))
    raise InvalidArxivId(
        f"{_shown(original)} is not an arXiv identifier (expected e.g. 2504.05220, "
        "hep-th/9901001 or an arxiv.org link)"
    )


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short when long."""
    return repr(text) if len(text) <= 80 else repr(text[:60]) + f"… ({len(text):,} characters)"


def _version(text: str | None, original: str) -> int | None:
    if text is None:
        return None
    if len(text) > MAX_VERSION_DIGITS:
        raise InvalidArxivId(
            f"{_shown(original)} is not an arXiv identifier: a version of {len(text):,} digits "
            f"(at most {MAX_VERSION_DIGITS})"
        )
    if int(text) < 1:
        raise InvalidArxivId(f"{_shown(original)} is not an arXiv identifier: versions start at v1")
    return int(text)


def parse_version(text: str) -> int:
    """A version number as written alone (``2``, ``v2``), within :data:`MAX_VERSION_DIGITS`.

    Raises:
        InvalidArxivId: not a version.
    """
    digits = text.strip().removeprefix("v").removeprefix("V")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidArxivId(f"{_shown(text)} is not a version number")
    version = _version(digits, text)
    assert version is not None
    return version


def try_parse(text: str) -> ArxivId | None:
    """Like parse(), but None for text that is not an arXiv identifier."""
    try:
        return parse(text)
    except InvalidArxivId:
        return None


def find_all(text: str) -> list[ArxivId]:
    """Every valid arXiv identifier in a block of text, in order, each paper once.

    Links, ``arXiv:`` prefixes and DOIs are recognised because the bare identifier they
    hold is found. When one paper appears with several versions, the first mention wins.
    """
    found: dict[str, ArxivId] = {}
    text = re.sub(r"10\.48550/arxiv\.", " ", text, flags=re.IGNORECASE)
    for m in _find().finditer(text):
        aid = try_parse(m.group("id"))
        if aid is not None and aid.id not in found:
            found[aid.id] = aid
    return list(found.values())


def key_of(ref: str) -> str:
    """The library key for a reference that is an arXiv ID in any form, or a key already."""
    aid = try_parse(ref)
    if aid is not None:
        return aid.key
    return ref.strip()


def is_category(text: str) -> bool:
    """``text`` has the shape of an arXiv category (``cs.IR``, ``hep-th``, ``cond-mat.str-el``)."""
    return _CATEGORY.match(text) is not None
