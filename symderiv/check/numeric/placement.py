"""A worked example's written numbers as closed intervals, and a definition's value placed in one.

A number written as 0.93 stands for [0.925, 0.935]: half a unit in its last digit, or the
example's `tol`. The definition's value is exact (rational arithmetic) where it can be, else
known by interval enclosures at increasing precision, so rounding never decides a placement;
an implementation's float value is placed in the interval widened by a few ulps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from symderiv.check.evaluate import Evaluator
from symderiv.check.numeric.entries import row_major
from symderiv.check.numeric.points import ExactPoint
from symderiv.load.model import Value
from symderiv.numbers.domains import (
    IntervalDomain, MpmathDomain, NotExact, RationalDomain, Undefined)
from symderiv.resolve.scope import Scope

EXAMPLE_DIGITS = 60
#: How far from an expected `0` or `1` (written as an integer, no `tol`) a value may lie.
EXACT_INTEGER_TOLERANCE = Fraction(1, 2_000_000)
#: Precisions (digits) of the interval enclosures that place a definition's value against its
#: expected interval when the value has no exact rational form (exp, log, roots).
ENCLOSURE_DIGITS = (EXAMPLE_DIGITS, 1_000)
#: Precisions at which a definition with no exact value is evaluated, the next one tried when
#: a value cancels to an undefined one (log(1 - 1/(1 + exp(-u))) at u = 150 needs > 65 digits).
POINT_DIGITS = (EXAMPLE_DIGITS, 250, 1_000)


class UnsettledUndefined(Undefined):
    """Undefined at every precision tried, but not exactly: cancellation may be the cause."""


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

    def __init__(self, scope: Scope, sizes: dict[str, int], inputs: ExactPoint) -> None:
        self.scope = scope
        self.sizes = sizes
        self.inputs = inputs
        self.rational = Evaluator(scope, sizes, RationalDomain(inputs))
        self.intervals: dict[int, Evaluator] = {}
        self.values: dict[str, tuple[list[Any], bool]] = {}
        self.digits = EXAMPLE_DIGITS  # the most any inexact definition needed

    def entries(self, name: str) -> tuple[list[Any], bool]:
        """The entries of `name`, row-major, and whether they are exact.

        Raises:
            Undefined, ZeroDivisionError, EvaluationError: no value at these inputs (exactly).
            UnsettledUndefined: no value at any of `POINT_DIGITS`, where exact arithmetic
                cannot reach.
        """
        if name not in self.values:
            try:
                self.values[name] = (row_major(self.rational.definition_value(name)), True)
            except NotExact:
                self.values[name] = (self._at_precision(name), False)
        return self.values[name]

    def _at_precision(self, name: str) -> list[Any]:
        """`name` in mpmath, at more digits while it comes out undefined."""
        for digits in POINT_DIGITS:
            try:
                evaluator = Evaluator(self.scope, self.sizes, MpmathDomain(self.inputs, digits))
                values = row_major(evaluator.definition_value(name))
                self.digits = max(self.digits, digits)
                return values
            except (Undefined, ZeroDivisionError) as error:
                last = error
        raise UnsettledUndefined(str(last))

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
        return IntervalDomain.bounds(row_major(value)[number])


#: Written precision of an implementation's value is widened to this many ulps of the dtype.
EXAMPLE_ULPS = 8


@dataclass(frozen=True, slots=True)
class Miss:
    """An implementation's entry outside the interval its written number gives."""

    position: tuple[int, ...]  # the entry's 1-based index
    want: Value
    value: float  # the implementation's float value
    tolerance: Fraction


def float_misses(positions: list[tuple[int, ...]], expected: list[Value], values: np.ndarray,
                 tol: Fraction | None, eps: float) -> list[Miss]:
    """The entries of an implementation's float value outside their written intervals, each
    widened by `EXAMPLE_ULPS` of the dtype (whose machine epsilon is `eps`)."""
    out = []
    for position, want, value in zip(positions, expected, values.reshape(-1)):
        tolerance = written_tolerance(want, tol)
        # the dtype's rounding on top: 0.105 / 3 is 0.034999999999999996 in float64,
        # and 0.035 lies in 0.04 ± 0.005
        slack = EXAMPLE_ULPS * Fraction(eps) * (abs(want.exact) + tolerance)
        if not (np.isfinite(value)
                and abs(Fraction(float(value)) - want.exact) <= tolerance + slack):
            out.append(Miss(position, want, value, tolerance))
    return out
