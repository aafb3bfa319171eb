"""A hostile cache: forged, committed, malformed, oversized or special files never decide a
verdict, hang the run or leave files behind."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hardening_cases import Run, check
from symderiv.cache import MAX_ENTRY_BYTES, Cache, CacheUnavailable, load_key, versions
from symderiv.cache.secret import seal, unseal
from symderiv.jobs import Job, load_scope, plan
from symderiv.limits import DEFAULT
from symderiv.options import Options
from symderiv.pipeline import run
from symderiv.report.proofs import ProofLatex
from symderiv.resolve.scope import Scope

MIXED = Path(__file__).parent.parent / "specs" / "tooling" / "mixed.yaml"
KEY = bytes(range(32))


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: a TimeoutError after `seconds`."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def verdicts(result: Run) -> dict[str, str]:
    return {c["id"]: c["verdict"] for f in result.report["files"] for c in f["checks"]}


TRUE_VERDICTS = {"sum-to-one": "proved", "wrong-diagonal": "refuted",
                 "square-derivative": "proved", "known-mistake": "refuted",
                 "quotient-rule": "proved"}


def entries(folder: Path) -> list[Path]:
    found = sorted(folder.rglob("*.json"))
    assert found, f"no entries under {folder}"
    return found


def forge(folder: Path, key: bytes | None) -> None:
    """Make every entry say each check meets its expectation (sealed with `key`, or with no
    MAC at all), as a pull request that commits a cache would."""
    for path in entries(folder):
        payload = path.read_bytes().partition(b"\n")[2]
        entry = json.loads(payload)
        for result in entry["results"]:
            if result["expect"] == "holds":
                result["verdict"], result["message"] = "proved", "FORGED BY A PULL REQUEST"
        forged = json.dumps(entry).encode()
        path.write_bytes(forged if key is None else seal(key, path.stem, forged))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A course repository with one spec (one claim wrong) and a cache folder inside it."""
    root = tmp_path / "course"
    (root / ".git").mkdir(parents=True)
    shutil.copy(MIXED, root / "mixed.yaml")
    return root


# -- forged entries ---------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["wrong-key", "no-mac", "edited-after-sealing"])
def test_a_forged_entry_does_not_change_a_verdict(project: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  how: str) -> None:
    """Entries with the right names but another key's MAC, none, or a payload edited after
    sealing are misses: the refuted claim stays refuted, exit 1, and they are overwritten."""
    committed = project / ".symderiv_cache"
    if how == "edited-after-sealing":
        check("--cache-dir", str(committed), str(project))
        for path in entries(committed):
            path.write_bytes(path.read_bytes().replace(b'"refuted"', b'"proved"'))
    else:
        ours = os.environ["SYMDERIV_CACHE_KEY_FILE"]
        monkeypatch.setenv("SYMDERIV_CACHE_KEY_FILE", str(tmp_path / "attacker-key"))
        check("--cache-dir", str(committed), str(project))
        forge(committed, load_key(tmp_path / "attacker-key") if how == "wrong-key" else None)
        monkeypatch.setenv("SYMDERIV_CACHE_KEY_FILE", ours)
    result = check("--cache-dir", str(committed), str(project))
    assert (result.status, verdicts(result)) == (1, TRUE_VERDICTS)
    assert "FORGED" not in result.stdout
    key = load_key()
    assert all(unseal(key, p.stem, p.read_bytes()) is not None for p in entries(committed))


def test_the_forgery_would_work_if_it_were_sealed(project: Path) -> None:
    """The control: the same forged entries sealed with this machine's key are trusted, so
    the tests above fail only because of the MAC."""
    committed = project / ".symderiv_cache"
    check("--cache-dir", str(committed), str(project))
    forge(committed, load_key())
    result = check("--cache-dir", str(committed), str(project))
    assert result.status == 0
    assert verdicts(result)["wrong-diagonal"] == "proved"
    assert "FORGED BY A PULL REQUEST" in result.stdout


