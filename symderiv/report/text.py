"""The terminal report, as pytest's and ruff's: one line per check, what went wrong under the
checks that are not as expected (everything under every check with -v), a summary line.

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
        if value.denominator == 1:
            return str(value.numerator)
        # a float's exact value (a random point): its shortest decimal, not 396183697684901/2^41
        if value.denominator > 1024 and value.denominator & (value.denominator - 1) == 0 \
                and Fraction(float(value)) == value:
            return repr(float(value))
        return f"{value.numerator}/{value.denominator}"
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


def detail_lines(check: CheckResult) -> list[str]:
    """What is said under a check's line: its evidence, failed steps, counterexample,
    diagnosis and warnings."""
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
    return [text for text in details if text]


def proof_lines(check: CheckResult) -> list[str]:
    """A recorded proof as lines: the first formula, then `= formula   [rule]` per step with
    the rule's facts under it; a check without one says why (if it says)."""
    if not check.chain:
        return [check.proof_note] if check.proof_note else []
    first, *rest = check.proof
    lines = ["proof:", f"    {first.formula}"]
    for step in rest:
        lines.append(f"  = {step.formula}    [{step.label}]")
        lines.extend(f"        with {fact.strip()}" for fact in step.detail.split(";")
                     if fact.strip())
    return lines


def _warnings(count: int) -> str:
    return f"{count} warning{'s' if count != 1 else ''}"


def check_lines(check: CheckResult, verbose: bool = False,
                proofs: bool = False) -> Iterable[RenderableType]:
    """The check's line; under it, for a check not as expected (or with `verbose`, for
    every check), what `detail_lines` says, and with `verbose` or `proofs` the recorded proof
    of a check that holds. A check as expected with warnings says how many."""
    mark = Text("✓ ", style="green") if check.ok else Text("✗ ", style="bold red")
    line = Text.assemble(
        mark, (one_line(check.id), "bold"), "  ", (check.verdict.value, STYLES[check.verdict]),
        (f"  [{check.kind}", "dim"),
        (f", {check.method}" if check.method else "", "dim"),
        (f", {check.seconds:.2f}s]", "dim"),
    )
    if check.expect == "refuted":
        line.append("  (expected refuted)", style="dim")
    shown = verbose or not check.ok
    if check.warnings and not shown:
        line.append(f"  ({_warnings(len(check.warnings))})", style="yellow")
    yield line
    details = detail_lines(check) if shown else []
    if (verbose or proofs) and check.verdict in (Verdict.PROVED, Verdict.VERIFIED):
        details.extend(proof_lines(check))
    if details:
        # one fact a line: a newline inside one (from a spec's text) is shown, not obeyed
        indented = "\n".join("    " + safe_line(text) for text in details)
        yield Text(indented, style="dim" if check.ok else "")


def file_block(result: FileResult, verbose: bool = False,
               proofs: bool = False) -> RenderableType:
    parts: list[RenderableType] = []
    title = f" — {one_line(result.title)}" if result.title else ""
    parts.append(Text.assemble((safe_line(result.path), "bold underline"), title))
    for error in result.errors:
        parts.append(Text(safe_line(error.render()), style="red"))
    for check in result.checks:
        parts.extend(check_lines(check, verbose, proofs))
    return Group(*parts)


def summary(report: Report, verbose: bool = False) -> Text:
    checks = report.checks
    ok = sum(1 for c in checks if c.ok)
    detail = report.verdict_counts()
    style = "bold green" if report.exit_code == 0 else "bold red"
    text = f"{len(checks)} check{'' if len(checks) == 1 else 's'}: {ok} as expected, " \
        f"{len(checks) - ok} not"
    if detail:
        text += f" ({detail})"
    if report.file_errors:
        text += f"; {report.file_errors} file(s) could not be loaded"
    hidden = 0 if verbose else sum(len(c.warnings) for c in checks if c.ok)
    if hidden:
        text += f"; {_warnings(hidden)} on checks as expected (-v shows them)"
    return Text(text, style=style)


def render(report: Report, console: Console, verbose: bool = False,
           proofs: bool = False) -> None:
    """The report: each file's checks (details under those not as expected, or under all
    with `verbose`; the recorded proofs with `verbose` or `proofs`), then the summary line."""
    for result in report.files:
        console.print(file_block(result, verbose, proofs))
        console.print()
    console.print(summary(report, verbose))
