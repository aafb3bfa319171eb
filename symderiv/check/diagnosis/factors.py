"""The constant factor c with lhs = c·rhs, read off the counterexample at two nearby points.

The counterexample's values are evaluated at 40 digits as they are and shifted; when both
points give the same ratio lhs/rhs and it is a small rational other than 0 and ±1, it is a
candidate factor (written as a size, 1/size, or the number itself).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath

from symderiv.check.diagnosis.edits import name_node, number_node
from symderiv.check.evaluate import EvaluationError
from symderiv.check.refute import evaluate_at
from symderiv.check.verdict import Counterexample
from symderiv.language import ast
from symderiv.numbers.domains import Undefined
from symderiv.resolve.scope import Scope

#: The point's values, keyed by (name, entry).
PointValues = dict[tuple[str, tuple[int, ...]], Fraction]


def factors(scope: Scope, lhs: ast.Node, rhs: ast.Node, found: Counterexample | None
            ) -> list[tuple[ast.Node, str]]:
    """c with lhs = c·rhs at two points of the counterexample's assignment."""
    if found is None:
        return []
    ratios = _ratios(scope, lhs, rhs, found)
    if ratios is None:
        return []
    exact = _constant(ratios)
    if exact is None:
        return []
    out: list[tuple[ast.Node, str]] = []
    for name, size in found.sizes:
        if exact == size:
            out.append((name_node(name), name))
        if exact == Fraction(1, size):
            out.append((ast.BinOp(0, 0, "/", number_node(Fraction(1)), name_node(name)),
                        f"1/{name}"))
    out.append((number_node(exact), str(exact)))
    return out


def _ratios(scope: Scope, lhs: ast.Node, rhs: ast.Node, found: Counterexample
            ) -> list[Any] | None:
    """lhs/rhs at the counterexample and at its values shifted; None where rhs is 0 or
    either side cannot be evaluated."""
    sizes, env = dict(found.sizes), dict(found.indices)
    ratios = []
    for shift in (Fraction(0), Fraction(1, 3)):
        values: PointValues = {}
        for name, value in found.values:
            _flatten(name, value, (), values, shift)
        try:
            left, right = evaluate_at(scope, lhs, rhs, sizes, env, values, 40,
                                      found.entry or ())
        except (Undefined, EvaluationError, KeyError, ZeroDivisionError, ValueError):
            return None
        if right == 0:
            return None
        ratios.append(left / right)
    return ratios


def _constant(ratios: list[Any]) -> Fraction | None:
    """The small rational both ratios equal, unless it is 0 or ±1 (no factor then)."""
    if abs(ratios[0] - ratios[1]) > mpmath.mpf(10) ** -25 * max(1, abs(ratios[0])):
        return None
    exact = Fraction(mpmath.nstr(ratios[0], 35)).limit_denominator(1000)
    if abs(ratios[0] - mpmath.mpf(exact.numerator) / exact.denominator) > \
            mpmath.mpf(10) ** -25 or exact in (0, 1, -1):
        return None
    return exact


def _flatten(name: str, value: Any, prefix: tuple[int, ...], out: PointValues,
             shift: Fraction) -> None:
    """Each entry of `value` into `out`, moved by a multiple of `shift` (1, 2 or 3 times)."""
    if isinstance(value, tuple):
        for position, part in enumerate(value, start=1):
            _flatten(name, part, prefix + (position,), out, shift)
    else:
        out[(name, prefix)] = value + shift * (len(out) % 3 + 1)
