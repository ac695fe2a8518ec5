"""Words for people: plurals, folded names, family names and the title sort key."""

from __future__ import annotations

import pytest

from desktop_app.core import words
from desktop_app.core.words import ascii_fold, family_name, plural, printable, title_sort_key


@pytest.mark.parametrize(
    ("author", "family"),
    [
        ("Jacob Devlin", "Devlin"),
        ("Devlin, Jacob", "Devlin"),
        ("Joseph E. Gonzalez Jr.", "Gonzalez"),
        ("{World Health Organization}", "Organization"),
        ("Maarten de Rijke", "Rijke"),
    ],
)
def test_family_names(author: str, family: str) -> None:
    assert family_name(author) == family


def test_plural_counts_with_their_noun() -> None:
    assert plural(1, "paper") == "1 paper"
    assert plural(0, "paper") == "0 papers"
    assert plural(1271, "paper") == "1,271 papers"
    assert plural(2, "conflict copy", "conflict copies") == "2 conflict copies"


def test_ascii_fold_keeps_letters_and_digits() -> None:
    assert ascii_fold("Balázs-Nagy 2") == "balazsnagy2"


def test_titles_sort_without_their_leading_article() -> None:
    titles = ["The Zebra", "An Apple", "banana", "“Quoted” title", "Écoles"]
    assert sorted(titles, key=title_sort_key) == [
        "An Apple",
        "banana",
        "Écoles",
        "“Quoted” title",
        "The Zebra",
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("A \x1b]0;pwned\x07Title", "A Title"),  # retitles the terminal window
        ("Clear\x1b[2J\x1b[H me", "Clear me"),  # clears the screen
        ("\x1b[31mRed\x1b[0m and \x9b1mbold", "Red and bold"),  # 7- and 8-bit CSI
        ("link \x1b]8;;http://x\x1b\\here\x1b]8;;\x1b\\", "link here"),  # OSC with ST
        ("bell\x07 back\x08space\r", "bell backspace"),
        ("lone escape\x1b", "lone escape"),
        ("r\u202eevil", "revil"),  # a bidi override reverses what follows
        ("Ångström, 张伟 — ok", "Ångström, 张伟 — ok"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
    ],
)
def test_printable_removes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_on_one_line_and_in_linear_time() -> None:
    assert printable("a\ttitle\non\r\nlines", one_line=True) == "a title on lines"
    # Unterminated sequences repeated: each match stops at the next ESC (no backtracking).
    # A test run would take minutes if matching were quadratic.
    for hostile in ("\x1b]" * 200_000, "\x1b[" * 200_000, "\x1bP" * 200_000):
        assert printable(hostile) == ""
    assert printable("\x1b]" * 200_000 + "\x07end") == "end"


def test_titles_sort_as_the_unicode_collation_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a locale of the user's: the Unicode collation's order (English's), letters
    with marks among their base letters, accents then case breaking ties (issue #14)."""
    monkeypatch.setenv("LC_ALL", "C")
    words.collate_by_user_locale()
    titles = ["Zebra", "Ødegaard's lemma", "Éclair", "Ångström units", "apple", "Ecz", "Oz"]
    titles += ["eclair", "Eclair", "Ærø", "The Über model", "uber", "BERT: Pre", "BERT-based"]
    titles += ["BERT based", "10 things", "2 things"]
    assert sorted(titles, key=title_sort_key) == [
        "10 things",
        "2 things",
        "Ærø",
        "Ångström units",
        "apple",
        "BERT based",
        "BERT-based",
        "BERT: Pre",
        "eclair",
        "Eclair",
        "Éclair",
        "Ecz",
        "Ødegaard's lemma",
        "Oz",
        "uber",
        "The Über model",
        "Zebra",
    ]


def test_collation_follows_the_locale_only_when_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LC_ALL", "LC_COLLATE", "LANG"):
        monkeypatch.setenv(name, "C")
    assert words.collate_by_user_locale() is None
    assert title_sort_key("Ødegaard") < title_sort_key("Zebra")
