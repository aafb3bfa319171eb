"""Spec formulas and sympy expressions as LaTeX, in the notation of one spec."""

from __future__ import annotations

import hashlib
import json

import sympy
from sympy import Basic

from symderiv.check.generic import condition
from symderiv.language import ast
from symderiv.load import latex_names
from symderiv.load.model import Definition, Formula, SymbolDecl
from symderiv.resolve.scope import Scope
from symderiv.resolve.symbolic import SympyBuilder
from symderiv.report.latex.escape import code
from symderiv.report.latex.printable import Printable, PrintingBuilder
from symderiv.report.latex.printer import SymderivLatexPrinter
from symderiv.report.latex.rewrite import as_written, readable_dummies



#: A claim's relation in LaTeX.
RELATIONS = {"==": "=", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}

def spec_names(scope: Scope) -> dict[str, str]:
    """The LaTeX the spec gives its symbols' and definitions' names.

    The loader accepts only the subset of `load/latex_names.py`; a spec built another way
    (or a value from elsewhere) is held to it here too: a name outside it is not used.
    """
    declared: list[SymbolDecl | Definition] = [*scope.spec.symbols, *scope.spec.definitions]
    return {d.name: d.latex for d in declared
            if d.latex and latex_names.problem(d.latex) is None}


def notation(scope: Scope) -> str:
    """A digest of what `Formulas.expression` prints with besides the expression: the LaTeX
    names and the indices (which name generated sum variables). A proof step printed in one
    notation is shown (from the cache) only in the same one."""
    text = json.dumps({"names": spec_names(scope),
                       "indices": sorted((i.name, i.size) for i in scope.indices.values())},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class Formulas:
    """Spec formulas as LaTeX, definitions kept folded (`S_{i}`, not their bodies)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.builder: SympyBuilder = PrintingBuilder(scope, folded=True)
        self.printable = Printable(self.builder, scope)
        names = spec_names(scope)
        self.printer = SymderivLatexPrinter(names)
        self.written = SymderivLatexPrinter(names, {"order": "none"})

    def sympy(self, node: ast.Node) -> sympy.Basic:
        """`node` folded; matrix constructs the builder rejects become printing-only nodes."""
        return self.printable.build(node)

    def latex(self, node: ast.Node) -> str:
        """A spec formula as its author wrote it: sympy builds it without evaluating, so
        factors keep their order and a step of a derivation is not already simplified."""
        with sympy.evaluate(False):
            built = self.sympy(node)
        return str(self.written.doprint(as_written(built)))

    def expression(self, expr: Basic | ast.Node) -> str:  # `sympy` is the method above
        """A sympy expression (e.g. from a proof) with readable sum variables; a formula
        (a recorded proof's step) as written."""
        if isinstance(expr, ast.Node):
            return self.latex(expr)
        return str(self.printer.doprint(readable_dummies(expr, self.scope)))

    def math(self, formula: Formula, node: ast.Node | None = None) -> str:
        """`node` (default: the whole formula) in math mode; if it cannot be printed, its
        text as written, so one odd formula never costs the rest of the report."""
        node = formula.node if node is None else node
        try:
            return self.latex(node)
        except Exception:  # noqa: BLE001 - printing is best effort, the verdict is not
            return r"\text{" + code(formula.text[node.start:node.end]) + "}"

    def condition(self, formula: Formula) -> str:
        """A `where` formula as relations (`i \\neq j`)."""
        try:
            return str(self.printer.doprint(condition(self.builder, formula.node)))
        except Exception:  # noqa: BLE001 - as in `math`
            return r"\text{" + code(formula.text) + "}"

    def equation(self, formula: Formula) -> str:
        """An equation or an inequality *(addition)* with its relation: `=`, `<`, `\\le`..."""
        node = formula.node
        if isinstance(node, ast.Compare) and node.op in RELATIONS:
            return (f"{self.math(formula, node.left)} {RELATIONS[node.op]} "
                    f"{self.math(formula, node.right)}")
        return self.math(formula)
