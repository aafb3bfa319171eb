"""The result cache: content keys, safe JSON round trips, stale and corrupt entries ignored."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
import sympy

import symderiv
from symderiv.report.diagnosis import as_json, text_lines
from symderiv import cache as cache_module
from symderiv.resolve.scope import build_scope
from symderiv.cache import Cache, versions
from symderiv.options import Options
from symderiv.load.loader import load_text
from symderiv.jobs import fingerprint, plan, run_job
from symderiv.pipeline import run

SPECS = Path(__file__).parent.parent / "specs" / "tooling"
MIXED = (SPECS / "mixed.yaml").read_text("utf-8")
SETTINGS = {"strategies": ["generic", "bounded"], "timeout": 30.0, "sizes": {}, "seed": 0}


def keys(text: str) -> dict[str, str]:
    """check id -> cache key for a spec given as text."""
    scope = build_scope(load_text("spec.yaml", text))
    return {j.id: fingerprint(scope, j, SETTINGS, {"v": "1"}) for j in plan(scope.spec)}


def results_of(text: str) -> dict[str, tuple[object, list[object]]]:
    """check id -> (job, results) for a spec given as text."""
    scope = build_scope(load_text("spec.yaml", text))
    return {j.id: (j, run_job(scope, j, Options(), frozenset())) for j in plan(scope.spec)}


def strip(result: object) -> object:
    """A result without its proofs and diagnoses (compared apart: they come back lazily)."""
    steps = tuple(dataclasses.replace(s, outcome=dataclasses.replace(
        s.outcome, proof=(), diagnosis=None)) for s in result.steps)  # type: ignore
    return dataclasses.replace(result, proof=(), steps=steps, diagnosis=None)  # type: ignore


def diagnoses(result: object) -> list[object]:
    """Every diagnosis in a result as (text lines, JSON)."""
    found = [result.diagnosis] + [s.outcome.diagnosis for s in result.steps]  # type: ignore
    return [None if d is None else (text_lines(d), as_json(d)) for d in found]


def proofs(result: object) -> list[list[tuple[str, object]]]:
    """Every proof in a result as (label, sympy expression) pairs."""
    found = [result.proof] + [s.outcome.proof for s in result.steps]  # type: ignore
    return [[(p.label, p.expression) for p in proof] for proof in found]


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
    store = Cache(tmp_path, versions())
    checked = results_of(MIXED)
    for unit, results in checked.values():
        assert store.put("k" + unit.id, unit.location, results)
        back = store.get("k" + unit.id, unit.location)
        assert back is not None
        assert [strip(r) for r in back] == [strip(r) for r in results]
        assert [proofs(r) for r in back] == [proofs(r) for r in results]
        assert [diagnoses(r) for r in back] == [diagnoses(r) for r in results]
        assert [getattr(r.diagnosis, "suggestion", None) for r in back] == \
            [getattr(r.diagnosis, "suggestion", None) for r in results]
    everything = [r for _, rs in checked.values() for r in rs]
    assert [r.id for r in everything if proofs(r) != [[]]] == [
        "sum-to-one", "square-derivative", "quotient-rule"]
    assert [r.id for r in everything if diagnoses(r) != [None]] == [
        "wrong-diagonal", "known-mistake", "quotient-rule"]


def test_a_moved_check_is_reported_at_its_new_line(tmp_path: Path) -> None:
    """Locations are stored relative to the check, so a cached result follows the claim."""
    store = Cache(tmp_path, versions())
    unit, results = results_of(MIXED)["quotient-rule"]
    store.put("key", unit.location, results)
    moved = dataclasses.replace(unit.location, path="elsewhere.yaml", line=unit.location.line + 3)
    [back] = store.get("key", moved)  # type: ignore[misc]
    assert back.location == moved
    assert [s.location.line for s in back.steps] == [
        s.location.line + 3 for s in results[0].steps]
    assert {s.location.path for s in back.steps} == {"elsewhere.yaml"}


@pytest.mark.parametrize("content", [
    "", "{", "[]", "null", '{"format": 1}',
    '{"format": 1, "key": "key", "versions": {}, "results": []}',
    '{"format": 1, "key": "key", "versions": VERSIONS, "results": [{"$": "Counterexample"}]}',
    '{"format": 1, "key": "key", "versions": VERSIONS, "results": [{"$": "sympy", '
    '"v": {"class": "builtins.eval", "args": []}}]}',
    '{"format": 1, "key": "other", "versions": VERSIONS, "results": []}',
], ids=["empty", "truncated", "list", "null", "partial", "stale-versions", "bad-result",
        "not-sympy-class", "other-key"])
def test_corrupt_or_stale_entries_are_ignored(tmp_path: Path, content: str) -> None:
    """Whatever is in the file, a bad entry is a miss (and names no callable outside sympy)."""
    store = Cache(tmp_path, versions())
    path = store._path("key")
    path.parent.mkdir(parents=True)
    path.write_text(content.replace("VERSIONS", json.dumps(versions())), "utf-8")
    assert store.get("key", cache_module.Location("a.yaml", 1, 1)) is None


def test_decoding_names_only_sympy_classes() -> None:
    """A node naming a class that is not a sympy.Basic subclass is refused."""
    with pytest.raises(KeyError):
        cache_module.decode_sympy({"class": "os.system", "args": []})
    expression = sympy.Sum(sympy.exp(sympy.IndexedBase("a")[sympy.Dummy("k")]),
                           (sympy.Symbol("k"), 1, sympy.Symbol("N", positive=True)))
    assert cache_module.decode_sympy(cache_module.encode_sympy(expression)) == expression


def test_timeouts_are_not_cached(tmp_path: Path) -> None:
    """A verdict that depends on the machine's load is never stored."""
    unit, results = results_of(MIXED)["sum-to-one"]
    timed_out = [dataclasses.replace(results[0], method="timeout")]
    assert not Cache(tmp_path, versions()).put("key", unit.location, timed_out)
    assert not any(tmp_path.rglob("*.json"))


