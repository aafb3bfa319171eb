"""The checks of claims and derivations: each equation handed to the decider, a refuted one
to the diagnosis."""

from __future__ import annotations

import time
from dataclasses import replace

from symderiv.check.decide import Decider
from symderiv.check.diagnosis import diagnose, inequality_regions
from symderiv.check.proof.checked import record
from symderiv.check.verdict import CheckResult, Diagnosis, Outcome, StepResult, Verdict, weakest
from symderiv.language import ast
from symderiv.load.model import Claim, Derivation
from symderiv.options import Expect, Kind


def diagnosed(decider: Decider, lhs: ast.Node, rhs: ast.Node, where: ast.Node | None,
              outcome: Outcome, *, reference: bool = False) -> Outcome:
    """`outcome` with what is wrong and how to fix it, for refuted equations only.

    `reference`: lhs is a formula to copy (a claim's typed side under its LaTeX), so the
    suggestion may be lhs itself.

    The diagnosis explains a verdict and never changes it: should it fail, the refuted
    outcome stands, with the diagnosis omitted and a warning that says so.
    """
    if outcome.verdict != Verdict.REFUTED or not decider.options.diagnose:
        return outcome
    try:
        found = diagnose(decider, lhs, rhs, where, outcome.counterexample,
                         reference=reference)
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the verdict stands
        return replace(outcome, warnings=outcome.warnings + (
            f"diagnosis omitted: it failed ({type(error).__name__}: {error}); the verdict "
            "stands",))
    return replace(outcome, diagnosis=found)


def diagnosed_inequality(decider: Decider, op: str, lhs: ast.Node, rhs: ast.Node,
                         where: ast.Node | None, outcome: Outcome) -> Outcome:
    """A refuted inequality with where it holds and where it fails (when that is settled);
    like `diagnosed`, it never changes the verdict."""
    if outcome.verdict != Verdict.REFUTED or not decider.options.diagnose:
        return outcome
    try:
        found = inequality_regions(decider, op, lhs, rhs, where)
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the verdict stands
        return replace(outcome, warnings=outcome.warnings + (
            f"diagnosis omitted: it failed ({type(error).__name__}: {error}); the verdict "
            "stands",))
    return replace(outcome, diagnosis=found)


def check_claim(decider: Decider, claim: Claim) -> CheckResult:
    """The verdict on one claim `lhs == rhs` (where its `where` holds)."""
    started = time.perf_counter()
    assert claim.claim is not None
    node = claim.claim.node
    assert isinstance(node, ast.Compare)
    where = claim.where.node if claim.where is not None else None
    if node.op == "==":
        outcome = diagnosed(decider, node.left, node.right, where,
                            decider.decide(node.left, node.right, where))
    else:
        outcome = diagnosed_inequality(decider, node.op, node.left, node.right, where,
                                       decider.decide_inequality(node.op, node.left,
                                                                 node.right, where))
    proof, note = outcome.proof, ""
    # a recorded chain of equalities: for equations only (an inequality's proof is its sign)
    if (node.op == "==" and outcome.verdict in (Verdict.PROVED, Verdict.VERIFIED)
            and decider.options.proofs):
        recorded = record(decider, node.left, node.right, where, outcome.verdict)
        proof, note = (recorded.steps, "") if recorded.steps else (proof, recorded.why)
    return CheckResult(
        id=claim.id, kind=Kind.CLAIM, verdict=outcome.verdict, expect=Expect(claim.expect),
        message=outcome.message, location=claim.location, method=outcome.method,
        seconds=time.perf_counter() - started, counterexample=outcome.counterexample,
        proof=proof, warnings=outcome.warnings, details=outcome.details,
        diagnosis=outcome.diagnosis, proof_note=note,
    )


def check_derivation(decider: Decider, derivation: Derivation) -> CheckResult:
    """Every step against the one before; the verdict of the weakest step."""
    started = time.perf_counter()
    where = derivation.where.node if derivation.where is not None else None
    steps: list[StepResult] = []
    for number in range(1, len(derivation.steps)):
        before, after = derivation.steps[number - 1], derivation.steps[number]
        outcome = decider.decide(before.formula.node, after.formula.node, where)
        if not steps or all(s.verdict.holds for s in steps):
            # the first broken step only: later ones are judged against a wrong start
            outcome = diagnosed(decider, before.formula.node, after.formula.node, where,
                                outcome)
        steps.append(StepResult(number + 1, outcome.verdict, after.by, Expect.HOLDS, outcome,
                                after.formula.location))
    verdict = weakest([s.verdict for s in steps])
    broken = [s for s in steps if not s.verdict.holds]
    if broken:
        first = broken[0]
        by = f" ({first.by})" if first.by else ""
        message = f"step {first.step}{by} is {first.verdict.value}: {first.outcome.message}"
    else:
        message = f"all {len(steps)} steps hold"
    counterexample = broken[0].outcome.counterexample if broken else None
    found = None
    if broken and broken[0].outcome.diagnosis is not None:
        found = _final(decider, derivation, broken[0], broken[0].outcome.diagnosis, where)
    return CheckResult(
        id=derivation.id, kind=Kind.DERIVATION, verdict=verdict,
        expect=Expect(derivation.expect), message=message, location=derivation.location,
        method="steps", seconds=time.perf_counter() - started, counterexample=counterexample,
        steps=tuple(steps), diagnosis=found,
        warnings=tuple(f"step {s.step}: {w}" for s in steps for w in s.outcome.warnings),
        details=_largest_errors([s.outcome for s in steps]),
    )


def _final(decider: Decider, derivation: Derivation, broken: StepResult, found: Diagnosis,
           where: ast.Node | None) -> Diagnosis:
    """The broken step's diagnosis, plus whether the last step still equals the first."""
    first, last = derivation.steps[0].formula.node, derivation.steps[-1].formula.node
    outcome = decider.decide(first, last, where)
    holds = outcome.verdict.holds
    if holds:
        text = (f"the final result still holds ({outcome.verdict.value}): a later step "
                f"cancels the error in step {broken.step}")
    elif outcome.verdict == Verdict.REFUTED:
        text = "the final result is wrong too (last step ≠ first step)"
    else:
        text = f"the final result is {outcome.verdict.value}"
    return replace(found, step=broken.step, final_holds=holds
                   if outcome.verdict in (Verdict.REFUTED,) or holds else None,
                   final_message=text)


def _largest_errors(outcomes: list[Outcome]) -> tuple[tuple[str, object], ...]:
    """The numeric layer's largest errors over several outcomes (a derivation's steps)."""
    out: dict[str, object] = {}
    for outcome in outcomes:
        for key, value in outcome.details:
            if key in ("max_abs_error", "max_rel_error", "points"):
                out[key] = max(out.get(key, 0), value)
            else:
                out.setdefault(key, value)
    return tuple(out.items())
