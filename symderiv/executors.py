"""Where tasks run: in this process, or in worker processes with hard time and memory limits.

Both executors take the same `Workspace` (the run's loaded files, options and deadline) and
tasks, and call `on_done(number, results)` as each task finishes; the pipeline puts results
back in task order, so the report depends neither on the executor nor on timing. A worker that
overruns a task's time limit, runs out of memory or dies is ended and replaced, so a hung
simplification or a memory bomb cannot stall the run; workers die with their parent. When the
run's budget is used up, the tasks not finished get `over_budget` results and `run` returns.
Nothing here is module state: what a worker needs is handed to it.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from symderiv import limits
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import CheckResult
from symderiv.jobs import Task, failed, out_of_memory, over_budget
from symderiv.options import Options
from symderiv.processes import MEMORY_LIMITED, die_with_parent, limit_memory

if TYPE_CHECKING:
    from symderiv.resolve.scope import Scope

#: Seconds a worker gets on top of the decider's own limit before it is ended.
GRACE = 2.0

#: How a worker ends when the memory limit (RLIMIT_AS) or the kernel's OOM killer stops it
#: in C code: GMP aborts when an allocation fails, C code that does not check an allocation
#: (seen in CPython's own `signal.signal` at the limit) faults, the OOM killer sends SIGKILL.
_MEMORY_DEATHS = frozenset({-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS})

Done = Callable[[int, list[CheckResult]], None]


@dataclass(frozen=True)
class Workspace:
    """What executing a task needs: the run's files, their loaded scopes, the options.

    `scopes` holds what the parent loaded; a process that lacks a file's scope (a worker
    started by spawn) loads it once, into its own `Loaded`. `deadline` is the end of the
    run's budget on the `time.monotonic()` clock (None: no budget).
    """

    files: tuple[tuple[Path, str], ...]
    options: Options
    scopes: dict[int, Scope] = field(default_factory=dict, compare=False)
    deadline: float | None = None

    def left(self) -> float | None:
        """Seconds left of the run's budget (None: no budget)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def over_budget(self, task: Task) -> list[CheckResult]:
        assert self.options.budget is not None
        return [over_budget(task.job, self.options.budget)]


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
        """Run one task here, within the memory limit; an engine bug becomes an `error`."""
        from symderiv.jobs import run_job

        options = self.workspace.options
        try:
            scope = self.scope(task.file)
            with limits.using(options.limits), limit_memory(options.memory):
                return run_job(scope, task.job, options, task.refuted)
        except MemoryError:
            pass  # answered below: the traceback holds what the check allocated until then
        except Exception as error:  # noqa: BLE001 - an engine bug must not lose the other checks
            detail = traceback.format_exception_only(type(error), error)[-1].strip()
            return [failed(task.job, f"internal error while checking: {detail}", "internal")]
        return [out_of_memory(task.job, options.memory)]


class Executor(Protocol):
    def run(self, workspace: Workspace, tasks: Sequence[Task], on_done: Done) -> None:
        """Execute every task, calling `on_done(number, results)` as each one finishes."""


def _forks() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class SerialExecutor:
    """Every task one after the other (--jobs 0, tests, the pytest plugin).

    With a memory limit (Linux), the tasks run in one child process forked from this one (it
    shares what this process loaded), replaced when a check runs out of memory: at its limit
    a check may abort the process it runs in, since GMP aborts when an allocation fails. The
    child is also ended at the task's time limit, as a worker is. With `memory=0` (or where
    memory cannot be limited) the tasks run in this process: the time limit is then the
    decider's own (`--timeout` per equation), and the run's budget stops a check through the
    same alarm.
    """

    def run(self, workspace: Workspace, tasks: Sequence[Task], on_done: Done) -> None:
        if workspace.options.memory and MEMORY_LIMITED and _forks():
            ProcessExecutor(1).run(workspace, tasks, on_done)
            return
        loaded = Loaded(workspace)
        for number, task in enumerate(tasks):
            on_done(number, self._execute(loaded, task))

    @staticmethod
    def _execute(loaded: Loaded, task: Task) -> list[CheckResult]:
        """One task in this process, stopped with the run's budget."""
        workspace = loaded.workspace
        left = workspace.left()
        if left is not None and left <= 0:
            return workspace.over_budget(task)
        try:
            with deadline(left):
                results = loaded.execute(task)
        except CheckTimeout:
            return workspace.over_budget(task)
        left = workspace.left()
        return workspace.over_budget(task) if left is not None and left <= 0 else results


Perform = Callable[["Loaded", Task], list[Any]]


def perform(loaded: Loaded, task: Task) -> list[CheckResult]:
    """What a worker does with a task: execute it (tests hand in stand-ins)."""
    return loaded.execute(task)


