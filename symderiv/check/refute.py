"""Refutation: a confirmed counterexample at simple values, in high precision (mpmath)."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from symderiv.resolve.scope import Scope
from symderiv.check.bounded import Candidate
from symderiv.resolve.scope import used_names
from symderiv.numbers.domains import MpmathDomain, NotExact, RationalDomain, Undefined
from symderiv.check.evaluate import Evaluator, Tensor, check_comparable, index_tuples
from symderiv.check.verdict import Counterexample
from symderiv.language import ast

DIGITS = 40
CONFIRM_DIGITS = 60
#: Beyond this precision a point is not worth confirming (another point is tried).
MAX_CONFIRM_DIGITS = 3_000
SHOWN_DIGITS = 30
#: Correct digits of the last, single attempt when no simple point confirmed a difference.
LAST_DIGITS = 1_000
#: An exact value longer than this is shown only in digits (2^1000 + 1 has 302).
MAX_RATIONAL_TEXT = 60
RANDOM_TRIES = 24

Pattern = Callable[[int], Fraction]


def _constant(value: Fraction) -> Pattern:
    """The pattern with `value` at every position."""
    return lambda p: value


def _cycling(table: list[Fraction]) -> Pattern:
    """The pattern that repeats `table`."""
    return lambda p: table[p % len(table)]


def _patterns(positive: bool, seed: int) -> list[Pattern]:
    """Value patterns by position, simplest first: small integers, then halves, then random
    values, then tiny and huge magnitudes (as many for positive as for real symbols)."""
    rng = random.Random(seed)
    if positive:
        simple: list[Pattern] = [
            lambda p: Fraction(1),
            lambda p: Fraction(p + 1),
            lambda p: Fraction([1, 2, 3, 4][p % 4]),
            lambda p: Fraction([2, 1, 3][p % 3]),
            lambda p: Fraction(p + 1, 2),
        ]
        pool = [Fraction(n, d) for n in range(1, 9) for d in (1, 2, 4) if n != d or d == 1]
    else:
        simple = [
            lambda p: Fraction(0),
            lambda p: Fraction(1),
            lambda p: Fraction(p + 1),
            lambda p: Fraction([1, -1, 2, -2, 3][p % 5]),
            lambda p: Fraction([0, 1, -1, 2][p % 4]),
            lambda p: Fraction(p + 1, 2),
        ]
        pool = [Fraction(n, d) for n in range(-6, 7) for d in (1, 2, 4)]
    # last: tiny and huge magnitudes, where saturating or one-sided formulas break
    # (1/(1 + exp(-1000 r)) = 1 is false only for small r; sqrt((z - 50)^2) = 50 - z for z > 50)
    magnitudes = [Fraction(1, 10), Fraction(1, 100), Fraction(1, 1000), Fraction(10),
                  Fraction(100), Fraction(1000)]
    extremes: list[Pattern] = [_constant(m) for m in magnitudes]
    if positive:
        extremes += [lambda p: [Fraction(1, 10), Fraction(10)][p % 2],
                     lambda p: [Fraction(1000), Fraction(1, 1000)][p % 2]]
    else:
        extremes += [lambda p: Fraction(-100), lambda p: Fraction(-1000)]
    randoms: list[Pattern] = []
    for attempt in range(RANDOM_TRIES):
        limit = 3 if attempt < RANDOM_TRIES // 2 else len(pool)
        table = [rng.choice(pool[: max(limit, 1)] if attempt < 6 else pool) for _ in range(512)]
        randoms.append(_cycling(table))
    return simple + randoms + extremes


def _layout(scope: Scope, names: set[str], sizes: dict[str, int]
            ) -> dict[tuple[str, tuple[int, ...]], int]:
    """A position for every entry of every input symbol used, in declaration order."""
    position = 0
    out = {}
    for symbol in scope.spec.symbols:
        if symbol.name not in names:
            continue
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in symbol.shape)
        for index in index_tuples(shape):
            out[(symbol.name, index)] = position
            position += 1
    return out


def _difference(left: Any, right: Any, entry: tuple[int, ...]) -> tuple[Any, Any]:
    """Both values at `entry`, an index of the left value's shape."""
    check_comparable(left, right)
    if isinstance(left, Tensor):
        position = left.position(entry)  # a vector and a column matrix: the same position
        return left.data[position], right.data[position]
    return left, right


def _nested(values: dict[tuple[int, ...], Fraction], shape: tuple[int, ...]) -> Any:
    if not shape:
        return values[()]
    if len(shape) == 1:
        return tuple(values[(i,)] for i in range(1, shape[0] + 1))
    return tuple(tuple(values[(i, j)] for j in range(1, shape[1] + 1))
                 for i in range(1, shape[0] + 1))


