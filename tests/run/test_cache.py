"""The result cache: content keys, safe JSON round trips, stale and corrupt entries ignored."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

import symderiv
from symderiv.cache import Cache, default_directory, versions
from symderiv.cache.places import project_key
from symderiv.cache.secret import seal
from symderiv.cache.store import code_digest
from symderiv.errors import Location
from symderiv.jobs import Job, fingerprint, plan, run_job
from symderiv.load.loader import load_text
from symderiv.options import Expect, Kind, Options
from symderiv.pipeline import run
from symderiv.report.diagnosis import as_json, text_lines
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.proof import step_latex
from symderiv.report.proofs import ProofLatex
from symderiv.resolve.scope import Scope, build_scope

SPECS = Path(__file__).parent.parent / "specs" / "tooling"
MIXED = (SPECS / "mixed.yaml").read_text("utf-8")
SETTINGS = {"strategies": ["generic", "bounded"], "timeout": 30.0, "sizes": {}, "seed": 0}
KEY = bytes(range(32))


def store(directory: Path) -> Cache:
    """A cache in `directory` with the tests' key."""
    return Cache(directory, versions(), KEY, ProofLatex())


def keys(text: str) -> dict[str, str]:
    """check id -> cache key for a spec given as text."""
    scope = build_scope(load_text("spec.yaml", text))
    return {j.id: fingerprint(scope, j, SETTINGS, {"v": "1"}) for j in plan(scope.spec)}


def results_of(text: str) -> tuple[Scope, dict[str, tuple[Job, list[object]]]]:
    """The scope of a spec given as text, and check id -> (job, results)."""
    scope = build_scope(load_text("spec.yaml", text))
    return scope, {j.id: (j, run_job(scope, j, Options(), frozenset()))
                   for j in plan(scope.spec)}


def strip(result: object) -> object:
    """A result without its proofs and diagnoses (compared apart: they come back lazily)."""
    steps = tuple(dataclasses.replace(s, outcome=dataclasses.replace(
        s.outcome, proof=(), diagnosis=None)) for s in result.steps)  # type: ignore
    return dataclasses.replace(result, proof=(), steps=steps, diagnosis=None)  # type: ignore


def diagnoses(result: object) -> list[object]:
    """Every diagnosis in a result as (text lines, JSON)."""
    found = [result.diagnosis] + [s.outcome.diagnosis for s in result.steps]  # type: ignore
    return [None if d is None else (text_lines(d), as_json(d)) for d in found]


def proofs(result: object, formulas: Formulas) -> list[list[tuple[str, str]]]:
    """Every proof in a result as (label, LaTeX as the report prints it) pairs."""
    found = [result.proof] + [s.outcome.proof for s in result.steps]  # type: ignore
    return [[(p.label, step_latex(p, formulas)) for p in proof] for proof in found]


def test_editing_one_claim_changes_only_its_key() -> None:
    """A changed formula changes its own key and no other."""
    before = keys(MIXED)
    after = keys(MIXED.replace("claim: D(q, x) == 2 * x", "claim: D(q, x) == 2 * x + 0"))
    assert {i for i in before if before[i] != after[i]} == {"square-derivative"}


def test_editing_a_definition_changes_the_keys_that_use_it() -> None:
    """Changing q re-keys the two claims about q; the softmax checks keep their keys."""
    before = keys(MIXED)
    after = keys(MIXED.replace("q: x^2", "q: x^3"))
    assert {i for i in before if before[i] != after[i]} == {"square-derivative",
                                                            "known-mistake"}


def test_editing_a_size_changes_the_keys_that_use_it() -> None:
    """N's values matter to the softmax checks only."""
    before = keys(MIXED)
    after = keys(MIXED.replace("N: [1, 2, 3]", "N: [1, 2, 3, 4]"))
    assert {i for i in before if before[i] != after[i]} == {
        "sum-to-one", "wrong-diagonal", "quotient-rule"}


def test_moving_a_claim_keeps_its_key() -> None:
    """Comments and blank lines above a claim do not change what it says."""
    moved = MIXED.replace("claims:\n", "claims:\n  # a comment\n\n")
    assert keys(MIXED) == keys(moved)


