"""Where tasks run: in this process, or in worker processes with a hard time limit per task.

Both executors take the same `Workspace` (the run's loaded files and options) and tasks, and
call `on_done(number, results)` as each task finishes; the pipeline puts results back in
task order, so the report depends neither on the executor nor on timing. A worker that
overruns a task's limit is ended and replaced, so a hung simplification cannot stall the
run. Nothing here is module state: what a worker needs is handed to it.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from symderiv import limits
from symderiv.check.verdict import CheckResult
from symderiv.jobs import Task, failed
from symderiv.options import Options

if TYPE_CHECKING:
    from symderiv.resolve.scope import Scope

#: Seconds a worker gets on top of the decider's own limit before it is ended.
GRACE = 2.0

Done = Callable[[int, list[CheckResult]], None]


@dataclass(frozen=True)
class Workspace:
    """What executing a task needs: the run's files, their loaded scopes, the options.

    `scopes` holds what the parent loaded; a process that lacks a file's scope (a worker
    started by spawn) loads it once, into its own `Loaded`.
    """

    files: tuple[tuple[Path, str], ...]
    options: Options
    scopes: dict[int, Scope] = field(default_factory=dict, compare=False)


class Loaded:
    """One process's scopes by file: the workspace's, then any it had to load itself."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.scopes = dict(workspace.scopes)

    def scope(self, file: int) -> Scope:
        if file not in self.scopes:
            from symderiv.jobs import load_scope

            path, display = self.workspace.files[file]
            with limits.using(self.workspace.options.limits):
                self.scopes[file] = load_scope(path, display)
        return self.scopes[file]

    def execute(self, task: Task) -> list[CheckResult]:
        """Run one task here; an engine bug becomes the task's `error` result."""
        from symderiv.jobs import run_job

        try:
            with limits.using(self.workspace.options.limits):
                return run_job(self.scope(task.file), task.job, self.workspace.options,
                               task.refuted)
        except Exception as error:  # noqa: BLE001 - an engine bug must not lose the other checks
            detail = traceback.format_exception_only(type(error), error)[-1].strip()
            return [failed(task.job, f"internal error while checking: {detail}", "internal")]


class Executor(Protocol):
    def run(self, workspace: Workspace, tasks: Sequence[Task], on_done: Done) -> None:
        """Execute every task, calling `on_done(number, results)` as each one finishes."""


class SerialExecutor:
    """Every task in this process, one after the other (--jobs 0, tests, the pytest plugin).

    The time limit is the decider's own (`--timeout` per equation); nothing ends a task
    that ignores it, as a worker process would be ended.
    """

    def run(self, workspace: Workspace, tasks: Sequence[Task], on_done: Done) -> None:
        loaded = Loaded(workspace)
        for number, task in enumerate(tasks):
            on_done(number, loaded.execute(task))


Perform = Callable[["Loaded", Task], list[Any]]


def perform(loaded: Loaded, task: Task) -> list[CheckResult]:
    """What a worker does with a task: execute it (tests hand in stand-ins)."""
    return loaded.execute(task)


def _serve(connection: Connection, workspace: Workspace, work: Perform) -> None:
    """A worker's loop: receive a task, send its results, until told to stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends the workers
    loaded = Loaded(workspace)
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        connection.send(work(loaded, task))


class _Worker:
    """One worker process and the task it is running, if any."""

    def __init__(self, context: Any, workspace: Workspace, work: Perform) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, workspace, work),
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


def prepare_workers() -> None:
    """Import in the parent what every worker would import on its first check.

    Forked workers inherit it, so the import is paid once, not once per worker (and again for
    each worker that replaces one ended at its time limit). `simplify` imports a large part of
    sympy lazily (sympy.physics.units alone takes a quarter of a second).
    """
    import sympy

    import symderiv.check.spec  # noqa: F401 - the decider, the checks, the diagnosis

    sympy.simplify(sympy.Symbol("x") + 1)


class ProcessExecutor:
    """Tasks spread over `jobs` worker processes, each task ended at its `limit`."""

    def __init__(self, jobs: int, work: Perform = perform) -> None:
        self.jobs = max(1, jobs)
        self.work = work

    def run(self, workspace: Workspace, tasks: Sequence[Task], on_done: Done) -> None:
        from multiprocessing.connection import wait

        if not tasks:
            return
        prepare_workers()
        context = _context()
        if context.get_start_method() != "fork":  # scopes hold lark and sympy objects
            workspace = Workspace(workspace.files, workspace.options)
        pending = list(enumerate(tasks))
        pending.reverse()
        workers = [_Worker(context, workspace, self.work)
                   for _ in range(min(self.jobs, len(tasks)))]
        left = len(tasks)
        try:
            while left:
                for worker in workers:
                    if worker.task is None and pending:
                        worker.give(*pending.pop())
                busy = [w for w in workers if w.task is not None]
                now = time.monotonic()
                wait_for = min(w.started + w.task[1].limit - now for w in busy if w.task)
                ready = wait([w.connection for w in busy], timeout=max(0.0, wait_for))
                for position, worker in enumerate(workers):
                    finished, replace = self._collect(worker, ready)
                    if finished is None or worker.task is None:
                        continue
                    on_done(worker.task[0], finished)
                    left -= 1
                    worker.task = None
                    if replace:
                        worker.end()
                        workers[position] = _Worker(context, workspace, self.work)
        finally:
            for worker in workers:
                if worker.task is not None:
                    worker.end()
                else:
                    worker.stop()

    @staticmethod
    def _collect(worker: _Worker, ready: list[Any]) -> tuple[list[CheckResult] | None, bool]:
        """The worker's results if it has finished or overrun, and whether to replace it."""
        if worker.task is None:
            return None, False
        task = worker.task[1]
        if worker.connection in ready:
            try:
                return worker.connection.recv(), False
            except (EOFError, OSError):
                return [failed(task.job, "the worker process died while checking (out of "
                               "memory or a crash)", "crash")], True
        if time.monotonic() - worker.started >= task.limit:
            return [failed(task.job, f"no verdict within {task.limit:g} s: the worker was "
                           "ended (--timeout)", "timeout")], True
        return None, False


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def executor(jobs: int | None) -> Executor:
    """Worker processes (None: one per core), or this process for 0."""
    count = default_jobs() if jobs is None else jobs
    return SerialExecutor() if count <= 0 else ProcessExecutor(count)
