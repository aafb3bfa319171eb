"""The engine on true and false claims: proved/verified vs refuted, never the other way."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from pathlib import Path

import mpmath
import pytest

from symderiv.resolve.scope import Scope, build_scope
from symderiv.numbers.domains import MpmathDomain
from symderiv.check.spec import check_scope
from symderiv.options import Options
from symderiv.check.evaluate import Evaluator, Tensor
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.load.loader import load_file, load_text

ENGINE = Path(__file__).parent.parent / "specs" / "engine"


@cache
def scope(kind: str) -> Scope:
    text = (ENGINE / "common.yaml").read_text("utf-8") + (ENGINE / f"{kind}.yaml").read_text()
    return build_scope(load_text(f"{kind}.yaml", text))


@cache
def results(kind: str, strategies: tuple[str, ...] = ("generic", "bounded"),
            seed: int = 0) -> dict[str, CheckResult]:
    return {r.id: r for r in check_scope(scope(kind), Options(strategies=strategies, seed=seed))}


TRUE_IDS = [c.id for c in scope("true").spec.claims]
FALSE_IDS = [c.id for c in scope("false").spec.claims]

#: The claims the generic layer must prove for every size (the rest: verified at listed sizes).
MUST_PROVE = {
    "softmax-jacobian", "looks-swapped-but-true", "sum-to-one", "jacobian-columns-sum-to-zero",
    "diagonal-case", "off-diagonal-case", "xent-gradient", "layer-jacobian", "softmax-layer",
    "shift-invariance", "power-rule", "exp-chain", "log-derivative", "sqrt-derivative",
    "delta-sifts", "gradient-of-square-norm", "gradient-of-dot", "counting", "binomial",
    "xent-at-label", "log-exp", "second-derivative", "softmax-xent", "partial-sum",
    "decimals-are-exact", "softmax-jacobian-matrix",
}


def test_there_are_enough_cases() -> None:
    """At least 20 true and 20 false claims are exercised."""
    assert len(TRUE_IDS) >= 20 and len(FALSE_IDS) >= 20


@pytest.mark.parametrize("claim_id", TRUE_IDS)
def test_true_claim_holds(claim_id: str) -> None:
    """A true claim is proved (for all sizes) or verified, never refuted."""
    result = results("true")[claim_id]
    expected = Verdict.PROVED if claim_id in MUST_PROVE else Verdict.VERIFIED
    assert result.verdict == expected, result.message
    assert result.counterexample is None


@pytest.mark.parametrize("claim_id", TRUE_IDS)
def test_true_claim_holds_in_bounded_layer_alone(claim_id: str) -> None:
    """The bounded layer, which does not use sympy's derivatives, agrees on every true claim."""
    result = results("true", ("bounded",))[claim_id]
    if claim_id in ("log-exp", "sqrt-derivative"):
        # exp/log/sqrt relations are lost by the exact screen: no verdict, but never refuted
        assert result.verdict in (Verdict.VERIFIED, Verdict.UNDECIDED)
    else:
        assert result.verdict == Verdict.VERIFIED, result.message


def _independent_value(scope_: Scope, node: ast.Node, sizes: dict[str, int],
                       indices: dict[str, int], values: dict[str, object],
                       entry: tuple[int, ...] | None) -> mpmath.mpf:
    flat: dict[tuple[str, tuple[int, ...]], Fraction] = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            for i, row in enumerate(value, 1):
                if isinstance(row, tuple):
                    for j, v in enumerate(row, 1):
                        flat[(name, (i, j))] = v
                else:
                    flat[(name, (i,))] = row
        else:
            flat[(name, ())] = value  # type: ignore[assignment]
    result = Evaluator(scope_, sizes, MpmathDomain(flat, 50)).value(node, indices)
    return result.entry(entry) if isinstance(result, Tensor) else result


