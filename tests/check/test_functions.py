"""The elementary functions tanh, sigmoid, softplus, log1p, expm1, sin, cos (issue 15,
item 4): exact verdicts in every layer, their numpy counterparts, located errors."""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest

from symderiv.check.evaluate import Evaluator
from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language.parser import parse
from symderiv.load.loader import load_file, load_text
from symderiv.numbers.domains import (DualDomain, ModularDomain, MpmathDomain, NotExact,
                                      RationalDomain, Undefined)
from symderiv.numbers.numpy_eval import NumpyEvaluator, float_elementary
from symderiv.options import Options, Strategy
from symderiv.resolve.scope import build_scope
from tests.located import problems

SPEC = Path(__file__).parent.parent / "specs" / "functions" / "functions.yaml"
PRIME = 2305843009213693951  # 2^61 - 1


@cache
def spec_results() -> dict[str, CheckResult]:
    scope = build_scope(load_file(SPEC, "functions.yaml"))
    return {r.id: r for r in check_scope(scope, Options())}


SPEC_VERDICTS = {
    "sigmoid-derivative": "proved", "tanh-derivative": "proved",
    "tanh-via-sigmoid": "proved", "sigmoid-formula": "proved",
    # log(1 + e^−x) = log((1 + e^x) / e^x) = log(1 + e^x) − x: the generic layer proves it
    # by the positivity-guarded log rules (issue 16); the screen alone verifies it by its
    # rule softplus(−v) = softplus(v) − v
    "softplus-odd-part": "proved",
    "softplus-derivative": "proved", "log1p-expm1": "proved", "pythagoras": "proved",
    "sin-derivative": "proved", "cos-derivative": "proved",
    "tanh-derivative-slip": "refuted", "sigmoid-even-slip": "refuted",
    "log1p-is-not-log": "refuted",
    # an implementation that is its definition's formula is proved (issue 16); the stable
    # softplus max(x, 0) + log1p(e^{-|x|}) is equal only case by case (x >= 0, x < 0)
    "s.named": "proved", "s.formula": "proved", "s.lost_minus": "refuted",
    "t.numpy": "proved", "p.named": "proved", "p.stable": "consistent",
    "at-one": "verified",
}


def test_the_spec_is_decided_as_written() -> None:
    assert {k: r.verdict.value for k, r in spec_results().items()} == SPEC_VERDICTS


def test_a_tanh_layer_and_a_logistic_loss_at_every_size() -> None:
    """Indexed and summed arguments, numpy over whole arrays (tanh(W @ x))."""
    path = SPEC.parent / "layer.yaml"
    results = check_scope(build_scope(load_file(path, "layer.yaml")), Options())
    assert {r.id: r.verdict.value for r in results} == {
        "layer-grad": "proved", "layer-grad-slip": "refuted", "loss-grad": "proved",
        "loss-grad-slip": "refuted", "sin-sum": "proved", "h.numpy": "proved",
        "L.numpy": "proved"}


@pytest.mark.parametrize("name", ["tanh-derivative-slip", "sigmoid-even-slip",
                                  "log1p-is-not-log", "s.lost_minus"])
def test_each_slip_has_a_confirmed_counterexample(name: str) -> None:
    result = spec_results()[name]
    assert result.counterexample is not None
    assert result.counterexample.lhs != result.counterexample.rhs


def test_the_lost_minus_is_refuted_at_one() -> None:
    result = spec_results()["s.lost_minus"]
    assert result.counterexample is not None
    assert dict(result.counterexample.values) == {"x": Fraction(1)}
    assert result.counterexample.lhs == "0.268941421369995120748840758178"  # sigmoid(-1)
    assert result.counterexample.rhs == "0.731058578630004879251159241822"  # sigmoid(1)


def decide(claim: str, strategy: str = "generic,bounded,numeric") -> CheckResult:
    text = (f"title: one claim\nsymbols: {{x: [], y: []}}\n"
            f"claims:\n  - id: c\n    claim: {claim}\n")
    options = Options(strategies=tuple(Strategy(s) for s in strategy.split(",")))
    (result,) = check_scope(build_scope(load_text("c.yaml", text)), options)
    return result


