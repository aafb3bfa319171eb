"""The numeric layer: numpy implementations, worked examples, and claims at random points.

Three checks live here:

- `implementation_checks`: each numpy implementation against its definition's value at random
  points (scales 0.1, 1, 10) for every listed size combination;
- `example_check`: a worked example against the definition (exact, or at 60 digits) and
  against every implementation in the chosen float dtype, at the precision the numbers are
  written with;
- `evidence`: a claim at random points, every `D(f, x)` of a definition f with a numpy
  implementation taken from finite differences of that implementation (complex-step when the
  implementation is analytic, central differences with a per-point step otherwise), so the
  numbers do not depend on sympy. A difference found here is only a candidate: it becomes a
  refutation after `refute.confirm` reproduces it in mpmath.

All evaluation is vectorised over points: every value has a leading axis of P points.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import partial
from typing import Any

import mpmath
import numpy as np

from symderiv.options import Options
from symderiv.resolve.implementations import example_sizes, expected_shape, single_implementations
from symderiv.resolve.scope import Scope
from symderiv.check.bounded import Candidate, assignments
from symderiv.resolve.scope import used_names
from symderiv.numbers.domains import (
    DualDomain, IntervalDomain, MpmathDomain, NotExact, OperatorDomain, RationalDomain, Undefined,
)
from symderiv.check.evaluate import (
    EvaluationError, Evaluator, Tensor, check_comparable, index_tuples,
)
from symderiv.numbers.numpy_eval import (
    BRANCHED, RANGE_EVENTS, NumpyError, NumpyEvaluator, uses_kinks,
)
from symderiv.check.refute import (
    MAX_CONFIRM_DIGITS, confirm, evaluate_at, find_counterexample,
)
from symderiv.check.verdict import CheckResult, Counterexample, Verdict
from symderiv.language import ast
from symderiv.load.model import Array, Example, Implementation, Value

SCALES = (0.1, 1.0, 10.0)
POINTS_PER_SCALE = 16
SIMPLE_POINTS = 2
DTYPES: dict[str, type[np.floating[Any]]] = {"float64": np.float64, "float32": np.float32}
COMPLEX = {"float64": np.complex128, "float32": np.complex64}
#: Relative tolerance of an implementation against its definition, by dtype.
IMPLEMENTATION_RTOL = {"float64": 1e-9, "float32": 1e-4}
#: Relative tolerance of a claim's two sides at a random point, by dtype (finite-difference
#: error is added per point on top of this).
CLAIM_RTOL = {"float64": 1e-7, "float32": 1e-3}
#: Written precision of an implementation's value is widened to this many ulps of the dtype.
EXAMPLE_ULPS = 8
EXAMPLE_DIGITS = 60
#: How far from an expected `0` or `1` (written as an integer, no `tol`) a value may lie.
EXACT_INTEGER_TOLERANCE = Fraction(1, 2_000_000)
#: Precisions (digits) of the interval enclosures that place a definition's value against its
#: expected interval when the value has no exact rational form (exp, log, roots).
ENCLOSURE_DIGITS = (EXAMPLE_DIGITS, 1_000)
MAX_MISMATCHES = 4
#: Largest number of input entries evaluated in one batched finite-difference evaluation.
MAX_BATCH = 500_000


# -- random points -------------------------------------------------------------------------


def random_inputs(scope: Scope, names: set[str], sizes: dict[str, int],
                  rng: np.random.Generator, scales: tuple[float, ...] = SCALES
                  ) -> dict[str, np.ndarray]:
    """Every used input symbol at P points: shape (P, *shape).

    Two simple points come first (entries 1, 2, 3, ... and 1, -1, 1, ...; positive symbols
    1, 1/2, 1, ...) so that a difference is shown at readable values when it shows there,
    then a block of random points per scale.
    """
    out = {}
    position = 0
    for symbol in scope.spec.symbols:
        if symbol.name not in names:
            continue
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in symbol.shape)
        count = int(np.prod(shape, dtype=int))
        numbers = np.arange(position, position + count)
        position += count
        alternate = np.where(numbers % 2 == 0, 1.0, 0.5 if symbol.domain == "positive" else -1.0)
        blocks = [(numbers + 1.0).reshape((1,) + shape),
                  alternate.reshape((1,) + shape)][:SIMPLE_POINTS]
        for scale in scales:
            if symbol.domain == "positive":
                block = scale * np.exp(rng.uniform(-0.7, 0.7, (POINTS_PER_SCALE,) + shape))
            else:
                block = scale * rng.standard_normal((POINTS_PER_SCALE,) + shape)
            blocks.append(block)
        out[symbol.name] = np.concatenate(blocks)
    return out


class NumpyDomain(OperatorDomain):
    """Floats at P points at once: every value is an array of shape (P,) (or a number)."""

    zero = 0.0
    one = 1.0

    def __init__(self, inputs: dict[str, np.ndarray]) -> None:
        self.inputs = inputs

    def const(self, value: Fraction) -> Any:
        return float(value)

    def div(self, a: Any, b: Any) -> Any:
        return np.divide(a, b)

    def ipow(self, a: Any, n: int) -> Any:
        if n < 0:
            return np.power(a, float(n))
        try:
            return a ** n
        except OverflowError:  # a Python float (a constant) raises where numpy gives ±inf
            return np.power(np.float64(a), float(n))

    def rpow(self, a: Any, q: Fraction) -> Any:
        return np.power(a, float(q))

    def exp(self, a: Any) -> Any:
        return np.exp(a)

    def log(self, a: Any) -> Any:
        return np.log(a)

    def sqrt(self, a: Any) -> Any:
        return np.sqrt(a)

    def input(self, name: str, index: tuple[int, ...]) -> Any:
        return self.inputs[name][(slice(None),) + tuple(i - 1 for i in index)]

    def is_zero(self, a: Any) -> bool:
        return bool(np.all(a == 0))


def _stack(value: Any, points: int) -> np.ndarray:
    """A scalar or Tensor of (P,) arrays as one array (P, *shape)."""
    if isinstance(value, Tensor):
        entries = [np.broadcast_to(np.asarray(v, dtype=float), (points,)) for v in value.data]
        return np.stack(entries, axis=1).reshape((points,) + value.shape)
    return np.broadcast_to(np.asarray(value, dtype=float), (points,)).copy()


def definition_values(scope: Scope, name: str, sizes: dict[str, int],
                      inputs: dict[str, np.ndarray]) -> np.ndarray:
    """The definition's whole value at every point, from its formula, in float64."""
    points = next(iter(inputs.values())).shape[0] if inputs else 1
    with np.errstate(all="ignore"):
        value = Evaluator(scope, sizes, NumpyDomain(inputs)).definition_value(name)
    return _stack(value, points)