@pytest.mark.parametrize("claim_id", FALSE_IDS)
def test_false_claim_is_refuted_with_a_real_counterexample(claim_id: str) -> None:
    """A false claim is refuted, and re-evaluating its counterexample shows lhs ≠ rhs."""
    result = results("false")[claim_id]
    assert result.verdict == Verdict.REFUTED, result.message
    found = result.counterexample
    assert found is not None
    claim = next(c for c in scope("false").spec.claims if c.id == claim_id)
    node = claim.claim.node  # type: ignore[union-attr]
    assert isinstance(node, ast.Compare)
    sizes, indices, values = dict(found.sizes), dict(found.indices), dict(found.values)
    left = _independent_value(scope("false"), node.left, sizes, indices, values, found.entry)
    right = _independent_value(scope("false"), node.right, sizes, indices, values, found.entry)
    assert abs(left - right) > mpmath.mpf(10) ** -20
    with mpmath.workdps(50):  # the reported sides carry 30 significant digits
        assert abs(left - mpmath.mpf(found.lhs)) < mpmath.mpf(10) ** -28 * max(1, abs(left))
        assert abs(right - mpmath.mpf(found.rhs)) < mpmath.mpf(10) ** -28 * max(1, abs(right))


def test_claim_true_only_for_n1_is_refuted_at_n2() -> None:
    """sum(exp(a[k]), k) == exp(a[1]) holds at N = 1 and is refuted at N = 2."""
    found = results("false")["only-one-class"].counterexample
    assert found is not None
    assert dict(found.sizes) == {"N": 2}
    assert found.values == (("a", (Fraction(0), Fraction(0))),)
    assert (found.lhs, found.rhs) == ("2.0", "1.0")


def test_counterexample_is_minimal_and_simple() -> None:
    """The dropped delta fails first at N = 2, i = 1, j = 2 with a = [0, 0]."""
    found = results("false")["dropped-delta"].counterexample
    assert found is not None
    assert found.sizes == (("N", 2),)
    assert found.indices == (("i", 1), ("j", 2))
    assert found.values == (("a", (Fraction(0), Fraction(0))),)
    assert (found.lhs, found.rhs) == ("-0.25", "0.25")


def test_counterexample_of_a_false_claim_true_only_when_listed_sizes_are_one() -> None:
    """With N restricted to 1, the extra sizes 2 and 3 still refute a claim false at N = 2."""
    result = check_scope(scope("false"), Options(sizes={"N": (1,)}))
    only = next(r for r in result if r.id == "squares-sum-to-one")
    assert only.verdict == Verdict.REFUTED
    assert dict(only.counterexample.sizes) == {"N": 2}  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_verdicts_do_not_depend_on_the_seed(seed: int) -> None:
    """Other random points give the same verdicts in the bounded layer."""
    for kind, verdicts in (("true", {Verdict.VERIFIED, Verdict.UNDECIDED}),
                           ("false", {Verdict.REFUTED})):
        for result in results(kind, ("bounded",), seed).values():
            assert result.verdict in verdicts, (kind, result.id, result.message)


def test_timeout_gives_undecided() -> None:
    """A check that cannot finish within --timeout is undecided and the run goes on."""
    text = (ENGINE / "common.yaml").read_text("utf-8") + (
        "claims:\n"
        "  - {id: slow, claim: 'sum(sum(sum(exp(a[i]*a[j]*a[k]), i), j), k) == 0'}\n"
        "  - {id: quick, claim: 'z == z'}\n")
    scope_ = build_scope(load_text("slow.yaml", text))
    found = check_scope(scope_, Options(timeout=0.05, sizes={"N": (30,)}))
    assert [r.verdict for r in found] == [Verdict.UNDECIDED, Verdict.PROVED]
    assert "within 0.05 s" in found[0].message


def test_strategy_generic_alone_leaves_what_it_cannot_handle_undecided() -> None:
    """With only the generic layer, a claim it cannot handle (a sum that may run backwards)
    is undecided, not guessed; the whole-matrix claim it proves in index form."""
    text = (ENGINE / "common.yaml").read_text("utf-8") + (
        "claims:\n"
        "  - {id: prefix, claim: 'sum(a[k], k, 1, i - 1) + a[i] == sum(a[k], k, 1, i)'}\n"
        "  - {id: matrix, claim: 'jacobian(S, a) == diag(S) - S @ S.T'}\n")
    found = {r.id: r.verdict for r in check_scope(build_scope(load_text("s.yaml", text)),
                                                   Options(strategies=("generic",)))}
    assert found == {"prefix": Verdict.UNDECIDED, "matrix": Verdict.PROVED}


