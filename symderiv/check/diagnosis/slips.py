"""The kind of slip: the first hypothesis the engine proves, else a missing term, else a delta.

A class is named only with evidence the engine checked: lhs == changed right side proved or
verified (a hypothesis, or rhs plus the single-term residual lhs − rhs); the one exception is
an equation that holds exactly on a diagonal i == j, named a dropped Kronecker delta.
"""

from __future__ import annotations

from dataclasses import dataclass

from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.hypotheses import Hypothesis, hypotheses
from symderiv.check.diagnosis.regions import Regions
from symderiv.check.diagnosis.values import residual
from symderiv.check.verdict import Counterexample
from symderiv.language import ast
from symderiv.language.parser import parse

ERROR_CLASSES = ("sign", "factor", "missing_term", "extra_term", "index_swap", "wrong_index",
                 "layout", "chain_factor", "missing_delta")


@dataclass(frozen=True, slots=True)
class Slip:
    """The error class, its evidence, and the changed right side the engine proved (if any)."""

    error_class: str | None = None
    evidence: str | None = None
    template: ast.Node | None = None
    fixed_lhs: ast.Node | None = None  # a slip on the left side: the left side to write


def classify(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
             regions: Regions, found: Counterexample | None) -> Slip:
    """The kind of slip in lhs == rhs (an empty Slip when none is shown)."""
    tried: list[Hypothesis] = budget.limited(
        lambda: hypotheses(budget.scope, budget.decider.options.prime, lhs, rhs, where,
                           regions, found), [])
    for hypothesis in tried:
        if budget.proves(hypothesis.lhs, hypothesis.rhs, where):
            if hypothesis.fixes_lhs:
                return Slip(hypothesis.error_class, hypothesis.evidence, None, hypothesis.lhs)
            return Slip(hypothesis.error_class, hypothesis.evidence, hypothesis.rhs)
    slip = _missing_term(budget, lhs, rhs, where)
    if slip is not None:
        return slip
    if regions.diagonal is not None:
        # no delta placement proved, but the exact screen says: only on the diagonal
        a, b = regions.diagonal
        return Slip("missing_delta",
                    f"holds only on the diagonal {a} == {b} (a Kronecker delta dropped?)")
    return Slip()


def _missing_term(budget: Budget, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None
                  ) -> Slip | None:
    """missing_term when lhs − rhs is a single term t and the engine shows lhs == rhs + t."""
    found = residual(budget, lhs, rhs)
    if found is None or not found[1]:
        return None
    text, _ = found
    changed = ast.BinOp(0, 0, "+", rhs, parse(text))  # printed by us: it parses
    if not budget.proves(lhs, changed, where):
        return None
    return Slip("missing_term", f"the term `{text}` is missing from the right side", changed)
