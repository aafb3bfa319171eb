"""Put sympy expressions with Kronecker deltas, Piecewise and symbolic sums in a canonical form.

sympy leaves `Piecewise` undischarged inside a `Sum` (issue 13993) and cannot use index ranges
on its own, so the rules here do it: conditions are decided with the ranges of the indices,
delta sums collapse, factors that do not depend on a sum's variable move out of it, and the
sum variables are renamed canonically so that equal sums compare equal.
"""

from __future__ import annotations

import sympy
from sympy import Add, KroneckerDelta, Mul, Piecewise, Sum
from sympy.logic.boolalg import And, BooleanFalse, BooleanTrue, Not, Or

Ranges = dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]]


def _bounds(expr: sympy.Expr, ranges: Ranges) -> tuple[sympy.Expr | None, sympy.Expr | None]:
    """Lower and upper bounds of a linear integer expression over the index ranges.

    An entry c[s] of a label whose base has a range (`SympyBuilder.ranges`) is bounded by
    it like an index of its own; any other entry with an index in it has no bound here.
    """
    expr = sympy.expand(expr)
    entries = [e for e in expr.atoms(sympy.Indexed) if e.base.label in ranges]
    if entries:
        stand_ins = {e: sympy.Dummy(integer=True) for e in entries}
        ranges = {**ranges, **{stand_in: ranges[e.base.label]
                               for e, stand_in in stand_ins.items()}}
        expr = expr.xreplace(stand_ins)
    if any(e.free_symbols & set(ranges) for e in expr.atoms(sympy.Indexed)):
        return None, None
    low, high = expr, expr
    for symbol in expr.free_symbols:
        if symbol not in ranges:
            continue
        if any(bound.free_symbols & set(ranges) for bound in ranges[symbol]):
            return None, None  # a range that depends on another index: no simple bound
        # linear in the index, with a constant coefficient: i*i, i*j or N*i have no bound here
        # (the coefficient of i in i*i - 3*i is -3, but i*i - 3*i is 0 at i = 3)
        coefficient = sympy.diff(expr, symbol)
        if coefficient.free_symbols or not coefficient.is_number:
            return None, None
        lo, hi = ranges[symbol]
        if coefficient > 0:
            low, high = low.subs(symbol, lo), high.subs(symbol, hi)
        elif coefficient < 0:
            low, high = low.subs(symbol, hi), high.subs(symbol, lo)
    return sympy.expand(low), sympy.expand(high)


def _nonnegative(expr: sympy.Expr, ranges: Ranges) -> bool | None:
    """True if expr >= 0 for all index values, False if expr < 0 for all, else None."""
    low, high = _bounds(expr, ranges)
    if low is None or high is None:
        return None
    if low.is_nonnegative:
        return True
    if high.is_negative:
        return False
    return None


def decide(condition: sympy.Basic, ranges: Ranges) -> bool | None:
    """Decide a condition on indices for all their values: True, False or None (depends)."""
    if isinstance(condition, BooleanTrue) or condition is True:
        return True
    if isinstance(condition, BooleanFalse) or condition is False:
        return False
    if isinstance(condition, And):
        parts = [decide(c, ranges) for c in condition.args]
        if any(p is False for p in parts):
            return False
        return True if all(p is True for p in parts) else None
    if isinstance(condition, Or):
        parts = [decide(c, ranges) for c in condition.args]
        if any(p is True for p in parts):
            return True
        return False if all(p is False for p in parts) else None
    if isinstance(condition, Not):
        inner = decide(condition.args[0], ranges)
        return None if inner is None else not inner
    if isinstance(condition, sympy.Eq | sympy.Ne):
        difference = sympy.expand(condition.lhs - condition.rhs)
        equal: bool | None = None
        if difference == 0:
            equal = True
        elif difference.is_number:
            equal = False
        else:
            positive = _nonnegative(difference - 1, ranges)
            negative = _nonnegative(-difference - 1, ranges)
            if positive or negative:
                equal = False
        if equal is None:
            return None
        return equal if isinstance(condition, sympy.Eq) else not equal
    if isinstance(condition, sympy.GreaterThan | sympy.StrictGreaterThan |
                  sympy.LessThan | sympy.StrictLessThan):
        if isinstance(condition, sympy.GreaterThan):
            difference = condition.lhs - condition.rhs  # lhs - rhs >= 0
        elif isinstance(condition, sympy.StrictGreaterThan):
            difference = condition.lhs - condition.rhs - 1
        elif isinstance(condition, sympy.LessThan):
            difference = condition.rhs - condition.lhs
        else:
            difference = condition.rhs - condition.lhs - 1
        return _nonnegative(difference, ranges)
    return None


def _delta_solution(delta: KroneckerDelta, variable: sympy.Symbol) -> sympy.Expr | None:
    """The value of `variable` where the delta is 1, if the delta fixes it (coefficient ±1)."""
    difference = sympy.expand(delta.args[0] - delta.args[1])
    coefficient = difference.coeff(variable)
    if coefficient not in (1, -1) or variable in (difference - coefficient * variable).free_symbols:
        return None
    return sympy.expand(-(difference - coefficient * variable) / coefficient)


