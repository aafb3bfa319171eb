"""Number domains the concrete evaluator computes in.

- `ModularDomain`: exact arithmetic modulo a random 61-bit prime, with exp/log/sqrt as
  consistent random atoms (randomised identity testing, Schwartz–Zippel style);
- `MpmathDomain`: real numbers at high precision (counterexamples are confirmed here);
- `RationalDomain`: exact rational numbers, where no irrational value is needed (examples, and
  counterexamples confirmed exactly whatever their magnitudes);
- `IntervalDomain`: mpmath interval arithmetic, a rigorous enclosure of every value (examples);
- `DualDomain`: forward-mode derivatives over any domain (how `D(f, x)` is evaluated without
  sympy, so the concrete layers never depend on sympy's differentiation).
"""

from __future__ import annotations

import random
from abc import abstractmethod
from fractions import Fraction
from typing import Any

import mpmath
from mpmath import libmp
from mpmath.ctx_iv import MPIntervalContext



#: exp(a) for |a| beyond this has no usable value at finite precision (mpmath overflows
#: its integer conversions on exp(exp(exp(1000)))): the point counts as undefined.
MAX_EXP_ARGUMENT = 10**8
#: Longest numerator or denominator (bits) `RationalDomain` keeps: beyond, mpmath takes over.
MAX_RATIONAL_BITS = 20_000
#: Largest root (the denominator of a fractional power) `RationalDomain` tries to take exactly.
MAX_RATIONAL_ROOT = 64


class Undefined(ArithmeticError):
    """The expression has no value at this point (division by zero, log of 0, ...)."""


class NotExact(Exception):
    """The value is irrational (exp(1), sqrt(2)), or too long to keep as a fraction."""


class NewKink(Exception):
    """The modular screen met a kink whose argument's sign its region has not chosen: the
    screen evaluates again once for each sign (`check.bounded`)."""

    def __init__(self, key: int) -> None:
        super().__init__(key)
        self.key = key


def not_differentiable() -> Undefined:
    return Undefined("relu, abs, max and min are not differentiable where their argument "
                     "is at the kink (0, or the two arguments of max or min equal)")


def piecewise(domain: Domain, function: str, args: list[Any]) -> Any:
    """abs, relu, max, min of domain values, all through the domain's one kink `relu`:
    abs u = relu(u) + relu(−u), max(a, b) = b + relu(a − b), min(a, b) = a − relu(a − b)."""
    if function == "relu":
        return domain.relu(args[0])
    if function == "abs":
        return domain.add(domain.relu(args[0]), domain.relu(domain.neg(args[0])))
    a, b = args
    if function == "max":
        return domain.add(b, domain.relu(domain.sub(a, b)))
    assert function == "min", function
    return domain.sub(a, domain.relu(domain.sub(a, b)))


class Domain:
    """The operations the evaluator needs. Values are opaque to it."""

    zero: Any
    one: Any

    def const(self, value: Fraction) -> Any: ...
    def add(self, a: Any, b: Any) -> Any: ...
    def sub(self, a: Any, b: Any) -> Any: ...
    def mul(self, a: Any, b: Any) -> Any: ...
    def div(self, a: Any, b: Any) -> Any: ...
    def neg(self, a: Any) -> Any: ...
    def ipow(self, a: Any, n: int) -> Any: ...
    def rpow(self, a: Any, q: Fraction) -> Any: ...
    def exp(self, a: Any) -> Any: ...
    def log(self, a: Any) -> Any: ...
    def sqrt(self, a: Any) -> Any: ...
    def elementary(self, function: str, a: Any) -> Any:
        """tanh, sigmoid, softplus, log1p, expm1, sin or cos of a (scope.ELEMENTARY)."""
        raise NotImplementedError(function)
    def relu(self, a: Any) -> Any:
        """max(a, 0): the one kink abs, max and min are written with."""
        raise NotImplementedError("relu")
    def step(self, a: Any) -> Any:
        """relu′(a): 1 for a > 0, 0 for a < 0; `Undefined` at the kink a = 0."""
        raise NotImplementedError("step")
    def input(self, name: str, index: tuple[int, ...]) -> Any: ...
    @abstractmethod
    def is_zero(self, a: Any) -> bool: ...