def test_an_entry_committed_in_the_work_tree_is_ignored_by_default(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """By default the cache is the user's (outside the work tree): a committed
    `.symderiv_cache/` is never read, even one sealed with this machine's own key."""
    committed = project / ".symderiv_cache"
    check("--cache-dir", str(committed), str(project))
    forge(committed, load_key())
    old = committed / "v1" / "ab" / ("ab" + "0" * 62 + ".json")  # the old format, unsealed
    old.parent.mkdir(parents=True)
    old.write_text('{"format": 1, "results": []}', "utf-8")
    before = {p: p.read_bytes() for p in committed.rglob("*") if p.is_file()}
    monkeypatch.chdir(project)
    result = check("mixed.yaml")
    assert (result.status, verdicts(result)) == (1, TRUE_VERDICTS)
    assert {p: p.read_bytes() for p in committed.rglob("*") if p.is_file()} == before
    user_cache = Path(os.environ["XDG_CACHE_HOME"]) / "symderiv"
    assert [p.name.split("-")[0] for p in user_cache.iterdir()] == ["course"]
    assert len(entries(user_cache)) == 6  # five checks and the whole file


# -- malformed entries ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Genuine:
    """A cache of mixed.yaml's results written by the checks themselves."""

    folder: Path
    scope: Scope
    jobs: dict[str, tuple[Job, str]]  # check id -> (job, entry key)


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Genuine:
    folder = tmp_path_factory.mktemp("genuine")
    cache = Cache(folder / "cache", versions(), KEY, ProofLatex())
    run([str(MIXED)], Options(), jobs=0, cache=cache)
    scope = load_scope(MIXED, str(MIXED))
    assert isinstance(scope, Scope)
    jobs = {job.id: (job, cache.job_key(scope, job, Options())) for job in plan(scope.spec)}
    return Genuine(folder / "cache", scope, jobs)


@pytest.fixture
def cache(genuine: Genuine, tmp_path: Path) -> Cache:
    """A copy of the genuine cache, to damage."""
    shutil.copytree(genuine.folder, tmp_path / "cache")
    return Cache(tmp_path / "cache", versions(), KEY, ProofLatex())


def rewrite(cache: Cache, key: str, change: Callable[[Any], object]) -> None:
    """Change an entry's JSON and seal it again with the right key: only the content is
    wrong."""
    path = cache.entry_path(key)
    entry = json.loads(unseal(KEY, key, path.read_bytes()) or b"")
    change(entry)
    path.write_bytes(seal(KEY, key, json.dumps(entry).encode()))


def first(entry: Any) -> Any:
    return entry["results"][0]


MUTATIONS: dict[str, tuple[str, Callable[[Any], object]]] = {
    "verdict-number": ("wrong-diagonal", lambda e: first(e).update(verdict=1)),
    "verdict-unknown": ("wrong-diagonal", lambda e: first(e).update(verdict="certainly")),
    "verdict-list": ("wrong-diagonal", lambda e: first(e).update(verdict=["proved"])),
    "verdict-old-tag": ("wrong-diagonal",
                        lambda e: first(e).update(verdict={"$": "verdict", "v": "proved"})),
    "message-list": ("wrong-diagonal", lambda e: first(e).update(message=["a", "b"])),
    "location-text": ("wrong-diagonal", lambda e: first(e).update(location="3:4")),
    "location-short": ("wrong-diagonal", lambda e: first(e).update(location=[1])),
    "location-bool": ("wrong-diagonal", lambda e: first(e).update(location=[True, 1])),
    "seconds-text": ("wrong-diagonal", lambda e: first(e).update(seconds="0.1")),
    "kind-unknown": ("wrong-diagonal", lambda e: first(e).update(kind="claim ")),
    "warnings-text": ("wrong-diagonal", lambda e: first(e).update(warnings="w")),
    "details-sympy": ("wrong-diagonal", lambda e: first(e).update(
        details=[["a", {"$": "sympy", "v": {"class": "builtins.eval", "args": []}}]])),
    "details-list": ("wrong-diagonal", lambda e: first(e).update(details=[["a", [1, 2]]])),
    "extra-field": ("wrong-diagonal", lambda e: first(e).update(extra=1)),
    "missing-field": ("wrong-diagonal", lambda e: first(e).pop("message")),
    "results-mapping": ("wrong-diagonal", lambda e: e.update(results={})),
    "results-empty": ("wrong-diagonal", lambda e: e.update(results=[])),
    "title-number": ("wrong-diagonal", lambda e: e.update(title=5)),
    "format-true": ("wrong-diagonal", lambda e: e.update(format=True)),
    "zero-denominator": ("wrong-diagonal", lambda e: first(e)["counterexample"].update(
        values=[["a", ["1/0"]]])),
    "value-number": ("wrong-diagonal", lambda e: first(e)["counterexample"].update(
        values=[["a", [0.5]]])),
    "size-bool": ("wrong-diagonal", lambda e: first(e)["counterexample"].update(
        sizes=[["N", True]])),
    "digits-float": ("wrong-diagonal", lambda e: first(e)["counterexample"].update(digits=1.5)),
    "diagnosis-text": ("wrong-diagonal", lambda e: first(e).update(diagnosis="a slip")),
    "steps-mapping": ("quotient-rule", lambda e: first(e).update(steps={"0": 1})),
    "step-verdict": ("quotient-rule", lambda e: first(e)["steps"][0].update(verdict=True)),
    "proof-label": ("sum-to-one", lambda e: first(e)["proof"][0].update(label=1)),
    "proof-expression": ("sum-to-one", lambda e: first(e)["proof"][0].update(
        expression={"class": "sympy.core.numbers.Integer", "args": []})),
    "expect-flipped": ("wrong-diagonal", lambda e: first(e).update(expect="refuted")),
    "another-check": ("wrong-diagonal", lambda e: first(e).update(id="sum-to-one")),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_malformed_entry_is_a_miss(cache: Cache, genuine: Genuine, name: str) -> None:
    """Right MAC, wrong content: a field of the wrong type, an unknown verdict, an extra or
    missing field, another check's or expectation's results: a miss, never a traceback."""
    check_id, change = MUTATIONS[name]
    job, key = genuine.jobs[check_id]
    assert cache.get(key, job, genuine.scope) is not None  # the control: a hit as written
    rewrite(cache, key, change)
    assert cache.get(key, job, genuine.scope) is None


@pytest.mark.parametrize("name", ["huge-line", "long-integer", "huge-fraction", "long-float",
                                  "deep-array", "deep-json"])
def test_a_huge_number_or_nesting_is_a_quick_miss(cache: Cache, genuine: Genuine,
                                                  name: str) -> None:
    """Numbers and nesting far beyond any result's are refused before anything is built."""
    job, key = genuine.jobs["wrong-diagonal"]
    path = cache.entry_path(key)
    payload = unseal(KEY, key, path.read_bytes()) or b""
    entry = json.loads(payload)
    marker = "__HUGE__"
    counterexample = first(entry)["counterexample"]
    if name == "huge-line":
        first(entry)["location"] = [marker, 1]
        huge = "9" * 1_000_000
    elif name == "long-integer":
        first(entry)["location"] = [marker, 1]
        huge = "1" + "0" * 100  # 10**100: one past the bound
    elif name == "huge-fraction":
        counterexample["values"] = [["a", [marker]]]
        huge = '"' + "7" * 1_000_000 + '/1"'
    elif name == "long-float":
        first(entry)["seconds"] = marker
        huge = "1." + "0" * 1_000_000
    elif name == "deep-array":
        counterexample["values"] = [["a", marker]]
        huge = "[" * 100 + '"1/2"' + "]" * 100
    else:
        counterexample["values"] = [["a", marker]]
        huge = "[" * 200_000 + "]" * 200_000
    text = json.dumps(entry).replace(f'"{marker}"', huge).encode()
    path.write_bytes(seal(KEY, key, text))
    started = time.perf_counter()
    with deadline(20):
        assert cache.get(key, job, genuine.scope) is None
    assert time.perf_counter() - started < 5


# -- files that are not entries ---------------------------------------------------------------

def _put(cache: Cache, genuine: Genuine, check_id: str) -> bool:
    """Store a fresh copy of one check's results (from a cache that is not damaged)."""
    job, key = genuine.jobs[check_id]
    source = Cache(genuine.folder, versions(), KEY, ProofLatex())
    results = source.get(key, job, genuine.scope)
    assert results is not None
    return cache.put(key, job.location, results, genuine.scope)


@pytest.mark.parametrize("kind", ["link-to-dev-zero", "fifo", "link-to-entry", "folder",
                                  "linked-folder"])
def test_a_special_file_at_an_entry_is_a_miss_without_hanging(
        cache: Cache, genuine: Genuine, tmp_path: Path, kind: str) -> None:
    """A link (even to a genuine entry), a FIFO, a folder, or a linked folder above the
    entry is refused at once; a write then replaces a link or FIFO, never writes through."""
    job, key = genuine.jobs["wrong-diagonal"]
    path = cache.entry_path(key)
    elsewhere = tmp_path / "elsewhere.json"
    shutil.copy(path, elsewhere)
    genuine_bytes = elsewhere.read_bytes()
    path.unlink()
    if kind == "link-to-dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link-to-entry":
        path.symlink_to(elsewhere)
    elif kind == "folder":
        path.mkdir()
    else:
        moved = tmp_path / "moved"
        shutil.move(str(path.parent), moved)
        shutil.copy(elsewhere, moved / path.name)
        path.parent.symlink_to(moved)
    with deadline(20):
        assert cache.get(key, job, genuine.scope) is None
        stored = _put(cache, genuine, "wrong-diagonal")
    assert elsewhere.read_bytes() == genuine_bytes  # never written through a link
    assert not list(cache.directory.rglob("*.tmp")) and not list(tmp_path.rglob("*.tmp"))
    if kind in ("link-to-dev-zero", "fifo", "link-to-entry"):
        assert stored and path.is_file() and not path.is_symlink()
        assert cache.get(key, job, genuine.scope) is not None
    else:
        assert not stored  # a folder is in the way: nothing written, nothing trusted


def test_an_oversized_entry_is_a_miss(cache: Cache, genuine: Genuine) -> None:
    """An entry over the size limit is refused, even with a right MAC; just under, read."""
    job, key = genuine.jobs["wrong-diagonal"]
    path = cache.entry_path(key)
    payload = unseal(KEY, key, path.read_bytes()) or b""
    room = MAX_ENTRY_BYTES - len(seal(KEY, key, payload))
    path.write_bytes(seal(KEY, key, payload + b" " * room))
    assert cache.get(key, job, genuine.scope) is not None
    path.write_bytes(seal(KEY, key, payload + b" " * (room + 1)))
    assert cache.get(key, job, genuine.scope) is None


def test_a_sparse_giant_entry_is_not_read(cache: Cache, genuine: Genuine,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose size says it is too large is refused before a byte of it is read."""
    job, key = genuine.jobs["wrong-diagonal"]
    path = cache.entry_path(key)
    with path.open("r+b") as stream:
        stream.truncate(3 << 30)
    read = count_reads(monkeypatch)
    assert cache.get(key, job, genuine.scope) is None
    assert read == []


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the os.read calls made from now on."""
    sizes: list[int] = []
    original = os.read

    def counted(descriptor: int, size: int) -> bytes:
        data = original(descriptor, size)
        sizes.append(len(data))
        return data
    monkeypatch.setattr(os, "read", counted)
    return sizes


# -- writes that fail -------------------------------------------------------------------------

@pytest.mark.parametrize("failing", ["write", "replace"])
def test_a_failed_write_leaves_no_temporary_file(cache: Cache, genuine: Genuine,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 failing: str) -> None:
    """A full disk (at write, rename or close) is not stored, and leaves nothing behind."""
    job, key = genuine.jobs["wrong-diagonal"]
    before = sorted(p.relative_to(cache.directory) for p in cache.directory.rglob("*"))
    calls = []

    def full(*arguments: Any, **keywords: Any) -> Any:
        calls.append(failing)
        raise OSError(errno.ENOSPC, "No space left on device")
    for _ in range(20):
        with monkeypatch.context() as patch:
            patch.setattr(os, failing, full)
            assert not _put(cache, genuine, "wrong-diagonal")
    assert calls
    after = sorted(p.relative_to(cache.directory) for p in cache.directory.rglob("*"))
    assert after == before
    assert cache.get(key, job, genuine.scope) is not None  # the old entry is still whole


def test_a_run_with_a_full_disk_still_reports(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries that cannot be written are simply not cached: the report is the same."""
    shutil.copy(MIXED, tmp_path / "mixed.yaml")
    cache = Cache(tmp_path / "cache", versions(), KEY, ProofLatex())

    def full(*arguments: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")
    with monkeypatch.context() as patch:
        patch.setattr(os, "write", full)
        report = run([str(tmp_path / "mixed.yaml")], Options(), jobs=0, cache=cache)
    assert {c.id: c.verdict.value for c in report.checks} == TRUE_VERDICTS
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()
                and p.name not in ("CACHEDIR.TAG", ".gitignore")]


# -- the spec file's own entry ----------------------------------------------------------------

def test_an_oversized_spec_is_not_read_by_the_cache(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache checks a spec's size before hashing it: a 3 GiB file is not read (the
    loader reports it); a file at the limit is hashed."""
    small = Options(limits=DEFAULT.changed({"max_file_bytes": 1000}))
    cache = Cache(tmp_path / "cache", versions(), KEY, ProofLatex())
    (tmp_path / "limit.yaml").write_bytes(b"#" * 1000)
    (tmp_path / "over.yaml").write_bytes(b"#" * 1001)
    giant = tmp_path / "giant.yaml"
    with giant.open("wb") as stream:
        stream.truncate(3 << 30)
    read = count_reads(monkeypatch)
    assert cache.file_key(tmp_path / "limit.yaml", small) is not None
    assert sum(read) == 1000
    read.clear()
    assert cache.file_key(tmp_path / "over.yaml", small) is None
    assert cache.file_key(giant, Options()) is None
    assert read == []
    report = run([str(giant)], Options(), jobs=0, cache=cache)
    [error] = report.files[0].errors
    assert (error.code, error.location.line) == ("limit", 1)
    assert read == []


def test_a_fifo_spec_is_not_waited_on_by_the_cache(tmp_path: Path) -> None:
    """The cache hashes regular files only: a FIFO named like a spec is not opened for
    reading in a way that blocks."""
    os.mkfifo(tmp_path / "pipe.yaml")
    cache = Cache(tmp_path / "cache", versions(), KEY, ProofLatex())
    with deadline(20):
        assert cache.file_key(tmp_path / "pipe.yaml", Options()) is None


# -- the key ----------------------------------------------------------------------------------

def test_the_key_is_made_once_private(tmp_path: Path) -> None:
    """A new key is 32 random bytes in a 0600 file in a 0700 folder; later runs reuse it."""
    path = tmp_path / "config" / "symderiv" / "cache-key"
    key = load_key(path)
    assert len(key) == 32 and load_key(path) == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["cache-key"]
    assert load_key(tmp_path / "other") != key


@pytest.mark.parametrize("kind", ["link", "fifo", "open-to-others", "not-a-key", "folder",
                                  "other-owner"])
def test_an_unusable_key_turns_the_cache_off(project: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             kind: str) -> None:
    """A key file that is a link, not a regular file, open to others, another user's or not
    a key is refused: one warning line, checks run without the cache, verdicts as ever."""
    path = tmp_path / "key"
    real = tmp_path / "real-key"
    load_key(real)
    if kind == "link":
        path.symlink_to(real)
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "open-to-others":
        shutil.copy(real, path)
        path.chmod(0o644)
    elif kind == "not-a-key":
        path.write_text("secret\n", "utf-8")
        path.chmod(0o600)
    elif kind == "folder":
        path.mkdir()
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to another user")
        shutil.copy(real, path)
        os.chown(path, 12345, -1)
    with deadline(20):
        with pytest.raises(CacheUnavailable):
            load_key(path)
    monkeypatch.setenv("SYMDERIV_CACHE_KEY_FILE", str(path))
    result = check("--cache-dir", str(tmp_path / "cache"), str(project))
    assert (result.status, verdicts(result)) == (1, TRUE_VERDICTS)
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"{path}:1:1: warning: ")
    assert warning.endswith("; checking without the cache  [cache]")
    assert not (tmp_path / "cache").exists()
