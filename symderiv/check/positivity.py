"""What is positive, and the log rules it licenses (the generic layer's second attempt).

`positive(e)` is True only when e > 0 wherever e is defined, by structure alone:

- a positive rational, e or π; a symbol or entry that sympy knows is positive (an input of
  `domain: positive`, a size);
- exp(u) for real u; a sum, product or quotient of positive terms; b^u for b > 0, u real;
  an indexed product (sympy's `Product`, which exp of a sum may become) of positive terms;
- sum(u, k, lo, hi) for positive u when the range is never empty (lo <= hi for every value
  of the indices and sizes: sizes are >= 1, so a sum over an index's whole range qualifies,
  sum(u, k, 2, N) does not, since it is 0 at N = 1).

`real(e)` is True when e is real wherever defined: every input is real, and so are sums,
products, integer powers of reals, b^u for b > 0, exp of reals and log of positives.

`expand_logs(e)` rewrites every log whose argument is judged positive, and only those:
log(e^u) = u (u real), log(a·b) = log a + log b (every factor positive), log(b^u) = u·log b
(b positive, u real), log(prod(u, k, lo, hi)) = sum(log u, k, lo, hi) (u positive), and for a sum, log(n/d) = log n − log d where n/d is the sum over a
common denominator (`together`) and n, d are positive. Each rewrite is an identity on the
points where the log is defined, so a zero found after it is still a proof.
"""

from __future__ import annotations

import sympy
from sympy import Add, KroneckerDelta, Mul, Piecewise, Pow, Product, Sum

from symderiv.resolve.normalize import Ranges, decide


def _limits_ranges(node: Sum, ranges: Ranges) -> Ranges | None:
    """The ranges inside a sum's body, or None if one of its ranges may be empty."""
    inner = dict(ranges)
    for variable, low, high in reversed(node.limits):  # outermost first
        if decide(sympy.Le(low, high), inner) is not True:
            return None
        inner[variable] = (low, high)
    return inner


def _body_ranges(node: Sum, ranges: Ranges) -> Ranges:
    """The ranges inside a sum's body (an empty range has no points: any claim holds there)."""
    inner = dict(ranges)
    for variable, low, high in reversed(node.limits):
        inner[variable] = (low, high)
    return inner


def real(expr: sympy.Basic, ranges: Ranges) -> bool:
    """Is expr real at every point where it is defined? (False: not known.)"""
    if isinstance(expr, sympy.Rational | sympy.NumberSymbol):
        return True
    if isinstance(expr, sympy.Symbol | sympy.Indexed):
        return expr.is_real is True
    if isinstance(expr, KroneckerDelta):
        return True
    if isinstance(expr, Add | Mul):
        return all(real(arg, ranges) for arg in expr.args)
    if isinstance(expr, Pow):
        base, exponent = expr.args
        if exponent.is_Integer:
            return real(base, ranges)
        return positive(base, ranges) and real(exponent, ranges)
    if isinstance(expr, sympy.exp):
        return real(expr.args[0], ranges)
    if isinstance(expr, sympy.log):
        return positive(expr.args[0], ranges)
    if isinstance(expr, sympy.Abs):
        return real(expr.args[0], ranges)
    if isinstance(expr, Sum | Product):
        return real(expr.function, _body_ranges(expr, ranges))
    if isinstance(expr, Piecewise):
        return all(real(value, ranges) for value, _ in expr.args)
    return False


def positive(expr: sympy.Basic, ranges: Ranges) -> bool:
    """Is expr > 0 at every point where it is defined? (False: not known.)"""
    if isinstance(expr, sympy.Rational | sympy.NumberSymbol):
        return bool(expr.is_positive)
    if isinstance(expr, sympy.Symbol | sympy.Indexed):
        return expr.is_positive is True
    if isinstance(expr, Add | Mul):
        return all(positive(arg, ranges) for arg in expr.args)
    if isinstance(expr, Pow):
        base, exponent = expr.args
        return positive(base, ranges) and real(exponent, ranges)
    if isinstance(expr, sympy.exp):
        return real(expr.args[0], ranges)
    if isinstance(expr, Sum):
        inner = _limits_ranges(expr, ranges)
        return inner is not None and positive(expr.function, inner)
    if isinstance(expr, Product):  # an empty product is 1
        return positive(expr.function, _body_ranges(expr, ranges))
    return False


def _log(arg: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """An expression equal to log(arg) where it is defined, split where positivity allows."""
    if isinstance(arg, sympy.exp) and real(arg.args[0], ranges):
        return arg.args[0]
    if isinstance(arg, Mul):
        factors = Mul.make_args(arg)
        if all(positive(f, ranges) for f in factors):
            return Add(*[_log(f, ranges) for f in factors])
    if isinstance(arg, Pow):
        base, exponent = arg.args
        if positive(base, ranges) and real(exponent, ranges):
            return exponent * _log(base, ranges)
    if isinstance(arg, Product) and positive(arg.function, _body_ranges(arg, ranges)):
        return Sum(_log(arg.function, _body_ranges(arg, ranges)), *arg.limits)
    if isinstance(arg, Add):
        numerator, denominator = sympy.fraction(sympy.together(arg))
        if denominator != 1 and positive(numerator, ranges) and positive(denominator, ranges):
            return _log(numerator, ranges) - _log(denominator, ranges)
    return sympy.log(arg)


def expand_logs(expr: sympy.Basic, ranges: Ranges) -> sympy.Basic:
    """Every log of a positive argument split by the rules of the module doc, innermost first."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or isinstance(expr, sympy.Indexed):
        return expr
    if isinstance(expr, sympy.Derivative):
        return expr
    if isinstance(expr, Sum | Product):
        body = expand_logs(expr.function, _body_ranges(expr, ranges))
        return expr if body is expr.function else expr.func(body, *expr.limits)
    args = [expand_logs(arg, ranges) for arg in expr.args]
    if isinstance(expr, sympy.log):
        return _log(args[0], ranges)
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    return expr.func(*args)