def test_backwards_sums_are_empty_not_karr() -> None:
    """sum(f, k, lo, hi) with hi < lo is 0 (not sympy's Karr convention) in every layer."""
    text = (ENGINE / "common.yaml").read_text("utf-8") + (
        "claims:\n"
        "  - {id: prefix, claim: 'sum(a[k], k, 1, i - 1) + a[i] == sum(a[k], k, 1, i)'}\n"
        "  - {id: backwards, claim: 'sum(a[k], k, i + 2, i) == 0'}\n"
        "  - {id: karr, claim: 'sum(a[k], k, i + 2, i) == -a[i + 1]', where: 'i < N'}\n")
    found = {r.id: r.verdict for r in check_scope(build_scope(load_text("s.yaml", text)),
                                                   Options())}
    assert found == {"prefix": Verdict.VERIFIED, "backwards": Verdict.VERIFIED,
                     "karr": Verdict.REFUTED}


def test_explicit_entries_are_checked_only_where_they_exist() -> None:
    """`a[3]` has no meaning at the unlisted sizes N = 1, 2 the engine also searches: those
    are skipped (found by an audit: the claim was an `error`); at a listed size it is one."""
    text = ("title: explicit entries\nsizes: {N: [3]}\nindices: {i: N, k: N}\n"
            "symbols: {a: [N]}\ndefine:\n  S[i]: exp(a[i]) / sum(exp(a[k]), k)\nclaims:\n"
            "  - {id: sum, claim: 'sum(exp(a[k]), k) == exp(a[1]) + exp(a[2]) + exp(a[3])'}\n"
            "  - {id: S3, claim: 'S[3] == exp(a[3]) / (exp(a[1]) + exp(a[2]) + exp(a[3]))'}\n"
            "  - {id: wrong, claim: 'S[3] == exp(a[3]) / (exp(a[1]) + exp(a[2]))'}\n")
    found = {r.id: r for r in check_scope(build_scope(load_text("e.yaml", text)), Options())}
    assert [found[n].verdict for n in ("sum", "S3", "wrong")] == [
        Verdict.VERIFIED, Verdict.VERIFIED, Verdict.REFUTED]
    assert found["wrong"].counterexample.sizes == (("N", 3),)  # type: ignore[union-attr]
    listed = text.replace("N: [3]", "N: [2, 3]")
    found = {r.id: r for r in check_scope(build_scope(load_text("e.yaml", listed)), Options())}
    assert found["S3"].verdict == Verdict.ERROR
    assert found["S3"].message == "cannot evaluate: S[3]: index 3 is outside 1..2"


#: Claims whose only free index j occurs in `where` (N ∈ {1, 2, 3}: j >= 4 never holds).
WHERE_ONLY = (ENGINE / "common.yaml").read_text("utf-8") + (
    "claims:\n"
    "  - {id: false, claim: 'z == z + 1', where: 'j >= 2'}\n"
    "  - {id: true, claim: 'z == z', where: 'j >= 2'}\n"
    "  - {id: false-never, claim: 'z == z + 1', where: 'j >= 4'}\n"
    "  - {id: true-never, claim: 'z == z', where: 'j >= 4'}\n")


@pytest.mark.parametrize(("strategies", "expected"), [
    (("generic", "bounded", "numeric"), ("refuted", "proved", "undecided", "proved")),
    (("generic", "bounded"), ("refuted", "proved", "undecided", "proved")),
    (("bounded",), ("refuted", "verified", "undecided", "undecided")),
    (("numeric",), ("refuted", "consistent", "undecided", "undecided")),
])
def test_index_only_in_where_ranges_over_its_size(strategies: tuple[str, ...],
                                                  expected: tuple[str, ...]) -> None:
    """An index in `where` only is a free index in every layer; a never-true `where` and a
    claim false for larger sizes is undecided, a claim true for every size is proved."""
    scope_ = build_scope(load_text("where.yaml", WHERE_ONLY))
    found = check_scope(scope_, Options(strategies=strategies))
    assert tuple(r.verdict.value for r in found) == expected, [r.message for r in found]
    counterexample = found[0].counterexample
    assert counterexample is not None
    assert (counterexample.sizes, counterexample.indices) == ((("N", 2),), (("j", 2),))
    assert (counterexample.lhs, counterexample.rhs) == ("0.0", "1.0")
    for result in found[2:]:
        if result.verdict == Verdict.UNDECIDED:
            assert "no index assignment satisfies `where`" in result.message + "".join(
                result.warnings), result.message


