"""The numeric layer: numpy evaluation, implementation and example checks, claims at points."""

from __future__ import annotations

import json
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from symderiv.resolve.scope import Scope, build_scope
from symderiv.check.numeric import evidence
from symderiv.check.numeric.finite_differences import FiniteDifferences
from symderiv.check.numeric.placement import written_tolerance
from symderiv.check.claims import check_claim
from symderiv.check.decide import Decider
from symderiv.check.spec import check_scope
from symderiv.options import Options
from symderiv.numbers.numpy_eval import NumpyEvaluator
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.cli import main
from symderiv.language.parser import parse
from symderiv.load.loader import load_file, load_text
from symderiv.load.model import Value

NUMERIC = Path(__file__).parent.parent / "specs" / "numeric" / "softmax.yaml"
TIES = Path(__file__).parent.parent / "specs" / "numeric" / "ties.yaml"


@cache
def scope() -> Scope:
    return build_scope(load_file(NUMERIC, "softmax.yaml"))


@cache
def results(dtype: str = "float64", strategies: tuple[str, ...] = ("generic", "bounded",
                                                                    "numeric")
            ) -> dict[str, CheckResult]:
    options = Options(strategies=strategies, dtype=dtype)
    return {r.id: r for r in check_scope(scope(), options)}


def evaluate(text: str, **inputs: list[float]) -> np.ndarray:
    arrays = {name: np.array([value], dtype=float) for name, value in inputs.items()}
    return NumpyEvaluator(arrays, {"N": 3}).value(parse(text)).data[0]


# -- numpy expressions ---------------------------------------------------------------------------


def test_numpy_functions_match_numpy() -> None:
    """Each allowed function gives numpy's own value."""
    a = [1.0, -2.0, 3.0]
    assert np.allclose(evaluate("exp(a - max(a)) / sum(exp(a - max(a)))", a=a),
                       np.exp(np.array(a) - 3) / np.sum(np.exp(np.array(a) - 3)))
    assert evaluate("max(a)", a=a) == 3.0
    assert evaluate("min(a)", a=a) == -2.0
    assert list(evaluate("abs(a)", a=a)) == [1.0, 2.0, 3.0]
    assert list(evaluate("max(a, 0)", a=a)) == [1.0, 0.0, 3.0]
    assert list(evaluate("sqrt(abs(a)) ^ 2", a=a)) == pytest.approx([1.0, 2.0, 3.0])
    assert evaluate("a @ a", a=a) == 14.0
    assert evaluate("a.T @ a", a=a) == 14.0  # numpy: a 1-d array's .T is itself
    assert evaluate("outer(a, a)", a=a).tolist() == np.outer(a, a).tolist()
    assert evaluate("diag(a)", a=a).tolist() == np.diag(a).tolist()
    assert evaluate("diag(outer(a, a))", a=a).tolist() == [1.0, 4.0, 9.0]
    assert evaluate("eye(N) @ a", a=a).tolist() == a
    assert evaluate("sum(eye(2))").tolist() == 2.0


def test_matrix_products_batch_over_points() -> None:
    """W @ x, x @ W and W @ W.T at two points at once equal numpy's per point."""
    rng = np.random.default_rng(1)
    w, x, y = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4)), rng.normal(size=(2, 3))
    evaluator = NumpyEvaluator({"W": w, "x": x, "y": y}, {})
    assert np.allclose(evaluator.value(parse("W @ x")).data,
                       [w[p] @ x[p] for p in range(2)])
    assert np.allclose(evaluator.value(parse("y @ W")).data,
                       [y[p] @ w[p] for p in range(2)])
    assert np.allclose(evaluator.value(parse("W @ W.T + 1")).data,
                       [w[p] @ w[p].T + 1 for p in range(2)])
    assert np.allclose(evaluator.value(parse("x - sum(x)")).data,
                       [x[p] - np.sum(x[p]) for p in range(2)])


