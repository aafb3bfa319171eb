"""CI reports: JUnit XML, SARIF 2.1.0 and GitHub annotations from the same Report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symderiv.check.verdict import Diagnosis
from symderiv.options import Options
from symderiv.report import github, junit, sarif
from symderiv.results import Report
from symderiv.pipeline import run

SPECS = Path(__file__).parent.parent / "specs" / "tooling"


#: The failure text of mixed.yaml's wrong-diagonal: verdict, counterexample, diagnosis.
FAILURE = [
    "claim wrong-diagonal: refuted (expected holds): fails at N = 2, i = 1, j = 2",
    "counterexample: N = 2, i = 1, j = 2; a = [0, 0]",
    "  lhs = -1/4",
    "  rhs = 1/4",
    "  lhs − rhs = -1/2",
    "where: holds when i == j; fails when i != j",
    "error: missing_delta — holds only on the diagonal i == j; a Kronecker delta delta(i, j) "
    "is missing",
    "suggested: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])  (proved)",
]


@pytest.fixture(scope="module")
def report() -> Report:
    """mixed.yaml (one refuted claim that should hold) and broken.yaml (a load error)."""
    return run([str(SPECS / "broken.yaml"), str(SPECS / "mixed.yaml")], Options(), jobs=0)


def test_junit_has_a_testcase_per_check(report: Report) -> None:
    """One suite per file, one case per check, the failure text has the counterexample."""
    root = ET.fromstring(junit.render(report))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    broken, mixed = root.findall("testsuite")
    assert broken.find("testcase/error").get("message") == "unknown name 'b'"  # type: ignore
    cases = mixed.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "sum-to-one", "wrong-diagonal", "square-derivative", "known-mistake", "quotient-rule"]
    assert [c.get("line") for c in cases] == ["15", "17", "19", "21", "25"]
    [failed] = [c for c in cases if c.find("failure") is not None]
    failure = failed.find("failure")
    assert failure.get("type") == "refuted"  # type: ignore[union-attr]
    assert failure.text.splitlines() == FAILURE  # type: ignore[union-attr]


def test_github_annotations(report: Report) -> None:
    """`::error file=…,line=…,col=…` per spec error and failing check, newlines escaped."""
    lines = github.render(report).splitlines()
    path = str(SPECS / "mixed.yaml")
    broken = str(SPECS / "broken.yaml")
    assert lines == [
        f"::error file={broken},line=7,col=20,title=symderiv [name]::unknown name 'b'",
        f"::error file={path},line=17,col=5,title=symderiv%3A wrong-diagonal refuted::"
        + "%0A".join(FAILURE),
        "5 checks: 4 as expected, 1 not; 1 file(s) could not be loaded",
    ]


# The SARIF 2.1.0 rules a consumer (GitHub code scanning) relies on, written from the OASIS
# standard: the official schema file is not shipped by any package we can install offline.
SARIF_SUBSET = json.loads((Path(__file__).parent.parent / "sarif-2.1.0-subset.schema.json")
                          .read_text("utf-8"))


def test_sarif_validates_and_locates_failures(report: Report) -> None:
    """The log validates; one result per failing check or spec error, at line and column."""
    jsonschema = pytest.importorskip("jsonschema")
    log = json.loads(json.dumps(sarif.render(report)))
    jsonschema.Draft7Validator.check_schema(SARIF_SUBSET)
    jsonschema.validate(log, SARIF_SUBSET)
    [run_] = log["runs"]
    found = [(r["ruleId"], r["level"],
              r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]) for r in run_["results"]]
    assert found == [
        ("spec", "error", str(SPECS / "broken.yaml"), {"startLine": 7, "startColumn": 20}),
        ("refuted", "error", str(SPECS / "mixed.yaml"), {"startLine": 17, "startColumn": 5}),
    ]
    rules = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run_["results"])


def test_sarif_subset_rejects_what_sarif_forbids() -> None:
    """The schema used above is not vacuous: a wrong version or a line 0 fails it."""
    jsonschema = pytest.importorskip("jsonschema")
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{
        "message": {"text": "m"}, "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "a.yaml"}, "region": {"startLine": 1}}}]}]}]}
    jsonschema.validate(good, SARIF_SUBSET)
    for bad in ({**good, "version": "2.0.0"},
                {**good, "runs": [{"results": []}]},
                json.loads(json.dumps(good).replace('"startLine": 1', '"startLine": 0')),
                json.loads(json.dumps(good).replace('"text": "m"', '"txt": "m"'))):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SARIF_SUBSET)


def test_failure_text_includes_the_diagnosis(report: Report, tmp_path: Path) -> None:
    """The diagnosis lines follow the counterexample, and survive a cache round trip."""
    import dataclasses

    from symderiv.cache import Cache, versions
    from symderiv.jobs import Job
    from symderiv.report.failure import lines
    from symderiv.report.proofs import ProofLatex

    [failed] = [c for c in report.checks if not c.ok]
    diagnosed = dataclasses.replace(failed, diagnosis=Diagnosis(
        holds_when=("i == j",), error_class="sign", evidence="the sides differ by S[j]"))
    assert lines(diagnosed)[-2:] == ["where: holds when i == j", "error: sign — the sides differ by S[j]"]
    store = Cache(tmp_path, versions(), bytes(32), ProofLatex())
    assert store.put("key", failed.location, [diagnosed], None)
    job = Job(failed.kind, failed.id, 0, failed.location, failed.expect, 1)
    [back] = store.get("key", job, None)  # type: ignore[misc]
    assert lines(back) == lines(diagnosed)
    assert back.diagnosis == diagnosed.diagnosis


INEQUALITIES = """\
title: inequalities in reports
sizes: {N: [1, 2]}
indices: {i: N, k: N}
symbols:
  a: [N]
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
claims:
  - id: at-most-one
    claim: S[i] <= 1
  - id: below-one
    claim: S[i] < 1
    expect: refuted
"""


def test_every_format_prints_an_inequality(tmp_path: Path) -> None:
    """Issue 16 item 4: text and JSON give the verdict and the failing relation, LaTeX and
    HTML print the relation (`\\le`, ≤) and the sign the proof concludes."""
    import io

    from rich.console import Console

    from symderiv.report import json_report, latex, text
    from symderiv.report.html.document import fragment as html_fragment

    path = tmp_path / "inequalities.yaml"
    path.write_text(INEQUALITIES, encoding="utf-8")
    found = run([str(path)], Options())
    out = io.StringIO()
    text.render(found, Console(file=out, width=200, color_system=None), verbose=True)
    assert "fails at N = 1, i = 1: lhs = 1, rhs = 1, and not lhs < rhs" in out.getvalue()
    assert "where: holds when N == 2; fails when N <= 1" in out.getvalue()
    checks = json_report.render(found)["files"][0]["checks"]
    assert [(c["id"], c["verdict"]) for c in checks] == [("at-most-one", "proved"),
                                                        ("below-one", "refuted")]
    fragment = latex.spec_fragment(found.files[0])
    assert r"$\displaystyle S_{i} \le 1$" in fragment
    assert r"$\displaystyle S_{i} < 1$" in fragment
    assert r"Hence right \ensuremath{-} left \ensuremath{\geq} 0 by positivity" in fragment
    page = str(html_fragment(found))
    assert "<mo>≤</mo>" in page and "<mo>&lt;</mo>" in page
    assert "Hence right − left ≥ 0 by positivity" in page
