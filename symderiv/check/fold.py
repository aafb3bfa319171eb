"""Sympy expressions back into the spec's own terms: fold definitions, print formula text.

`fold` rewrites an expanded expression (what `SympyBuilder` produces after differentiating)
with the spec's definitions put back: a definition body that occurs as a whole becomes its
entry (`sum(W[i, n] * x[n], n)` -> `g[i]`), and a quotient definition such as softmax is
folded by substituting its characteristic factor (`exp(a[w])` -> `S[w] * sum(exp(a[k]), k)`),
after which the sums cancel. `formula` prints the result in the formula language, so that
`parser.parse` reads it back. Nothing here decides truth: callers verify with the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import sympy
from sympy import IndexedBase, KroneckerDelta, Product, Sum

from symderiv.resolve.scope import Scope
from symderiv.resolve.symbolic import Derivative, SympyBuilder
from symderiv.resolve.normalize import canonical_sums, sums_to_symbols
from symderiv.language import ast
from symderiv.language.printer import unparse


class Unprintable(ValueError):
    """The expression uses something the formula language cannot write (e.g. Piecewise)."""


# -- printing --------------------------------------------------------------------------------


def _number(value: Fraction) -> ast.Node:
    if value < 0:
        return ast.Neg(0, 0, _number(-value))
    if value.denominator == 1:
        return ast.Number(0, 0, value, str(value.numerator))
    return ast.BinOp(0, 0, "/", _number(Fraction(value.numerator)),
                     _number(Fraction(value.denominator)))


def _product(nodes: list[ast.Node]) -> ast.Node:
    result = nodes[0]
    for node in nodes[1:]:
        result = ast.BinOp(0, 0, "*", result, node)
    return result


def _negate_leftmost(node: ast.Node) -> ast.Node:
    """-(a * b / c) written as -a * b / c (the same value, fewer parentheses)."""
    if isinstance(node, ast.BinOp) and node.op in "*/":
        return ast.BinOp(0, 0, node.op, _negate_leftmost(node.left), node.right)
    return ast.Neg(0, 0, node)


class _ToAst:
    """Converts one sympy expression; names sum variables after declared indices."""

    def __init__(self, scope: Scope, expression: sympy.Basic) -> None:
        self.scope = scope
        self.taken = {str(s) for s in expression.free_symbols}
        self.names: dict[sympy.Basic, str] = {}

    def sum_variable(self, variable: sympy.Basic, high: sympy.Expr) -> str:
        size = str(high) if isinstance(high, sympy.Symbol) else None
        choices = [n for n, d in self.scope.indices.items() if size is None or d.size == size]
        for name in choices:
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise Unprintable("no free index name for a sum variable")

    def convert(self, expr: sympy.Basic) -> ast.Node:
        if expr in self.names:
            return ast.Name(0, 0, self.names[expr])
        if isinstance(expr, sympy.Integer | sympy.Rational):
            return _number(Fraction(int(expr.p), int(expr.q)))
        if isinstance(expr, sympy.Symbol):
            if expr.name.startswith("_") or isinstance(expr, sympy.Dummy):
                raise Unprintable(f"unbound variable {expr}")
            return ast.Name(0, 0, expr.name)
        if isinstance(expr, sympy.Indexed):
            return ast.Index(0, 0, ast.Name(0, 0, str(expr.base)),
                             tuple(self.convert(i) for i in expr.indices))
        if isinstance(expr, sympy.Add):
            return self.add(expr)
        if isinstance(expr, sympy.Mul):
            return self.mul(expr)
        if isinstance(expr, sympy.Pow):
            return self.power(expr)
        if isinstance(expr, sympy.exp):
            return ast.Call(0, 0, "exp", (self.convert(expr.args[0]),))
        if isinstance(expr, sympy.log):
            return ast.Call(0, 0, "log", (self.convert(expr.args[0]),))
        if isinstance(expr, sympy.sin | sympy.cos):
            return ast.Call(0, 0, type(expr).__name__, (self.convert(expr.args[0]),))
        if isinstance(expr, KroneckerDelta):
            return ast.Call(0, 0, "delta", tuple(self.convert(a) for a in expr.args))
        if isinstance(expr, Sum) and len(expr.limits) == 1:
            variable, low, high = expr.limits[0]
            name = self.sum_variable(variable, high)
            self.names[variable] = name
            body = self.convert(expr.function)
            index = ast.Name(0, 0, name)
            full = low == 1 and high == self.scope.index_size(name)
            args = (body, index) if full else (body, index, self.convert(low), self.convert(high))
            return ast.Call(0, 0, "sum", args)
        if isinstance(expr, Derivative):
            return ast.Call(0, 0, "D", tuple(self.convert(a) for a in expr.args))
        raise Unprintable(f"cannot write {type(expr).__name__} as a formula")

    def add(self, expr: sympy.Add) -> ast.Node:
        terms = sorted(expr.args, key=lambda t: (t.could_extract_minus_sign(), sympy.default_sort_key(t)))
        result: ast.Node | None = None
        for term in terms:
            negative = term.could_extract_minus_sign()
            node = self.convert(-term if negative else term)
            if result is None:
                result = ast.Neg(0, 0, node) if negative else node
            else:
                result = ast.BinOp(0, 0, "-" if negative else "+", result, node)
        assert result is not None
        return result

    def mul(self, expr: sympy.Mul) -> ast.Node:
        coefficient, factors = expr.as_coeff_mul()
        if coefficient < 0:
            return _negate_leftmost(self.convert(-expr))
        numerator: list[ast.Node] = []
        denominator: list[ast.Node] = []
        if coefficient != 1:
            rational = Fraction(int(coefficient.p), int(coefficient.q))
            if rational.numerator != 1:
                numerator.append(_number(Fraction(rational.numerator)))
            if rational.denominator != 1:
                denominator.append(_number(Fraction(rational.denominator)))
        # plain factors first, sums last: S[i] * (delta(i, j) - S[j])
        for factor in sorted(factors, key=lambda f: isinstance(f, sympy.Add)):
            if isinstance(factor, sympy.Pow) and factor.exp.is_negative:
                denominator.append(self.convert(factor.base ** -factor.exp))
            else:
                numerator.append(self.convert(factor))
        top = _product(numerator) if numerator else _number(Fraction(1))
        if not denominator:
            return top
        return ast.BinOp(0, 0, "/", top, _product(denominator))

    def power(self, expr: sympy.Pow) -> ast.Node:
        base, exponent = expr.args
        if exponent == sympy.Rational(1, 2):
            return ast.Call(0, 0, "sqrt", (self.convert(base),))
        if exponent.is_negative:
            return ast.BinOp(0, 0, "/", _number(Fraction(1)), self.convert(base ** -exponent))
        return ast.BinOp(0, 0, "^", self.convert(base), self.convert(exponent))


def formula(expr: sympy.Basic, scope: Scope) -> str:
    """`expr` as formula-language text. Raises Unprintable."""
    if expr.has(sympy.Piecewise, sympy.Derivative, Product):
        raise Unprintable("the expression has cases, unevaluated derivatives or products")
    return unparse(_ToAst(scope, expr).convert(expr))


# -- folding ---------------------------------------------------------------------------------


def _products_as_sums(expr: sympy.Basic) -> sympy.Basic:
    """Product(exp(u), limits) -> exp(Sum(u, limits)) (sympy writes exp of a sum that way)."""
    return expr.replace(
        lambda e: isinstance(e, Product) and isinstance(e.function, sympy.exp),
        lambda e: sympy.exp(Sum(e.function.args[0], *e.limits)))


def _fresh_sums(expr: sympy.Basic) -> sympy.Basic:
    """Every sum variable a new Dummy, so `canonical_sums` can never capture one sum's
    variable with another's (it renames inner sums first)."""
    def visit(node: sympy.Basic) -> sympy.Basic:
        if node.is_Atom or not node.args:
            return node
        args = [visit(a) for a in node.args]
        node = node.func(*args) if any(a is not b for a, b in zip(args, node.args)) else node
        if isinstance(node, Sum | Product):
            body = node.function
            limits = []
            for variable, low, high in node.limits:
                fresh = sympy.Dummy(str(variable), integer=True)
                body = body.xreplace({variable: fresh})
                limits.append((fresh, low, high))
            node = node.func(body, *limits)
        return node

    return visit(expr)


