"""The hypotheses: each error class written as a changed right side, with its evidence text.

−rhs, c·rhs, rhs with two indices swapped, in the other layout, with a delta restored, times
a chain factor D(inner), with a term dropped. A hypothesis names its class only once the
engine proves or verifies lhs == changed (see `slips`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from symderiv.check import bounded
from symderiv.check.diagnosis.chain import chain_inners
from symderiv.check.diagnosis.edits import (
    delta, from_terms, name_node, negate, rebuild, replace_node, terms, times, value_positions,
)
from symderiv.check.diagnosis.factors import factors
from symderiv.check.diagnosis.layouts import layouts
from symderiv.check.diagnosis.regions import Regions
from symderiv.check.verdict import Counterexample
from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.resolve.scope import Scope, free_indices

#: (error class, changed right side, evidence).
Hypothesis = tuple[str, ast.Node, str]


def hypotheses(scope: Scope, prime: int, lhs: ast.Node, rhs: ast.Node,
               where: ast.Node | None, regions: Regions, found: Counterexample | None
               ) -> list[Hypothesis]:
    """(class, changed right side, evidence) in the order they are tried."""
    out: list[Hypothesis] = []
    flipped = negate(rhs)
    out.append(("sign", flipped, "the claim holds with the sign flipped: lhs = −rhs"))
    for factor, text in factors(scope, lhs, rhs, found):
        out.append(("factor", times(factor, rhs),
                    f"lhs = {text}·rhs: the right side is off by a constant factor {text}"))
    free, _ = bounded.equation_space(scope, lhs, rhs, where)
    out += _index_swaps(scope, rhs, free)
    for changed in layouts(scope, prime, rhs):
        out.append(("layout", changed, "the claim holds with the other layout: "
                    f"`{unparse(changed)}` (transpose / row- vs column-major order)"))
    if regions.diagonal is not None:
        a, b = regions.diagonal
        for changed in deltas(rhs, a, b):
            out.append(("missing_delta", changed,
                        f"holds only on the diagonal {a} == {b}; a Kronecker delta "
                        f"delta({a}, {b}) is missing"))
    for inner in chain_inners(scope, lhs, free):
        assert isinstance(lhs, ast.Call)
        factor = ast.Call(0, 0, "D", (inner, lhs.args[1]))
        out.append(("chain_factor", times(rhs, factor),
                    f"lhs = rhs·{unparse(factor)}: the chain-rule factor for the inner "
                    f"function {unparse(inner)} is missing"))
    out += _extra_terms(rhs)
    return out


def _index_swaps(scope: Scope, rhs: ast.Node, free: list[str]) -> list[Hypothesis]:
    """rhs with two same-size free indices (one at least in rhs) swapped."""
    out: list[Hypothesis] = []
    rhs_free = free_indices(rhs, scope)
    for a, b in itertools.combinations(free, 2):
        if scope.indices[a].size != scope.indices[b].size:
            continue
        if a not in rhs_free and b not in rhs_free:
            continue
        swapped = rebuild(rhs, _swapper({a: b, b: a}))
        out.append(("index_swap", swapped,
                    f"the claim holds with {a} and {b} swapped on the right side"))
    return out


def _swapper(names: dict[str, str]) -> Callable[[ast.Node], ast.Node]:
    """A rebuild step renaming the indices in `names`."""
    def swap(n: ast.Node) -> ast.Node:
        return name_node(names[n.name]) if isinstance(n, ast.Name) and n.name in names else n
    return swap


def deltas(rhs: ast.Node, a: str, b: str) -> list[ast.Node]:
    """rhs with delta(a, b) in place of a 1, or multiplying one term."""
    out = []
    for node in value_positions(rhs):
        if isinstance(node, ast.Number) and node.value == 1:
            out.append(replace_node(rhs, node, delta(a, b)))
    parts = terms(rhs)
    for position, (sign, term) in enumerate(parts):
        changed = list(parts)
        changed[position] = (sign, times(delta(a, b), term))
        out.append(from_terms(changed))
    if len(parts) > 1:
        out.append(times(delta(a, b), rhs))
    return out


def _extra_terms(rhs: ast.Node) -> list[Hypothesis]:
    """rhs with one of its terms dropped (when it has several)."""
    out: list[Hypothesis] = []
    parts = terms(rhs)
    if len(parts) > 1:
        for position, (_, term) in enumerate(parts):
            rest = parts[:position] + parts[position + 1:]
            out.append(("extra_term", from_terms(rest),
                        f"the term `{unparse(term)}` on the right side should not be there"))
    return out
