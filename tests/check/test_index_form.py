"""Matrices in index notation (issue 16, item 2): whole-matrix claims proved entry-wise for
every size, and each translation refused where it would not be exact."""

from __future__ import annotations

from functools import cache

import pytest
import sympy

from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.options import Options
from symderiv.resolve import index_form
from symderiv.resolve.scope import size_symbol
from conftest import scope_of

SPEC = """
    title: index form
    sizes: {T: [1, 2, 3], N: [1, 2, 3]}
    indices: {t: T, i: T, s: T, j: N, n: N, k: N}
    symbols:
      a: [N]
      W: [T, N]
      V: [N, T]
      x: [N]
    define:
      S[k]: exp(a[k]) / sum(exp(a[n]), n)
      g[t]: sum(W[t, n] * x[n], n)
      P[t]: exp(g[t]) / sum(exp(g[s]), s)
      DS[t, s]: P[t] * (delta(t, s) - P[s])
      Dg: jacobian(g, W)
      M: diag(S) - S @ S.T
    claims:
      - {id: softmax-matrix, claim: "jacobian(S, a) == diag(S) - S @ S.T"}
      - {id: symmetric, claim: "jacobian(S, a).T == diag(S) - S @ S.T"}
      - {id: through-a-definition, claim: "jacobian(S, a) == M"}
      - {id: an-entry-of-a-matrix-definition, claim: "M[k, n] == S[k] * (delta(k, n) - S[n])"}
      - {id: with-eye, claim: "jacobian(S, a) == diag(S) @ eye(N) - S @ S.T"}
      - {id: eye-slip, claim: "jacobian(S, a) == (eye(N) - S @ S.T) @ diag(S)",
         expect: refuted}
      - {id: chain-rule, claim: "jacobian(P, W) == DS @ jacobian(g, W)"}
      - {id: chain-rule-dg, claim: "jacobian(P, W) == DS @ Dg"}
      - {id: first-entry, claim: "Dg[1, 1] == x[1]"}
      - {id: last-of-first-block, claim: "Dg[1, N] == x[N]"}
      - {id: other-blocks, where: "i >= 2", claim: "Dg[1, (i - 1) * N + j] == 0"}
      - {id: sign-slip, claim: "jacobian(S, a) == S @ S.T - diag(S)", expect: refuted}
      - {id: dropped-product, claim: "jacobian(S, a) == diag(S)", expect: refuted}
      - {id: wrong-order, claim: "jacobian(P, W) == 2 * DS @ jacobian(g, W)", expect: refuted}
      - {id: wrong-block, where: "i >= 2", claim: "Dg[1, (i - 1) * N + j] == x[j]",
         expect: refuted}
      - {id: where-is-a-disjunction, where: "i >= 2 or j >= 2",
         claim: "delta(1, i) * x[j] == 0", expect: refuted}
      - {id: where-bound-too-weak, where: "i >= 1", claim: "delta(1, i) == 0",
         expect: refuted}
      - {id: where-bound, where: "i > 1", claim: "delta(1, i) == 0"}
      - {id: axes-transposed, claim: "jacobian(g, V) == 0 * jacobian(g, W)"}
"""


@cache
def results() -> dict[str, CheckResult]:
    return {r.id: r for r in check_scope(scope_of(SPEC), Options(seed=0))}


PROVED = ["softmax-matrix", "symmetric", "through-a-definition",
          "an-entry-of-a-matrix-definition", "with-eye", "chain-rule", "chain-rule-dg",
          "first-entry", "last-of-first-block", "other-blocks", "where-bound"]
REFUTED = ["eye-slip", "sign-slip", "dropped-product", "wrong-order", "wrong-block",
           "where-is-a-disjunction", "where-bound-too-weak"]


@pytest.mark.parametrize("claim_id", PROVED)
def test_true_matrix_claims_are_proved_for_every_size(claim_id: str) -> None:
    """A true whole-matrix (or entry) claim is proved entry-wise, for every size."""
    result = results()[claim_id]
    assert (result.verdict, result.method) == (Verdict.PROVED, "generic"), result.message


@pytest.mark.parametrize("claim_id", REFUTED)
def test_false_matrix_claims_are_refuted_with_a_counterexample(claim_id: str) -> None:
    """A false claim stays refuted, with a confirmed counterexample."""
    result = results()[claim_id]
    assert result.verdict == Verdict.REFUTED, result.message
    assert result.counterexample is not None


def test_the_proof_names_the_entry() -> None:
    """The message and the proof say which entry the fresh indices stand for."""
    result = results()["chain-rule"]
    assert result.message == ("proved for all sizes (symbolic, sympy; entry-wise in index "
                              "notation: entry [r, N*c_1 - N + c_2] for every value of its "
                              "indices)")
    assert [step.label for step in result.proof[:2]] == [
        "left side, entry [r, N*c_1 - N + c_2]", "right side, entry [r, N*c_1 - N + c_2]"]


def test_axes_that_agree_only_as_a_count_are_left_to_the_bounded_layer() -> None:
    """T·N columns of jacobian(g, V) (V is N×T) are not those of jacobian(g, W): the
    translation refuses, and the (true) claim is only verified at the listed sizes."""
    result = results()["axes-transposed"]
    assert (result.verdict, result.method) == (Verdict.VERIFIED, "bounded"), result.message


def test_a_shape_mismatch_is_the_checks_error() -> None:
    """diag(S) - S.T @ S subtracts a scalar from a matrix: the check's error, no verdict."""
    scope = scope_of(SPEC.replace("claims:\n", "claims:\n      - {id: scalar-product, "
                                  "claim: \"jacobian(S, a) == diag(S) - S.T @ S\"}\n", 1))
    broken = {b.id: b.text for b in scope.spec.broken}
    assert broken["scalar-product"] == ("spec.yaml:18:52: shape mismatch in '-': a N×N "
                                        "matrix and a scalar  [shape]")


T, N = size_symbol("T"), size_symbol("N")
I, J = sympy.Symbol("i", integer=True), sympy.Symbol("j", integer=True)
RANGES = {I: (sympy.Integer(1), T), J: (sympy.Integer(1), N)}


@pytest.mark.parametrize(("flat", "components"), [
    (sympy.Integer(1), (1, 1)),
    (N, (1, N)),
    ((I - 1) * N + J, (I, J)),
    (N * I, (I, N)),
])
def test_a_flat_column_splits_into_row_and_column(flat: sympy.Expr,
                                                  components: tuple[object, ...]) -> None:
    """Column (i − 1)·N + j of a T×N input is (i, j); 1 is (1, 1) and N is (1, N)."""
    assert index_form.unravel(flat, (T, N), RANGES) == components


@pytest.mark.parametrize("flat", [N + 1, I * N + J, (I - 1) * N, J - 1, 2 * J])
def test_a_column_that_may_leave_its_range_is_not_split(flat: sympy.Expr) -> None:
    """N + 1 is row 2, which T = 1 lacks; i·N + j is row i + 1; (i − 1)·N is row i − 1,
    column N, with i − 1 = 0 possible; j − 1 and 2j may leave 1..N: each is refused."""
    with pytest.raises(index_form.Unsupported):
        index_form.unravel(flat, (T, N), RANGES)