def _protect_sums(expr: sympy.Basic) -> tuple[sympy.Basic, dict[sympy.Symbol, sympy.Basic]]:
    """Outermost sums -> placeholder symbols (substitutions never reach inside a sum)."""
    protected, table = sums_to_symbols(expr, "_sum", positive=True)
    return protected, {symbol: total for total, symbol in table.items()}


class Folder:
    """Puts the definitions of one scope back into expanded expressions."""

    def __init__(self, scope: Scope, only: set[str] | None = None) -> None:
        """Fold the definitions named in `only` (default: all), in declaration order."""
        self.scope = scope
        builder = SympyBuilder(scope, folded=True)
        self.bodies: list[tuple[str, tuple[sympy.Symbol, ...], sympy.Expr]] = []
        for definition in scope.spec.definitions:
            if only is not None and definition.name not in only:
                continue
            if scope.shapes.get(definition.name) and not definition.params:
                continue  # matrix-valued definitions (jacobian(...)) are not folded
            try:
                body = canonical_sums(builder.expr(definition.body.node, {}))
            except MemoryError:  # the check is over its --memory
                raise
            except Exception:  # noqa: BLE001 - an unbuildable body is simply not folded
                continue
            params = tuple(builder.index_symbols[p] for p in definition.params)
            self.bodies.append((definition.name, params, body))

    def fold(self, expr: sympy.Basic) -> sympy.Basic:
        expr = canonical_sums(_products_as_sums(_fresh_sums(expr)))
        for name, params, body in self.bodies:
            expr = canonical_sums(_fresh_sums(self._fold_one(expr, name, params, body)))
        return expr

    def _fold_one(self, expr: sympy.Basic, name: str, params: tuple[sympy.Symbol, ...],
                  body: sympy.Expr) -> sympy.Basic:
        wilds = tuple(sympy.Wild(f"w{n}") for n in range(len(params)))
        pattern = body.xreplace(dict(zip(params, wilds)))
        entry = IndexedBase(name, real=True)[wilds] if params else sympy.Symbol(name)
        if not pattern.is_Atom:
            expr = expr.replace(pattern, entry)
        factors = sympy.Mul.make_args(body)
        varying = [f for f in factors if f.free_symbols & set(params)]
        if len(varying) != 1 or not isinstance(varying[0], sympy.exp) or not params:
            return expr
        rest = sympy.Mul(*[f for f in factors if f is not varying[0]])
        inner = varying[0].args[0].xreplace(dict(zip(params, wilds)))
        protected, table = _protect_sums(expr)

        def substitute(node: sympy.Basic) -> sympy.Basic:
            if not isinstance(node, sympy.exp):
                return node
            product: sympy.Expr = sympy.Integer(1)
            remaining: list[sympy.Expr] = []
            for term in sympy.Add.make_args(sympy.expand(node.args[0])):
                coefficient, core = term.as_coeff_Mul()
                found = core.match(inner) if coefficient.is_Integer else None
                if found is None or any(w not in found for w in wilds):
                    remaining.append(term)
                    continue
                value = IndexedBase(name, real=True)[tuple(found[w] for w in wilds)] / rest
                product *= value ** coefficient
            return product * sympy.exp(sympy.Add(*remaining))

        protected = protected.replace(lambda e: isinstance(e, sympy.exp), substitute)
        return protected.xreplace(table)


