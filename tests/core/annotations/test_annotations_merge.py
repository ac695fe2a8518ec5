"""Merging two copies of annotations.json: nothing lost, deletions kept, order irrelevant."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core.annotations.merge import merge_files
from desktop_app.core.annotations.model import Annotation, AnnotationFile, Color, Kind


def _stamp(t: int) -> str:
    return f"2025-04-07T09:{t // 60000 % 60:02d}:{t // 1000 % 60:02d}.{t % 1000:03d}Z"


# One edit: (which copy, operation, which annotation, colour, time step)
_edits = st.lists(
    st.tuples(
        st.sampled_from("ab"),
        st.sampled_from(["add", "color", "comment", "delete"]),
        st.integers(0, 5),
        st.sampled_from(list(Color)),
        st.integers(0, 3),
    ),
    max_size=30,
)


def _replay(edits: list[tuple[str, str, int, Color, int]]) -> tuple[AnnotationFile, ...]:
    """Two copies of one file, edited independently (times increase, with ties)."""
    base = [
        Annotation(id=f"id-{i}", page=1, text=f"t{i}", created=_stamp(0), modified=_stamp(0))
        for i in range(3)
    ]
    copies = {"a": AnnotationFile(list(base)), "b": AnnotationFile(list(base))}
    t = 0
    for side, op, n, color, step in edits:
        t += step  # step 0: two edits in the same millisecond
        content = copies[side]
        ann_id = f"id-{n}" if n < 3 else f"new-{side}-{n}"
        old = content.get(ann_id)
        if op == "add" or old is None:
            if old is None:
                content.put(
                    Annotation(
                        id=ann_id,
                        kind=Kind.NOTE,
                        page=2,
                        color=color,
                        created=_stamp(t),
                        modified=_stamp(t),
                    )
                )
            continue
        if old.deleted:
            continue
        if op == "delete":
            new = Annotation(id=ann_id, deleted=True, modified=_stamp(t))
        elif op == "color":
            new = Annotation(**{**old.__dict__, "color": color, "modified": _stamp(t)})
        else:
            new = Annotation(**{**old.__dict__, "comment": f"{side}{t}", "modified": _stamp(t)})
        content.put(new)
    return copies["a"], copies["b"]


def _by_id(content: AnnotationFile) -> dict[str, dict[str, object]]:
    return {a.id: a.to_dict() for a in content.annotations}


@settings(max_examples=300, deadline=None)
@given(_edits)
def test_merging_two_edited_copies_loses_nothing(edits: list) -> None:
    a, b = _replay(edits)
    ab, ba = merge_files(a, b), merge_files(b, a)
    # Same result whichever side merges, and merging again changes nothing.
    assert _by_id(ab) == _by_id(ba)
    assert _by_id(merge_files(ab, b)) == _by_id(ab) == _by_id(merge_files(ab, ab))
    merged = {x.id: x for x in ab.annotations}
    # Every annotation either copy holds is there, once.
    assert set(merged) == {x.id for x in a.annotations} | {x.id for x in b.annotations}
    assert len(ab.annotations) == len(merged)
    for ann_id, got in merged.items():
        versions = [c.get(ann_id) for c in (a, b) if c.get(ann_id) is not None]
        latest = max(v.modified for v in versions if v)
        # The later modification wins …
        assert got.modified == latest
        # … and at the same time a deletion wins: a deleted annotation never comes back
        # from a copy that did not see the deletion.
        if any(v and v.deleted and v.modified == latest for v in versions):
            assert got.deleted


def test_a_copy_from_before_a_deletion_does_not_bring_it_back() -> None:
    ann = Annotation(id="x", text="t", created=_stamp(0), modified=_stamp(1))
    deleted = AnnotationFile([Annotation(id="x", deleted=True, modified=_stamp(5))])
    assert merge_files(AnnotationFile([ann]), deleted).live == []
    assert merge_files(deleted, AnnotationFile([ann])).live == []