#: Whole-vector and matrix claims that every size value 1 must keep the shapes of: a T×N @ N
#: product is a vector of length T for every T (1 included), only x.T @ x is a scalar.
SIZE_ONE = """title: matrix products at size 1
sizes: {N: [1, 2, 3], T: [1, 2, 3]}
indices: {k: N, j: N, i: N, t: T}
symbols: {W: [T, N], x: [N], y: [T], u: [1]}
define:
  g[t]: sum(W[t, k] * x[k], k)
  sq: sum(x[k]^2, k)
  h: W @ x
claims:
  - {id: true-vector, claim: "W @ x == g"}
  - {id: false-vector, claim: "W @ x == 2*g"}
  - {id: true-entry, claim: "(W @ x)[t] == g[t]"}
  - {id: true-definition, claim: "D(h[t], x[j]) == W[t, j]"}
  - {id: false-definition, claim: "D(h[t], x[j]) == W[t, 1]"}
  - {id: true-dot, claim: "x.T @ x == sq"}
  - {id: false-dot, claim: "x.T @ x == 2 * sq"}
  - {id: true-bilinear, claim: "y.T @ W @ x == sum(y[t] * g[t], t)"}
  - {id: true-row, claim: "(W @ x).T @ y == sum(y[t] * g[t], t)"}
  - {id: false-row, claim: "(W @ x).T @ y == sum(y[t] * g[t], t) + 1"}
  - {id: true-outer, claim: "(x @ x.T)[i, j] == x[i] * x[j]"}
  - {id: true-diag, claim: "diag(W @ x) @ y == diag(y) @ g"}
  - {id: false-diag, claim: "diag(W @ x) @ y == diag(g) @ g"}
  - {id: true-eye, claim: "eye(1) @ u == u[1]"}
  - {id: true-eye-of-a-size, claim: "eye(T) @ (W @ x) == g"}
  - {id: true-jacobian, claim: "jacobian(g, x) == W"}
  - {id: true-jacobian-product, claim: "jacobian(g, x) @ x == g"}
  - {id: false-jacobian-product, claim: "jacobian(g, x) @ x == 2 * g"}
  - {id: true-jacobian-of-a-scalar, claim: "jacobian(sq, x) == 2 * x.T"}
  - {id: true-column, claim: "W @ x == (x.T @ W.T).T"}
  - {id: false-column, claim: "W @ x == 2 * (x.T @ W.T).T"}
"""


#: The true SIZE_ONE claims the generic layer leaves to the bounded one: y.T @ W @ x is a
#: double sum, Σ_t y_t Σ_k W_tk x_k a sum of sums, and sums are compared as wholes.
SIZE_ONE_NOT_PROVED = {"true-bilinear"}


@pytest.mark.parametrize(("strategies", "holds"), [
    (("generic", "bounded", "numeric"), Verdict.PROVED),
    (("bounded",), Verdict.VERIFIED),
    (("numeric",), Verdict.CONSISTENT),
])
def test_products_keep_their_shape_at_size_one(strategies: tuple[str, ...],
                                               holds: Verdict) -> None:
    """W @ x at T = 1 is a 1-vector like g: true claims hold (the generic layer proves
    them in index form, for every size), false ones are refuted."""
    found = check_scope(build_scope(load_text("one.yaml", SIZE_ONE)),
                        Options(strategies=strategies))
    verdicts = {r.id: r.verdict for r in found}

    def expected(check_id: str) -> Verdict:
        if not check_id.startswith("true-"):
            return Verdict.REFUTED
        if holds == Verdict.PROVED and check_id in SIZE_ONE_NOT_PROVED:
            return Verdict.VERIFIED
        return holds

    assert verdicts == {r.id: expected(r.id) for r in found}, [r.message for r in found]
    assert all(not r.warnings for r in found), [r.warnings for r in found]
    vector = next(r for r in found if r.id == "false-vector").counterexample
    assert vector is not None
    assert (vector.sizes, vector.entry) == ((("N", 1), ("T", 1)), (1,))


