"""Reading JSON strictly: nesting past the limit is refused, whatever counts the brackets."""

from __future__ import annotations

import pytest

from desktop_app.core import jsonfiles


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("kind", [str, bytes])
def test_values_nested_past_the_limit_are_refused_and_at_it_read(kind: type) -> None:
    def encoded(text: str) -> str | bytes:
        return text if kind is str else text.encode()

    deepest = jsonfiles.MAX_DEPTH
    assert jsonfiles.depth(jsonfiles.loads(encoded(_nested(deepest)))) == deepest
    with pytest.raises(ValueError, match="nested more than"):
        jsonfiles.loads(encoded(_nested(deepest + 1)))
    # Brackets in strings are not levels: a shallow record full of them is read.
    shallow = '{"title": "' + "[{" * 100 + '", "tags": [["x"]]}'
    assert jsonfiles.loads(encoded(shallow))["tags"] == [["x"]]
    within = '{"a": ' + _nested(deepest - 1) + ', "note": "' + "[" * 200 + '"}'
    assert jsonfiles.depth(jsonfiles.loads(encoded(within))) == deepest
    with pytest.raises(ValueError, match="nested more than"):
        jsonfiles.loads(encoded('{"a": ' + _nested(deepest) + "}"))
