"""Implementations in index notation (issue 16, item 3): a numpy formula that is its
definition is proved for every size, its float behaviour reported beside the proof (a float
failure stays the refutation it was: the numeric part decides it first); the
translation refuses where it would not be exact, and max(x) is proved harmless or not at all."""

from __future__ import annotations

from functools import cache

import pytest

from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.options import Options, Strategy
from conftest import scope_of

SPEC = """
    title: implementations in index form
    sizes: {N: [1, 2, 3], M: [1], T: [1, 2]}
    indices: {i: N, k: N, t: T, s: T}
    symbols:
      a: [N]
      x: []
      u: [M]
      b: [T]
      W: [T, N]
    define:
      S[i]: exp(a[i]) / sum(exp(a[k]), k)
      E[i]: exp(a[i])
      top: x
      J[i, k]: S[i] * (delta(i, k) - S[k])
      B[t]: u[1] + b[t]
      G[t, s]: sum(W[t, k] * W[s, k], k)
    numpy:
      S:
        naive: exp(a) / sum(exp(a))
        stable: exp(a - max(a)) / sum(exp(a - max(a)))
        shifted_once: exp(a - max(a)) / sum(exp(a))
        two_shifts: exp(a - max(a)) / sum(exp(a - min(a)))
      E: exp(a - max(a)) * exp(max(a))
      # max(x) of a number is the number, but only through the value of max: not proved
      top: max(x)
      J: diag(exp(a) / sum(exp(a))) - outer(exp(a), exp(a)) / sum(exp(a))^2
      # (M,) + (T,) broadcasts only because M = 1 here: no proof for every size
      B: u + b
      G: W @ W.T
"""


@cache
def results(strategies: tuple[Strategy, ...] = (Strategy.GENERIC, Strategy.BOUNDED,
                                                 Strategy.NUMERIC)) -> dict[str, CheckResult]:
    return {r.id: r for r in check_scope(scope_of(SPEC), Options(strategies=strategies))}


def test_verdicts() -> None:
    """Exact verdicts: formulas equal to their definitions proved, the rest as before."""
    assert {k: r.verdict.value for k, r in results().items()} == {
        "S.naive": "proved", "S.stable": "proved", "S.shifted_once": "refuted",
        "S.two_shifts": "refuted", "E.numpy": "proved", "top.numpy": "consistent",
        "J.numpy": "proved", "B.numpy": "consistent",
        "G.numpy": "proved"}


def test_the_stable_shift_is_proved_harmless() -> None:
    """max(a) is a free real symbol: the proof holds for every value, so for max(a)."""
    message = results()["S.stable"].message
    assert message.startswith(
        "proved for all sizes: the formula of S.stable is S entry-wise ([r] for every value "
        "of its indices) in index notation; max(a) as a free real m_1: the value does not "
        "depend on it; float behaviour: S.stable equals S at ")
    assert results()["S.stable"].warnings == ()


def test_the_naive_softmax_is_proved_with_its_overflow_reported() -> None:
    """exp(a) / sum(exp(a)) is S for every size, but overflows at large inputs: said."""
    result = results()["S.naive"]
    assert result.verdict == Verdict.PROVED
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(
        "float behaviour at inputs of scale 1000: S.naive gives inf or nan in float64 at ")
    assert result.warnings[0].endswith("; not compared there")


def test_an_essential_max_is_not_proved() -> None:
    """max(x) stands for a free value: top.numpy is only consistent, never proved."""
    result = results()["top.numpy"]
    assert result.message.startswith("numeric evidence only: top.numpy equals top at ")


def test_broadcasting_that_holds_only_at_the_listed_sizes_is_not_proved() -> None:
    """u + b broadcasts (1,) against (T,) because M = 1 is listed, not for every M."""
    assert results()["B.numpy"].message.startswith("numeric evidence only: B.numpy equals B")


@pytest.mark.parametrize("name", ["S.naive", "J.numpy", "G.numpy"])
def test_numeric_alone_proves_nothing(name: str) -> None:
    """--strategy numeric: the implementation is judged by its floats only."""
    assert results((Strategy.NUMERIC,))[name].verdict == Verdict.CONSISTENT


def test_the_free_maximum_is_no_declared_symbol() -> None:
    """max(a) is a value of its own, never the spec's symbol that happens to be named m_1."""
    from symderiv.check.implementation_proof import prove_implementation
    from symderiv.resolve.implementations import check_numpy

    scope = check_numpy(scope_of("""
        title: a symbol named like the free maximum
        sizes: {N: [1, 2]}
        symbols: {a: [N], m_1: []}
        define: {f: m_1}
        numpy: {f: max(a)}
    """))
    (implementation,) = scope.spec.implementations
    assert prove_implementation(scope, implementation) is None
