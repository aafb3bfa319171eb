"""SARIF 2.1.0: a result per failing check (and per spec error) at its file, line and column."""

from __future__ import annotations

from typing import Any

from symderiv.version import __version__
from symderiv.check.verdict import Verdict
from symderiv.report import failure
from symderiv.results import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

#: Rule per verdict that can fail a check, plus spec errors; ids are stable.
RULES = {
    "refuted": "a claim or step that should hold is false at a confirmed counterexample",
    "unexpected-hold": "a check expected to be refuted holds",
    "undecided": "no verdict within the time limit, or a construct the engine cannot decide",
    "error": "the check could not be built or evaluated",
    "spec": "the spec file could not be loaded",
}


def _rule(verdict: Verdict, expect: str) -> str:
    if expect == "refuted" and verdict.holds:
        return "unexpected-hold"
    return verdict.value if verdict.value in RULES else "undecided"


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": path.replace("\\", "/")},
        "region": {"startLine": max(1, line), "startColumn": max(1, column)},
    }}


def render(report: Report) -> dict[str, Any]:
    rules = list(RULES)
    results: list[dict[str, Any]] = []
    for file in report.files:
        for error in file.errors:
            location = error.location
            results.append({
                "ruleId": "spec", "ruleIndex": rules.index("spec"), "level": "error",
                "message": {"text": f"{error.message} [{error.code}]"},
                "locations": [_location(file.path, location.line if location else 1,
                                        location.column if location else 1)],
            })
        for check in file.checks:
            if check.ok:
                continue
            rule = _rule(check.verdict, check.expect)
            results.append({
                "ruleId": rule, "ruleIndex": rules.index(rule),
                "level": "warning" if rule == "undecided" else "error",
                "message": {"text": "\n".join(failure.lines(check))},
                "locations": [_location(file.path, check.location.line, check.location.column)],
                "partialFingerprints": {"symderivCheck/v1": f"{file.path}:{check.id}"},
                "properties": {"id": check.id, "kind": check.kind,
                               "verdict": check.verdict.value, "expect": check.expect},
            })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "symderiv",
                "version": __version__,
                "rules": [{"id": rule, "shortDescription": {"text": text}}
                          for rule, text in RULES.items()],
            }},
            "results": results,
        }],
    }
