"""The left side's true value and the residual lhs − rhs, folded into the spec's definitions.

Both are computed symbolically (sympy, through the decider's builder), re-expressed in the
definitions the formulas use (`fold`) and printed in the formula language; neither is shown
before the engine has checked it (see `slips` and `suggestions`).
"""

from __future__ import annotations

import sympy

from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.inverse import solved_forms
from symderiv.check.fold import Folder, Unprintable, formula, forms, shortest_texts
from symderiv.language import ast
from symderiv.resolve.normalize import canonical_sums, normalize
from symderiv.resolve.scope import Scope, used_names
from symderiv.resolve.symbolic import Unsupported


def folder(scope: Scope, nodes: list[ast.Node]) -> Folder:
    """A Folder for the definitions these formulas use (others would surprise a reader)."""
    return Folder(scope, used_names(scope, nodes) & set(scope.definitions))


def true_values(budget: Budget, node: ast.Node, context: tuple[ast.Node, ...] = ()
                ) -> list[str]:
    """`node` differentiated, simplified and folded into definitions; shortest first."""
    return budget.limited(lambda: _true_values(budget, node, context), [])


def _true_values(budget: Budget, node: ast.Node, context: tuple[ast.Node, ...]) -> list[str]:
    builder = budget.decider.builder
    try:
        value = canonical_sums(normalize(builder.expr(node, {}), builder.ranges()))
        folding = folder(budget.scope, [node, *context])
        folded = folding.fold(value)
        texts = shortest_texts(folded, budget.scope)
        for form in solved_forms(folded, folding.bodies):  # 1 - th^2, not exp(2 * u) ...
            texts += shortest_texts(form, budget.scope)
        texts += shortest_texts(value, budget.scope)  # folding does not always shorten
    except (Unsupported, ValueError, TypeError, RecursionError, AttributeError):
        return []
    return sorted(dict.fromkeys(texts), key=len)


def residual(budget: Budget, lhs: ast.Node, rhs: ast.Node) -> tuple[str, bool] | None:
    """lhs − rhs folded and printed, and whether it is a single term."""
    return budget.limited(lambda: _residual(budget, lhs, rhs), None)


def _residual(budget: Budget, lhs: ast.Node, rhs: ast.Node) -> tuple[str, bool] | None:
    builder = budget.decider.builder
    try:
        value = normalize(builder.expr(lhs, {}) - builder.expr(rhs, {}), builder.ranges())
        folded = folder(budget.scope, [lhs, rhs]).fold(value)
    except (Unsupported, ValueError, TypeError, RecursionError, AttributeError):
        return None
    best: tuple[str, bool] | None = None
    for form in forms(folded):
        try:
            text = formula(form, budget.scope)
        except Unprintable:
            continue
        if best is None or len(text) < len(best[0]):
            best = (text, not isinstance(sympy.expand(form), sympy.Add))
    return best