def test_options_and_versions_are_part_of_the_key() -> None:
    """Another seed, strategy or sympy version is another key."""
    scope = build_scope(load_text("spec.yaml", MIXED))
    unit = plan(scope.spec)[0]
    base = fingerprint(scope, unit, SETTINGS, {"sympy": "1.14"})
    assert base != fingerprint(scope, unit, {**SETTINGS, "seed": 1}, {"sympy": "1.14"})
    assert base != fingerprint(scope, unit, {**SETTINGS, "strategies": ["bounded"]},
                               {"sympy": "1.14"})
    assert base != fingerprint(scope, unit, SETTINGS, {"sympy": "1.15"})


def test_results_round_trip(tmp_path: Path) -> None:
    """Proofs, counterexamples and derivation steps come back equal, at the current place."""
    cache = store(tmp_path)
    scope, checked = results_of(MIXED)
    formulas = Formulas(scope)
    for unit, results in checked.values():
        assert cache.put("k" + unit.id, unit.location, results, scope)  # type: ignore
        back = cache.get("k" + unit.id, unit, scope)
        assert back is not None
        assert [strip(r) for r in back] == [strip(r) for r in results]
        assert [proofs(r, formulas) for r in back] == [proofs(r, formulas) for r in results]
        assert [diagnoses(r) for r in back] == [diagnoses(r) for r in results]
        assert [getattr(r.diagnosis, "suggestion", None) for r in back] == \
            [getattr(r.diagnosis, "suggestion", None) for r in results]
    everything = [r for _, rs in checked.values() for r in rs]
    assert [r.id for r in everything if proofs(r, formulas) != [[]]] == [
        "sum-to-one", "square-derivative", "quotient-rule"]
    assert [r.id for r in everything if diagnoses(r) != [None]] == [
        "wrong-diagonal", "known-mistake", "quotient-rule"]


def test_cached_proof_steps_are_text_never_sympy(tmp_path: Path) -> None:
    """A proof step read back holds the LaTeX printed when it was stored, no expression."""
    cache = store(tmp_path)
    scope, checked = results_of(MIXED)
    unit, results = checked["square-derivative"]
    cache.put("key", unit.location, results, scope)  # type: ignore[arg-type]
    [back] = cache.get("key", unit, scope)  # type: ignore[misc]
    assert back.proof and all(step.expression is None and isinstance(step.latex, str)
                              for step in back.proof)
    assert [step.latex for step in back.proof] == [
        Formulas(scope).expression(step.expression) for step in results[0].proof]  # type: ignore


