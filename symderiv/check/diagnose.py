"""Say what is wrong with a refuted equation: where it fails, what kind of slip, and the fix.

Three questions, each answered only with evidence the engine itself checked:

- where: every index assignment at every listed size is screened exactly (GF(p), as in the
  bounded layer) and grouped by the equality pattern of the free indices (i = j, i ≠ j, ...)
  and by whether a size is 1; the patterns that always hold and those that fail are named.
- what kind: each error class is a hypothesis written as a changed right side (−rhs, c·rhs,
  rhs with two indices swapped, with a delta restored, times a chain factor D(inner), with a
  term dropped or added, transposed); the class is named only if `Decider.decide` proves or
  verifies the changed equation.
- the fix: the true value of the left side, re-expressed in the spec's definitions
  (`fold`), printed in the formula language and shown only once the engine has proved or
  verified `lhs == suggestion`.
"""

from __future__ import annotations

from typing import Any

from symderiv.resolve.scope import used_names
from symderiv.check.decide import Decider
from symderiv.check.verdict import Counterexample, Diagnosis
from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.hypotheses import hypotheses
from symderiv.check.diagnosis.regions import regions as find_regions
from symderiv.check.diagnosis.edits import negate, replace_node, terms  # noqa: F401 - tests
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.language.printer import unparse


ERROR_CLASSES = ("sign", "factor", "missing_term", "extra_term", "index_swap", "layout",
                 "chain_factor", "missing_delta")




# -- the diagnosis -------------------------------------------------------------------------


class Diagnoser:
    """Diagnoses refuted equations of one decider's scope."""

    def __init__(self, decider: Decider) -> None:
        self.budget = Budget(decider)
        self.scope = self.budget.scope
        self.decider = self.budget.decider

    # -- the fix --------------------------------------------------------------------------

    def folder(self, nodes: list[ast.Node]) -> Any:
        """A Folder for the definitions these formulas use (others would surprise a reader)."""
        from symderiv.check.fold import Folder

        return Folder(self.scope, used_names(self.scope, nodes)
                      & set(self.scope.definitions))

    def true_values(self, node: ast.Node, context: tuple[ast.Node, ...] = ()) -> list[str]:
        """`node` differentiated, simplified and folded into definitions; shortest first."""
        return self.budget.limited(lambda: self._true_values(node, context), [])

    def _true_values(self, node: ast.Node, context: tuple[ast.Node, ...]) -> list[str]:
        from symderiv.resolve.symbolic import Unsupported
        from symderiv.check.fold import shortest_texts
        from symderiv.resolve.normalize import canonical_sums, normalize

        builder = self.decider.builder
        try:
            value = canonical_sums(normalize(builder.expr(node, {}), builder.ranges()))
            texts = shortest_texts(self.folder([node, *context]).fold(value), self.scope)
            texts += shortest_texts(value, self.scope)  # folding does not always shorten
        except (Unsupported, ValueError, TypeError, RecursionError, AttributeError):
            return []
        return sorted(dict.fromkeys(texts), key=len)

    def residual(self, lhs: ast.Node, rhs: ast.Node) -> tuple[str, bool] | None:
        """lhs − rhs folded and printed, and whether it is a single term."""
        return self.budget.limited(lambda: self._residual(lhs, rhs), None)

    def _residual(self, lhs: ast.Node, rhs: ast.Node) -> tuple[str, bool] | None:
        import sympy

        from symderiv.resolve.symbolic import Unsupported
        from symderiv.check.fold import Unprintable, forms, formula
        from symderiv.resolve.normalize import normalize

        builder = self.decider.builder
        try:
            value = normalize(builder.expr(lhs, {}) - builder.expr(rhs, {}), builder.ranges())
            folded = self.folder([lhs, rhs]).fold(value)
        except (Unsupported, ValueError, TypeError, RecursionError, AttributeError):
            return None
        best: tuple[str, bool] | None = None
        for form in forms(folded):
            try:
                text = formula(form, self.scope)
            except Unprintable:
                continue
            if best is None or len(text) < len(best[0]):
                best = (text, not isinstance(sympy.expand(form), sympy.Add))
        return best

    def simplified(self, node: ast.Node, where: ast.Node | None) -> ast.Node:
        """Every D(...) factor of `node` replaced by its proved simplified value."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and sub.function == "D":
                for text in self.true_values(sub)[:2]:
                    value = parse(text)
                    if "D(" not in text and self.budget.proves(sub, value, where):
                        return self.simplified(replace_node(node, sub, value), where)
        return node

    def diagnose(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                 found: Counterexample | None) -> Diagnosis:
        regions = find_regions(self.budget, lhs, rhs, where)
        error_class = evidence = None
        template: ast.Node | None = None
        tried: list[tuple[str, ast.Node, str]] = self.budget.limited(
            lambda: hypotheses(self.scope, self.decider.options.prime, lhs, rhs, where,
                               regions, found), [])
        for kind, changed, why in tried:
            if self.budget.proves(lhs, changed, where):
                error_class, evidence, template = kind, why, changed
                break
        if error_class is None:
            residual = self.residual(lhs, rhs)
            if residual is not None and residual[1]:
                text, _ = residual
                changed = ast.BinOp(0, 0, "+", rhs, parse(text))  # printed by us: it parses
                if self.budget.proves(lhs, changed, where):
                    error_class = "missing_term"
                    evidence = f"the term `{text}` is missing from the right side"
                    template = changed
        if error_class is None and regions.diagonal is not None:
            # no delta placement proved, but the exact screen says: only on the diagonal
            a, b = regions.diagonal
            error_class = "missing_delta"
            evidence = f"holds only on the diagonal {a} == {b} (a Kronecker delta dropped?)"
        options = [] if template is None else [unparse(self.simplified(template, where))]
        suggestion, verdict = self.suggest(lhs, rhs, where, options)
        return Diagnosis(regions.holds_when, regions.fails_when, error_class, evidence,
                         suggestion, verdict, unparse(lhs))

    def suggest(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None, options: list[str]
                ) -> tuple[str | None, str | None]:
        """The shortest right side the engine shows equal to lhs, as formula text."""
        # the spec's own definitions first on equal length (canonical delta order and all)
        texts = [t for t in self.true_values(lhs, (rhs,))[:3] if t not in options] + options
        for text in sorted(texts, key=len):
            try:
                parsed = parse(text)  # what is shown must read back
            except ValueError:
                continue
            verdict = self.budget.proves(lhs, parsed, where)
            if verdict is not None:
                return text, verdict
        return None, None


def diagnose(decider: Decider, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
             found: Counterexample | None) -> Diagnosis:
    """The diagnosis of a refuted equation lhs == rhs (see the module docstring)."""
    return Diagnoser(decider).diagnose(lhs, rhs, where, found)