class ModularDomain(Domain):
    """Arithmetic in GF(p). Inputs and transcendental atoms are random but consistent."""

    zero = 0
    one = 1
    atomic = True

    def __init__(self, seed: int, prime: int) -> None:
        self.random = random.Random(seed)
        self.prime = prime
        self.inputs: dict[tuple[str, tuple[int, ...]], int] = {}
        self.atoms: dict[tuple[str, int, Any], int] = {}
        #: the region being evaluated: the sign (positive?) of each kink argument, by its
        #: value up to sign (`check.bounded` chooses them); None: signs are unknown here
        self.signs: dict[int, bool] | None = None
        self.kinked = False  # did an evaluation meet a kink?

    def _positive(self, a: int) -> bool:
        """Is the kink argument a positive in this region? Values have no sign modulo p:
        the region says, for a and −a alike."""
        self.kinked = True
        if self.signs is None:
            raise Undefined("the sign of a kink's argument is unknown modulo p")
        flipped = a > self.prime - a
        key = self.prime - a if flipped else a
        if key not in self.signs:
            raise NewKink(key)
        return self.signs[key] != flipped

    def relu(self, a: int) -> int:
        return 0 if a == 0 else a if self._positive(a) else 0

    def step(self, a: int) -> int:
        if a == 0:
            raise not_differentiable()
        return 1 if self._positive(a) else 0

    def _atom(self, kind: str, a: int, extra: Any = None) -> int:
        key = (kind, a, extra)
        value = self.atoms.get(key)
        if value is None:
            value = self.atoms[key] = self.random.randrange(2, self.prime - 1)
        return value

    def const(self, value: Fraction) -> int:
        if value.denominator == 1:
            return value.numerator % self.prime
        return value.numerator * pow(value.denominator, -1, self.prime) % self.prime

    def add(self, a: int, b: int) -> int:
        return (a + b) % self.prime

    def sub(self, a: int, b: int) -> int:
        return (a - b) % self.prime

    def mul(self, a: int, b: int) -> int:
        return a * b % self.prime

    def div(self, a: int, b: int) -> int:
        if b == 0:
            raise Undefined("division by zero")
        return a * pow(b, -1, self.prime) % self.prime

    def neg(self, a: int) -> int:
        return -a % self.prime

    def ipow(self, a: int, n: int) -> int:
        if a == 0 and n < 0:
            raise Undefined("division by zero")
        return pow(a, n % (self.prime - 1) if a else n, self.prime) if n >= 0 or a else 0

    def rpow(self, a: int, q: Fraction) -> int:
        if a == 0:
            if q <= 0:
                raise Undefined("0 to a non-positive power")
            return 0
        if a == 1:
            return 1
        return self._atom("pow", a, q)

    def exp(self, a: int) -> int:
        return 1 if a == 0 else self._atom("exp", a)

    def log(self, a: int) -> int:
        if a == 0:
            raise Undefined("log of zero")
        return 0 if a == 1 else self._atom("log", a)

    def sqrt(self, a: int) -> int:
        return a if a in (0, 1) else self._atom("sqrt", a)

    def elementary(self, function: str, a: int) -> int:
        """Through the exp and log atoms where the function is a rational function of them
        (tanh u = (e^{2u} − 1)/(e^{2u} + 1), sigmoid u = e^u/(e^u + 1), expm1 u = e^u − 1,
        softplus u = log(1 + e^u), log1p u = log(1 + u)); sin and cos from one atom t of
        their argument, a random point (2t, 1 − t²)/(1 + t²) of the unit circle (t = tan(u/2)),
        so that sin² + cos² = 1 and the derivative rules hold. `tan_half` is that t itself, odd
        like tan (t(−u) = −t(u)), for `Evaluator.half_tangent`."""
        if function in ("sin", "cos", "tan_half"):
            t = 0 if a == 0 else self._atom("sincos", a) if a <= self.prime - a \
                else self.prime - self._atom("sincos", self.prime - a)
            if function == "tan_half":
                return t
            square = t * t % self.prime
            numerator = 2 * t if function == "sin" else 1 - square
            return self.div(numerator % self.prime, (1 + square) % self.prime)
        if function == "log1p":
            return self.log((1 + a) % self.prime)
        e = self.exp(a)
        if function == "tanh":
            square = e * e % self.prime
            return self.div((square - 1) % self.prime, (square + 1) % self.prime)
        if function == "sigmoid":
            return self.div(e, (e + 1) % self.prime)
        if function == "softplus":
            return self.log((1 + e) % self.prime)
        assert function == "expm1", function
        return (e - 1) % self.prime

    def input(self, name: str, index: tuple[int, ...]) -> int:
        key = (name, index)
        value = self.inputs.get(key)
        if value is None:
            value = self.inputs[key] = self.random.randrange(1, self.prime)
        return value

    def is_zero(self, a: int) -> bool:
        return a == 0


