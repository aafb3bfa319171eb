"""The decider's numeric layer: a claim's two sides at random points, and what mpmath says.

`evidence` evaluates both sides at random points for every listed size and index assignment,
every `D(f, x)` of a definition f with a trusted numpy implementation taken from finite
differences of it, so the numbers do not depend on sympy. A difference found there is only a
candidate: `resolve_rounding` sets aside those mpmath sees as rounding, and
`confirm_mismatch` makes one a refutation only when mpmath reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

from symderiv.check.bounded import Candidate, assignments
from symderiv.check.evaluate import EvaluationError, check_comparable
from symderiv.check.numeric.entries import indexed_entries
from symderiv.check.numeric.error_measures import MAX_MISMATCHES, Errors
from symderiv.check.numeric.finite_differences import FiniteDifferences, NumericEvaluator
from symderiv.check.numeric.points import ExactPoint, exact_point, point_count, random_inputs
from symderiv.check.refute import confirm, evaluate_at, find_counterexample
from symderiv.check.verdict import Counterexample
from symderiv.language import ast
from symderiv.load.model import Implementation
from symderiv.numbers.domains import Undefined
from symderiv.resolve.scope import Scope, used_names

#: Relative tolerance of a claim's two sides at a random point, by dtype (finite-difference
#: error is added per point on top of this).
CLAIM_RTOL = {"float64": 1e-7, "float32": 1e-3}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A random point where the two sides differed beyond the allowed error."""

    sizes: dict[str, int]
    indices: dict[str, int]
    entry: tuple[int, ...]
    values: ExactPoint
    lhs: float
    rhs: float


@dataclass(slots=True)
class Evidence:
    """What the random points say about one equation."""

    points: int = 0
    undefined: int = 0
    assignments: int = 0  # index assignments that satisfy `where`, over all sizes
    errors: Errors = field(default_factory=Errors)
    mismatches: list[Mismatch] = field(default_factory=list)
    methods: set[str] = field(default_factory=set)
    combos: list[dict[str, int]] = field(default_factory=list)
    worst_gap: float = 0.0  # largest |lhs - rhs| / allowed at a mismatch
    rounding: int = 0  # float differences that mpmath showed to be rounding
    differenced: bool = False  # did some D(...) come from an implementation?
    resolved: list[Mismatch] = field(default_factory=list)  # mpmath: equal there


def evidence(scope: Scope, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
             free: list[str], combos: list[dict[str, int]],
             implementations: dict[str, Implementation], seed: int,
             dtype: str = "float64") -> Evidence:
    """Evaluate lhs and rhs at random points for every listed size and index assignment.

    Raises:
        EvaluationError: the formulas cannot be evaluated at these sizes.
    """
    result = Evidence(combos=combos)
    rng = np.random.default_rng(seed)
    names = used_names(scope, [lhs, rhs])
    rtol = CLAIM_RTOL[dtype]
    for sizes in combos:
        inputs = random_inputs(scope, names, sizes, rng)
        differences = FiniteDifferences(scope, sizes, inputs, implementations, dtype)
        evaluator = NumericEvaluator(scope, sizes, inputs, differences)
        with np.errstate(all="ignore"):
            for env in assignments(evaluator, free, where):
                result.assignments += 1
                left = evaluator.value(lhs, env)
                right = evaluator.value(rhs, env)
                check_comparable(left, right)
                _compare(result, left, right, inputs, sizes, env, rtol, differences.error)
        result.methods |= differences.methods
        result.differenced |= bool(differences.methods)
    if not result.methods and any(isinstance(n, ast.Call) and n.function in ("D", "jacobian")
                                  for side in (lhs, rhs) for n in ast.walk(side)):
        result.methods.add("forward-mode differentiation of the definitions (no numpy "
                           "implementation to difference)")
    return result


def _compare(result: Evidence, left: Any, right: Any, inputs: dict[str, np.ndarray],
             sizes: dict[str, int], env: dict[str, int], rtol: float,
             difference_error: np.ndarray) -> None:
    """Count and measure both sides at one assignment, entry by entry; keep the mismatches.

    An entry's tolerance is relative to the larger side there, with a floor of 1e-3 of the
    largest entry (cancellation), plus the finite differences' own error estimate.
    """
    points = point_count(inputs)
    pairs = [((entry, _as_points(a, points)), _as_points(b, points))
             for (entry, a), (_, b) in zip(indexed_entries(left), indexed_entries(right))]
    scale = np.zeros(points)
    for (_, a), b in pairs:
        scale = np.maximum(scale, np.nan_to_num(np.maximum(abs(a), abs(b))))
    for (entry, a), b in pairs:
        defined = np.isfinite(a) & np.isfinite(b)
        result.points += int(np.sum(defined))
        result.undefined += int(np.sum(~defined))
        result.errors.update(np.where(defined, a, 0), np.where(defined, b, 0), scale)
        allowed = (rtol * (np.maximum(abs(a), abs(b)) + 1e-3 * scale)
                   + 16 * difference_error + np.finfo(float).tiny)
        gap = np.where(defined, np.abs(a - b) / allowed, 0.0)
        for point in np.flatnonzero(gap > 1)[:1]:
            result.worst_gap = max(result.worst_gap, float(gap[point]))
            if len(result.mismatches) < MAX_MISMATCHES:
                result.mismatches.append(Mismatch(
                    dict(sizes), dict(env), entry, exact_point(inputs, point),
                    float(a[point]), float(b[point])))


def _as_points(value: Any, points: int) -> np.ndarray:
    """One entry of a side as an array of P floats (a constant entry repeated)."""
    return np.broadcast_to(np.asarray(value, float), (points,))


def equal_in_mpmath(scope: Scope, lhs: ast.Node, rhs: ast.Node, mismatch: Mismatch) -> bool:
    """Do both sides agree to 25 digits at the mismatch's point (a float rounding artefact)?"""
    try:
        left, right = evaluate_at(scope, lhs, rhs, mismatch.sizes, mismatch.indices,
                                  mismatch.values, 40, mismatch.entry)
    except (Undefined, KeyError, ZeroDivisionError, ValueError, EvaluationError):
        return False
    size = max(mpmath.mpf(1), abs(left), abs(right))
    return bool(abs(left - right) <= size * mpmath.mpf(10) ** -25)


def resolve_rounding(scope: Scope, lhs: ast.Node, rhs: ast.Node, found: Evidence) -> None:
    """Move mismatches where mpmath (40 digits) sees both sides equal to `found.resolved`.

    Without finite differences such a mismatch is float rounding; with them it is
    finite-difference error (an ill-conditioned point), which a caller may still report.
    """
    kept = []
    for mismatch in found.mismatches:
        if equal_in_mpmath(scope, lhs, rhs, mismatch):
            found.resolved.append(mismatch)
        else:
            kept.append(mismatch)
    found.rounding += len(found.resolved)
    found.mismatches = kept


def confirm_mismatch(scope: Scope, lhs: ast.Node, rhs: ast.Node, found: Evidence,
                     seed: int) -> Counterexample | None:
    """A numeric difference is a refutation only when mpmath reproduces it."""
    candidates = [Candidate(m.sizes, m.indices, m.entry) for m in found.mismatches]
    # simple values read better than the random point, so they are tried first
    simple = find_counterexample(scope, lhs, rhs, candidates, seed) if candidates else None
    if simple is not None:
        return simple
    for mismatch, candidate in zip(found.mismatches, candidates):
        counterexample = confirm(scope, lhs, rhs, candidate, mismatch.values)
        if counterexample is not None:
            return counterexample
    return None