def implementation_values(scope: Scope, implementation: Implementation, sizes: dict[str, int],
                          inputs: dict[str, np.ndarray], dtype: str = "float64",
                          events: list[str] | None = None,
                          magnitude: list[np.ndarray] | None = None) -> np.ndarray:
    """The implementation's value at every point, computed in `dtype`.

    `events` receives what went wrong in floating point (overflow, 0/0, ...); `magnitude`
    receives, per point, the largest term added or subtracted (the rounding-error scale).
    """
    cast = {name: value.astype(DTYPES[dtype]) for name, value in inputs.items()}
    evaluator = NumpyEvaluator(cast, sizes, DTYPES[dtype], single_implementations(scope))
    data = evaluator.value(implementation.formula.node).data
    points = next(iter(inputs.values())).shape[0] if inputs else 1
    if events is not None:
        events.extend(evaluator.events)
    if magnitude is not None:
        magnitude.append(np.broadcast_to(np.asarray(evaluator.magnitude, float), (points,)))
    return np.broadcast_to(data, (points,) + data.shape[1:]).astype(np.float64)


# -- error measures --------------------------------------------------------------------------


@dataclass
class Errors:
    """The largest absolute and relative error seen, for the reports."""

    absolute: float = 0.0
    relative: float = 0.0

    def update(self, got: np.ndarray, want: np.ndarray, floor: Any = 0.0) -> None:
        """Record |got - want|; relative to max(|got|, |want|, floor)."""
        finite = np.isfinite(got) & np.isfinite(want)
        if not np.any(finite):
            return
        with np.errstate(all="ignore"):
            difference = np.abs(got - want)[finite]
            size = np.maximum(np.maximum(np.abs(got), np.abs(want)), floor)[finite]
        self.absolute = max(self.absolute, float(np.max(difference)))
        with np.errstate(all="ignore"):
            relative = np.where(size > 0, difference / np.where(size > 0, size, 1), 0.0)
        self.relative = max(self.relative, float(np.max(relative)))

    def add(self, difference: float, size: float) -> None:
        """Record one error |got - want| of an entry whose scale is `size`."""
        self.absolute = max(self.absolute, difference)
        if size > 0:
            self.relative = max(self.relative, difference / size)

    def text(self) -> str:
        return f"largest error {self.absolute:.2g} absolute, {self.relative:.2g} relative"

    def details(self) -> tuple[tuple[str, Any], ...]:
        return (("max_abs_error", self.absolute), ("max_rel_error", self.relative))