def _serve(connection: Connection, workspace: Workspace, work: Perform, parent: int,
           inherited: tuple[Connection, ...]) -> None:
    """A worker's loop: receive a task, send its results, until told to stop.

    `inherited` are the parent's ends of the workers' pipes, copied into this process by
    fork: closed here, so that the end of the parent ends every pipe (and `recv`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the handler a forked CLI installed
    die_with_parent(parent)
    for other in inherited:
        other.close()
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
    """One worker process and the task it is running, if any.

    `others` are the other workers (whose pipes a forked process must close).
    """

    def __init__(self, context: Any, workspace: Workspace, work: Perform,
                 others: Sequence[_Worker]) -> None:
        self.connection, child = context.Pipe()
        inherited: tuple[Connection, ...] = ()
        if context.get_start_method() == "fork":
            inherited = (self.connection, *(w.connection for w in others
                                            if not w.connection.closed))
        self.process = context.Process(
            target=_serve, args=(child, workspace, work, os.getpid(), inherited), daemon=True)
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

    def exit_code(self) -> int | None:
        """How the process ended (-N: by signal N), waiting a little for it to end."""
        self.process.join(timeout=5)
        code: int | None = self.process.exitcode
        return code


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
            workspace = Workspace(workspace.files, workspace.options, {}, workspace.deadline)
        pending = list(enumerate(tasks))
        pending.reverse()
        workers: list[_Worker] = []
        for _ in range(min(self.jobs, len(tasks))):
            workers.append(_Worker(context, workspace, self.work, workers))
        left = len(tasks)
        try:
            while left:
                for worker in workers:
                    if worker.task is None and pending:
                        worker.give(*pending.pop())
                busy = [w for w in workers if w.task is not None]
                now = time.monotonic()
                wait_for = min(w.started + w.task[1].limit - now for w in busy if w.task)
                if workspace.deadline is not None:
                    if workspace.deadline <= now:
                        self._give_up(workspace, busy, pending, on_done)
                        return
                    wait_for = min(wait_for, workspace.deadline - now)
                ready = wait([w.connection for w in busy], timeout=max(0.0, wait_for))
                for position, worker in enumerate(workers):
                    finished, replace = self._collect(worker, ready, workspace.options)
                    if finished is None or worker.task is None:
                        continue
                    on_done(worker.task[0], finished)
                    left -= 1
                    worker.task = None
                    if replace:
                        worker.end()
                        if pending:  # an ended worker left in place is given nothing more
                            others = workers[:position] + workers[position + 1:]
                            workers[position] = _Worker(context, workspace, self.work, others)
        finally:
            for worker in workers:
                if worker.task is not None:
                    worker.end()
                else:
                    worker.stop()

    @staticmethod
    def _give_up(workspace: Workspace, busy: list[_Worker], pending: list[tuple[int, Task]],
                 on_done: Done) -> None:
        """The budget is used up: the running and pending tasks are not checked."""
        for worker in busy:
            assert worker.task is not None
            number, task = worker.task
            worker.end()  # at once, so that the run ends at its budget
            worker.task = None
            on_done(number, workspace.over_budget(task))
        for number, task in reversed(pending):
            on_done(number, workspace.over_budget(task))
        pending.clear()

    @staticmethod
    def _collect(worker: _Worker, ready: list[Any], options: Options
                 ) -> tuple[list[CheckResult] | None, bool]:
        """The worker's results if it has finished or overrun, and whether to replace it.

        A worker whose check ran out of memory is replaced as well: its heap may keep what
        the check took.
        """
        if worker.task is None:
            return None, False
        task = worker.task[1]
        if worker.connection in ready:
            try:
                results: list[CheckResult] = worker.connection.recv()
            except (EOFError, OSError):
                return [ProcessExecutor._died(worker, task, options)], True
            return results, any(getattr(r, "method", None) == "memory" for r in results)
        if time.monotonic() - worker.started >= task.limit:
            return [failed(task.job, f"no verdict within {task.limit:g} s: the worker was "
                           "ended (--timeout)", "timeout")], True
        return None, False

    @staticmethod
    def _died(worker: _Worker, task: Task, options: Options) -> CheckResult:
        """The result of a task whose worker died: out of memory if it died as memory kills."""
        if options.memory and worker.exit_code() in _MEMORY_DEATHS:
            return out_of_memory(task.job, options.memory)
        return failed(task.job, "the worker process died while checking (out of memory or a "
                      "crash)", "crash")


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def executor(jobs: int | None) -> Executor:
    """Worker processes (None: one per core), or this process for 0."""
    count = default_jobs() if jobs is None else jobs
    return SerialExecutor() if count <= 0 else ProcessExecutor(count)
