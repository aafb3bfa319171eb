"""The LaTeX printer: each construct of the course notation, as exact strings."""

from __future__ import annotations

import textwrap

import pytest
import sympy

from symderiv.resolve.scope import build_scope
from symderiv.errors import Location
from symderiv.language.parser import parse
from symderiv.load.loader import load_text
from symderiv.load.model import Formula
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.printer import latex

SPEC = """
title: printer
sizes: {N: 3, T: 2}
indices: {i: N, j: N, k: N, t: T, s: T}
symbols:
  a: [N]
  W: [T, N]
  x: []
  z: {shape: [N], latex: '\\hat{z}'}
  W2: [T, N]
  alpha: []
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
  xent: -log(S[1])
  P[t, i]: W[t, i] * a[i]
"""


@pytest.fixture(scope="module")
def formulas() -> Formulas:
    return Formulas(build_scope(load_text("printer.yaml", textwrap.dedent(SPEC))))


CASES = [
    ("a[i]", "a_{i}"),
    ("W[i, j]", "W_{ij}"),
    ("W[t, (i - 1) * N + j]", r"W_{t,\left(i - 1\right) N + j}"),
    ("W[1, j]", "W_{1j}"),
    ("delta(i, j)", r"\delta_{ij}"),
    ("delta(t, i + 1)", r"\delta_{t,i + 1}"),
    ("D(S[i], a[j])", r"\frac{\partial S_{i}}{\partial a_{j}}"),
    ("D(xent, W[t, j])", r"\frac{\partial \mathrm{xent}}{\partial W_{tj}}"),
    ("D(S[i] * x, x)", r"\frac{\partial}{\partial x}\left(S_{i} x\right)"),
    ("sum(exp(a[k]), k)", r"\sum_{k=1}^{N} e^{a_{k}}"),
    ("sum(a[k], k, 2, N - 1)", r"\sum_{k=2}^{N - 1} a_{k}"),
    ("sum(a[k] + 1, k)", r"\sum_{k=1}^{N} \left(a_{k} + 1\right)"),
    ("S[i]", "S_{i}"),
    ("P[t, i]", "P_{ti}"),
    ("z[i]", r"\hat{z}_{i}"),
    ("W2[t, i]", "{W_{2}}_{ti}"),
    ("alpha * x", r"\alpha x"),
    ("jacobian(S, a)", r"\frac{\partial S}{\partial a}"),
    ("diag(S) - S @ S.T", r"\operatorname{diag}\left(S\right) - S S^{\top}"),
    ("(S @ S.T).T", r"\left(S S^{\top}\right)^{\top}"),
]


@pytest.mark.parametrize(("formula", "expected"), CASES)
def test_construct(formulas: Formulas, formula: str, expected: str) -> None:
    """Each formula construct prints in the notation of the notes, definitions folded."""
    assert formulas.latex(parse(formula)) == expected


def test_definition_folded_not_expanded(formulas: Formulas) -> None:
    """A definition inside a formula stays its name (S_i), not its exp/sum body."""
    assert formulas.latex(parse("S[i] * (delta(i, j) - S[j])")) == \
        r"S_{i} \left(\delta_{ij} - S_{j}\right)"


def test_formula_as_written(formulas: Formulas) -> None:
    """Spec formulas keep the author's order and grouping (a derivation step is not
    simplified before it is shown)."""
    assert formulas.latex(parse("exp(a[i]) / sum(exp(a[k]), k) * (1 - exp(a[j])) - 2 + x")) \
        == (r"\left(\frac{e^{a_{i}}}{\sum_{k=1}^{N} e^{a_{k}}}\right) \left(1 - e^{a_{j}}\right)"
            r" - 2 + x")


def formula(text: str) -> Formula:
    return Formula(text, parse(text), Location("printer.yaml", 1, 1))


def test_condition(formulas: Formulas) -> None:
    """`where` conditions print as relations."""
    assert formulas.condition(formula("i != j")) == r"i \neq j"
    assert formulas.condition(formula("i >= 2 and i != j")) == r"i \geq 2 \wedge i \neq j"


def test_unprintable_formula_shown_as_text(formulas: Formulas,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A formula the printer cannot handle is shown as the author's text, not an error."""
    def fail(node: object) -> str:
        raise ValueError("no")

    monkeypatch.setattr(formulas, "latex", fail)
    claim = formula("D(S[i], a[j]) == 0")
    assert formulas.equation(claim) == \
        r"\text{\texttt{D(S[i],\ a[j])}} = \text{\texttt{0}}"


def test_generated_sum_variables_get_free_letters(formulas: Formulas) -> None:
    """The prover's `_s1` sum variables print as an unused index of the same range."""
    s1 = sympy.Symbol("_s1", integer=True)
    k = sympy.Symbol("k", integer=True)
    a = sympy.IndexedBase("a")
    n = sympy.Symbol("N", integer=True, positive=True)
    expr = sympy.Sum(a[s1], (s1, 1, n)) * a[k]
    assert formulas.expression(expr) == r"a_{k} \sum_{i=1}^{N} a_{i}"


def test_plain_sympy_derivative_still_printed() -> None:
    """Only symderiv's Derivative is overridden; sympy's own keeps sympy's notation."""
    x = sympy.Symbol("x")
    f = sympy.Function("f")
    assert latex(sympy.Derivative(f(x), x)) == r"\frac{d}{d x} f{\left(x \right)}"


def test_greek_index_does_not_run_into_the_next() -> None:
    """Greek indices stay separate control words: W_{\\alpha j}."""
    alpha, j = sympy.Symbol("alpha"), sympy.Symbol("j")
    assert latex(sympy.IndexedBase("W")[alpha, j]) == r"W_{\alpha j}"


def test_latex_names_override() -> None:
    """A `latex:` name replaces the symbol's name everywhere it is printed."""
    assert latex(sympy.IndexedBase("y")[sympy.Symbol("i")], {"y": r"\hat{y}"}) == \
        r"\hat{y}_{i}"


def test_definition_latex_name() -> None:
    """A definition written as {expr, latex} is printed with its LaTeX name."""
    spec = load_text("d.yaml", textwrap.dedent("""
        title: t
        sizes: {N: 2}
        indices: {i: N}
        symbols: {a: [N]}
        define:
          sg[i]: {expr: '1 / (1 + exp(-a[i]))', latex: '\\sigma'}
        """))
    assert spec.definitions[0].latex == r"\sigma"
    assert Formulas(build_scope(spec)).latex(parse("sg[i] * (1 - sg[i])")) == \
        r"\sigma_{i} \left(1 - \sigma_{i}\right)"
