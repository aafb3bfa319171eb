"""The evidence under a verdict: the counterexample table and the diagnosis block."""

from __future__ import annotations

from symderiv.check.verdict import Counterexample, Diagnosis
from symderiv.errors import Location
from symderiv.language.parser import parse
from symderiv.load.model import Formula
from symderiv.report import diagnosis as diagnosis_text
from symderiv.report.latex.escape import escape
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import display
from symderiv.report.latex.values import exact_or_rounded, number


def counterexample_table(found: Counterexample, formulas: Formulas) -> str:
    printer = formulas.printer
    # every value goes through `number`: a counterexample read from the cache may hold text
    rows = [(f"${printer.name(name)}$", f"${number(value)}$")
            for name, value in (*found.sizes, *found.indices, *found.values)]
    if found.entry is not None:
        rows.append(("entry", "$(" + ", ".join(map(number, found.entry)) + ")$"))
    rational = dict(found.rational)
    for label, key, value in (("left side", "lhs", found.lhs), ("right side", "rhs", found.rhs),
                              ("left $-$ right", "difference", found.difference)):
        if value is not None:
            rows.append((label, f"${exact_or_rounded(rational.get(key), value)}$"))
    body = "\n".join(f"{name} & {value} \\\\" for name, value in rows)
    return ("\\begin{center}\\begin{tabular}{ll}\n\\toprule\n"
            "\\multicolumn{2}{l}{\\textbf{Counterexample}} \\\\\n\\midrule\n"
            f"{body}\n\\bottomrule\n\\end{{tabular}}\\end{{center}}\n")


def diagnosis_block(diagnosis: Diagnosis | None, formulas: Formulas) -> str:
    """The diagnosis' own lines, and its suggested correction as an equation."""
    if diagnosis is None:
        return ""
    suggested = suggestion_block(diagnosis, formulas)
    # the suggestion is said once: displayed below, not also as a line
    lines = diagnosis_text.text_lines(diagnosis, suggestion=not suggested)
    if not lines:
        return ""
    items = "".join(rf"\item {escape(line)}" + "\n" for line in lines)
    text = ("\\textbf{Diagnosis.}\n\\begin{itemize}\\setlength\\itemsep{0pt}\n"
            f"{items}\\end{{itemize}}\n")
    return text + suggested


def suggestion_block(diagnosis: Diagnosis, formulas: Formulas) -> str:
    """'Suggested correction (verdict):' and the corrected claim displayed, or '' if the
    diagnosis suggests none (or its suggestion does not parse: its lines already say it)."""
    suggestion, lhs = diagnosis.suggestion, diagnosis.suggested_lhs or diagnosis.lhs
    if not (isinstance(suggestion, str) and isinstance(lhs, str)):
        return ""
    source = f"{lhs} == {suggestion}"
    try:
        formula = Formula(source, parse(source), Location("diagnosis", 1, 1))
    except Exception:  # noqa: BLE001 - the text above already says it
        return ""
    verdict = getattr(diagnosis, "suggestion_verdict", None)
    label = f"Suggested correction ({escape(verdict)})" if verdict else \
        "Suggested correction"
    return f"{label}:\n" + display(formulas.equation(formula))