CLAIMS = [
    # true: proved by sympy, verified by the modular screen alone
    ("softplus(x) == log(1 + exp(x))", "proved", "verified"),
    ("expm1(x) == exp(x) - 1", "proved", "verified"),
    ("exp(softplus(x)) == 1 + exp(x)", "proved", "verified"),
    ("softplus(-x) == softplus(x) - x", "proved", "verified"),  # logs split under positivity
    ("D(softplus(-x), x) == -sigmoid(-x)", "proved", "verified"),
    ("softplus(-x) == softplus(x) + x", "refuted", "refuted"),
    ("sigmoid(-x) == 1 - sigmoid(x)", "proved", "verified"),
    ("tanh(-x) == -tanh(x)", "proved", "verified"),
    ("tanh(x) == 2 * sigmoid(2 * x) - 1", "proved", "verified"),
    ("D(sigmoid(x), x) == sigmoid(x) * (1 - sigmoid(x))", "proved", "verified"),
    ("D(tanh(x), x) == 1 - tanh(x)^2", "proved", "verified"),
    ("D(softplus(x), x) == sigmoid(x)", "proved", "verified"),
    ("D(D(softplus(x), x), x) == sigmoid(x) * (1 - sigmoid(x))", "proved", "verified"),
    ("D(log1p(x), x) == 1 / (1 + x)", "proved", "verified"),
    ("D(expm1(x), x) == exp(x)", "proved", "verified"),
    ("log1p(expm1(x)) == x", "proved", "verified"),
    ("sin(x)^2 + cos(x)^2 == 1", "proved", "verified"),
    ("D(cos(x), x) == -sin(x)", "proved", "verified"),
    # the screen's angle sums: t(u ± v), t(−u), t(n·u) of the unknowns t = tan(u/2)
    ("sin(2 * x) == 2 * sin(x) * cos(x)", "proved", "verified"),
    ("sin(-x) == -sin(x)", "proved", "verified"),
    ("cos(-x) == cos(x)", "proved", "verified"),
    ("sin(x + y) == sin(x) * cos(y) + cos(x) * sin(y)", "proved", "verified"),
    ("cos(3 * x) == 4 * cos(x)^3 - 3 * cos(x)", "proved", "verified"),
    ("D(sin(2 * x), x) == 2 * cos(2 * x)", "proved", "verified"),
    # true, but sin(x / 2) is an unknown of its own in the screen: no bounded verdict
    ("sin(x / 2)^2 == (1 - cos(x)) / 2", "proved", "undecided"),
    # false
    ("D(tanh(x), x) == 1 - tanh(x)", "refuted", "refuted"),
    ("sigmoid(-x) == sigmoid(x)", "refuted", "refuted"),
    ("log1p(x) == log(x)", "refuted", "refuted"),
    ("log1p(x) == x", "refuted", "refuted"),
    ("tanh(x) == sigmoid(x)", "refuted", "refuted"),
    ("tanh(x + y) == tanh(x) + tanh(y)", "refuted", "refuted"),
    ("cos(x) == sin(x + 1)", "refuted", "refuted"),
    ("sin(x)^2 == 1 - cos(x)^2 + 1 / 10^30", "refuted", "refuted"),
    ("D(softplus(x), x) == sigmoid(-x)", "refuted", "refuted"),
    ("cos(x + y) == cos(x) * cos(y) + sin(x) * sin(y)", "refuted", "refuted"),
    ("cos(3 * x) == 4 * cos(x)^3 - 2 * cos(x)", "refuted", "refuted"),
    ("D(sin(2 * x), x) == cos(2 * x)", "refuted", "refuted"),
]


@pytest.mark.parametrize(("claim", "everything", "bounded"), CLAIMS)
def test_claims_with_the_new_functions(claim: str, everything: str, bounded: str) -> None:
    result = decide(claim)
    assert result.verdict.value == everything, result.message
    alone = decide(claim, "bounded")
    assert alone.verdict.value == bounded, alone.message
    if everything == "refuted":
        assert result.counterexample is not None and alone.counterexample is not None


def test_the_screen_says_sin_and_cos_are_unknowns() -> None:
    message = decide("sin(x / 2)^2 == (1 - cos(x)) / 2", "bounded").message
    assert message.startswith("the exact screen cannot evaluate sin and cos exactly")


def test_the_numeric_layer_finds_the_half_angle_consistent() -> None:
    result = decide("sin(x / 2)^2 == (1 - cos(x)) / 2", "bounded,numeric")
    assert result.verdict == Verdict.CONSISTENT