def _positive_lead(expr: sympy.Expr) -> sympy.Expr:
    """-S*(a - b) -> S*(b - a): a teacher reads a product without a leading minus."""
    if isinstance(expr, sympy.Mul) and expr.could_extract_minus_sign():
        positive = -expr
        if isinstance(positive, sympy.Mul):
            sums = [f for f in positive.args if isinstance(f, sympy.Add)]
            if sums:
                others = [f for f in positive.args if f is not sums[0]]
                return sympy.Mul(*others, sympy.expand(-sums[0]))
    return expr


def forms(expr: sympy.Expr) -> Iterator[sympy.Expr]:
    """Equivalent ways to write `expr`, for picking the shortest (sums held as atoms)."""
    protected, table = _protect_sums(expr)
    seen: list[sympy.Expr] = []
    for form in (protected, sympy.factor(protected), sympy.cancel(protected),
                 sympy.expand(protected), sympy.factor_terms(protected)):
        form = _positive_lead(form).xreplace(table)
        if form not in seen:
            seen.append(form)
            yield form


def shortest_texts(expr: sympy.Expr, scope: Scope) -> list[str]:
    """Printable ways to write `expr`, shortest first."""
    texts = []
    for form in forms(expr):
        try:
            text = formula(form, scope)
        except Unprintable:
            continue
        if text not in texts:
            texts.append(text)
    return sorted(texts, key=len)
