"""numpy implementations in index notation: one entry of a numpy formula, at every size.

The formula's value at position (r, c, ...) is built with numpy's meaning: element-wise
arithmetic broadcasts from the last axis (an axis of literal size 1 stretches; two symbolic
sizes meet only when they are the same expression, else the translation is refused, since
numpy would refuse some sizes), `sum(x)` is Σ over every entry, `@` is Σ_k A[r,k] B[k,c],
`.T` of a vector is the vector, `outer(u, v)[r, c] = u_r v_c`, `diag` of a vector is
δ_rc v_r and of a square matrix its diagonal, `eye(n)[r, c] = δ_rc`, `abs`, `max(x, y)` and
`min(x, y)` are sympy's. A reduction `max(x)` or `min(x)` becomes a free real symbol (one
per distinct argument): a proof that holds for every value of it holds for the true one, so
the stable softmax's shift is proved harmless, and a formula that depends on the maximum is
not proved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy
from sympy import Dummy, KroneckerDelta, Sum

from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.resolve.index_form import Unsupported
from symderiv.resolve.scope import ELEMENTARY, Scope, Shape, size_symbol
from symderiv.resolve.symbolic import SympyBuilder, elementary_sympy

Position = tuple[sympy.Expr, ...]

_ELEMENTWISE: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "abs": sympy.Abs,
}


#: The numpy calls this translation knows exactly; any other (relu, mean, where, clip,
#: logaddexp, arange, ...) or a keyword argument (axis=, keepdims=) leaves the
#: implementation to the numeric check: a call read as another would prove a wrong formula.
_TRANSLATED = frozenset({"eye", "sum", "max", "min", "outer", "diag", *_ELEMENTWISE,
                         *ELEMENTARY})


def _known(node: ast.Call) -> None:
    if node.keywords:
        raise Unsupported(f"{node.function}() with keyword arguments")
    if node.function not in _TRANSLATED:
        raise Unsupported(f"{node.function}() in index notation")


def _same(left: sympy.Expr, right: sympy.Expr) -> bool:
    return bool(sympy.expand(left - right) == 0)


def broadcast(left: Shape, right: Shape) -> Shape:
    """numpy's broadcast shape, for every size; Unsupported where it would depend on them."""
    rank = max(len(left), len(right))
    a = (sympy.Integer(1),) * (rank - len(left)) + tuple(left)
    b = (sympy.Integer(1),) * (rank - len(right)) + tuple(right)
    out = []
    for x, y in zip(a, b):
        if _same(x, y) or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise Unsupported(f"sizes {x} and {y} broadcast only at some sizes")
    return tuple(out)


def _aligned(shape: Shape, position: Position) -> Position:
    """The position in an operand of `shape` of the broadcast result's `position`."""
    tail = position[len(position) - len(shape):] if shape else ()
    return tuple(sympy.Integer(1) if d == 1 else p for d, p in zip(shape, tail))