def test_reading_the_cache_imports_no_sympy(tmp_path: Path) -> None:
    """A warm run answers an unchanged file from its entry without importing sympy."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    run([str(tmp_path)], Options(), jobs=0, cache=store(tmp_path / "cache"), need_specs=False)
    code = ("import sys\nfrom symderiv.cache import Cache, versions\n"
            "from symderiv.options import Options\nfrom symderiv.pipeline import run\n"
            "from symderiv.report.proofs import ProofLatex\n"
            f"cache = Cache({str(tmp_path / 'cache')!r}, versions(), bytes(range(32)), "
            "ProofLatex())\n"
            f"report = run([{str(tmp_path)!r}], Options(), jobs=0, cache=cache, "
            "need_specs=False)\n"
            "print(cache.hits, len(report.checks), 'sympy' in sys.modules)")
    root = str(Path(__file__).parent.parent.parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": root}, timeout=120, check=True)
    assert out.stdout.split() == ["1", "5", "False"]


def test_a_moved_check_is_reported_at_its_new_line(tmp_path: Path) -> None:
    """Locations are stored relative to the check, so a cached result follows the claim."""
    cache = store(tmp_path)
    scope, checked = results_of(MIXED)
    unit, results = checked["quotient-rule"]
    cache.put("key", unit.location, results, scope)  # type: ignore[arg-type]
    moved = dataclasses.replace(unit.location, path="elsewhere.yaml", line=unit.location.line + 3)
    [back] = cache.get("key", dataclasses.replace(unit, location=moved), scope)  # type: ignore
    assert back.location == moved
    assert [s.location.line for s in back.steps] == [
        s.location.line + 3 for s in results[0].steps]  # type: ignore[attr-defined]
    assert {s.location.path for s in back.steps} == {"elsewhere.yaml"}


def test_proof_steps_in_another_notation_are_a_miss(tmp_path: Path) -> None:
    """A cached proof is shown only where it prints the same: a new LaTeX name for a symbol
    the proof uses re-checks it; a check without proof steps is still answered."""
    cache = store(tmp_path)
    scope, checked = results_of(MIXED)
    for unit, results in checked.values():
        cache.put("k" + unit.id, unit.location, results, scope)  # type: ignore[arg-type]
    renamed, _ = results_of(MIXED.replace("  x: []", "  x: {shape: [], latex: \\xi}"))
    assert Formulas(renamed).expression(sympy.Symbol("x")) == r"\xi"
    found = {unit.id: cache.get("k" + unit.id, unit, renamed) for unit, _ in checked.values()}
    assert sorted(i for i, back in found.items() if back is None) == [
        "quotient-rule", "square-derivative", "sum-to-one"]


def test_an_entry_of_another_expectation_is_a_miss(tmp_path: Path) -> None:
    """The expectation comes from the spec as it is now, never from the cache."""
    cache = store(tmp_path)
    scope, checked = results_of(MIXED)
    unit, results = checked["known-mistake"]
    cache.put("key", unit.location, results, scope)  # type: ignore[arg-type]
    assert cache.get("key", unit, scope) is not None
    assert cache.get("key", dataclasses.replace(unit, expect=Expect.HOLDS), scope) is None
    assert cache.get("key", dataclasses.replace(unit, id="other"), scope) is None


JOB = Job(Kind.CLAIM, "c", 0, Location("a.yaml", 1, 1), Expect.HOLDS, 1)


@pytest.mark.parametrize("content", [
    "", "{", "[]", "null", '{"format": 2}',
    '{"format": 2, "key": "key", "versions": {}, "title": null, "notation": null, '
    '"results": []}',
    '{"format": 2, "key": "key", "versions": VERSIONS, "title": null, "notation": null, '
    '"results": [{"id": "c"}]}',
    '{"format": 2, "key": "key", "versions": VERSIONS, "title": null, "notation": null, '
    '"results": [{"$": "sympy", "v": {"class": "builtins.eval", "args": []}}]}',
    '{"format": 2, "key": "other", "versions": VERSIONS, "title": null, "notation": null, '
    '"results": []}',
    '{"format": 1, "key": "key", "versions": VERSIONS, "results": []}',
], ids=["empty", "truncated", "list", "null", "partial", "stale-versions", "bad-result",
        "old-sympy-tag", "other-key", "old-format"])
def test_corrupt_or_stale_entries_are_ignored(tmp_path: Path, content: str) -> None:
    """Whatever a correctly sealed file holds, a bad entry is a miss, never an error."""
    cache = store(tmp_path)
    path = cache.entry_path("key")
    path.parent.mkdir(parents=True)
    payload = content.replace("VERSIONS", json.dumps(versions())).encode()
    path.write_bytes(seal(KEY, "key", payload))
    assert cache.get("key", JOB, None) is None
    assert cache.get_file("key", "a.yaml") is None


def test_timeouts_are_not_cached(tmp_path: Path) -> None:
    """A verdict that depends on the machine's load is never stored."""
    scope, checked = results_of(MIXED)
    unit, results = checked["sum-to-one"]
    timed_out = [dataclasses.replace(results[0], method="timeout")]  # type: ignore
    assert not store(tmp_path).put("key", unit.location, timed_out, scope)
    assert not any(tmp_path.rglob("*.json"))


def report_json(report: object) -> list[tuple[str, str, str, int]]:
    return [(c.id, c.verdict.value, c.message, c.location.line)
            for c in report.checks]  # type: ignore[attr-defined]


