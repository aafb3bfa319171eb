"""The LaTeX report: one fragment per spec (`NAME.tex`) and a `report.tex` that inputs them.

One concern per module: `escape` (spec text as LaTeX text), `printer` (sympy's LatexPrinter
in the course notation), `printable` and `rewrite` (formulas as sympy for printing),
`formulas` (a spec's formulas as LaTeX), `layout`, `values`, `verdicts`, `evidence`, `proof`,
`claims`, `derivations`, `blocks`, `declarations` and `fragment` (the parts of a spec's
section), `document` (the report's LaTeX and `write`), `files` (writing into the folder without
following links), `pdf` (latexmk in a private folder) and `typeset` (the report's PDF, a
failing section replaced by a note). Here: the names callers use.
"""

from __future__ import annotations

from symderiv.report.latex.document import Section, Sources, Written, fragment_names, write
from symderiv.report.latex.escape import code, escape
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.fragment import spec_fragment
from symderiv.report.latex.pdf import INSTALL_HINT, LatexError
from symderiv.report.latex.printer import SymderivLatexPrinter, latex
from symderiv.report.latex.typeset import SectionFailure, Typeset, compile_pdf
from symderiv.report.latex.values import exact_or_rounded

__all__ = [
    "INSTALL_HINT", "Formulas", "LatexError", "Section", "SectionFailure", "Sources",
    "SymderivLatexPrinter", "Typeset", "Written", "code", "compile_pdf", "escape",
    "exact_or_rounded", "fragment_names", "latex", "spec_fragment", "write",
]
