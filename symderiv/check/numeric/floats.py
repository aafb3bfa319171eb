"""Float evaluation at P points: definitions from their formulas, and numpy implementations.

Every value has a leading axis of P points (`points.random_inputs`); the dtypes are those
--dtype may name, each with its complex partner for complex-step differentiation.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from symderiv.check.evaluate import Evaluator, Tensor
from symderiv.check.numeric.points import point_count
from symderiv.load.model import Implementation
from symderiv.language import ast
from symderiv.numbers.domains import OperatorDomain
from symderiv.numbers.numpy_eval import NumpyEvaluator, float_elementary
from symderiv.resolve.implementations import single_implementations
from symderiv.resolve.scope import Scope

DTYPES: dict[str, type[np.floating[Any]]] = {"float64": np.float64, "float32": np.float32}
COMPLEX: dict[str, type[np.complexfloating[Any, Any]]] = {"float64": np.complex128,
                                                          "float32": np.complex64}


def epsilon(dtype: str) -> float:
    """The machine epsilon of a --dtype."""
    return float(np.finfo(DTYPES[dtype]).eps)


class NumpyDomain(OperatorDomain):
    """Floats at P points at once: every value is an array of shape (P,) (or a number)."""

    zero = 0.0
    one = 1.0

    def __init__(self, inputs: dict[str, np.ndarray]) -> None:
        self.inputs = inputs

    def const(self, value: Fraction) -> Any:
        return float(value)

    def div(self, a: Any, b: Any) -> Any:
        return np.divide(a, b)

    def ipow(self, a: Any, n: int) -> Any:
        if n < 0:
            return np.power(a, float(n))
        try:
            return a ** n
        except OverflowError:  # a Python float (a constant) raises where numpy gives ±inf
            return np.power(np.float64(a), float(n))

    def rpow(self, a: Any, q: Fraction) -> Any:
        return np.power(a, float(q))

    def exp(self, a: Any) -> Any:
        return np.exp(a)

    def log(self, a: Any) -> Any:
        return np.log(a)

    def sqrt(self, a: Any) -> Any:
        return np.sqrt(a)

    def elementary(self, function: str, a: Any) -> Any:
        return float_elementary(function, a)

    def relu(self, a: Any) -> Any:
        return np.maximum(a, 0.0)

    def step(self, a: Any) -> Any:
        """1 above the kink, 0 below, nan (undefined) at it."""
        return np.where(np.greater(a, 0), 1.0, np.where(np.less(a, 0), 0.0, np.nan))

    def input(self, name: str, index: tuple[int, ...]) -> Any:
        return self.inputs[name][(slice(None),) + tuple(i - 1 for i in index)]

    def is_zero(self, a: Any) -> bool:
        return bool(np.all(a == 0))


def _stack(value: Any, points: int) -> np.ndarray:
    """A scalar or Tensor of (P,) arrays as one array (P, *shape)."""
    if isinstance(value, Tensor):
        entries = [np.broadcast_to(np.asarray(v, dtype=float), (points,)) for v in value.data]
        return np.stack(entries, axis=1).reshape((points,) + value.shape)
    return np.broadcast_to(np.asarray(value, dtype=float), (points,)).copy()


def definition_values(scope: Scope, name: str, sizes: dict[str, int],
                      inputs: dict[str, np.ndarray]) -> np.ndarray:
    """The definition's whole value at every point, from its formula, in float64."""
    points = point_count(inputs)
    with np.errstate(all="ignore"):
        value = Evaluator(scope, sizes, NumpyDomain(inputs)).definition_value(name)
    return _stack(value, points)


def evaluate_formula(formula: ast.Node, sizes: dict[str, int], inputs: dict[str, np.ndarray],
                     dtype: type[np.inexact[Any]], singles: dict[str, ast.Node],
                     labels: frozenset[str] = frozenset()
                     ) -> tuple[NumpyEvaluator, np.ndarray]:
    """A numpy formula at every point in `dtype`: the evaluator (its events and magnitudes)
    and the value, broadcast to (P, *shape). `singles`: `single_implementations` of the scope;
    `labels`: its labels' names (their values are in `sizes`).
    """
    cast = {name: value.astype(dtype) for name, value in inputs.items()}
    evaluator = NumpyEvaluator(cast, sizes, dtype, singles, labels=labels)
    data = evaluator.value(formula).data
    return evaluator, np.broadcast_to(data, (point_count(inputs),) + data.shape[1:])


@dataclass(frozen=True, slots=True)
class ImplementationValues:
    """An implementation's value at every point, and what its float computation met."""

    values: np.ndarray  # (P, *shape), in float64 whatever dtype computed it
    events: tuple[str, ...]  # what went wrong in floating point (overflow, 0/0, ...)
    magnitude: np.ndarray  # (P,): the largest term added or subtracted (the rounding scale)


def implementation_values(scope: Scope, implementation: Implementation, sizes: dict[str, int],
                          inputs: dict[str, np.ndarray], dtype: str = "float64"
                          ) -> ImplementationValues:
    """The implementation's value at every point, computed in `dtype`."""
    evaluator, data = evaluate_formula(implementation.formula.node, sizes, inputs,
                                       DTYPES[dtype], single_implementations(scope),
                                       frozenset(scope.labels))
    magnitude = np.broadcast_to(np.asarray(evaluator.magnitude, float), (point_count(inputs),))
    return ImplementationValues(data.astype(np.float64), tuple(evaluator.events), magnitude)
