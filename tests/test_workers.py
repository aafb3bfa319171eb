"""Worker processes: the same report as in one process, and a hard time limit per check."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from symderiv.check.engine import Options
from symderiv.check.verdict import Verdict
from symderiv.errors import Location
from symderiv.jobs import Unit
from symderiv.executors import Task, run, run_tasks

SPECS = Path(__file__).parent / "specs" / "tooling"


def summary(report: object) -> list[tuple[str, str, str, str, int]]:
    return [(f.path, c.id, c.verdict.value, c.message, c.location.line)  # type: ignore
            for f in report.files for c in f.checks]  # type: ignore[attr-defined]


def test_jobs_do_not_change_the_report() -> None:
    """--jobs 2, --jobs 1, no workers and the plain check_scope run give the same report."""
    from symderiv.pipeline import run as plain_run

    paths = [str(SPECS)]
    in_process = run(paths, Options(), jobs=0)
    assert summary(plain_run(paths, Options())) == summary(in_process)
    assert summary(run(paths, Options(), jobs=1)) == summary(in_process)
    assert summary(run(paths, Options(), jobs=2)) == summary(in_process)
    assert [f.errors[0].message for f in in_process.files if f.errors] == ["unknown name 'b'"]
    assert len(in_process.checks) == 5


def unit(name: str) -> Unit:
    return Unit("claim", name, 0, Location("t.yaml", 3, 5), "holds", 1)


def stubborn(task: Task) -> list[object]:
    """A check that ignores the engine's alarm: only ending the process stops it."""
    if task.unit.id == "hangs":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    if task.unit.id == "crashes":
        os._exit(3)
    return [task.unit.id]


def test_a_hung_check_is_ended_at_its_limit() -> None:
    """The hung check becomes `undecided` (timeout) in about its limit; the others finish."""
    tasks = [Task(0, unit(name), 1.0) for name in ("first", "hangs", "second", "third")]
    started = time.monotonic()
    done: list[int] = []
    results = run_tasks(tasks, 2, lambda number, _: done.append(number), stubborn)
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
    tasks = [Task(0, unit(name), 30.0) for name in ("crashes", "after")]
    results = run_tasks(tasks, 1, lambda number, _: None, stubborn)
    [crashed] = results[0]
    assert crashed.verdict == Verdict.ERROR  # type: ignore[attr-defined]
    assert "died" in crashed.message  # type: ignore[attr-defined]
    assert results[1] == ["after"]


def test_course_specs_split_into_units_like_check_scope() -> None:
    """Over derivations/ (claims, .tex, derivations, implementations, examples) the unit
    pipeline reports exactly what one check_scope per file reports."""
    from symderiv.pipeline import run as plain_run

    paths = [str(Path(__file__).parent.parent / "derivations")]
    plain = plain_run(paths, Options())
    assert {c.kind for c in plain.checks} == {"claim", "derivation", "implementation", "example"}
    assert summary(run(paths, Options(), jobs=2)) == summary(plain)
