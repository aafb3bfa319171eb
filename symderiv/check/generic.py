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


def cancels(expr: sympy.Expr) -> bool:
    """The quick sound zero test: expr is 0 as a rational function of its sums and
    exponentials (independent symbols)."""
    return bool(expr == 0 or sympy.cancel(sympy.together(_atomise(expr))) == 0)


def is_zero(expr: sympy.Expr) -> bool:
    """A sound zero test: True only if expr is identically 0."""
    if cancels(expr):
        return True
    return bool(sympy.simplify(_atomise(expr)) == 0)


def index_cases(builder: SympyBuilder, difference: sympy.Expr, where: ast.Node | None,
                free: list[str], ranges: Ranges,
                sizes: dict[sympy.Basic, sympy.Basic] | None = None
                ) -> Iterator[tuple[str, sympy.Expr]]:
    """`difference` in each equality pattern of the free indices it has that `where` allows
    (i = j, i ≠ j, ...), normalised: each with the pattern's text ('' for a single index).
    `sizes`: the sizes written in other terms in `difference` and `ranges` (N = M + 1)."""
    symbols = sorted((builder.index_symbols[name] for name in free), key=str)
    present = [s for s in symbols if difference.has(s)]
    where_condition = condition(builder, where).xreplace(sizes or {}) \
        if where is not None else None
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
        yield (describe_pattern(partition) if len(present) > 1 else "",
               canonical_sums(normalize(case, ranges)))


def prove(builder: SympyBuilder, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
          free: list[str]) -> Outcome | None:
    """Try to prove lhs == rhs for all sizes. None when this layer cannot decide."""
    try:
        left = builder.formula(lhs)
        right = builder.formula(rhs)
    except Unsupported:
        return None
    if left.has(sympy.Derivative) or right.has(sympy.Derivative):
        return None  # sympy could not differentiate: no proof here
    ranges = builder.ranges()
    difference = canonical_sums(normalize(left - right, ranges))
    proof = [ProofStep("left side", canonical_sums(left)),
             ProofStep("right side", canonical_sums(right))]
    cases = []
    logs_split = False
    for description, case in index_cases(builder, difference, where, free, ranges):
        if not is_zero(case):
            # the second attempt: logs of positive arguments split (check/positivity.py)
            split = canonical_sums(normalize(expand_logs(case, ranges), ranges))
            if split == case or not is_zero(split):
                return None
            logs_split = True
        cases.append(description)
    if logs_split:  # each side with the logs of its positive arguments split
        for side, value in (("left", left), ("right", right)):
            split_side = canonical_sums(normalize(expand_logs(value, ranges), ranges))
            if split_side != canonical_sums(value):
                proof.append(ProofStep(
                    f"{side} side, logs of positive arguments split (log(ab) = log a + log b,"
                    " log(a/b) = log a − log b, log(e^u) = u)", split_side))
    if any(cases):
        proof.append(ProofStep("cases: " + " | ".join(cases), sympy.Integer(0)))
    proof.append(ProofStep("left − right", sympy.Integer(0)))
    return Outcome(Verdict.PROVED, "generic",
                   "proved for all sizes (symbolic, sympy)", proof=tuple(proof))