def test_overflow_is_reported_as_an_event() -> None:
    """The naive softmax at [1000, 2000, 3000] is nan because exp overflows."""
    evaluator = NumpyEvaluator({"a": np.array([[1000.0, 2000.0, 3000.0]])}, {})
    value = evaluator.value(parse("exp(a) / sum(exp(a))")).data
    assert np.all(np.isnan(value))
    assert evaluator.events == ["exp overflows", "inf / inf gives nan"]


# -- implementation checks --------------------------------------------------------------------


def test_right_implementations_are_proved() -> None:
    """naive, stable and the diag - outer Jacobian are their definitions as formulas, for
    every size (issue 16), and agree with them in floats."""
    for name in ("S.naive", "S.stable", "E.numpy", "J.numpy"):
        result = results()[name]
        assert result.kind == "implementation"
        assert result.verdict == Verdict.PROVED, result.message
        assert result.message.startswith(f"proved for all sizes: the formula of {name} is ")
        assert "; float behaviour: " in result.message
        fields = dict(result.details)
        assert fields["max_rel_error"] < 1e-9 or name == "J.numpy"
        assert fields["points"] > 0


def test_wrong_implementation_is_refuted_at_a_simple_point() -> None:
    """exp(a) / sum(a) is refuted at a = [1] with both values and the relative error."""
    result = results()["S.wrong"]
    assert result.verdict == Verdict.REFUTED
    assert result.counterexample is not None
    assert dict(result.counterexample.values) == {"a": (Fraction(1),)}
    assert result.counterexample.lhs == "2.71828182845904523536028747135"  # e, exactly
    assert result.counterexample.rhs == "1.0"
    assert "(its formula computed exactly in mpmath)" in result.message
    assert "relative error 1.72" in result.message


def test_matrix_definitions_at_size_one() -> None:
    """h = W @ x at T = 1 is a 1-vector in the definition as in numpy; x.T @ x a scalar."""
    text = ("title: size one\nsizes: {N: [1, 2], T: [1, 2]}\nindices: {t: T, j: N}\n"
            "symbols: {W: [T, N], x: [N]}\n"
            "define: {h: W @ x, q: x.T @ x, E: diag(W @ x) @ eye(T)}\n"
            "numpy: {h: W @ x, q: x.T @ x, E: diag(W @ x)}\n"
            "claims:\n"
            "  - {id: true-h, claim: 'D(h[t], x[j]) == W[t, j]'}\n"
            "  - {id: true-q, claim: 'D(q, x[j]) == 2 * x[j]'}\n"
            "  - {id: true-E, claim: 'E[t, t] == h[t]'}\n"
            "examples:\n"
            "  - {id: one, given: {W: [[2]], x: [3]}, expect: {h: [6], q: 9, E: [[6]]}}\n")
    found = {r.id: r.verdict for r in check_scope(build_scope(load_text("one.yaml", text)),
                                                   Options())}
    # in index form (issue 16) every one is proved for every size, 1 included
    assert found == {"true-h": Verdict.PROVED, "true-q": Verdict.PROVED,
                     "true-E": Verdict.PROVED, "h.numpy": Verdict.PROVED,
                     "q.numpy": Verdict.PROVED, "E.numpy": Verdict.PROVED,
                     "one": Verdict.VERIFIED}


def test_cancellation_is_not_a_difference() -> None:
    """diag(P) - outer(P, P) near P = 1 loses digits in float32 but is not refuted (its
    formula is J's: proved)."""
    assert results("float32")["J.numpy"].verdict == Verdict.PROVED


# -- examples -----------------------------------------------------------------------------------


def test_written_precision() -> None:
    """0.93 means ±0.005, 0.09003057 ±5e-9, 8.2184e+307 ±5e+302, 0 and 1 ±0.5e-6, or tol."""
    assert written_tolerance(Value(Fraction(93, 100), "0.93"), None) == Fraction(1, 200)
    assert written_tolerance(Value(Fraction(0), "0.09003057"), None) == \
        Fraction(5, 10 ** 9)
    assert written_tolerance(Value(Fraction(0), "8.2184e+307"), None) == \
        Fraction(5) * 10 ** 302
    assert written_tolerance(Value(Fraction(1), "1"), None) == Fraction(1, 2_000_000)
    assert written_tolerance(Value(Fraction(1), "1"), Fraction(1, 10)) == Fraction(1, 10)


