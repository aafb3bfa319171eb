"""The sign of an expression wherever it is defined, by structure (the inequality layer).

`sign(e, ranges)` is a `Sign`: what is known of e at every point where e is defined (every
input real, every index in its range). It builds on `positivity.positive` and `real`:

- a number has its own sign; an input or entry what sympy knows of it (`domain: positive`);
- exp(u) > 0 for real u; a δ and |u| are >= 0; b^n with n even is >= 0, b^u > 0 for b > 0;
  b^(p/q) with q even is >= 0 (it is defined only for b >= 0);
- a sum or product of terms of known signs where they agree (a + b > 0 for a >= 0, b > 0;
  a·b and a/b by the rule of signs); sum(u, k, lo, hi) >= 0 for u >= 0, > 0 when u > 0
  and the range is never empty;
- a sum minus one of its own terms: Σ_k u_k − u_e >= 0 when u >= 0 and lo <= e <= hi for
  every value of the indices (it is the sum of the other terms; > 0 only when the range
  has a second point, which `decide` must show: never for a sum over 1..N with N >= 1);
- log(u) has the sign of u − 1, for u > 0.

`judge(e, ranges)` tries the sign of e, then of e over a common denominator (the sign of
its numerator times its denominator's), then of that numerator factored. Each form is
equal to e where e is defined, so a sign shown for a form is e's.
"""

from __future__ import annotations

import enum

import sympy
from sympy import Add, KroneckerDelta, Mul, Piecewise, Pow, Product, Sum

from symderiv.check.positivity import positive, real
from symderiv.resolve.normalize import Ranges, decide


class Sign(enum.Enum):
    """What is known of a value's sign; UNKNOWN: nothing."""

    POSITIVE = "> 0"
    NONNEGATIVE = "≥ 0"
    ZERO = "= 0"
    NONPOSITIVE = "≤ 0"
    NEGATIVE = "< 0"
    UNKNOWN = "unknown"

    def negated(self) -> Sign:
        return _NEGATED[self]

    @property
    def at_least_zero(self) -> bool:
        return self in (Sign.POSITIVE, Sign.NONNEGATIVE, Sign.ZERO)

    @property
    def at_most_zero(self) -> bool:
        return self in (Sign.NEGATIVE, Sign.NONPOSITIVE, Sign.ZERO)


_NEGATED = {Sign.POSITIVE: Sign.NEGATIVE, Sign.NEGATIVE: Sign.POSITIVE,
            Sign.NONNEGATIVE: Sign.NONPOSITIVE, Sign.NONPOSITIVE: Sign.NONNEGATIVE,
            Sign.ZERO: Sign.ZERO, Sign.UNKNOWN: Sign.UNKNOWN}

#: Judging stops this deep in the forms of nested logs (log(u) needs the sign of u − 1).
MAX_DEPTH = 4


def _of_number(value: sympy.Expr) -> Sign:
    if value.is_zero:
        return Sign.ZERO
    if value.is_positive:
        return Sign.POSITIVE
    if value.is_negative:
        return Sign.NEGATIVE
    return Sign.UNKNOWN


def _add(signs: list[Sign]) -> Sign:
    """The sign of a sum of terms of these signs."""
    if all(s == Sign.ZERO for s in signs):
        return Sign.ZERO
    if all(s.at_least_zero for s in signs):
        return Sign.POSITIVE if Sign.POSITIVE in signs else Sign.NONNEGATIVE
    if all(s.at_most_zero for s in signs):
        return Sign.NEGATIVE if Sign.NEGATIVE in signs else Sign.NONPOSITIVE
    return Sign.UNKNOWN


def _multiply(signs: list[Sign]) -> Sign:
    """The sign of a product of factors of these signs (the rule of signs)."""
    if Sign.UNKNOWN in signs:
        return Sign.UNKNOWN
    if Sign.ZERO in signs:
        return Sign.ZERO
    negative = sum(s in (Sign.NEGATIVE, Sign.NONPOSITIVE) for s in signs) % 2 == 1
    strict = all(s in (Sign.POSITIVE, Sign.NEGATIVE) for s in signs)
    if negative:
        return Sign.NEGATIVE if strict else Sign.NONPOSITIVE
    return Sign.POSITIVE if strict else Sign.NONNEGATIVE


def _power(base: sympy.Expr, exponent: sympy.Expr, ranges: Ranges, depth: int) -> Sign:
    if positive(base, ranges) and real(exponent, ranges):
        return Sign.POSITIVE
    if exponent.is_Integer:
        of_base = sign(base, ranges, depth)
        if exponent % 2 == 0:
            if of_base in (Sign.POSITIVE, Sign.NEGATIVE):
                return Sign.POSITIVE
            return Sign.NONNEGATIVE if real(base, ranges) else Sign.UNKNOWN
        if exponent < 0 and of_base in (Sign.NONNEGATIVE, Sign.NONPOSITIVE):
            # defined only where the base is not 0: there it is strictly signed
            of_base = Sign.POSITIVE if of_base == Sign.NONNEGATIVE else Sign.NEGATIVE
        return of_base if of_base != Sign.ZERO or exponent > 0 else Sign.UNKNOWN
    if exponent.is_Rational and exponent.q % 2 == 0:
        return Sign.NONNEGATIVE  # an even root: defined only for base >= 0, and >= 0 there
    if exponent.is_Rational and sign(base, ranges, depth).at_least_zero:
        return Sign.NONNEGATIVE
    return Sign.UNKNOWN


