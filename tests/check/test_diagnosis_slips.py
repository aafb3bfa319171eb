"""Issue 18's diagnoses, exactly: the right slip, the folded fix, the true corner."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from rich.console import Console

from symderiv.check.decide import Decider
from symderiv.check.diagnosis import Diagnosis
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language.parser import parse
from symderiv.options import Options
from symderiv.pipeline import check_file
from symderiv.report import json_report, text
from symderiv.results import FileResult, Report

SPEC = Path(__file__).parent.parent / "specs" / "diagnosis" / "slips.yaml"

#: id -> (class, holds_when, fails_when, undefined_when, suggestion, suggested_lhs)
EXPECTED: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...],
                          str | None, str | None]] = {
    "column-major": ("layout", ("N == 1", "T == 1"), ("N >= 2 and T >= 2",), (),
                     "delta(t, r) * x[j]", "Dg[t, (r - 1) * N + j]"),
    "transposed": ("layout", ("N == 1",), ("N >= 2",), (), "W.T", None),
    "not-a-layout": ("factor", ("r != t",), ("r == t",), (), "x[j] * delta(r, t)", None),
    "tanh-slip": (None, (), (), (), "1 - th^2", None),
    "tanh-restated": (None, (), (), (), None, None),
    "sum-worked-out": ("factor", (), (), (), "x[i]", None),
    "tanh-layer": ("chain_factor", (), ("i == j", "i != j"), (), "W[i, j] * (1 - h[i]^2)",
                   None),
    "not-a-chain-factor": (None, (), ("i == j", "i != j"), (), "W[i, j] * (1 - h[i]^2)",
                           None),
    "wrong-index": ("wrong_index", ("i == j", "i != k"), ("i == k and i != j",), (),
                    "x[j] * delta(i, k)", None),
    "dropped-delta": ("missing_delta", ("i == k",), ("i != k",), (), "x[j] * delta(i, k)",
                      None),
    "zero-over-zero": ("extra_term", (), ("N >= 2",), ("N == 1",), "1", None),
    "sizes-equal": (None, ("F == N",), ("F != N",), (), "N", None),
    "tau-one": ("factor", ("tau == 1",), ("tau >= 2",), (), "tau", None),
    "tau-two": (None, ("tau == 2",), ("tau != 2",), (), "2", None),
    "two-corners": (None, ("F == 1", "K == 1"), ("F >= 2 and K >= 2",), (), "F * K", None),
    "up-to-two": (None, ("N <= 2",), ("N >= 3",), (), "2 + N^2 - 3 * N", None),
    "parameter-one": (None, ("tau0 == 1",), ("tau0 != 1",), (), "tau0 * exp(tau0 * z0)",
                      None),
    # holds at tau0 = 1 too, but tau0 is what D differentiates by: no value is put in for it
    "parameter-differentiated": (None, (), (), (), "2 * tau0", None),
}


@cache
def checked() -> FileResult:
    return check_file(SPEC, SPEC.name, Options())


def result(check_id: str) -> CheckResult:
    return next(c for c in checked().checks if c.id == check_id)


def diagnosis_of(check_id: str) -> Diagnosis:
    found = result(check_id)
    assert found.verdict == Verdict.REFUTED and found.ok
    assert isinstance(found.diagnosis, Diagnosis)
    return found.diagnosis


def test_every_refuted_claim_is_listed() -> None:
    """The table covers every refuted claim of the spec, and the true ones stay proved."""
    refuted = {c.id for c in checked().checks if c.verdict == Verdict.REFUTED}
    assert refuted == set(EXPECTED)
    assert {c.id: c.verdict for c in checked().checks if c.id.startswith("true-")} == {
        "true-row-major": Verdict.PROVED, "true-tanh": Verdict.PROVED}


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_diagnosis_is_exact(check_id: str) -> None:
    """Class, regions, undefined corners and suggestion are exactly the expected ones."""
    diagnosis = diagnosis_of(check_id)
    assert (diagnosis.error_class, diagnosis.holds_when, diagnosis.fails_when,
            diagnosis.undefined_when, diagnosis.suggestion, diagnosis.suggested_lhs) \
        == EXPECTED[check_id]


@pytest.mark.parametrize("check_id", sorted(k for k, v in EXPECTED.items() if v[4]))
def test_suggestion_is_proved_by_a_fresh_engine(check_id: str) -> None:
    """suggested_lhs (or the claim's lhs) == suggestion is proved or verified afresh."""
    diagnosis = diagnosis_of(check_id)
    assert diagnosis.suggestion is not None and diagnosis.lhs is not None
    lhs = parse(diagnosis.suggested_lhs or diagnosis.lhs)
    outcome = Decider(checked().scope, Options()).decide(  # type: ignore[arg-type]
        lhs, parse(diagnosis.suggestion), None)
    assert outcome.verdict in (Verdict.PROVED, Verdict.VERIFIED)
    assert diagnosis.suggestion_verdict == outcome.verdict.value


def test_suggestion_never_restates_the_left_side() -> None:
    """No suggestion is the left side again (`th == th`, a reordered sum)."""
    for check_id in EXPECTED:
        diagnosis = diagnosis_of(check_id)
        assert diagnosis.suggestion != diagnosis.lhs, check_id


def test_evidence_names_the_slip() -> None:
    """The evidence says which entry, which factor, which layout."""
    assert diagnosis_of("wrong-index").evidence == (
        "the claim holds with `x[j]` in place of `x[i]` on the right side")
    assert diagnosis_of("tanh-layer").evidence == (
        "lhs = rhs·(1 - h[i]^2): the chain-rule factor for h[i], its derivative by z[i], "
        "is missing")
    assert diagnosis_of("column-major").evidence == (
        "the claim holds with the other layout on the left: `Dg[t, (r - 1) * N + j]` "
        "(transpose / row- vs column-major order)")


def test_text_and_json_of_a_left_side_fix_and_an_undefined_corner() -> None:
    """The text report pastes the fixed left side; JSON adds suggested_lhs, undefined_when."""
    file = checked()
    only = FileResult(file.path, file.title, (),
                      (result("column-major"), result("zero-over-zero")))
    buffer = io.StringIO()
    text.render(Report((only,)), Console(file=buffer, width=200, highlight=False), verbose=True)
    lines = [line.strip() for line in buffer.getvalue().splitlines()]
    assert "suggested: Dg[t, (r - 1) * N + j] == delta(t, r) * x[j]  (proved)" in lines
    assert ("where: undefined when N == 1 (a side has no value there); fails when N >= 2"
            in lines)
    layout = json_report.check(result("column-major"))["diagnosis"]
    assert (layout["suggested_lhs"], layout["suggestion"]) == (
        "Dg[t, (r - 1) * N + j]", "delta(t, r) * x[j]")
    undefined = json_report.check(result("zero-over-zero"))["diagnosis"]
    assert (undefined["holds_when"], undefined["undefined_when"]) == ([], ["N == 1"])
    assert "suggested_lhs" not in undefined