@pytest.mark.parametrize(("text", "tolerance"), [
    ("0", Fraction(1, 2_000_000)), ("1", Fraction(1, 2_000_000)),
    ("-1", Fraction(1, 2)), ("+0", Fraction(1, 2_000_000)), ("-0", Fraction(1, 2_000_000)),
    ("2", Fraction(1, 2)), ("-7", Fraction(1, 2)), ("10", Fraction(1, 2)),
    ("1.", Fraction(1, 2)), ("1.0", Fraction(1, 20)), ("0.0", Fraction(1, 20)),
    ("1e3", Fraction(500)), ("1.50e3", Fraction(5)), ("5.00E+2", Fraction(1, 2)),
    ("1e0", Fraction(1, 2)), ("1E-3", Fraction(1, 2000)),
])
def test_written_precision_of_integers_and_exponents(text: str, tolerance: Fraction) -> None:
    """Integers other than 0 and 1 are written to the unit; exponents count the mantissa."""
    value = Value(Fraction(text.rstrip(".")), text)
    assert written_tolerance(value, None) == tolerance
    assert written_tolerance(value, Fraction(1, 10)) == Fraction(1, 10)


@pytest.mark.parametrize("example", ["eight-digits", "two-digits", "large-logits", "with-tol",
                                     "exp-709-fits", "exp-710-overflows"])
def test_examples_that_hold(example: str) -> None:
    """The notes' correct numbers hold at their written precision."""
    result = results()[example]
    assert result.verdict == Verdict.VERIFIED, result.message
    assert result.ok


def test_wrong_printed_value_shows_the_rounding_rule() -> None:
    """0.93 for 0.93624 is refuted with the value and the interval it missed."""
    result = results()["printed-wrong"]
    assert result.verdict == Verdict.REFUTED and result.expect == "refuted" and result.ok
    assert result.message.startswith(
        "S is [0.017147826, 0.046612623, 0.93623955] (definition, 60 digits), written "
        "[0.02, 0.05, 0.93]; S[3] is 0.936239551877, outside 0.93 ± 0.005 = [0.925, 0.935]")
    assert "S.stable gives [0.0171478, 0.0466126, 0.93624] at a = [1, 2, 5]" in result.message


def test_fails_says_how_the_implementation_fails() -> None:
    """The naive softmax at [1000, 2000, 3000] gives nan because exp overflows."""
    message = results()["large-logits"].message
    assert "S.naive gives [nan, nan, nan] at a = [1000, 2000, 3000]: exp overflows" in message
    assert "S.wrong gives [inf, inf, inf] at a = [1000, 2000, 3000]: exp overflows" in message
    assert "E.numpy gives inf at z = 710: exp overflows" in results()["exp-710-overflows"].message


def test_fails_that_does_not_fail_refutes_the_example() -> None:
    """An implementation listed in fails that matches the numbers makes the example wrong."""
    result = results()["naive-not-failing"]
    assert result.verdict == Verdict.REFUTED
    assert "S.naive gives [0.0900306, 0.244728, 0.665241] at a = [1, 2, 3], within the " \
           "written precision, but the example lists it in fails" in result.message


def test_float32_overflows_earlier() -> None:
    """In float32 exp(709) is inf: the example that fits float64 is refuted."""
    result = results("float32")["exp-709-fits"]
    assert result.verdict == Verdict.REFUTED
    assert result.message.startswith("E.numpy gives inf at z = 709: exp overflows")
    assert dict(result.details)["dtype"] == "float32"
    assert results("float32")["eight-digits"].verdict == Verdict.VERIFIED


