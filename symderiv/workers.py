"""Checks in worker processes, with the cache in front and a hard time limit per check.

The parent loads every spec (cheap), answers what it can from the cache and sends the other
checks to `jobs` worker processes, one check at a time. A worker that overruns a check's time
limit is ended and replaced, so a hung simplification cannot stall the run. Results are put
back in spec order, so the report does not depend on `jobs` or on timing.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from symderiv.units import Unit

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
        from symderiv.build.scope import build_scope
        from symderiv.load.loader import load_file

        path, display = _FILES[file]
        _SCOPES[file] = build_scope(load_file(path, display))
    return _SCOPES[file]


def execute(task: Task) -> list[Any]:
    """Run one task here (in a worker, or in the parent for --jobs 0 and tests)."""
    from symderiv.units import check_unit

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


def _serve(connection: Connection, files: list[tuple[Path, str]], options: Any,
           runner: Callable[[Task], list[Any]]) -> None:
    global _OPTIONS
    if not _FILES:  # started by spawn: nothing inherited
        _FILES.extend(files)
    _OPTIONS = options
    while True:
        try:
            task = connection.recv()
        except (EOFError, KeyboardInterrupt):
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
    # fork: workers inherit the loaded specs and the imported sympy, which start-up would
    # otherwise pay again in every worker
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_tasks(tasks: list[Task], jobs: int, on_done: Callable[[int, list[Any]], None],
              runner: Callable[[Task], list[Any]] = execute) -> list[list[Any]]:
    """Each task's results, in task order; `on_done(number, results)` as each one finishes."""
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


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(paths: list[str], options: Any, jobs: int | None = None, cache: Any = None,
        progress: Progress | None = None) -> Any:
    """Like `symderiv.run.run`, with the cache, worker processes and progress reports."""
    global _OPTIONS
    from symderiv.build.scope import build_scope
    from symderiv.load.loader import SpecErrors, load_file
    from symderiv.run import FileResult, Report, discover
    from symderiv.units import fingerprint, units

    jobs = default_jobs() if jobs is None else jobs
    _FILES.clear()
    _SCOPES.clear()
    _OPTIONS = options
    loaded: list[tuple[str, Any, Any, tuple[Any, ...]]] = []  # display, spec, scope, errors
    for path, display, error in discover(paths):
        if error is not None:
            loaded.append((display, None, None, (error,)))
            continue
        try:
            spec = load_file(path, display)
            scope = build_scope(spec)
        except SpecErrors as errors:
            loaded.append((display, None, None, tuple(errors.errors)))
            continue
        _SCOPES[len(_FILES)] = scope
        _FILES.append((path, display))
        loaded.append((display, spec, scope, ()))

    versions = cache.versions if cache is not None else {}
    slots: list[list[list[Any] | None]] = []  # per loaded file, per unit
    tasks: list[Task] = []
    where: list[tuple[int, int, str | None]] = []  # task -> (file slot, unit, cache key)
    total = done = 0
    file_number = 0
    for slot, (display, spec, scope, errors) in enumerate(loaded):
        if scope is None:
            slots.append([])
            continue
        found = units(spec)
        slots.append([None] * len(found))
        total += len(found)
        for position, unit in enumerate(found):
            key = fingerprint(scope, unit, options, versions) if cache is not None else None
            cached = cache.get(key, unit.location) if key is not None else None
            if cached is not None:
                slots[slot][position] = cached
                done += 1
                continue
            limit = options.timeout * unit.decisions + GRACE
            tasks.append(Task(file_number, unit, limit))
            where.append((slot, position, key))
        file_number += 1
    if progress is not None:
        progress(done, total, "")

    def finished(number: int, results: list[Any]) -> None:
        nonlocal done
        slot, position, key = where[number]
        slots[slot][position] = results
        if cache is not None and key is not None:
            cache.put(key, tasks[number].unit.location, results)
        done += 1
        if progress is not None:
            progress(done, total, loaded[slot][0])

    if jobs <= 0:
        for number, task in enumerate(tasks):
            finished(number, execute(task))
    else:
        run_tasks(tasks, jobs, finished)
    files = []
    for slot, (display, spec, scope, errors) in enumerate(loaded):
        if scope is None:
            files.append(FileResult(display, None, errors, ()))
            continue
        checks = tuple(r for results in slots[slot] for r in results or [])
        files.append(FileResult(display, spec.title, (), checks, spec, scope))
    return Report(tuple(files))
