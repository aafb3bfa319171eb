"""Core verifier timings (issue 2), printed side by side with the naive sympy way.

    python benchmarks/core.py [--naive-max 8]

1. The generic proofs of the softmax Jacobian and the cross-entropy gradient (target < 3 s).
2. The bounded check of D(L[y], W[i, j]) == (P[i] - delta(i, y))*x[j] for all i, j, y at
   T = N = 2, 4, 8, 16, against the naive way: build the concrete expressions, sympy.diff,
   then simplify(lhs − rhs) per entry (targets: bounded < 5 s at 16; ≥ 100× naive at 8).
"""

from __future__ import annotations

import argparse
import time

import sympy

from symderiv.resolve.scope import build_scope
from symderiv.check.spec import check_scope
from symderiv.options import Options
from symderiv.load.loader import load_text

SPEC = """\
title: benchmark
sizes: {N: [2], T: [2]}
indices: {i: T, t: T, s: T, y: T, j: N, n: N, k: N, l: N}
symbols: {W: [T, N], x: [N], a: [N]}
define:
  S[k]: exp(a[k]) / sum(exp(a[l]), l)
  g[t]: sum(W[t, n]*x[n], n)
  P[t]: exp(g[t]) / sum(exp(g[s]), s)
  L[y]: -log(P[y])
claims:
  - id: softmax-jacobian
    claim: D(S[k], a[j]) == S[k]*(delta(k, j) - S[j])
  - id: xent-gradient
    claim: D(L[y], W[i, j]) == (P[i] - delta(i, y))*x[j]
"""


def timed(function, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def naive(size: int) -> float:
    """diff + simplify per entry on explicit expressions (what one would write first)."""
    W = sympy.Matrix(size, size, lambda r, c: sympy.Symbol(f"W{r}_{c}", real=True))
    x = [sympy.Symbol(f"x{c}", real=True) for c in range(size)]
    g = [sum(W[t, n] * x[n] for n in range(size)) for t in range(size)]
    total = sum(sympy.exp(g[s]) for s in range(size))
    P = [sympy.exp(g[t]) / total for t in range(size)]
    started = time.perf_counter()
    for y in range(size):
        L = -sympy.log(P[y])
        for i in range(size):
            for j in range(size):
                lhs = sympy.diff(L, W[i, j])
                rhs = (P[i] - (1 if i == y else 0)) * x[j]
                assert sympy.simplify(lhs - rhs) == 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive-max", type=int, default=8,
                        help="largest T = N for the naive baseline (it grows fast)")
    arguments = parser.parse_args()
    header, claims = SPEC.split("claims:\n")
    blocks = ["  - id:" + block for block in claims.split("  - id:")[1:]]

    print("generic proofs (target < 3 s each)")
    for block in blocks:
        scope = build_scope(load_text("one.yaml", header + "claims:\n" + block))
        (result,), seconds = timed(check_scope, scope, Options(strategies=("generic",)))
        print(f"  {result.id:18s} {result.verdict.value:9s} {seconds:7.3f} s")

    print()
    print("bounded check of D(L[y], W[i, j]) for all i, j, y")
    print(f"  {'T = N':>5s} {'assignments':>11s} {'symderiv':>10s} {'naive':>10s} {'ratio':>8s}")
    for size in (2, 4, 8, 16):
        options = Options(strategies=("bounded",), sizes={"T": (size,), "N": (size,)},
                          timeout=600)
        claim_scope = build_scope(load_text("xent.yaml", header + "claims:\n" + blocks[1]))
        (result,), seconds = timed(check_scope, claim_scope, options)
        assert result.verdict.value == "verified", result.message
        if size <= arguments.naive_max:
            baseline = naive(size)
            print(f"  {size:5d} {size ** 3:11d} {seconds:9.3f}s {baseline:9.3f}s "
                  f"{baseline / seconds:7.0f}×")
        else:
            print(f"  {size:5d} {size ** 3:11d} {seconds:9.3f}s {'(skipped)':>10s} {'':>8s}")


if __name__ == "__main__":
    main()
