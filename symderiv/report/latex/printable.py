"""Spec formulas as sympy for printing only.

`resolve.symbolic.SympyBuilder` (folded) builds every node it can; the matrix constructs and
sums it refuses become printing-only nodes (the printer's `Transposed`, `MatrixProduct`, ...,
unevaluated operations), so a formula is still written as its author wrote it. Not a second
builder for checking: it differs from SympyBuilder on purpose, and nothing built here is
ever decided.
"""

from __future__ import annotations

import sympy

from symderiv.language import ast
from symderiv.resolve.scope import ELEMENTARY, PIECEWISE, Scope
from symderiv.resolve.symbolic import Derivative, SympyBuilder, Unsupported
from symderiv.check.generic import condition
from symderiv.report.latex.printer import (Diag, IdentityMatrix, Indicator, Jacobian,
                                           MatrixProduct, Transposed, printed_elementary,
                                           printed_piecewise)


class PrintingBuilder(SympyBuilder):
    """The folded builder with the elementary functions kept by name (`\\tanh(x)`, not
    its exponentials): for printing only."""

    def elementary(self, function: str, u: sympy.Expr) -> sympy.Expr:
        return printed_elementary(function, u)

    def piecewise(self, function: str, args: list[sympy.Expr]) -> sympy.Expr:
        return printed_piecewise(function, args)

    def indicator(self, node: ast.Node, bound: dict[str, sympy.Expr]) -> sympy.Expr:
        return Indicator(condition(self, node))


class Printable:
    """`build(node)`: the builder's folded sympy, else the printing-only construction."""

    def __init__(self, builder: SympyBuilder, scope: Scope) -> None:
        self.builder = builder
        self.scope = scope

    def build(self, node: ast.Node) -> sympy.Basic:
        """`node` folded; matrix constructs the builder rejects become printing-only nodes."""
        try:
            return self.builder.expr(node, {})
        except Unsupported:
            pass
        return self.fallback(node)

    def fallback(self, node: ast.Node) -> sympy.Basic:
        """`node` built for printing; its parts are built by `build` again."""
        if isinstance(node, ast.Name):
            return sympy.Symbol(node.name)
        if isinstance(node, ast.Transpose):
            return Transposed(self.build(node.operand))
        if isinstance(node, ast.Neg):
            return sympy.Mul(-1, self.build(node.operand), evaluate=False)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Index):
            return sympy.IndexedBase(self.build(node.base))[
                tuple(self.build(i) for i in node.indices)]
        raise Unsupported(type(node).__name__)

    def binary(self, node: ast.BinOp) -> sympy.Basic:
        """`a @ b` as juxtaposition, `+ - * / ^` unevaluated."""
        left, right = self.build(node.left), self.build(node.right)
        if node.op == "@":
            return MatrixProduct(left, right)
        if node.op == "+":
            return sympy.Add(left, right, evaluate=False)
        if node.op == "-":
            return sympy.Add(left, sympy.Mul(-1, right, evaluate=False), evaluate=False)
        if node.op == "*":
            return sympy.Mul(left, right, evaluate=False)
        if node.op == "/":
            return sympy.Mul(left, sympy.Pow(right, -1, evaluate=False), evaluate=False)
        return sympy.Pow(left, right, evaluate=False)

    def call(self, node: ast.Call) -> sympy.Basic:
        """A function call: a sum, a delta, a scalar function, a matrix construct or D."""
        if node.function == "sum":
            return self.sum(node)
        if node.function == "delta":
            return sympy.KroneckerDelta(*(self.build(a) for a in node.args), evaluate=False)
        args = [self.build(a) for a in node.args]
        if node.function in ELEMENTARY:
            return printed_elementary(node.function, args[0])
        if node.function in PIECEWISE:
            return printed_piecewise(node.function, args)
        if node.function in ("exp", "log", "sqrt"):
            return {"exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt}[
                node.function](*args, evaluate=False)
        special = {"jacobian": Jacobian, "diag": Diag, "eye": IdentityMatrix}
        if node.function in special:
            return special[node.function](*args)
        if node.function == "D":
            return Derivative(*args)
        return sympy.Function(node.function)(*args)

    def sum(self, node: ast.Call) -> sympy.Basic:
        """Printing only: a sum the builder refuses (e.g. bounds that may cross) is still
        written as the author wrote it."""
        body, variable, *limits = (self.build(a) for a in node.args)
        low, high = limits or (sympy.Integer(1), self.scope.index_size(str(variable)))
        return sympy.Sum(body, (variable, low, high))
