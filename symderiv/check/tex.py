"""Does a claim's LaTeX say what its typed formula says? (the check `ID.tex`)."""

from __future__ import annotations

import time
from dataclasses import replace

from symderiv.check.claims import diagnosed
from symderiv.check.decide import Decider
from symderiv.check.verdict import CheckResult, Diagnosis, Outcome, Verdict, weakest
from symderiv.language import ast
from symderiv.load.model import Claim
from symderiv.options import Expect, Kind


def _difference(node: ast.Compare) -> ast.Node:
    return ast.BinOp(node.start, node.end, "-", node.left, node.right)


Pair = tuple[str, ast.Node, ast.Node]
#: A relation with its sides swapped (a < b says b > a).
MIRRORED = {"==": "==", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _pairs(tex: ast.Node, claim: ast.Compare) -> list[tuple[str, list[Pair]]]:
    """The readings under which the LaTeX and the claim agree, most literal first; each
    pair is (what is compared, claim side, LaTeX side): the typed claim plays the left side,
    the LaTeX the side under test, so a diagnosis says what the LaTeX should have said."""
    if not isinstance(tex, ast.Compare):
        return [("the LaTeX expression is the claim's left side",
                 [("the LaTeX and the claim's left side differ", claim.left, tex)])]
    difference = _difference(claim)
    negated = ast.Neg(claim.start, claim.end, difference)
    rearranged = "lhs − rhs of the LaTeX and of the claim differ"
    # an inequality reads the same only with its relation, or mirrored with the sides swapped
    same, mirrored = tex.op == claim.op, tex.op == MIRRORED[claim.op]
    readings: list[tuple[bool, str, list[Pair]]] = [
        (same, "side by side", [("the left sides differ", claim.left, tex.left),
                                ("the right sides differ", claim.right, tex.right)]),
        (mirrored, "with the sides swapped", [("", claim.right, tex.left),
                                              ("", claim.left, tex.right)]),
        (same, "rearranged: lhs − rhs agree", [(rearranged, difference, _difference(tex))]),
        (mirrored, "rearranged: lhs − rhs agree up to sign",
         [(rearranged, negated, _difference(tex))]),
    ]
    return [(reading, pairs) for allowed, reading, pairs in readings if allowed]


def check_tex(decider: Decider, claim: Claim) -> CheckResult:
    """Decide that `claim.tex` and `claim.claim` are the same statement, where `where` holds.

    Sides are compared first; only if that fails, swapped sides and the difference
    lhs − rhs, so a rearranged equation is not reported as a typo. Refuted only when every
    reading fails and the literal one has a confirmed counterexample.
    """
    started = time.perf_counter()
    assert claim.tex_formula is not None and claim.claim is not None
    typed = claim.claim.node
    assert isinstance(typed, ast.Compare)
    where = claim.where.node if claim.where is not None else None
    first: tuple[Outcome, Pair] | None = None
    readings = _pairs(claim.tex_formula.node, typed)
    if not readings:
        tex = claim.tex_formula.node
        assert isinstance(tex, ast.Compare)
        return _result(claim, Verdict.UNDECIDED, (
            f"the LaTeX states another relation: {tex.op!r} where the claim states "
            f"{typed.op!r} (with either order of the sides)"), Outcome(
                Verdict.UNDECIDED, "relation", ""), started)
    for reading, pairs in readings:
        outcomes = []
        for pair in pairs:
            outcome = decider.decide(pair[1], pair[2], where)
            outcomes.append(outcome)
            if not outcome.verdict.holds:
                if first is None:
                    first = (outcome, pair)
                break
        if all(o.verdict.holds for o in outcomes):
            verdict = weakest([o.verdict for o in outcomes])
            message = f"the LaTeX says what the claim says ({reading}): " + "; ".join(
                o.message for o in outcomes)
            decisive = next(o for o in outcomes if o.verdict == verdict)
            return _result(claim, verdict, message, decisive, started)
    assert first is not None
    outcome, (what, typed_side, tex_side) = first
    if outcome.verdict == Verdict.REFUTED:
        message = (f"the LaTeX does not say what the claim says ({what}; the claim's side "
                   f"shown as lhs, the LaTeX's as rhs): {outcome.message}")
    else:
        message = f"could not show that the LaTeX says what the claim says: {outcome.message}"
    # the diagnosis of the literal reading: what the LaTeX should say, where it goes wrong
    outcome = diagnosed(decider, typed_side, tex_side, where, outcome, reference=True)
    diagnosis = outcome.diagnosis
    if diagnosis is not None:  # the suggestion is the LaTeX side's replacement
        diagnosis = replace(diagnosis, lhs=None)
    return _result(claim, outcome.verdict, message, outcome, started, diagnosis)


def _result(claim: Claim, verdict: Verdict, message: str, outcome: Outcome,
            started: float, diagnosis: Diagnosis | None = None) -> CheckResult:
    assert claim.tex_location is not None
    return CheckResult(
        id=f"{claim.id}.tex", kind=Kind.CLAIM, verdict=verdict, expect=Expect.HOLDS,
        message=message,
        location=claim.tex_location, method=outcome.method,
        seconds=time.perf_counter() - started, counterexample=outcome.counterexample,
        warnings=outcome.warnings, diagnosis=diagnosis,
    )
