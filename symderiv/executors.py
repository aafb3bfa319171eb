"""Checks in worker processes, with the cache in front and a hard time limit per check.

The parent loads every spec (cheap), answers what it can from the cache and sends the other
checks to `jobs` worker processes, one check at a time. A worker that overruns a check's time
limit is ended and replaced, so a hung simplification cannot stall the run. Results are put
back in spec order, so the report does not depend on `jobs` or on timing.
"""

from __future__ import annotations

import dataclasses
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symderiv.jobs import Unit

if TYPE_CHECKING:
    from symderiv.pipeline import Report

#: Seconds a worker gets on top of the engine's own limit before it is ended.
GRACE = 2.0

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class Task:
    file: int  # index into the loaded files
    unit: Unit
    limit: float  # seconds before the worker is ended


#: What workers need: set in the parent before forking (read lazily after a spawn).
_FILES: list[tuple[Path, str]] = []
_SCOPES: dict[int, Any] = {}
_OPTIONS: Any = None


def _scope(file: int) -> Any:
    if file not in _SCOPES:
        from symderiv.pipeline import load_scope

        path, display = _FILES[file]
        _SCOPES[file] = load_scope(path, display)
    return _SCOPES[file]


def execute(task: Task) -> list[Any]:
    """Run one task here (in a worker, or in the parent for --jobs 0 and tests)."""
    from symderiv.jobs import check_unit

    try:
        return check_unit(_scope(task.file), task.unit, _OPTIONS)
    except Exception as error:  # noqa: BLE001 - an engine bug must not lose the other checks
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return [failed(task.unit, f"internal error while checking: {detail}", "internal")]


def failed(unit: Unit, message: str, method: str) -> Any:
    from symderiv.check.verdict import CheckResult, Verdict

    verdict = Verdict.UNDECIDED if method == "timeout" else Verdict.ERROR
    return CheckResult(id=unit.id, kind=unit.kind, verdict=verdict, expect=unit.expect,
                       message=message, location=unit.location, method=method)


def _serve(connection: Any, files: list[tuple[Path, str]], options: Any,
           runner: Callable[[Task], list[Any]]) -> None:
    global _OPTIONS
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends the workers
    if not _FILES:  # started by spawn: nothing inherited
        _FILES.extend(files)
    _OPTIONS = options
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        connection.send(runner(task))


