"""AST -> sympy, with sizes as positive integer symbols and sums over symbolic bounds.

Every sum gets a fresh `Dummy` as its variable, so no sum variable ever shares a name with an
index of the variable we differentiate by (sympy issue 21891). Definitions are substituted
("expanded") before `D` differentiates; `folded=True` keeps them as entries for printing.
"""

from __future__ import annotations

from functools import cached_property

import sympy
from sympy import Dummy, IndexedBase, KroneckerDelta, Sum

from symderiv import limits
from symderiv.resolve import index_form
from symderiv.resolve.index_form import Unsupported
from symderiv.resolve.scope import ELEMENTARY, PIECEWISE, Scope, size_symbol
from symderiv.language import ast

__all__ = ["Derivative", "SympyBuilder", "Unsupported", "elementary_sympy"]



def _bits(number: sympy.Expr) -> int:
    """The size of an exact rational (numerator and denominator bits)."""
    p, q = sympy.fraction(number)
    return int(abs(p)).bit_length() + int(abs(q)).bit_length()


def _too_large(base: sympy.Expr, exponent: sympy.Expr) -> bool:
    """Would sympy's automatic evaluation of base^exponent build a huge exact number?"""
    if not (base.is_Rational and exponent.is_Rational):
        return False
    if abs(exponent) > limits.active().max_symbolic_exponent and abs(base) != 1 and base != 0:
        return True
    return bool(_bits(base) * abs(exponent) > limits.active().max_number_bits)


def elementary_sympy(function: str, u: sympy.Expr) -> sympy.Expr:
    """The exact sympy value of an elementary function (scope.ELEMENTARY) at u.

    tanh, sigmoid, softplus and expm1 are written with exp (and log1p with log), as the
    modular screen evaluates them, so that their identities are rational in exp(u) and
    proofs and screen reason alike; sin and cos are sympy's own.
    """
    if function == "tanh":
        return (sympy.exp(2 * u) - 1) / (sympy.exp(2 * u) + 1)
    if function == "sigmoid":
        return 1 / (1 + sympy.exp(-u))
    if function == "softplus":
        return sympy.log(1 + sympy.exp(u))
    if function == "log1p":
        return sympy.log(1 + u)
    if function == "expm1":
        return sympy.exp(u) - 1
    return {"sin": sympy.sin, "cos": sympy.cos}[function](u)


class Relu(sympy.Function):  # type: ignore[misc]  # sympy is untyped: a subclass of Any
    """relu(u) = max(u, 0), kept whole: the generic layer decides it region by region."""

    @classmethod
    def eval(cls, u: sympy.Expr) -> sympy.Expr | None:
        if u.is_number and u.is_extended_real:
            return sympy.Max(u, 0)
        if u.is_nonnegative:
            return u
        if u.is_nonpositive:
            return sympy.Integer(0)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return Step(self.args[0])


class Step(sympy.Function):  # type: ignore[misc]  # as Relu
    """relu′(u): 1 for u > 0, 0 for u < 0, undefined at the kink u = 0."""

    @classmethod
    def eval(cls, u: sympy.Expr) -> sympy.Expr | None:
        if u.is_positive:
            return sympy.Integer(1)
        if u.is_negative:
            return sympy.Integer(0)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Integer(0)  # wherever it is defined


def piecewise_sympy(function: str, args: list[sympy.Expr]) -> sympy.Expr:
    """abs, relu, max, min through `Relu` (abs u = 2 relu(u) − u, max(a, b) = b + relu(a − b),
    min(a, b) = a − relu(a − b)): one kind of kink, whose regions are the signs of its
    arguments."""
    if function == "relu":
        return Relu(args[0])
    if function == "abs":
        return 2 * Relu(args[0]) - args[0]
    a, b = args
    return b + Relu(a - b) if function == "max" else a - Relu(a - b)


class Derivative(sympy.Function):  # type: ignore[misc]  # sympy is untyped: a subclass of Any
    """An unevaluated D(f, x), for folded (printing) mode only."""