def _short_value(value: Any) -> str:
    """An input value (a number or nested tuples of numbers) in a few digits."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_short_value(v) for v in value) + "]"
    return f"{float(value):.6g}"


def _sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sizes.items())


def _listed_combos(scope: Scope, names: list[str], options: Options) -> list[dict[str, int]]:
    from symderiv.check.bounded import size_combinations
    values = {n: options.size_values(n, scope.sizes[n].values) for n in names}
    return size_combinations(scope, names, values)


def _entry_text(name: str, entry: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(map(str, entry))}]" if entry else name


def _nested(array: np.ndarray) -> Any:
    return tuple(_nested(a) for a in array) if array.ndim else Fraction(float(array))


def _point(inputs: dict[str, np.ndarray], point: int) -> tuple[tuple[str, Any], ...]:
    return tuple((name, _nested(values[point])) for name, values in inputs.items())


# -- implementation checks ---------------------------------------------------------------------


def implementation_check(scope: Scope, implementation: Implementation, options: Options
                         ) -> CheckResult:
    """The numpy value against the definition's value at random points, every listed size."""
    started = time.perf_counter()
    dtype = options.dtype
    rtol = IMPLEMENTATION_RTOL[dtype]
    name = implementation.definition
    definition = scope.definitions[name]
    names = used_names(scope, [definition.body.node, implementation.formula.node])
    from symderiv.resolve.scope import used_sizes
    size_names = used_sizes(scope, [definition.body.node, implementation.formula.node])
    combos = _listed_combos(scope, size_names, options)
    rng = np.random.default_rng(options.seed)
    errors = Errors()
    checked = 0
    warnings: list[str] = []
    out_of_range = [0, 0.0]  # points, largest input there
    for sizes in combos:
        inputs = random_inputs(scope, names, sizes, rng, IMPLEMENTATION_SCALES)
        reference = definition_values(scope, name, sizes, inputs)
        scales: list[np.ndarray] = []
        try:
            got = implementation_values(scope, implementation, sizes, inputs, dtype,
                                        magnitude=scales)
        except NumpyError as error:
            return CheckResult(implementation.qualified_name, "implementation", Verdict.ERROR,
                               "holds", f"cannot evaluate at {_sizes_text(sizes)}: "
                               f"{error.message}", implementation.formula.location,
                               method="numeric", seconds=time.perf_counter() - started)
        defined = np.isfinite(reference)
        overflowed = _range_failures(scope, implementation, sizes, inputs, got, defined, dtype)
        if np.any(overflowed):
            out_of_range[0] += int(np.sum(overflowed))
            out_of_range[1] = max(out_of_range[1], _largest_input(inputs, overflowed))
            defined &= ~np.expand_dims(overflowed, tuple(range(1, defined.ndim)))
        axes = tuple(range(1, reference.ndim))
        magnitude = np.max(np.where(defined, np.abs(reference), 0), axis=axes, keepdims=True) \
            if axes else np.abs(reference)
        checked += int(np.sum(np.all(defined.reshape(defined.shape[0], -1), axis=1)))
        # a point's tolerance is relative to the largest entry there (cancellation in sums)
        eps = float(np.finfo(DTYPES[dtype]).eps)
        rounding = 64 * eps * np.expand_dims(scales[0], tuple(range(1, reference.ndim)))
        with np.errstate(invalid="ignore"):
            bad = defined & ~(np.abs(got - reference) <= rtol * (np.abs(reference) + magnitude)
                              + rounding + np.finfo(DTYPES[dtype]).tiny)
        # the errors reported: against the float definition where it agrees, and where it
        # does not, against the exact definition (`_confirm_implementation` adds those)
        # (a point counts where the float definition has every entry, as in `checked`)
        rows = defined.reshape(defined.shape[0], -1)
        counted = np.all(rows, axis=1) & ~np.any(bad.reshape(bad.shape[0], -1), axis=1)
        counted = np.expand_dims(counted, tuple(range(1, reference.ndim)))
        errors.update(np.where(counted, got, reference), reference, magnitude)
        found = _confirm_implementation(scope, implementation, sizes, inputs, got, bad, rtol,
                                        np.broadcast_to(rounding, got.shape), dtype, errors)
        if found is not None and found[2] == "rounding":
            counterexample, relative, _ = found
            if len(warnings) < MAX_MISMATCHES:
                at = ", ".join(f"{k} = {_short_value(v)}" for k, v in counterexample.values)
                entry = _entry_text(name, counterexample.entry or ())
                warnings.append(
                    f"{implementation.qualified_name} loses digits to rounding in {dtype} "
                    f"(its formula is exact): at {at}{', ' if at and sizes else ''}"
                    f"{_sizes_text(sizes)}, {entry} is {counterexample.lhs} but "
                    f"{counterexample.rhs} (definition); relative error {relative:.3g}")
        elif found is not None:
            counterexample, relative, kind = found
            where = f" at {_sizes_text(sizes)}" if sizes else ""
            entry = _entry_text(name, counterexample.entry or ())
            computed = "its formula computed exactly in mpmath" if kind == "formula" \
                else f"numpy, {dtype}"
            message = (f"{implementation.qualified_name} disagrees with the definition"
                       f"{where}: {entry} is {counterexample.lhs} ({computed}) but "
                       f"{counterexample.rhs} (definition, {counterexample.digits} "
                       f"digits); relative error {relative:.3g} (rtol {rtol:g})")
            return CheckResult(
                implementation.qualified_name, "implementation", Verdict.REFUTED, "holds",
                message, implementation.formula.location, method="numeric",
                seconds=time.perf_counter() - started, counterexample=counterexample,
                warnings=tuple(warnings), details=errors.details() + (("dtype", dtype),))
    if out_of_range[0]:
        warnings.append(f"{implementation.qualified_name} gives inf or nan because {dtype} "
                        f"overflows or underflows at {out_of_range[0]} random points (inputs "
                        f"up to {out_of_range[1]:.3g} in size); not counted as a difference: "
                        "an example with fails documents such a limit")
    verdict = Verdict.CONSISTENT if checked else Verdict.UNDECIDED
    sizes_text = "; ".join(_sizes_text(s) for s in combos if s) or "no sizes"
    message = (f"numeric evidence only: {implementation.qualified_name} equals {name} at "
               f"{checked} random points (seed {options.seed}, scales "
               f"{', '.join(f'{s:g}' for s in IMPLEMENTATION_SCALES)}; {sizes_text}; {dtype}, "
               f"rtol {rtol:g}); "
               f"{errors.text()}")
    if not checked:
        message = f"{name} is undefined at every random point; nothing to compare"
    return CheckResult(implementation.qualified_name, "implementation", verdict, "holds",
                       message, implementation.formula.location, method="numeric",
                       seconds=time.perf_counter() - started, warnings=tuple(warnings),
                       details=errors.details() + (("dtype", dtype), ("points", checked)))


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
        events: list[str] = []
        single = {name: values[point:point + 1] for name, values in inputs.items()}
        implementation_values(scope, implementation, sizes, single, dtype, events)
        out[point] = bool(set(events) & RANGE_EVENTS)
    return out


def _largest_input(inputs: dict[str, np.ndarray], points: np.ndarray) -> float:
    return max((float(np.max(np.abs(v[points]))) for v in inputs.values() if v[points].size),
               default=0.0)


#: Scales of the random points of implementation checks: the claims' scales and one more,
#: so that code wrong only for large inputs (`min(a, 50)`) is seen.
IMPLEMENTATION_SCALES = SCALES + (100.0,)
#: Digits of the exact comparison before any extra for cancellation (`refute` does the same).
EXACT_DIGITS = (40, 60)


def _exact_values(scope: Scope, implementation: Implementation, sizes: dict[str, int],
                  values: dict[tuple[str, tuple[int, ...]], Fraction], digits: int
                  ) -> tuple[list[Any], list[Any], int]:
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
        evaluator = NumpyEvaluator(numbers, sizes, object, single_implementations(scope))
        got = [mpmath.mpf(g) for g in
               np.ravel(evaluator.value(implementation.formula.node).data[0]).tolist()]
        want = [mpmath.mpf(w) for w in (exact.data if isinstance(exact, Tensor) else [exact])]
    got = got * len(want) if len(got) == 1 else got  # a broadcast scalar
    bits = max(domain.extreme_bits, evaluator.extreme_bits)
    return want, got, math.ceil(bits * math.log10(2))


def _point_values(inputs: dict[str, np.ndarray], point: int
                  ) -> dict[tuple[str, tuple[int, ...]], Fraction]:
    return {(symbol, tuple(i + 1 for i in index)): Fraction(float(array[point][index]))
            for symbol, array in inputs.items() for index in np.ndindex(array.shape[1:])}


