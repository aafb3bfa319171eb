"""The random points of the numeric layer: the inputs every check evaluates at, and their layout.

Every input symbol gets P points along a leading axis: two simple points first (a difference
shown there reads well), then a block of random points per scale. The layout constants are
read at call time, so benchmarks/numeric_gradcheck.py may set other counts on this module.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from symderiv.check.verdict import Values
from symderiv.resolve.scope import Scope

SCALES = (0.1, 1.0, 10.0)
#: Scales of the random points of implementation checks: the claims' scales and one more,
#: so that code wrong only for large inputs (`min(a, 50)`) is seen.
IMPLEMENTATION_SCALES = SCALES + (100.0,)
POINTS_PER_SCALE = 16
SIMPLE_POINTS = 2

#: One point's inputs, exactly: (symbol, 1-based index) -> value.
ExactPoint = dict[tuple[str, tuple[int, ...]], Fraction]


def random_inputs(scope: Scope, names: set[str], sizes: dict[str, int],
                  rng: np.random.Generator, scales: tuple[float, ...] = SCALES
                  ) -> dict[str, np.ndarray]:
    """Every used input symbol at P points: shape (P, *shape).

    Two simple points come first (entries 1, 2, 3, ... and 1, -1, 1, ...; positive symbols
    1, 1/2, 1, ...) so that a difference is shown at readable values when it shows there,
    then a block of random points per scale.
    """
    out = {}
    position = 0
    for symbol in scope.spec.symbols:
        if symbol.name not in names:
            continue
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in symbol.shape)
        count = int(np.prod(shape, dtype=int))
        numbers = np.arange(position, position + count)
        position += count
        alternate = np.where(numbers % 2 == 0, 1.0, 0.5 if symbol.domain == "positive" else -1.0)
        blocks = [(numbers + 1.0).reshape((1,) + shape),
                  alternate.reshape((1,) + shape)][:SIMPLE_POINTS]
        for scale in scales:
            if symbol.domain == "positive":
                block = scale * np.exp(rng.uniform(-0.7, 0.7, (POINTS_PER_SCALE,) + shape))
            else:
                block = scale * rng.standard_normal((POINTS_PER_SCALE,) + shape)
            blocks.append(block)
        out[symbol.name] = np.concatenate(blocks)
    return out


def point_count(inputs: dict[str, np.ndarray]) -> int:
    """P, the number of points of `inputs` (1 when there are none: the formulas are constant)."""
    return next(iter(inputs.values())).shape[0] if inputs else 1


def signed_simple_point() -> int:
    """The position of the simple point with alternating signs (1, -1, 1, ...)."""
    return SIMPLE_POINTS - 1


def first_point_of_scale(scale: float, scales: tuple[float, ...] = IMPLEMENTATION_SCALES
                         ) -> int:
    """The position of the first random point of `scale` among points drawn at `scales`."""
    return SIMPLE_POINTS + POINTS_PER_SCALE * scales.index(scale)


def exact_point(inputs: dict[str, np.ndarray], point: int) -> ExactPoint:
    """The inputs at one point as exact entries, as mpmath re-evaluates them."""
    return {(symbol, tuple(i + 1 for i in index)): Fraction(float(array[point][index]))
            for symbol, array in inputs.items() for index in np.ndindex(array.shape[1:])}


def counterexample_values(inputs: dict[str, np.ndarray], point: int
                          ) -> tuple[tuple[str, Values], ...]:
    """The inputs at one point as a counterexample shows them: exact nested tuples."""
    return tuple((name, _nested(values[point])) for name, values in inputs.items())


def _nested(array: np.ndarray) -> Values:
    return tuple(_nested(a) for a in array) if array.ndim else Fraction(float(array))


def largest_input(inputs: dict[str, np.ndarray], points: np.ndarray) -> float:
    """The largest |entry| of any input at the chosen points (0 when none)."""
    return max((float(np.max(np.abs(v[points]))) for v in inputs.values() if v[points].size),
               default=0.0)
