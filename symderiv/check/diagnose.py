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

import itertools
from fractions import Fraction
from typing import Any

from symderiv.resolve.scope import free_indices, used_names
from symderiv.check import bounded
from symderiv.numbers.domains import ModularDomain, Undefined
from symderiv.check.evaluate import EvaluationError, Evaluator, Tensor
from symderiv.check.decide import Decider
from symderiv.check.verdict import Counterexample, Diagnosis
from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.regions import Regions
from symderiv.check.diagnosis.regions import regions as find_regions
from symderiv.check.diagnosis.edits import (
    delta, from_terms, name_node, negate, number_node, rebuild, replace_node, terms, times,
    value_positions,
)
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.language.printer import unparse


ERROR_CLASSES = ("sign", "factor", "missing_term", "extra_term", "index_swap", "layout",
                 "chain_factor", "missing_delta")
#: Index tuples tried per definition for a chain factor D(d[...], x).
MAX_CHAIN_CANDIDATES = 16


# -- the diagnosis -------------------------------------------------------------------------


class Diagnoser:
    """Diagnoses refuted equations of one decider's scope."""

    def __init__(self, decider: Decider) -> None:
        self.budget = Budget(decider)
        self.scope = self.budget.scope
        self.decider = self.budget.decider

    # -- what kind ------------------------------------------------------------------------

    def hypotheses(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                   regions: Regions, found: Counterexample | None
                   ) -> list[tuple[str, ast.Node, str]]:
        """(class, changed right side, evidence) in the order they are tried."""
        out: list[tuple[str, ast.Node, str]] = []
        flipped = negate(rhs)
        out.append(("sign", flipped, "the claim holds with the sign flipped: lhs = −rhs"))
        for factor, text in self.factors(lhs, rhs, found):
            out.append(("factor", times(factor, rhs),
                        f"lhs = {text}·rhs: the right side is off by a constant factor {text}"))
        free, _ = bounded.equation_space(self.scope, lhs, rhs, where)
        rhs_free = free_indices(rhs, self.scope)
        for a, b in itertools.combinations(free, 2):
            if self.scope.indices[a].size != self.scope.indices[b].size:
                continue
            if a not in rhs_free and b not in rhs_free:
                continue
            names = {a: b, b: a}

            def swap(n: ast.Node, names: dict[str, str] = names) -> ast.Node:
                return name_node(names[n.name]) if isinstance(n, ast.Name) and n.name in names else n

            swapped = rebuild(rhs, swap)
            out.append(("index_swap", swapped,
                        f"the claim holds with {a} and {b} swapped on the right side"))
        for changed in self.layouts(rhs):
            out.append(("layout", changed, "the claim holds with the other layout: "
                        f"`{unparse(changed)}` (transpose / row- vs column-major order)"))
        if regions.diagonal is not None:
            a, b = regions.diagonal
            for changed in self.deltas(rhs, a, b):
                out.append(("missing_delta", changed,
                            f"holds only on the diagonal {a} == {b}; a Kronecker delta "
                            f"delta({a}, {b}) is missing"))
        for inner in self.chain_inners(lhs, free):
            assert isinstance(lhs, ast.Call)
            factor = ast.Call(0, 0, "D", (inner, lhs.args[1]))
            out.append(("chain_factor", times(rhs, factor),
                        f"lhs = rhs·{unparse(factor)}: the chain-rule factor for the inner "
                        f"function {unparse(inner)} is missing"))
        parts = terms(rhs)
        if len(parts) > 1:
            for position, (_, term) in enumerate(parts):
                rest = parts[:position] + parts[position + 1:]
                out.append(("extra_term", from_terms(rest),
                            f"the term `{unparse(term)}` on the right side should not be there"))
        return out

    def factors(self, lhs: ast.Node, rhs: ast.Node, found: Counterexample | None
                ) -> list[tuple[ast.Node, str]]:
        """c with lhs = c·rhs at two points of the counterexample's assignment."""
        if found is None:
            return []
        from symderiv.check.refute import evaluate_at

        sizes, env = dict(found.sizes), dict(found.indices)
        ratios = []
        for shift in (Fraction(0), Fraction(1, 3)):
            values: dict[tuple[str, tuple[int, ...]], Fraction] = {}
            for name, value in found.values:
                self._flatten(name, value, (), values, shift)
            try:
                left, right = evaluate_at(self.scope, lhs, rhs, sizes, env, values, 40,
                                          found.entry or ())
            except (Undefined, EvaluationError, KeyError, ZeroDivisionError, ValueError):
                return []
            if right == 0:
                return []
            ratios.append(left / right)
        import mpmath

        if abs(ratios[0] - ratios[1]) > mpmath.mpf(10) ** -25 * max(1, abs(ratios[0])):
            return []
        exact = Fraction(mpmath.nstr(ratios[0], 35)).limit_denominator(1000)
        if abs(ratios[0] - mpmath.mpf(exact.numerator) / exact.denominator) > \
                mpmath.mpf(10) ** -25 or exact in (0, 1, -1):
            return []
        out: list[tuple[ast.Node, str]] = []
        for name, size in found.sizes:
            if exact == size:
                out.append((name_node(name), name))
            if exact == Fraction(1, size):
                out.append((ast.BinOp(0, 0, "/", number_node(Fraction(1)), name_node(name)), f"1/{name}"))
        out.append((number_node(exact), str(exact)))
        return out

    def _flatten(self, name: str, value: Any, prefix: tuple[int, ...],
                 out: dict[tuple[str, tuple[int, ...]], Fraction], shift: Fraction) -> None:
        if isinstance(value, tuple):
            for position, part in enumerate(value, start=1):
                self._flatten(name, part, prefix + (position,), out, shift)
        else:
            out[(name, prefix)] = value + shift * (len(out) % 3 + 1)

    def layouts(self, node: ast.Node) -> list[ast.Node]:
        """`node` transposed (when matrix-valued) and with flat positions in the other order."""
        out: list[ast.Node] = []
        try:
            sizes = {n: 2 for n in self.scope.sizes}
            value = Evaluator(self.scope, sizes, ModularDomain(1, self.decider.options.prime)).value(
                node, {i: 1 for i in free_indices(node, self.scope)})
            if isinstance(value, Tensor) and len(value.shape) == 2:
                out.append(node.operand if isinstance(node, ast.Transpose)
                           else ast.Transpose(0, 0, node))
        except (EvaluationError, Undefined, KeyError):
            pass
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Index):
                continue
            for position in sub.indices:
                other = self.other_major(position)
                if other is not None:
                    out.append(replace_node(node, position, other))
        return out

    def other_major(self, node: ast.Node) -> ast.Node | None:
        """(a − 1)·X + b  ->  (b − 1)·size(a) + a: the same entry in the other order."""
        if not (isinstance(node, ast.BinOp) and node.op == "+"
                and isinstance(node.left, ast.BinOp) and node.left.op == "*"
                and isinstance(node.left.left, ast.BinOp) and node.left.left.op == "-"
                and isinstance(node.left.left.left, ast.Name)
                and isinstance(node.right, ast.Name)):
            return None
        a, b = node.left.left.left.name, node.right.name
        if a not in self.scope.indices or b not in self.scope.indices:
            return None
        size_a = self.scope.indices[a].size
        one = number_node(Fraction(1))
        return ast.BinOp(0, 0, "+", times(ast.BinOp(0, 0, "-", name_node(b), one), name_node(size_a)),
                         name_node(a))

    def deltas(self, rhs: ast.Node, a: str, b: str) -> list[ast.Node]:
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

    def chain_inners(self, lhs: ast.Node, free: list[str]) -> list[ast.Node]:
        """Inner functions of lhs = D(f, x) whose derivative may be the missing factor."""
        if not (isinstance(lhs, ast.Call) and lhs.function == "D"):
            return []
        f = lhs.args[0]
        out: list[ast.Node] = []
        seen_definitions: list[str] = []
        stack = [f]
        while stack:
            for node in ast.walk(stack.pop()):
                if isinstance(node, ast.Call) and node.function in ("exp", "log", "sqrt") \
                        and not free_indices(node.args[0], self.scope) - set(free):
                    out.append(node.args[0])
                if isinstance(node, ast.Name) and node.name in self.scope.definitions \
                        and node.name not in seen_definitions:
                    seen_definitions.append(node.name)
                    stack.append(self.scope.definitions[node.name].body.node)
        for name in seen_definitions:
            definition = self.scope.definitions[name]
            if not definition.params:
                if not self.scope.shapes.get(name):
                    out.append(name_node(name))
                continue
            choices = [[i for i in free if self.scope.indices[i].size
                        == self.scope.indices[p].size] for p in definition.params]
            for index in itertools.islice(itertools.product(*choices), MAX_CHAIN_CANDIDATES):
                out.append(ast.Index(0, 0, name_node(name), tuple(name_node(i) for i in index)))
        unique: list[ast.Node] = []
        for node in out:
            if node not in unique and node != f:
                unique.append(node)
        return unique

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
        hypotheses: list[tuple[str, ast.Node, str]] = self.budget.limited(
            lambda: self.hypotheses(lhs, rhs, where, regions, found), [])
        for kind, changed, why in hypotheses:
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