class OperatorDomain(Domain):
    """A domain whose values support Python's + − × and unary minus themselves."""

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def sub(self, a: Any, b: Any) -> Any:
        return a - b

    def mul(self, a: Any, b: Any) -> Any:
        return a * b

    def neg(self, a: Any) -> Any:
        return -a


class WatchedDomain(OperatorDomain):
    """Python-operator arithmetic whose every result passes through `_seen` (to be measured or
    bounded), with division by zero undefined."""

    def _seen(self, value: Any) -> Any:
        return value

    def add(self, a: Any, b: Any) -> Any:
        return self._seen(a + b)

    def sub(self, a: Any, b: Any) -> Any:
        return self._seen(a - b)

    def mul(self, a: Any, b: Any) -> Any:
        return self._seen(a * b)

    def div(self, a: Any, b: Any) -> Any:
        if b == 0:
            raise Undefined("division by zero")
        return self._seen(a / b)

    def relu(self, a: Any) -> Any:
        return a if a > 0 else self.zero

    def step(self, a: Any) -> Any:
        if a == 0:
            raise not_differentiable()
        return self.one if a > 0 else self.zero


class RationalDomain(WatchedDomain):
    """Exact rational arithmetic at given input values; an irrational value raises `NotExact`.

    exp, log, roots and powers are exact where their value is rational (exp(0), log(1),
    sqrt(0.25), 8^(1/3)); anything else is left to `MpmathDomain`.
    """

    zero = Fraction(0)
    one = Fraction(1)

    def __init__(self, values: dict[tuple[str, tuple[int, ...]], Fraction]) -> None:
        self.values = values

    def _seen(self, value: Fraction) -> Fraction:
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_RATIONAL_BITS:
            raise NotExact(f"a fraction longer than {MAX_RATIONAL_BITS} bits")
        return value

    def const(self, value: Fraction) -> Fraction:
        return value

    def ipow(self, a: Fraction, n: int) -> Fraction:
        if a == 0 and n < 0:
            raise Undefined("division by zero")
        longest = max(a.numerator.bit_length(), a.denominator.bit_length())
        if longest * abs(n) > 2 * MAX_RATIONAL_BITS:  # refused before it is built
            raise NotExact(f"a fraction longer than {MAX_RATIONAL_BITS} bits")
        return self._seen(a ** n)

    def rpow(self, a: Fraction, q: Fraction) -> Fraction:
        if a < 0:
            raise Undefined("a negative number to a fractional power")
        if a == 0:
            if q <= 0:
                raise Undefined("0 to a non-positive power")
            return self.zero
        return self.ipow(_root(a, q.denominator), q.numerator)

    def exp(self, a: Fraction) -> Fraction:
        if a != 0:
            raise NotExact("exp of a non-zero rational is irrational")
        return self.one

    def log(self, a: Fraction) -> Fraction:
        if a <= 0:
            raise Undefined("log of a number ≤ 0")
        if a != 1:
            raise NotExact("log of a rational other than 1 is irrational")
        return self.zero

    def sqrt(self, a: Fraction) -> Fraction:
        if a < 0:
            raise Undefined("square root of a negative number")
        return _root(a, 2)

    def elementary(self, function: str, a: Fraction) -> Fraction:
        """Exact only at 0 (tanh 0 = 0, sigmoid 0 = 1/2, cos 0 = 1, ...)."""
        if function == "log1p" and a <= -1:
            raise Undefined("log1p of a number ≤ −1")
        at_zero = {"tanh": self.zero, "sigmoid": Fraction(1, 2), "log1p": self.zero,
                   "expm1": self.zero, "sin": self.zero, "cos": self.one}
        if a != 0 or function not in at_zero:
            raise NotExact(f"{function} of this rational is irrational")
        return at_zero[function]

    def input(self, name: str, index: tuple[int, ...]) -> Fraction:
        return self.values[(name, index)]

    def is_zero(self, a: Fraction) -> bool:
        return a == 0


def _root(value: Fraction, degree: int) -> Fraction:
    """The rational `degree`-th root of `value` ≥ 0. Raises NotExact where it is irrational."""
    if degree > MAX_RATIONAL_ROOT:
        raise NotExact(f"a root of degree above {MAX_RATIONAL_ROOT}")
    numerator = _integer_root(value.numerator, degree)
    denominator = _integer_root(value.denominator, degree)
    if numerator is None or denominator is None:
        raise NotExact(f"the root of degree {degree} of {value} is irrational")
    return Fraction(numerator, denominator)


