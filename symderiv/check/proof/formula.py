"""A folded sympy expression (`SympyBuilder(folded=True)`) back to the formula language.

The steps of a recorded proof are built in sympy; to be decided like a derivation's steps
they are written back as formula ASTs (and their text, `language.printer.unparse`).
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from symderiv.language import ast
from symderiv.resolve.scope import Scope
from symderiv.check.fold import _number, _product
from symderiv.resolve.symbolic import Derivative, Relu, Step


class NotWritable(Exception):
    """An expression the formula language cannot write (the proof is not printed)."""


class Writer:
    """Folded sympy → formula AST, in the names of one scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def node(self, expr: sympy.Basic) -> ast.Node:
        if isinstance(expr, sympy.Rational):
            return _number(Fraction(int(expr.p), int(expr.q)))
        if isinstance(expr, sympy.Symbol):
            return ast.Name(0, 0, expr.name)
        if isinstance(expr, sympy.Indexed):
            return ast.Index(0, 0, ast.Name(0, 0, str(expr.base.label)),
                             tuple(self.node(i) for i in expr.indices))
        if isinstance(expr, sympy.KroneckerDelta):
            return ast.Call(0, 0, "delta", tuple(self.node(a) for a in expr.args[:2]))
        if isinstance(expr, sympy.exp):
            return ast.Call(0, 0, "exp", (self.node(expr.args[0]),))
        if isinstance(expr, sympy.log):
            return ast.Call(0, 0, "log", (self.node(expr.args[0]),))
        if isinstance(expr, Derivative):
            return ast.Call(0, 0, "D", tuple(self.node(a) for a in expr.args))
        if isinstance(expr, Relu):  # abs, max and min are built through it: written as relu
            return ast.Call(0, 0, "relu", (self.node(expr.args[0]),))
        if isinstance(expr, sympy.Sum):
            return self.sum(expr)
        if isinstance(expr, sympy.Add):
            return self.add(expr)
        if isinstance(expr, sympy.Mul):
            return self.mul(expr)
        if isinstance(expr, sympy.Pow):
            return self.power(expr)
        if isinstance(expr, Step):
            raise NotWritable("the derivative of relu (a step, undefined at its kink) has no "
                              "form in the formula language")
        raise NotWritable(f"{type(expr).__name__} has no form in the formula language")

    def sum(self, expr: sympy.Sum) -> ast.Node:
        body = self.node(expr.function)
        for variable, low, high in expr.limits:
            name = str(variable)
            if name not in self.scope.indices:
                raise NotWritable(f"sum variable {name}")
            arguments: tuple[ast.Node, ...] = (body, ast.Name(0, 0, name))
            if low != 1 or sympy.expand(high - self.scope.index_size(name)) != 0:
                arguments += (self.node(low), self.node(high))
            body = ast.Call(0, 0, "sum", arguments)
        return body

    def add(self, expr: sympy.Add) -> ast.Node:
        terms = list(expr.args) if _unevaluated(expr) else list(expr.as_ordered_terms())
        # as a teacher writes a sum: its positive terms first
        terms = sorted(terms, key=lambda t: bool(t.could_extract_minus_sign()))
        node: ast.Node | None = None
        for term in terms:
            negative = term.could_extract_minus_sign()
            if node is None:
                node = self.node(term)
            else:
                written = self.node(-term if negative else term)
                node = ast.BinOp(0, 0, "-" if negative else "+", node, written)
        assert node is not None
        return node

    def mul(self, expr: sympy.Mul) -> ast.Node:
        numerator: list[ast.Node] = []
        denominator: list[ast.Node] = []
        negative = False
        factors = list(expr.args)
        # a derivative still to take goes after the fraction: -δ_ky / P_y · ∂P_k/∂W_ij
        after = [self.node(f) for f in factors if isinstance(f, Derivative)]
        factors = [f for f in factors if not isinstance(f, Derivative)]
        # a sum in brackets after the first plain factor: P_t (δ_tk − P_k) x_j
        plain = [f for f in factors if not isinstance(f, sympy.Add)]
        brackets = [f for f in factors if isinstance(f, sympy.Add)]
        if not _unevaluated(expr) and plain and brackets:
            factors = [plain[0], *brackets, *plain[1:]]
        for factor in factors:
            if factor.is_Rational:
                value = Fraction(int(factor.p), int(factor.q))
                if value < 0:
                    negative, value = not negative, -value
                if value.numerator != 1:
                    numerator.append(_number(Fraction(value.numerator)))
                if value.denominator != 1:
                    denominator.append(_number(Fraction(value.denominator)))
            elif isinstance(factor, sympy.Pow) and factor.exp.is_Rational and factor.exp < 0:
                denominator.append(self.node(sympy.Pow(factor.base, -factor.exp)))
            else:
                numerator.append(self.node(factor))
        if after and not (numerator or denominator or negative):
            return _product(after)
        if not numerator:
            numerator = [_number(Fraction(1))]
        if negative:  # -a * b / c: the sign on the first factor
            numerator[0] = ast.Neg(0, 0, numerator[0])
        top = _product(numerator)
        node = ast.BinOp(0, 0, "/", top, _product(denominator)) if denominator else top
        return _product([node, *after])

    def power(self, expr: sympy.Pow) -> ast.Node:
        base, exponent = expr.args
        if exponent == 1:  # an unevaluated x^1 (1/x written as x^-1 with evaluate=False)
            return self.node(base)
        if exponent.is_Rational and exponent < 0:
            return ast.BinOp(0, 0, "/", _number(Fraction(1)),
                             self.node(sympy.Pow(base, -exponent, evaluate=False)))
        if exponent == sympy.Rational(1, 2):
            return ast.Call(0, 0, "sqrt", (self.node(base),))
        return ast.BinOp(0, 0, "^", self.node(base), self.node(exponent))


def _unevaluated(expr: sympy.Basic) -> bool:
    """Built with evaluate=False (kept as written: its arguments in their order)."""
    return bool(expr != expr.func(*expr.args))
