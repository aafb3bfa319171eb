"""Proof steps as the result cache stores them: the LaTeX the report prints for each.

The cache never rebuilds a sympy expression from its files. When it stores a result it asks
this printer for what the LaTeX report shows of each proof step, in the notation of the spec
the step belongs to, and for a digest of that notation, so that a stored step is shown only
where it would be printed the same (`cache.ProofPrinter`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symderiv.report.latex.formulas import Formulas
    from symderiv.resolve.scope import Scope


class ProofLatex:
    """The cache's proof printer: one `Formulas` per spec, made when first needed; the
    objects it has seen are kept, so an id is never reused for another."""

    def __init__(self) -> None:
        self._formulas: dict[int, tuple[Scope, Formulas]] = {}
        self._notations: dict[int, tuple[Scope, str]] = {}
        self._printed: dict[tuple[int, int], tuple[Scope, Any, str]] = {}

    def notation(self, scope: Scope) -> str:
        """The digest of the notation `scope`'s proof steps are printed in."""
        # here, not at the top: the command line makes this printer before it knows whether
        # anything will be checked, and a run answered whole from the cache imports no sympy
        from symderiv.report.latex.formulas import notation

        found = self._notations.get(id(scope))
        if found is None or found[0] is not scope:
            found = self._notations[id(scope)] = (scope, notation(scope))
        return found[1]

    def latex(self, scope: Scope, expression: Any) -> str:
        """A proof step's expression as the LaTeX report prints it for `scope`'s spec
        (printed once: a check's entry and its file's entry hold the same steps)."""
        from symderiv.report.latex.formulas import Formulas  # as in `notation`

        printed = self._printed.get((id(scope), id(expression)))
        if printed is not None and printed[0] is scope and printed[1] is expression:
            return printed[2]
        found = self._formulas.get(id(scope))
        if found is None or found[0] is not scope:
            found = self._formulas[id(scope)] = (scope, Formulas(scope))
        text = found[1].expression(expression)
        self._printed[(id(scope), id(expression))] = (scope, expression, text)
        return text
