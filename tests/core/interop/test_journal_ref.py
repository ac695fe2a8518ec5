"""Journal references as authors write them on arXiv, read into journal, volume and pages."""

from __future__ import annotations

import pytest

from desktop_app.core.interop.journal_ref import JournalRef, split_journal_ref


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "Phys. Rev. D 76, 013009 (2007)",
            JournalRef("Phys. Rev. D", "76", None, "013009", "2007"),
        ),
        ("Nature 521, 436-444 (2015)", JournalRef("Nature", "521", None, "436--444", "2015")),
        ("JHEP 0712:036,2007", JournalRef("JHEP", "0712", None, "036", "2007")),
        (
            "IEEE Trans. Pattern Anal. Mach. Intell. 41(3), 2019, 740-757",
            JournalRef("IEEE Trans. Pattern Anal. Mach. Intell.", "41", "3", "740--757", "2019"),
        ),
        (
            "Proceedings of ACL 2020, pp. 123-130",
            JournalRef("Proceedings of ACL 2020", None, None, "123--130", None),
        ),
        ("ECIR 2027", JournalRef("ECIR 2027")),
        ("Published in TMLR", JournalRef("Published in TMLR")),
        (
            "  Prog.  Theor. Phys. 101 (1999) 1155 ",
            JournalRef("Prog. Theor. Phys.", "101", None, "1155", "1999"),
        ),
    ],
)
def test_journal_references_are_read_into_their_parts(text: str, parts: JournalRef) -> None:
    assert split_journal_ref(text) == parts
