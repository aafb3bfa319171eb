"""The LaTeX report: one fragment per spec (`NAME.tex`) and a `report.tex` that inputs them.

Document assembly only; expressions are printed by `printer`. Every text that comes
from a spec (titles, sources, ids, `by`, messages) goes through `escape`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sympy

from symderiv.resolve.scope import Scope, free_indices
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language import ast
from symderiv.load.model import Spec
from symderiv.report.latex.escape import code, escape, has_cjk
from symderiv.report.latex.evidence import counterexample_table, diagnosis_block
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import display, fit
from symderiv.report.latex.pdf import INSTALL_HINT, LatexError, compile_pdf
from symderiv.report.latex.proof import proof_chain
from symderiv.report.latex.values import array_text, exact_or_rounded
from symderiv.report.latex.verdicts import (CHECK, CROSS, MARKS, NUMERIC, message_block,
                                            summary_table, verdict_line)
from symderiv.results import FileResult, Report

# -- blocks ------------------------------------------------------------------------------------


def declarations(spec: Spec, formulas: Formulas) -> str:
    """Sizes, index ranges and symbol shapes as sentences."""
    printer = formulas.printer
    sentences = []
    if spec.sizes:
        parts = [f"${printer.name(s.name)} \\in \\{{{', '.join(map(str, s.values))}\\}}$"
                 for s in spec.sizes]
        sentences.append("Sizes (positive integers; the bounded checks use the listed "
                         "values): " + ", ".join(parts) + ".")
    by_size: dict[str, list[str]] = {}
    for index in spec.indices:
        by_size.setdefault(index.size, []).append(index.name)
    for size, names in by_size.items():
        letters = ", ".join(f"${printer.name(n)}$" for n in names)
        verb = "ranges" if len(names) == 1 else "range"
        sentences.append(f"{letters} {verb} over $1, \\dots, {printer.name(size)}$.")
    if spec.symbols:
        parts = []
        for symbol in spec.symbols:
            field = r"\mathbb{R}_{>0}" if symbol.domain == "positive" else r"\mathbb{R}"
            dims = r" \times ".join(printer.name(d) if isinstance(d, str) else str(d)
                                    for d in symbol.shape)
            space = f"{field}^{{{dims}}}" if dims else field
            parts.append(f"${printer.name(symbol.name)} \\in {space}$")
        sentences.append("Inputs: " + ", ".join(parts) + ".")
    return " ".join(sentences) + "\n" if sentences else ""


def definitions(spec: Spec, formulas: Formulas) -> str:
    if not spec.definitions:
        return ""
    lines = ["\\subsection*{Definitions}\n"]
    for definition in spec.definitions:
        head_symbol: sympy.Basic
        if definition.params:
            head_symbol = sympy.IndexedBase(definition.name)[
                tuple(formulas.builder.index_symbols[p] for p in definition.params)]
        else:
            head_symbol = sympy.Symbol(definition.name)
        head = formulas.expression(head_symbol)
        lines.append(display(f"{head} = {formulas.math(definition.body)}"))
    return "".join(lines)


def claim_block(check: CheckResult, spec: Spec, formulas: Formulas) -> list[str]:
    claim = next((c for c in spec.claims if c.id == check.id), None)
    parts = []
    sides = None
    base = next((c for c in spec.claims if f"{c.id}.tex" == check.id), None)
    if claim is None and base is not None and base.tex_formula is not None:
        # ID.tex: the material's own LaTeX, read and compared with the claim
        parts.append(r"{\small The formula as the material writes it: " + code(base.tex or "")
                     + ", read as}\n" + display(formulas.equation(base.tex_formula)))
    if claim is not None and claim.claim is not None:
        node = claim.claim.node
        if isinstance(node, ast.Compare):
            sides = (formulas.math(claim.claim, node.left),
                     formulas.math(claim.claim, node.right))
        equation = formulas.equation(claim.claim)
        where = ""
        if claim.where is not None:
            where = rf"\qquad \text{{for }} {formulas.condition(claim.where)}"
        parts.append(display(equation + where))
        parts.append(r"{\small Spec: " + code(claim.claim.text) + "}\\par\n")
        free = sorted(free_indices(claim.claim.node, formulas.scope)
                      | (free_indices(claim.where.node, formulas.scope)
                         if claim.where is not None else set()))
        if free:
            parts.append(r"{\small " + ranges_text(free, formulas) + "}\\par\n")
        if claim.tex:
            parts.append(r"{\small As written in the material: " + code(claim.tex)
                         + "}\\par\n")
    parts.append(r"\smallskip" + "\n" + verdict_line(check) + "\\par\n")
    if check.verdict != Verdict.PROVED or base is not None:
        parts.append(message_block(check))
    if check.verdict == Verdict.PROVED and check.proof:
        parts.append(proof_chain(check.proof, formulas, sides))
    if check.counterexample is not None:
        parts.append(counterexample_table(check.counterexample, formulas))
    parts.append(diagnosis_block(check.diagnosis, formulas))
    return parts


def ranges_text(free: list[str], formulas: Formulas) -> str:
    by_size: dict[str, list[str]] = {}
    for name in free:
        by_size.setdefault(formulas.scope.indices[name].size, []).append(name)
    parts = [", ".join(f"${formulas.printer.name(n)}$" for n in names)
             + f" $\\in \\{{1, \\dots, {formulas.printer.name(size)}\\}}$"
             for size, names in by_size.items()]
    return "Free indices: " + "; ".join(parts) + "."


STEP_RELATIONS = {Verdict.REFUTED: r"\neq", Verdict.UNDECIDED: r"\overset{?}{=}",
                  Verdict.ERROR: r"\overset{!}{=}"}


def derivation_block(check: CheckResult, spec: Spec, formulas: Formulas) -> list[str]:
    derivation = next((d for d in spec.derivations if d.id == check.id), None)
    parts = []
    if derivation is not None:
        where = ""
        if derivation.where is not None:
            where = f"For ${formulas.condition(derivation.where)}$:"
        rows = [f"&{fit(formulas.math(derivation.steps[0].formula))}"]
        results = {s.step: s for s in check.steps}
        for number_, step in enumerate(derivation.steps[1:], start=2):
            result = results.get(number_)
            mark = MARKS[result.verdict][1] if result else "?"
            verdict = escape(result.verdict.value) if result else "not checked"
            by = f" by {escape(step.by)}" if step.by else ""
            relation = STEP_RELATIONS.get(result.verdict, "=") if result else "="
            rows.append(f"\\intertext{{\\small {mark}\\ step {number_}{by}"
                        f" \\hfill({verdict})}}")
            rows.append(f"{relation}{{}}&{fit(formulas.math(step.formula))}")
        body = ""
        for row in rows:
            body += row + ("\n" if row.startswith("\\intertext") else " \\\\\n")
        parts.append(where + "\n\\begin{align*}\n" + body.rstrip(" \\\n")
                     + "\n\\end{align*}\n")
    parts.append(verdict_line(check) + "\\par\n")
    parts.append(message_block(check))
    for step_result in check.steps:
        if step_result.outcome.counterexample is not None and not step_result.ok:
            parts.append(f"Step {step_result.step}: " + counterexample_table(
                step_result.outcome.counterexample, formulas))
            if check.diagnosis is None:  # else the derivation's own covers the step
                parts.append(diagnosis_block(step_result.outcome.diagnosis, formulas))
    parts.append(diagnosis_block(check.diagnosis, formulas))
    return parts


def subject_of(check: CheckResult, spec: Spec) -> str:
    """What an implementation or example check is about: the numpy code, or the values."""
    for implementation in spec.implementations:
        if implementation.qualified_name == check.id:
            return r"{\small numpy: " + code(implementation.formula.text) + "}\\par\n"
    for example in spec.examples:
        if example.id == check.id:
            given = "; ".join(f"{name} = {array_text(value)}" for name, value in example.given)
            expect = "; ".join(f"{name} = {array_text(value)}" for name, value in example.expect)
            fails = f"; expected to fail: {', '.join(example.fails)}" if example.fails else ""
            return (r"{\small Given " + code(given) + ", expected " + code(expect)
                    + escape(fails) + ".}\\par\n")
    return ""


def check_block(check: CheckResult, spec: Spec, formulas: Formulas) -> str:
    """One numbered block: the claim, its verdict and the evidence."""
    heading = (f"\\subsection{{{code(check.id)}"
               f" \\textmd{{\\small({escape(check.kind)})}}}}\n")
    if check.kind == "claim":
        parts = claim_block(check, spec, formulas)
    elif check.kind == "derivation":
        parts = derivation_block(check, spec, formulas)
    else:
        parts = [subject_of(check, spec), verdict_line(check) + "\\par\n", message_block(check)]
        if check.counterexample is not None:
            parts.append(counterexample_table(check.counterexample, formulas))
        parts.append(diagnosis_block(check.diagnosis, formulas))
    return heading + "".join(parts) + "\n"


def spec_fragment(result: FileResult) -> str:
    """The section for one spec file (input by report.tex)."""
    title = result.title or result.path
    out = [f"\\section{{{escape(title)}}}\n"]
    spec = result.spec if isinstance(result.spec, Spec) else None
    scope = result.scope if isinstance(result.scope, Scope) else None
    out.append(f"{{\\small File: {code(result.path)}}}\\par\n")
    if spec is not None and spec.source:
        out.append(f"{{\\small Source: {escape(spec.source)}}}\\par\n")
    for error in result.errors:
        out.append(f"{CROSS}\\ {code(error.render())}\\par\n")
    if spec is None or scope is None:
        return "".join(out)
    formulas = Formulas(scope)
    out.append("\\medskip\n" + declarations(spec, formulas))
    out.append(definitions(spec, formulas))
    out.append(summary_table(result.checks))
    out.extend(check_block(check, spec, formulas) for check in result.checks)
    return "".join(out)


# -- the document ------------------------------------------------------------------------------

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{fontspec}
%CJK%
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{adjustbox}
\usepackage[dvipsnames]{xcolor}
\definecolor{okgreen}{RGB}{0,128,0}
\definecolor{okblue}{RGB}{0,90,160}
\definecolor{badred}{RGB}{190,0,0}
\definecolor{warnorange}{RGB}{200,110,0}
% hyperref loads the Zapf Dingbats metric pzdr under XeTeX, which a TeX Live without
% its recommended fonts lacks; the font only pads link areas, so go on without it.
\suppressfontnotfounderror=1
\usepackage[hidelinks]{hyperref}
\suppressfontnotfounderror=0
\setcounter{secnumdepth}{3}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.4em}
\allowdisplaybreaks
"""

