"""The plain-text explanation of a check that did not meet its expectation (CI reports, pytest)."""

from __future__ import annotations

from symderiv.check.verdict import CheckResult
from symderiv.report import diagnosis
from symderiv.report.safe_text import safe_line
from symderiv.report.text import counterexample_lines


def headline(check: CheckResult) -> str:
    """`id: verdict (expected holds)` and the engine's message, on one printable line."""
    return safe_line(f"{check.kind} {check.id}: {check.verdict.value} "
                     f"(expected {check.expect}): {check.message}")


def lines(check: CheckResult) -> list[str]:
    """Verdict, failing steps, counterexample and diagnosis, one fact per printable line."""
    out = [headline(check)]
    for step in check.steps:
        if not step.ok:
            by = f" (by {step.by})" if step.by else ""
            out.append(f"step {step.step}{by} at line {step.location.line}: "
                       f"{step.verdict.value}: {step.outcome.message}")
    if check.counterexample is not None:
        out.extend(counterexample_lines(check.counterexample))
    if check.diagnosis is not None:
        out.extend(diagnosis.text_lines(check.diagnosis))
    out.extend(f"warning: {w}" for w in check.warnings)
    return [safe_line(text) for text in out]
