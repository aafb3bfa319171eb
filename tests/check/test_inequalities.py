"""Inequality claims (issue 16, item 4): each rung with its exact verdict, the sign rules
only under their side conditions, and no false inequality ever proved or verified."""

from __future__ import annotations

import random
from functools import cache

import mpmath
import pytest
import sympy
from sympy import Dummy, IndexedBase, Sum

from symderiv.check.diagnosis import inequality_regions
from symderiv.check.decide import Decider
from symderiv.check.signs import Sign, judge, sign
from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language.parser import parse
from symderiv.options import Options
from conftest import scope_of
from test_positivity import _random_expression, _real_value, P, U, V

SPEC = """
    title: inequalities
    sizes: {N: [1, 2, 3]}
    indices: {i: N, j: N, k: N}
    symbols:
      a: [N]
      x: {}
      z: {}
      p: {domain: positive}
    define:
      S[i]: exp(a[i]) / sum(exp(a[k]), k)
    claims:
      - {id: softmax-positive, claim: "S[i] > 0"}
      - {id: softmax-at-most-one, claim: "S[i] <= 1"}
      - {id: softmax-below-one, claim: "S[i] < 1", expect: refuted}
      - {id: softmax-below-one-two-classes, claim: "S[i] < 1", where: "N >= 2"}
      - {id: two-outputs, claim: "S[i] + S[j] <= 1", where: "i != j"}
      - {id: exp-positive, claim: "exp(x) > 0"}
      - {id: sum-at-most-one, claim: "sum(S[k], k) <= 1"}
      - {id: sum-below-one, claim: "sum(S[k], k) < 1", expect: refuted}
      - {id: log-softmax, claim: "log(S[i]) <= 0"}
      - {id: sigmoid-below-one, claim: "sigmoid(z) < 1"}
      - {id: sigmoid-positive, claim: "0 < sigmoid(z)"}
      - {id: square, claim: "x^2 >= 0"}
      - {id: squares, claim: "x^2 + z^2 >= 2 * x * z"}
      - {id: square-strict, claim: "x^2 > 0", expect: refuted}
      - {id: cube, claim: "x^3 >= 0", expect: refuted}
      - {id: exp-above-one, claim: "exp(x) > 1", expect: refuted}
      - {id: log-below-tangent-strict, claim: "log(x) < x - 1", expect: refuted}
      - {id: log-below-tangent, claim: "log(p) <= p - 1"}
      - {id: exp-above-tangent, claim: "exp(x) >= 1 + x"}
      - {id: equal-sides-strict, claim: "sqrt(2) * sqrt(3) < sqrt(6)"}
"""

EXPECTED = {
    "softmax-positive": Verdict.PROVED,
    "softmax-at-most-one": Verdict.PROVED,  # the sum minus its own term is >= 0
    "softmax-below-one": Verdict.REFUTED,  # S = 1 at N = 1
    # where: N >= 2 covers only N >= 2, written M + 1: the remainder keeps a second term
    "softmax-below-one-two-classes": Verdict.PROVED,
    "two-outputs": Verdict.VERIFIED,  # two terms removed from the sum: only size by size
    "exp-positive": Verdict.PROVED,
    "sum-at-most-one": Verdict.PROVED,  # right − left = 0
    "sum-below-one": Verdict.REFUTED,
    "log-softmax": Verdict.PROVED,  # log u has the sign of u − 1
    "sigmoid-below-one": Verdict.PROVED,  # 1 − σ = e^{−z} / (1 + e^{−z})
    "sigmoid-positive": Verdict.PROVED,
    "square": Verdict.PROVED,
    "squares": Verdict.PROVED,  # (x − z)^2 >= 0, by factoring the numerator
    "square-strict": Verdict.REFUTED,  # 0 at x = 0
    "cube": Verdict.REFUTED,
    "exp-above-one": Verdict.REFUTED,  # e^0 = 1 exactly
    "log-below-tangent-strict": Verdict.REFUTED,  # log 1 = 0 = 1 − 1, exactly
    "log-below-tangent": Verdict.CONSISTENT,  # true, but no rule shows it
    "exp-above-tangent": Verdict.CONSISTENT,
    # false (the sides are equal), but no point is exact and mpmath sees equal sides: a
    # strict inequality that holds with equality numerically is neither consistent nor refuted
    "equal-sides-strict": Verdict.UNDECIDED,
}


@cache
def results() -> dict[str, CheckResult]:
    return {r.id: r for r in check_scope(scope_of(SPEC), Options())}


