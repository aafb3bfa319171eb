"""What recording proofs costs: cold `symderiv check derivations/` with and without proofs.

    python benchmarks/proofs.py [--repeat 3] [PATHS ...]

Each run is a fresh process with no cache (`--no-cache`); the runs alternate, and the
fastest of each is kept (the least disturbed by other load). Prints both times, the ratio,
and every proved claim's number of steps; exit 1 if the ratio is above 1.25 or a recorded
proof has more than 12 steps.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_RATIO = 1.25
MAX_STEPS = 12


def _run(paths: list[str], proofs: bool) -> tuple[float, dict[str, object]]:
    flags = [] if proofs else ["--no-proofs"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "symderiv", "check", "--no-cache", "--format",
                           "json", *flags, *paths], cwd=ROOT, capture_output=True, text=True,
                          env=environment, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"symderiv check failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("paths", nargs="*", default=["derivations/"])
    arguments = parser.parse_args()
    times: dict[bool, list[float]] = {True: [], False: []}
    report: dict[str, object] = {}
    for _ in range(arguments.repeat):
        for proofs in (False, True):
            seconds, output = _run(arguments.paths, proofs)
            times[proofs].append(seconds)
            if proofs:
                report = output
    without, with_proofs = min(times[False]), min(times[True])
    ratio = with_proofs / without
    print(f"without proofs: {without:.2f} s   with proofs: {with_proofs:.2f} s   "
          f"ratio: {ratio:.2f} (at most {MAX_RATIO})")
    longest = 0
    files = report.get("files", [])
    assert isinstance(files, list)
    for file in files:
        for check in file["checks"]:
            if check["verdict"] in ("proved", "verified") and check["kind"] == "claim" \
                    and not check["id"].endswith(".tex"):  # ID.tex: the LaTeX read, no proof
                steps = max(len(check["proof"]) - 1, 0)
                longest = max(longest, steps)
                what = f"{steps} steps" if check["proof"] else check.get("proof_note", "")
                print(f"  {file['path']}::{check['id']}: {what}")
    print(f"longest recorded proof: {longest} steps (at most {MAX_STEPS})")
    return 0 if ratio <= MAX_RATIO and longest <= MAX_STEPS else 1


if __name__ == "__main__":
    sys.exit(main())