def _mathematical_difference(scope: Scope, implementation: Implementation,
                             sizes: dict[str, int], inputs: dict[str, np.ndarray], point: int,
                             rtol: float, eps: float) -> tuple[int, Any, Any] | bool | None:
    """(entry, implementation, definition) where the implementation's mathematics differs
    from the definition beyond rtol, confirmed at two precisions; False where the two agree
    within rtol; None where that cannot be told (undefined, or too many digits needed).

    `x * 1.00000001`, `x + 1 + (exp(40) - exp(40))` or a clipped probability are wrong as
    formulas, whatever float rounding would allow: compared here without floats at all.
    """
    values = _point_values(inputs, point)

    def beyond(want: list[Any], got: list[Any]) -> list[int]:
        size = max([abs(w) for w in want] + [mpmath.mpf(0)])
        return [k for k, (w, g) in enumerate(zip(want, got))
                if abs(g - w) > rtol * abs(w) + eps * size]

    try:
        want, got, lost = _exact_values(scope, implementation, sizes, values, EXACT_DIGITS[0])
        with mpmath.workdps(EXACT_DIGITS[0]):
            # 40 digits with at most 20 lost to cancellation resolve rtol and float eps
            if not beyond(want, got) and lost <= EXACT_DIGITS[0] // 2:
                return False
        if EXACT_DIGITS[1] + lost > MAX_CONFIRM_DIGITS:
            return None
        low = _exact_values(scope, implementation, sizes, values, EXACT_DIGITS[0] + lost)
        high = _exact_values(scope, implementation, sizes, values, EXACT_DIGITS[1] + lost)
    except (Undefined, ZeroDivisionError, ValueError, EvaluationError):
        return None
    with mpmath.workdps(EXACT_DIGITS[1] + lost):
        differing = beyond(high[0], high[1])
        for entry in differing:
            difference = high[1][entry] - high[0][entry]
            if abs((low[1][entry] - low[0][entry]) - difference) <= abs(difference) * 1e-6:
                return entry, high[1][entry], high[0][entry]
    return None if differing else False


def _confirm_implementation(scope: Scope, implementation: Implementation,
                            sizes: dict[str, int], inputs: dict[str, np.ndarray],
                            got: np.ndarray, bad: np.ndarray, rtol: float,
                            rounding: np.ndarray, dtype: str, errors: Errors
                            ) -> tuple[Counterexample, float, str] | None:
    """A real difference at the points numpy disagreed and at a few points of every scale.

    First the formulas themselves, exactly (`_mathematical_difference`); then, where numpy
    disagreed, numpy's own value against the definition at 40+ digits, beyond rtol and the
    rounding the largest term of the computation allows. Returns the counterexample, the
    relative error and what kind of difference it is. `errors` receives numpy's errors
    against the exact definition at the points numpy disagreed with the float one.
    """
    eps = float(np.finfo(DTYPES[dtype]).eps)
    flat = bad.reshape(bad.shape[0], -1)
    flagged = [int(p) for p in np.flatnonzero(np.any(flat, axis=1))[:MAX_MISMATCHES]]
    # besides those: formulas built from + − × ÷, exp and integer powers are analytic, and
    # two that agree near one point agree everywhere, so one random point (of size 1) shows
    # any difference; with a kink or branch (abs, max, sqrt(x^2), ...) also the simple point
    # with signs (1, -1, ...) and a random one of size 100
    sampled = [SIMPLE_POINTS + POINTS_PER_SCALE]
    definitions = {n: d.body.node for n, d in scope.definitions.items()}
    if uses_kinks(implementation.formula.node, single_implementations(scope), BRANCHED) or \
            uses_kinks(scope.definitions[implementation.definition].body.node, definitions,
                       BRANCHED):
        sampled += [SIMPLE_POINTS - 1, SIMPLE_POINTS + POINTS_PER_SCALE * len(SCALES)]
    shape = got.shape[1:]

    def found(point: int, position: int, value: Any, want: Any, digits: int,
              kind: str) -> tuple[Counterexample, float, str]:
        entry = tuple(int(i) + 1 for i in np.unravel_index(position, shape)) if shape else ()
        relative = float(abs(value - want) / abs(want)) if want != 0 else float("inf")
        return Counterexample(
            sizes=tuple(sorted(sizes.items())), indices=(), values=_point(inputs, point),
            lhs=mpmath.nstr(value, 30) if kind == "formula" else repr(float(value)),
            rhs=mpmath.nstr(want, 30), entry=entry or None, digits=digits), relative, kind

    exact_formula: set[int] = set()  # points where the formula equals the definition
    for point in dict.fromkeys(flagged + [p for p in sampled if p < got.shape[0]]):
        difference = _mathematical_difference(scope, implementation, sizes, inputs, point,
                                              rtol, eps)
        if difference is False:
            exact_formula.add(point)
        elif isinstance(difference, tuple):
            # shown at the first simple point (entries 1, 2, 3, ...) if it differs there too
            simple = _mathematical_difference(scope, implementation, sizes, inputs, 0, rtol,
                                              eps) if point else None
            if isinstance(simple, tuple):
                point, difference = 0, simple
            position, value, want = difference
            return found(point, position, value, want, EXACT_DIGITS[1], "formula")
    rounding_note: tuple[Counterexample, float, str] | None = None
    for point in flagged:
        values = _point_values(inputs, point)
        try:
            domain = MpmathDomain(values, EXACT_DIGITS[0])
            Evaluator(scope, sizes, domain).definition_value(implementation.definition)
            digits = EXACT_DIGITS[0] + math.ceil(domain.extreme_bits * math.log10(2))
            if digits > MAX_CONFIRM_DIGITS:
                continue
            exact = Evaluator(scope, sizes, MpmathDomain(values, digits)).definition_value(
                implementation.definition)
        except (Undefined, ZeroDivisionError, ValueError, EvaluationError):
            continue
        exact_entries = exact.data if isinstance(exact, Tensor) else (exact,)
        numbers = got[point].reshape(-1)
        allowance = rounding[point].reshape(-1)
        size = max([abs(v) for v in exact_entries] + [mpmath.mpf(0)])
        for position, (value, want) in enumerate(zip(numbers, exact_entries)):
            within = np.isfinite(value) and abs(mpmath.mpf(float(value)) - want) \
                <= rtol * (abs(want) + size) + float(allowance[position])
            if within or (point in exact_formula and np.isfinite(value)):
                # numpy's own rounding where the formula is right: measured, not a refutation
                errors.add(float(abs(mpmath.mpf(float(value)) - want)),
                           max(abs(float(value)), float(abs(want)), float(size)))
                if not within and rounding_note is None:
                    rounding_note = found(point, position, mpmath.mpf(float(value)), want,
                                          digits, "rounding")
                continue
            return found(point, position, mpmath.mpf(float(value)) if np.isfinite(value)
                         else value, want, digits, "float")
    return rounding_note


