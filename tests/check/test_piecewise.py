"""relu, abs, max, min and the indicator ind(...) in claims (issue 15, item 3): decided region
by region in every layer, derivatives where they exist, the kink said, located errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult
from symderiv.load.loader import load_file, load_text
from symderiv.numbers.domains import DualDomain, ModularDomain, RationalDomain, Undefined
from symderiv.options import Options, Strategy
from symderiv.report.latex.formulas import Formulas
from symderiv.resolve.scope import build_scope
from tests.located import problems

SPEC = Path(__file__).parent.parent / "specs" / "piecewise" / "piecewise.yaml"
PRIME = 2305843009213693951  # 2^61 - 1

HOLDS = ["relu-odd-part", "max-plus-min", "max-through-abs", "stable-softplus",
         "abs-multiplies", "relu-idempotent", "relu-slope", "abs-slope", "relu-layer",
         "sifting", "indicator-of-a-difference", "indicator-of-an-order",
         "indicator-of-a-conjunction"]
SLIPS = ["relu-is-not-abs", "max-through-abs-slip", "stable-softplus-slip",
         "no-triangle-equality", "relu-slope-is-not-one", "relu-layer-slip",
         "indicator-of-an-order-slip"]


@cache
def results(strategy: str) -> dict[str, CheckResult]:
    scope = build_scope(load_file(SPEC, "piecewise.yaml"))
    options = Options(strategies=tuple(Strategy(s) for s in strategy.split(",")))
    return {r.id: r for r in check_scope(scope, options)}


def verdicts(strategy: str, names: list[str]) -> dict[str, str]:
    found = results(strategy)
    return {name: found[name].verdict.value for name in names}


def test_every_layer_together_proves_the_true_claims() -> None:
    """Each region's branch proved by sympy; only an order of indices is left to the screen."""
    expected = dict.fromkeys(HOLDS, "proved") | {"indicator-of-an-order": "verified"}
    assert verdicts("generic,bounded,numeric", HOLDS) == expected
    assert verdicts("generic,bounded,numeric", SLIPS) == dict.fromkeys(SLIPS, "refuted")


def test_the_exact_screen_alone_decides_region_by_region() -> None:
    """Verified where every region's branch agrees; where a region may be empty (the sign of
    x·y beside those of x and y) or a log identity is needed, undecided, never refuted."""
    expected = dict.fromkeys(HOLDS, "verified") | {"stable-softplus": "undecided",
                                                   "abs-multiplies": "undecided"}
    assert verdicts("bounded", HOLDS) == expected
    assert verdicts("bounded", SLIPS) == dict.fromkeys(SLIPS, "refuted")
    assert results("bounded")["abs-multiplies"].message == (
        "the exact screen decides relu, abs, max and min region by region (each sign of "
        "their arguments) and the sides differ in some region, but no counterexample was "
        "confirmed at a real point (that region may be empty)")


def test_the_numeric_layer_alone() -> None:
    """Random points in floats, where every region is met."""
    assert verdicts("numeric", HOLDS) == dict.fromkeys(HOLDS, "consistent") | {
        "indicator-of-an-order": "consistent"}
    assert verdicts("numeric", SLIPS) == dict.fromkeys(SLIPS, "refuted")


@pytest.mark.parametrize("strategy", ["generic,bounded,numeric", "bounded", "numeric"])
def test_each_slip_has_a_confirmed_counterexample(strategy: str) -> None:
    for name in SLIPS:
        counterexample = results(strategy)[name].counterexample
        assert counterexample is not None and counterexample.lhs != counterexample.rhs, name


def test_the_implementations_and_the_examples() -> None:
    """relu(z) and max(x, 0) in numpy; D(relu(x), x) at the kink has no value, said so."""
    found = results("generic,bounded,numeric")
    assert {k: found[k].verdict.value for k in ("h.numpy", "r.numpy", "slope-above",
                                                "slope-at-the-kink")} == {
        "h.numpy": "consistent", "r.numpy": "consistent", "slope-above": "verified",
        "slope-at-the-kink": "refuted"}
    assert found["slope-at-the-kink"].message == (
        "dr is undefined at x = 0: relu, abs, max and min are not differentiable where their "
        "argument is at the kink (0, or the two arguments of max or min equal)")


SOUNDNESS = """\
title: s
sizes: {N: [1, 2, 3]}
indices: {k: N}
symbols: {x: [], y: [], z: [N]}
claims:
  - {id: terms-of-both-signs, claim: 'sum(relu(z[k]), k) * sum(relu(-z[k]), k) == 0'}
  - {id: power-of-a-size, claim: 'relu(x^N) == x^N'}
  - {id: one-region-only, claim: 'relu(x) == x'}
  - {id: other-region-only, claim: 'abs(x) == -x'}
  - {id: max-is-not-the-first, claim: 'max(x, y) == x'}
  - {id: flat-kink, claim: 'D(relu(x - x), x) == 0'}
  - {id: even-argument, claim: 'D(abs(x^2), x) == 2 * x'}
"""