class _Worker:
    def __init__(self, context: Any, runner: Callable[[Task], list[Any]]) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, _FILES, _OPTIONS, runner),
                                       daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Task] | None = None
        self.started = 0.0

    def give(self, number: int, task: Task) -> None:
        self.task = (number, task)
        self.started = time.monotonic()
        self.connection.send(task)

    def end(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _context() -> Any:
    import multiprocessing

    # fork: workers inherit the loaded specs and the imported sympy, which start-up would
    # otherwise pay again in every worker
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_tasks(tasks: list[Task], jobs: int, on_done: Callable[[int, list[Any]], None],
              runner: Callable[[Task], list[Any]] = execute) -> list[list[Any]]:
    """Each task's results, in task order; `on_done(number, results)` as each one finishes."""
    from multiprocessing.connection import wait

    results: dict[int, list[Any]] = {}
    if not tasks:
        return []
    context = _context()
    pending = list(enumerate(tasks))
    pending.reverse()
    workers = [_Worker(context, runner) for _ in range(max(1, min(jobs, len(tasks))))]
    try:
        while len(results) < len(tasks):
            for worker in workers:
                if worker.task is None and pending:
                    worker.give(*pending.pop())
            busy = [w for w in workers if w.task is not None]
            now = time.monotonic()
            wait_for = min(w.started + w.task[1].limit - now for w in busy if w.task)
            ready = wait([w.connection for w in busy], timeout=max(0.0, wait_for))
            now = time.monotonic()
            for position, worker in enumerate(workers):
                if worker.task is None:
                    continue
                number, task = worker.task
                finished: list[Any] | None = None
                replace = False
                if worker.connection in ready:
                    try:
                        finished = worker.connection.recv()
                    except (EOFError, OSError):
                        finished = [failed(task.unit, "the worker process died while checking "
                                           "(out of memory or a crash)", "crash")]
                        replace = True
                elif now - worker.started >= task.limit:
                    finished = [failed(task.unit, f"no verdict within {task.limit:g} s: the "
                                       "worker was ended (--timeout)", "timeout")]
                    replace = True
                if finished is None:
                    continue
                results[number] = finished
                on_done(number, finished)
                worker.task = None
                if replace:
                    worker.end()
                    workers[position] = _Worker(context, runner)
    finally:
        for worker in workers:
            if worker.task is not None:
                worker.end()
            else:
                worker.stop()
    return [results[n] for n in range(len(tasks))]


def prepare_workers() -> None:
    """Import in the parent what every worker would import on its first check.

    Forked workers inherit it, so the import is paid once, not once per worker (and again for
    each worker that replaces one ended at its time limit). `simplify` imports a large part of
    sympy lazily (sympy.physics.units alone takes a quarter of a second).
    """
    import sympy

    import symderiv.check.diagnose  # noqa: F401
    import symderiv.check.engine  # noqa: F401
    import symderiv.check.fold  # noqa: F401
    import symderiv.check.tex  # noqa: F401

    sympy.simplify(sympy.Symbol("x") + 1)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _settings(options: Any) -> dict[str, Any]:
    """The options as plain data, for cache keys."""
    from symderiv.jobs import canonical

    if isinstance(options, dict):
        return dict(canonical(options))
    return {f.name: canonical(getattr(options, f.name)) for f in dataclasses.fields(options)}


def run(paths: list[str], options: Any, jobs: int | None = None, cache: Any = None,
        progress: Progress | None = None, need_specs: bool = True) -> Report:
    """Like `symderiv.pipeline.run`, with the cache, worker processes and progress reports.

    Args:
        options: an engine `Options`, or a dict of its keyword arguments (then the engine is
            imported only if something has to be checked).
        jobs: worker processes (None: one per core; 0: check in this process).
        need_specs: False when the report does not read `FileResult.spec`/`scope`: an
            unchanged file is then answered from the cache without being loaded.
    """
    global _OPTIONS
    from symderiv.pipeline import FileResult, Report, discover
    from symderiv.jobs import forget_implementations

    jobs = default_jobs() if jobs is None else jobs
    settings = _settings(options)
    _FILES.clear()
    _SCOPES.clear()
    forget_implementations()
    _OPTIONS = options
    versions = cache.versions if cache is not None else {}
    files: list[Any] = []  # FileResult, or [display, spec, scope, file key, per-unit results]
    loading: list[tuple[int, Path, str, str | None]] = []
    for path, display, error in discover(paths):
        if error is not None:
            files.append(FileResult(display, None, (error,), ()))
            continue
        key = None
        if cache is not None:
            from symderiv.cache import file_key

            try:
                key = file_key(path.read_bytes(), settings, versions)
            except OSError:
                key = None
            hit = cache.get_file(key, display) if key is not None and not need_specs else None
            if hit is not None:
                files.append(FileResult(display, hit[0], (), tuple(hit[1])))
                continue
        files.append(None)
        loading.append((len(files) - 1, path, display, key))

    tasks: list[Task] = []
    where: list[tuple[int, int, str | None]] = []  # task -> (file, unit, cache key)
    pending: dict[int, list[Any]] = {}  # file -> [display, spec, scope, key, units, results]
    if loading:
        from symderiv.load.loader import SpecErrors
        from symderiv.pipeline import internal_error, load_scope
        from symderiv.jobs import fingerprint, units

        if isinstance(options, dict):
            from symderiv.check.engine import Options

            _OPTIONS = Options(**options)
        for slot, path, display, key in loading:
            try:
                scope = load_scope(path, display)
                spec = scope.spec
            except SpecErrors as errors:
                files[slot] = FileResult(display, None, tuple(errors.errors), ())
                continue
            except (Exception, RecursionError) as failure:  # noqa: BLE001 - one file never stops the run
                files[slot] = internal_error(display, failure)
                continue
            found = units(spec)
            results: list[list[Any] | None] = [None] * len(found)
            pending[slot] = [display, spec, scope, key, found, results]
            for position, unit in enumerate(found):
                unit_key = fingerprint(scope, unit, settings, versions) \
                    if cache is not None else None
                cached = cache.get(unit_key, unit.location) if unit_key is not None else None
                if cached is not None:
                    results[position] = cached
                    continue
                limit = _OPTIONS.timeout * unit.decisions + GRACE
                tasks.append(Task(len(_FILES), unit, limit))
                where.append((slot, position, unit_key))
            _SCOPES[len(_FILES)] = scope
            _FILES.append((path, display))
    total = sum(len(f[4]) for f in pending.values()) + sum(
        len(f.checks) for f in files if isinstance(f, FileResult))
    done = total - len(tasks)
    if progress is not None:
        progress(done, total, "")

    def finished(number: int, results: list[Any]) -> None:
        nonlocal done
        slot, position, key = where[number]
        pending[slot][5][position] = results
        if cache is not None and key is not None:
            cache.put(key, tasks[number].unit.location, results)
        done += 1
        if progress is not None:
            progress(done, total, _FILES[tasks[number].file][1])

    if jobs <= 0:
        for number, task in enumerate(tasks):
            finished(number, execute(task))
    else:
        if tasks:
            prepare_workers()
        run_tasks(tasks, jobs, finished)
    for slot, (display, spec, scope, key, _units, results) in pending.items():
        checks = tuple(r for unit_results in results for r in unit_results or [])
        files[slot] = FileResult(display, spec.title, (), checks, spec, scope)
        if cache is not None and key is not None:
            cache.put_file(key, spec.title, list(checks))
    return Report(tuple(files))