def implementation_checks(scope: Scope, options: Options) -> list[CheckResult]:
    return [implementation_check(scope, implementation, options)
            for implementation in scope.spec.implementations]


def trusted_implementations(scope: Scope, refuted: frozenset[str]) -> dict[str, Implementation]:
    """Per definition, the first implementation whose own check held (not in `refuted`)."""
    out: dict[str, Implementation] = {}
    for implementation in scope.spec.implementations:
        if implementation.qualified_name not in refuted:
            out.setdefault(implementation.definition, implementation)
    return out


# -- worked examples ---------------------------------------------------------------------------


def written_tolerance(value: Value, tol: Fraction | None) -> Fraction:
    """Half a unit in the last written digit, or `tol`: 0.93 -> 0.005, 2 -> 0.5, 1.50e3 -> 5
    (the mantissa's last digit), 1e3 -> 500; the integers 0 and 1 -> 0.5e-6 (the contract's
    exception, for exact values such as a softmax's 0 and 1; -1 is an integer like 2)."""
    if tol is not None:
        return tol
    text = value.text.strip()
    if text.lstrip("+") in ("0", "1") or text == "-0":
        return EXACT_INTEGER_TOLERANCE
    text = text.lstrip("+-")
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    return Fraction(1, 2) * Fraction(10) ** exponent


def _rule(expected: Value, tolerance: Fraction) -> str:
    low, high = expected.exact - tolerance, expected.exact + tolerance
    return f"{expected.text} ± {_decimal(tolerance)} = [{_decimal(low)}, {_decimal(high)}]"


def _decimal(value: Fraction, digits: int = 30) -> str:
    """`value` in decimal to `digits` significant digits; positional unless tiny or huge."""
    with localcontext() as context:
        context.prec = digits
        number = (Decimal(value.numerator) / value.denominator).normalize()
    return f"{number:f}" if -7 <= number.adjusted() < 16 else f"{number:e}"


def _value_text(value: Any, digits: int) -> str:
    """A definition's value (a Fraction when exact, else an mpmath number) for a message."""
    return _decimal(value, digits) if isinstance(value, Fraction) else mpmath.nstr(value, digits)


def _outside_text(value: Any, low: Fraction, high: Fraction) -> str:
    """A value outside [low, high], to 12 digits, or 30 where 12 would round it onto a bound."""
    text = _value_text(value, 12)
    return text if not low <= Fraction(text) <= high else _value_text(value, 30)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a definition's value lies against the closed interval of an expected number."""

    inside: bool | None  # None: undecided, the enclosures stayed wider than the interval
    tie: Fraction | None = None  # the bound the value equals to the last precision tried


def place(enclosure_at: Callable[[int], tuple[Fraction, Fraction] | None],
          low: Fraction, high: Fraction) -> Placement:
    """Place a value known by enclosures (by precision) against the closed [low, high].

    An exact value is its own enclosure and is placed at once. An enclosure decides only when
    it lies wholly inside or wholly outside, so rounding never decides; one that still holds a
    bound at the last precision, and is narrower than 10^-60 of the interval, is taken as on
    that bound, a tie, which the closed interval accepts (exp(log(0.105)) / 3 is 0.035).
    """
    enclosure = None
    for digits in ENCLOSURE_DIGITS:
        enclosure = enclosure_at(digits)
        if enclosure is not None:
            first, last = enclosure
            if low <= first and last <= high:
                return Placement(True)
            if last < low or first > high:
                return Placement(False)
    if enclosure is None or (enclosure[1] - enclosure[0]) * 10 ** EXAMPLE_DIGITS > high - low:
        return Placement(None)
    return Placement(True, low if enclosure[0] <= low <= enclosure[1] else high)


class DefinitionValues:
    """Definitions at one example's inputs: exact (Fractions) where rational arithmetic reaches
    them, else mpmath at `EXAMPLE_DIGITS`, with interval enclosures to place them."""

    def __init__(self, scope: Scope, sizes: dict[str, int],
                 inputs: dict[tuple[str, tuple[int, ...]], Fraction]) -> None:
        self.scope = scope
        self.sizes = sizes
        self.inputs = inputs
        self.rational = Evaluator(scope, sizes, RationalDomain(inputs))
        self.point = Evaluator(scope, sizes, MpmathDomain(inputs, EXAMPLE_DIGITS))
        self.intervals: dict[int, Evaluator] = {}
        self.values: dict[str, tuple[list[Any], bool]] = {}

    def entries(self, name: str) -> tuple[list[Any], bool]:
        """The entries of `name`, row-major, and whether they are exact.

        Raises:
            Undefined, ZeroDivisionError, EvaluationError: no value at these inputs.
        """
        if name not in self.values:
            try:
                self.values[name] = (_row_major(self.rational.definition_value(name)), True)
            except NotExact:
                self.values[name] = (_row_major(self.point.definition_value(name)), False)
        return self.values[name]

    def enclosure(self, name: str, number: int, digits: int
                  ) -> tuple[Fraction, Fraction] | None:
        """Exact bounds on entry `number` (row-major) of `name`, from interval arithmetic at
        `digits` digits (None: no finite real enclosure); an exact entry is its own bounds."""
        entries, exact = self.entries(name)
        if exact:
            return entries[number], entries[number]
        if digits not in self.intervals:
            domain = IntervalDomain(self.inputs, digits)
            self.intervals[digits] = Evaluator(self.scope, self.sizes, domain)
        try:
            value = self.intervals[digits].definition_value(name)
        except (ArithmeticError, ValueError, TypeError):  # e.g. a log of an interval around 0
            return None
        return IntervalDomain.bounds(_row_major(value)[number])