@pytest.mark.parametrize("strategy", ["generic,bounded,numeric", "generic,bounded", "bounded"])
def test_a_claim_true_in_one_region_is_never_proved(strategy: str) -> None:
    """Every region must hold; relu(u) of an argument that is 0 with its derivative is flat."""
    options = Options(strategies=tuple(Strategy(s) for s in strategy.split(",")))
    found = {r.id: r.verdict.value
             for r in check_scope(build_scope(load_text("s.yaml", SOUNDNESS)), options)}
    holding = "verified" if strategy == "bounded" else "proved"
    assert found == {"terms-of-both-signs": "refuted", "power-of-a-size": "refuted",
                     "one-region-only": "refuted", "other-region-only": "refuted",
                     "max-is-not-the-first": "refuted", "flat-kink": holding,
                     "even-argument": "undecided" if strategy == "bounded" else "proved"}


def test_the_generic_layer_never_splits_a_sums_terms_by_one_sign() -> None:
    """relu(z[k]) under sum(..., k) has a sign per term; x^N the sign of x only for odd N:
    the generic layer alone proves neither (one sign for all would cover too few regions)."""
    options = Options(strategies=(Strategy.GENERIC,))
    found = {r.id: r.verdict.value
             for r in check_scope(build_scope(load_text("s.yaml", SOUNDNESS)), options)}
    assert (found["terms-of-both-signs"], found["power-of-a-size"]) == ("undecided",
                                                                        "undecided")


def test_the_modular_domain_has_no_sign_without_a_region() -> None:
    """Outside the screen's region enumeration a kink is undefined, never guessed."""
    domain = ModularDomain(1, PRIME)
    with pytest.raises(Undefined):
        domain.relu(5)
    domain.signs = {5: False}
    assert (domain.relu(5), domain.relu(PRIME - 5)) == (0, PRIME - 5)


def test_the_derivative_at_the_kink_is_undefined() -> None:
    """relu′(0) has no value; where the argument and its derivative are 0 the slope is 0."""
    dual = DualDomain(RationalDomain({}), ("x", ()))
    zero, one = dual.base.zero, dual.base.one
    with pytest.raises(Undefined):
        dual.relu((zero, one))
    assert dual.relu((zero, zero)) == (zero, zero)
    assert dual.relu((one, one)) == (one, one)


def test_the_functions_are_printed_as_the_notes_write_them() -> None:
    scope = build_scope(load_file(SPEC, "piecewise.yaml"))
    formulas = Formulas(scope)
    claims = {c.id: c for c in scope.spec.claims}
    assert formulas.equation(claims["max-through-abs"].claim) == \
        r"\max\left(x, y\right) = \frac{x + y + \left|{x - y}\right|}{2}"
    assert formulas.equation(claims["relu-odd-part"].claim) == \
        r"\operatorname{relu}\left(x\right) - \operatorname{relu}\left(- x\right) = x"
    assert formulas.equation(claims["sifting"].claim) == \
        r"\sum_{k=1}^{N} \mathbb{1}\left(k = i\right) a_{k} = a_{i}"


BAD = """\
title: bad
sizes: {N: [1, 2]}
indices: {i: N, j: N}
symbols: {x: [], a: [N]}
claims:
  - {id: vector, claim: 'relu(a) == a'}
  - {id: arity, claim: 'max(x) == x'}
  - {id: not-a-condition, claim: 'ind(i) == 1'}
  - {id: real-condition, claim: 'ind(x > 0) == 1'}
  - {id: bare, claim: 'abs == 1'}
"""


def test_each_misuse_is_its_claims_located_error() -> None:
    assert [(p.render(), p.check) for p in problems(text=BAD)] == [
        ("s.yaml:6:31: error: relu() needs a scalar, got a vector of length N  [shape]",
         "vector"),
        ("s.yaml:7:25: error: max() takes 2 arguments, got 1  [call]", "arity"),
        ("s.yaml:8:39: error: ind() takes a condition on indices: ind(i == j), ind(i != j "
         "and k < j), ...  [call]", "not-a-condition"),
        ("s.yaml:9:38: error: ind() must be made of indices and sizes; 'x' is not an "
         "index  [index]", "real-condition"),
        ("s.yaml:10:24: error: 'abs' is a function: write abs(...)  [name]", "bare"),
    ]