def test_a_missing_chain_factor_inside_sigmoid_is_diagnosed() -> None:
    text = ("title: chain\nsymbols: {w: [], x: []}\ndefine: {s: sigmoid(w * x)}\n"
            "claims:\n  - {id: c, claim: 'D(s, w) == s * (1 - s)', expect: refuted}\n")
    (result,) = check_scope(build_scope(load_text("c.yaml", text)), Options())
    assert result.verdict == Verdict.REFUTED
    assert result.diagnosis is not None
    assert result.diagnosis.error_class == "chain_factor"
    assert result.diagnosis.suggestion == "s * x * (1 - s)"
    assert result.diagnosis.suggestion_verdict == "proved"


# -- the domains ---------------------------------------------------------------------------------


def evaluator(domain: object) -> Evaluator:
    scope = build_scope(load_text("v.yaml", "title: v\nsymbols: {x: []}\n"))
    return Evaluator(scope, {}, domain)  # type: ignore[arg-type]


def test_modular_sin_and_cos_lie_on_the_unit_circle() -> None:
    domain = ModularDomain(7, PRIME)
    for a in (0, 5, 123456789):
        s, c = domain.elementary("sin", a), domain.elementary("cos", a)
        assert (s * s + c * c) % PRIME == 1
    assert (domain.elementary("sin", 0), domain.elementary("cos", 0)) == (0, 1)
    assert domain.atoms.keys() == {("sincos", 5, None), ("sincos", 123456789, None)}
    # tan(u/2) is odd: the atom of −5 is minus that of 5
    assert domain.elementary("tan_half", PRIME - 5) == PRIME - domain.elementary("tan_half", 5)
    assert domain.elementary("sin", PRIME - 5) == PRIME - domain.elementary("sin", 5)
    assert domain.elementary("cos", PRIME - 5) == domain.elementary("cos", 5)


def test_modular_functions_go_through_exp_and_log() -> None:
    domain = ModularDomain(3, PRIME)
    e = domain.exp(9)
    assert domain.elementary("expm1", 9) == (e - 1) % PRIME
    assert domain.elementary("sigmoid", 9) * (e + 1) % PRIME == e
    assert domain.elementary("tanh", 9) * (e * e + 1) % PRIME == (e * e - 1) % PRIME
    assert domain.elementary("softplus", 9) == domain.log((1 + e) % PRIME)
    assert domain.elementary("log1p", 9) == domain.log(10)
    with pytest.raises(Undefined):
        domain.elementary("log1p", PRIME - 1)  # log(1 + (−1)) = log 0


def test_rational_values_are_exact_only_at_zero() -> None:
    domain = RationalDomain({})
    assert [domain.elementary(f, Fraction(0)) for f in (
        "tanh", "sigmoid", "log1p", "expm1", "sin", "cos")] == [0, Fraction(1, 2), 0, 0, 0, 1]
    with pytest.raises(NotExact):
        domain.elementary("softplus", Fraction(0))  # log 2
    with pytest.raises(NotExact):
        domain.elementary("tanh", Fraction(1))
    with pytest.raises(Undefined):
        domain.elementary("log1p", Fraction(-1))


def test_mpmath_values() -> None:
    domain = MpmathDomain({}, 30)
    one = domain.one
    assert domain.elementary("tanh", one) == domain.context.tanh(1)
    assert domain.elementary("sigmoid", one) == 1 / (1 + domain.context.exp(-1))
    assert domain.elementary("softplus", domain.const(Fraction(-1000))) > 0  # no underflow
    assert domain.elementary("log1p", domain.const(Fraction(1, 10**40))) \
        == domain.context.log1p(domain.const(Fraction(1, 10**40)))
    with pytest.raises(Undefined):
        domain.elementary("log1p", domain.const(Fraction(-3, 2)))
    with pytest.raises(Undefined):
        domain.elementary("sin", domain.const(Fraction(10**9)))