def evaluate_at(scope: Scope, lhs: ast.Node, rhs: ast.Node, sizes: dict[str, int],
                env: dict[str, int], values: dict[tuple[str, tuple[int, ...]], Fraction],
                digits: int, entry: tuple[int, ...]) -> tuple[Any, Any]:
    """Both sides at one point, in mpmath at `digits` digits. Raises Undefined."""
    left, right, _ = _evaluate(scope, lhs, rhs, sizes, env, values, digits, entry)
    return left, right


def _evaluate(scope: Scope, lhs: ast.Node, rhs: ast.Node, sizes: dict[str, int],
              env: dict[str, int], values: dict[tuple[str, tuple[int, ...]], Fraction],
              digits: int, entry: tuple[int, ...]) -> tuple[Any, Any, int]:
    """Both sides, and how many decimal digits cancellation could have cost at most."""
    domain = MpmathDomain(values, digits)
    evaluator = Evaluator(scope, sizes, domain)
    left, right = _difference(evaluator.value(lhs, env), evaluator.value(rhs, env), entry)
    return left, right, math.ceil(domain.extreme_bits * math.log10(2))


def _exact(scope: Scope, lhs: ast.Node, rhs: ast.Node, candidate: Candidate,
           values: dict[tuple[str, tuple[int, ...]], Fraction]) -> tuple[Fraction, Fraction] | None:
    """Both sides as exact fractions, when every value on the way is rational (else None)."""
    evaluator = Evaluator(scope, candidate.sizes, RationalDomain(values))
    try:
        left = evaluator.value(lhs, candidate.indices)
        right = evaluator.value(rhs, candidate.indices)
    except NotExact:
        return None
    pair = _difference(left, right, candidate.entry)
    return pair if all(isinstance(v, Fraction) for v in pair) else None


def _approximate(scope: Scope, lhs: ast.Node, rhs: ast.Node, candidate: Candidate,
                 values: dict[tuple[str, tuple[int, ...]], Fraction],
                 correct: int = CONFIRM_DIGITS) -> tuple[Any, Any] | None:
    """Both sides in mpmath, when they differ beyond doubt (else None).

    Two precisions agreeing is not enough: exp(1000) + 1 − exp(1000) is exactly 0 at both 40
    and 60 digits. So both confirming evaluations run with extra digits for the most extreme
    magnitude any intermediate value reached (where cancellation could lose them all), and
    `correct` digits remain. A difference is accepted when it is 35 orders of magnitude above
    what those digits resolve and both precisions agree on it; a difference that is visible
    but smaller (exp(1) against 46 of its digits) is computed again with twice the digits.
    """
    import mpmath

    point = (scope, lhs, rhs, candidate.sizes, candidate.indices, values)
    _, _, lost = _evaluate(*point, DIGITS, candidate.entry)
    while correct + lost <= MAX_CONFIRM_DIGITS:
        digits = correct + lost
        left, right, _ = _evaluate(*point, digits - (CONFIRM_DIGITS - DIGITS), candidate.entry)
        left2, right2, _ = _evaluate(*point, digits, candidate.entry)
        scale = max(mpmath.mpf(1), abs(left2), abs(right2))
        difference = left2 - right2
        if not mpmath.isfinite(difference):
            return None
        margin = mpmath.mpf(10) ** -(correct - 35)
        if abs(difference) > scale * margin:
            if abs((left - right) - difference) > scale * margin * mpmath.mpf(10) ** -7:
                return None
            return left2, right2
        if abs(difference) <= scale * mpmath.mpf(10) ** -(correct - 10):
            return None  # equal to every digit computed: no difference here
        correct *= 2
    return None  # magnitudes too extreme to confirm anything at a sane precision


@dataclass(frozen=True, slots=True)
class Measured:
    """Both sides at one point and their difference, each beyond doubt (exact, or mpmath
    with digits to spare); `rational`: the exact values shown where there are some."""

    left: Any
    right: Any
    difference: Any
    rational: tuple[tuple[str, str], ...]


def measure(scope: Scope, lhs: ast.Node, rhs: ast.Node, candidate: Candidate,
            values: dict[tuple[str, tuple[int, ...]], Fraction],
            correct: int = CONFIRM_DIGITS) -> Measured | None:
    """Both sides at this point: exactly, in fractions, when both are rational there (then
    the difference may be exactly 0); else in mpmath, only when they differ beyond doubt
    (None otherwise: equal to every digit computed, or too extreme to tell).

    Raises:
        Undefined: a side has no value at this point.
    """
    import mpmath

    exact = _exact(scope, lhs, rhs, candidate, values)
    if exact is not None:
        context = mpmath.MPContext()
        context.dps = CONFIRM_DIGITS
        left, right = (context.mpf(v.numerator) / v.denominator for v in exact)
        gap = exact[0] - exact[1]
        rational = tuple((label, str(value)) for label, value in
                         (("lhs", exact[0]), ("rhs", exact[1]), ("difference", gap))
                         if len(str(value)) <= MAX_RATIONAL_TEXT)
        return Measured(left, right, context.mpf(gap.numerator) / gap.denominator, rational)
    approximate = _approximate(scope, lhs, rhs, candidate, values, correct)
    if approximate is None:
        return None
    left, right = approximate
    difference = left - right
    rational = tuple((label, text) for label, value in
                     (("lhs", left), ("rhs", right), ("difference", difference))
                     if (text := rational_text(value)) is not None)
    return Measured(left, right, difference, rational)


