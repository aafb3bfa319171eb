"""Speed of the tooling: cold vs warm cache, --jobs 1 vs 2, start-up vs bare Python.

    python benchmarks/tooling.py [SPEC_FOLDER] [--repeat N]

Runs `python -m symderiv` from this checkout as a user would (a fresh process each time) and
prints each pair side by side with the ratio and the issue's target. Times are the best of N
runs (least disturbed by other load on the machine). Not a test: nothing here can fail a build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seconds(command: list[str], repeat: int, before: list[str] | None = None) -> float:
    """Best wall time of `command` over `repeat` runs (running `before` untimed each time)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(repeat):
        if before:
            subprocess.run(before, cwd=ROOT, env=env, capture_output=True, check=False)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return min(times)


def row(name: str, base_name: str, value: float, base: float, target: str, met: bool) -> None:
    print(f"{name:<28} {value:8.3f} s   {base_name:<24} {base:8.3f} s   "
          f"ratio {value / base:6.2f}   diff {value - base:+7.3f} s   target {target}: "
          f"{'met' if met else 'NOT met'}")


#: Run in a fresh process: `symderiv check` with the moment checking starts and ends recorded.
PHASES = """
import sys, time
started = time.perf_counter()
import symderiv.executors as workers
from symderiv.cli import main
original, marks = workers.run_tasks, {}
def timed(*arguments, **keywords):
    marks["checks from"] = time.perf_counter() - started
    try:
        return original(*arguments, **keywords)
    finally:
        marks["checks to"] = time.perf_counter() - started
workers.run_tasks = timed
main(sys.argv[1:] + ["--format", "json"])
print(marks["checks from"], marks["checks to"], time.perf_counter() - started, file=sys.stderr)
"""


def phases(folder: Path, jobs: int, repeat: int) -> tuple[float, float, float]:
    """Best (serial part before the checks, check phase, serial part after) over `repeat`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best: tuple[float, float, float] | None = None
    for _ in range(repeat):
        run = subprocess.run([sys.executable, "-c", PHASES, "check", str(folder), "--no-cache",
                              "--jobs", str(jobs)], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=False)
        start, end, total = map(float, run.stderr.split()[-3:])
        measured = (start, end - start, total - end)
        if best is None or sum(measured) < sum(best):
            best = measured
    assert best is not None
    return best


def _spin(_: int) -> int:
    total = 0
    for number in range(3_000_000):
        total += number * number
    return total


def machine_speedup() -> float:
    """How much faster two processes do two pieces of pure-Python work than one process."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    times = []
    for processes in (1, 2):
        with context.Pool(processes) as pool:
            pool.map(_spin, [0, 0])  # start-up of the pool is not measured
            started = time.perf_counter()
            pool.map(_spin, [0, 0])
            times.append(time.perf_counter() - started)
    return times[0] / times[1]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("folder", nargs="?", default="derivations")
    arguments.add_argument("--repeat", type=int, default=3)
    options = arguments.parse_args()
    folder = Path(options.folder).resolve()
    if not folder.is_dir():
        sys.exit(f"no spec folder {folder}: give one (the course-notes specs are derivations/)")
    python = sys.executable
    check = [python, "-m", "symderiv", "check", str(folder), "--format", "json"]
    cache = Path(tempfile.mkdtemp(prefix="symderiv-bench-"))
    try:
        clear = [python, "-c", f"import shutil; shutil.rmtree({str(cache)!r}, True)"]
        cold = seconds(check + ["--cache-dir", str(cache)], options.repeat, before=clear)
        subprocess.run(check + ["--cache-dir", str(cache)], cwd=ROOT, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
        warm = seconds(check + ["--cache-dir", str(cache)], options.repeat)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    # interleaved, so that a change in the machine's other load hits both alike
    ones, twos = [], []
    for _ in range(options.repeat):
        ones.append(seconds(check + ["--no-cache", "--jobs", "1"], 1))
        twos.append(seconds(check + ["--no-cache", "--jobs", "2"], 1))
    one, two = min(ones), min(twos)
    version = seconds([python, "-m", "symderiv", "--version"], max(5, options.repeat))
    bare = seconds([python, "-c", "pass"], max(5, options.repeat))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"specs: {folder}   cores: {os.cpu_count()}   best of {options.repeat} runs   "
          f"load average after: {load}")
    row("warm (cached) check", "cold check", warm, cold, "≤ 10 %", warm <= 0.10 * cold)
    row("check --jobs 2", "check --jobs 1", two, one, "≤ 65 %", two <= 0.65 * one)
    row("symderiv --version", "python -c pass", version, bare, "within 0.15 s",
        version - bare <= 0.15)
    # where the time of `--jobs` goes: only the check phase runs in parallel
    before1, checks1, after1 = phases(folder, 1, options.repeat)
    before2, checks2, after2 = phases(folder, 2, options.repeat)
    print(f"\nwhere the time goes ({folder.name}, --no-cache, best of {options.repeat}):")
    print(f"  start-up, imports, loading   --jobs 1 {before1:6.3f} s   --jobs 2 {before2:6.3f} s")
    print(f"  check phase (in parallel)    --jobs 1 {checks1:6.3f} s   --jobs 2 {checks2:6.3f} s"
          f"   ratio {checks2 / checks1:5.2f}")
    print(f"  report                       --jobs 1 {after1:6.3f} s   --jobs 2 {after2:6.3f} s")
    speedup = machine_speedup()
    serial = before1 + after1
    print(f"  two processes on this machine run pure-Python work {speedup:.2f}x as fast as one;"
          f" with {serial:.2f} s serial, --jobs 2 can reach at best "
          f"{(serial + checks1 / speedup) / (serial + checks1):.0%} of --jobs 1 here")


if __name__ == "__main__":
    main()
