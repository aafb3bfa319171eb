"""A derivation's block: its steps aligned, each marked with its verdict, and the evidence."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from symderiv.check.verdict import CheckResult, StepResult, Verdict
from symderiv.load.model import Derivation, Formula, Spec
from symderiv.report.latex.escape import escape, with_math
from symderiv.report.latex.evidence import counterexample_table, diagnosis_block
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import fit
from symderiv.report.latex.proof import node_lines
from symderiv.report.latex.width import TEXT_WIDTH
from symderiv.report.latex.verdicts import MARKS, message_block, verdict_line

#: The relation a step is written with, by its verdict (else `=`).
STEP_RELATIONS: Mapping[Verdict, str] = MappingProxyType(
    {Verdict.REFUTED: r"\neq", Verdict.UNDECIDED: r"\overset{?}{=}",
     Verdict.ERROR: r"\overset{!}{=}"})


def derivation_block(check: CheckResult, spec: Spec, formulas: Formulas) -> list[str]:
    derivation = next((d for d in spec.derivations if d.id == check.id), None)
    parts = []
    if derivation is not None:
        parts.append(derivation_steps(derivation, check, formulas))
    parts.append(verdict_line(check) + "\\par\n")
    parts.append(message_block(check))
    for step_result in check.steps:
        if step_result.outcome.counterexample is not None and not step_result.ok:
            parts.append(f"Step {escape(str(step_result.step))}: " + counterexample_table(
                step_result.outcome.counterexample, formulas))
            if check.diagnosis is None:  # else the derivation's own covers the step
                parts.append(diagnosis_block(step_result.outcome.diagnosis, formulas))
    parts.append(diagnosis_block(check.diagnosis, formulas))
    return parts


def derivation_steps(derivation: Derivation, check: CheckResult, formulas: Formulas) -> str:
    """The steps in an align*, 'For <where>:' above it; between two steps, the second's mark,
    number, `by` and verdict."""
    where = ""
    if derivation.where is not None:
        where = f"For ${formulas.condition(derivation.where)}$:"
    rows = [f"&{fit(formulas.math(derivation.steps[0].formula))}"]
    results = {s.step: s for s in check.steps}
    for number_, step in enumerate(derivation.steps[1:], start=2):
        result = results.get(number_)
        mark = MARKS[result.verdict][1] if result else "?"
        verdict = escape(result.verdict.value) if result else "not checked"
        by = f" by {with_math(step.by)}" if step.by else ""
        relation = step_relation(result)
        rows.append(f"\\intertext{{\\small {mark}\\ step {number_}{by}"
                    f" \\hfill({verdict})}}")
        lines = step_lines(step.formula, formulas)
        rows.append(f"{relation}{{}}&{fit(lines[0])}")
        rows.extend(f"&\\quad {fit(line)}" for line in lines[1:])
    body = ""
    for row in rows:
        body += row + ("\n" if row.startswith("\\intertext") else " \\\\\n")
    return where + "\n\\begin{align*}\n" + body.rstrip(" \\\n") + "\n\\end{align*}\n"


def step_lines(formula: Formula, formulas: Formulas) -> list[str]:
    """A step in lines no wider than the line (by the printer's estimate), else whole."""
    try:
        return node_lines(formula.node, formulas, 0.8 * TEXT_WIDTH)
    except Exception:  # noqa: BLE001 - printed whole (or as text) as before
        return [formulas.math(formula)]


def step_relation(result: StepResult | None) -> str:
    """`=`, or `\\neq`, `?=`, `!=` for a step refuted, undecided or in error."""
    return STEP_RELATIONS.get(result.verdict, "=") if result else "="