@pytest.mark.parametrize(("function", "slope"), [
    ("tanh", lambda x: 1 - math.tanh(x) ** 2),
    ("sigmoid", lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ("softplus", lambda x: 1 / (1 + math.exp(-x))),
    ("log1p", lambda x: 1 / (1 + x)),
    ("expm1", math.exp),
    ("sin", math.cos),
    ("cos", lambda x: -math.sin(x)),
])
def test_forward_mode_derivatives(function: str, slope: object) -> None:
    base = MpmathDomain({("x", ()): Fraction(3, 4)}, 30)
    value = evaluator(DualDomain(base, ("x", ()))).value(parse(f"{function}(x)"), {})
    assert float(value[1]) == pytest.approx(slope(0.75), rel=1e-12)  # type: ignore[operator]


# -- numpy ---------------------------------------------------------------------------------------


def numpy_value(text: str, x: list[Any], dtype: Any = np.float64) -> np.ndarray:
    data = np.array(x, dtype=dtype)
    result: np.ndarray = NumpyEvaluator({"x": data}, {}, dtype).value(parse(text)).data
    return result


def test_numpy_counterparts() -> None:
    x = [-0.5, 0.5, 3.0]
    for name, reference in (("tanh", np.tanh), ("log1p", np.log1p), ("expm1", np.expm1),
                            ("sin", np.sin), ("cos", np.cos)):
        assert numpy_value(f"{name}(x)", x).tolist() == reference(np.array(x)).tolist()
    assert numpy_value("sigmoid(x)", x) == pytest.approx(1 / (1 + np.exp(-np.array(x))))
    assert numpy_value("softplus(x)", x) == pytest.approx(np.logaddexp(0, np.array(x)))


def test_sigmoid_and_softplus_are_stable_in_floats() -> None:
    assert numpy_value("sigmoid(x)", [-800.0, 800.0]).tolist() == [
        float(mpmath.exp(-800) / (1 + mpmath.exp(-800))), 1.0]
    assert numpy_value("softplus(x)", [800.0, -800.0]).tolist() == [
        800.0, float(mpmath.log1p(mpmath.exp(-800)))]


def test_complex_step_through_softplus_and_sigmoid() -> None:
    h = 1e-30
    for x in (-50.0, 0.25, 50.0):
        step = float_elementary("softplus", np.array([x + h * 1j])).imag[0] / h
        assert step == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12)
        step = float_elementary("sigmoid", np.array([x + h * 1j])).imag[0] / h
        assert step == pytest.approx(math.exp(-x) / (1 + math.exp(-x)) ** 2, rel=1e-12)


def test_exact_numpy_mode_is_mpmath() -> None:
    value = numpy_value("sigmoid(x) + log1p(x)", [mpmath.mpf(1)], object)[0]
    assert value == 1 / (1 + mpmath.exp(-1)) + mpmath.log1p(1)
    with pytest.raises(Undefined):
        numpy_value("log1p(x)", [mpmath.mpf(-1)], object)


def test_log1p_below_minus_one_is_an_event() -> None:
    evaluator = NumpyEvaluator({"x": np.array([-2.0])}, {})
    assert np.isnan(evaluator.value(parse("log1p(x)")).data[0])
    assert evaluator.events == ["log1p of a number ≤ −1"]


# -- errors --------------------------------------------------------------------------------------


def test_wrong_arity_and_bare_names_are_located() -> None:
    text = ("title: bad\nsymbols: {x: [], y: [], a: [N]}\nsizes: {N: [2]}\n"
            "define: {s: sigmoid(x)}\nnumpy: {s: 'sigmoid(x, y)'}\n"
            "claims:\n"
            "  - {id: two, claim: 'tanh(x, y) == x'}\n"
            "  - {id: bare, claim: 'softplus == x'}\n"
            "  - {id: vector, claim: 'sin(a) == x'}\n")
    assert [p.render() for p in problems(text=text)] == [
        "s.yaml:5:13: error: sigmoid() takes 1 argument in numpy expressions, got 2  [call]",
        "s.yaml:7:23: error: tanh() takes 1 arguments, got 2  [call]",
        "s.yaml:8:24: error: 'softplus' is a function: write softplus(...)  [name]",
        "s.yaml:9:30: error: sin() needs a scalar, got a vector of length N  [shape]",
    ]


def test_the_names_are_reserved() -> None:
    text = "title: r\nsymbols: {tanh: []}\nclaims: [{id: c, claim: '1 == 1'}]\n"
    assert [p.render() for p in problems(text=text)] == [
        "s.yaml:2:11: error: 'tanh' is a reserved word and cannot be declared  [reserved]"]