CJK_SETUP = r"""\usepackage{xeCJK}
\setCJKmainfont{Noto Serif CJK SC}
\setCJKsansfont{Noto Sans CJK SC}
\setCJKmonofont{Noto Sans Mono CJK SC}"""


@dataclass(frozen=True, slots=True)
class Written:
    """The files written for a report: the main document and one fragment per spec."""

    report: Path
    fragments: tuple[Path, ...]


def fragment_names(results: Iterable[FileResult]) -> list[str]:
    """A distinct, TeX-safe file name (without .tex) for every spec."""
    names: list[str] = []
    for result in results:
        stem = re.sub(r"[^A-Za-z0-9-]+", "-", Path(result.path).stem).strip("-") or "spec"
        if stem == "report":
            stem = "report-spec"
        name, number_ = stem, 2
        while name in names:
            name, number_ = f"{stem}-{number_}", number_ + 1
        names.append(name)
    return names


def document(report: Report, names: list[str], cjk: bool) -> str:
    """report.tex: preamble (xeCJK when `cjk`), summary and an \\input per spec."""
    preamble = PREAMBLE.replace("%CJK%", CJK_SETUP if cjk else "")
    checks = report.checks
    ok = sum(1 for c in checks if c.ok)
    detail = report.verdict_counts()
    summary = (f"{len(checks)} checks in {len(report.files)} spec file(s): {ok} as expected, "
               f"{len(checks) - ok} not" + (f" ({detail})" if detail else "") + ".")
    if report.file_errors:
        summary += f" {report.file_errors} file(s) could not be loaded."
    legend = (f"{CHECK} proved: shown symbolically for every value of the sizes; verified: "
              "shown symbolically for each listed size value; "
              f"{NUMERIC} numerically consistent: no difference at the points tried; "
              f"{CROSS} refuted: a confirmed counterexample.")
    inputs = "".join(f"\\input{{{name}}}\n\\clearpage\n" for name in names)
    return (preamble + "\\title{Checked derivations}\n\\author{symderiv}\n\\date{}\n"
            "\\begin{document}\n\\maketitle\n" + escape(summary) + "\\par\n"
            + "{\\small " + legend + "}\n\\tableofcontents\n\\clearpage\n" + inputs
            + "\\end{document}\n")


def write(report: Report, directory: Path) -> Written:
    """Write NAME.tex for every spec and report.tex into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    names = fragment_names(report.files)
    fragments = []
    cjk = False
    for name, result in zip(names, report.files):
        path = directory / f"{name}.tex"
        text = spec_fragment(result)
        cjk = cjk or has_cjk(text)  # any CJK, in a title or a `by`, needs xeCJK's fonts
        path.write_text(text, encoding="utf-8")
        fragments.append(path)
    main = directory / "report.tex"
    main.write_text(document(report, names, cjk), encoding="utf-8")
    return Written(main, tuple(fragments))


__all__ = ["INSTALL_HINT", "LatexError", "compile_pdf", "exact_or_rounded"]  # re-exported
