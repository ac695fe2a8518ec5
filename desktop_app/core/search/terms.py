"""How words become index terms, engine-free: words, lower case, accents folded, stop words,
English stems.

The index cuts documents and queries with these functions (:mod:`.whoosh.analysis` wraps
them in Whoosh analyzers), and the highlighting (:mod:`.highlight`) marks the words of a
text with them, so what is marked is what was found: ``Retrieving`` in a query marks
``retrieval`` in a title (both stem to ``retriev``) and ``Gödel`` marks ``Godel``.

Nothing here imports Whoosh (the window imports the highlighting). The accent map, the stop
words and the stemmer (:mod:`.porter`) are Whoosh's own, copied (whoosh-reloaded 2.7,
two-clause BSD licence, Matt Chaput); ``tests/core/search/test_terms.py`` checks that they
still fold, drop and stem every word as Whoosh's do.
"""

# The parts copied from Whoosh (whoosh-reloaded 2.7.5) are under its licence:
#
# Copyright 2011 Matt Chaput. All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are met:
#
#    1. Redistributions of source code must retain the above copyright notice,
#       this list of conditions and the following disclaimer.
#
#    2. Redistributions in binary form must reproduce the above copyright
#       notice, this list of conditions and the following disclaimer in the
#       documentation and/or other materials provided with the distribution.
#
# THIS SOFTWARE IS PROVIDED BY MATT CHAPUT ``AS IS'' AND ANY EXPRESS OR
# IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO
# EVENT SHALL MATT CHAPUT OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT,
# INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
# LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA,
# OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
# LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
# NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE,
# EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
#
# The views and conclusions contained in the software and documentation are
# those of the authors and should not be interpreted as representing official
# policies, either expressed or implied, of Matt Chaput.

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from desktop_app.core.search.porter import stem as porter_stem

T = TypeVar("T")

#: A word: letters and digits, with inner dots kept (``cs.IR``, ``2504.01234``, ``e.g``).
#: (The words of ``\w+(?:\.?\w+)*``, the pattern before, found in half the time: without an
#: optional dot the regex engine has no other split of a run of letters to try. Possessive:
#: nothing follows that could take a letter or a dot back, so the engine keeps no places to
#: return to, ~12% quicker over a paper's text.)
WORD = re.compile(r"\w++(?:\.\w++)*+")
#: :data:`WORD` for a text of ASCII characters alone, where ``\w`` means the same (letters,
#: digits, ``_``) and is tested quicker.
_ASCII_WORD = re.compile(WORD.pattern, re.ASCII)

#: Whoosh's English stop words (``whoosh.analysis.STOP_WORDS``).
STOP_WORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "have",
        "if",
        "in",
        "is",
        "it",
        "may",
        "not",
        "of",
        "on",
        "or",
        "tbd",
        "that",
        "the",
        "this",
        "to",
        "us",
        "we",
        "when",
        "will",
        "with",
        "yet",
        "you",
        "your",
    )
)