def test_product_is_a_vector_at_size_one() -> None:
    """The evaluator gives W @ x the shape (T,) at T = 1; only x.T @ x is a scalar."""
    scope_ = build_scope(load_text("one.yaml", SIZE_ONE))
    evaluator = Evaluator(scope_, {"N": 1, "T": 1}, MpmathDomain(
        {("W", (1, 1)): Fraction(2), ("x", (1,)): Fraction(3)}, 30))
    assert evaluator.value(parse("W @ x"), {}) == Tensor((1,), (6,))
    assert evaluator.value(parse("x.T @ W.T"), {}) == Tensor((1, 1), (6,))
    assert evaluator.value(parse("x.T @ x"), {}) == 9


NONLINEAR = Path(__file__).parent.parent / "specs" / "nonlinear"


@pytest.mark.parametrize("strategies", [("generic",), ("generic", "bounded"),
                                        ("generic", "bounded", "numeric")])
def test_nonlinear_index_arithmetic_is_never_proved_wrongly(strategies: tuple[str, ...]
                                                             ) -> None:
    """i*i in a delta, a `where` or a sum's bound: false claims are refuted (or, by sympy
    alone, undecided), never proved; true ones hold (found by a differential fuzzer)."""
    options = Options(strategies=strategies)
    false = check_scope(build_scope(load_file(NONLINEAR / "false.yaml", "false.yaml")), options)
    true = check_scope(build_scope(load_file(NONLINEAR / "true.yaml", "true.yaml")), options)
    expected = Verdict.UNDECIDED if strategies == ("generic",) else Verdict.REFUTED
    assert {r.id: r.verdict for r in false} == {
        "square-delta": expected, "vacuous-where": expected, "backwards-count": expected}
    assert all(r.verdict.holds or r.verdict == Verdict.UNDECIDED for r in true)
    if strategies != ("generic",):
        assert all(r.verdict.holds for r in true)


def test_deadlines_nest() -> None:
    """An inner deadline never outlives the outer one, and leaving it re-arms the outer."""
    import time as clock

    from symderiv.check.timeout import CheckTimeout, deadline

    started = clock.monotonic()
    with pytest.raises(CheckTimeout):
        with deadline(0.3):
            with deadline(5.0):  # bounded by the outer 0.3 s
                while True:
                    pass
    assert clock.monotonic() - started < 1.0
    started = clock.monotonic()
    with pytest.raises(CheckTimeout):
        with deadline(0.3):
            with deadline(0.05):
                pass  # leaving the inner block must not cancel the outer deadline
            while True:
                pass
    assert clock.monotonic() - started < 1.0


def test_the_screen_says_when_it_could_not_evaluate_exp_or_log() -> None:
    """The claim is true at the listed sizes; the generic layer does not split its log (the
    partial sum is empty at N = 1, so it is not known positive), the exact screen cannot
    evaluate log of a sum of exponentials, and the message says that, not "lhs ≠ rhs" (issue
    16; the log-softmax identity itself is now proved, tests/check/test_positivity.py)."""
    spec = load_text("logs.yaml", (
        "title: logs\nsizes: {N: [2, 3]}\nindices: {j: N, y: N}\nsymbols: {g: [N]}\n"
        "define:\n  Z: sum(exp(g[j]), j, 2, N)\n"
        "claims:\n  - id: log-partial\n    claim: log(Z * exp(g[y])) == log(Z) + g[y]\n"))
    (result,) = check_scope(build_scope(spec), Options())
    assert result.verdict == Verdict.CONSISTENT
    assert ("(the exact screen cannot evaluate exp and log exactly (each value is an unknown "
            "of its own, so identities between them are lost) and could not show the sides "
            "equal; no counterexample was confirmed numerically)") in result.message
    assert "lhs ≠ rhs" not in result.message


def test_the_screen_without_unknowns_still_says_the_sides_differ() -> None:
    from symderiv.check.bounded import Candidate
    from symderiv.check.decide import unconfirmed

    plain = Candidate({"N": 2}, {"i": 1}, ())
    assert unconfirmed([plain]) == ("the exact screen found lhs ≠ rhs, but no counterexample "
                                    "could be confirmed numerically")
    assert unconfirmed([plain, Candidate({}, {}, (), frozenset({"sqrt", "pow"}))]) == (
        "the exact screen cannot evaluate sqrt and fractional powers exactly (each value is an "
        "unknown of its own, so identities between them are lost) and could not show the sides "
        "equal; no counterexample was confirmed numerically")
