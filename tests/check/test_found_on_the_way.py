"""Wrong or missing verdicts found while attacking the CI setting (issue 13, items 14-19)."""

from __future__ import annotations

import pytest

from symderiv.check import claims
from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.resolve.implementations import check_numpy
from symderiv.options import Options
from conftest import scope_of


def checks(text: str, **options: object) -> dict[str, CheckResult]:
    return {r.id: r for r in check_scope(scope_of(text), Options(**options))}  # type: ignore[arg-type]


def test_float_overflow_at_most_points_is_not_consistent() -> None:
    """x^(10^1000) overflows at most points: the few defined ones do not make it consistent."""
    found = checks("""
        title: t
        symbols: {x: {shape: []}}
        claims:
          - {id: big, claim: "x^(10^1000) == x^(10^1000+1)"}
    """)["big"]
    assert found.verdict == Verdict.UNDECIDED
    assert ("numeric layer: undefined in floats (overflow, or outside the domain) at 38 of 50 "
            "random points; the 12 defined ones are too few to call the claim consistent"
            ) in found.warnings


def test_float_evidence_that_is_mostly_defined_stays_consistent() -> None:
    """The side condition: log identities defined at every point are still `consistent`."""
    found = checks("""
        title: t
        symbols: {x: {shape: []}}
        claims:
          - {id: log, claim: "log(exp(x) * exp(x)) == 2 * x"}
    """)["log"]
    assert found.verdict in (Verdict.CONSISTENT, Verdict.PROVED)
    assert not [w for w in found.warnings if "too few" in w]


LSE = """
    title: t
    sizes: {N: [1, 2, 3]}
    indices: {k: N}
    symbols: {a: {shape: [N]}}
    define:
      LSE: log(sum(exp(a[k]), k))
    claims:
      - {id: mean, claim: "LSE == log(N) + sum(a[k], k) / N", expect: refuted}
"""


def test_claim_holding_at_n_1_through_exp_log_is_diagnosed() -> None:
    """It holds at N = 1 only as log(exp(a)) = a: the diagnosis no longer crashes, and does
    not claim it fails everywhere."""
    found = checks(LSE)["mean"]
    assert found.verdict == Verdict.REFUTED
    assert found.diagnosis is not None
    assert found.diagnosis.regions_settled is False
    assert found.diagnosis.holds_when == () and found.diagnosis.fails_when == ()
    assert not [w for w in found.warnings if "diagnosis" in w]


def test_a_failing_diagnosis_never_changes_the_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise IndexError("tuple index out of range")

    monkeypatch.setattr(claims, "diagnose", broken)
    found = checks(LSE)["mean"]
    assert found.verdict == Verdict.REFUTED and found.ok
    assert found.diagnosis is None
    assert found.warnings[-1] == ("diagnosis omitted: it failed (IndexError: tuple index out "
                                  "of range); the verdict stands")


def test_min_of_two_shapes_that_do_not_broadcast_is_a_located_error() -> None:
    (broken,) = check_numpy(scope_of("""
            title: t
            sizes: {N: [2], T: [3]}
            symbols: {a: {shape: [N]}, b: {shape: [T]}}
            define: {S: "a[1] + b[1]"}
            numpy: {S: "min(a, b)"}
        """)).spec.broken
    assert (broken.id, broken.kind) == ("S.numpy", "implementation")
    assert broken.text == ("spec.yaml:6:13: shapes (2,) and (3,) do not broadcast in min() "
                           "(at N = 2, T = 3)  [shape]")


def example(define: str, given: str, expect: str) -> CheckResult:
    return checks(f"""
        title: t
        symbols: {{u: {{shape: []}}}}
        define: {{L: "{define}"}}
        examples:
          - {{id: ex, given: {given}, expect: {expect}, tol: 1e-6}}
    """)["ex"]


def test_an_example_that_cancels_at_60_digits_is_retried_at_more() -> None:
    """log(1 - 1/(1 + exp(-150))) = -150 - log(1 + exp(-150)): 60 digits see log(0)."""
    found = example("log(1 - 1/(1 + exp(-u)))", "{u: 150}", "{L: -150}")
    assert found.verdict == Verdict.VERIFIED
    assert found.message == "the definition (250 digits) matches the written values at u = 150"


def test_an_example_undefined_at_every_precision_is_undecided_not_refuted() -> None:
    """exp(-3000) vanishes even at 1,000 digits: not shown undefined, so no verdict."""
    found = example("log(1 - 1/(1 + exp(-u)))", "{u: 3000}", "{L: -3000}")
    assert found.verdict == Verdict.UNDECIDED
    assert ("L has no value at u = 3000 at up to 1000 digits (log of a number ≤ 0): a "
            "cancellation that precision cannot resolve, or undefined") in found.message


def test_an_example_undefined_exactly_is_refuted() -> None:
    """The side condition: exact arithmetic shows 1/(u - 2) has no value at u = 2."""
    found = example("1 / (u - 2)", "{u: 2}", "{L: 1}")
    assert found.verdict == Verdict.REFUTED
    assert found.message.startswith("L is undefined at u = 2:")


BCE = """
    title: t
    sizes: {F: [1]}
    indices: {f: F}
    symbols: {w: {shape: [F]}, x: {shape: [F]}, y: {shape: []}}
    define:
      p: 1 / (1 + exp(-sum(w[f] * x[f], f)))
      L: -(y * log(p) + (1 - y) * log(1 - p))
    numpy:
      L: -(y * log(1 / (1 + exp(-(w @ x)))) + (1 - y) * log(1 - 1 / (1 + exp(-(w @ x)))))
"""


def test_points_where_the_float_definition_fails_are_compared_exactly() -> None:
    """A naive BCE is inf where floats round p to 1: said with the point, and the points
    compared are counted (they were dropped without a word). The formula is L's (proved,
    issue 16): the float failure is reported beside the proof."""
    found = checks(BCE)["L.numpy"]
    assert found.verdict == Verdict.PROVED
    assert found.message.startswith(
        "proved for all sizes: the formula of L.numpy is L in index notation; float "
        "behaviour: L.numpy equals L at 50 of 66 random points (seed 0,")
    assert found.warnings == (
        "L.numpy gives inf or nan in float64 at 4 of 66 random points where L is finite "
        "(first at w = [7.81311], x = [6.21018], y = 0.476727, where L = 25.389626650406); "
        "not compared there",)


def test_a_wrong_implementation_is_refuted_where_only_mpmath_has_the_value() -> None:
    """The side condition of the exact fill-in: a formula off by 1 is still refuted."""
    found = checks(BCE.replace("log(1 - 1 / (1 + exp(-(w @ x)))))",
                               "log(1 - 1 / (1 + exp(-(w @ x))))) + 1"))["L.numpy"]
    assert found.verdict == Verdict.REFUTED
