"""Implementation checks: each numpy implementation against its definition at random points.

For every listed size combination the implementation is evaluated in --dtype at random points
(scales 0.1, 1, 10 and 100) and compared with the definition's float value; a disagreement
becomes a refutation only when `implementation_differences` confirms it in mpmath.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

from symderiv.errors import SymderivError
from symderiv.check.bounded import size_combinations
from symderiv.check.implementation_proof import prove_implementation
from symderiv.check.numeric import wording
from symderiv.check.numeric.error_measures import MAX_MISMATCHES, Errors
from symderiv.check.numeric.floats import (
    DTYPES, ImplementationValues, definition_values, epsilon, implementation_values,
)
from symderiv.check.numeric.implementation_differences import (
    Comparison, Difference, DifferenceKind, confirm_difference, exact_definition,
)
from symderiv.check.numeric.points import (
    IMPLEMENTATION_SCALES, exact_point, largest_input, random_inputs)
from symderiv.check.verdict import CheckResult, Counterexample, Verdict
from symderiv.load.model import Implementation
from symderiv.numbers.numpy_eval import RANGE_EVENTS, NumpyError
from symderiv.options import Expect, Kind, Options, Strategy
from symderiv.resolve.scope import Scope, used_labels, used_names, used_sizes

#: Points per size combination where the definition is evaluated in mpmath because its
#: float value is missing.
MAX_EXACT_POINTS = 200
#: Relative tolerance of an implementation against its definition, by dtype.
IMPLEMENTATION_RTOL = {"float64": 1e-9, "float32": 1e-4}
#: The scale of the inputs at which a proved implementation's float range is probed.
PROBE_SCALE = 1000.0


@dataclass(slots=True)
class _Tally:
    """What the size combinations of one implementation check have seen so far."""

    errors: Errors = field(default_factory=Errors)
    checked: int = 0  # points where the float definition has every entry
    warnings: list[str] = field(default_factory=list)
    out_of_range: int = 0  # points where the float range ran out
    largest_out_of_range: float = 0.0  # the largest input at those points
    points: int = 0  # random points drawn
    exactly: int = 0  # points compared with the definition in mpmath (no float value there)
    nonfinite: int = 0  # points where numpy is inf/nan but the definition is finite
    first_nonfinite: str | None = None  # the first such point, in words


def implementation_checks(scope: Scope, options: Options) -> list[CheckResult]:
    """The check of every implementation of the spec, in spec order."""
    return [implementation_check(scope, implementation, options)
            for implementation in scope.spec.implementations]


def trusted_implementations(scope: Scope, refuted: frozenset[str]) -> dict[str, Implementation]:
    """Per definition, the first implementation whose own check held (not in `refuted`)."""
    out: dict[str, Implementation] = {}
    for implementation in scope.spec.implementations:
        if implementation.qualified_name not in refuted:
            out.setdefault(implementation.definition, implementation)
    return out


def implementation_check(scope: Scope, implementation: Implementation, options: Options
                         ) -> CheckResult:
    """The numpy value against the definition's value at random points, every listed size."""
    started = time.perf_counter()
    dtype = options.dtype
    name = implementation.definition
    formulas = [scope.definitions[name].body.node, implementation.formula.node]
    names = used_names(scope, formulas)
    size_names = used_sizes(scope, formulas)
    try:
        combos = size_combinations(scope, size_names, {
            n: options.size_values(n, scope.sizes[n].values) for n in size_names},
            used_labels(scope, formulas))
    except SymderivError as error:  # too many label assignments
        return _result(implementation, Verdict.ERROR, error.message, started)
    rng = np.random.default_rng(options.seed)
    tally = _Tally()
    for sizes in combos:
        inputs = random_inputs(scope, names, sizes, rng, IMPLEMENTATION_SCALES)
        reference = definition_values(scope, name, sizes, inputs)
        try:
            got = implementation_values(scope, implementation, sizes, inputs, dtype)
        except NumpyError as error:
            return _result(implementation, Verdict.ERROR,
                           wording.cannot_evaluate(sizes, error.message), started)
        difference = _compare(scope, implementation, sizes, inputs, reference, got, dtype,
                              tally)
        if difference is not None and difference.kind is DifferenceKind.ROUNDING:
            if len(tally.warnings) < MAX_MISMATCHES:
                tally.warnings.append(wording.rounding_warning(implementation, dtype, sizes,
                                                               difference))
        elif difference is not None:
            message = wording.disagreement(implementation, dtype, sizes, difference,
                                           IMPLEMENTATION_RTOL[dtype])
            return _result(implementation, Verdict.REFUTED, message, started,
                           counterexample=difference.counterexample,
                           warnings=tuple(tally.warnings),
                           details=tally.errors.details() + (("dtype", dtype),))
    result = _consistent(implementation, options, combos, tally, started)
    if result.verdict is not Verdict.CONSISTENT or Strategy.GENERIC not in options.strategies:
        return result
    proof = prove_implementation(scope, implementation)
    if proof is None:
        return result
    # the formula is the definition: what is left to judge is float behaviour, probed also
    # where the float range may run out (large inputs), and reported beside the proof
    probe = _probe(scope, implementation, options, combos, names, rng)
    return dataclasses.replace(
        result, verdict=Verdict.PROVED, method="generic",
        message=wording.implementation_proved(proof.message, result.message),
        proof=proof.proof, warnings=result.warnings + probe,
        seconds=time.perf_counter() - started)


