"""False claims built to slip past the exact screen or the confirmation: always refuted.

Each counterexample is re-checked here independently: exactly in fractions where both sides
are rational, else in mpmath at 1,000 digits.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest

from symderiv.report.diagnosis import as_json
from symderiv.numbers.domains import MpmathDomain
from symderiv.options import Options
from symderiv.check.evaluate import Evaluator
from symderiv.check.verdict import Verdict
from symderiv.language import ast
from symderiv.jobs import load_scope
from symderiv.pipeline import check_file

SPECS = Path(__file__).parent.parent / "specs" / "adversarial"
CASES = [(spec, claim.id) for spec in sorted(SPECS.glob("*.yaml"))
         if spec.name != "diagnosis-atoms.yaml"
         for claim in load_scope(spec, spec.name).spec.claims]
IMPLEMENTATIONS = SPECS / "implementations.yaml"


@pytest.mark.parametrize("spec, claim_id", CASES, ids=[c for _, c in CASES])
@pytest.mark.parametrize("strategies", [("generic", "bounded", "numeric"), ("bounded",)])
def test_false_claim_is_refuted(spec: Path, claim_id: str, strategies: tuple[str, ...]) -> None:
    """Refuted by the default layers and by the exact screen alone, at a real counterexample."""
    result = next(c for c in check_file(spec, spec.name, Options(strategies=strategies)).checks
                  if c.id == claim_id)
    assert result.verdict == Verdict.REFUTED, result.message
    found = result.counterexample
    assert found is not None
    scope = load_scope(spec, spec.name)
    node = next(c for c in scope.spec.claims if c.id == claim_id).claim.node  # type: ignore
    assert isinstance(node, ast.Compare)
    values = {(name, ()): Fraction(value) for name, value in found.values}  # scalars only
    sides = [Evaluator(scope, {}, MpmathDomain(values, 1000)).value(side, {})
             for side in (node.left, node.right)]
    with mpmath.workdps(1000):
        assert abs(sides[0] - sides[1]) > mpmath.mpf(10) ** -900
        assert mpmath.almosteq(sides[0] - sides[1], mpmath.mpf(found.difference), 1e-25)


def test_exact_counterexample_is_shown_exactly() -> None:
    """A rational counterexample carries its exact sides: 1 and 1 + 10^-26."""
    spec = SPECS / "tiny-differences.yaml"
    result = next(c for c in check_file(spec, spec.name, Options()).checks
                  if c.id == "tiny-const")
    assert dict(result.counterexample.rational) == {  # type: ignore[union-attr]
        "lhs": "1", "rhs": "100000000000000000000000001/100000000000000000000000000",
        "difference": "-1/100000000000000000000000000"}


def test_nowhere_defined_claim_is_undecided(tmp_path: Path) -> None:
    """Sides undefined at every point compare nothing: undecided, not verified."""
    spec = tmp_path / "undefined.yaml"
    spec.write_text("title: t\nsizes: {N: [1, 2]}\nindices: {i: N}\nsymbols: {a: [N]}\n"
                    "claims:\n  - {id: c, claim: '1/(a[i] - a[i]) == 1'}\n", encoding="utf-8")
    result = check_file(spec, "undefined.yaml", Options(strategies=("bounded",))).checks[0]
    assert result.verdict == Verdict.UNDECIDED
    assert result.message == ("the sides are undefined (division by zero, log of 0, ...) at "
                              "every random point of every assignment: nothing was compared")


@pytest.mark.parametrize("dtype, verdicts", [
    ("float64", {"f.scaled": "refuted", "f.shifted": "refuted", "f.exact": "proved",
                 "h.numpy": "refuted", "c.numpy": "proved", "g.numpy": "refuted",
                 "S.stable": "proved", "S.scaled": "refuted", "S.clipped": "refuted",
                 "e1.numpy": "consistent", "kx.numpy": "proved"}),
    # float32 cannot tell 1e-8 or a 1e-10 floor from rounding: within its rtol 1e-4
    ("float32", {"f.scaled": "consistent", "f.shifted": "refuted", "f.exact": "proved",
                 "h.numpy": "refuted", "c.numpy": "proved", "g.numpy": "refuted",
                 "S.stable": "proved", "S.scaled": "consistent", "S.clipped": "consistent",
                 "e1.numpy": "consistent", "kx.numpy": "proved"}),
])
def test_implementation_is_judged_by_its_formula(dtype: str, verdicts: dict[str, str]) -> None:
    """An implementation whose formula differs from the definition beyond rtol is refuted,
    whatever float rounding would excuse; one equal as a formula is never refuted, and is
    proved (issue 16: the formula is the definition for every size); e1's 2.718281828459045
    is not e, so e1 stays consistent."""
    checks = check_file(IMPLEMENTATIONS, IMPLEMENTATIONS.name, Options(dtype=dtype)).checks
    assert {c.id: c.verdict.value for c in checks} == verdicts


def test_formula_difference_is_shown_exactly() -> None:
    """The message gives the implementation's exact value, the definition's and rtol."""
    checks = check_file(IMPLEMENTATIONS, IMPLEMENTATIONS.name, Options()).checks
    shifted = next(c for c in checks if c.id == "f.shifted")
    assert shifted.message == (
        "f.shifted disagrees with the definition: f is 2.0 (its formula computed exactly in "
        "mpmath) but 1.0 (definition, 60 digits); relative error 1 (rtol 1e-09)")
    assert dict(shifted.counterexample.values) == {"x": Fraction(1)}  # type: ignore[union-attr]
    clipped = next(c for c in checks if c.id == "g.numpy")
    # found at a random point (a = 180.16...), shown at the readable a = 180 where it still
    # differs, decided there exactly again
    assert clipped.message == ("g.numpy disagrees with the definition at N = 1: g[1] is 50.0 "
                               "(its formula computed exactly in mpmath) but 180.0 (definition, "
                               "60 digits); relative error 0.722 (rtol 1e-09)")
    assert dict(clipped.counterexample.values) == {"a": (Fraction(180),)}  # type: ignore[union-attr]
    soft = next(c for c in checks if c.id == "S.clipped")
    assert dict(soft.counterexample.values) == {  # type: ignore[union-attr]
        "a": (Fraction(51), Fraction(-30))}


def test_a_rounded_point_is_shown_only_where_the_difference_stays(tmp_path: Path) -> None:
    """Rounding a point must keep the difference: an implementation that differs only in a
    narrow band (180.1 < a < 180.2) is shown at its random point, never at a rounded one
    where it agrees (a counterexample must be a counterexample)."""
    from symderiv.check.numeric import implementation_differences as differences
    from symderiv.jobs import load_scope

    spec = tmp_path / "band.yaml"
    spec.write_text("title: band\nsizes: {N: [1]}\nindices: {i: N}\nsymbols: {a: [N]}\n"
                    "define:\n  g[i]: a[i]\n"
                    "numpy: {g: 'a + max(min(a - 180.1, 180.2 - a), 0)'}\n"
                    "claims: [{id: c, claim: 'g[i] == a[i]'}]\n", encoding="utf-8")
    scope = load_scope(spec, str(spec))
    inputs = {"a": np.array([[1.0], [180.15]])}
    comparison = differences.Comparison(
        scope, scope.spec.implementations[0], {"N": 1}, inputs, inputs["a"].copy(),
        np.zeros((2, 1), dtype=bool), np.zeros((2, 1)), 1e-9, "float64")
    assert isinstance(differences._mathematical_difference(comparison, 1, 1e-16), tuple)
    assert differences._readable_difference(comparison, 1, 1e-16) is None
    assert differences._rounded(np.array([[0.36], [-0.2]]), None).tolist() == [[0.0], [0.0]]
    assert differences._rounded(np.array([[0.36], [180.4]]), 1).tolist() == [[0.4], [200.0]]
    assert differences._rounded(np.array([[-29.76, 0.0]]), 2).tolist() == [[-30.0, 0.0]]


def test_errors_reported_are_against_the_exact_definition_where_floats_disagree() -> None:
    """(x + e^100) - e^100 is 0 in float64: the error of `x` is measured exactly, so it is 0."""
    checks = check_file(IMPLEMENTATIONS, IMPLEMENTATIONS.name, Options()).checks
    cancelled = next(c for c in checks if c.id == "c.numpy")
    assert cancelled.message.endswith("largest error 0 absolute, 0 relative")
    assert dict(cancelled.details)["max_rel_error"] == 0.0


def test_regions_through_sqrt_and_log_are_confirmed() -> None:
    """A region is said to fail only where a counterexample confirms it: i == j holds here."""
    spec = SPECS / "diagnosis-atoms.yaml"
    for check in check_file(spec, spec.name, Options()).checks:
        assert check.verdict == Verdict.REFUTED
        diagnosis = as_json(check.diagnosis)  # type: ignore[arg-type]
        assert (diagnosis["holds_when"], diagnosis["fails_when"], diagnosis["error_class"]) \
            == (["i == j"], ["i != j"], "missing_delta"), check.id


def test_rounding_of_an_exact_formula_is_a_warning() -> None:
    """Cancellation then scaling loses digits in float64, but the formula is right: a warning
    with the numbers, not a refutation (found by an audit: it was refuted); the formula is
    kx's, proved, and the rounding is reported beside the proof."""
    checks = check_file(IMPLEMENTATIONS, IMPLEMENTATIONS.name, Options()).checks
    scaled = next(c for c in checks if c.id == "kx.numpy")
    assert scaled.verdict == Verdict.PROVED
    assert len(scaled.warnings) == 1
    assert scaled.warnings[0].startswith(
        "kx.numpy loses digits to rounding in float64 (its formula is exact): at x = ")
