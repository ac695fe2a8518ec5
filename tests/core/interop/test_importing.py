"""The import pipeline: one arXiv paper is never added twice, whatever the import."""

from __future__ import annotations

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop.importing import Importer, Incoming, Outcome
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper


def _arxiv(ref: str, **values: object) -> Paper:
    return Paper.from_arxiv(parse(ref), **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "ref", ["2504.05220", "2504.05220v2", "arXiv:2504.05220v3", "https://arxiv.org/abs/2504.05220"]
)
def test_the_same_arxiv_paper_is_never_added_twice(library: Library, ref: str) -> None:
    library.add(_arxiv("2504.05220v1", title="Kept", tags=["mine"]))
    importer = Importer(library)
    outcome, key = importer.add(Incoming(_arxiv(ref, title="Other", tags=["theirs"])))
    assert (outcome, key) == (Outcome.JOINED, "2504.05220")
    assert len(library) == 1
    paper = library.get("2504.05220")
    assert paper.title == "Kept" and paper.tags == ["mine", "theirs"]


def test_old_style_ids_with_a_subject_class_are_the_same_paper(library: Library) -> None:
    library.add(_arxiv("math/0611800"))
    outcome, key = Importer(library).add(Incoming(_arxiv("math.CA/0611800v2")))
    assert (outcome, key) == (Outcome.UNCHANGED, "math_0611800") and len(library) == 1


def test_a_paper_without_arxiv_id_is_found_by_its_doi(library: Library) -> None:
    library.add(_arxiv("0704.0001", doi="10.1103/PhysRevD.76.013009"))
    importer = Importer(library)
    local = Paper(
        key="local-x-1", title="Calculation", doi="https://doi.org/10.1103/physrevd.76.013009"
    )
    assert importer.add(Incoming(local, notes="Seen at a talk.")) == (Outcome.JOINED, "0704.0001")
    arxiv_doi = Paper(key="local-y-2", title="Junctions", doi="10.48550/arXiv.hep-th/9901001")
    library.add(_arxiv("hep-th/9901001"))
    assert importer.add(Incoming(arxiv_doi))[1] == "hep-th_9901001"
    assert len(library) == 2
    assert library.read_notes("0704.0001") == "Seen at a talk.\n"


def test_a_paper_in_the_trash_is_restored_when_imported_again(library: Library) -> None:
    library.add(_arxiv("2504.05220", title="Gone"))
    library.write_notes("2504.05220", "Old notes.")
    library.delete("2504.05220")
    outcome, key = Importer(library).add(Incoming(_arxiv("2504.05220v2")))
    assert key == "2504.05220" and library.exists(key) and not library.in_trash(key)
    assert library.read_notes(key) == "Old notes.\n" and outcome is Outcome.UNCHANGED


def test_a_taken_citation_key_is_not_given_twice(library: Library) -> None:
    library.add(_arxiv("2504.05220", citation_key="zhang2025"))
    importer = Importer(library)
    importer.add(Incoming(_arxiv("2504.05217", citation_key="zhang2025")))
    assert library.get("2504.05217").citation_key is None