@pytest.mark.parametrize("claim_id", sorted(EXPECTED))
def test_each_inequality_gets_its_verdict(claim_id: str) -> None:
    """The exact verdict of each rung: proved, verified, refuted, consistent, undecided."""
    assert results()[claim_id].verdict == EXPECTED[claim_id], results()[claim_id].message


def test_every_claim_is_expected() -> None:
    """No claim of the spec goes without its expected verdict above."""
    assert set(results()) == set(EXPECTED)


def test_messages_say_how() -> None:
    """Each verdict's message names its argument: the sign, the sizes, the failing point."""
    found = results()
    assert found["softmax-positive"].message == \
        "proved for all sizes: left − right > 0 (sign by positivity, symbolic)"
    assert found["sum-at-most-one"].message == \
        "proved for all sizes: right − left = 0 (sign by positivity, symbolic)"
    assert found["softmax-below-one-two-classes"].message == (
        "proved for all sizes with N ≥ 2 (as `where` says): right − left > 0 (sign by "
        "positivity, symbolic)")
    assert found["two-outputs"].message == (
        "verified for N ∈ {1, 2, 3}: the sign of right − left shown symbolically at each of "
        "the 8 assignments (sums written out)")
    assert found["softmax-below-one"].message == \
        "fails at N = 1, i = 1: lhs = 1, rhs = 1, and not lhs < rhs"
    assert found["log-below-tangent-strict"].message == \
        "fails at the inputs below: lhs = 0, rhs = 0, and not lhs < rhs"
    assert found["log-below-tangent"].message.startswith(
        "consistent: numeric evidence only, no symbolic proof (no sign of right − left "
        "shown); the relation holds at ")
    assert found["equal-sides-strict"].message.startswith(
        "the sides agree to every digit computed at 38 trial points (first at the inputs): a "
        "strict inequality may fail there by equality")


def test_a_refuted_inequality_says_where_it_holds() -> None:
    """S_i < 1 holds from two classes on (its sign shown at each such size) and fails at
    N = 1 (a counterexample there): the diagnosis's regions."""
    diagnosis = results()["softmax-below-one"].diagnosis
    assert diagnosis is not None
    assert (diagnosis.holds_when, diagnosis.fails_when) == (("N >= 2",), ("N <= 1",))
    assert results()["cube"].diagnosis is None  # no size or index tells: no region stated


def test_the_regions_need_every_assignment_settled() -> None:
    """Where some assignment is neither shown to hold nor failing, no region is stated."""
    scope = scope_of(SPEC)
    decider = Decider(scope, Options())
    node = parse("exp(x) > 1")
    assert inequality_regions(decider, ">", node.left, node.right, None) is None


def test_the_proof_shows_the_gap_and_its_sign() -> None:
    """The steps: both sides, the gap over a common denominator, the sign concluded."""
    proof = results()["softmax-at-most-one"].proof
    assert [step.label.split(",")[0] for step in proof] == [
        "left side", "right side", "right − left", "sign: right − left ≥ 0 by positivity: exp > 0"]


def test_the_where_of_an_inequality_restricts_it() -> None:
    """`where:` on an inequality works as on an equation: the claim holds where it holds."""
    text = """
        title: where
        sizes: {N: [1, 2, 3]}
        indices: {i: N, j: N, k: N}
        symbols: {a: [N]}
        claims:
          - {id: only-diagonal, claim: "delta(i, j) * exp(a[i]) > 0", where: "i == j"}
          - {id: everywhere, claim: "delta(i, j) * exp(a[i]) > 0", expect: refuted}
    """
    found = {r.id: r for r in check_scope(scope_of(text), Options())}
    assert found["only-diagonal"].verdict == Verdict.PROVED
    assert found["everywhere"].verdict == Verdict.REFUTED
    diagnosis = found["everywhere"].diagnosis
    assert diagnosis is not None
    assert (diagnosis.holds_when, diagnosis.fails_when) == (("i == j",), ("i != j",))


def test_proved_means_every_size_even_where_fewer_are_listed() -> None:
    """A strict bound true only from N = 2 on is not `proved` without `where: N >= 2`
    (proved means every N >= 1), even when the spec lists only N >= 2: it is `verified`."""
    text = """
        title: sizes
        sizes: {N: [2, 3]}
        indices: {i: N, k: N}
        symbols: {a: [N]}
        define:
          S[i]: exp(a[i]) / sum(exp(a[k]), k)
        claims:
          - {id: below-one, claim: "S[i] < 1"}
    """
    (result,) = check_scope(scope_of(text), Options())
    assert result.verdict == Verdict.VERIFIED


# -- the sign rules, each only under its side condition --------------------------------------

