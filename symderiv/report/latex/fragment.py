"""The section for one spec file (`NAME.tex`, input by report.tex)."""

from __future__ import annotations

from symderiv.load.model import Spec
from symderiv.resolve.scope import Scope
from symderiv.report.latex.blocks import check_block
from symderiv.report.latex.declarations import declarations, definitions
from symderiv.report.latex.escape import code, escape
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.verdicts import CROSS, summary_table
from symderiv.results import FileResult


def spec_fragment(result: FileResult) -> str:
    """The section for one spec file (input by report.tex)."""
    out = [heading(result.title or result.path, result.path)]
    spec = result.spec if isinstance(result.spec, Spec) else None
    scope = result.scope if isinstance(result.scope, Scope) else None
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


def heading(title: str, path: str) -> str:
    """The section's title and the spec file's path."""
    return f"\\section{{{escape(title)}}}\n{{\\small File: {code(path)}}}\\par\n"


def failed_fragment(title: str, path: str, file_name: str, first_error: str) -> str:
    """A section TeX could not typeset, as the PDF shows it: its heading, TeX's first error,
    and where its LaTeX is."""
    error = escape(first_error) if first_error else "TeX gave no error line"
    return (heading(title, path) + f"\\medskip\n{CROSS}\\ \\textbf{{This section could not "
            f"be typeset:}} {error}\\par\n{{\\small Its LaTeX is {code(file_name)} in the "
            "report's folder.}\\par\n")