def test_second_run_is_answered_from_the_cache(tmp_path: Path) -> None:
    """The warm run reports the same checks, every one from the cache, without loading."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    cache = store(tmp_path / "cache")
    cold = run([str(tmp_path)], Options(), jobs=0, cache=cache, need_specs=False)
    warm = run([str(tmp_path)], Options(), jobs=0, cache=cache, need_specs=False)
    assert report_json(warm) == report_json(cold)
    assert cache.hits == 1  # the whole-file entry
    assert warm.files[0].spec is None  # answered without loading the file
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()


def test_editing_one_claim_rechecks_only_that_claim(tmp_path: Path) -> None:
    """After an edit, every other check of the file still comes from the cache."""
    spec = tmp_path / "mixed.yaml"
    shutil.copy(SPECS / "mixed.yaml", spec)
    cache = store(tmp_path / "cache")
    run([str(tmp_path)], Options(), jobs=0, cache=cache)
    assert cache.written == ["sum-to-one", "wrong-diagonal", "square-derivative",
                             "known-mistake", "quotient-rule"]
    cache.written.clear()
    spec.write_text(MIXED.replace("D(q, x) == 2 * x", "D(q, x) == 2 * x * 1"), "utf-8")
    report = run([str(tmp_path)], Options(), jobs=0, cache=cache)
    assert cache.written == ["square-derivative"]
    assert len(report.checks) == 5


def test_without_a_cache_nothing_is_written(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`cache=None` (the CLI's --no-cache) neither reads nor writes a cache directory."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    monkeypatch.chdir(tmp_path)
    run(["mixed.yaml"], Options(), jobs=0, cache=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixed.yaml"]


def test_versions_match_the_installed_packages() -> None:
    """The sympy version read from its release file equals sympy.__version__."""
    found = versions()
    code = found.pop("code")
    assert found == {"symderiv": symderiv.__version__, "sympy": sympy.__version__,
                     "format": "3"}
    assert re.fullmatch("[0-9a-f]{16}", code), code


def test_an_edited_engine_does_not_reuse_old_verdicts(tmp_path: Path) -> None:
    """The key depends on symderiv's own source, not only on its version number."""
    package = tmp_path / "symderiv"
    package.mkdir()
    (package / "cache.py").write_text("x = 1\n", encoding="utf-8")
    before = code_digest(package)
    (package / "cache.py").write_text("x = 2\n", encoding="utf-8")
    assert code_digest(package) != before


def test_the_default_folder_is_the_user_cache_per_project(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """$XDG_CACHE_HOME/symderiv/PROJECT, PROJECT the nearest root with .git or
    pyproject.toml above the first path; without one, the current folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "course"
    (project / ".git").mkdir(parents=True)
    (project / "notes" / "week1").mkdir(parents=True)
    expected = tmp_path / "cache" / "symderiv" / project_key(project.resolve())
    assert default_directory(str(project / "notes" / "week1")) == expected
    assert default_directory(str(project / "notes" / "week1" / "a.yaml")) == expected
    assert expected.name.startswith("course-")
    (project / "notes" / "pyproject.toml").write_text("", "utf-8")
    assert default_directory(str(project / "notes" / "week1")).name.startswith("notes-")
    elsewhere = tmp_path / "loose"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert default_directory("a.yaml") == \
        tmp_path / "cache" / "symderiv" / project_key(elsewhere.resolve())
    (elsewhere / "loop.yaml").symlink_to("loop.yaml")  # resolving it fails: the current folder
    assert default_directory("loop.yaml") == default_directory("a.yaml")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored (XDG)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_directory("a.yaml").parent == tmp_path / "home" / ".cache" / "symderiv"


def test_the_cache_folder_is_private(tmp_path: Path) -> None:
    """The folders and entries a cache creates are its user's alone (0700 and 0600)."""
    scope, checked = results_of(MIXED)
    unit, results = checked["known-mistake"]
    cache = store(tmp_path / "a" / "b")
    assert cache.put("key", unit.location, results, scope)  # type: ignore[arg-type]
    for path in (tmp_path / "a", tmp_path / "a" / "b", cache.entry_path("key").parent):
        assert path.stat().st_mode & 0o777 == 0o700, path
    assert cache.entry_path("key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "a" / "b" / ".gitignore").read_text() == "# Created by symderiv.\n*\n"