def _probe(scope: Scope, implementation: Implementation, options: Options,
           combos: list[dict[str, int]], names: set[str], rng: np.random.Generator
           ) -> tuple[str, ...]:
    """Warnings on the float behaviour at inputs of PROBE_SCALE: overflow, inf or nan
    where the definition is finite, a float error beyond rounding."""
    tally = _Tally()
    found: list[str] = []
    for sizes in combos:
        inputs = random_inputs(scope, names, sizes, rng, (PROBE_SCALE,))
        reference = definition_values(scope, implementation.definition, sizes, inputs)
        try:
            got = implementation_values(scope, implementation, sizes, inputs, options.dtype)
        except NumpyError:
            continue  # evaluated at every listed size already: not expected here
        difference = _compare(scope, implementation, sizes, inputs, reference, got,
                              options.dtype, tally)
        if difference is not None and difference.kind is not DifferenceKind.ROUNDING \
                and not found:
            found.append(wording.probe_warning(PROBE_SCALE, wording.disagreement(
                implementation, options.dtype, sizes, difference,
                IMPLEMENTATION_RTOL[options.dtype])))
    if tally.out_of_range:
        found.append(wording.probe_warning(PROBE_SCALE, wording.out_of_range_warning(
            implementation, options.dtype, tally.out_of_range, tally.largest_out_of_range)))
    if tally.nonfinite:
        found.append(wording.probe_warning(PROBE_SCALE, wording.nonfinite_warning(
            implementation, options.dtype, tally.nonfinite, tally.points,
            tally.first_nonfinite or "")))
    return tuple(found)


def _compare(scope: Scope, implementation: Implementation, sizes: dict[str, int],
             inputs: dict[str, np.ndarray], reference: np.ndarray,
             computed: ImplementationValues, dtype: str, tally: _Tally) -> Difference | None:
    """numpy against the float definition at one size combination, then in mpmath where
    they disagree; `tally` counts the points and measures the errors."""
    rtol = IMPLEMENTATION_RTOL[dtype]
    got = computed.values
    tally.points += got.shape[0]
    comparison = Comparison(scope, implementation, sizes, inputs, got, np.zeros(0, dtype=bool),
                            np.zeros(0), rtol, dtype)
    reference = _exact_where_floats_fail(comparison, reference, tally)
    defined = np.isfinite(reference)
    overflowed = _range_failures(scope, implementation, sizes, inputs, got, defined, dtype)
    if np.any(overflowed):
        tally.out_of_range += int(np.sum(overflowed))
        tally.largest_out_of_range = max(tally.largest_out_of_range,
                                         largest_input(inputs, overflowed))
        defined &= ~np.expand_dims(overflowed, tuple(range(1, defined.ndim)))
    axes = tuple(range(1, reference.ndim))
    magnitude = np.max(np.where(defined, np.abs(reference), 0), axis=axes, keepdims=True) \
        if axes else np.abs(reference)
    tally.checked += int(np.sum(np.all(defined.reshape(defined.shape[0], -1), axis=1)))
    # a point's tolerance is relative to the largest entry there (cancellation in sums)
    rounding = 64 * epsilon(dtype) * np.expand_dims(computed.magnitude,
                                                    tuple(range(1, reference.ndim)))
    with np.errstate(invalid="ignore"):
        bad = defined & ~(np.abs(got - reference) <= rtol * (np.abs(reference) + magnitude)
                          + rounding + np.finfo(DTYPES[dtype]).tiny)
    # the errors reported: against the float definition where it agrees, and where it
    # does not, against the exact definition (`confirm_difference` adds those)
    # (a point counts where the float definition has every entry, as in `checked`)
    rows = defined.reshape(defined.shape[0], -1)
    counted = np.all(rows, axis=1) & ~np.any(bad.reshape(bad.shape[0], -1), axis=1)
    counted = np.expand_dims(counted, tuple(range(1, reference.ndim)))
    tally.errors.update(np.where(counted, got, reference), reference, magnitude)
    return confirm_difference(Comparison(scope, implementation, sizes, inputs, got, bad,
                                         np.broadcast_to(rounding, got.shape), rtol, dtype),
                              tally.errors)


