"""Diagnosis of refuted checks: regions, error classes and engine-proved suggestions."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from symderiv.resolve.scope import build_scope
from symderiv.check.diagnosis import ERROR_CLASSES, Diagnosis, negate, terms
from symderiv.check.decide import Decider
from symderiv.check.spec import check_scope
from symderiv.options import Options
from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.language.printer import unparse
from symderiv.load.loader import load_text
from symderiv.report import json_report, text
from symderiv.pipeline import check_file
from symderiv.results import FileResult, Report

DATA = Path(__file__).parent.parent / "diagnosis"
EXPECTED = yaml.safe_load((Path(__file__).parent.parent / "diagnosis-expected.yaml").read_text("utf-8"))
CASES = [(spec, check_id) for spec, checks in EXPECTED.items() for check_id in checks]


@cache
def checked(spec: str, diagnose: bool = True) -> FileResult:
    return check_file(DATA / spec, spec, Options(diagnose=diagnose))


def result(spec: str, check_id: str) -> CheckResult:
    return next(c for c in checked(spec).checks if c.id == check_id)


def equation(spec: str, check_id: str, step: int | None) -> tuple[ast.Node, ast.Node | None]:
    """The left side and `where` the diagnosis is about (step k − 1 for a derivation)."""
    model = checked(spec).spec
    for claim in model.claims:  # type: ignore[attr-defined]
        if claim.id == check_id:
            node = claim.claim.node
            return node.left, claim.where.node if claim.where else None
    for derivation in model.derivations:  # type: ignore[attr-defined]
        if derivation.id == check_id:
            assert step is not None
            where = derivation.where.node if derivation.where else None
            return derivation.steps[step - 2].formula.node, where
    raise KeyError(check_id)


@pytest.mark.parametrize(("spec", "check_id"), CASES)
def test_planted_error_is_diagnosed(spec: str, check_id: str) -> None:
    """Each planted error gets its class, regions and suggestion exactly."""
    expected = EXPECTED[spec][check_id]
    found = result(spec, check_id)
    assert found.verdict == Verdict.REFUTED
    assert found.ok  # planted errors are marked `expect: refuted`
    diagnosis = found.diagnosis
    assert isinstance(diagnosis, Diagnosis)
    assert diagnosis.error_class == expected["class"]
    assert list(diagnosis.holds_when) == expected["holds_when"]
    assert list(diagnosis.fails_when) == expected["fails_when"]
    assert diagnosis.suggestion == expected["suggestion"]
    assert diagnosis.step == expected.get("step")
    assert diagnosis.final_holds == expected.get("final_holds")


@pytest.mark.parametrize(("spec", "check_id"), CASES)
def test_suggestion_is_proved_by_a_fresh_engine(spec: str, check_id: str) -> None:
    """lhs == suggestion is proved or verified, independently of the diagnosis run."""
    diagnosis = result(spec, check_id).diagnosis
    lhs, where = equation(spec, check_id, diagnosis.step)
    scope = checked(spec).scope
    outcome = Decider(scope, Options()).decide(lhs, parse(diagnosis.suggestion), where)  # type: ignore[arg-type]
    assert outcome.verdict in (Verdict.PROVED, Verdict.VERIFIED)
    assert diagnosis.suggestion_verdict == outcome.verdict.value


def test_every_error_class_is_planted() -> None:
    """The test data covers every error class of the contract."""
    planted = {EXPECTED[s][c]["class"] for s, c in CASES}
    assert planted == set(ERROR_CLASSES)


@pytest.mark.parametrize("spec", sorted(EXPECTED))
def test_true_claims_never_get_a_diagnosis(spec: str) -> None:
    """Checks that hold (every `true-*` id) carry no diagnosis, nor in the JSON."""
    holding = [c for c in checked(spec).checks if c.id.startswith("true-")]
    assert holding
    for check in holding:
        assert check.verdict.holds, check.id
        assert check.diagnosis is None
        assert "diagnosis" not in json_report.check(check)


def test_every_refuted_check_is_diagnosed() -> None:
    """A refuted check in the test data always has a diagnosis with a suggestion."""
    for spec in EXPECTED:
        for check in checked(spec).checks:
            if check.verdict == Verdict.REFUTED:
                assert check.diagnosis is not None, check.id
                assert check.id in EXPECTED[spec], check.id


def test_no_diagnosis_option() -> None:
    """Options(diagnose=False) leaves refuted checks undiagnosed."""
    found = next(c for c in checked("softmax.yaml", False).checks if c.id == "missing-delta")
    assert found.verdict == Verdict.REFUTED
    assert found.diagnosis is None


def test_json_diagnosis_object() -> None:
    """The JSON report has the contract's four fields on a refuted check."""
    document = json_report.check(result("softmax.yaml", "missing-delta"))
    diagnosis = json.loads(json.dumps(document["diagnosis"]))
    assert diagnosis["holds_when"] == ["i == j"]
    assert diagnosis["fails_when"] == ["i != j"]
    assert diagnosis["error_class"] == "missing_delta"
    assert diagnosis["suggestion"] == "S[i] * (delta(i, j) - S[j])"
    assert diagnosis["suggestion_verdict"] == "proved"


