"""The generic layer: a symbolic proof for every value of the sizes (verdict `proved`).

lhs − rhs is built with sizes as symbols, differentiated by sympy, normalised (`normalize`),
then split by the equality pattern of its free indices (i = j, i ≠ j, ...). In every pattern
the remaining sums and exponentials become independent symbols and `cancel` must give 0.
Independent symbols can only hide relations, never invent them, so a zero is a proof.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sympy
from sympy import KroneckerDelta

from symderiv.resolve import index_form
from symderiv.resolve.symbolic import Relu, Step, SympyBuilder, Unsupported
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


def label_values(builder: SympyBuilder, expr: sympy.Expr) -> list[sympy.Expr]:
    """The labels in `expr` outside any sum: a scalar label y, an entry c[s] of a vector
    label. Each is an index whose value is given, so it takes part in the equality patterns
    (c[s] = k or c[s] ≠ k) like a free index."""
    scalars = [builder.index_symbols[name] for name, label in builder.scope.labels.items()
               if not label.shape]
    entries = {entry for entry in expr.atoms(sympy.Indexed)
               if str(entry.base.label) in builder.scope.labels
               and not any(isinstance(s, sympy.Dummy) for s in entry.free_symbols)}
    return sorted([s for s in scalars if expr.has(s)], key=str) + sorted(entries, key=str)


def _consistent(partition: list[list[sympy.Expr]], mapping: dict[sympy.Expr, sympy.Expr]
                ) -> bool:
    """False when two entries of one label sit in different groups though their indices
    are equal in this pattern (a label is a function: equal indices, equal values)."""
    group_of = {member: number for number, group in enumerate(partition) for member in group}
    entries = [e for e in group_of if isinstance(e, sympy.Indexed)]
    for position, first in enumerate(entries):
        for second in entries[position + 1:]:
            if first.base == second.base and group_of[first] != group_of[second] and all(
                    sympy.expand(a.xreplace(mapping) - b.xreplace(mapping)) == 0
                    for a, b in zip(first.indices, second.indices)):
                return False
    return True


#: The most kink arguments one case splits on (2^6 regions).
MAX_KINKS = 6


def _sign(argument: sympy.Expr, signs: dict[sympy.Expr, bool]
          ) -> tuple[bool | None, sympy.Expr | None]:
    """Is `argument` positive in the region `signs` (key -> positive?): (the answer, None),
    or (None, the key whose sign is still to choose). A product's sign is its factors';
    an even power and a positive factor (exp(u), a size) are positive."""
    coefficient, factors = argument.as_coeff_mul()
    positive = bool(coefficient > 0)
    for factor in factors:
        base, exponent = factor.as_base_exp()
        if factor.is_positive or (exponent.is_integer and exponent.is_even):
            continue
        if not (exponent.is_integer and exponent.is_odd):
            base = factor  # a fractional power, or one of unknown parity (x^N): its own sign
        flipped = bool(base.could_extract_minus_sign())
        key = -base if flipped else base
        if key not in signs:
            return None, key
        positive ^= (not signs[key]) ^ flipped
    return positive, None


def by_regions(expr: sympy.Expr, zero: Callable[[sympy.Expr], bool | None],
               tidy: Callable[[sympy.Expr], sympy.Expr],
               signs: dict[sympy.Expr, bool] | None = None) -> bool | None:
    """`zero` on every region of the signs of expr's kinks: relu(u) (and abs, max, min,
    built through it) and its derivative step(u) are u or 0, 1 or 0, as u > 0 or u < 0,
    innermost kinks first, a product's sign from its factors'. None unless every region's
    branch is zero (True: one of them needed `zero`'s second attempt). A branch identity
    holds in its open region (an empty region only costs a proof, never makes one); the
    regions' union is dense, and where both sides are defined on a boundary they are
    continuous there (step(u) is undefined at u = 0), so the claim holds wherever defined.
    `tidy` normalises each branch."""
    signs = signs or {}
    found = sorted((k for k in expr.atoms(Relu, Step) if not k.args[0].has(Relu, Step)),
                   key=sympy.default_sort_key)
    if not found:
        return zero(expr)
    bound = {limit[0] for total in expr.atoms(sympy.Sum) for limit in total.limits}
    if any(kink.args[0].free_symbols & bound or kink.args[0].has(sympy.Dummy)
           for kink in found):
        # a kink of a sum's variable has a sign per term: one sign for all would cover only
        # the regions where every term has it (the bounded layer enumerates the terms)
        return None
    known: dict[sympy.Basic, bool] = {}
    for kink in found:
        positive, key = _sign(kink.args[0], signs)
        if key is not None:
            if len(signs) >= MAX_KINKS:
                return None
            results = [by_regions(expr, zero, tidy, {**signs, key: value})
                       for value in (True, False)]
            return None if None in results else any(results)
        known[kink] = bool(positive)

    def branch(kink: sympy.Basic) -> sympy.Basic:
        if kink not in known:
            return kink
        if isinstance(kink, Relu):
            return kink.args[0] if known[kink] else sympy.Integer(0)
        return sympy.Integer(1 if known[kink] else 0)

    case = tidy(expr.replace(lambda e: isinstance(e, Relu | Step), branch))
    return by_regions(case, zero, tidy, signs)


def _zero(case: sympy.Expr, ranges: dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]]
          ) -> bool | None:
    """False: `case` is 0; True: 0 once the logs of positive arguments are split
    (check/positivity.py, the second attempt); None: not shown to be 0."""
    if is_zero(case):
        return False
    split = canonical_sums(normalize(expand_logs(case, ranges), ranges))
    if split == case or not is_zero(split):
        return None
    return True


def index_cases(builder: SympyBuilder, difference: sympy.Expr, where: ast.Node | None,
                free: list[str], ranges: Ranges,
                sizes: dict[sympy.Basic, sympy.Basic] | None = None
                ) -> Iterator[tuple[str, sympy.Expr]]:
    """`difference` in each equality pattern of the free indices it has that `where` allows
    (i = j, i ≠ j, ...), normalised: each with the pattern's text ('' for a single index).
    `sizes`: the sizes written in other terms in `difference` and `ranges` (N = M + 1)."""
    symbols = [builder.index_symbols[name] for name in free]
    where_condition = condition(builder, where).xreplace(sizes or {}) \
        if where is not None else None
    return _cases(builder, difference, where_condition, symbols, ranges)


def _cases(builder: SympyBuilder, difference: sympy.Expr, where_condition: sympy.Basic | None,
           symbols: list[sympy.Symbol], ranges: Ranges) -> Iterator[tuple[str, sympy.Expr]]:
    """`index_cases` for free index symbols and a `where` already in sympy."""
    symbols = sorted(symbols, key=str)
    present = [s for s in symbols if difference.has(s)] + label_values(builder, difference)
    for partition in partitions(present):
        mapping = {member: group[0] for group in partition for member in group}
        representatives = {group[0] for group in partition}
        if not _consistent(partition, mapping):
            continue  # c[s] ≠ c[t] where s = t: no assignment has this pattern
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
        return builder, builder.formula(lhs), builder.formula(rhs), symbols, ""
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
    cases = []
    logs_split = False
    for description, case in _cases(builder, difference, where_condition, symbols, ranges):
        # every region of the kinks' signs (relu, abs, max, min), then the logs split
        zero = by_regions(case, lambda branch: _zero(branch, ranges),
                          lambda branch: canonical_sums(normalize(branch, ranges)))
        if zero is None:
            return None
        logs_split = logs_split or zero
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
    if difference.has(Relu, Step):
        proof.append(ProofStep("in every region of the signs of the arguments of relu, abs, "
                               "max and min (each a polynomial branch)", sympy.Integer(0)))
    proof.append(ProofStep("left − right", sympy.Integer(0)))
    return Outcome(Verdict.PROVED, "generic", message, proof=tuple(proof))
