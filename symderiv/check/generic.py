"""The generic layer: a symbolic proof for every value of the sizes (verdict `proved`).

lhs − rhs is built with sizes as symbols, differentiated by sympy, normalised (`normalize`),
then split by the equality pattern of its free indices (i = j, i ≠ j, ...). In every pattern
the remaining sums and exponentials become independent symbols and `cancel` must give 0.
Independent symbols can only hide relations, never invent them, so a zero is a proof.
"""

from __future__ import annotations

from collections.abc import Iterator

import sympy
from sympy import KroneckerDelta

from symderiv.resolve import index_form
from symderiv.resolve.symbolic import SympyBuilder, Unsupported
from symderiv.resolve.normalize import (Ranges, canonical_sums, decide, normalize,
                                        sums_to_symbols)
from symderiv.check.positivity import expand_logs
from symderiv.check.verdict import Outcome, ProofStep, Verdict
from symderiv.language import ast


def partitions(items: list[sympy.Symbol]) -> Iterator[list[list[sympy.Symbol]]]:
    """Every set partition of `items` (the equality patterns of the indices)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in partitions(rest):
        yield [[first], *partition]
        for position in range(len(partition)):
            yield [*partition[:position], [first, *partition[position]], *partition[position + 1:]]


def condition(builder: SympyBuilder, node: ast.Node) -> sympy.Basic:
    """A `where` formula as a sympy boolean."""
    if isinstance(node, ast.BoolOp):
        left = condition(builder, node.left)
        if node.op == "not":
            return sympy.Not(left)
        assert node.right is not None
        right = condition(builder, node.right)
        return sympy.And(left, right) if node.op == "and" else sympy.Or(left, right)
    assert isinstance(node, ast.Compare)
    left, right = builder.expr(node.left, {}), builder.expr(node.right, {})
    relation = {"==": sympy.Eq, "!=": sympy.Ne, "<": sympy.Lt, "<=": sympy.Le,
                ">": sympy.Gt, ">=": sympy.Ge}[node.op]
    return relation(left, right, evaluate=False)


def describe_pattern(partition: list[list[sympy.Symbol]]) -> str:
    """'i = j; i ≠ y' for the partition {i, j}, {y}."""
    text = [" = ".join(sorted(map(str, group))) for group in partition if len(group) > 1]
    representatives = sorted(str(group[0]) for group in partition)
    if len(representatives) == 2:
        text.append(" ≠ ".join(representatives))
    elif len(representatives) > 2:
        text.append("pairwise different: " + ", ".join(representatives))
    return "; ".join(text)


def _atomise(expr: sympy.Expr) -> sympy.Expr:
    """Sums -> symbols, exp(c·u + ...) -> E_u^c: a rational function for `cancel`."""
    expr, _ = sums_to_symbols(expr, "_sigma", real=True)
    exponentials: dict[sympy.Basic, sympy.Symbol] = {}

    def split_exp(node: sympy.Basic) -> sympy.Basic:
        if node.is_Atom or not node.args:
            return node
        args = [split_exp(a) for a in node.args]
        node = node.func(*args) if any(a is not b for a, b in zip(args, node.args)) else node
        if isinstance(node, sympy.exp):
            product: sympy.Expr = sympy.Integer(1)
            for term in sympy.Add.make_args(sympy.expand(node.args[0])):
                coefficient, rest = term.as_coeff_Mul()
                if not coefficient.is_Integer:
                    coefficient, rest = sympy.Integer(1), term
                if rest == 1:
                    product *= sympy.exp(coefficient)
                    continue
                if rest not in exponentials:
                    exponentials[rest] = sympy.Symbol(f"_E{len(exponentials)}", positive=True)
                product *= exponentials[rest] ** coefficient
            return product
        return node

    return split_exp(expr)


def is_zero(expr: sympy.Expr) -> bool:
    """A sound zero test: True only if expr is identically 0."""
    if expr == 0:
        return True
    atomised = _atomise(expr)
    if sympy.cancel(sympy.together(atomised)) == 0:
        return True
    return bool(sympy.simplify(atomised) == 0)


def sides(builder: SympyBuilder, lhs: ast.Node, rhs: ast.Node, free: list[str]
          ) -> tuple[SympyBuilder, sympy.Expr, sympy.Expr, list[sympy.Symbol], str]:
    """Both sides in sympy with the free index symbols, and the entry they stand for.

    A whole-matrix equation becomes one entry-wise equation over fresh free indices
    (`resolve.index_form`): `jacobian(S, a) == diag(S) - S @ S.T` is its entry [r, c] for
    every r and c; the builder returned knows their ranges.

    Raises:
        Unsupported: a side the generic layer cannot build (or axes that agree only at some
            sizes: the bounded layer decides those).
    """
    scope = builder.scope
    symbols = [builder.index_symbols[name] for name in free]
    value_axes, right_axes = index_form.axes(scope, lhs), index_form.axes(scope, rhs)
    if not index_form.same_axes(value_axes, right_axes):
        raise Unsupported("the sides' axes agree only at some sizes")
    value_axes = value_axes if value_axes is not None else right_axes
    if value_axes is None:
        return builder, builder.expr(lhs, {}), builder.expr(rhs, {}), symbols, ""
    taken = set(scope.indices) | set(scope.sizes) | set(scope.symbols) | set(scope.definitions)
    position, ranges = index_form.fresh_position(value_axes, taken)
    builder = builder.with_ranges(ranges)
    left = index_form.entry(builder, lhs, position, {})
    right = index_form.entry(builder, rhs, position, {})
    return (builder, left, right, symbols + list(ranges),
            index_form.describe(position, value_axes))


def prove(builder: SympyBuilder, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
          free: list[str]) -> Outcome | None:
    """Try to prove lhs == rhs for all sizes. None when this layer cannot decide."""
    try:
        builder, left, right, symbols, entry = sides(builder, lhs, rhs, free)
    except Unsupported:
        return None
    where_condition = condition(builder, where) if where is not None else None
    if where_condition is not None:
        builder = builder.with_ranges(where_ranges(where_condition, builder.ranges()))
    message = "proved for all sizes (symbolic, sympy" + (
        f"; entry-wise in index notation: entry {entry} for every value of its indices)"
        if entry else ")")
    return prove_values(builder, left, right, where_condition, symbols, entry, message)


def where_ranges(where_condition: sympy.Basic, ranges: Ranges) -> Ranges:
    """The ranges of the indices that `where` bounds (`i >= 2`: i runs over 2..size).

    Only bounds of one index by an expression free of it, in a top-level conjunction, and
    only where the bound provably tightens the range: the claim need only hold there, and
    every range given is a superset of the indices' values under `where`.
    """
    tightened: Ranges = {}
    for relation in sympy.And.make_args(where_condition):
        if not isinstance(relation, sympy.Ge | sympy.Gt | sympy.Le | sympy.Lt):
            continue
        for index, bound, lower in ((relation.lhs, relation.rhs, isinstance(
                relation, sympy.Ge | sympy.Gt)), (relation.rhs, relation.lhs, isinstance(
                relation, sympy.Le | sympy.Lt))):
            if index not in ranges or index in bound.free_symbols:
                continue
            strict = isinstance(relation, sympy.Gt | sympy.Lt)
            low, high = tightened.get(index, ranges[index])
            if lower:
                bound = bound + 1 if strict else bound
                if decide(sympy.Ge(bound, low), ranges) is True:
                    low = bound
            else:
                bound = bound - 1 if strict else bound
                if decide(sympy.Le(bound, high), ranges) is True:
                    high = bound
            tightened[index] = (low, high)
    return tightened


def prove_values(builder: SympyBuilder, left: sympy.Expr, right: sympy.Expr,
                 where_condition: sympy.Basic | None, symbols: list[sympy.Symbol],
                 entry: str = "", message: str = "proved for all sizes (symbolic, sympy)"
                 ) -> Outcome | None:
    """Try to prove left == right (sympy values) for every value of the free index
    `symbols` satisfying `where_condition`, at every size; `entry`: the entry of
    whole-matrix sides the values stand for ('[r, c]'), for the proof's labels."""
    if left.has(sympy.Derivative) or right.has(sympy.Derivative):
        return None  # sympy could not differentiate: no proof here
    ranges = builder.ranges()
    difference = canonical_sums(normalize(left - right, ranges))
    of = f", entry {entry}" if entry else ""
    proof = [ProofStep(f"left side{of}", canonical_sums(left)),
             ProofStep(f"right side{of}", canonical_sums(right))]
    symbols = sorted(symbols, key=str)
    present = [s for s in symbols if difference.has(s)]
    cases = []
    logs_split = False
    for partition in partitions(present):
        mapping = {member: group[0] for group in partition for member in group}
        representatives = {group[0] for group in partition}
        if where_condition is not None:
            local = where_condition.xreplace(mapping)
            local = local.replace(
                lambda e: isinstance(e, sympy.Eq | sympy.Ne) and e.lhs in representatives
                and e.rhs in representatives and e.lhs != e.rhs,
                lambda e: sympy.false if isinstance(e, sympy.Eq) else sympy.true)
            if decide(local, ranges) is False:
                continue
        case = difference.xreplace(mapping)
        case = case.replace(
            lambda e: isinstance(e, KroneckerDelta) and e.args[0] in representatives
            and e.args[1] in representatives and e.args[0] != e.args[1],
            lambda e: sympy.Integer(0))
        case = canonical_sums(normalize(case, ranges))
        if not is_zero(case):
            # the second attempt: logs of positive arguments split (check/positivity.py)
            split = canonical_sums(normalize(expand_logs(case, ranges), ranges))
            if split == case or not is_zero(split):
                return None
            logs_split = True
        cases.append(describe_pattern(partition) if len(present) > 1 else "")
    if logs_split:  # each side with the logs of its positive arguments split
        for side, value in (("left", left), ("right", right)):
            split_side = canonical_sums(normalize(expand_logs(value, ranges), ranges))
            if split_side != canonical_sums(value):
                proof.append(ProofStep(
                    f"{side} side, logs of positive arguments split (log(ab) = log a + log b,"
                    " log(a/b) = log a − log b, log(e^u) = u)", split_side))
    if len(present) > 1:
        proof.append(ProofStep("cases: " + " | ".join(cases), sympy.Integer(0)))
    proof.append(ProofStep("left − right", sympy.Integer(0)))
    return Outcome(Verdict.PROVED, "generic", message, proof=tuple(proof))