def report_json(report: object) -> list[tuple[str, str, str, int]]:
    return [(c.id, c.verdict.value, c.message, c.location.line)
            for c in report.checks]  # type: ignore[attr-defined]


def test_second_run_is_answered_from_the_cache(tmp_path: Path) -> None:
    """The warm run reports the same checks, every one from the cache, without loading."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    store = Cache(tmp_path / "cache", versions())
    cold = run([str(tmp_path)], Options(), jobs=0, cache=store, need_specs=False)
    warm = run([str(tmp_path)], Options(), jobs=0, cache=store, need_specs=False)
    assert report_json(warm) == report_json(cold)
    assert store.hits == 1  # the whole-file entry
    assert warm.files[0].spec is None  # answered without loading the file
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()


def test_editing_one_claim_rechecks_only_that_claim(tmp_path: Path) -> None:
    """After an edit, every other check of the file still comes from the cache."""
    spec = tmp_path / "mixed.yaml"
    shutil.copy(SPECS / "mixed.yaml", spec)
    store = Cache(tmp_path / "cache", versions())
    run([str(tmp_path)], Options(), jobs=0, cache=store)
    assert store.written == ["sum-to-one", "wrong-diagonal", "square-derivative",
                             "known-mistake", "quotient-rule"]
    store.written.clear()
    spec.write_text(MIXED.replace("D(q, x) == 2 * x", "D(q, x) == 2 * x * 1"), "utf-8")
    report = run([str(tmp_path)], Options(), jobs=0, cache=store)
    assert store.written == ["square-derivative"]
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
                     "format": "1"}
    assert re.fullmatch("[0-9a-f]{16}", code), code


def test_an_edited_engine_does_not_reuse_old_verdicts(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The key depends on symderiv's own source, not only on its version number."""
    import symderiv.cache as cache_module

    package = tmp_path / "symderiv"
    package.mkdir()
    (package / "cache.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(cache_module, "__file__", str(package / "cache.py"))
    before = cache_module._code_digest()
    (package / "cache.py").write_text("x = 2\n", encoding="utf-8")
    assert cache_module._code_digest() != before