#: Whoosh's accent folding (``whoosh.support.charset.accent_map``, from Carlos Bueno's
#: "Accent Folding for Auto-Complete"): each folded letter and the characters folded to it.
_FOLDED_FROM = {
    "0": "\uff10",
    "1": "\uff11",
    "2": "\uff12",
    "3": "\uff13",
    "4": "\uff14",
    "5": "\uff15",
    "6": "\uff16",
    "7": "\uff17",
    "8": "\uff18",
    "9": "\uff19",
    "A": "\uff21",
    "B": "\uff22",
    "C": "\uff23",
    "D": "\uff24",
    "E": "\uff25",
    "F": "\uff26",
    "G": "\uff27",
    "H": "\uff28",
    "I": "\uff29",
    "J": "\uff2a",
    "K": "\uff2b",
    "L": "\uff2c",
    "M": "\uff2d",
    "N": "\uff2e",
    "O": "\uff2f",
    "P": "\uff30",
    "Q": "\uff31",
    "R": "\uff32",
    "S": "\uff33",
    "T": "\uff34",
    "U": "\uff35",
    "V": "\uff36",
    "W": "\uff37",
    "X": "\uff38",
    "Y": "\uff39",
    "Z": "\uff3a",
    "a": ("ÀÁÂÃÄÅàáâãäåĀāĂăĄąĹǍǎǞǟǠǡǢǣǺǻǼǽȀȁȂȃȦȧȺḀḁẚẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặⱥ\uff41"),
    "b": "ƀƁƂƃɃɓᵬḂḃḄḅḆḇ\uff42",
    "c": "ÇçĆćĈĉĊċČčƇƈȻȼɕḈḉ\uff43",
    "d": "ðĎďĐđƉƊƋƌȡɖɗᵭḊḋḌḍḎḏḐḑḒḓ\uff44",
    "e": ("ÈÉÊËèéêëĒēĔĕĖėĘęĚěƎƏǝȄȅȆȇȨȩɆɇɚɝḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ\uff45"),
    "f": "ƑƒᵮḞḟ\uff46",
    "g": "ĜĝĞğĠġĢģƓǤǥǦǧǴǵɠḠḡ\uff47",
    "h": "HĤĥĦħȞȟ\u0331ḢḣḤḥḦḧḨḩḪḫẖⱧⱨ\uff48",
    "i": ("IiÌÍÎÏìíîïĨĩĪīĬĭĮįİıƗǏǐȈȉȊȋɨḬḭḮḯỈỉỊị\uff49"),
    "j": "JĴĵǰȷɈɉɟʄʝ\u030c\uff4a",
    "k": "ĶķƘƙǨǩḰḱḲḳḴḵⱩⱪ\uff4b",
    "l": "ĺĻļĽľĿŀŁłƚȴȽɫɬɭ\u0323ḶḷḸḹḺḻḼḽⱠⱡⱢ\uff4c",
    "m": "ɱḾḿṀṁṂṃ\uff4d",
    "n": "NnÑñŃńŅņŇňƝƞǸǹȠȵɲɳṄṅṆṇṈṉṊṋ\uff4e",
    "o": ("ÒÓÔÕÖØòóôõöøŌōŎŏŐőƟƠơǑǒǪǫǬǭǾǿȌȍȎȏȪȫȬȭȮȯȰȱɵṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ\uff4f"),
    "p": "PpƤƥ\u0303ṔṕṖṗⱣ\uff50",
    "q": "Ɋɋʠ\uff51",
    "r": "ŔŕŖŗŘřȐȑȒȓɌɍɼɽɾᵲᵳṘṙṚṛṜṝṞṟⱤ\uff52",
    "s": "SsßŚśŜŝŞşŠšȘșʂ\u0329ṠṡṢṣṤṥṦṧṨṩẛ\uff53",
    "t": "TÞþŢţŤťŦŧƫƬƭƮȚțȶȾʈ\u0308ᵵṪṫṬṭṮṯṰṱẗⱦ\uff54",
    "u": ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗɄʉṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự\uff55"),
    "v": "ƲʋṼṽṾṿ\uff56",
    "w": "WŴŵẀẁẂẃẄẅẆẇẈẉẘ\uff57",
    "x": "ẊẋẌẍ\uff58",
    "y": "YÝýÿŶŷŸƳƴȲȳɎɏʏ\u030aẎẏẙỲỳỴỵỶỷỸỹ\uff59",
    "z": "ŹźŻżŽžƵƶƺǮǯȤȥʐʑẐẑẒẓẔẕⱫⱬ\uff5a",
}
ACCENT_MAP = {ord(c): folded for folded, chars in _FOLDED_FROM.items() for c in chars}

_MEMO_LIMIT = 500_000  # words remembered before the memo starts over
_stem_memo: dict[str, str] = {}
_fold_memo: dict[str, str] = {}


def fold(word: str) -> str:
    """Lower case with accents folded (``Gödel`` -> ``godel``; Whoosh's map makes ``ß`` ``s``)."""
    return word.lower().translate(ACCENT_MAP)