def test_json_derivation_diagnosis_says_whether_the_result_holds() -> None:
    """A derivation's diagnosis names the broken step and the final result's fate."""
    diagnosis = json_report.check(result("softmax.yaml", "cancelled-sign"))["diagnosis"]
    assert diagnosis["step"] == 2
    assert diagnosis["final_holds"] is True
    assert "cancels the error in step 2" in diagnosis["final_message"]


def test_text_block_under_a_refuted_check() -> None:
    """The text report shows region, class and suggestion under the check."""
    file = checked("softmax.yaml")
    only = FileResult(file.path, file.title, (), (result("softmax.yaml", "missing-delta"),))
    buffer = io.StringIO()
    text.render(Report((only,)), Console(file=buffer, width=200, highlight=False), verbose=True)
    lines = [line.strip() for line in buffer.getvalue().splitlines()]
    assert "where: holds when i == j; fails when i != j" in lines
    assert ("error: missing_delta — holds only on the diagonal i == j; a Kronecker delta "
            "delta(i, j) is missing") in lines
    assert "suggested: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])  (proved)" in lines
    assert "lhs − rhs = -1/2" in lines


def test_negate_flips_a_difference() -> None:
    """negate() writes −(a·(b − c)) as a·(c − b) and −(−x) as x."""
    assert unparse(negate(parse("S[i] * (S[j] - delta(i, j))"))) == "S[i] * (delta(i, j) - S[j])"
    assert unparse(negate(parse("-x[j]"))) == "x[j]"
    assert unparse(negate(parse("exp(a[i])"))) == "-exp(a[i])"


def test_terms_keep_their_signs() -> None:
    """terms() splits the top-level sum with each term's sign."""
    parts = terms(parse("a - b + c * d - -e"))
    assert [(sign, unparse(term)) for sign, term in parts] == [
        (1, "a"), (-1, "b"), (1, "c * d"), (1, "e")]


def test_json_step_carries_its_diagnosis() -> None:
    """The broken step's JSON entry has the diagnosis; the steps after it do not."""
    steps = json_report.check(result("softmax.yaml", "wrong-result"))["steps"]
    assert "diagnosis" not in steps[0]
    assert steps[1]["diagnosis"]["error_class"] == "missing_delta"
    assert steps[1]["diagnosis"]["holds_when"] == ["i == j"]


def test_index_only_in_where_is_diagnosed() -> None:
    """An index that occurs only in `where` ranges over its size in the diagnosis too."""
    text = ("title: where-only index\n"
            "sizes: {N: [1, 2, 3]}\n"
            "indices: {i: N, j: N}\n"
            "symbols:\n  z: []\n"
            "claims:\n"
            "  - {id: c, claim: 'z == z + 1', where: 'j >= 2', tex: 'z = z'}\n"
            "derivations:\n"
            "  - {id: d, where: 'j >= 2', steps: ['z', 'z + 1', 'z']}\n")
    found = check_scope(build_scope(load_text("where.yaml", text)), Options())
    assert [(r.id, r.verdict) for r in found] == [
        ("c", Verdict.REFUTED), ("c.tex", Verdict.REFUTED), ("d", Verdict.REFUTED)]
    claim, tex, derivation = (r.diagnosis for r in found)
    assert claim == Diagnosis(  # `z == z` would restate the left side: no suggestion
        error_class="extra_term", evidence="the term `1` on the right side should not be there",
        lhs="z")
    assert tex == Diagnosis(  # the LaTeX's right side should be the claim's
        error_class="missing_term", evidence="the term `1` is missing from the right side",
        suggestion="1 + z", suggestion_verdict="proved")
    assert derivation == Diagnosis(
        error_class="extra_term", evidence="the term `1` on the right side should not be there",
        lhs="z", step=2, final_holds=True,
        final_message="the final result still holds (proved): a later step cancels the error "
                      "in step 2")
