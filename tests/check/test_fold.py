"""Folding definitions back into expanded expressions, and printing sympy as formulas."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from symderiv.resolve.scope import Scope, build_scope
from symderiv.resolve.symbolic import SympyBuilder
from symderiv.check.fold import Folder, Unprintable, formula, shortest_texts
from symderiv.resolve.normalize import canonical_sums, normalize
from symderiv.language.parser import parse
from symderiv.language.printer import unparse
from symderiv.load.loader import load_file

DATA = Path(__file__).parent.parent / "diagnosis"


def scope(name: str) -> Scope:
    return build_scope(load_file(DATA / name, name))


def folded(spec: Scope, text: str) -> list[str]:
    builder = SympyBuilder(spec)
    value = canonical_sums(normalize(builder.expr(parse(text), {}), builder.ranges()))
    return shortest_texts(Folder(spec).fold(value), spec)


@pytest.mark.parametrize(("spec", "text", "expected"), [
    ("softmax.yaml", "D(S[i], a[j])", "S[i] * (delta(i, j) - S[j])"),
    ("softmax.yaml", "D(log(S[i]), a[j])", "delta(i, j) - S[j]"),
    ("layer.yaml", "D(g[k], W[i, j])", "x[j] * delta(i, k)"),
    ("layer.yaml", "D(P[t], W[i, j])", "P[t] * x[j] * (delta(i, t) - P[i])"),
    ("cross-entropy.yaml", "D(L[y], W[i, j])", "x[j] * (P[i] - delta(i, y))"),
    ("cross-entropy.yaml", "D(xent[y], p[k])", "-delta(k, y) / p[y]"),
])
def test_derivatives_fold_into_definitions(spec: str, text: str, expected: str) -> None:
    """The shortest folded form uses the spec's definitions, not exp/sum."""
    assert folded(scope(spec), text)[0] == expected


def test_folded_text_parses_back() -> None:
    """Every printed form is valid formula text that prints back to itself."""
    texts = folded(scope("cross-entropy.yaml"), "D(L[y], W[i, j])")
    assert texts == ["x[j] * (P[i] - delta(i, y))", "P[i] * x[j] - x[j] * delta(i, y)",
                     "(P[i] * P[y] * x[j] - P[y] * x[j] * delta(i, y)) / P[y]"]
    assert [unparse(parse(text)) for text in texts] == texts


def test_sum_variables_get_declared_index_names() -> None:
    """A sum's variable is printed as an index of the right size, not a dummy."""
    spec = scope("softmax.yaml")
    builder = SympyBuilder(spec)
    value = canonical_sums(builder.expr(parse("sum(exp(a[k]), k)"), {}))
    assert formula(value, spec) == "sum(exp(a[i]), i)"


def test_cases_are_unprintable() -> None:
    """Piecewise results are refused rather than printed wrongly."""
    spec = scope("softmax.yaml")
    with pytest.raises(Unprintable):
        formula(sympy.Piecewise((1, sympy.Symbol("x") > 0), (0, True)), spec)
