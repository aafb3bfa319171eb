"""The sentences of worked-example checks: exact decimals, written intervals, what was found.

`examples` decides what each finding is (a problem, a note, undecided); these functions only
word the values it hands over.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from symderiv.check.numeric.error_measures import Errors
from symderiv.check.numeric.placement import ENCLOSURE_DIGITS, EXAMPLE_DIGITS, EXAMPLE_ULPS, Miss
from symderiv.check.numeric.wording import entry_text
from symderiv.load.model import Array, Example, Implementation, Value


# -- numbers and intervals ----------------------------------------------------------------------


def decimal(value: Fraction, digits: int = 30) -> str:
    """`value` in decimal to `digits` significant digits; positional unless tiny or huge."""
    with localcontext() as context:
        context.prec = digits
        number = (Decimal(value.numerator) / value.denominator).normalize()
    return f"{number:f}" if -7 <= number.adjusted() < 16 else f"{number:e}"


def value_text(value: Any, digits: int) -> str:
    """A definition's value (a Fraction when exact, else an mpmath number) for a message."""
    return decimal(value, digits) if isinstance(value, Fraction) else mpmath.nstr(value, digits)


def interval(expected: Value, tolerance: Fraction) -> str:
    """`0.93 ± 0.005 = [0.925, 0.935]`: the closed interval a written number stands for."""
    low, high = expected.exact - tolerance, expected.exact + tolerance
    return f"{expected.text} ± {decimal(tolerance)} = [{decimal(low)}, {decimal(high)}]"


def _outside_value(value: Any, low: Fraction, high: Fraction) -> str:
    """A value outside [low, high], to 12 digits, or 30 where 12 would round it onto a bound."""
    text = value_text(value, 12)
    return text if not low <= Fraction(text) <= high else value_text(value, 30)


def _array_text(values: np.ndarray) -> str:
    if values.ndim == 0:
        return f"{float(values):.6g}"
    if np.all(np.isnan(values)):
        return "nan" if values.size == 1 else f"[{', '.join(['nan'] * values.size)}]"
    return "[" + ", ".join(_array_text(v) for v in values) + "]"


def given_text(example: Example) -> str:
    """The example's inputs as written: `a = [1, 2, 3], z = 0.105`."""
    def show(array: Array) -> str:
        if isinstance(array, Value):
            return array.text
        return "[" + ", ".join(show(a) for a in array) + "]"
    return ", ".join(f"{name} = {show(array)}" for name, array in example.given)


def _precision(exact: bool, digits: int = EXAMPLE_DIGITS) -> str:
    return "exact" if exact else f"{digits} digits"


# -- the definition's value ---------------------------------------------------------------------


def undefined_at(name: str, example: Example, error: Exception) -> str:
    return f"{name} is undefined at {given_text(example)}: {error}"


def unsettled_at(name: str, example: Example, error: Exception, digits: int) -> str:
    return (f"{name} has no value at {given_text(example)} at up to {digits} digits ({error}): "
            "a cancellation that precision cannot resolve, or undefined")


def definition_values(name: str, entries: list[Any], expected: list[Value], exact: bool,
                      digits: int = EXAMPLE_DIGITS) -> str:
    """The definition's whole value beside the written one, before its entries' problems."""
    actual = ", ".join(value_text(v, 8) for v in entries)
    written = ", ".join(w.text for w in expected)
    return f"{name} is [{actual}] (definition, {_precision(exact, digits)}), written [{written}]"


def tie(label: str, bound: Fraction, rule: str) -> str:
    """A value no enclosure tells from a bound of the closed interval: taken as on it."""
    return (f"{label} cannot be told from {decimal(bound)} at {ENCLOSURE_DIGITS[-1]} digits, "
            f"a bound of {rule}: taken as on it (the interval is closed)")


def unplaced(label: str, actual: Any, rule: str) -> str:
    """A value whose enclosures stayed wider than the interval."""
    return (f"{label} is {value_text(actual, 12)} at {EXAMPLE_DIGITS} digits, but no "
            f"enclosure up to {ENCLOSURE_DIGITS[-1]} digits places it against {rule}")


def outside(label: str, actual: Any, low: Fraction, high: Fraction, rule: str) -> str:
    return f"{label} is {_outside_value(actual, low, high)}, outside {rule}"


# -- implementations at the example --------------------------------------------------------------


def cannot_be_evaluated(implementation: Implementation, message: str) -> str:
    return f"{implementation.qualified_name} cannot be evaluated: {message}"


def _gives(implementation: Implementation, got: np.ndarray, example: Example) -> str:
    return f"{implementation.qualified_name} gives {_array_text(got)} at {given_text(example)}"


def _cause(events: tuple[str, ...], got: np.ndarray) -> str:
    """What went wrong in floating point, where the value is not finite."""
    return f": {'; '.join(events)}" if events and not np.all(np.isfinite(got)) else ""


def fails_as_listed(implementation: Implementation, got: np.ndarray, example: Example,
                    events: tuple[str, ...]) -> str:
    return f"{_gives(implementation, got, example)}{_cause(events, got)} (expected to fail)"


def does_not_fail(implementation: Implementation, got: np.ndarray, example: Example) -> str:
    return (f"{_gives(implementation, got, example)}, within the written precision, but the "
            "example lists it in fails")


def misses_written(implementation: Implementation, got: np.ndarray, example: Example,
                   events: tuple[str, ...], misses: list[Miss]) -> str:
    """An implementation outside the written precision: its value, and the first four misses."""
    shown = "; ".join(
        f"{entry_text(implementation.definition, m.position)} = {m.value:.10g}, outside "
        f"{interval(m.want, m.tolerance)} widened by {EXAMPLE_ULPS} ulps" for m in misses[:4])
    return f"{_gives(implementation, got, example)}{_cause(events, got)} ({shown})"


# -- the verdict --------------------------------------------------------------------------------


def verified(exact: bool, agreeing: list[str], example: Example, notes: list[str],
             errors: Errors, dtype: str, digits: int = EXAMPLE_DIGITS) -> str:
    """Who matches the written values (the definition, and each implementation not in fails)."""
    parts = [f"the definition ({_precision(exact, digits)})"] + agreeing
    subject = ' and '.join([', '.join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    verb = "match" if len(parts) > 1 else "matches"
    message = f"{subject} {verb} the written values at {given_text(example)}"
    if notes:
        message += "; " + "; ".join(notes)
    if agreeing:
        # the written values are rounded: a relative error to them says nothing of the code
        message += f"; the largest difference from a written value is {errors.absolute:.2g} ({dtype})"
    return message
