"""Verdicts as LaTeX: the marks, the verdict line of a check, its message, the summary table."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from symderiv.check.verdict import CheckResult, Verdict
from symderiv.report.latex.escape import code, escape

CHECK = r"\textcolor{okgreen}{\ensuremath{\checkmark}}"
NUMERIC = r"\textcolor{okblue}{\ensuremath{\checkmark}}"
CROSS = r"\textcolor{badred}{\ensuremath{\boldsymbol{\times}}}"

#: verdict -> (word, mark, headline)
MARKS: Mapping[Verdict, tuple[str, str, str]] = MappingProxyType({
    Verdict.PROVED: ("proved", CHECK, "proved for all sizes"),
    Verdict.VERIFIED: ("verified", CHECK, "verified"),
    Verdict.CONSISTENT: ("consistent", NUMERIC, "numerically consistent"),
    Verdict.REFUTED: ("refuted", CROSS, "refuted"),
    Verdict.UNDECIDED: ("undecided", r"\textcolor{warnorange}{?}", "undecided"),
    Verdict.ERROR: ("error", r"\textcolor{badred}{!}", "error"),
})


def verdict_line(check: CheckResult) -> str:
    word, mark, headline = MARKS[check.verdict]
    if check.verdict == Verdict.VERIFIED:
        match = re.match(r"verified for (.*?):", check.message)
        if match:
            headline = "verified for " + match.group(1)
    text = rf"{mark}\ \textbf{{{escape(headline)}}}"
    if check.expect == "refuted":
        text += (r" \emph{(expected: the spec records this as a mistake"
                 + (")}" if check.ok else r"; it is not refuted)}"))
    elif not check.ok:
        text += r" \emph{(expected to hold)}"
    if check.method:
        text += rf" \hfill{{\small method: {escape(check.method)}}}"
    return text


#: A run of digits longer than this may be broken (a value printed to 60 digits).
_DIGITS = re.compile(r"([0-9]{12})(?=[0-9])")


def message_block(check: CheckResult) -> str:
    text = _DIGITS.sub(r"\1\\allowbreak{}", escape(check.message))
    warnings = "".join(f"\\\\ \\emph{{warning:}} {escape(w)}" for w in check.warnings)
    # ragged right: a long value list has too few spaces to justify a line
    return f"{{\\small\\raggedright {text}{warnings}\\par}}\n"


def summary_table(checks: Iterable[CheckResult]) -> str:
    rows = []
    for check in checks:
        word, mark, _ = MARKS[check.verdict]
        expected = "yes" if check.ok else r"\textbf{no}"
        rows.append(f"{code(check.id)} & {escape(check.kind)} & {mark}\\ {word} & {expected} "
                    "\\\\")
    if not rows:
        return ""
    return ("\\begin{center}\\begin{tabular}{llll}\n\\toprule\n"
            "check & kind & verdict & as expected \\\\\n\\midrule\n"
            + "\n".join(rows) + "\n\\bottomrule\n\\end{tabular}\\end{center}\n")