@dataclass
class NumpyIndex:
    """Translates the numpy formulas of one spec (`implementations`: the definitions with a
    single implementation, by name) with one builder; `extremes` holds the free symbols
    that stand for `max(x)` and `min(x)`, by the reduction's text."""

    builder: SympyBuilder
    implementations: dict[str, ast.Node]
    extremes: dict[str, sympy.Symbol] = field(default_factory=dict)

    @property
    def scope(self) -> Scope:
        return self.builder.scope

    def shape(self, node: ast.Node) -> Shape:
        if isinstance(node, ast.Number):
            return ()
        if isinstance(node, ast.Name):
            if node.name in self.scope.symbols:
                return self.scope.symbol_shape(self.scope.symbols[node.name])
            if node.name in self.implementations:
                return self.shape(self.implementations[node.name])
            if node.name in self.scope.sizes:
                return ()
            raise Unsupported(f"{node.name} in a numpy formula")
        if isinstance(node, ast.Neg):
            return self.shape(node.operand)
        if isinstance(node, ast.Transpose):
            inner = self.shape(node.operand)
            return inner[::-1] if len(inner) == 2 else inner
        if isinstance(node, ast.BinOp):
            left, right = self.shape(node.left), self.shape(node.right)
            if node.op == "@":
                return self._product_shape(left, right)
            return broadcast(left, right)
        if isinstance(node, ast.Call):
            return self._call_shape(node)
        raise Unsupported(f"{type(node).__name__} in a numpy formula")

    def _product_shape(self, left: Shape, right: Shape) -> Shape:
        if not (1 <= len(left) <= 2 and 1 <= len(right) <= 2):
            raise Unsupported("'@' of arrays of these ranks")
        if not _same(left[-1], right[0]):  # a vector's length, a matrix's rows
            raise Unsupported("'@' whose inner sizes differ at some sizes")
        return left[:-1] + right[1:]

    def _call_shape(self, node: ast.Call) -> Shape:
        function, args = node.function, node.args
        _known(node)
        if function == "eye":
            n = _eye_size(args[0])
            return (n, n)
        shapes = [self.shape(a) for a in args]
        if function in ("sum", "max", "min") and len(args) == 1:
            return ()
        if function in ("max", "min"):
            return broadcast(shapes[0], shapes[1])
        if function == "outer":
            if len(shapes[0]) != 1 or len(shapes[1]) != 1:
                raise Unsupported("outer() of arrays that are not vectors")
            return (shapes[0][0], shapes[1][0])
        if function == "diag":
            if len(shapes[0]) == 1:
                return (shapes[0][0], shapes[0][0])
            if len(shapes[0]) == 2 and _same(*shapes[0]):
                return (shapes[0][0],)
            raise Unsupported("diag() of a matrix that may not be square")
        return shapes[0]  # element-wise

    def entry(self, node: ast.Node, position: Position) -> sympy.Expr:
        """The entry of the numpy formula at `position` (one component per axis)."""
        if isinstance(node, ast.Number):
            return sympy.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, ast.Name):
            return self._name(node, position)
        if isinstance(node, ast.Neg):
            return -self.entry(node.operand, position)
        if isinstance(node, ast.Transpose):
            return self.entry(node.operand, position[::-1] if len(position) == 2 else position)
        if isinstance(node, ast.BinOp):
            if node.op == "@":
                return self._product(node, position)
            left = self.entry(node.left, _aligned(self.shape(node.left), position))
            right = self.entry(node.right, _aligned(self.shape(node.right), position))
            if node.op in ast.ARITHMETIC:
                return ast.ARITHMETIC[node.op](left, right)
            return sympy.Pow(left, right)
        if isinstance(node, ast.Call):
            return self._call(node, position)
        raise Unsupported(f"{type(node).__name__} in a numpy formula")

    def _name(self, node: ast.Name, position: Position) -> sympy.Expr:
        if node.name in self.scope.symbols:
            base = self.builder.base(node.name)
            return base[position] if position else base
        if node.name in self.implementations:
            return self.entry(self.implementations[node.name], position)
        return size_symbol(node.name)

    def _product(self, node: ast.BinOp, position: Position) -> sympy.Expr:
        left = self.shape(node.left)  # the whole formula's shape() checked the right one
        k = Dummy("k", integer=True)
        rows, columns = position[:len(left) - 1], position[len(left) - 1:]
        body = self.entry(node.left, rows + (k,)) * self.entry(node.right, (k,) + columns)
        return Sum(body, (k, sympy.Integer(1), left[-1]))

    def _call(self, node: ast.Call, position: Position) -> sympy.Expr:
        function, args = node.function, node.args
        _known(node)
        if function == "eye":
            return KroneckerDelta(position[0], position[1])
        if function in ("max", "min") and len(args) == 1:
            key = f"{function}({unparse(args[0])})"
            if key not in self.extremes:
                # a Dummy: never the same as a declared scalar symbol named m_1
                self.extremes[key] = sympy.Dummy(f"m_{len(self.extremes) + 1}", real=True)
            return self.extremes[key]
        if function == "sum":
            shape = self.shape(args[0])
            variables = tuple(Dummy("k", integer=True) for _ in shape)
            body = self.entry(args[0], _aligned(shape, variables))
            limits = [(v, sympy.Integer(1), d) for v, d in zip(variables, shape) if d != 1]
            return Sum(body, *limits) if limits else body
        if function in ("max", "min"):
            entries = [self.entry(a, _aligned(self.shape(a), position)) for a in args]
            return (sympy.Max if function == "max" else sympy.Min)(*entries)
        if function == "outer":
            return self.entry(args[0], position[:1]) * self.entry(args[1], position[1:])
        if function == "diag":
            if len(self.shape(args[0])) == 1:
                return KroneckerDelta(position[0], position[1]) * self.entry(args[0],
                                                                             position[:1])
            return self.entry(args[0], (position[0], position[0]))
        inner = self.entry(args[0], position)
        if function in _ELEMENTWISE:
            return _ELEMENTWISE[function](inner)
        return elementary_sympy(function, inner)


def _eye_size(argument: ast.Node) -> sympy.Expr:
    if isinstance(argument, ast.Name):
        return size_symbol(argument.name)
    assert isinstance(argument, ast.Number)
    return sympy.Integer(int(argument.value))
