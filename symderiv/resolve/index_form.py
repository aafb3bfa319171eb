"""Matrices in index notation (Ricci calculus): one entry of a matrix-valued formula.

A whole-matrix claim (`jacobian(S, a) == diag(S) - S @ S.T`) becomes an entry-wise claim over
fresh free indices: `(A @ B)[r, c] = Σ_k A[r, k] B[k, c]`, `diag(v)[r, c] = δ_rc v_r`,
`eye(n)[r, c] = δ_rc`, `A.T[r, c] = A[c, r]`, `jacobian(f, x)[r, c] = D(f[r], x[c])`.

An axis of a value is a tuple of factor sizes, row-major: a column of `jacobian(g, W)` for a
T×N matrix W is the pair (T, N), position (i, j) standing for column (i − 1)·N + j, so every
size is covered by two fresh indices and no division of a symbolic size is needed. A vector
is a column (its second axis is `()`, of length 1); factors of literal size 1 are dropped.
The translation is exact or refused (`Unsupported`): two axes meet (in `+`, `@`, `==`) only
when their factors are the same expressions, so the shapes agree at every size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

import sympy
from sympy import Dummy, KroneckerDelta, Sum

from symderiv.language import ast
from symderiv.resolve.normalize import Ranges, decide
from symderiv.resolve.scope import Scope, Shape, size_symbol

Axis = tuple[sympy.Expr, ...]
#: a value's two axes; None for a scalar
Axes = tuple[Axis, Axis] | None
#: a position: the components of the row and of the column
Position = tuple[tuple[sympy.Expr, ...], tuple[sympy.Expr, ...]]

class Unsupported(Exception):
    """A construct the generic (all-sizes) engine does not handle; other layers may."""


class Builder(Protocol):
    """What the translation needs of `resolve.symbolic.SympyBuilder`."""

    scope: Scope

    def expr(self, node: ast.Node, bound: dict[str, sympy.Expr]) -> sympy.Expr: ...

    def definition(self, name: str) -> tuple[tuple[sympy.Symbol, ...], sympy.Expr]: ...

    def base(self, name: str) -> sympy.Expr: ...

    def differentiate(self, f: sympy.Expr, variable: sympy.Expr) -> sympy.Expr: ...

    def ranges(self) -> Ranges: ...


def axis_of(dimensions: Iterable[sympy.Expr]) -> Axis:
    """The factors of one axis, literal 1s dropped."""
    return tuple(d for d in dimensions if d != 1)


def shape_axes(shape: Shape) -> Axes:
    """A declared shape as axes: () a scalar, (n,) a column, (m, n) a matrix."""
    if not shape:
        return None
    if len(shape) == 1:
        return (axis_of(shape), ())
    if len(shape) == 2:
        return (axis_of(shape[:1]), axis_of(shape[1:]))
    raise Unsupported("more than two dimensions")


def same_axis(left: Axis, right: Axis) -> bool:
    return len(left) == len(right) and all(sympy.expand(a - b) == 0
                                           for a, b in zip(left, right))


def is_scalar(value_axes: Axes) -> bool:
    """A scalar, or a 1×1 matrix (`x.T @ x`, which claims use as a scalar)."""
    return value_axes is None or value_axes == ((), ())


def same_axes(left: Axes, right: Axes) -> bool:
    """The same axes at every size (two scalars, or the same factors on each axis)."""
    if left is None or right is None:
        return is_scalar(left) and is_scalar(right)
    return same_axis(left[0], right[0]) and same_axis(left[1], right[1])


def _meet(left: Axes, right: Axes, what: str) -> Axes:
    if not same_axes(left, right):
        raise Unsupported(f"axes that agree only at some sizes in {what}")
    return left


def entry_index(shape: Shape, components: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
    """The declared index tuple of a position: components for the dimensions other than 1,
    and 1 for those of literal size 1."""
    found = iter(components)
    index = tuple(sympy.Integer(1) if d == 1 else next(found) for d in shape)
    if next(found, None) is not None:
        raise Unsupported("a position with more components than the shape")
    return index


def axes(scope: Scope, node: ast.Node) -> Axes:
    """The axes of a formula of claims and definitions.

    Raises:
        Unsupported: a shape that depends on the sizes in a way axes cannot state.
    """
    if isinstance(node, ast.Name):
        if node.name in scope.symbols:
            return shape_axes(scope.symbol_shape(scope.symbols[node.name]))
        if node.name in scope.definitions:
            definition = scope.definitions[node.name]
            if definition.params or not scope.shapes.get(node.name):
                return shape_axes(scope.shapes.get(node.name, ()))
            return axes(scope, definition.body.node)
        return None
    if isinstance(node, ast.Neg):
        return axes(scope, node.operand)
    if isinstance(node, ast.Transpose):
        inner = axes(scope, node.operand)
        return None if inner is None else (inner[1], inner[0])
    if isinstance(node, ast.BinOp):
        left, right = axes(scope, node.left), axes(scope, node.right)
        if node.op in "+-":
            return _meet(left, right, f"'{node.op}'")
        if node.op == "@":
            if left is None or right is None or not same_axis(left[1], right[0]):
                raise Unsupported("a matrix product whose inner axes differ")
            return (left[0], right[1])
        if node.op in "*/":
            if not (is_scalar(left) or is_scalar(right)):
                raise Unsupported("'*' of two matrices")
            return right if is_scalar(left) else left
        return None
    if isinstance(node, ast.Call):
        return _call_axes(scope, node)
    return None


def _call_axes(scope: Scope, node: ast.Call) -> Axes:
    if node.function == "jacobian":
        f, x = node.args
        f_axes = axes(scope, f) or ((), ())
        assert isinstance(x, ast.Name)
        column = axis_of(scope.symbol_shape(scope.symbols[x.name]))
        return (f_axes[0] + f_axes[1], column)
    if node.function == "diag":
        inner = axes(scope, node.args[0])
        if inner is None or inner[1] != ():
            raise Unsupported("diag() of a value that is not a column")
        return (inner[0], inner[0])
    if node.function == "eye":
        n = eye_size(node.args[0])
        return (axis_of((n,)), axis_of((n,)))
    return None


def eye_size(argument: ast.Node) -> sympy.Expr:
    if isinstance(argument, ast.Name):
        return size_symbol(argument.name)
    assert isinstance(argument, ast.Number)
    return sympy.Integer(int(argument.value))


def deltas(left: tuple[sympy.Expr, ...], right: tuple[sympy.Expr, ...]) -> sympy.Expr:
    """Π δ(l_k, r_k): 1 exactly where the two positions are the same."""
    return sympy.Mul(*(KroneckerDelta(a, b) for a, b in zip(left, right)))


def sum_over(axis: Axis, body: Callable[[tuple[sympy.Expr, ...]], sympy.Expr],
             name: str = "k") -> sympy.Expr:
    """Σ over every position of `axis` (fresh dummies, one per factor) of body(position)."""
    variables = tuple(Dummy(name, integer=True) for _ in axis)
    value = body(variables)
    if not variables:
        return value
    return Sum(value, *((v, sympy.Integer(1), size) for v, size in zip(variables, axis)))


def split(position: tuple[sympy.Expr, ...], value_axes: Axes) -> Position:
    """Row components of a jacobian: the entry position of f, row then column."""
    rows = value_axes[0] if value_axes is not None else ()
    return (position[:len(rows)], position[len(rows):])


def entry(builder: Builder, node: ast.Node, position: Position,
          bound: dict[str, sympy.Expr]) -> sympy.Expr:
    """The entry of `node` at `position` (which must fit `axes(node)`), in sympy.

    Raises:
        Unsupported: a construct outside the translation.
    """
    scope = builder.scope
    node_axes = axes(scope, node)
    if node_axes is None:
        return builder.expr(node, bound)
    components = position[0] + position[1]
    if isinstance(node, ast.Name):
        if node.name in scope.symbols:
            index = entry_index(scope.symbol_shape(scope.symbols[node.name]), components)
            return builder.base(node.name)[index]
        definition = scope.definitions[node.name]
        if definition.params:
            params, body = builder.definition(node.name)
            index = entry_index(scope.shapes[node.name], components)
            return body.xreplace(dict(zip(params, index)))
        return entry(builder, definition.body.node, position, {})
    if isinstance(node, ast.Neg):
        return -entry(builder, node.operand, position, bound)
    if isinstance(node, ast.Transpose):
        return entry(builder, node.operand, (position[1], position[0]), bound)
    if isinstance(node, ast.BinOp):
        if node.op == "@":
            inner = axes(scope, node.left)
            assert inner is not None
            return sum_over(inner[1], lambda k: entry(builder, node.left, (position[0], k), bound)
                            * entry(builder, node.right, (k, position[1]), bound))
        left = entry(builder, node.left, position, bound)
        right = entry(builder, node.right, position, bound)
        if node.op in ast.ARITHMETIC:
            return ast.ARITHMETIC[node.op](left, right)
        raise Unsupported(f"'{node.op}' of a matrix")
    if isinstance(node, ast.Call):
        return _call_entry(builder, node, position, bound)
    raise Unsupported(f"an entry of {type(node).__name__}")


def _call_entry(builder: Builder, node: ast.Call, position: Position,
                bound: dict[str, sympy.Expr]) -> sympy.Expr:
    scope = builder.scope
    if node.function == "jacobian":
        f, x = node.args
        assert isinstance(x, ast.Name)
        f_entry = entry(builder, f, split(position[0], axes(scope, f)), bound)
        x_shape = scope.symbol_shape(scope.symbols[x.name])
        variable = builder.base(x.name)
        target = variable[entry_index(x_shape, position[1])] if x_shape else variable
        return builder.differentiate(f_entry, target)
    if node.function == "diag":
        return deltas(position[0], position[1]) * entry(builder, node.args[0],
                                                        (position[0], ()), bound)
    if node.function == "eye":
        return deltas(position[0], position[1])
    raise Unsupported(f"an entry of {node.function}()")


def fresh_position(value_axes: tuple[Axis, Axis], taken: set[str]
                   ) -> tuple[Position, Ranges]:
    """Fresh free indices for every component of the axes (r, c; r_1, r_2 for a pair of
    factors), with their ranges 1..factor; names in `taken` are avoided."""
    ranges: Ranges = {}
    position = []
    for letter, axis in zip("rc", value_axes):
        components = []
        for number in range(len(axis)):
            name = letter if len(axis) == 1 else f"{letter}_{number + 1}"
            while name in taken:
                name += "'"
            taken.add(name)
            symbol = sympy.Symbol(name, integer=True)
            ranges[symbol] = (sympy.Integer(1), axis[number])
            components.append(symbol)
        position.append(tuple(components))
    return (position[0], position[1]), ranges


def flat_column(axis: Axis, components: tuple[sympy.Expr, ...]) -> sympy.Expr:
    """The row-major position (1-based) the components of `axis` stand for."""
    flat: sympy.Expr = sympy.Integer(0)
    for size, component in zip(axis, components):
        flat = flat * size + (component - 1)
    return sympy.expand(flat + 1)


def describe(position: Position, value_axes: tuple[Axis, Axis]) -> str:
    """'[r, (c_1 - 1)*N + c_2]': the entry a position stands for."""
    parts = [str(flat_column(axis, components)) if components else "1"
             for axis, components in zip(value_axes, position)]
    return f"[{', '.join(parts)}]"


def unravel(flat: sympy.Expr, axis: Axis, ranges: Ranges) -> tuple[sympy.Expr, ...]:
    """A given (flat, 1-based) index of an axis as its components, for every size.

    Raises:
        Unsupported: the index cannot be split so that each component provably lies in its
            factor's range (`Dg[1, N + 1]` when T may be 1).
    """
    def inside(value: sympy.Expr, size: sympy.Expr) -> bool:
        return decide(sympy.And(sympy.Le(1, value), sympy.Le(value, size)), ranges) is True

    if not axis:
        if decide(sympy.Eq(flat, 1), ranges) is not True:
            raise Unsupported(f"position {flat} of an axis of length 1")
        return ()
    if len(axis) == 1:
        if not inside(flat, axis[0]):
            raise Unsupported(f"position {flat} may be outside 1..{axis[0]}")
        return (flat,)
    if len(axis) != 2:
        raise Unsupported("more than two factors in one axis")
    rows, columns = axis
    flat = sympy.expand(flat)
    quotient, rest = _divide(flat, columns)
    for row, column in ((quotient + 1, rest), (quotient, rest + columns)):
        row, column = sympy.expand(row), sympy.expand(column)
        if _integral(row) and inside(column, columns) and inside(row, rows):
            return (row, column)
    raise Unsupported(f"cannot split column {flat} into row and column")


def _divide(flat: sympy.Expr, size: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """flat = size·quotient + rest, the terms of flat that `size` divides in the quotient."""
    quotient: sympy.Expr = sympy.Integer(0)
    rest: sympy.Expr = sympy.Integer(0)
    for term in sympy.Add.make_args(flat):
        share = sympy.cancel(term / size)
        if share.is_polynomial() and sympy.fraction(share)[1] == 1 and _integral(share):
            quotient += share
        elif size.is_Integer and term.is_Integer:
            multiple = (int(term) - 1) // int(size)
            quotient += multiple
            rest += term - multiple * size
        else:
            rest += term
    return sympy.expand(quotient), sympy.expand(rest)


def _integral(value: sympy.Expr) -> bool:
    """A polynomial with integer coefficients in integer symbols."""
    if value.is_Integer:
        return True
    symbols = value.free_symbols
    if not all(s.is_integer for s in symbols) or not value.is_polynomial(*symbols):
        return False
    return all(c.is_Integer for c in sympy.Poly(value, *symbols).coeffs())
