"""numpy implementations and examples that cannot be checked are located spec errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symderiv.resolve.implementations import check_numpy
from symderiv.resolve.scope import build_scope
from symderiv.load.loader import load_file, load_text

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


def test_unreadable_numpy_formula_is_its_implementations_error() -> None:
    """A numpy formula that cannot be parsed (a syntax error, a forbidden attribute) is that
    implementation's `error`; the file loads and its other implementations stay."""
    text = ("title: t\nsizes:\n  N: [3]\nindices:\n  k: N\nsymbols:\n  x: [N]\ndefine:\n"
            "  f: sum(x[k], k)\n  g: 2 * f\nnumpy:\n  f:\n    good: sum(x)\n    bad: x.shape\n"
            "  g: 2 * * sum(x)\n")
    found = problems(text=text)
    assert [(p.check, p.location.line, p.location.column, p.code, p.message) for p in found] == [
        ("f.bad", 14, 12, "forbidden",
         "attribute access '.shape' is not allowed (only '.T', the transpose)"),
        ("g.numpy", 15, 10, "syntax",
         "unexpected '*'; expected '(', '+', '-', a name, a number"),
    ]
    scope = check_numpy(build_scope(load_text("t.yaml", text)))
    assert [i.qualified_name for i in scope.spec.implementations] == ["f.good"]
