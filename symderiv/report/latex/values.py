"""Values as LaTeX: numbers and arrays at a counterexample, exact or rounded; example values."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any


def number(value: Any) -> str:
    """An input value at a counterexample: a number, or a vector/matrix of them."""
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):
            rows = " \\\\ ".join(" & ".join(number(v) for v in row) for row in value)
            return f"\\begin{{pmatrix}} {rows} \\end{{pmatrix}}"
        return "(" + ", ".join(number(v) for v in value) + ")"
    if isinstance(value, Fraction):
        sign = "-" if value < 0 else ""
        value = abs(value)
        if value.denominator == 1:
            return f"{sign}{value.numerator}"
        return f"{sign}\\tfrac{{{value.numerator}}}{{{value.denominator}}}"
    return decimal(str(value))


def exact_or_rounded(exact: str | None, text: str) -> str:
    """'\\tfrac{1}{4}' for an exact value '1/4', else the decimal to 10 digits (≈)."""
    if exact is not None:
        try:
            return number(Fraction(exact))
        except (ValueError, ZeroDivisionError):
            pass
    try:
        value, exact_value = float(text), Decimal(text)
    except (ValueError, InvalidOperation):
        return decimal(text)
    if not math.isfinite(value) or (value == 0 and exact_value != 0):
        return beyond_float(exact_value)
    short = f"{value:.10g}"
    return decimal(short) if Decimal(short) == exact_value else r"\approx " + decimal(short)


def beyond_float(value: Decimal) -> str:
    """A value a float cannot hold (`1.97e+434`, `1e-400`) to 10 digits, in decimal
    arithmetic; `inf` (a float that overflowed) as 'overflow', `nan` as 'NaN'."""
    if value.is_nan():
        return r"\text{NaN}"
    if value.is_infinite():
        return ("-" if value < 0 else "") + r"\text{overflow}"
    mantissa, _, exponent = f"{value:.9e}".partition("e")
    short = mantissa.rstrip("0").rstrip(".") + "e" + exponent
    return decimal(short) if Decimal(short) == value else r"\approx " + decimal(short)


def decimal(text: str) -> str:
    """A decimal as text, safe in math mode."""
    return re.sub(r"[^0-9eE+\-.]", "", text) or "?"


def array_text(value: Any) -> str:
    """An example value as written: 0.09, [1, 2, 3], [[1, 0], [0, 1]]."""
    if isinstance(value, tuple):
        return "[" + ", ".join(array_text(v) for v in value) + "]"
    return str(getattr(value, "text", value))