def find_words(text: str) -> list[str]:
    """``WORD.findall(text)``; a quarter quicker for a text of ASCII characters alone."""
    return (_ASCII_WORD if text.isascii() else WORD).findall(text)


def stem_term(word: str) -> str:
    """The index term of a word in a stemmed field; ``""`` for a stop word or a single letter."""
    term = _stem_memo.get(word)
    if term is None:
        folded = fold(word)
        term = "" if len(folded) < 2 or folded in STOP_WORDS else porter_stem(folded)
        if len(_stem_memo) >= _MEMO_LIMIT:
            _stem_memo.clear()
        _stem_memo[word] = term
    return term


def plain_term(word: str) -> str:
    """The index term of a word in an unstemmed field (names): folded, nothing dropped."""
    term = _fold_memo.get(word)
    if term is None:
        term = fold(word)
        if len(_fold_memo) >= _MEMO_LIMIT:
            _fold_memo.clear()
        _fold_memo[word] = term
    return term


def word_terms(words: list[str], stem: bool = True) -> list[str]:
    """The index terms of ``words`` (from ``WORD.findall``), one per word, ``""`` for each one
    dropped: ``map(stem_term, words)``, the remembered words looked up in one pass in C
    (:func:`looked_up`)."""
    if stem:
        return looked_up(words, _stem_memo, stem_term)
    return looked_up(words, _fold_memo, plain_term)


def word_other_forms(words: list[str]) -> list[str]:
    """``map(other_form, words)``, the remembered words looked up in one pass in C."""
    return looked_up(words, _other_memo, other_form)


def looked_up(words: list[str], memo: dict[str, T], term_of: Callable[[str], T]) -> list[T]:
    """``map(term_of, words)`` where ``term_of`` remembers each word's term in ``memo``: one
    lookup per word in C, the words not remembered yet worked out first (once each); if
    the memo starts over meanwhile, one word at a time."""
    try:
        return list(map(memo.__getitem__, words))
    except KeyError:
        for word in set(words).difference(memo):
            term_of(word)
    try:
        return list(map(memo.__getitem__, words))
    except KeyError:  # (the memo started over meanwhile)
        return list(map(term_of, words))


def stemmed_terms(text: str) -> list[str]:
    """The terms of ``text`` in a stemmed field, in order (stop words dropped)."""
    return [t for t in map(stem_term, find_words(text)) if t]


def placed_terms(text: str, stem: bool = True) -> list[tuple[int, str]]:
    """The terms of ``text`` with their positions, counting every word: a dropped stop word
    (or single letter) keeps its place, so ``hard of negatives`` puts ``negat`` two places
    after ``hard`` and the phrase ``"hard negatives"`` does not match it (Lucene's stop
    filter keeps position increments the same way)."""
    term_of = stem_term if stem else plain_term
    return [(pos, t) for pos, t in enumerate(map(term_of, find_words(text))) if t]


def exact_term(word: str) -> str:
    """The exact form of a word in a stemmed field (its folded letters, not its stem); ""
    where the stemmed field drops it (stop words, single letters)."""
    return plain_term(word) if stem_term(word) else ""


_other_memo: dict[str, str] = {}


def other_form(word: str) -> str:
    """The exact form of a word where it differs from its stem (``tokens``); "" otherwise."""
    form = _other_memo.get(word)
    if form is None:
        stem = stem_term(word)
        form = plain_term(word) if stem else ""
        if form == stem:
            form = ""
        if len(_other_memo) >= _MEMO_LIMIT:
            _other_memo.clear()
        _other_memo[word] = form
    return form


def phrase_offsets(text: str, stem: bool = True) -> tuple[tuple[int, str], ...]:
    """A phrase's terms with their places counted from its first kept word: ``bag of
    words`` -> ``((0, "bag"), (2, "word"))``."""
    placed = placed_terms(text, stem)
    if not placed:
        return ()
    first = placed[0][0]
    return tuple((pos - first, t) for pos, t in placed)
