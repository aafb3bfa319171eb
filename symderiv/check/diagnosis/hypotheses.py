"""The hypotheses: each error class written as a changed equation, with its evidence text.

−rhs, c·rhs, rhs with two indices swapped, one index written for another, either side in the
other layout, with a delta restored, times a chain factor (D(inner), or a definition's own
derivative such as 1 - h[i]^2), with a term dropped. A
hypothesis names its class only once the engine proves or verifies the changed equation
(see `slips`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from symderiv.check import bounded
from symderiv.check.diagnosis.chain import chain_inners, definition_derivatives
from symderiv.check.diagnosis.edits import (
    delta, from_terms, name_node, negate, rebuild, replace_node, substituting, terms, times,
    value_positions,
)
from symderiv.check.diagnosis.factors import factors
from symderiv.check.diagnosis.layouts import layouts
from symderiv.check.diagnosis.regions import Regions
from symderiv.check.verdict import Counterexample
from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.resolve.scope import Scope, free_indices


#: At most this many one-index replacements are tried (a long right side has many).
MAX_WRONG_INDICES = 12


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """An error class as a changed equation `lhs == rhs`, and the evidence text it earns."""

    error_class: str
    lhs: ast.Node
    rhs: ast.Node
    evidence: str
    fixes_lhs: bool = False  # the slip is on the left side (the right side stands)


def hypotheses(scope: Scope, prime: int, lhs: ast.Node, rhs: ast.Node,
               where: ast.Node | None, regions: Regions, found: Counterexample | None
               ) -> list[Hypothesis]:
    """The changed equations in the order they are tried."""
    out: list[Hypothesis] = []

    def right(error_class: str, changed: ast.Node, evidence: str) -> None:
        out.append(Hypothesis(error_class, lhs, changed, evidence))

    right("sign", negate(rhs), "the claim holds with the sign flipped: lhs = −rhs")
    for factor, text in factors(scope, lhs, rhs, found):
        right("factor", times(factor, rhs),
              f"lhs = {text}·rhs: the right side is off by a constant factor {text}")
    free, _ = bounded.equation_space(scope, lhs, rhs, where)
    for kind, changed, why in _index_swaps(scope, rhs, free) + _wrong_indices(scope, rhs, free):
        right(kind, changed, why)
    for changed in layouts(scope, prime, rhs):
        right("layout", changed, "the claim holds with the other layout: "
              f"`{unparse(changed)}` (transpose / row- vs column-major order)")
    for changed in layouts(scope, prime, lhs):
        out.append(Hypothesis("layout", changed, rhs, "the claim holds with the other layout "
                              f"on the left: `{unparse(changed)}` (transpose / row- vs "
                              "column-major order)", fixes_lhs=True))
    if regions.diagonal is not None:
        a, b = regions.diagonal
        for changed in deltas(rhs, a, b):
            right("missing_delta", changed,
                  f"holds only on the diagonal {a} == {b}; a Kronecker delta "
                  f"delta({a}, {b}) is missing")
    for inner in chain_inners(scope, lhs, free):
        assert isinstance(lhs, ast.Call)
        factor = ast.Call(0, 0, "D", (inner, lhs.args[1]))
        right("chain_factor", times(rhs, factor),
              f"lhs = rhs·{unparse(factor)}: the chain-rule factor for the inner "
              f"function {unparse(inner)} is missing")
    for derivative, outer, by in definition_derivatives(scope, lhs):
        right("chain_factor", times(rhs, derivative),
              f"lhs = rhs·({unparse(derivative)}): the chain-rule factor for {outer}, its "
              f"derivative by {by}, is missing")
    for kind, changed, why in _extra_terms(rhs):
        right(kind, changed, why)
    return out


#: (error class, changed right side, evidence).
Change = tuple[str, ast.Node, str]


def _index_swaps(scope: Scope, rhs: ast.Node, free: list[str]) -> list[Change]:
    """rhs with two same-size free indices (one at least in rhs) swapped."""
    out: list[Change] = []
    rhs_free = free_indices(rhs, scope)
    for a, b in itertools.combinations(free, 2):
        if scope.indices[a].size != scope.indices[b].size:
            continue
        if a not in rhs_free and b not in rhs_free:
            continue
        swapped = rebuild(rhs, substituting({a: name_node(b), b: name_node(a)}))
        out.append(("index_swap", swapped,
                    f"the claim holds with {a} and {b} swapped on the right side"))
    return out


def _wrong_indices(scope: Scope, rhs: ast.Node, free: list[str]) -> list[Change]:
    """rhs with one index position of one entry (`x[i]`) holding another same-size free
    index (`x[j]`): the slip that agrees with the claim on the diagonal i == j."""
    out: list[Change] = []
    for entry in ast.walk(rhs):
        if not isinstance(entry, ast.Index):
            continue
        for position in entry.indices:
            if not (isinstance(position, ast.Name) and position.name in free):
                continue
            for other in free:
                if other == position.name \
                        or scope.indices[other].size != scope.indices[position.name].size:
                    continue
                fixed = replace_node(entry, position, name_node(other))
                out.append(("wrong_index", replace_node(rhs, entry, fixed),
                            f"the claim holds with `{unparse(fixed)}` in place of "
                            f"`{unparse(entry)}` on the right side"))
                if len(out) >= MAX_WRONG_INDICES:  # leave time for the classes after it
                    return out
    return out


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


def _extra_terms(rhs: ast.Node) -> list[Change]:
    """rhs with one of its terms dropped (when it has several)."""
    out: list[Change] = []
    parts = terms(rhs)
    if len(parts) > 1:
        for position, (_, term) in enumerate(parts):
            rest = parts[:position] + parts[position + 1:]
            out.append(("extra_term", from_terms(rest),
                        f"the term `{unparse(term)}` on the right side should not be there"))
    return out
