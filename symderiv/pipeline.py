"""The one pipeline: discover → load → resolve → plan → execute → report. No printing here.

    found   = discover(paths)                    spec files, or an error each
    opened  = open each (load + resolve)         a FileResult (errors, cached) or a Spec's jobs
    tasks   = plan: jobs the cache cannot answer
    execute   implementation jobs first, then the rest with what they showed
    return    Report(FileResult per file)

The command line, the pytest plugin and the Python API all run checks through here (the
plugin one job per test item, through `open_spec` and `execute_one`), so they decide alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from symderiv import limits
from symderiv.check.verdict import CheckResult
from symderiv.discover import discover
from symderiv.discover import shard as shard_of
from symderiv.errors import SymderivError
from symderiv.executors import GRACE, Executor, SerialExecutor, Workspace, executor
from symderiv.jobs import Job, Task, plan
from symderiv.options import Kind, Options
from symderiv.results import FileResult, Report, file_error, internal_error

if TYPE_CHECKING:
    from symderiv.cache import Cache
    from symderiv.load.model import Spec
    from symderiv.resolve.scope import Scope

Progress = Callable[[int, int, str], None]


@dataclass
class _Open:
    """A loaded spec during the run: its jobs and the results gathered so far."""

    path: Path
    display: str
    spec: Spec
    scope: Scope
    file_key: str | None
    jobs: list[Job]
    keys: list[str | None]
    results: list[list[CheckResult] | None] = field(default_factory=list)

    def refuted(self) -> frozenset[str]:
        """The implementations whose own check failed (all implementation jobs are done)."""
        return frozenset(r.id for job, found in zip(self.jobs, self.results)
                         if job.kind == Kind.IMPLEMENTATION
                         for r in found or () if not r.verdict.holds)

    def result(self) -> FileResult:
        checks = tuple(r for found in self.results for r in found or ())
        return FileResult(self.display, self.spec.title, (), checks, self.spec, self.scope)


def open_spec(path: Path, display: str, text: str | None = None) -> Scope | FileResult:
    """Load and resolve one spec (the file at `path`, or spec `text` shown as `display`):
    its scope, or the FileResult of its errors."""
    from symderiv.jobs import load_scope
    from symderiv.load.loader import SpecErrors

    try:
        return load_scope(path, display, text)
    except SpecErrors as errors:
        return FileResult(display, None, tuple(errors.errors), ())
    except (Exception, RecursionError) as failure:  # noqa: BLE001 - one file never stops the run
        return internal_error(display, failure)


def _open(path: Path, display: str, options: Options, cache: Cache | None,
          need_specs: bool, text: str | None = None) -> _Open | FileResult:
    """One discovered file (or spec `text`): answered whole from the cache, refused, or
    loaded with its jobs."""
    key = None
    if cache is not None and text is None:
        key = cache.file_key(path, options)
        hit = cache.get_file(key, display) if key is not None and not need_specs else None
        if hit is not None:
            return FileResult(display, hit[0], (), tuple(hit[1]))
    scope = open_spec(path, display, text)
    if isinstance(scope, FileResult):
        return scope
    jobs = plan(scope.spec)
    keys = [cache.job_key(scope, job, options) if cache is not None else None for job in jobs]
    results = [cache.get(k, job, scope) if cache is not None and k is not None else None
               for job, k in zip(jobs, keys)]
    return _Open(path, display, scope.spec, scope, key, jobs, keys, results)


def _tasks(files: Sequence[_Open | FileResult], kinds: Callable[[Kind], bool],
           options: Options) -> list[tuple[_Open, int, Task]]:
    """The jobs of `kinds` that still lack results, as tasks (with their file and place)."""
    out = []
    loaded = [f for f in files if isinstance(f, _Open)]
    for number, opened in enumerate(loaded):
        refuted = None
        for position, job in enumerate(opened.jobs):
            if opened.results[position] is not None or not kinds(job.kind):
                continue
            if refuted is None:
                refuted = opened.refuted() if job.kind != Kind.IMPLEMENTATION else frozenset()
            out.append((opened, position, Task(number, job, refuted, _limit(job, options))))
    return out


def _limit(job: Job, options: Options) -> float:
    """Seconds before a process running `job` is ended: the decider's own limit, and grace."""
    return options.timeout * job.decisions + GRACE


def _deadline(options: Options) -> float | None:
    """When the run's budget, starting now, is used up (on the `time.monotonic()` clock)."""
    return None if options.budget is None else time.monotonic() + options.budget


def run(paths: list[str], options: Options, jobs: int | None = None,
        cache: Cache | None = None, progress: Progress | None = None,
        need_specs: bool = True, runner: Executor | None = None,
        shard: tuple[int, int] | None = None) -> Report:
    """Check every spec under `paths`.

    Args:
        jobs: worker processes (None: one per core; 0: check in this process).
        cache: where results are looked up and stored (None: no cache).
        progress: called with (done, total, file) as checks finish.
        need_specs: False when the report does not read `FileResult.spec`/`scope`: an
            unchanged file is then answered from the cache without being loaded.
        runner: the executor (default: from `jobs`).
        shard: (K, N): only the files of shard K of N (`discover.shard`), for a CI matrix.
    """
    found = discover(paths)
    if shard is not None:
        found = shard_of(found, *shard)
    return _run(found, options, cache, progress, need_specs, runner or executor(jobs))


