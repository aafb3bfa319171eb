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
    """Exit 2 (or 1, for a problem of one check: its `error`), the diagnostic at the promised
    line:column with the promised code and text, and nothing checked."""
    MARKER.unlink(missing_ok=True)
    run = check(str(case.path))
    assert run.status in (1, 2)  # a file's problem, or one check's (its `error`)
    first = run.problem
    diagnostic = DIAGNOSTIC.match(first)
    assert diagnostic, first
    assert diagnostic["path"] == str(case.path)
    assert (int(diagnostic["line"]), int(diagnostic["column"])) == (case.line, case.column)
    assert diagnostic["code"] == case.code
    assert diagnostic["message"].startswith(case.message)  # type: ignore[arg-type]
    assert all(c["verdict"] == "error" for c in run.report["files"][0]["checks"])
    assert not MARKER.exists()


def test_no_dynamic_code_in_the_package() -> None:
    """No eval/exec/sympify/parse_expr/lambdify/yaml.load/pickle in symderiv's code."""
    import ast as python_ast

    package = Path(__file__).parent.parent.parent / "symderiv"
    calls = {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "__import__",
             "load", "unsafe_load", "full_load", "loads"}
    modules = {"pickle", "marshal", "shelve", "dill"}
    found = []
    for source in package.rglob("*.py"):
        tree = python_ast.parse(source.read_text(encoding="utf-8"))
        for node in python_ast.walk(tree):
            if isinstance(node, python_ast.Call):
                name = node.func.id if isinstance(node.func, python_ast.Name) else \
                    node.func.attr if isinstance(node.func, python_ast.Attribute) else ""
                owner = node.func.value.id if isinstance(node.func, python_ast.Attribute) \
                    and isinstance(node.func.value, python_ast.Name) else ""
                if name in calls and not (name == "loads" and owner == "json") \
                        and not (name == "compile" and owner == "re"):
                    found.append(f"{source.name}:{node.lineno}: {owner}.{name}")
            elif isinstance(node, python_ast.Import | python_ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                found += [f"{source.name}:{node.lineno}: import {n}" for n in names
                          if n.split(".")[0] in modules]
    assert found == []