def _row_major(value: Any) -> list[Any]:
    """A definition's value entry by entry (a scalar is one entry)."""
    return [entry for _, entry in _entries(value)]


def _flat(array: Array) -> list[Value]:
    return [array] if isinstance(array, Value) else [v for item in array for v in _flat(item)]


def _array_text(values: np.ndarray) -> str:
    if values.ndim == 0:
        return f"{float(values):.6g}"
    if np.all(np.isnan(values)):
        return "nan" if values.size == 1 else f"[{', '.join(['nan'] * values.size)}]"
    return "[" + ", ".join(_array_text(v) for v in values) + "]"


def _given_text(example: Example) -> str:
    def show(array: Array) -> str:
        if isinstance(array, Value):
            return array.text
        return "[" + ", ".join(show(a) for a in array) + "]"
    return ", ".join(f"{name} = {show(array)}" for name, array in example.given)


def example_check(scope: Scope, example: Example, options: Options) -> CheckResult:
    """The definition (exact, else 60 digits) and every implementation (in --dtype) at the
    given inputs, each against the closed interval its written precision gives."""
    started = time.perf_counter()
    dtype = options.dtype
    eps = float(np.finfo(DTYPES[dtype]).eps)
    sizes = example_sizes(scope, example)
    exact_inputs: dict[tuple[str, tuple[int, ...]], Fraction] = {}
    float_inputs: dict[str, np.ndarray] = {}
    for name, array in example.given:
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in scope.symbols[name].shape)
        flat = _flat(array)
        for index, value in zip(index_tuples(shape), flat):
            exact_inputs[(name, index)] = value.exact
        float_inputs[name] = np.array([_to_float(v.exact) for v in flat]).reshape((1,) + shape)
    problems: list[str] = []
    notes: list[str] = []
    errors = Errors()
    counterexample = None
    undecided: list[str] = []
    exact_names: list[bool] = []
    definitions = DefinitionValues(scope, sizes, exact_inputs)
    for name, array in example.expect:
        expected = _flat(array)
        shape = expected_shape(scope, name, sizes)
        positions = index_tuples(shape)
        try:
            entries, exact = definitions.entries(name)
        except (Undefined, ZeroDivisionError, EvaluationError) as error:
            problems.append(f"{name} is undefined at {_given_text(example)}: {error}")
            continue
        exact_names.append(exact)
        failed_before = len(problems)
        for number, (position, want, actual) in enumerate(zip(positions, expected, entries)):
            tolerance = written_tolerance(want, example.tol)
            low, high = want.exact - tolerance, want.exact + tolerance
            placement = place(partial(definitions.enclosure, name, number), low, high)
            label, rule = _entry_text(name, position), _rule(want, tolerance)
            if placement.tie is not None:
                notes.append(f"{label} cannot be told from {_decimal(placement.tie)} at "
                             f"{ENCLOSURE_DIGITS[-1]} digits, a bound of {rule}: taken as on it "
                             "(the interval is closed)")
            elif placement.inside is None:
                undecided.append(f"{label} is {_value_text(actual, 12)} at {EXAMPLE_DIGITS} "
                                 f"digits, but no enclosure up to {ENCLOSURE_DIGITS[-1]} digits "
                                 f"places it against {rule}")
            elif not placement.inside:
                problems.append(f"{label} is {_outside_text(actual, low, high)}, outside {rule}")
                if counterexample is None:
                    counterexample = Counterexample(
                        sizes=tuple(sorted(sizes.items())), indices=(),
                        values=tuple((n, _exact_nested(a)) for n, a in example.given),
                        lhs=_value_text(actual, 30), rhs=want.text,
                        entry=position or None)
        if len(problems) > failed_before:
            actual_text = ", ".join(_value_text(v, 8) for v in entries)
            written = ", ".join(w.text for w in expected)
            problems.insert(failed_before, f"{name} is [{actual_text}] (definition, "
                            f"{_precision(exact)}), written [{written}]")
        for implementation in [i for i in scope.spec.implementations if i.definition == name]:
            events: list[str] = []
            try:
                got = implementation_values(scope, implementation, sizes, float_inputs, dtype,
                                            events)[0]
            except NumpyError as error:
                problems.append(f"{implementation.qualified_name} cannot be evaluated: "
                                f"{error.message}")
                continue
            wants = np.array([_to_float(w.exact) for w in expected]).reshape(shape)
            if implementation.qualified_name not in example.fails:
                errors.update(got, wants)
            wrong = []
            for position, want, value in zip(positions, expected, got.reshape(-1)):
                tolerance = written_tolerance(want, example.tol)
                # the dtype's rounding on top: 0.105 / 3 is 0.034999999999999996 in float64,
                # and 0.035 lies in 0.04 ± 0.005
                slack = EXAMPLE_ULPS * Fraction(eps) * (abs(want.exact) + tolerance)
                if not (np.isfinite(value)
                        and abs(Fraction(float(value)) - want.exact) <= tolerance + slack):
                    wrong.append((position, want, value, tolerance))
            how = f"{implementation.qualified_name} gives {_array_text(got)} at " \
                  f"{_given_text(example)}"
            cause = f": {'; '.join(events)}" if events and not np.all(np.isfinite(got)) else ""
            if implementation.qualified_name in example.fails:
                if wrong:
                    notes.append(f"{how}{cause} (expected to fail)")
                else:
                    problems.append(f"{how}, within the written precision, but the example "
                                    "lists it in fails")
            elif wrong:
                misses = "; ".join(
                    f"{_entry_text(name, p)} = {v:.10g}, outside {_rule(w, t)} widened by "
                    f"{EXAMPLE_ULPS} ulps" for p, w, v, t in wrong[:4])
                problems.append(f"{how}{cause} ({misses})")
    details = errors.details() + (("dtype", dtype),)
    if problems or undecided:
        verdict = Verdict.REFUTED if problems else Verdict.UNDECIDED
        return CheckResult(example.id, "example", verdict, example.expect_verdict,
                           "; ".join(problems + undecided + notes), example.location,
                           method="example",
                           seconds=time.perf_counter() - started,
                           counterexample=counterexample, details=details)
    implementations = [i.qualified_name for i in scope.spec.implementations
                       if i.definition in dict(example.expect)]
    agreeing = [n for n in implementations if n not in example.fails]
    parts = [f"the definition ({_precision(all(exact_names))})"] + agreeing
    subject = ' and '.join([', '.join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    verb = "match" if len(parts) > 1 else "matches"
    message = f"{subject} {verb} the written values at {_given_text(example)}"
    if notes:
        message += "; " + "; ".join(notes)
    if agreeing:
        message += f"; {errors.text()} ({dtype})"
    return CheckResult(example.id, "example", Verdict.VERIFIED, example.expect_verdict, message,
                       example.location, method="example",
                       seconds=time.perf_counter() - started, details=details)


def _precision(exact: bool) -> str:
    return "exact" if exact else f"{EXAMPLE_DIGITS} digits"


def _to_float(value: Fraction) -> float:
    """The nearest float, or ±inf beyond the float range (e.g. 2.2340e+308)."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _exact_nested(array: Array) -> Any:
    if isinstance(array, Value):
        return array.exact
    return tuple(_exact_nested(a) for a in array)


# -- claims at random points -------------------------------------------------------------------


class FiniteDifferences:
    """Derivatives of numpy implementations by their inputs, at all points at once."""

    def __init__(self, scope: Scope, sizes: dict[str, int], inputs: dict[str, np.ndarray],
                 implementations: dict[str, Implementation], dtype: str) -> None:
        self.scope = scope
        self.sizes = sizes
        self.inputs = inputs
        self.implementations = implementations
        self.dtype = dtype
        self.singles = single_implementations(scope)
        self.cache: dict[tuple[str, tuple[str, tuple[int, ...]]], np.ndarray] = {}
        self.error = np.zeros(next(iter(inputs.values())).shape[0] if inputs else 1)
        self.methods: set[str] = set()

    def _evaluate(self, implementation: Implementation, inputs: dict[str, np.ndarray],
                  dtype: Any) -> np.ndarray:
        cast = {n: v.astype(dtype) for n, v in inputs.items()}
        data = NumpyEvaluator(cast, self.sizes, dtype, self.singles).value(
            implementation.formula.node).data
        points = next(iter(inputs.values())).shape[0] if inputs else 1
        return np.broadcast_to(data, (points,) + data.shape[1:])

    def derivative(self, name: str, variable: tuple[str, tuple[int, ...]]) -> np.ndarray:
        """d(name)/d(variable) at every point: shape (P, *shape of name).

        The derivatives by all entries of the variable's symbol are computed together, in
        evaluations of the implementation over (a group of entries × points).
        """
        key = (name, variable)
        if key not in self.cache:
            symbol = variable[0]
            shape = self.inputs[symbol].shape
            entries = [tuple(i + 1 for i in index) for index in np.ndindex(shape[1:])]
            # groups of entries: fewer Python-level evaluations without quadratic memory
            group = max(1, MAX_BATCH // max(1, sum(int(np.prod(v.shape))
                                                   for v in self.inputs.values())))
            for start in range(0, len(entries), group):
                chunk = entries[start:start + group]
                for index, result in zip(chunk, self._differentiate(name, symbol, chunk)):
                    self.cache[(name, (symbol, index))] = result
        return self.cache[key]

    def _tiled(self, count: int, dtype: Any) -> dict[str, np.ndarray]:
        return {n: np.tile(v.astype(dtype), (count,) + (1,) * (v.ndim - 1))
                for n, v in self.inputs.items()}

    def _differentiate(self, name: str, symbol: str,
                       entries: list[tuple[int, ...]]) -> list[np.ndarray]:
        implementation = self.implementations[name]
        points = self.inputs[symbol].shape[0]
        count = len(entries)
        eps = float(np.finfo(DTYPES[self.dtype]).eps)

        def perturb(inputs: dict[str, np.ndarray], steps: np.ndarray) -> None:
            for k, index in enumerate(entries):
                block = (slice(k * points, (k + 1) * points),) + tuple(i - 1 for i in index)
                inputs[symbol][block] += steps[k]

        def split(values: np.ndarray) -> np.ndarray:
            return values.reshape((count, points) + values.shape[1:])

        if not uses_kinks(implementation.formula.node, self.singles):
            # complex step: f(x + ih) = f(x) + ih f'(x) + O(h^2), no cancellation
            step = 1e-20
            shifted = self._tiled(count, COMPLEX[self.dtype])
            perturb(shifted, np.full((count, points), 1j * step))
            values = split(self._evaluate(implementation, shifted, COMPLEX[self.dtype]))
            results = np.imag(values).astype(np.float64) / step
            size = np.abs(np.real(values)).reshape(count, points, -1).max(axis=(0, 2))
            self.error = np.maximum(self.error, 4 * eps * np.nan_to_num(size))
            self.methods.add(f"complex-step differentiation of {implementation.qualified_name}")
            return list(results)
        x = np.stack([self.inputs[symbol][(slice(None),) + tuple(i - 1 for i in index)]
                      for index in entries])
        step = np.cbrt(eps) * np.maximum(1.0, np.abs(x))  # (entries, points)

        def central(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            plus, minus = self._tiled(count, DTYPES[self.dtype]), \
                self._tiled(count, DTYPES[self.dtype])
            perturb(plus, h)
            perturb(minus, -h)
            high = split(self._evaluate(implementation, plus, DTYPES[self.dtype])).astype(float)
            low = split(self._evaluate(implementation, minus, DTYPES[self.dtype])).astype(float)
            spread = h.reshape(h.shape + (1,) * (high.ndim - 2))
            return (high - low) / (2 * spread), np.maximum(np.abs(high), np.abs(low))

        with np.errstate(all="ignore"):
            results, size = central(step)
            coarse, _ = central(2 * step)
            # Richardson-style estimate of the truncation error, plus rounding error
            flat_size = size.reshape(count, points, -1).max(axis=2)
            truncation = np.abs(results - coarse).reshape(count, points, -1).max(axis=2)
            estimate = (4 * truncation + 8 * eps * flat_size / step).max(axis=0)
        self.error = np.maximum(self.error, np.nan_to_num(estimate, nan=np.inf))
        self.methods.add(f"central differences of {implementation.qualified_name} "
                         "(step ∛ε·max(1, |x|) per point)")
        return list(results)


class _DifferencedEvaluator(Evaluator):
    """Carries derivatives by one input; definitions with an implementation get theirs from
    finite differences of it (the value itself still comes from the definition's formula)."""

    def __init__(self, parent: Evaluator, variable: tuple[str, tuple[int, ...]],
                 differences: FiniteDifferences) -> None:
        super().__init__(parent.scope, parent.sizes, DualDomain(parent.domain, variable))
        self.parent = parent
        self.wrt = variable
        self.differences = differences

    def definition_entry(self, name: str, index: tuple[int, ...]) -> Any:
        if name not in self.differences.implementations:
            return super().definition_entry(name, index)
        key = (name, index)
        if key not in self.memo:
            value = self.parent.definition_entry(name, index)
            derivative = self.differences.derivative(name, self.wrt)
            self.memo[key] = (value, derivative[(slice(None),) + tuple(i - 1 for i in index)])
        return self.memo[key]

    def definition_value(self, name: str) -> Any:
        if name not in self.differences.implementations:
            return super().definition_value(name)
        whole = self.parent.definition_value(name)
        if not isinstance(whole, Tensor):
            return self.definition_entry(name, ())
        return Tensor(whole.shape, tuple(self.definition_entry(name, index)
                                         for index in index_tuples(whole.shape)))


class NumericEvaluator(Evaluator):
    """Evaluates claims at P points; `D(f, x)` by finite differences of f's implementation."""

    def __init__(self, scope: Scope, sizes: dict[str, int], inputs: dict[str, np.ndarray],
                 differences: FiniteDifferences) -> None:
        super().__init__(scope, sizes, NumpyDomain(inputs))
        self.differences = differences

    def child(self, variable: tuple[str, tuple[int, ...]]) -> Evaluator:
        found = self.children.get(variable)
        if found is None:
            found = self.children[variable] = _DifferencedEvaluator(self, variable,
                                                                    self.differences)
        return found


@dataclass
class Mismatch:
    sizes: dict[str, int]
    indices: dict[str, int]
    entry: tuple[int, ...]
    values: dict[tuple[str, tuple[int, ...]], Fraction]
    lhs: float
    rhs: float


@dataclass
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

    def summary(self, seed: int, dtype: str) -> str:
        sizes = "; ".join(_sizes_text(c) for c in self.combos if c)
        how = ", ".join(sorted(self.methods)) or "no derivatives"
        undefined = f", {self.undefined} undefined" if self.undefined else ""
        if self.rounding:
            undefined += (f"; {self.rounding} float difference(s) re-evaluated in mpmath "
                          "showed no difference")
        return (f"{self.points} random point evaluations{undefined} (seed {seed}, scales "
                f"{', '.join(f'{s:g}' for s in SCALES)}{'; ' + sizes if sizes else ''}; "
                f"{dtype}); D by {how}; {self.errors.text()}")


def _entries(value: Any) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(value, Tensor):
        return list(zip(index_tuples(value.shape), value.data))
    return [((), value)]


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
        points = next(iter(inputs.values())).shape[0] if inputs else 1
        with np.errstate(all="ignore"):
            for env in assignments(evaluator, free, where):
                result.assignments += 1
                left = evaluator.value(lhs, env)
                right = evaluator.value(rhs, env)
                check_comparable(left, right)
                pairs = list(zip(_entries(left), _entries(right)))
                scale = np.zeros(points)
                for (_, a), (_, b) in pairs:
                    a = np.broadcast_to(np.asarray(a, float), (points,))
                    b = np.broadcast_to(np.asarray(b, float), (points,))
                    scale = np.maximum(scale, np.nan_to_num(np.maximum(abs(a), abs(b))))
                for (entry, a), (_, b) in pairs:
                    a = np.broadcast_to(np.asarray(a, float), (points,))
                    b = np.broadcast_to(np.asarray(b, float), (points,))
                    defined = np.isfinite(a) & np.isfinite(b)
                    result.points += int(np.sum(defined))
                    result.undefined += int(np.sum(~defined))
                    result.errors.update(np.where(defined, a, 0), np.where(defined, b, 0),
                                         scale)
                    allowed = (rtol * (np.maximum(abs(a), abs(b)) + 1e-3 * scale)
                               + 16 * differences.error + np.finfo(float).tiny)
                    gap = np.where(defined, np.abs(a - b) / allowed, 0.0)
                    for point in np.flatnonzero(gap > 1)[:1]:
                        result.worst_gap = max(result.worst_gap, float(gap[point]))
                        if len(result.mismatches) < MAX_MISMATCHES:
                            values = {(n, tuple(i + 1 for i in index)):
                                      Fraction(float(array[point][index]))
                                      for n, array in inputs.items()
                                      for index in np.ndindex(array.shape[1:])}
                            result.mismatches.append(Mismatch(
                                dict(sizes), dict(env), entry, values, float(a[point]),
                                float(b[point])))
        result.methods |= differences.methods
        result.differenced |= bool(differences.methods)
    if not result.methods and any(isinstance(n, ast.Call) and n.function in ("D", "jacobian")
                                  for side in (lhs, rhs) for n in ast.walk(side)):
        result.methods.add("forward-mode differentiation of the definitions (no numpy "
                           "implementation to difference)")
    return result


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


def mismatch_text(found: Evidence, mismatches: list[Mismatch] | None = None) -> str:
    first = (mismatches or found.mismatches)[0]
    where = ", ".join(f"{k} = {v}" for k, v in list(first.sizes.items())
                      + list(first.indices.items()))
    entry = f" entry {list(first.entry)}" if first.entry else ""
    return (f"at {where or 'a random point'}{entry}: lhs = {first.lhs:.10g}, rhs = "
            f"{first.rhs:.10g} (difference {abs(first.lhs - first.rhs):.3g}, "
            f"{found.worst_gap:.3g}× the allowed finite-difference and rounding error)")
