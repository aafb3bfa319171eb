"""Recorded proofs (check/proof/): the chain of each claim, its rules in order, every step
decided, a wrong step refused, side conditions that keep a rule from firing."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import sympy

from symderiv.cache import codec
from symderiv.check.proof.checked import check_chain, record
from symderiv.check.proof.formula import Writer
from symderiv.check.proof.recorder import Recorder
from symderiv.check.proof.rules import MAX_STEPS
from symderiv.check.spec import check_scope, decider_for
from symderiv.check.verdict import CheckResult, ProofStep, Verdict
from symderiv.errors import Location
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.load.loader import load_file, load_text
from symderiv.options import Options
from symderiv.resolve.scope import Scope, build_scope

ROOT = Path(__file__).resolve().parents[2]
DERIVATIONS = ROOT / "derivations"


@cache
def scope(name: str) -> Scope:
    return build_scope(load_file(DERIVATIONS / name))


@cache
def checks(name: str) -> dict[str, CheckResult]:
    return {r.id: r for r in check_scope(scope(name), Options())}


def chain(name: str, claim_id: str) -> list[tuple[str, str | None, str]]:
    """The recorded proof of one claim as (rule, formula, detail) per step."""
    result = checks(name)[claim_id]
    assert result.chain, result.proof_note
    return [(s.label, s.formula, s.detail) for s in result.proof]


def test_softmax_jacobian_by_the_quotient_rule() -> None:
    """D_jS_i: substitute S_i, the quotient rule, fold to S_i δ_ij − S_i S_j, factor."""
    assert chain("softmax.yaml", "kronecker-form") == [
        ("", "D(S[i], a[j])", ""),
        ("substitute the definition", "D(exp(a[i]) / sum(exp(a[k]), k), a[j])",
         "S[i] = exp(a[i]) / sum(exp(a[k]), k)"),
        ("quotient rule",
         "(delta(i, j) * sum(exp(a[k]), k) * exp(a[i]) - exp(a[i]) * exp(a[j])) / "
         "sum(exp(a[k]), k)^2",
         "D(exp(a[i]), a[j]) = delta(i, j) * exp(a[i]); D(sum(exp(a[k]), k), a[j]) = exp(a[j])"),
        ("fold the definition S", "S[i] * delta(i, j) - S[i] * S[j]",
         "exp(a[i]) / sum(exp(a[k]), k) = S[i]"),
        ("factor", "S[i] * (delta(i, j) - S[j])", ""),
    ]


def test_softmax_cases_by_the_index_equality() -> None:
    """Under `where: i == j` the delta is 1, under `i != j` it is 0, each a step of its own."""
    assert [rule for rule, _, _ in chain("softmax.yaml", "diagonal-case")] == [
        "", "substitute the definition", "quotient rule", "case i = j",
        "fold the definition S", "factor"]
    assert chain("softmax.yaml", "off-diagonal-case")[3:] == [
        ("case i ≠ j", "-exp(a[i]) * exp(a[j]) / sum(exp(a[k]), k)^2", ""),
        ("fold the definition S", "-S[j] * S[i]", "exp(a[i]) / sum(exp(a[k]), k) = S[i]")]


def test_softmax_layer_through_g() -> None:
    """∂P_t/∂W_ij by the chain rule through g, the sparse Jacobian of g collapsing the sum."""
    assert chain("softmax-layer.yaml", "softmax-layer-derivative") == [
        ("", "D(P[t], W[i, j])", ""),
        ("chain rule through g", "sum(P[t] * (delta(k, t) - P[k]) * D(g[k], W[i, j]), k)",
         "D(P[t], g[k]) = P[t] * (delta(k, t) - P[k])"),
        ("derivative of a definition",
         "sum(P[t] * (delta(k, t) - P[k]) * x[j] * delta(i, k), k)",
         "D(g[k], W[i, j]) = x[j] * delta(i, k)"),
        ("collapse the sum over the delta", "P[t] * (delta(t, i) - P[i]) * x[j]", ""),
    ]


def test_cross_entropy_gradient_through_p() -> None:
    """∂L/∂W_ij = Σ_k ∂L/∂P_k ∂P_k/∂W_ij, the sum collapsed to k = y, P_y cancelled."""
    assert chain("cross-entropy.yaml", "loss-gradient") == [
        ("", "D(L[y], W[i, j])", ""),
        ("chain rule through P", "sum(-delta(k, y) / P[y] * D(P[k], W[i, j]), k)",
         "D(L[y], P[k]) = -delta(k, y) / P[y]"),
        ("collapse the sum over the delta", "-1 / P[y] * D(P[y], W[i, j])", ""),
        ("derivative of a definition", "-(P[y] * (delta(i, y) - P[i]) * x[j]) / P[y]",
         "D(P[y], W[i, j]) = P[y] * (delta(i, y) - P[i]) * x[j]"),
        ("cancellation", "-(delta(i, y) - P[i]) * x[j]", ""),
        ("rearrange", "(P[i] - delta(i, y)) * x[j]", ""),
    ]


def test_a_wrong_step_is_refused() -> None:
    """One recorded step changed on purpose (a sign in the quotient rule's numerator): the
    step check refuses the chain and says which step."""
    claim = next(c for c in scope("softmax.yaml").spec.claims if c.id == "kronecker-form")
    node = claim.claim.node if claim.claim is not None else None
    assert isinstance(node, ast.Compare)
    recorder = Recorder(scope("softmax.yaml"))
    steps = recorder.prove(recorder.builder.expr(node.left, {}),
                           recorder.builder.expr(node.right, {}))
    wrong = steps[2].expression.xreplace(
        {sympy.Symbol("j", integer=True): sympy.Symbol("i", integer=True)})
    steps[2] = replace(steps[2], expression=wrong)
    decider = decider_for(scope("softmax.yaml"), Options(), frozenset())
    found = check_chain(decider, steps, node.left, node.right, None, Verdict.PROVED,
                        Writer(scope("softmax.yaml")))
    assert found.steps == ()
    assert found.why == ("no step-by-step proof: step 3 (quotient rule) is undecided: the "
                         "generic layer could not decide this claim (try --strategy "
                         "generic,bounded)")
    assert len(steps) == 5  # the unchanged chain is the one checked above


SIZES = """\
title: two sizes
sizes: {N: [1, 2, 3], M: [1, 2]}
indices: {i: N, j: N, k: N, m: M}
symbols: {a: [N]}
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
"""


def test_no_proof_of_a_false_equation() -> None:
    """A wrong right side: the sides never meet, not even with S substituted, and no
    chain is printed."""
    spec_scope = build_scope(load_text("sizes.yaml", SIZES))
    decider = decider_for(spec_scope, Options(), frozenset())
    found = record(decider, parse("D(S[i], a[j])"), parse("S[i] * (1 - S[j])"), None,
                   Verdict.PROVED)
    assert found.steps == ()
    assert found.why == (
        "no step-by-step proof: the two sides do not meet in one form: delta(i, j) * "
        "exp(a[i]) / sum(exp(a[k]), k) - exp(a[i]) * exp(a[j]) / sum(exp(a[k]), k)^2 and "
        "(1 - exp(a[j]) / sum(exp(a[k]), k)) * exp(a[i]) / sum(exp(a[k]), k)")


def test_a_sum_collapses_only_over_its_own_range() -> None:
    """Σ_k δ_kj f_k = f_j where j runs over k's range; with m over another size, no."""
    recorder = Recorder(build_scope(load_text("sizes.yaml", SIZES)))
    k, j, m = (recorder.builder.index_symbols[n] for n in "kjm")
    a = recorder.builder.base("a")
    size = recorder.scope.index_size("k")
    assert recorder.sum_out(sympy.Sum(sympy.KroneckerDelta(k, j) * a[k], (k, 1, size))) == a[j]
    assert recorder.sum_out(sympy.Sum(sympy.KroneckerDelta(k, m) * a[k], (k, 1, size))) is None


def test_every_proved_claim_has_a_short_checked_chain() -> None:
    """Every proved or verified equation of derivations/ (the catalogue too) either has a
    chain of at most 12 steps or says why not; the chains are most of them. (An inequality's
    proof is the sign of its gap, not a chain of equalities.)"""
    chains = notes = 0
    for path in sorted(DERIVATIONS.rglob("*.yaml")):
        name = str(path.relative_to(DERIVATIONS))
        equations = {c.id for c in scope(name).spec.claims
                     if c.claim is not None and getattr(c.claim.node, "op", None) == "=="}
        for result in checks(name).values():
            if result.kind != "claim" or not result.verdict.holds or result.id.endswith(".tex"):
                continue
            if result.id not in equations:
                assert not result.chain, result.id
                continue
            if result.chain:
                chains += 1
                assert 1 <= len(result.proof) - 1 <= MAX_STEPS, result.id
            else:
                notes += 1
                assert result.proof_note.startswith("no step-by-step proof: "), result.id
    assert (chains, notes) == (54, 23)


def test_proof_steps_round_trip_through_the_cache() -> None:
    """A chain's rule, detail and formula survive the cache; its LaTeX is printed once."""
    result = checks("softmax.yaml")["kronecker-form"]
    anchor = Location("softmax.yaml", 1, 1)
    payload = codec.encode_entry("key", {"v": "1"}, None, "n", [result], anchor,
                                 lambda expression: f"<{type(expression).__name__}>")
    [back] = codec.decode_entry(payload, "key", {"v": "1"}, anchor).results
    assert back.chain and back.proof_note == ""
    assert [(s.label, s.detail, s.formula, s.latex) for s in back.proof] == [
        (s.label, s.detail, s.formula, f"<{type(s.expression).__name__}>")
        for s in result.proof]
    assert isinstance(back.proof[0], ProofStep) and back.proof[0].expression is None


def test_an_entry_of_the_previous_format_is_a_miss() -> None:
    """Proof steps stored without rule details (cache format 2) are never misread."""
    result = checks("softmax.yaml")["kronecker-form"]
    anchor = Location("softmax.yaml", 1, 1)
    payload = codec.encode_entry("key", {}, None, None, [result], anchor, lambda e: "x")
    old = payload.replace(b'"format": 3', b'"format": 2')
    try:
        codec.decode_entry(old, "key", {}, anchor)
    except codec.Malformed as error:
        assert str(error) == "another format, key or version"
    else:
        raise AssertionError("an entry of format 2 was read")


def test_the_case_rule_touches_only_the_deltas_of_where() -> None:
    """`where: i == j` sets δ_ij = 1 and `i != j` δ_ij = 0; a delta of other indices stays."""
    spec_scope = build_scope(load_text("sizes.yaml", SIZES))
    i, j, k = (sympy.Symbol(n, integer=True) for n in "ijk")
    expr = sympy.KroneckerDelta(i, j) + sympy.KroneckerDelta(i, k)
    equal = Recorder(spec_scope, equal=[("i", "j")]).case(expr)
    different = Recorder(spec_scope, different=[("i", "j")]).case(expr)
    assert equal is not None and equal.expression == 1 + sympy.KroneckerDelta(i, k)
    assert different is not None and different.expression == sympy.KroneckerDelta(i, k)
    assert Recorder(spec_scope, equal=[("j", "k")]).case(sympy.KroneckerDelta(i, j)) is None


def test_an_entry_of_a_jacobian() -> None:
    """Dg[t, (i − 1)N + j] is ∂g_t/∂W_ij (row-major columns), then the derivative as usual."""
    assert chain("softmax-layer.yaml", "jacobian-column") == [
        ("", "Dg[t, (i - 1) * N + j]", ""),
        ("an entry of the Jacobian", "D(g[t], W[i, j])",
         "Dg[t, N * (i - 1) + j] = D(g[t], W[i, j])")]
    assert [rule for rule, _, _ in chain("softmax-layer.yaml", "first-row-first-block")] == [
        "", "an entry of the Jacobian", "substitute the definition", "linearity"]


def test_sides_joined_by_algebra_end_in_a_simplify_step() -> None:
    """Where no rewriting rule makes the sides one form, algebra joins their last forms (a
    step the engine then decides like any other): the sigmoid's derivative."""
    result = {r.id: r for r in check_scope(
        build_scope(load_file(DERIVATIONS / "catalogue" / "sigmoid-bce.yaml")), Options())}
    steps = [(s.label, s.formula) for s in result["sigmoid-derivative"].proof]
    assert steps == [
        ("", "D(p, z)"),
        ("substitute the definition", "D(1 / (1 + exp(-z)), z)"),
        ("power rule", "exp(-z) / (1 + exp(-z))^2"),
        ("simplify", "(1 - 1 / (1 + exp(-z))) / (1 + exp(-z))"),
        ("fold the definition", "p * (1 - p)"),
    ]


def test_a_relu_step_is_written_and_its_derivative_is_not() -> None:
    """relu (and abs, max, min, built through it) has a form in the formula language, so a
    chain may pass through it; its derivative, a step undefined at the kink, has none."""
    result = {r.id: r for r in check_scope(
        build_scope(load_file(DERIVATIONS / "catalogue" / "relu.yaml")), Options())}
    assert [(s.label, s.formula) for s in result["relu-by-abs"].proof] == [
        ("", "r"), ("substitute the definition", "(x + abs(x)) / 2")]
    assert result["off-diagonal-zero"].proof_note == (
        "no step-by-step proof: no rule for the derivative of Relu")
