"""Proved corrections: the shortest right side the engine shows equal to the left side.

The candidates are the left side's true values (folded into the spec's definitions) and the
proved hypothesis with its D(...) factors simplified; each is shown only once the engine has
proved or verified `lhs == suggestion`, and only if its text parses back.
"""

from __future__ import annotations

from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.edits import replace_node
from symderiv.check.diagnosis.values import true_values
from symderiv.language import ast
from symderiv.language.parser import parse


def simplified(budget: Budget, node: ast.Node, where: ast.Node | None) -> ast.Node:
    """Every D(...) factor of `node` replaced by its proved simplified value."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and sub.function == "D":
            for text in true_values(budget, sub)[:2]:
                value = parse(text)
                if "D(" not in text and budget.proves(sub, value, where):
                    return simplified(budget, replace_node(node, sub, value), where)
    return node


def suggest(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
            options: list[str]) -> tuple[str | None, str | None]:
    """The shortest right side the engine shows equal to lhs, as formula text."""
    # the spec's own definitions first on equal length (canonical delta order and all)
    texts = [t for t in true_values(budget, lhs, (rhs,))[:3] if t not in options] + options
    for text in sorted(texts, key=len):
        try:
            parsed = parse(text)  # what is shown must read back
        except ValueError:
            continue
        verdict = budget.proves(lhs, parsed, where)
        if verdict is not None:
            return text, verdict
    return None, None