N = sympy.Symbol("N", integer=True, positive=True)
I = sympy.Symbol("i", integer=True)
K = Dummy("k", integer=True)
A = IndexedBase("a", real=True)
RANGES = {I: (sympy.Integer(1), N)}
TOTAL = Sum(sympy.exp(A[K]), (K, 1, N))


@pytest.mark.parametrize(("expr", "expected"), [
    (sympy.exp(U), Sign.POSITIVE),
    (U ** 2, Sign.NONNEGATIVE),
    (U ** 2 + 1, Sign.POSITIVE),
    (U ** 3, Sign.UNKNOWN),  # a cube has the sign of its base
    (-U ** 2, Sign.NONPOSITIVE),
    (U ** -1, Sign.UNKNOWN),
    (U ** -2, Sign.NONNEGATIVE),
    (sympy.sqrt(U), Sign.NONNEGATIVE),  # defined only for u >= 0
    (sympy.cbrt(U), Sign.UNKNOWN),
    (sympy.Abs(U), Sign.NONNEGATIVE),
    (P * U, Sign.UNKNOWN),
    (-P / (1 + sympy.exp(U)), Sign.NEGATIVE),
    (sympy.log(P), Sign.UNKNOWN),  # p − 1 has no known sign
    (sympy.log(U ** 2 + 2), Sign.POSITIVE),  # u^2 + 2 − 1 > 0
    (sympy.log(U), Sign.UNKNOWN),  # u only real: log u is not judged
    (sympy.log(sympy.exp(U) / TOTAL), Sign.UNKNOWN),  # e^u is not one of the sum's terms
    (TOTAL - sympy.exp(A[I]), Sign.NONNEGATIVE),  # > 0 only with a second term
    (sympy.exp(A[I]) - TOTAL, Sign.NONPOSITIVE),
    (Sum(A[K], (K, 1, N)) - A[I], Sign.UNKNOWN),  # the terms have no sign
    (Sum(sympy.exp(A[K]), (K, 2, N)) - sympy.exp(A[I]), Sign.UNKNOWN),  # i = 1 is outside
    (Sum(sympy.exp(A[K]), (K, 1, N)) - sympy.exp(A[I + 1]), Sign.UNKNOWN),  # i + 1 may be N + 1
    (TOTAL - 2 * sympy.exp(A[I]), Sign.UNKNOWN),
    (Sum(sympy.exp(A[K]), (K, 2, N)), Sign.NONNEGATIVE),  # empty at N = 1
    (Sum(sympy.exp(A[K]), (K, 1, N)), Sign.POSITIVE),
])
def test_sign(expr: sympy.Expr, expected: Sign) -> None:
    """Each rule fires under its side condition, and not where the condition fails."""
    assert sign(expr, RANGES) == expected


@pytest.mark.parametrize(("expr", "expected"), [
    (1 - sympy.exp(A[I]) / TOTAL, Sign.NONNEGATIVE),  # over Σ: (Σ − e^{a_i}) / Σ
    (sympy.log(sympy.exp(A[I]) / TOTAL), Sign.NONPOSITIVE),
    (1 - 1 / (1 + sympy.exp(-U)), Sign.POSITIVE),
    (U ** 2 - 2 * U * V + V ** 2, Sign.NONNEGATIVE),  # factored: (u − v)^2
    (U ** 2 - 2 * U * V, Sign.UNKNOWN),
    (1 / U - 1, Sign.UNKNOWN),
])
def test_judge_tries_the_forms(expr: sympy.Expr, expected: Sign) -> None:
    """One fraction, then its numerator factored: a sign shown for a form is the value's."""
    assert judge(expr, RANGES) == expected


def test_at_a_listed_size_the_remainder_is_positive() -> None:
    """With the sum written out at N = 2 the sum minus one of its terms is > 0."""
    gap = (1 - sympy.exp(A[I]) / TOTAL).xreplace({N: 2, I: 1}).doit()
    assert judge(gap, {}) == Sign.POSITIVE
    at_one = (1 - sympy.exp(A[I]) / TOTAL).xreplace({N: 1, I: 1}).doit()
    assert judge(at_one, {}) == Sign.ZERO


def test_signs_hold_at_random_points() -> None:
    """Random expressions of u, v (real) and p (positive): every sign judged holds at every
    random point where the value is defined."""
    rng = random.Random(1)
    judged = 0
    for _ in range(600):
        expr = _random_expression(rng, 4)
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            continue
        found = judge(expr, {})
        judged += found != Sign.UNKNOWN
        for _ in range(4):
            point = (rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(0.01, 3))
            value = _real_value(expr, point)
            if value is None:
                continue
            tiny = mpmath.mpf(10) ** -30 * (1 + abs(value))
            # (> 0 and < 0 within rounding: e^-169 is > 0, but tiny)
            assert {Sign.POSITIVE: value > -tiny, Sign.NONNEGATIVE: value >= -tiny,
                    Sign.ZERO: abs(value) <= tiny, Sign.NONPOSITIVE: value <= tiny,
                    Sign.NEGATIVE: value < tiny, Sign.UNKNOWN: True}[found], (expr, point)
    assert judged > 150


