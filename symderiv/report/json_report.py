"""The JSON report of the contract (version 1). Extra fields are additions, never changes."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from collections.abc import Callable

from symderiv.check.verdict import CheckResult, Counterexample, ProofStep
from symderiv.report import diagnosis
from symderiv.results import FileResult, Report


def _number(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_number(v) for v in value]
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value


def _float(text: str) -> float | None:
    """The number as a JSON float; None beyond float range (JSON has no Infinity)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def counterexample(found: Counterexample | None) -> dict[str, Any] | None:
    if found is None:
        return None
    out: dict[str, Any] = {
        "sizes": dict(found.sizes),
        "indices": dict(found.indices),
        "values": {name: _number(value) for name, value in found.values},
        "lhs": _float(found.lhs),
        "rhs": _float(found.rhs),
        "lhs_exact": found.lhs,
        "rhs_exact": found.rhs,
    }
    if found.difference is not None:
        out["difference"] = _float(found.difference)
        out["difference_exact"] = found.difference
    for label, text in found.rational:
        out[f"{label}_rational"] = text
    if found.entry is not None:
        out["entry"] = list(found.entry)
    return out


def proof(result: CheckResult, latex: Callable[[ProofStep], str | None]) -> list[dict[str, Any]]:
    """A recorded proof as `{expr, latex, rule, detail}` per step ([] without one): `expr`
    the step's formula, `rule` what led to it from the step before ("" for the first)."""
    if not result.chain:
        return []
    return [{"expr": step.formula, "latex": latex(step), "rule": step.label,
             "detail": step.detail} for step in result.proof]


def _no_latex(step: ProofStep) -> str | None:
    return step.latex


def check(result: CheckResult,
          latex: Callable[[ProofStep], str | None] = _no_latex) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": result.id,
        "kind": result.kind,
        "verdict": result.verdict.value,
        "expect": result.expect,
        "ok": result.ok,
        "message": result.message,
        "counterexample": counterexample(result.counterexample),
        "steps": [
            {"step": step.step, "verdict": step.verdict.value, "ok": step.ok, "by": step.by}
            | ({"diagnosis": diagnosis.as_json(step.outcome.diagnosis)}
               if step.outcome.diagnosis is not None else {})
            for step in result.steps
        ],
        "line": result.location.line,
        "column": result.location.column,
        "method": result.method,
        "seconds": round(result.seconds, 4),
        "warnings": list(result.warnings),
        "proof": proof(result, latex),
    }
    if result.proof_note:
        out["proof_note"] = result.proof_note
    for key, value in result.details:  # e.g. max_abs_error, max_rel_error, dtype
        out.setdefault(key, value)
    if result.diagnosis is not None:
        out["diagnosis"] = diagnosis.as_json(result.diagnosis)
    return out


def file(result: FileResult) -> dict[str, Any]:
    error = None
    if result.errors:
        first = result.errors[0]
        error = {
            "message": first.message,
            "line": first.location.line if first.location else 1,
            "column": first.location.column if first.location else 1,
            "code": first.code,
            "all": [e.render() for e in result.errors],
        }
    return {
        "path": result.path,
        "title": result.title,
        "error": error,
        "checks": [check(c, _printer(result)) for c in result.checks],
    }


def _printer(result: FileResult) -> Callable[[ProofStep], str | None]:
    """A proof step's LaTeX: as stored (from the cache), else printed in the spec's notation
    (sympy is imported only where a file has a proof to print)."""
    formulas: list[Any] = []

    def latex(step: ProofStep) -> str | None:
        if step.latex is not None or result.scope is None:
            return step.latex
        if not formulas:
            from symderiv.report.latex.formulas import Formulas

            formulas.append(Formulas(result.scope))
        try:
            return str(formulas[0].expression(step.expression))
        except Exception:  # noqa: BLE001 - the step's formula text is still given
            return None

    return latex


def render(report: Report) -> dict[str, Any]:
    checks = report.checks
    ok = sum(1 for c in checks if c.ok)
    return {
        "version": 1,
        "files": [file(f) for f in report.files],
        "summary": {
            "checks": len(checks),
            "ok": ok,
            "not_ok": len(checks) - ok,
            "file_errors": report.file_errors,
        },
    }
