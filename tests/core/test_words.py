"""Words for people: plurals, folded names, family names and the title sort key."""

from __future__ import annotations

import pytest

from desktop_app.core.words import ascii_fold, family_name, plural, title_sort_key


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
