"""Memory per check, the run's budget, and workers that die with their parent (issue 13)."""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy  # noqa: F401 - imported before pytester's in-process runs (see test_pytest_plugin)
import pytest

from hardening_cases import check
from symderiv.check.verdict import Verdict
from symderiv.errors import Location
from symderiv.executors import Loaded, ProcessExecutor, SerialExecutor, Workspace
from symderiv.jobs import Job, Task, out_of_memory
from symderiv.options import Expect, Kind, Options
from symderiv.processes import limit_memory

ROOT = Path(__file__).parent.parent.parent
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(ROOT)}
BOMB = """\
title: memory bomb
symbols:
  x: []
  y: []
claims:
  - id: bomb
    claim: "(x+y+1)^10000 == (x+y+1)^10000 * 2"
"""
#: One quick claim, then claims whose sums sympy evaluates in C until their worker is ended.
SLOW = """\
title: slow
sizes:
  N: [1, 2]
indices:
  i: N
symbols:
  x: []
claims:
  - {id: quick, claim: 'x + x == 2*x'}
""" + "".join(f"  - {{id: slow{n}, claim: 'sum(x, i, 1, {1000000000 + n}) == x'}}\n"
              for n in range(1, 5))
MEMORY_MESSAGE = "the check needed more than 512 MiB (--memory)"
BUDGET_MESSAGE = "not checked: the run's budget of 2 s was used up"
#: Runs one CLI invocation, then prints the largest peak resident memory (KiB on Linux) of
#: the process and of its workers.
MEASURE = (
    "import resource, sys\n"
    "from symderiv.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, "
    "resource.RUSAGE_CHILDREN)), file=sys.stderr)\n"
    "sys.exit(status)\n"
)


@pytest.fixture
def bomb(tmp_path: Path) -> Path:
    spec = tmp_path / "bomb.yaml"
    spec.write_text(BOMB, encoding="utf-8")
    return spec


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    spec = tmp_path / "slow.yaml"
    spec.write_text(SLOW, encoding="utf-8")
    return spec


def verdicts(report: dict[str, object]) -> list[tuple[str, str, str]]:
    """(id, verdict, message) of every check of a JSON report."""
    return [(c["id"], c["verdict"], c["message"])  # type: ignore[index]
            for f in report["files"] for c in f["checks"]]  # type: ignore[attr-defined]


def test_memory_bomb_in_a_worker_is_undecided_within_its_memory(bomb: Path) -> None:
    """(x+y+1)^10000 ends undecided at --memory 512, its worker's peak resident memory under
    768 MiB (without the limit: 4 GiB, until the timeout)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, "check", "--format", "json", "--no-cache", "--jobs",
         "1", "--memory", "512", "--timeout", "20", str(bomb)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=ENVIRONMENT)
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stderr
    assert verdicts(json.loads(result.stdout)) == [("bomb", "undecided", MEMORY_MESSAGE)]
    peak = int(result.stderr.splitlines()[-1]) * 1024
    assert peak < 768 << 20, peak


def test_memory_bomb_on_the_serial_path_is_undecided(bomb: Path) -> None:
    """--jobs 0 runs the bomb in a child process of its own: undecided, and this process
    goes on."""
    started = time.monotonic()
    run = check("--no-cache", "--jobs", "0", "--memory", "512", "--timeout", "20", str(bomb))
    assert time.monotonic() - started < 60
    assert run.status == 1
    assert verdicts(run.report) == [("bomb", "undecided", MEMORY_MESSAGE)]


def test_memory_bomb_under_pytest_is_a_failed_item(pytester: pytest.Pytester) -> None:
    """The plugin's --symderiv-memory: the bomb's item fails with the memory message."""
    (pytester.path / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    result = pytester.runpytest("-p", "no:symderiv", "-p", "symderiv.pytest_plugin",
                                "--symderiv-memory", "512", "--symderiv-timeout", "20",
                                "bomb.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"claim bomb: undecided (expected holds): {MEMORY_MESSAGE}"])


def test_memory_limit_is_restored_after_the_block() -> None:
    """Inside `limit_memory` an allocation past the limit is a MemoryError; after it, the
    soft limit is what it was."""
    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(MemoryError), limit_memory(64):
        assert resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY
        bytearray(256 << 20)
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def task(name: str, limit: float = 30.0) -> Task:
    job = Job(Kind.CLAIM, name, 0, Location("t.yaml", 3, 5), Expect.HOLDS, 1)
    return Task(0, job, frozenset(), limit)


def greedy(loaded: Loaded, task: Task) -> list[object]:
    """A stand-in check: ends its worker as GMP does at the memory limit, or as an
    exhausted check reports; otherwise says which process ran it."""
    if task.job.id == "aborts":
        faulthandler.disable()  # pytest's: it would print this process's stack
        os.kill(os.getpid(), signal.SIGABRT)
    if task.job.id == "exhausted":
        return [out_of_memory(task.job, 512)]
    return [os.getpid()]


def test_a_worker_out_of_memory_is_replaced() -> None:
    """A worker killed at the memory limit, or whose check ran out of it, gives `undecided`
    and a fresh worker runs the next task."""
    results: dict[int, list[object]] = {}
    workspace = Workspace((), Options(memory=512))
    tasks = [task(name) for name in ("first", "aborts", "second", "exhausted", "third")]
    ProcessExecutor(1, greedy).run(workspace, tasks,  # type: ignore[arg-type]
                                   lambda number, found: results.__setitem__(number, found))
    [aborted], [exhausted] = results[1], results[3]
    for stopped in (aborted, exhausted):
        assert stopped.verdict == Verdict.UNDECIDED  # type: ignore[attr-defined]
        assert stopped.message == MEMORY_MESSAGE  # type: ignore[attr-defined]
    assert len({results[0][0], results[2][0], results[4][0]}) == 3


@pytest.mark.parametrize("jobs", ["2", "0"])
def test_budget_ends_the_run(slow: Path, jobs: str) -> None:
    """--budget 2: the quick claim is proved, the slow ones (running or waiting) are
    undecided with the budget's message, and the run ends soon after 2 s."""
    started = time.monotonic()
    run = check("--no-cache", "--jobs", jobs, "--timeout", "60", "--budget", "2", str(slow))
    elapsed = time.monotonic() - started
    assert run.status == 1
    assert verdicts(run.report) == [("quick", "proved", "proved for all sizes (symbolic, sympy)")] + [
        (f"slow{n}", "undecided", BUDGET_MESSAGE) for n in range(1, 5)]
    assert 2 <= elapsed < 2 + 4


