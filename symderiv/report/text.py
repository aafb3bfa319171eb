"""The terminal report: one line per check, counterexamples under refuted ones, a summary.

Spec text reaches the console through `safe_text` and as `Text` (never parsed as markup).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.text import Text

from symderiv.check.verdict import CheckResult, Counterexample, Verdict
from symderiv.report import diagnosis
from symderiv.report.safe_text import one_line, safe_line
from symderiv.results import FileResult, Report

STYLES = {
    Verdict.PROVED: "bold green", Verdict.VERIFIED: "green", Verdict.CONSISTENT: "cyan",
    Verdict.REFUTED: "bold red", Verdict.UNDECIDED: "yellow", Verdict.ERROR: "bold magenta",
}


def number(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(number(v) for v in value) + "]"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else \
            f"{value.numerator}/{value.denominator}"
    return str(value)


def counterexample_lines(found: Counterexample) -> list[str]:
    assignment = ", ".join(f"{k} = {v}" for k, v in found.sizes + found.indices)
    values = ", ".join(f"{name} = {number(value)}" for name, value in found.values)
    lines = [f"counterexample: {'; '.join(p for p in (assignment, values) if p)}"]
    if found.entry is not None:
        lines.append(f"  at entry [{', '.join(map(str, found.entry))}]")
    rational = dict(found.rational)
    for label, value in (("lhs", found.lhs), ("rhs", found.rhs),
                         ("lhs − rhs", found.difference)):
        if value is None:
            continue
        exact = rational.get("difference" if label == "lhs − rhs" else label)
        lines.append(f"  {label} = {exact if exact is not None else value}"
                     + ("" if exact is not None else f"  (≈ {rounded(value)})"))
    return lines


def rounded(text: str) -> str:
    """A 30-digit decimal shortened to 6 significant digits for reading."""
    try:
        return f"{float(text):.6g}"
    except ValueError:
        return text


def check_lines(check: CheckResult) -> Iterable[RenderableType]:
    mark = Text("✓ ", style="green") if check.ok else Text("✗ ", style="bold red")
    line = Text.assemble(
        mark, (one_line(check.id), "bold"), "  ", (check.verdict.value, STYLES[check.verdict]),
        (f"  [{check.kind}", "dim"),
        (f", {check.method}" if check.method else "", "dim"),
        (f", {check.seconds:.2f}s]", "dim"),
    )
    if check.expect == "refuted":
        line.append("  (expected refuted)", style="dim")
    yield line
    details: list[str] = []
    if not check.ok or check.verdict in (Verdict.REFUTED, Verdict.UNDECIDED, Verdict.ERROR) \
            or check.verdict == Verdict.CONSISTENT or check.kind in ("example", "implementation"):
        details.append(check.message)
    for step in check.steps:
        if not step.ok:
            by = f" (by {step.by})" if step.by else ""
            details.append(f"step {step.step}{by}: {step.verdict.value} — {step.outcome.message}")
    if check.counterexample is not None:
        details.extend(counterexample_lines(check.counterexample))
    if check.diagnosis is not None:
        details.extend(diagnosis.text_lines(check.diagnosis))
    details.extend(f"warning: {w}" for w in check.warnings)
    if details:
        # one fact a line: a newline inside one (from a spec's text) is shown, not obeyed
        indented = "\n".join("    " + safe_line(text) for text in details if text)
        yield Text(indented, style="dim" if check.ok else "")


def file_block(result: FileResult) -> RenderableType:
    parts: list[RenderableType] = []
    title = f" — {one_line(result.title)}" if result.title else ""
    parts.append(Text.assemble((safe_line(result.path), "bold underline"), title))
    for error in result.errors:
        parts.append(Text(safe_line(error.render()), style="red"))
    for check in result.checks:
        parts.extend(check_lines(check))
    return Group(*parts)


def summary(report: Report) -> Text:
    checks = report.checks
    ok = sum(1 for c in checks if c.ok)
    detail = report.verdict_counts()
    style = "bold green" if report.exit_code == 0 else "bold red"
    text = f"{len(checks)} checks: {ok} as expected, {len(checks) - ok} not"
    if detail:
        text += f" ({detail})"
    if report.file_errors:
        text += f"; {report.file_errors} file(s) could not be loaded"
    return Text(text, style=style)


def render(report: Report, console: Console) -> None:
    for result in report.files:
        console.print(file_block(result))
        console.print()
    console.print(summary(report))