def _integer_root(value: int, degree: int) -> int | None:
    """The integer r ≥ 0 with r ** degree == value, if there is one."""
    from sympy import integer_nthroot

    root, exact = integer_nthroot(value, degree)
    return int(root) if exact else None


class MpmathDomain(WatchedDomain):
    """Real arithmetic at `digits` significant digits, at given input values."""

    context_type: type = mpmath.MPContext

    def __init__(self, values: dict[tuple[str, tuple[int, ...]], Fraction], digits: int) -> None:
        self.context = self.context_type()
        self.context.dps = digits
        self.values = values
        self.zero = self.context.mpf(0)
        self.one = self.context.mpf(1)
        #: The largest |log2| of any intermediate value: a sum with a term of 2^k can lose
        #: up to k bits to cancellation (exp(1000) + 1 − exp(1000) is 0 at any precision
        #: below 435 digits; so is (1 + exp(-1000) − 1) / exp(-1000)), so a confirmation
        #: must compute with that many more bits (see `refute.confirm`).
        self.extreme_bits = 0

    def _seen(self, value: Any) -> Any:
        if value:
            self.extreme_bits = max(self.extreme_bits, abs(int(self.context.mag(value))))
        return value

    def const(self, value: Fraction) -> Any:
        return self._seen(self.context.mpf(value.numerator) / value.denominator)

    def ipow(self, a: Any, n: int) -> Any:
        if a == 0 and n < 0:
            raise Undefined("division by zero")
        return self._seen(self.context.power(a, n))

    def rpow(self, a: Any, q: Fraction) -> Any:
        if a < 0:
            raise Undefined("a negative number to a fractional power")
        if a == 0 and q <= 0:
            raise Undefined("0 to a non-positive power")
        return self._seen(self.context.power(a, self.const(q)))

    def exp(self, a: Any) -> Any:
        if abs(a) > MAX_EXP_ARGUMENT:
            raise Undefined("exp() of a number too large to evaluate")
        return self._seen(self.context.exp(a))

    def log(self, a: Any) -> Any:
        if a <= 0:
            raise Undefined("log of a number ≤ 0")
        return self._seen(self.context.log(a))

    def sqrt(self, a: Any) -> Any:
        if a < 0:
            raise Undefined("square root of a negative number")
        return self._seen(self.context.sqrt(a))

    def elementary(self, function: str, a: Any) -> Any:
        context = self.context
        if function == "log1p":
            if a <= -1:
                raise Undefined("log1p of a number ≤ −1")
            return self._seen(context.log1p(a))
        if abs(a) > MAX_EXP_ARGUMENT:
            raise Undefined(f"{function}() of a number too large to evaluate")
        if function == "tanh":  # the interval context has no tanh
            value = context.tanh(a) if hasattr(context, "tanh") \
                else 1 - 2 / (context.exp(2 * a) + 1)
        elif function == "sigmoid":
            value = 1 / (1 + context.exp(-a))
        elif function == "softplus":
            value = context.log1p(context.exp(a))
        else:
            value = {"expm1": context.expm1, "sin": context.sin, "cos": context.cos}[
                function](a)
        return self._seen(value)

    def input(self, name: str, index: tuple[int, ...]) -> Any:
        return self.const(self.values[(name, index)])

    def is_zero(self, a: Any) -> bool:
        return bool(a == 0)


class IntervalDomain(MpmathDomain):
    """mpmath interval arithmetic at `digits` digits: each value is an interval that surely
    holds the exact one, so a comparison it decides is not decided by rounding."""

    context_type = MPIntervalContext

    def relu(self, a: Any) -> Any:
        ends = self.bounds(a)
        if ends is None:
            raise Undefined("relu of a value that is not a finite real interval")
        if ends[0] >= 0:
            return a
        if ends[1] <= 0:
            return self.zero
        return self.context.mpf([0, a.b])  # the kink inside: [0, hi]

    def step(self, a: Any) -> Any:
        ends = self.bounds(a)
        if ends is None or ends[0] <= 0 <= ends[1]:
            raise not_differentiable()
        return self.one if ends[0] > 0 else self.zero

    def _seen(self, value: Any) -> Any:
        return value  # an interval's width already accounts for cancellation

    @staticmethod
    def bounds(value: Any) -> tuple[Fraction, Fraction] | None:
        """The interval's exact end points, or None if it is not a finite real interval."""
        ends = getattr(value, "_mpi_", None)  # complex where a root or log met a negative
        if ends is None or any(end in (libmp.finf, libmp.fninf, libmp.fnan) for end in ends):
            return None
        low, high = (Fraction(*libmp.to_rational(end)) for end in ends)
        return low, high


