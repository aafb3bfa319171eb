"""Injection attempts: every hostile spec is a located spec error and runs no code."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardening_cases import DIAGNOSTIC, Case, cases, check

HOSTILE = cases("hostile")
#: The file every payload in tests/specs/hostile tries to create.
MARKER = Path("/tmp/symderiv-hostile-marker")


def test_corpus_is_large_enough() -> None:
    """The issue asks for at least 30 injection attempts."""
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("case", HOSTILE, ids=[c.path.stem for c in HOSTILE])
def test_hostile_spec_is_a_located_error(case: Case) -> None:
    """Exit 2, one diagnostic at the promised line:column with the promised code and text."""
    MARKER.unlink(missing_ok=True)
    run = check(str(case.path))
    assert run.status == 2
    first = run.stderr.splitlines()[0]
    diagnostic = DIAGNOSTIC.match(first)
    assert diagnostic, first
    assert diagnostic["path"] == str(case.path)
    assert (int(diagnostic["line"]), int(diagnostic["column"])) == (case.line, case.column)
    assert diagnostic["code"] == case.code
    assert diagnostic["message"].startswith(case.message)  # type: ignore[arg-type]
    assert run.report["files"][0]["checks"] == []
    assert not MARKER.exists()


def test_no_dynamic_code_in_the_package() -> None:
    """No eval/exec/sympify/parse_expr/lambdify/yaml.load of anything in symderiv's source."""
    package = Path(__file__).parent.parent / "symderiv"
    forbidden = ("eval(", "exec(", "sympify(", "parse_expr(", "lambdify(", "yaml.load(",
                 "yaml.unsafe_load", "__import__(", "pickle", "marshal")
    found = []
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        found += [f"{source.name}: {word}" for word in forbidden if word in text]
    assert found == []
