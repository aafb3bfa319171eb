"""The Diagnoser: where a refuted equation holds, the kind of slip and a proved fix, on budget.

Three questions, each answered only with evidence the engine itself checked:

- where (`regions`): the equality patterns of the free indices, and size corners (a size at
  a value, two sizes equal), where the exact screen sees the claim hold, fail, or have no
  value.
- what kind (`slips`, from `hypotheses`): each error class is a changed equation (−rhs,
  c·rhs, rhs with two indices swapped or one index written for another, with a delta
  restored, times a chain factor, with a term dropped or added, either side in the other
  layout); the class is named only if `Decider.decide` proves or verifies it.
- the fix (`suggestions`, from `values`): the true value of the left side, re-expressed in
  the spec's definitions (`fold`, `inverse`), printed in the formula language and shown only
  once the engine has proved or verified `lhs == suggestion` (for a slip on the left side,
  `fixed lhs == rhs`), and never when it restates the left side.

All three share one Budget: one check's time in all, and a bounded number of decisions.
"""

from __future__ import annotations

from symderiv.check.decide import Decider
from symderiv.check.diagnosis.budget import Budget
from symderiv.check.diagnosis.regions import regions, settled_regions
from symderiv.check.diagnosis.slips import classify
from symderiv.check.diagnosis.suggestions import simplified, suggest
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import Counterexample, Diagnosis
from symderiv.language import ast
from symderiv.language.printer import unparse


class Diagnoser:
    """Diagnoses refuted equations of one decider's scope, within one check's budget."""

    def __init__(self, decider: Decider) -> None:
        self.budget = Budget(decider)

    def diagnose(self, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
                 found: Counterexample | None, reference: bool = False) -> Diagnosis:
        """Where lhs == rhs holds, the kind of slip, and a proved right side (which may be
        lhs itself only when lhs is a `reference` to copy)."""
        budget = self.budget
        holds = regions(budget, lhs, rhs, where)
        slip = classify(budget, lhs, rhs, where, holds, found)
        if slip.fixed_lhs is not None:
            # the right side stands: the equation to write is the fixed left side == rhs
            verdict = budget.proves(slip.fixed_lhs, rhs, where)
            return Diagnosis(holds.holds_when, holds.fails_when, slip.error_class,
                             slip.evidence, unparse(rhs), verdict, unparse(lhs),
                             regions_settled=holds.settled,
                             suggested_lhs=unparse(slip.fixed_lhs),
                             undefined_when=holds.undefined_when)
        options = [] if slip.template is None \
            else [unparse(simplified(budget, slip.template, where))]
        suggestion, verdict = suggest(budget, lhs, rhs, where, options, reference)
        return Diagnosis(holds.holds_when, holds.fails_when, slip.error_class, slip.evidence,
                         suggestion, verdict, unparse(lhs), regions_settled=holds.settled,
                         undefined_when=holds.undefined_when)


def diagnose(decider: Decider, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
             found: Counterexample | None, *, reference: bool = False) -> Diagnosis:
    """The diagnosis of a refuted equation lhs == rhs (see the module docstring)."""
    return Diagnoser(decider).diagnose(lhs, rhs, where, found, reference)


#: Longest telling where a refuted inequality holds may take (or a quarter of the time limit).
INEQUALITY_SECONDS = 2.0


def inequality_regions(decider: Decider, op: str, lhs: ast.Node, rhs: ast.Node,
                       where: ast.Node | None) -> Diagnosis | None:
    """Where a refuted inequality holds (its sign shown at that size) and fails (a
    counterexample there), when every listed assignment is one or the other; else None."""
    def settle() -> Diagnosis | None:
        found = decider.inequalities().settle(op, lhs, rhs, where)
        if found.unknown:
            return None
        held = settled_regions(decider.scope, found.free, found.names, found.holding,
                               found.failing)
        if not held.holds_when and not held.fails_when:
            return None
        return Diagnosis(held.holds_when, held.fails_when, undefined_when=held.undefined_when)

    try:
        with deadline(min(INEQUALITY_SECONDS, decider.options.timeout / 4)):
            return settle()
    except CheckTimeout:
        return None
