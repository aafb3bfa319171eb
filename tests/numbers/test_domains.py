"""Number domains: exact rationals and rigorous intervals (the worked examples' arithmetic)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from symderiv.numbers.domains import IntervalDomain, NotExact, RationalDomain, Undefined

RATIONAL = RationalDomain({("z", ()): Fraction(21, 200)})


def test_rational_arithmetic_is_exact() -> None:
    """0.105 / 3 is 7/200 exactly; exp, log and roots are exact where the value is rational."""
    assert RATIONAL.div(RATIONAL.input("z", ()), RATIONAL.const(Fraction(3))) == Fraction(7, 200)
    assert RATIONAL.rpow(Fraction(8, 27), Fraction(2, 3)) == Fraction(4, 9)
    assert RATIONAL.rpow(Fraction(4), Fraction(-1, 2)) == Fraction(1, 2)
    assert RATIONAL.sqrt(Fraction(1, 4)) == Fraction(1, 2)
    assert RATIONAL.sqrt(Fraction(10**40)) == Fraction(10**20)
    assert (RATIONAL.exp(Fraction(0)), RATIONAL.log(Fraction(1))) == (1, 0)
    assert RATIONAL.ipow(Fraction(-1, 2), -3) == -8


@pytest.mark.parametrize(("operation", "argument"), [
    ("sqrt", Fraction(2)), ("sqrt", Fraction(10**40 + 1)), ("exp", Fraction(1)),
    ("log", Fraction(2)),
])
def test_irrational_values_are_not_exact(operation: str, argument: Fraction) -> None:
    """sqrt(2), exp(1), log(2) have no rational value: mpmath takes over."""
    with pytest.raises(NotExact):
        getattr(RATIONAL, operation)(argument)


def test_huge_fractions_are_left_to_mpmath() -> None:
    """1.05^10000 would be a 100,000-bit fraction: refused before it is built."""
    with pytest.raises(NotExact):
        RATIONAL.ipow(Fraction(21, 20), 10_000)
    with pytest.raises(NotExact):
        RATIONAL.rpow(Fraction(2), Fraction(1, 65))


@pytest.mark.parametrize(("operation", "arguments"), [
    ("div", (Fraction(1), Fraction(0))), ("log", (Fraction(0),)), ("sqrt", (Fraction(-1),)),
    ("rpow", (Fraction(-8), Fraction(1, 3))), ("rpow", (Fraction(0), Fraction(-1, 2))),
])
def test_undefined_like_mpmath(operation: str, arguments: tuple[Fraction, ...]) -> None:
    """The points where MpmathDomain has no value have none here either."""
    with pytest.raises(Undefined):
        getattr(RATIONAL, operation)(*arguments)


def test_interval_encloses_the_exact_value() -> None:
    """exp(log(0.105)) / 3 at 60 digits: a narrow interval around 0.035, not a guess at it."""
    domain = IntervalDomain({("z", ()): Fraction(21, 200)}, 60)
    value = domain.div(domain.exp(domain.log(domain.input("z", ()))), domain.const(Fraction(3)))
    bounds = domain.bounds(value)
    assert bounds is not None
    low, high = bounds
    assert low < Fraction(7, 200) < high and high - low < Fraction(1, 10**55)


def test_interval_without_finite_real_bounds() -> None:
    """1 / (e − e) is unbounded and sqrt of an interval around 0 complex: no enclosure."""
    domain = IntervalDomain({}, 30)
    e = domain.exp(domain.one)
    assert domain.bounds(domain.div(domain.one, domain.sub(e, e))) is None
    assert domain.bounds(domain.rpow(domain.sub(e, e), Fraction(1, 2))) is None
