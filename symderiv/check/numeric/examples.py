"""Worked-example checks: the written numbers against the definition and its implementations.

The definition is evaluated exactly (or at 60 digits, placed by interval enclosures) and every
implementation in --dtype, each entry against the closed interval its written precision gives.
"""

from __future__ import annotations

import time
from functools import partial
from fractions import Fraction
from typing import Any

import numpy as np

from symderiv.check.evaluate import EvaluationError, index_tuples
from symderiv.check.numeric import example_wording as words
from symderiv.check.numeric.error_measures import Errors
from symderiv.check.numeric.floats import epsilon, implementation_values
from symderiv.check.numeric.placement import (
    POINT_DIGITS,
    UnsettledUndefined,
    DefinitionValues, float_misses, place, written_tolerance,
)
from symderiv.check.numeric.points import ExactPoint
from symderiv.check.numeric.wording import entry_text
from symderiv.check.verdict import CheckResult, Counterexample, Values, Verdict
from symderiv.load.model import Array, Example, Implementation, Value
from symderiv.numbers.domains import Undefined
from symderiv.numbers.numpy_eval import NumpyError
from symderiv.options import Expect, Kind, Options
from symderiv.resolve.implementations import example_sizes, expected_shape
from symderiv.resolve.scope import Scope


def example_check(scope: Scope, example: Example, options: Options) -> CheckResult:
    """The definition (exact, else 60 digits) and every implementation (in --dtype) at the
    given inputs, each against the closed interval its written precision gives."""
    started = time.perf_counter()
    check = _ExampleCheck(scope, example, options.dtype)
    for name, array in example.expect:
        expected = _flat(array)
        shape = expected_shape(scope, name, check.sizes)
        if not check.definition(name, expected, shape):
            continue
        for implementation in [i for i in scope.spec.implementations if i.definition == name]:
            check.implementation(implementation, expected, shape)
    return check.result(started)