class DualDomain(Domain):
    """Pairs (value, derivative by one input entry) over a base domain."""

    def __init__(self, base: Domain, variable: tuple[str, tuple[int, ...]]) -> None:
        self.base = base
        self.variable = variable
        self.zero = (base.zero, base.zero)
        self.one = (base.one, base.zero)

    def const(self, value: Fraction) -> Any:
        return (self.base.const(value), self.base.zero)

    def add(self, a: Any, b: Any) -> Any:
        base = self.base
        return (base.add(a[0], b[0]), base.add(a[1], b[1]))

    def sub(self, a: Any, b: Any) -> Any:
        base = self.base
        return (base.sub(a[0], b[0]), base.sub(a[1], b[1]))

    def mul(self, a: Any, b: Any) -> Any:
        base = self.base
        return (base.mul(a[0], b[0]),
                base.add(base.mul(a[0], b[1]), base.mul(a[1], b[0])))

    def div(self, a: Any, b: Any) -> Any:
        base = self.base
        quotient = base.div(a[0], b[0])
        derivative = base.div(base.sub(a[1], base.mul(quotient, b[1])), b[0])
        return (quotient, derivative)

    def neg(self, a: Any) -> Any:
        return (self.base.neg(a[0]), self.base.neg(a[1]))

    def ipow(self, a: Any, n: int) -> Any:
        base = self.base
        if n == 0:
            return self.one
        power = base.ipow(a[0], n)
        derivative = base.mul(base.mul(base.const(Fraction(n)), base.ipow(a[0], n - 1)), a[1])
        return (power, derivative)

    def rpow(self, a: Any, q: Fraction) -> Any:
        base = self.base
        power = base.rpow(a[0], q)
        derivative = base.mul(base.mul(base.const(q), base.div(power, a[0])), a[1])
        return (power, derivative)

    def exp(self, a: Any) -> Any:
        value = self.base.exp(a[0])
        return (value, self.base.mul(value, a[1]))

    def log(self, a: Any) -> Any:
        return (self.base.log(a[0]), self.base.div(a[1], a[0]))

    def sqrt(self, a: Any) -> Any:
        base = self.base
        root = base.sqrt(a[0])
        return (root, base.div(a[1], base.mul(base.const(Fraction(2)), root)))

    def elementary(self, function: str, a: Any) -> Any:
        base = self.base
        value = base.elementary(function, a[0])
        one = base.one
        if function == "tanh":
            slope = base.sub(one, base.mul(value, value))
        elif function == "sigmoid":
            slope = base.mul(value, base.sub(one, value))
        elif function == "softplus":
            slope = base.elementary("sigmoid", a[0])
        elif function == "log1p":
            slope = base.div(one, base.add(one, a[0]))
        elif function == "expm1":
            slope = base.add(value, one)
        elif function == "sin":
            slope = base.elementary("cos", a[0])
        elif function == "tan_half":  # (tan(u/2))′ = (1 + tan²(u/2))/2
            slope = base.div(base.add(one, base.mul(value, value)), base.const(Fraction(2)))
        else:
            assert function == "cos", function
            slope = base.neg(base.elementary("sin", a[0]))
        return (value, base.mul(slope, a[1]))

    def relu(self, a: Any) -> Any:
        """(relu u, relu′(u)·u′); where u = 0 and u′ = 0, relu(u) = o(u′) has slope 0."""
        base = self.base
        value = base.relu(a[0])
        if base.is_zero(a[0]) and base.is_zero(a[1]):
            return (value, base.zero)
        return (value, base.mul(base.step(a[0]), a[1]))

    def step(self, a: Any) -> Any:
        return (self.base.step(a[0]), self.base.zero)  # constant wherever it is defined

    def input(self, name: str, index: tuple[int, ...]) -> Any:
        value = self.base.input(name, index)
        seed = self.base.one if (name, index) == self.variable else self.base.zero
        return (value, seed)

    def is_zero(self, a: Any) -> bool:
        return self.base.is_zero(a[0]) and self.base.is_zero(a[1])