@pytest.mark.parametrize("claim", [
    "S[i] < 1", "exp(x) > 1", "log(x) < x - 1", "x^3 >= 0", "x^2 > 0", "sum(S[k], k) < 1",
    "2 * S[i] <= 1", "S[i] > 1 / 2", "-S[i] >= 0", "log(S[i]) < 0", "sigmoid(z) <= 1 / 2",
    "exp(x) >= 2 + x", "x^2 + z^2 > 2 * x * z",
])
def test_a_false_inequality_is_never_proved_or_verified(claim: str) -> None:
    """Each is false somewhere at the listed sizes: refuted, never proved or verified."""
    text = SPEC.split("    claims:")[0] + f"    claims:\n      - {{id: c, claim: '{claim}'}}\n"
    (result,) = check_scope(scope_of(text), Options())
    assert result.verdict == Verdict.REFUTED, result.message


def test_a_wrong_sign_rule_is_caught_by_the_cross_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the sign judgement unsound (here: everything > 0), trial points at the smallest
    and largest sizes would stop the `proved`."""
    from symderiv.check import inequality

    monkeypatch.setattr(inequality, "judge", lambda expr, ranges, depth=0: Sign.POSITIVE)
    text = SPEC.split("    claims:")[0] + "    claims:\n      - {id: c, claim: 'x^3 > 0'}\n"
    (result,) = check_scope(scope_of(text), Options(strategies=("generic",)))
    assert (result.verdict, result.method) == (Verdict.UNDECIDED, "inconsistent")


@pytest.mark.parametrize(("where", "expected"), [
    ("N >= 2", Verdict.PROVED),
    ("2 <= N", Verdict.PROVED),
    ("N > 1 and i >= 1", Verdict.PROVED),
    ("N >= 1", Verdict.REFUTED),  # no bound above 1: N = 1 is covered, and fails
    ("N >= 2 or i == 1", Verdict.REFUTED),  # not a bound on N: N = 1, i = 1 is covered
    ("not (N < 2)", Verdict.VERIFIED),  # a bound, but not read as one: size by size
])
def test_a_size_bound_in_where_is_assumed_only_as_written(where: str, expected: Verdict
                                                          ) -> None:
    """`where: N >= 2` lets the proof assume N >= 2; anything else about N, it does not."""
    text = SPEC.split("    claims:")[0] + \
        f"    claims:\n      - {{id: c, claim: 'S[i] < 1', where: '{where}'}}\n"
    (result,) = check_scope(scope_of(text), Options())
    assert result.verdict == expected, result.message


def test_a_size_bound_does_not_prove_a_false_bound() -> None:
    """Under N >= 2, S_i < 1/2 is still false (a = (1, 0) at N = 2): refuted."""
    text = SPEC.split("    claims:")[0] + \
        "    claims:\n      - {id: c, claim: 'S[i] < 1 / 2', where: 'N >= 2'}\n"
    (result,) = check_scope(scope_of(text), Options())
    assert result.verdict == Verdict.REFUTED, result.message


def test_the_latex_of_an_inequality_is_read_and_compared() -> None:
    """`tex:` reads < \\le \\ge; beside a claim, ID.tex needs the same relation, or its
    mirror with the sides swapped; another relation is said, not decided."""
    text = SPEC.split("    claims:")[0] + """    claims:
      - {id: alone, tex: '0 < S_i'}
      - {id: beside, tex: 'S_i \\le 1', claim: 'S[i] <= 1'}
      - {id: mirrored, tex: '1 \\ge S_i', claim: 'S[i] <= 1'}
      - {id: other, tex: 'S_i < 1', claim: 'S[i] <= 1'}
"""
    found = {r.id: r for r in check_scope(scope_of(text), Options())}
    assert {k: v.verdict for k, v in found.items()} == {
        "alone": Verdict.PROVED, "beside": Verdict.PROVED, "beside.tex": Verdict.PROVED,
        "mirrored": Verdict.PROVED, "mirrored.tex": Verdict.PROVED, "other": Verdict.PROVED,
        "other.tex": Verdict.UNDECIDED}
    assert found["mirrored.tex"].message.startswith(
        "the LaTeX says what the claim says (with the sides swapped)")
    assert found["other.tex"].message == ("the LaTeX states another relation: '<' where the "
                                          "claim states '<=' (with either order of the sides)")
