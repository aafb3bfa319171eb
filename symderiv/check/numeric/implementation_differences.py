"""Whether an implementation differs from its definition for real: decided in mpmath.

Where numpy disagreed with the definition's float value, and at a few sampled points, the
implementation's own mathematics (its formula, exactly) and then numpy's float value are
compared with the definition at 40+ digits. A wrong formula is a refutation, and so is a
float value off by more than its rounding allows; a float value off where the formula is
exact is rounding: measured and warned about, never a refutation.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from symderiv.check.evaluate import EvaluationError, Evaluator
from symderiv.check.numeric.entries import row_major
from symderiv.check.numeric.error_measures import MAX_MISMATCHES, Errors
from symderiv.check.numeric.floats import epsilon
from symderiv.check.numeric.points import (
    ExactPoint, counterexample_values, exact_point, first_point_of_scale, signed_simple_point,
)
from symderiv.check.refute import MAX_CONFIRM_DIGITS
from symderiv.check.verdict import Counterexample
from symderiv.load.model import Implementation
from symderiv.numbers.domains import MpmathDomain, Undefined
from symderiv.numbers.numpy_eval import BRANCHED, NumpyEvaluator, uses_kinks
from symderiv.resolve.implementations import single_implementations
from symderiv.resolve.scope import Scope

#: Digits of the exact comparison before any extra for cancellation (`refute` does the same).
EXACT_DIGITS = (40, 60)
#: What no value exists for at a point, in the definition or in the implementation's formula.
NO_VALUE = (Undefined, ZeroDivisionError, ValueError, EvaluationError)


class DifferenceKind(enum.Enum):
    FORMULA = "formula"  # the formula differs, computed exactly in mpmath
    FLOAT = "float"  # numpy's value differs beyond the rounding its largest term allows
    ROUNDING = "rounding"  # numpy's value differs only by rounding: the formula is exact


@dataclass(frozen=True, slots=True)
class Difference:
    """A point where an implementation differs from its definition, and how much."""

    counterexample: Counterexample
    relative: float
    kind: DifferenceKind


@dataclass(frozen=True, slots=True)
class Comparison:
    """What one size combination of an implementation check compared in floats."""

    scope: Scope
    implementation: Implementation
    sizes: dict[str, int]
    inputs: dict[str, np.ndarray]
    got: np.ndarray  # numpy's value, (P, *shape)
    bad: np.ndarray  # where it disagreed with the float definition beyond tolerance
    rounding: np.ndarray  # per entry, the rounding the computation's largest term allows
    rtol: float
    dtype: str


def confirm_difference(comparison: Comparison, errors: Errors) -> Difference | None:
    """A real difference at the points numpy disagreed and at a few points of every scale.

    First the formulas themselves, exactly (`_mathematical_difference`); then, where numpy
    disagreed, numpy's own value against the definition at 40+ digits, beyond rtol and the
    rounding the largest term of the computation allows. `errors` receives numpy's errors
    against the exact definition at the points numpy disagreed with the float one.
    """
    bad = comparison.bad
    flat = bad.reshape(bad.shape[0], -1)
    flagged = [int(p) for p in np.flatnonzero(np.any(flat, axis=1))[:MAX_MISMATCHES]]
    points = [p for p in _sampled_points(comparison) if p < comparison.got.shape[0]]
    difference, exact_formula = _formula_difference(comparison, list(dict.fromkeys(
        flagged + points)))
    if difference is not None:
        return difference
    return _float_difference(comparison, flagged, exact_formula, errors)


def _sampled_points(comparison: Comparison) -> list[int]:
    """The points besides the flagged ones where the formula is compared exactly.

    Formulas built from + − × ÷, exp and integer powers are analytic, and two that agree
    near one point agree everywhere, so one random point (of size 1) shows any difference;
    with a kink or branch (abs, max, sqrt(x^2), ...) also the simple point with signs
    (1, -1, ...) and a random one of size 100.
    """
    scope, implementation = comparison.scope, comparison.implementation
    sampled = [first_point_of_scale(1.0)]
    definitions = {n: d.body.node for n, d in scope.definitions.items()}
    if uses_kinks(implementation.formula.node, single_implementations(scope), BRANCHED) or \
            uses_kinks(scope.definitions[implementation.definition].body.node, definitions,
                       BRANCHED):
        sampled += [signed_simple_point(), first_point_of_scale(100.0)]
    return sampled


def _formula_difference(comparison: Comparison, points: list[int]
                        ) -> tuple[Difference | None, frozenset[int]]:
    """The first point whose formula differs from the definition, shown at the first simple
    point when it differs there too; and the points where the two are equal."""
    eps = epsilon(comparison.dtype)
    exact_formula: set[int] = set()
    for point in points:
        difference = _mathematical_difference(comparison, point, eps)
        if difference is False:
            exact_formula.add(point)
        elif isinstance(difference, tuple):
            # shown at the first simple point (entries 1, 2, 3, ...) if it differs there too,
            # else at the point rounded to readable numbers if it still differs there
            simple = _mathematical_difference(comparison, 0, eps) if point else None
            shown = comparison
            if isinstance(simple, tuple):
                point, difference = 0, simple
            elif point:
                readable = _readable_difference(comparison, point, eps)
                if readable is not None:
                    shown, point, difference = readable[0], 0, readable[1]
            position, value, want = difference
            return _difference(shown, point, position, value, want, EXACT_DIGITS[1],
                               DifferenceKind.FORMULA), frozenset(exact_formula)
    return None, frozenset(exact_formula)


def _rounded(values: np.ndarray, figures: int | None) -> np.ndarray:
    """`values` rounded to integers (`figures` None) or to that many significant figures."""
    if figures is None:
        return np.round(values) + 0.0  # no -0.0
    # through decimal text, so 0.3 is the float nearest 0.3 (not 3 * 0.1)
    rounded: np.ndarray = np.vectorize(lambda v: float(f"{v:.{figures}g}") + 0.0,
                                       otypes=[float])(values)
    return rounded


def _readable_difference(comparison: Comparison, point: int, eps: float
                         ) -> tuple[Comparison, tuple[int, Any, Any]] | None:
    """The difference at `point` moved to readable inputs: the point's entries rounded to
    integers, else to one or two significant figures, where the formula still differs from
    the definition there (decided exactly, as at the point itself)."""
    for figures in (None, 1, 2):
        inputs = {name: _rounded(array[point:point + 1], figures)
                  for name, array in comparison.inputs.items()}
        if all(np.array_equal(inputs[n], a[point:point + 1])
               for n, a in comparison.inputs.items()):
            return None  # already as readable as this gets
        moved = dataclasses.replace(comparison, inputs=inputs,
                                    got=comparison.got[point:point + 1],
                                    bad=comparison.bad[point:point + 1],
                                    rounding=comparison.rounding[point:point + 1])
        difference = _mathematical_difference(moved, 0, eps)
        if isinstance(difference, tuple):
            return moved, difference
    return None


def _exact_values(scope: Scope, implementation: Implementation, sizes: dict[str, int],
                  values: ExactPoint, digits: int) -> tuple[list[Any], list[Any], int]:
    """The definition and the implementation's own mathematics at one point, in mpmath.

    Returns both as flat lists of entries, and the decimal digits cancellation could have
    cost at most (the most extreme magnitude either computation met).

    Raises:
        Undefined: either side has no value here.
    """
    domain = MpmathDomain(values, digits)
    exact = Evaluator(scope, sizes, domain).definition_value(implementation.definition)
    inputs: dict[str, np.ndarray] = {}
    for (symbol, index), value in values.items():
        shape = tuple(d if isinstance(d, int) else sizes[d]
                      for d in scope.symbols[symbol].shape)
        array = inputs.setdefault(symbol, np.empty((1,) + shape, dtype=object))
        array[(0,) + tuple(i - 1 for i in index)] = value
    with mpmath.workdps(digits):
        numbers = {name: np.frompyfunc(lambda v: mpmath.mpf(v.numerator) / v.denominator, 1, 1)(
            array) for name, array in inputs.items()}
        evaluator = NumpyEvaluator(numbers, sizes, object, single_implementations(scope),
                                   labels=frozenset(scope.labels))
        got = [mpmath.mpf(g) for g in
               np.ravel(evaluator.value(implementation.formula.node).data[0]).tolist()]
        want = [mpmath.mpf(w) for w in row_major(exact)]
    got = got * len(want) if len(got) == 1 else got  # a broadcast scalar
    bits = max(domain.extreme_bits, evaluator.extreme_bits)
    return want, got, math.ceil(bits * math.log10(2))


def _beyond(want: list[Any], got: list[Any], rtol: float, eps: float) -> list[int]:
    """The entries where `got` differs from `want` beyond rtol and eps of the largest."""
    size = max([abs(w) for w in want] + [mpmath.mpf(0)])
    return [k for k, (w, g) in enumerate(zip(want, got))
            if abs(g - w) > rtol * abs(w) + eps * size]


def _mathematical_difference(comparison: Comparison, point: int, eps: float
                             ) -> tuple[int, Any, Any] | bool | None:
    """(entry, implementation, definition) where the implementation's mathematics differs
    from the definition beyond rtol, confirmed at two precisions; False where the two agree
    within rtol; None where that cannot be told (undefined, or too many digits needed).

    `x * 1.00000001`, `x + 1 + (exp(40) - exp(40))` or a clipped probability are wrong as
    formulas, whatever float rounding would allow: compared here without floats at all.
    """
    scope, implementation, sizes = comparison.scope, comparison.implementation, comparison.sizes
    rtol = comparison.rtol
    values = exact_point(comparison.inputs, point)
    try:
        want, got, lost = _exact_values(scope, implementation, sizes, values, EXACT_DIGITS[0])
        with mpmath.workdps(EXACT_DIGITS[0]):
            # 40 digits with at most 20 lost to cancellation resolve rtol and float eps
            if not _beyond(want, got, rtol, eps) and lost <= EXACT_DIGITS[0] // 2:
                return False
        if EXACT_DIGITS[1] + lost > MAX_CONFIRM_DIGITS:
            return None
        low = _exact_values(scope, implementation, sizes, values, EXACT_DIGITS[0] + lost)
        high = _exact_values(scope, implementation, sizes, values, EXACT_DIGITS[1] + lost)
    except NO_VALUE:
        return None
    with mpmath.workdps(EXACT_DIGITS[1] + lost):
        differing = _beyond(high[0], high[1], rtol, eps)
        for entry in differing:
            difference = high[1][entry] - high[0][entry]
            if abs((low[1][entry] - low[0][entry]) - difference) <= abs(difference) * 1e-6:
                return entry, high[1][entry], high[0][entry]
    return None if differing else False


def exact_definition(comparison: Comparison, values: ExactPoint
                      ) -> tuple[list[Any], int] | None:
    """The definition's entries at one point, at 40 digits plus what cancellation costs,
    and those digits; None where it has no value or would need too many digits."""
    scope, sizes, name = comparison.scope, comparison.sizes, comparison.implementation.definition
    try:
        domain = MpmathDomain(values, EXACT_DIGITS[0])
        Evaluator(scope, sizes, domain).definition_value(name)
        digits = EXACT_DIGITS[0] + math.ceil(domain.extreme_bits * math.log10(2))
        if digits > MAX_CONFIRM_DIGITS:
            return None
        exact = Evaluator(scope, sizes, MpmathDomain(values, digits)).definition_value(name)
    except NO_VALUE:
        return None
    return row_major(exact), digits


def _float_difference(comparison: Comparison, flagged: list[int], exact_formula: frozenset[int],
                      errors: Errors) -> Difference | None:
    """numpy's value at the flagged points against the exact definition: the first entry off
    beyond rtol and rounding (a rounding difference where the formula is exact there)."""
    rtol = comparison.rtol
    rounding_note: Difference | None = None
    for point in flagged:
        exact = exact_definition(comparison, exact_point(comparison.inputs, point))
        if exact is None:
            continue
        exact_entries, digits = exact
        numbers = comparison.got[point].reshape(-1)
        allowance = comparison.rounding[point].reshape(-1)
        size = max([abs(v) for v in exact_entries] + [mpmath.mpf(0)])
        for position, (value, want) in enumerate(zip(numbers, exact_entries)):
            within = np.isfinite(value) and abs(mpmath.mpf(float(value)) - want) \
                <= rtol * (abs(want) + size) + float(allowance[position])
            if within or (point in exact_formula and np.isfinite(value)):
                # numpy's own rounding where the formula is right: measured, not a refutation
                errors.add(float(abs(mpmath.mpf(float(value)) - want)),
                           max(abs(float(value)), float(abs(want)), float(size)))
                if not within and rounding_note is None:
                    rounding_note = _difference(comparison, point, position,
                                                mpmath.mpf(float(value)), want, digits,
                                                DifferenceKind.ROUNDING)
                continue
            return _difference(comparison, point, position, mpmath.mpf(float(value))
                               if np.isfinite(value) else value, want, digits,
                               DifferenceKind.FLOAT)
    return rounding_note


def _difference(comparison: Comparison, point: int, position: int, value: Any, want: Any,
                digits: int, kind: DifferenceKind) -> Difference:
    """The difference at entry `position` (row-major) of `point`, as a counterexample."""
    shape = comparison.got.shape[1:]
    entry = tuple(int(i) + 1 for i in np.unravel_index(position, shape)) if shape else ()
    relative = float(abs(value - want) / abs(want)) if want != 0 else float("inf")
    return Difference(Counterexample(
        sizes=tuple(sorted(comparison.sizes.items())), indices=(),
        values=counterexample_values(comparison.inputs, point),
        lhs=mpmath.nstr(value, 30) if kind is DifferenceKind.FORMULA else repr(float(value)),
        rhs=mpmath.nstr(want, 30), entry=entry or None, digits=digits), relative, kind)
