"""Proved corrections: the shortest right side the engine shows equal to the left side.

The candidates are the left side's true values (folded into the spec's definitions, and
solved for them: `1 - th^2`) and the proved hypothesis with its D(...) factors simplified;
shortest first and, on equal length, the one closest to the claim's own vocabulary. A
candidate that restates the left side (`th == th`) is never offered; each is shown only once
the engine has proved or verified `lhs == suggestion`, and only if its text parses back.
"""

from __future__ import annotations

from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.edits import replace_node
from symderiv.check.diagnosis.values import true_values
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.resolve.scope import used_names
from symderiv.resolve.symbolic import SympyBuilder, Unsupported


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
            options: list[str], reference: bool = False) -> tuple[str | None, str | None]:
    """The shortest right side the engine shows equal to lhs, as formula text (never a
    restatement of lhs, unless lhs is a `reference` to copy)."""
    # the spec's own definitions first on equal length (canonical delta order and all)
    texts = [t for t in true_values(budget, lhs, (rhs,))[:4] if t not in options] + options
    vocabulary = used_names(budget.scope, [rhs])
    restating = Restating(budget, lhs)
    for text in sorted(texts, key=lambda t: (len(t), _strangers(budget, t, vocabulary))):
        try:
            parsed = parse(text)  # what is shown must read back
        except ValueError:
            continue
        if not reference and restating(parsed):
            continue
        verdict = budget.proves(lhs, parsed, where)
        if verdict is not None:
            return text, verdict
    return None, None


def _strangers(budget: Budget, text: str, vocabulary: set[str]) -> int:
    """How many names `text` uses that the claim's right side does not."""
    try:
        return len(used_names(budget.scope, [parse(text)]) - vocabulary)
    except ValueError:
        return 0


class Restating:
    """Whether a candidate right side merely restates the left side: the same expression
    with definitions kept as names (`log(z^2) + delta(i, j)` for `delta(i, j) + log(z^2)`),
    or, for a left side that differentiates nothing, with them expanded. A left side that is
    one name or entry (`th`, `S[i]`) has nothing to work out, so every candidate restates it
    (unless its definition differentiates: `Dg[t, c]` of `Dg: jacobian(g, A)`)."""

    def __init__(self, budget: Budget, lhs: ast.Node) -> None:
        self.lhs = lhs
        base = lhs.base if isinstance(lhs, ast.Index) else lhs
        computes = _computes(budget, lhs)
        self.bare = isinstance(base, ast.Name) and not computes
        self.builders = [SympyBuilder(budget.scope, folded=True)]
        if not computes:
            self.builders.append(budget.decider.builder)

    def __call__(self, candidate: ast.Node) -> bool:
        if self.bare:
            return True
        for builder in self.builders:
            try:
                if builder.expr(candidate, {}) == builder.expr(self.lhs, {}):
                    return True
            except (Unsupported, ValueError, TypeError, RecursionError, AttributeError):
                continue
        return False


def _computes(budget: Budget, node: ast.Node) -> bool:
    """Does `node`, or a definition it uses, differentiate anything?"""
    definitions = budget.scope.definitions
    bodies = [definitions[name].body.node
              for name in used_names(budget.scope, [node]) & set(definitions)]
    return any(isinstance(n, ast.Call) and n.function in ("D", "jacobian")
               for part in [node, *bodies] for n in ast.walk(part))