def _sum_minus_own_terms(terms: list[sympy.Expr], ranges: Ranges, depth: int
                         ) -> list[Sign] | None:
    """The signs of the terms with each Σ_k u_k paired with a −u_e among them (see the
    module doc), or None when there is no such pair."""
    paired = False
    rest = list(terms)
    signs: list[Sign] = []
    for term in terms:
        if term not in rest or not isinstance(term, Sum) or len(term.limits) != 1:
            continue
        variable, low, high = term.limits[0]
        body = term.function
        inside = {**ranges, variable: (low, high)}
        if not sign(body, inside, depth).at_least_zero:
            continue
        for other in rest:
            point = _own_term(body, variable, -other)
            if point is None or decide(sympy.And(sympy.Le(low, point), sympy.Le(point, high)),
                                       ranges) is not True:
                continue
            rest.remove(term)
            rest.remove(other)
            paired = True
            # the other terms of the sum: > 0 if u > 0 and the range has a second point
            second = decide(sympy.Le(low + 1, high), ranges) is True
            signs.append(Sign.POSITIVE if second and sign(body, inside, depth)
                         == Sign.POSITIVE else Sign.NONNEGATIVE)
            break
    if not paired:
        return None
    return signs + [sign(t, ranges, depth) for t in rest]


def _own_term(body: sympy.Expr, variable: sympy.Symbol, term: sympy.Expr) -> sympy.Expr | None:
    """The value e of the sum's variable with body(e) == term, among the indices in term."""
    for candidate in sorted(term.free_symbols, key=str):
        if candidate.is_integer and body.xreplace({variable: candidate}) == term:
            return candidate
    for entry in term.atoms(sympy.Indexed):  # a[1], a[i + 1]: the position written
        for position in entry.indices:
            if body.xreplace({variable: position}) == term:
                return position
    return None


def sign(expr: sympy.Basic, ranges: Ranges, depth: int = 0) -> Sign:
    """What is known of expr's sign wherever it is defined (see the module doc)."""
    if isinstance(expr, sympy.Number | sympy.NumberSymbol):
        return _of_number(expr)
    if positive(expr, ranges):
        return Sign.POSITIVE
    if isinstance(expr, sympy.Symbol | sympy.Indexed):
        return Sign.NONNEGATIVE if expr.is_nonnegative is True else Sign.UNKNOWN
    if isinstance(expr, KroneckerDelta | sympy.Abs):
        return Sign.NONNEGATIVE
    if isinstance(expr, Add):
        terms = list(Add.make_args(expr))
        paired = _sum_minus_own_terms(terms, ranges, depth)
        if paired is not None:
            return _add(paired)
        negated = _sum_minus_own_terms([-t for t in terms], ranges, depth)  # u_e − Σ_k u_k
        if negated is not None:
            return _add(negated).negated()
        return _add([sign(t, ranges, depth) for t in terms])
    if isinstance(expr, Mul):
        return _multiply([sign(f, ranges, depth) for f in expr.args])
    if isinstance(expr, Pow):
        return _power(expr.args[0], expr.args[1], ranges, depth)
    if isinstance(expr, sympy.log) and depth < MAX_DEPTH and \
            sign(expr.args[0], ranges, depth + 1) == Sign.POSITIVE:
        return judge(expr.args[0] - 1, ranges, depth + 1)
    if isinstance(expr, Sum) and len(expr.limits) == 1:
        variable, low, high = expr.limits[0]
        inner = sign(expr.function, {**ranges, variable: (low, high)}, depth)
        if inner in (Sign.POSITIVE, Sign.NEGATIVE) and \
                decide(sympy.Le(low, high), ranges) is not True:
            inner = Sign.NONNEGATIVE if inner == Sign.POSITIVE else Sign.NONPOSITIVE
        return inner
    if isinstance(expr, Sum):  # nested limits: one at a time, outermost last
        variable, low, high = expr.limits[-1]
        inner_sum = Sum(expr.function, *expr.limits[:-1])
        return sign(Sum(inner_sum, (variable, low, high)), ranges, depth)
    if isinstance(expr, Product):
        return Sign.POSITIVE if positive(expr, ranges) else Sign.UNKNOWN
    if isinstance(expr, Piecewise):
        signs = [sign(value, ranges, depth) for value, _ in expr.args]
        if all(s == signs[0] for s in signs):
            return signs[0]
        if all(s.at_least_zero for s in signs):
            return Sign.NONNEGATIVE
        if all(s.at_most_zero for s in signs):
            return Sign.NONPOSITIVE
    return Sign.UNKNOWN


def _strength(found: Sign) -> int:
    return {Sign.UNKNOWN: 0, Sign.NONNEGATIVE: 1, Sign.NONPOSITIVE: 1, Sign.ZERO: 2,
            Sign.POSITIVE: 2, Sign.NEGATIVE: 2}[found]


def judge(expr: sympy.Expr, ranges: Ranges, depth: int = 0) -> Sign:
    """The strongest sign shown by one of expr's forms (see the module doc)."""
    best = sign(expr, ranges, depth)
    if _strength(best) == 2:
        return best
    numerator, denominator = sympy.fraction(sympy.together(expr))
    forms = [numerator]
    if not numerator.has(Sum, Product) and numerator.is_polynomial():
        forms.append(sympy.factor(numerator))
    below = sign(denominator, ranges, depth)
    if below == Sign.UNKNOWN:
        return best
    for form in forms:
        found = _multiply([sign(form, ranges, depth), below])
        if below in (Sign.NONNEGATIVE, Sign.NONPOSITIVE) and found != Sign.ZERO:
            # defined only where the denominator is not 0: there it is strictly signed
            found = _multiply([sign(form, ranges, depth), Sign.POSITIVE if below ==
                               Sign.NONNEGATIVE else Sign.NEGATIVE])
        if _strength(found) > _strength(best):
            best = found
        if _strength(best) == 2:
            break
    return best