def _exact_where_floats_fail(comparison: Comparison, reference: np.ndarray, tally: _Tally
                             ) -> np.ndarray:
    """The float definition, with the points where it has no float value (overflow, log of
    a rounded 0) filled in from mpmath where the definition is finite there; a point where
    numpy is inf or nan there is counted in `tally` (shown with its inputs), not compared."""
    points = reference.shape[0]
    missing = ~np.all(np.isfinite(reference.reshape(points, -1)), axis=1)
    if not np.any(missing):
        return reference
    reference = np.array(reference, dtype=float)
    got = comparison.got.reshape(points, -1)
    for point in np.flatnonzero(missing)[:MAX_EXACT_POINTS]:
        exact = exact_definition(comparison, exact_point(comparison.inputs, point))
        if exact is None:
            continue  # no value here, in mpmath either
        entries = np.array([float(v) for v in exact[0]])
        if not np.all(np.isfinite(entries)):
            continue  # beyond the float range itself
        if not np.all(np.isfinite(got[point])):
            tally.nonfinite += 1
            if tally.first_nonfinite is None:
                tally.first_nonfinite = wording.point_text(
                    comparison.inputs, point, comparison.implementation.definition,
                    mpmath.nstr(exact[0][0], 15) if len(exact[0]) == 1 else None)
            continue
        reference[point] = entries.reshape(reference.shape[1:])
        tally.exactly += 1
    return reference


def _range_failures(scope: Scope, implementation: Implementation, sizes: dict[str, int],
                    inputs: dict[str, np.ndarray], got: np.ndarray, defined: np.ndarray,
                    dtype: str) -> np.ndarray:
    """Points where the implementation is inf/nan only because the float range ran out."""
    points = got.shape[0]
    flat_got = got.reshape(points, -1)
    flat_defined = defined.reshape(points, -1)
    suspect = np.any(flat_defined & ~np.isfinite(flat_got), axis=1)
    out = np.zeros(points, dtype=bool)
    for point in np.flatnonzero(suspect):
        single = {name: values[point:point + 1] for name, values in inputs.items()}
        events = implementation_values(scope, implementation, sizes, single, dtype).events
        out[point] = bool(set(events) & RANGE_EVENTS)
    return out


def _consistent(implementation: Implementation, options: Options,
                combos: list[dict[str, int]], tally: _Tally, started: float) -> CheckResult:
    """The result when no size combination showed a difference."""
    dtype = options.dtype
    warnings = list(tally.warnings)
    if tally.out_of_range:
        warnings.append(wording.out_of_range_warning(
            implementation, dtype, tally.out_of_range, tally.largest_out_of_range))
    if tally.nonfinite:
        warnings.append(wording.nonfinite_warning(implementation, dtype, tally.nonfinite,
                                                  tally.points, tally.first_nonfinite or ""))
    verdict = Verdict.CONSISTENT if tally.checked else Verdict.UNDECIDED
    if tally.checked:
        message = wording.implementation_consistent(
            implementation, tally.checked, options.seed, IMPLEMENTATION_SCALES, combos, dtype,
            IMPLEMENTATION_RTOL[dtype], tally.errors, tally.points, tally.exactly)
    else:
        message = wording.nothing_to_compare(implementation)
    return _result(implementation, verdict, message, started, warnings=tuple(warnings),
                   details=tally.errors.details() + (("dtype", dtype),
                                                     ("points", tally.checked)))


def _result(implementation: Implementation, verdict: Verdict, message: str, started: float,
            counterexample: Counterexample | None = None, warnings: tuple[str, ...] = (),
            details: tuple[tuple[str, Any], ...] = ()) -> CheckResult:
    """An implementation check's result: checked numerically, timed from `started`."""
    return CheckResult(implementation.qualified_name, Kind.IMPLEMENTATION, verdict, Expect.HOLDS,
                       message, implementation.formula.location, method="numeric",
                       seconds=time.perf_counter() - started, counterexample=counterexample,
                       warnings=warnings, details=details)