class SympyBuilder:
    def __init__(self, scope: Scope, folded: bool = False) -> None:
        self.scope = scope
        self.folded = folded
        self._definitions: dict[tuple[str, frozenset[str]],
                                tuple[tuple[sympy.Symbol, ...], sympy.Expr]] = {}
        self._formulas: dict[tuple[ast.Node, frozenset[str]], sympy.Expr] = {}
        #: the defined quantities held as independent variables by the D() being built
        #: (`D(L, P[k])`): their entries are `held_entry` placeholders, not their bodies
        self.held: frozenset[str] = frozenset()
        self._extra: dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]] = {}

    @cached_property
    def index_symbols(self) -> dict[str, sympy.Symbol]:
        """Every index, and every scalar label (an index whose value is given: issue 15)."""
        labels = [name for name, label in self.scope.labels.items() if not label.shape]
        return {name: sympy.Symbol(name, integer=True) for name in [*self.scope.indices,
                                                                    *labels]}

    def ranges(self) -> dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]]:
        """Every index symbol (and scalar label) with its range 1..size."""
        ranges = {symbol: (sympy.Integer(1), self.range_size(name))
                  for name, symbol in self.index_symbols.items()}
        for name, label in self.scope.labels.items():  # each entry of c: 1..its range
            if label.shape:
                ranges[self.label_base(name).label] = (sympy.Integer(1), self.range_size(name))
        return {**ranges, **self._extra}

    def range_size(self, name: str) -> sympy.Expr:
        """The size an index or a label ranges over."""
        if name in self.scope.labels:
            return size_symbol(self.scope.labels[name].range)
        return self.scope.index_size(name)

    def label_base(self, name: str) -> IndexedBase:
        """A vector label: its entries are positive integers (at most its range's size)."""
        label = self.scope.labels[name]
        return IndexedBase(name, shape=tuple(size_symbol(d) for d in label.shape),
                           integer=True, positive=True)

    def base(self, name: str) -> sympy.Expr:
        symbol = self.scope.symbols[name]
        assumptions = {"positive": True} if symbol.domain == "positive" else {"real": True}
        if not symbol.shape:
            return sympy.Symbol(name, **assumptions)
        return IndexedBase(name, shape=self.scope.symbol_shape(symbol), **assumptions)

    def definition_base(self, name: str) -> IndexedBase:
        return IndexedBase(name, real=True)

    def definition(self, name: str) -> tuple[tuple[sympy.Symbol, ...], sympy.Expr]:
        key = (name, self.held)
        if key not in self._definitions:
            definition = self.scope.definitions[name]
            params = tuple(self.index_symbols[p] for p in definition.params)
            body = self.expr(definition.body.node, {})
            self._definitions[key] = (params, body)
        return self._definitions[key]

    def held_base(self, name: str) -> sympy.Expr:
        """The placeholder of a held quantity: a real symbol, or a base of its entries."""
        if self.scope.definitions[name].params:
            return self.definition_base(name)
        return sympy.Symbol(name, real=True)

    def release(self, expr: sympy.Expr, name: str) -> sympy.Expr:
        """`expr` with the placeholders of the held `name` replaced by its definition."""
        params, body = self.definition(name)
        placeholder = self.held_base(name)
        if not params:
            return expr.xreplace({placeholder: body})
        return expr.replace(
            lambda e: isinstance(e, sympy.Indexed) and e.base == placeholder,
            lambda e: body.xreplace(dict(zip(params, e.indices))))

    def formula(self, node: ast.Node) -> sympy.Expr:
        """`expr(node, {})`, built once per node (a recorded proof's steps are each decided
        against the one before and the one after)."""
        key = (node, self.held)
        found = self._formulas.get(key)
        if found is None:
            found = self._formulas[key] = self.expr(node, {})
        return found

    def integer(self, node: ast.Node, bound: dict[str, sympy.Expr]) -> sympy.Expr:
        return self.expr(node, bound)

    def expr(self, node: ast.Node, bound: dict[str, sympy.Expr]) -> sympy.Expr:
        """Build `node`; `bound` maps sum variables to their dummies."""
        if isinstance(node, ast.Number):
            return sympy.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, ast.Name):
            name = node.name
            if name in bound:
                return bound[name]
            if name in self.index_symbols:
                return self.index_symbols[name]
            if name in self.scope.sizes:
                return size_symbol(name)
            if name in self.scope.symbols:
                if self.scope.symbols[name].shape:
                    raise Unsupported(f"{name} is a vector or matrix")
                return self.base(name)
            if name in self.scope.definitions:
                definition = self.scope.definitions[name]
                if definition.params or self.scope.shapes.get(name):
                    raise Unsupported(f"{name} is a vector or matrix")
                if self.folded or name in self.held:
                    return sympy.Symbol(name, real=True)
                return self.definition(name)[1]
            raise Unsupported(f"unknown name {name}")
        if isinstance(node, ast.Index):
            return self.entry(node, bound)
        if isinstance(node, ast.Neg):
            return -self.expr(node.operand, bound)
        if isinstance(node, ast.Transpose) or isinstance(node, ast.BinOp) and node.op == "@":
            # a 1×1 product (x.T @ x) is a scalar: its one entry, in index form
            if index_form.axes(self.scope, node) != ((), ()):
                raise Unsupported("a matrix where a scalar is needed")
            return index_form.entry(self, node, ((), ()), bound)
        if isinstance(node, ast.BinOp):
            left = self.expr(node.left, bound)
            right = self.expr(node.right, bound)
            if node.op in ast.ARITHMETIC:
                return ast.ARITHMETIC[node.op](left, right)
            if _too_large(left, right):
                raise Unsupported("a power of two numbers is too large to compute exactly")
            return sympy.Pow(left, right)
        if isinstance(node, ast.Call):
            return self.call(node, bound)
        raise Unsupported(type(node).__name__)

    def entry(self, node: ast.Index, bound: dict[str, sympy.Expr]) -> sympy.Expr:
        indices = tuple(self.integer(i, bound) for i in node.indices)
        base = node.base
        if isinstance(base, ast.Name) and base.name in self.scope.labels:
            return self.label_base(base.name)[indices]
        if isinstance(base, ast.Name) and base.name in self.scope.symbols:
            return self.base(base.name)[indices]
        if isinstance(base, ast.Name) and base.name in self.scope.definitions:
            definition = self.scope.definitions[base.name]
            if definition.params:
                if self.folded or base.name in self.held:
                    return self.definition_base(base.name)[indices]
                params, body = self.definition(base.name)
                return body.xreplace(dict(zip(params, indices)))
            return self.matrix_entry(definition.body.node, indices, bound, base.name)
        return self.matrix_entry(base, indices, bound, None)

    def matrix_entry(self, node: ast.Node, indices: tuple[sympy.Expr, ...],
                     bound: dict[str, sympy.Expr], name: str | None) -> sympy.Expr:
        """An entry of a matrix-valued expression, in index form (`resolve.index_form`):
        each given index split into its axis's components, provably in range."""
        if self.folded and name is not None:
            return self.definition_base(name)[indices]
        value_axes = index_form.axes(self.scope, node)
        if value_axes is None or len(indices) == 1 and value_axes[1] != ():
            raise Unsupported("an entry of a value that is not a matrix or a column")
        ranges = self.ranges()
        column = index_form.unravel(indices[1], value_axes[1], ranges) \
            if len(indices) == 2 else ()
        position = (index_form.unravel(indices[0], value_axes[0], ranges), column)
        return index_form.entry(self, node, position, bound)

    def with_ranges(self, extra: dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]]
                    ) -> SympyBuilder:
        """The same builder with fresh free indices (an entry-wise claim's), whose ranges
        every normal form then knows; the definitions built so far are shared."""
        other = SympyBuilder(self.scope, self.folded)
        other._definitions = self._definitions
        other._extra = {**self._extra, **extra}
        return other

    def value_shape(self, node: ast.Node) -> tuple[sympy.Expr, ...]:
        """The shape of a jacobian's f or x (a name), for the recorded proofs' entries."""
        if isinstance(node, ast.Name) and node.name in self.scope.definitions:
            return self.scope.shapes[node.name]
        if isinstance(node, ast.Name) and node.name in self.scope.symbols:
            return self.scope.symbol_shape(self.scope.symbols[node.name])
        raise Unsupported("jacobian of an expression")

    def unravel(self, flat: sympy.Expr, shape: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
        """Row-major position `flat` (1-based) -> the index tuple in `shape`, symbolically."""
        if len(shape) == 0:
            return ()
        if len(shape) == 1:
            return (flat,)
        if len(shape) != 2:
            raise Unsupported("more than two dimensions")
        columns = shape[1]
        flat = sympy.expand(flat)
        ranges = self.ranges()
        for symbol in flat.free_symbols:
            if symbol in ranges and sympy.expand(ranges[symbol][1] - columns) == 0 \
                    and flat.coeff(symbol) == 1:
                rest = sympy.expand((flat - symbol) / columns)
                if rest.is_polynomial() and all(
                        c.is_integer for c in sympy.Poly(rest, *rest.free_symbols).coeffs()
                ) if rest.free_symbols else rest.is_integer:
                    return (rest + 1, symbol)
        raise Unsupported(f"cannot split column {flat} into row and column")

    def differentiate(self, f: sympy.Expr, variable: sympy.Expr) -> sympy.Expr:
        from symderiv.resolve.normalize import normalize

        return normalize(sympy.diff(f, variable), self.ranges())

    def elementary(self, function: str, u: sympy.Expr) -> sympy.Expr:
        """tanh(u), sigmoid(u), ...: their exact values (`report.latex.printable` prints
        them by name instead)."""
        return elementary_sympy(function, u)

    def piecewise(self, function: str, args: list[sympy.Expr]) -> sympy.Expr:
        """abs, relu, max, min (`report.latex.printable` prints them by name instead)."""
        return piecewise_sympy(function, args)

    def indicator(self, node: ast.Node, bound: dict[str, sympy.Expr]) -> sympy.Expr:
        """ind(condition) of indices: 1 where it holds, else 0; through Kronecker deltas
        (ind(i == j) is delta(i, j)), so that the generic layer splits it by the equality
        patterns of the indices. An order (i < j) is for the bounded layer."""
        if isinstance(node, ast.BoolOp):
            left = self.indicator(node.left, bound)
            if node.op == "not":
                return 1 - left
            assert node.right is not None
            right = self.indicator(node.right, bound)
            return left * right if node.op == "and" else left + right - left * right
        assert isinstance(node, ast.Compare)
        if node.op not in ("==", "!="):
            raise Unsupported("an order of indices in ind()")
        equal = KroneckerDelta(self.integer(node.left, bound), self.integer(node.right, bound))
        return equal if node.op == "==" else 1 - equal

    def call(self, node: ast.Call, bound: dict[str, sympy.Expr]) -> sympy.Expr:
        function, args = node.function, node.args
        if function in ("exp", "log", "sqrt"):
            inner = self.expr(args[0], bound)
            return {"exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt}[function](inner)
        if function in ELEMENTARY:
            return self.elementary(function, self.expr(args[0], bound))
        if function in PIECEWISE:
            return self.piecewise(function, [self.expr(a, bound) for a in args])
        if function == "delta":
            return KroneckerDelta(self.integer(args[0], bound), self.integer(args[1], bound))
        if function == "ind":
            return self.indicator(args[0], bound)
        if function == "sum":
            variable = args[1]
            assert isinstance(variable, ast.Name)
            if self.folded:
                dummy: sympy.Expr = self.index_symbols[variable.name]
            else:
                dummy = Dummy(variable.name, integer=True)
            low: sympy.Expr = sympy.Integer(1)
            high: sympy.Expr = self.scope.index_size(variable.name)
            if len(args) == 4:
                low = self.integer(args[2], bound)
                high = self.integer(args[3], bound)
                from symderiv.resolve.normalize import decide

                # sympy's Sum runs backwards when hi < lo (Karr's convention); symderiv's sum is
                # then empty. Only sums that are never backwards are handled symbolically.
                if decide(sympy.Le(low, high + 1), self.ranges()) is not True:
                    raise Unsupported("a sum whose upper limit may be below its lower limit")
            body = self.expr(args[0], {**bound, variable.name: dummy})
            return Sum(body, (dummy, low, high))
        if function == "D":
            return self.derivative(args[0], args[1], bound)
        raise Unsupported(f"{function}() in the generic engine")

    def derivative(self, f_node: ast.Node, x: ast.Node, bound: dict[str, sympy.Expr]
                   ) -> sympy.Expr:
        """D(f, x): by an input, or by a defined quantity held as an independent variable
        while f is built (its entries placeholders), then released back into its
        definition (unless an enclosing D holds it too)."""
        base = x.base if isinstance(x, ast.Index) else x
        assert isinstance(base, ast.Name)
        held = base.name if base.name in self.scope.definitions and not self.folded else None
        outer = self.held
        if held is not None:
            self.held = outer | {held}
        try:
            if isinstance(x, ast.Name):
                target = self.expr(x, bound) if base.name in self.scope.definitions \
                    else self.base(x.name)
            else:
                assert isinstance(x, ast.Index)
                target = self.entry(x, bound)
            f = self.expr(f_node, bound)
        finally:
            self.held = outer
        if self.folded:
            return Derivative(f, target)
        result = self.differentiate(f, target)
        return self.release(result, held) if held is not None and held not in outer \
            else result
