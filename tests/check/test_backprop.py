"""D(L, P[k]) by a defined quantity, held as an independent variable (issue 15, item 1):
exact verdicts in every layer, the LaTeX printed, and each malformed use a located error."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult
from symderiv.load.loader import load_file
from symderiv.options import Options, Strategy
from symderiv.report.latex.formulas import Formulas
from symderiv.resolve.scope import build_scope
from tests.located import problems

SPEC = Path(__file__).parent.parent / "specs" / "backprop" / "held.yaml"

HOLDS = ["xent-by-P", "logit-delta", "chain-through-P", "chain-through-g",
         "softmax-by-logits", "second-by-P", "held-then-input", "scalar-chain", "scalar-held"]
SLIPS = ["xent-by-P-slip", "logit-delta-slip", "chain-factor-missing",
         "held-then-input-slip", "scalar-held-slip"]


@cache
def results(strategy: str) -> dict[str, CheckResult]:
    scope = build_scope(load_file(SPEC, "held.yaml"))
    options = Options(strategies=tuple(Strategy(s) for s in strategy.split(",")))
    return {r.id: r for r in check_scope(scope, options)}


@pytest.mark.parametrize(("strategy", "holding"), [
    ("generic,bounded,numeric", "proved"), ("bounded", "verified"), ("numeric", "consistent")])
def test_each_layer_decides_the_spec_alone(strategy: str, holding: str) -> None:
    """The generic layer proves, the exact screen verifies, the numeric layer finds consistent
    every true claim; each layer refutes every slip with a confirmed counterexample."""
    found = results(strategy)
    assert {k: found[k].verdict.value for k in HOLDS} == dict.fromkeys(HOLDS, holding)
    assert {k: found[k].verdict.value for k in SLIPS} == dict.fromkeys(SLIPS, "refuted")
    for name in SLIPS:
        counterexample = found[name].counterexample
        assert counterexample is not None and counterexample.lhs != counterexample.rhs


def test_the_partial_derivative_is_printed_by_the_quantity() -> None:
    """∂L_y/∂P_k, and the chain rule as the notes write it."""
    scope = build_scope(load_file(SPEC, "held.yaml"))
    formulas = Formulas(scope)
    claims = {c.id: c for c in scope.spec.claims}
    assert formulas.equation(claims["xent-by-P"].claim) == \
        r"\frac{\partial L_{y}}{\partial P_{k}} = - \frac{\delta_{ky}}{P_{y}}"
    assert formulas.equation(claims["chain-through-P"].claim) == (
        r"\frac{\partial L_{y}}{\partial W_{ij}} = \sum_{k=1}^{T} "
        r"\frac{\partial L_{y}}{\partial P_{k}} \frac{\partial P_{k}}{\partial W_{ij}}")
    assert formulas.equation(claims["scalar-held"].claim) == \
        r"\frac{\partial h}{\partial f} = 2 f"


BAD = """\
title: bad
sizes: {T: [1, 2], N: [1, 2]}
indices: {t: T, s: T, k: T, y: T, j: N, n: N}
symbols: {W: [T, N], x: [N], c: []}
define:
  g[t]: sum(W[t, n] * x[n], n)
  P[t]: exp(g[t]) / sum(exp(g[s]), s)
  L[y]: -log(P[y])
  M[y]: L[y] + g[y]
  Dg: jacobian(g, W)
  q: c ^ 2
  r: 3 * q + c
claims:
  - {id: not-used, claim: 'D(g[k], P[k]) == 0'}
  - {id: ambiguous, claim: 'D(M[y], P[k]) == 0'}
  - {id: whole, claim: 'D(L[y], P) == 0'}
  - {id: matrix, claim: 'D(L[y], Dg[1, 1]) == 0'}
  - {id: count, claim: 'D(L[y], P[k, j]) == 0'}
  - {id: not-integer, claim: 'D(L[y], P[x[1]]) == 0'}
  - {id: scalar-ambiguous, claim: 'D(r, q) == 3'}
  - {id: fine, claim: 'D(3 * q, q) == 3'}
  - {id: expression, claim: 'D(L[y], 2 * P[k]) == 0'}
"""


def test_each_malformed_derivative_by_a_quantity_is_its_claims_error() -> None:
    """Not used, ambiguous, not an entry, the wrong indices: located, the file still loads."""
    assert [(p.render(), p.check) for p in problems(text=BAD)] == [
        ("s.yaml:14:36: error: D() by P: g[k] does not use P as its definitions are "
         "written  [call]", "not-used"),
        ("s.yaml:15:37: error: D() by P is ambiguous: M[y] depends on 'W' other than "
         "through P, and P depends on 'W'  [call]", "ambiguous"),
        ("s.yaml:16:33: error: D() differentiates by a scalar: write an entry of 'P' such "
         "as P[j]  [call]", "whole"),
        ("s.yaml:17:34: error: D() by an entry of 'Dg' needs a definition with index "
         "parameters (Dg[i]: ...) or a scalar one  [call]", "matrix"),
        ("s.yaml:18:33: error: wrong number of indices: P is a vector of length T and takes "
         "1, got 2  [index]", "count"),
        ("s.yaml:19:41: error: an index must be integer arithmetic (+ - *) of indices, sizes, "
         "labels and integers  [index]", "not-integer"),
        ("s.yaml:20:41: error: D() by q is ambiguous: r depends on 'c' other than through q, "
         "and q depends on 'c'  [call]", "scalar-ambiguous"),
        ("s.yaml:22:38: error: the second argument of D() must be an input symbol, a "
         "defined quantity, or an entry of one  [call]", "expression"),
    ]


def test_a_quantity_used_before_its_definition_is_the_files_error() -> None:
    """A definition's D() by a later definition: the order error, at the variable."""
    text = ("title: o\nsymbols: {c: []}\ndefine:\n  a: D(b, b)\n  b: 2 * c\n"
            "claims: [{id: one, claim: 'a == 1'}]\n")
    assert [(p.render(), p.check) for p in problems(text=text)] == [
        ("s.yaml:4:8: error: 'b' is used before it is defined  [order]", None)]