def test_budget_stops_a_check_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """With --memory 0 the serial executor checks here: the budget's alarm stops the running
    check, and the others are not started."""
    def dawdle(self: Loaded, task: Task) -> list[object]:
        time.sleep(30)
        return [task.job.id]

    monkeypatch.setattr(Loaded, "execute", dawdle)
    results: dict[int, list[object]] = {}
    options = Options(memory=0, budget=1)
    workspace = Workspace((), options, deadline=time.monotonic() + 1)
    started = time.monotonic()
    SerialExecutor().run(workspace, [task("first"), task("second")],
                         lambda number, found: results.__setitem__(number, found))
    assert time.monotonic() - started < 2
    assert [[r.message for r in results[n]] for n in (0, 1)] == [  # type: ignore[attr-defined]
        ["not checked: the run's budget of 1 s was used up"]] * 2


def test_budget_under_pytest(pytester: pytest.Pytester) -> None:
    """--symderiv-budget: items not finished within the budget fail with its message."""
    (pytester.path / "slow.yaml").write_text(SLOW, encoding="utf-8")
    result = pytester.runpytest("-p", "no:symderiv", "-p", "symderiv.pytest_plugin",
                                "--symderiv-budget", "2", "--symderiv-timeout", "60",
                                "slow.yaml")
    result.assert_outcomes(passed=1, failed=4)
    result.stdout.fnmatch_lines([f"claim slow4: undecided (expected holds): {BUDGET_MESSAGE}"])


def test_options_refuse_a_negative_memory_or_budget() -> None:
    """--memory below 0 and a budget of 0 s are usage errors."""
    for wrong in ({"memory": -1}, {"budget": 0.0}):
        with pytest.raises(ValueError):
            Options(**wrong)  # type: ignore[arg-type]
    for argument in (["--memory", "-1"], ["--budget", "0"]):
        with pytest.raises(SystemExit) as exit_status:
            check(*argument, "derivations")
        assert exit_status.value.code == 2


def children(parent: int) -> list[int]:
    """The pids of the processes whose parent is `parent` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture
def running(slow: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], list[int]]]:
    """`symderiv check` with two workers busy on slow claims, and the workers' pids."""
    with (tmp_path / "stderr").open("wb") as errors:
        parent = subprocess.Popen(
            [sys.executable, "-m", "symderiv", "check", "--no-cache", "--jobs", "2",
             "--timeout", "60", str(slow)],
            stdout=subprocess.DEVNULL, stderr=errors, cwd=ROOT, env=ENVIRONMENT)
    workers: list[int] = []
    try:
        waited = time.monotonic()
        while len(workers) < 2 and time.monotonic() - waited < 60:
            time.sleep(0.1)
            workers = children(parent.pid)
        assert len(workers) == 2
        time.sleep(1)  # the workers are checking the slow claims
        yield parent, workers
    finally:
        parent.kill()
        parent.wait()
        for pid in workers:  # what a failed test would otherwise leave running
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def ended(pids: list[int], within: float) -> bool:
    waited = time.monotonic()
    while any(alive(pid) for pid in pids) and time.monotonic() - waited < within:
        time.sleep(0.05)
    return not any(alive(pid) for pid in pids)


def test_sigterm_ends_the_workers_and_the_run(
        running: tuple[subprocess.Popen[bytes], list[int]], tmp_path: Path) -> None:
    """SIGTERM to the parent alone: it ends its workers and exits with status 143."""
    parent, workers = running
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 143
    assert ended(workers, 10)
    assert "Traceback" not in (tmp_path / "stderr").read_text()


def test_killed_parent_takes_its_workers_with_it(
        running: tuple[subprocess.Popen[bytes], list[int]]) -> None:
    """SIGKILL to the parent alone (no handler runs): the workers die with it."""
    parent, workers = running
    parent.kill()
    assert parent.wait(timeout=30) == -signal.SIGKILL
    assert ended(workers, 10)
