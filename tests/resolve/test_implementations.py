"""numpy implementations and examples that cannot be checked are located spec errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symderiv.resolve.implementations import check_numpy
from symderiv.resolve.scope import build_scope
from symderiv.load.loader import load_file

from located import problems

BAD = sorted((Path(__file__).parent.parent / "specs" / "numpy_bad").glob("*.yaml"))
HEADER = re.compile(r"# error: (\d+):(\d+): (.*)")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_numpy_spec_reports_located_error(path: Path) -> None:
    """The first error is at the line:column and with the text the file's header names."""
    expected = HEADER.match(path.read_text("utf-8").splitlines()[0])
    assert expected, f"{path.name} lacks its '# error: L:C: message' header"
    line, column, message = int(expected[1]), int(expected[2]), expected[3]
    found = problems(path)
    assert found, "no problem found"
    first = found[0]
    assert message in first.message, first.render()
    assert (first.location.line, first.location.column) == (line, column), first.render()


def test_good_numpy_spec_passes() -> None:
    """The numeric test spec has no numpy or example errors."""
    path = Path(__file__).parent.parent / "specs" / "numeric" / "softmax.yaml"
    scope = check_numpy(build_scope(load_file(path, path.name)))
    assert scope.spec.broken == ()
    assert [i.qualified_name for i in scope.spec.implementations] == [
        "S.naive", "S.stable", "S.wrong", "E.numpy", "J.numpy"]