@cache
def ties(dtype: str = "float64") -> dict[str, CheckResult]:
    options = Options(strategies=("generic", "bounded", "numeric"), dtype=dtype)
    return {r.id: r for r in check_scope(build_scope(load_file(TIES, "ties.yaml")), options)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_tie_example_meets_its_expectation(dtype: str) -> None:
    """Every example of ties.yaml gets its verdict, implementations in either dtype included."""
    checks = ties(dtype)
    refuted = {"q0035-as-005", "q003500001-as-003", "r-past-the-bound", "q26-as-2",
               "q22-as-2-tol", "q1-past-1", "q510-as-5.0e2"}
    examples = {name: r for name, r in checks.items() if r.kind == "example"}
    assert len(examples) == 22
    for name, result in examples.items():
        wanted = Verdict.REFUTED if name in refuted else Verdict.VERIFIED
        assert (name, result.verdict, result.ok) == (name, wanted, True), result.message


def test_a_value_on_the_bound_holds_for_both_neighbours() -> None:
    """q = 0.105 / 3 = 0.035 exactly lies in 0.03 ± 0.005 and in 0.04 ± 0.005 (closed)."""
    for name in ("q0035-as-003", "q0035-as-004", "q0015-as-001", "q0015-as-002",
                 "q0025-as-002", "q0025-as-003"):
        assert ties()[name].message.startswith(
            "the definition (exact) and q.numpy match the written values at z = "), name


def test_a_value_past_the_bound_is_refuted_with_the_closed_interval() -> None:
    """0.035 is outside 0.05 ± 0.005, and 0.03500001 outside 0.03 ± 0.005: [0.025, 0.035]."""
    assert ties()["q0035-as-005"].message.startswith(
        "q is [0.035] (definition, exact), written [0.05]; q is 0.035, outside "
        "0.05 ± 0.005 = [0.045, 0.055]; q.numpy gives 0.035 at z = 0.105 "
        "(q = 0.035, outside 0.05 ± 0.005 = [0.045, 0.055] widened by 8 ulps)")
    assert ties()["q003500001-as-003"].message.startswith(
        "q is [0.03500001] (definition, exact), written [0.03]; q is 0.03500001, outside "
        "0.03 ± 0.005 = [0.025, 0.035]; q.numpy gives 0.035 at z = 0.10500003 "
        "(q = 0.03500001, outside 0.03 ± 0.005 = [0.025, 0.035] widened by 8 ulps)")
    counterexample = ties()["q003500001-as-003"].counterexample
    assert counterexample is not None
    assert (counterexample.lhs, counterexample.rhs) == ("0.03500001", "0.03")


def test_a_tie_mpmath_cannot_settle_is_taken_as_on_the_bound() -> None:
    """exp(log(0.105)) / 3 is 0.035 to 1000 digits: accepted, and the message says so."""
    for name, written in (("r0035-as-003", "0.03 ± 0.005 = [0.025, 0.035]"),
                          ("r0035-as-004", "0.04 ± 0.005 = [0.035, 0.045]")):
        assert ties()[name].message == (
            "the definition (60 digits) matches the written values at z = 0.105; r cannot be "
            f"told from 0.035 at 1000 digits, a bound of {written}: taken as on it (the "
            "interval is closed)")
    assert ties()["r-past-the-bound"].message == (
        "r is [0.035] (definition, 60 digits), written [0.03]; r is "
        "0.035000000000000000000000000001, outside 0.03 ± 0.005 = [0.025, 0.035]")


def test_a_value_no_enclosure_places_is_undecided() -> None:
    """Cancellation of exp(3000) (1303 digits) leaves the 1000-digit enclosure too wide."""
    text = """\
    title: too much cancellation
    symbols: {z: []}
    define:
      c: exp(3000 + z) - exp(3000) * exp(z) + z / 3
      d: 1 / (3 * z - 0.3)
    examples:
      - {id: cancelled, given: {z: 0.105}, expect: {c: 0.04}}
      - {id: pole, given: {z: 0.1}, expect: {d: 1}}
    """
    import textwrap
    local = build_scope(load_text("cancel.yaml", textwrap.dedent(text)))
    checks = {r.id: r for r in check_scope(local, Options())}
    assert checks["cancelled"].verdict == Verdict.UNDECIDED
    assert checks["cancelled"].message.startswith("c is ")
    assert checks["cancelled"].message.endswith(
        " at 60 digits, but no enclosure up to 1000 digits places it against "
        "0.04 ± 0.005 = [0.035, 0.045]")
    # exactly zero in rationals, where binary rounding of 0.1 and 0.3 would give a huge value
    assert checks["pole"].verdict == Verdict.REFUTED
    assert checks["pole"].message == "d is undefined at z = 0.1: division by zero"


def test_integers_other_than_0_and_1_are_written_to_the_unit() -> None:
    """2 means [1.5, 2.5]: 2.2 and 2.5 hold, 2.6 does not; tol replaces the written precision."""
    assert ties()["q26-as-2"].message.startswith(
        "q is [2.6] (definition, exact), written [2]; q is 2.6, outside 2 ± 0.5 = [1.5, 2.5]")
    assert ties()["q22-as-2-tol"].message.startswith(
        "q is [2.2] (definition, exact), written [2]; q is 2.2, outside 2 ± 0.1 = [1.9, 2.1]")
    assert ties()["q1-past-1"].message.startswith(
        "q is [1.000001] (definition, exact), written [1]; q is 1.000001, outside "
        "1 ± 0.0000005 = [0.9999995, 1.0000005]")
    assert ties()["q510-as-5.0e2"].message.startswith(
        "q is [510] (definition, exact), written [5.0e2]; q is 510, outside "
        "5.0e2 ± 5 = [495, 505]")


# -- claims at random points ------------------------------------------------------------------


def test_numeric_layer_alone_decides_claims() -> None:
    """With only the numeric layer: true claims are consistent, false ones refuted (mpmath)."""
    only = results(strategies=("numeric",))
    assert only["kronecker-form"].verdict == Verdict.CONSISTENT
    assert "numeric evidence only" in only["kronecker-form"].message
    assert "complex-step differentiation of S.naive" in only["kronecker-form"].message
    assert only["exp-derivative"].verdict == Verdict.CONSISTENT
    refuted = only["dropped-delta"]
    assert refuted.verdict == Verdict.REFUTED and refuted.method == "numeric"
    assert refuted.counterexample is not None
    assert refuted.counterexample.indices in ((("i", 1), ("j", 2)), (("i", 2), ("j", 1)))


def test_proved_claims_carry_numeric_error_fields() -> None:
    """A proved claim keeps its verdict and gains the numeric layer's largest errors."""
    steps = {r.id: r for r in check_scope(build_scope(load_file(
        Path(__file__).parent.parent.parent / "derivations" / "softmax.yaml", "softmax.yaml")),
        Options())}["quotient-rule"]
    assert steps.verdict == Verdict.PROVED and dict(steps.details)["points"] > 0
    result = results()["kronecker-form"]
    assert result.verdict == Verdict.PROVED
    fields = dict(result.details)
    assert fields["max_abs_error"] < 1e-12 and fields["points"] > 0
    assert result.warnings == ()


def test_disagreement_with_a_proof_is_a_warning() -> None:
    """An implementation used for D(...) that disagrees warns beside a proof, attributed to
    the implementation; it never refutes the proof."""
    spec = scope().spec
    wrong = next(i for i in spec.implementations if i.qualified_name == "S.wrong")
    decider = Decider(scope(), Options(), {"S": wrong})
    claim = next(c for c in spec.claims if c.id == "kronecker-form")
    result = check_claim(decider, claim)
    assert result.verdict == Verdict.PROVED
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(
        "float error of an implementation, not of the proved claim: by complex-step "
        "differentiation of S.wrong, the sides differ at N = ")


def test_central_differences_at_a_tie_of_max() -> None:
    """The stable softmax at a = [1, 1] (max is a kink of each branch) differences right."""
    spec = scope().spec
    stable = next(i for i in spec.implementations if i.qualified_name == "S.stable")
    inputs = {"a": np.array([[1.0, 1.0], [3.0, -40.0]])}
    differences = FiniteDifferences(scope(), {"N": 2}, inputs, {"S": stable}, "float64")
    derivative = differences.derivative("S", ("a", (1,)))
    s = np.exp(inputs["a"]) / np.exp(inputs["a"]).sum(axis=1, keepdims=True)
    exact = s * (np.array([1.0, 0.0]) - s[:, :1])
    assert np.allclose(derivative, exact, atol=1e-9)
    assert any(m.startswith("central differences") for m in differences.methods)


def test_large_values_do_not_refute() -> None:
    """At scale 10 finite differences lose digits; a true claim stays consistent."""
    text = """\
    title: large values
    symbols: {x: []}
    define:
      f: exp(3 * x) / (1 + exp(3 * x))
    numpy:
      f: exp(3 * x - max(3 * x, 0)) / (exp(-max(3 * x, 0)) + exp(3 * x - max(3 * x, 0)))
    claims:
      - id: logistic-derivative
        claim: D(f, x) == 3 * f * (1 - f)
    """
    import textwrap
    local = build_scope(load_text("large.yaml", textwrap.dedent(text)))
    checks = {r.id: r for r in check_scope(local, Options(strategies=("numeric",)))}
    assert checks["f.numpy"].verdict == Verdict.CONSISTENT, checks["f.numpy"].message
    assert checks["logistic-derivative"].verdict == Verdict.CONSISTENT, \
        checks["logistic-derivative"].message


def test_seed_changes_points_but_not_verdicts() -> None:
    """Another seed gives the same verdicts (different random points)."""
    options = Options(seed=7)
    verdicts = {r.id: r.verdict for r in check_scope(scope(), options)}
    assert verdicts == {name: r.verdict for name, r in results().items()}


# -- command line and JSON ----------------------------------------------------------------------


def test_cli_json_has_numeric_fields(capsys: pytest.CaptureFixture[str]) -> None:
    """--dtype and --strategy numeric are accepted; JSON carries the largest errors."""
    code = main(["check", str(NUMERIC), "--format", "json", "--dtype", "float32",
                 "--strategy", "numeric", "--seed", "3"])
    document = json.loads(capsys.readouterr().out)
    checks = {c["id"]: c for c in document["files"][0]["checks"]}
    assert code == 1  # S.wrong and exp-709-fits (float32) are not as expected
    assert not checks["S.wrong"]["ok"] and not checks["exp-709-fits"]["ok"]
    assert checks["S.stable"]["kind"] == "implementation"
    assert checks["S.stable"]["dtype"] == "float32"
    assert {"max_abs_error", "max_rel_error"} <= set(checks["eight-digits"])
    assert checks["kronecker-form"]["verdict"] == "consistent"


def test_unknown_dtype_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--dtype float16 is refused by the command line (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["check", str(NUMERIC), "--dtype", "float16"])
    assert caught.value.code == 2


def test_derivations_exit_zero() -> None:
    """The course-notes specs, with the numeric layer on, meet every expectation."""
    root = Path(__file__).parent.parent.parent / "derivations"
    assert main(["check", str(root), "--format", "json"]) == 0



def test_kink_crossed_by_finite_differences_is_not_a_refutation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """abs(x) differenced across its kink at x = 1e-7 disagrees; mpmath clears the claim."""
    import textwrap
    text = """\
    title: kink
    symbols: {x: []}
    define:
      r: sqrt(x^2)
    numpy:
      r: abs(x)
    claims:
      - id: derivative
        claim: D(r, x) == x / sqrt(x^2)
    """
    local = build_scope(load_text("kink.yaml", textwrap.dedent(text)))
    near_zero = {"x": np.array([1e-7, -3e-7, 0.5, -2.0])}
    monkeypatch.setattr(evidence, "random_inputs", lambda *args: dict(near_zero))
    implementation = local.spec.implementations[0]
    decider = Decider(local, Options(strategies=("numeric",)), {"r": implementation})
    result = check_claim(decider, local.spec.claims[0])
    assert result.verdict == Verdict.CONSISTENT, result.message
    assert len(result.warnings) == 1
    assert "but the claim holds there in mpmath (40 digits)" in result.warnings[0]