def run_text(texts: Sequence[tuple[str, str]], options: Options, jobs: int | None = None,
             runner: Executor | None = None) -> Report:
    """Check specs given as text, each a (display name, YAML text) pair (the Python API).

    Never cached. Where worker processes cannot fork (they would load each spec again from
    a file, and text has none), the specs are checked in this process.
    """
    import multiprocessing

    if runner is None:
        forks = "fork" in multiprocessing.get_all_start_methods()
        runner = executor(jobs) if forks else SerialExecutor()
    deadline = _deadline(options)
    with limits.using(options.limits):
        files = [_open(Path(display), display, options, None, True, text)
                 for display, text in texts]
    return _execute(files, options, None, None, runner, deadline)


def _run(found: list[tuple[Path, str, SymderivError | None]], options: Options,
         cache: Cache | None, progress: Progress | None, need_specs: bool,
         execute: Executor) -> Report:
    deadline = _deadline(options)
    with limits.using(options.limits):
        files = [file_error(display, error) if error is not None
                 else _open(path, display, options, cache, need_specs)
                 for path, display, error in found]
    return _execute(files, options, cache, progress, execute, deadline)


def _execute(files: list[_Open | FileResult], options: Options, cache: Cache | None,
             progress: Progress | None, execute: Executor, deadline: float | None) -> Report:
    """Run the jobs of the opened files (implementations first) and gather the Report."""
    loaded = [f for f in files if isinstance(f, _Open)]
    workspace = Workspace(tuple((f.path, f.display) for f in loaded), options,
                          {number: f.scope for number, f in enumerate(loaded)}, deadline)
    total = sum(len(f.jobs) for f in loaded) + sum(
        len(f.checks) for f in files if isinstance(f, FileResult))
    done = total - sum(r is None for f in loaded for r in f.results)
    if progress is not None:
        progress(done, total, "")
    for kinds in (lambda kind: kind == Kind.IMPLEMENTATION,
                  lambda kind: kind != Kind.IMPLEMENTATION):
        tasks = _tasks(files, kinds, options)

        def finished(number: int, results: list[CheckResult]) -> None:
            nonlocal done
            opened, position, task = tasks[number]
            opened.results[position] = results
            key = opened.keys[position]
            if cache is not None and key is not None:
                cache.put(key, task.job.location, results, opened.scope)
            done += 1
            if progress is not None:
                progress(done, total, opened.display)

        execute.run(workspace, [task for _, _, task in tasks], finished)
    return Report(tuple(_finish(f, cache) for f in files))


def _finish(file: _Open | FileResult, cache: Cache | None) -> FileResult:
    if isinstance(file, FileResult):
        return file
    result = file.result()
    if cache is not None and file.file_key is not None:
        cache.put_file(file.file_key, file.spec.title, list(result.checks), file.scope)
    return result


def check_file(path: Path, display: str, options: Options) -> FileResult:
    """One spec file checked in this process, without cache (tests, the Python API)."""
    report = _run([(path, display, None)], options, None, None, True, SerialExecutor())
    return report.files[0]


def execute_one(scope: Scope, job: Job, options: Options,
                implementations: Callable[[], list[CheckResult]],
                deadline: float | None = None) -> list[CheckResult]:
    """One job of a loaded spec on the serial executor (a pytest item).

    `implementations` gives the results of the spec's implementation jobs (computed once by
    the caller); a claim, derivation or example needs them to know which to trust.
    `deadline`: when the budget of the caller's run ends (`time.monotonic()`; None: never).
    """
    if job.kind == Kind.IMPLEMENTATION:
        return [r for r in implementations() if r.id == job.id]
    refuted = frozenset(r.id for r in implementations() if not r.verdict.holds)
    return _serially(scope, [job], options, refuted, deadline)[0]


def implementation_results(scope: Scope, options: Options,
                           deadline: float | None = None) -> list[CheckResult]:
    """The results of every implementation job of a loaded spec, on the serial executor."""
    jobs = [job for job in plan(scope.spec) if job.kind == Kind.IMPLEMENTATION]
    return [r for found in _serially(scope, jobs, options, frozenset(), deadline) for r in found]


def _serially(scope: Scope, jobs: list[Job], options: Options, refuted: frozenset[str],
              deadline: float | None) -> list[list[CheckResult]]:
    """The results of `jobs` of one loaded spec, each job's in order, on the serial executor."""
    path = Path(scope.spec.path)
    workspace = Workspace(((path, scope.spec.path),), options, {0: scope}, deadline)
    found: list[list[CheckResult]] = [[] for _ in jobs]

    def finished(number: int, results: list[CheckResult]) -> None:
        found[number] = results

    tasks = [Task(0, job, refuted, _limit(job, options)) for job in jobs]
    SerialExecutor().run(workspace, tasks, finished)
    return found