def counterexample(scope: Scope, lhs: ast.Node, rhs: ast.Node, candidate: Candidate,
                   values: dict[tuple[str, tuple[int, ...]], Fraction],
                   measured: Measured) -> Counterexample:
    """The point as a Counterexample: sizes, indices, the inputs used, both sides."""
    import mpmath

    names = used_names(scope, [lhs, rhs])
    shown = {}
    for symbol in scope.spec.symbols:
        if symbol.name in names:
            shape = tuple(d if isinstance(d, int) else candidate.sizes[d] for d in symbol.shape)
            entries = {index: values[(symbol.name, index)] for index in index_tuples(shape)}
            shown[symbol.name] = _nested(entries, shape)
    return Counterexample(
        sizes=tuple(sorted(candidate.sizes.items())),
        indices=tuple(sorted(candidate.indices.items())),
        values=tuple(shown.items()),
        lhs=mpmath.nstr(measured.left, SHOWN_DIGITS),
        rhs=mpmath.nstr(measured.right, SHOWN_DIGITS),
        entry=candidate.entry or None,
        difference=mpmath.nstr(measured.difference, SHOWN_DIGITS),
        rational=measured.rational,
    )


def confirm(scope: Scope, lhs: ast.Node, rhs: ast.Node, candidate: Candidate,
            values: dict[tuple[str, tuple[int, ...]], Fraction],
            correct: int = CONFIRM_DIGITS) -> Counterexample | None:
    """A counterexample if lhs ≠ rhs at this point beyond doubt.

    Exactly, in fractions, when both sides are rational there (`1 == 1 + 1e-26` and
    `2^1000 == 2^1000 + 1` are false, whatever a float precision says); else in mpmath.
    """
    try:
        measured = measure(scope, lhs, rhs, candidate, values, correct)
    except (Undefined, KeyError, ArithmeticError, ValueError):
        return None
    if measured is None or measured.difference == 0:
        return None
    return counterexample(scope, lhs, rhs, candidate, values, measured)


def rational_text(value: Any) -> str | None:
    """'p/q' when a 60-digit value is a fraction with a small denominator, else None."""
    import mpmath

    if not mpmath.isfinite(value):
        return None
    exact = Fraction(mpmath.nstr(value, CONFIRM_DIGITS - 5)).limit_denominator(10**6)
    # relative to the value itself: 2.7e-100 is not "0"
    if abs(value - mpmath.mpf(exact.numerator) / exact.denominator) > \
            mpmath.mpf(10) ** -45 * abs(value):
        return None
    return str(exact)


def trial_points(scope: Scope, names: set[str], candidate: Candidate, seed: int
            ) -> Iterator[dict[tuple[str, tuple[int, ...]], Fraction]]:
    """The input values to try at one candidate assignment, simplest first."""
    layout = _layout(scope, names, candidate.sizes)
    domains = {s.name: s.domain for s in scope.spec.symbols}
    positive = _patterns(True, seed)
    for number, pattern in enumerate(_patterns(False, seed)):
        positive_pattern = positive[min(number, len(positive) - 1)]
        yield {key: (positive_pattern(p) if domains[key[0]] == "positive" else pattern(p))
               for key, p in layout.items()}


def find_counterexample(scope: Scope, lhs: ast.Node, rhs: ast.Node,
                        candidates: list[Candidate], seed: int) -> Counterexample | None:
    """Try simple values at each candidate assignment (smallest sizes first)."""
    names = used_names(scope, [lhs, rhs])
    # smallest sizes first, then the smallest index values: the easiest point to check by hand
    for candidate in sorted(candidates, key=lambda c: (sum(c.sizes.values()),
                                                        tuple(c.sizes.values()),
                                                        sum(c.indices.values()),
                                                        tuple(c.indices.values()))):
        for values in trial_points(scope, names, candidate, seed):
            found = confirm(scope, lhs, rhs, candidate, values)
            if found is not None:
                return found
    # last, once: the first candidate's point of ones (the second tried) with 1000 correct
    # digits, for a difference below what 60 digits resolve (exp(r) == exp(r)*(1 + 1e-100))
    for candidate in candidates[:1]:
        ones = list(itertools.islice(trial_points(scope, names, candidate, seed), 2))[-1]
        return confirm(scope, lhs, rhs, candidate, ones, LAST_DIGITS)
    return None