# -- LaTeX ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("formula", "printed"), [
    ("sigmoid(x) * (1 - sigmoid(x))", r"\sigma\left(x\right) \left(1 - \sigma\left(x\right)\right)"),
    ("1 - tanh(x)^2", r"1 - \tanh^{2}{\left(x \right)}"),
    ("softplus(-x)", r"\operatorname{softplus}\left(- x\right)"),
    ("log1p(x)^2", r"\log\left(1 + x\right)^{2}"),
    ("expm1(x)", r"\operatorname{expm1}\left(x\right)"),
    ("sin(x) + cos(x)", r"\sin{\left(x \right)} + \cos{\left(x \right)}"),
    ("D(tanh(x), x)", r"\frac{\partial}{\partial x}\left(\tanh{\left(x \right)}\right)"),
])
def test_printed_by_name(formula: str, printed: str) -> None:
    from symderiv.report.latex.formulas import Formulas

    scope = build_scope(load_text("p.yaml", "title: p\nsymbols: {x: []}\n"))
    assert Formulas(scope).latex(parse(formula)) == printed


# -- soundness -----------------------------------------------------------------------------------


MPMATH = {"tanh": mpmath.tanh, "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)),
          "softplus": lambda v: mpmath.log1p(mpmath.exp(v)), "expm1": mpmath.expm1,
          "sin": mpmath.sin, "cos": mpmath.cos, "exp": mpmath.exp, "log1p": mpmath.log1p}


def in_mpmath(node: Any, point: dict[str, Any]) -> Any:
    """A formula of the random ones below in mpmath, by a walk of its own (not symderiv's
    evaluator)."""
    from symderiv.language import ast

    if isinstance(node, ast.Number):
        return mpmath.mpf(node.value.numerator) / node.value.denominator
    if isinstance(node, ast.Name):
        return point[node.name]
    if isinstance(node, ast.Neg):
        return -in_mpmath(node.operand, point)
    if isinstance(node, ast.BinOp):
        left, right = in_mpmath(node.left, point), in_mpmath(node.right, point)
        return {"+": lambda: left + right, "-": lambda: left - right,
                "*": lambda: left * right}[node.op]()
    assert isinstance(node, ast.Call)
    return MPMATH[node.function](in_mpmath(node.args[0], point))


def random_formula(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(["x", "y", "2", "(-x)", "(x + y)", "(2 * x)", "1"])
    if rng.random() < 0.5:
        return f"{rng.choice(sorted(MPMATH))}({random_formula(rng, depth - 1)})"
    return f"({random_formula(rng, depth - 1)} {rng.choice('+-*')} " \
        f"{random_formula(rng, depth - 1)})"


def test_the_screen_verifies_only_what_mpmath_confirms() -> None:
    """Random formulas and near-copies (a sign flipped, sin for cos, sigmoid(u) for
    1 − sigmoid(−u)): every claim the exact screen verifies holds at random points in mpmath
    (50 digits), and some are verified and some refuted (the test sees both)."""
    rng = random.Random(5)
    claims = []
    for _ in range(40):
        a = random_formula(rng, 3)
        b = rng.choice([random_formula(rng, 3), a.replace("sin", "cos", 1),
                        re.sub(r"\bx\b", "(-x)", a, count=1),
                        re.sub(r"\bsigmoid\(", "1 - sigmoid(-", a, count=1)])
        claims.append((a, b))
    text = "title: f\nsymbols: {x: [], y: []}\nclaims:\n" + "".join(
        f"  - {{id: c{n}, claim: '{a} == {b}'}}\n" for n, (a, b) in enumerate(claims))
    options = Options(strategies=(Strategy.BOUNDED,), timeout=5)
    results = {r.id: r for r in check_scope(build_scope(load_text("f.yaml", text)), options)}
    verdicts = [results[f"c{n}"].verdict.value for n in range(len(claims))]
    assert verdicts.count("verified") >= 10 and verdicts.count("refuted") >= 10
    assert {"verified", "refuted"} <= set(verdicts) <= {"verified", "refuted", "undecided"}
    mpmath.mp.dps = 50
    for (a, b), verdict in zip(claims, verdicts):
        if verdict != "verified":
            continue
        for _ in range(3):
            point = {"x": mpmath.mpf(rng.uniform(-0.9, 2)), "y": mpmath.mpf(rng.uniform(-0.9, 2))}
            try:
                left, right = in_mpmath(parse(a), point), in_mpmath(parse(b), point)
            except (ValueError, ZeroDivisionError):
                continue
            assert abs(left - right) <= mpmath.mpf(10) ** -30 * (1 + abs(left)), (a, b)
