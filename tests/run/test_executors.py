"""Executors: the same report in one process and in workers, and a hard time limit per task."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from symderiv.check.verdict import Verdict
from symderiv.errors import Location
from symderiv.executors import Loaded, ProcessExecutor, Workspace
from symderiv.jobs import Job, Task
from symderiv.options import Expect, Kind, Options
from symderiv.pipeline import run

SPECS = Path(__file__).parent.parent / "specs" / "tooling"


def summary(report: object) -> list[tuple[str, str, str, str, int]]:
    return [(f.path, c.id, c.verdict.value, c.message, c.location.line)  # type: ignore
            for f in report.files for c in f.checks]  # type: ignore[attr-defined]


def test_jobs_do_not_change_the_report() -> None:
    """--jobs 2, --jobs 1 and no workers give the same report."""
    paths = [str(SPECS)]
    in_process = run(paths, Options(), jobs=0)
    assert summary(run(paths, Options(), jobs=1)) == summary(in_process)
    assert summary(run(paths, Options(), jobs=2)) == summary(in_process)
    assert [f.errors[0].message for f in in_process.files if f.errors] == ["unknown name 'b'"]
    assert len(in_process.checks) == 5


def task(name: str, limit: float) -> Task:
    job = Job(Kind.CLAIM, name, 0, Location("t.yaml", 3, 5), Expect.HOLDS, 1)
    return Task(0, job, frozenset(), limit)


def stubborn(loaded: Loaded, task: Task) -> list[object]:
    """A check that ignores the decider's alarm: only ending the process stops it."""
    if task.job.id == "hangs":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    if task.job.id == "crashes":
        os._exit(3)
    return [task.job.id]


def execute(tasks: list[Task], jobs: int) -> tuple[list[list[object]], list[int]]:
    """Each task's results in task order, and the order in which they finished."""
    results: dict[int, list[object]] = {}
    done: list[int] = []

    def finished(number: int, found: list[object]) -> None:
        results[number] = found
        done.append(number)

    workspace = Workspace((), Options())
    ProcessExecutor(jobs, stubborn).run(workspace, tasks, finished)  # type: ignore[arg-type]
    return [results[n] for n in range(len(tasks))], done


def test_a_hung_check_is_ended_at_its_limit() -> None:
    """The hung check becomes `undecided` (timeout) in about its limit; the others finish."""
    started = time.monotonic()
    results, done = execute([task(name, 1.0) for name in ("first", "hangs", "second", "third")],
                            2)
    assert time.monotonic() - started < 10
    assert results[0] == ["first"] and results[2] == ["second"] and results[3] == ["third"]
    [hung] = results[1]
    assert hung.verdict == Verdict.UNDECIDED  # type: ignore[attr-defined]
    assert hung.method == "timeout"  # type: ignore[attr-defined]
    assert hung.message == "no verdict within 1 s: the worker was ended (--timeout)"  # type: ignore
    assert hung.location == Location("t.yaml", 3, 5)  # type: ignore[attr-defined]
    assert sorted(done) == [0, 1, 2, 3]


def test_a_crashed_worker_is_an_error_and_replaced() -> None:
    """A worker that dies gives that check an `error` verdict; later checks still run."""
    results, _ = execute([task(name, 30.0) for name in ("crashes", "after")], 1)
    [crashed] = results[0]
    assert crashed.verdict == Verdict.ERROR  # type: ignore[attr-defined]
    assert crashed.message == ("the worker process died while checking (out of memory or a "  # type: ignore[attr-defined]
                               "crash)")
    assert results[1] == ["after"]


def test_course_specs_give_the_same_report_in_workers() -> None:
    """Over derivations/ (claims, .tex, derivations, implementations, examples) workers report
    exactly what one process reports."""
    paths = [str(Path(__file__).parent.parent.parent / "derivations")]
    plain = run(paths, Options(), jobs=0)
    assert {c.kind for c in plain.checks} == {"claim", "derivation", "implementation", "example"}
    assert summary(run(paths, Options(), jobs=2)) == summary(plain)