class _ExampleCheck:
    """One example's check as it goes: the problems, notes and undecided entries found so far,
    the implementations' largest errors, and the first counterexample."""

    def __init__(self, scope: Scope, example: Example, dtype: str) -> None:
        self.scope = scope
        self.example = example
        self.dtype = dtype
        self.eps = epsilon(dtype)
        self.sizes = example_sizes(scope, example)
        exact_inputs, self.float_inputs = _inputs(scope, example, self.sizes)
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.undecided: list[str] = []
        self.errors = Errors()
        self.counterexample: Counterexample | None = None
        self.exact_names: list[bool] = []
        self.definitions = DefinitionValues(scope, self.sizes, exact_inputs)

    def definition(self, name: str, expected: list[Value], shape: tuple[int, ...]) -> bool:
        """Place every entry of definition `name`; False where it has no value at all."""
        try:
            entries, exact = self.definitions.entries(name)
        except UnsettledUndefined as error:  # not shown undefined: no verdict on it
            self.undecided.append(words.unsettled_at(name, self.example, error,
                                                     POINT_DIGITS[-1]))
            return False
        except (Undefined, ZeroDivisionError, EvaluationError) as error:
            self.problems.append(words.undefined_at(name, self.example, error))
            return False
        self.exact_names.append(exact)
        failed_before = len(self.problems)
        for number, (position, want, actual) in enumerate(zip(index_tuples(shape), expected,
                                                              entries)):
            self._entry(name, number, position, want, actual)
        if len(self.problems) > failed_before:
            self.problems.insert(failed_before,
                                 words.definition_values(name, entries, expected, exact,
                                                         self.definitions.digits))
        return True

    def _entry(self, name: str, number: int, position: tuple[int, ...], want: Value,
               actual: Any) -> None:
        """Entry `number` (row-major) of definition `name` against its written number."""
        tolerance = written_tolerance(want, self.example.tol)
        low, high = want.exact - tolerance, want.exact + tolerance
        placement = place(partial(self.definitions.enclosure, name, number), low, high)
        label, rule = entry_text(name, position), words.interval(want, tolerance)
        if placement.tie is not None:
            self.notes.append(words.tie(label, placement.tie, rule))
        elif placement.inside is None:
            self.undecided.append(words.unplaced(label, actual, rule))
        elif not placement.inside:
            self.problems.append(words.outside(label, actual, low, high, rule))
            if self.counterexample is None:
                self.counterexample = Counterexample(
                    sizes=tuple(sorted(self.sizes.items())), indices=(),
                    values=tuple((n, _exact_nested(a)) for n, a in self.example.given),
                    lhs=words.value_text(actual, 30), rhs=want.text, entry=position or None)

    def implementation(self, implementation: Implementation, expected: list[Value],
                       shape: tuple[int, ...]) -> None:
        """The implementation in the dtype against the written numbers, and against `fails`."""
        example = self.example
        try:
            computed = implementation_values(self.scope, implementation, self.sizes,
                                             self.float_inputs, self.dtype)
        except NumpyError as error:
            self.problems.append(words.cannot_be_evaluated(implementation, error.message))
            return
        got, events = computed.values[0], computed.events
        wants = np.array([_to_float(w.exact) for w in expected]).reshape(shape)
        listed = implementation.qualified_name in example.fails
        if not listed:
            self.errors.update(got, wants)
        misses = float_misses(index_tuples(shape), expected, got, example.tol, self.eps)
        if listed and misses:
            self.notes.append(words.fails_as_listed(implementation, got, example, events))
        elif listed:
            self.problems.append(words.does_not_fail(implementation, got, example))
        elif misses:
            self.problems.append(words.misses_written(implementation, got, example, events,
                                                      misses))

    def result(self, started: float) -> CheckResult:
        """Refuted with a problem, undecided with an unplaced entry, else verified."""
        example = self.example
        details = self.errors.details() + (("dtype", self.dtype),)
        if self.problems or self.undecided:
            verdict = Verdict.REFUTED if self.problems else Verdict.UNDECIDED
            return CheckResult(example.id, Kind.EXAMPLE, verdict, Expect(example.expect_verdict),
                               "; ".join(self.problems + self.undecided + self.notes),
                               example.location, method="example",
                               seconds=time.perf_counter() - started,
                               counterexample=self.counterexample, details=details)
        implementations = [i.qualified_name for i in self.scope.spec.implementations
                           if i.definition in dict(example.expect)]
        agreeing = [n for n in implementations if n not in example.fails]
        message = words.verified(all(self.exact_names), agreeing, example, self.notes,
                                 self.errors, self.dtype, self.definitions.digits)
        return CheckResult(example.id, Kind.EXAMPLE, Verdict.VERIFIED, Expect(example.expect_verdict),
                           message, example.location, method="example",
                           seconds=time.perf_counter() - started, details=details)


def _inputs(scope: Scope, example: Example, sizes: dict[str, int]
            ) -> tuple[ExactPoint, dict[str, np.ndarray]]:
    """The given inputs exactly, and as floats at one point (shape (1, *shape))."""
    exact_inputs: ExactPoint = {}
    float_inputs: dict[str, np.ndarray] = {}
    for name, array in example.given:
        if name in scope.labels:
            continue  # its values are with the sizes (resolve.implementations.example_sizes)
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in scope.symbols[name].shape)
        flat = _flat(array)
        for index, value in zip(index_tuples(shape), flat):
            exact_inputs[(name, index)] = value.exact
        float_inputs[name] = np.array([_to_float(v.exact) for v in flat]).reshape((1,) + shape)
    return exact_inputs, float_inputs


def _flat(array: Array) -> list[Value]:
    return [array] if isinstance(array, Value) else [v for item in array for v in _flat(item)]


def _to_float(value: Fraction) -> float:
    """The nearest float, or ±inf beyond the float range (e.g. 2.2340e+308)."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _exact_nested(array: Array) -> Values:
    if isinstance(array, Value):
        return array.exact
    return tuple(_exact_nested(a) for a in array)
