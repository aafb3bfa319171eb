"""A diagnosis in words and as JSON: the one place that phrases `Diagnosis` values."""

from __future__ import annotations

from typing import Any

from symderiv.check.verdict import Diagnosis


def as_json(diagnosis: Diagnosis) -> dict[str, Any]:
    """The diagnosis as the JSON report's `diagnosis` object."""
    out: dict[str, Any] = {
        "holds_when": list(diagnosis.holds_when),
        "fails_when": list(diagnosis.fails_when),
        "error_class": diagnosis.error_class,
        "suggestion": diagnosis.suggestion,
        "evidence": diagnosis.evidence,
        "suggestion_verdict": diagnosis.suggestion_verdict,
    }
    if diagnosis.undefined_when:
        out["undefined_when"] = list(diagnosis.undefined_when)
    if diagnosis.suggested_lhs is not None:
        out["suggested_lhs"] = diagnosis.suggested_lhs
    if diagnosis.step is not None:
        out["step"] = diagnosis.step
        out["final_holds"] = diagnosis.final_holds
        out["final_message"] = diagnosis.final_message
    return out


def text_lines(diagnosis: Diagnosis, suggestion: bool = True) -> list[str]:
    """The diagnosis as the text report's lines (also pytest's, GitHub's and LaTeX's);
    without the suggestion where a report displays it as an equation of its own."""
    lines = []
    prefix = f"step {diagnosis.step}: " if diagnosis.step is not None else ""
    if diagnosis.holds_when or diagnosis.fails_when or diagnosis.undefined_when:
        parts = []
        if diagnosis.holds_when:
            parts.append("holds when " + " or ".join(diagnosis.holds_when))
        if diagnosis.undefined_when:
            parts.append("undefined when " + " or ".join(diagnosis.undefined_when)
                         + " (a side has no value there)")
        if diagnosis.fails_when and not diagnosis.holds_when and len(diagnosis.fails_when) > 1:
            parts.append("fails in every case: " + "; ".join(diagnosis.fails_when))
        elif diagnosis.fails_when:
            parts.append("fails when " + " or ".join(diagnosis.fails_when))
        lines.append(f"{prefix}where: " + "; ".join(parts))
    elif not diagnosis.regions_settled:
        lines.append(f"{prefix}where: not settled (the exact screen could not tell where it "
                     "holds)")
    else:
        lines.append(f"{prefix}where: fails at every size and index pattern checked")
    if diagnosis.error_class is not None:
        lines.append(f"error: {diagnosis.error_class} — {diagnosis.evidence}")
    if diagnosis.suggestion is not None and suggestion:
        lhs = diagnosis.suggested_lhs or diagnosis.lhs
        left = f"{lhs} == " if lhs else ""
        lines.append(f"suggested: {left}{diagnosis.suggestion}  ({diagnosis.suggestion_verdict})")
    if diagnosis.final_message is not None:
        lines.append(diagnosis.final_message)
    return lines
