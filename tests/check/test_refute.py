"""Counterexamples: smallest sizes and simplest values first, exact and rounded."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from symderiv.options import Options
from symderiv.check.verdict import Verdict
from symderiv.report import json_report, text
from symderiv.pipeline import check_file
from symderiv.results import FileResult, Report

DATA = Path(__file__).parent.parent / "diagnosis"


def check(spec: str, check_id: str):  # type: ignore[no-untyped-def]
    result = check_file(DATA / spec, spec, Options(diagnose=False))
    return next(c for c in result.checks if c.id == check_id), result


def test_minimal_counterexample_is_exact() -> None:
    """The dropped delta fails first at N = 2, i = 1, j = 2, a = [0, 0], with rationals."""
    found, _ = check("softmax.yaml", "missing-delta")
    assert found.verdict == Verdict.REFUTED
    example = found.counterexample
    assert example.sizes == (("N", 2),)
    assert example.indices == (("i", 1), ("j", 2))
    assert [(name, [str(v) for v in value]) for name, value in example.values] == [
        ("a", ["0", "0"])]
    assert dict(example.rational) == {"lhs": "-1/4", "rhs": "1/4", "difference": "-1/2"}


def test_irrational_values_have_thirty_digits() -> None:
    """Without a rational value, both sides and the difference carry ≥ 30 digits."""
    found, _ = check("softmax.yaml", "index-swap")
    example = found.counterexample
    assert example.rational == ()
    for value in (example.lhs, example.rhs, example.difference):
        assert len(value.lstrip("-").replace(".", "").lstrip("0")) >= 30


def test_json_counterexample_has_the_difference() -> None:
    """The JSON counterexample adds the difference, exactly and as a number."""
    found, _ = check("softmax.yaml", "missing-delta")
    document = json_report.counterexample(found.counterexample)
    assert document["difference"] == -0.5
    assert document["difference_rational"] == "-1/2"
    assert document["lhs"] == -0.25


def test_text_shows_rounded_values() -> None:
    """Long decimals are followed by a 6-digit rounding in the text report."""
    found, result = check("softmax.yaml", "index-swap")
    buffer = io.StringIO()
    only = FileResult(result.path, result.title, (), (found,))
    text.render(Report((only,)), Console(file=buffer, width=200, highlight=False), verbose=True)
    output = buffer.getvalue()
    assert "lhs = -0.731058578630004879251159241822  (≈ -0.731059)" in output
    assert "lhs − rhs = -0.462117157260009758502318483644  (≈ -0.462117)" in output
