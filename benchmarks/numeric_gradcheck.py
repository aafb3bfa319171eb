"""Numeric layer timing (issue 3): the cross-entropy gradient at random points.

    python benchmarks/numeric_gradcheck.py [--size 16] [--points 100]

Checks D(L[y], W[i, j]) == (P[i] - delta(i, y)) * x[j] for all i, j, y at T = N = 16 on 100
random points with the numeric layer alone (finite differences of L's numpy implementation),
side by side with

- `torch.autograd.gradcheck` on the same function and points, when torch is installed
  (an optional dependency of this script only; target: symderiv at least as fast), and
- a plain numpy baseline: a Python loop over points and weights, central differences of the
  same implementation compared with the closed form.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's symderiv

from symderiv.resolve.scope import build_scope
from symderiv.check.numeric import points as random_points
from symderiv.check.spec import check_scope
from symderiv.options import Options
from symderiv.load.loader import load_text

SPEC = """\
title: benchmark
sizes: {{N: [{size}], T: [{size}]}}
indices: {{i: T, t: T, s: T, y: T, j: N, n: N}}
symbols: {{W: [T, N], x: [N]}}
define:
  g[t]: sum(W[t, n] * x[n], n)
  P[t]: exp(g[t]) / sum(exp(g[s]), s)
  L[y]: -log(P[y])
numpy:
  L: -log(exp(W @ x - max(W @ x)) / sum(exp(W @ x - max(W @ x))))
claims:
  - id: xent-gradient
    claim: D(L[y], W[i, j]) == (P[i] - delta(i, y)) * x[j]
"""


def loss(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    logits = w @ x
    shifted = np.exp(logits - np.max(logits))
    return -np.log(shifted / np.sum(shifted))


def symderiv_numeric(size: int, points: int) -> tuple[float, str, int]:
    random_points.SIMPLE_POINTS = 0
    random_points.POINTS_PER_SCALE = -(-points // len(random_points.SCALES))
    scope = build_scope(load_text("benchmark.yaml", SPEC.format(size=size)))
    started = time.perf_counter()
    results = check_scope(scope, Options(strategies=("numeric",)))
    seconds = time.perf_counter() - started
    claim = next(r for r in results if r.id == "xent-gradient")
    return seconds, claim.verdict.value, dict(claim.details)["points"]


def numpy_loop(size: int, points: int) -> tuple[float, float]:
    """Per point, per weight: central differences of the loss, compared with the formula."""
    rng = np.random.default_rng(0)
    step = np.cbrt(np.finfo(float).eps)
    worst = 0.0
    started = time.perf_counter()
    for _ in range(points):
        w, x = rng.standard_normal((size, size)), rng.standard_normal(size)
        logits = w @ x
        p = np.exp(logits - logits.max())
        p /= p.sum()
        for i in range(size):
            for j in range(size):
                h = step * max(1.0, abs(w[i, j]))
                plus, minus = w.copy(), w.copy()
                plus[i, j] += h
                minus[i, j] -= h
                derivative = (loss(plus, x) - loss(minus, x)) / (2 * h)
                closed = (p[i] - (np.arange(size) == i)) * x[j]
                worst = max(worst, float(np.max(np.abs(derivative - closed))))
    return time.perf_counter() - started, worst


def torch_gradcheck(size: int, points: int) -> tuple[float, str] | None:
    try:
        import torch
    except ImportError:
        return None
    rng = np.random.default_rng(0)

    def function(w: "torch.Tensor", x: "torch.Tensor") -> "torch.Tensor":
        logits = w @ x
        shifted = torch.exp(logits - logits.max())
        return -torch.log(shifted / shifted.sum())

    started = time.perf_counter()
    for _ in range(points):
        w = torch.tensor(rng.standard_normal((size, size)), dtype=torch.float64,
                         requires_grad=True)
        x = torch.tensor(rng.standard_normal(size), dtype=torch.float64)
        assert torch.autograd.gradcheck(lambda w: function(w, x), (w,))
    return time.perf_counter() - started, torch.__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--points", type=int, default=100)
    arguments = parser.parse_args()
    size, points = arguments.size, arguments.points
    print(f"cross-entropy gradient, all i, j, y at T = N = {size}, {points} random points")
    seconds, verdict, evaluations = symderiv_numeric(size, points)
    print(f"  symderiv --strategy numeric : {seconds:8.3f} s  ({verdict}, {evaluations} "
          "point evaluations)")
    loop_seconds, worst = numpy_loop(size, points)
    print(f"  plain numpy loop baseline   : {loop_seconds:8.3f} s  (largest |FD - formula| "
          f"{worst:.2g})   ratio {loop_seconds / seconds:6.2f}x")
    measured = torch_gradcheck(size, points)
    if measured is None:
        print("  torch.autograd.gradcheck    : torch is not installed; no comparison "
              "(pip install torch to see it)")
    else:
        torch_seconds, version = measured
        print(f"  torch.autograd.gradcheck    : {torch_seconds:8.3f} s  (torch {version})"
              f"{'':<{26 - len(version)}}ratio {torch_seconds / seconds:6.2f}x "
              "(target ≥ 1: symderiv at least as fast)")


if __name__ == "__main__":
    main()
