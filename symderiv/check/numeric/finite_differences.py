"""Derivatives of numpy implementations by finite differences, and the evaluator that uses them.

A claim's `D(f, x)` at random points comes from f's numpy implementation, not from sympy:
complex-step when the implementation is analytic, central differences with a per-point step
otherwise. Each keeps a per-point error estimate, which widens the claim's tolerance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symderiv.check.evaluate import Evaluator, Tensor, index_tuples
from symderiv.check.numeric.floats import COMPLEX, DTYPES, NumpyDomain, epsilon, evaluate_formula
from symderiv.check.numeric.points import point_count
from symderiv.load.model import Implementation
from symderiv.numbers.domains import DualDomain
from symderiv.numbers.numpy_eval import uses_kinks
from symderiv.resolve.implementations import single_implementations
from symderiv.resolve.scope import Scope

#: Largest number of input entries evaluated in one batched finite-difference evaluation.
MAX_BATCH = 500_000


class FiniteDifferences:
    """Derivatives of numpy implementations by their inputs, at all points at once."""

    def __init__(self, scope: Scope, sizes: dict[str, int], inputs: dict[str, np.ndarray],
                 implementations: dict[str, Implementation], dtype: str) -> None:
        self.scope = scope
        self.sizes = sizes
        self.inputs = inputs
        self.implementations = implementations
        self.dtype = dtype
        self.singles = single_implementations(scope)
        self.cache: dict[tuple[str, tuple[str, tuple[int, ...]]], np.ndarray] = {}
        self.error = np.zeros(point_count(inputs))
        self.methods: set[str] = set()

    def _evaluate(self, implementation: Implementation, inputs: dict[str, np.ndarray],
                  dtype: type[np.inexact[Any]]) -> np.ndarray:
        return evaluate_formula(implementation.formula.node, self.sizes, inputs, dtype,
                                self.singles, frozenset(self.scope.labels))[1]

    def derivative(self, name: str, variable: tuple[str, tuple[int, ...]]) -> np.ndarray:
        """d(name)/d(variable) at every point: shape (P, *shape of name).

        The derivatives by all entries of the variable's symbol are computed together, in
        evaluations of the implementation over (a group of entries × points).
        """
        key = (name, variable)
        if key not in self.cache:
            symbol = variable[0]
            shape = self.inputs[symbol].shape
            entries = [tuple(i + 1 for i in index) for index in np.ndindex(shape[1:])]
            # groups of entries: fewer Python-level evaluations without quadratic memory
            group = max(1, MAX_BATCH // max(1, sum(int(np.prod(v.shape))
                                                   for v in self.inputs.values())))
            for start in range(0, len(entries), group):
                chunk = entries[start:start + group]
                for index, result in zip(chunk, self._differentiate(name, symbol, chunk)):
                    self.cache[(name, (symbol, index))] = result
        return self.cache[key]

    def _perturbed(self, symbol: str, entries: list[tuple[int, ...]],
                   dtype: type[np.inexact[Any]], steps: np.ndarray) -> dict[str, np.ndarray]:
        """The inputs once per entry (entry k's copy first, all P points each), in `dtype`,
        with entry k of `symbol` moved by steps[k] in its own copy."""
        points = self.inputs[symbol].shape[0]
        inputs = {n: np.tile(v.astype(dtype), (len(entries),) + (1,) * (v.ndim - 1))
                  for n, v in self.inputs.items()}
        for k, index in enumerate(entries):
            block = (slice(k * points, (k + 1) * points),) + tuple(i - 1 for i in index)
            inputs[symbol][block] += steps[k]
        return inputs

    def _per_entry(self, symbol: str, count: int, values: np.ndarray) -> np.ndarray:
        """An evaluation of the perturbed inputs split by entry: (entries, P, *shape)."""
        return values.reshape((count, self.inputs[symbol].shape[0]) + values.shape[1:])

    def _differentiate(self, name: str, symbol: str,
                       entries: list[tuple[int, ...]]) -> list[np.ndarray]:
        implementation = self.implementations[name]
        if not uses_kinks(implementation.formula.node, self.singles):
            return self._complex_step(implementation, symbol, entries)
        return self._central_differences(implementation, symbol, entries)

    def _complex_step(self, implementation: Implementation, symbol: str,
                      entries: list[tuple[int, ...]]) -> list[np.ndarray]:
        """f(x + ih) = f(x) + ih f'(x) + O(h^2): no cancellation, for analytic code."""
        count, points = len(entries), self.inputs[symbol].shape[0]
        step = 1e-20
        complex_type = COMPLEX[self.dtype]
        shifted = self._perturbed(symbol, entries, complex_type,
                                  np.full((count, points), 1j * step))
        values = self._per_entry(symbol, count,
                                 self._evaluate(implementation, shifted, complex_type))
        results = np.imag(values).astype(np.float64) / step
        size = np.abs(np.real(values)).reshape(count, points, -1).max(axis=(0, 2))
        self.error = np.maximum(self.error, 4 * epsilon(self.dtype) * np.nan_to_num(size))
        self.methods.add(f"complex-step differentiation of {implementation.qualified_name}")
        return list(results)

    def _central_differences(self, implementation: Implementation, symbol: str,
                             entries: list[tuple[int, ...]]) -> list[np.ndarray]:
        """(f(x + h) - f(x - h)) / 2h with h = ∛ε·max(1, |x|), for code with kinks."""
        count, points = len(entries), self.inputs[symbol].shape[0]
        eps = epsilon(self.dtype)
        x = np.stack([self.inputs[symbol][(slice(None),) + tuple(i - 1 for i in index)]
                      for index in entries])
        step = np.cbrt(eps) * np.maximum(1.0, np.abs(x))  # (entries, points)
        real_type = DTYPES[self.dtype]

        def central(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            plus = self._perturbed(symbol, entries, real_type, h)
            minus = self._perturbed(symbol, entries, real_type, -h)
            high = self._per_entry(symbol, count, self._evaluate(implementation, plus,
                                                                 real_type)).astype(float)
            low = self._per_entry(symbol, count, self._evaluate(implementation, minus,
                                                                real_type)).astype(float)
            spread = h.reshape(h.shape + (1,) * (high.ndim - 2))
            return (high - low) / (2 * spread), np.maximum(np.abs(high), np.abs(low))

        with np.errstate(all="ignore"):
            results, size = central(step)
            coarse, _ = central(2 * step)
            # Richardson-style estimate of the truncation error, plus rounding error
            flat_size = size.reshape(count, points, -1).max(axis=2)
            truncation = np.abs(results - coarse).reshape(count, points, -1).max(axis=2)
            estimate = (4 * truncation + 8 * eps * flat_size / step).max(axis=0)
        self.error = np.maximum(self.error, np.nan_to_num(estimate, nan=np.inf))
        self.methods.add(f"central differences of {implementation.qualified_name} "
                         "(step ∛ε·max(1, |x|) per point)")
        return list(results)


class _DifferencedEvaluator(Evaluator):
    """Carries derivatives by one input; definitions with an implementation get theirs from
    finite differences of it (the value itself still comes from the definition's formula)."""

    def __init__(self, parent: Evaluator, variable: tuple[str, tuple[int, ...]],
                 differences: FiniteDifferences) -> None:
        super().__init__(parent.scope, parent.sizes, DualDomain(parent.domain, variable))
        self.parent, self.wrt = parent, variable
        self.origin, self.by = parent, variable  # the same, never None
        self.differences = differences

    def definition_entry(self, name: str, index: tuple[int, ...]) -> Any:
        if name not in self.differences.implementations:
            return super().definition_entry(name, index)
        key = (name, index)
        if key not in self.memo:
            value = self.origin.definition_entry(name, index)
            derivative = self.differences.derivative(name, self.by)
            self.memo[key] = (value, derivative[(slice(None),) + tuple(i - 1 for i in index)])
        return self.memo[key]

    def definition_value(self, name: str) -> Any:
        if name not in self.differences.implementations:
            return super().definition_value(name)
        whole = self.origin.definition_value(name)
        if not isinstance(whole, Tensor):
            return self.definition_entry(name, ())
        return Tensor(whole.shape, tuple(self.definition_entry(name, index)
                                         for index in index_tuples(whole.shape)))


class NumericEvaluator(Evaluator):
    """Evaluates claims at P points; `D(f, x)` by finite differences of f's implementation."""

    def __init__(self, scope: Scope, sizes: dict[str, int], inputs: dict[str, np.ndarray],
                 differences: FiniteDifferences) -> None:
        super().__init__(scope, sizes, NumpyDomain(inputs))
        self.differences = differences

    def child(self, variable: tuple[str, tuple[int, ...]]) -> Evaluator:
        if variable[0] in self.scope.definitions:  # a held quantity: no input to difference
            return super().child(variable)
        found = self.children.get(variable)
        if found is None:
            found = self.children[variable] = _DifferencedEvaluator(self, variable,
                                                                    self.differences)
        return found