def _exp_of_sums(expr: sympy.Expr) -> sympy.Expr:
    """Π_k e^{u_k} back to e^{Σ_k u_k}, as it was written: sympy's expand makes a product of a
    bare exp(Sum) only, not of exp(Sum) in a product, so one value would take two forms."""
    return expr.replace(
        lambda e: isinstance(e, sympy.Product) and isinstance(e.function, sympy.exp),
        lambda e: sympy.exp(Sum(e.function.args[0], *e.limits)))


def _sum_out(body: sympy.Expr, variable: sympy.Symbol, low: sympy.Expr, high: sympy.Expr,
             ranges: Ranges) -> sympy.Expr:
    result: list[sympy.Expr] = []
    for term in Add.make_args(_exp_of_sums(sympy.expand(body, deep=False))):
        outside: list[sympy.Expr] = []
        inside: list[sympy.Expr] = []
        for factor in Mul.make_args(term):
            (inside if variable in factor.free_symbols else outside).append(factor)
        scale = Mul(*outside)
        if not inside:
            result.append(scale * (high - low + 1))
            continue
        solved = None
        for factor in inside:
            if isinstance(factor, KroneckerDelta):
                value = _delta_solution(factor, variable)
                if value is not None:
                    solved = (factor, value)
                    break
        if solved is not None:
            factor, value = solved
            rest = Mul(*[f for f in inside if f is not factor]).xreplace({variable: value})
            rest = normalize(rest, ranges)
            inside_range = decide(And(sympy.Le(low, value), sympy.Le(value, high)), ranges)
            if inside_range is True:
                result.append(scale * rest)
            elif inside_range is None:
                result.append(scale * Piecewise(
                    (rest, And(sympy.Le(low, value), sympy.Le(value, high))), (0, True)))
            continue
        result.append(scale * Sum(Mul(*inside), (variable, low, high)))
    return Add(*result)


def normalize(expr: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """Resolve deltas, Piecewise and delta-sums under the index ranges (see module doc)."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or isinstance(expr, sympy.Indexed):
        return expr
    if isinstance(expr, Sum):
        body = expr.function
        limits = list(expr.limits)
        # innermost limit first
        variable, low, high = limits[0]
        inner_ranges = {**ranges, variable: (low, high)}
        result = _sum_out(normalize(body, inner_ranges), variable, low, high, ranges)
        for variable, low, high in limits[1:]:
            result = _sum_out(result, variable, low, high, ranges)
        return result
    if isinstance(expr, Piecewise):
        pieces: list[tuple[sympy.Expr, sympy.Basic]] = []
        for value, condition in expr.args:
            verdict = decide(condition, ranges)
            if verdict is True and not pieces:
                return normalize(value, ranges)
            if verdict is False:
                continue
            pieces.append((normalize(value, ranges), condition))
            if verdict is True:
                break
        if not pieces:
            return sympy.Integer(0)
        return Piecewise(*pieces)
    if isinstance(expr, KroneckerDelta):
        verdict = decide(sympy.Eq(expr.args[0], expr.args[1]), ranges)
        if verdict is not None:
            return sympy.Integer(1 if verdict else 0)
        return expr
    if isinstance(expr, sympy.Derivative):
        return expr
    args = [normalize(arg, ranges) for arg in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    return expr.func(*args)


def canonical_sums(expr: sympy.Expr) -> sympy.Expr:
    """Rename every sum's variable after the sum's nesting height, so equal sums are equal."""
    def visit(node: sympy.Basic) -> tuple[sympy.Basic, int]:
        if not isinstance(node, sympy.Basic) or node.is_Atom:
            return node, 0
        if isinstance(node, Sum):
            body, height = visit(node.function)
            new_limits = []
            for variable, low, high in node.limits:
                height += 1
                name = sympy.Symbol(f"_s{height}", integer=True)
                body = body.xreplace({variable: name})
                new_limits.append((name, low, high))
            return Sum(body, *new_limits), height
        parts = [visit(arg) for arg in node.args]
        height = max((h for _, h in parts), default=0)
        if all(new is old for (new, _), old in zip(parts, node.args)):
            return node, height
        return node.func(*[new for new, _ in parts]), height

    return visit(expr)[0]


def sums_to_symbols(expr: sympy.Basic, prefix: str, **assumptions: bool
                    ) -> tuple[sympy.Basic, dict[sympy.Basic, sympy.Symbol]]:
    """Replace each outermost sum by a symbol (equal sums by the same one).

    Returns the new expression and the table sum -> symbol.
    """
    table: dict[sympy.Basic, sympy.Symbol] = {}

    def visit(node: sympy.Basic) -> sympy.Basic:
        if isinstance(node, Sum):
            if node not in table:
                table[node] = sympy.Symbol(f"{prefix}{len(table)}", **assumptions)
            return table[node]
        if node.is_Atom or not node.args:
            return node
        args = [visit(a) for a in node.args]
        return node.func(*args) if any(a is not b for a, b in zip(args, node.args)) else node

    return visit(expr), table
