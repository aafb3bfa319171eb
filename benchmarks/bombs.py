"""Time and peak memory of every resource-bomb and hostile spec, each in its own process.

    python benchmarks/bombs.py [--timeout 2]

Prints one line per case: exit status, seconds, peak resident memory (MiB), and the limit the
run must stay under (1 GiB); exit 1 if any case goes over.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURE = (
    "import resource, sys\n"
    "from symderiv.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(status)\n"
)
LIMIT_MIB = 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", default="2")
    arguments = parser.parse_args()
    cases = sorted((ROOT / "tests" / "specs" / "bombs").glob("*.yaml")) + sorted(
        (ROOT / "tests" / "specs" / "hostile").glob("*.yaml"))
    print(f"{'case':<34} {'exit':>4} {'seconds':>8} {'peak MiB':>9} {'limit MiB':>9}")
    worst = 0.0
    for case in cases:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, "check", "--format", "json", "--timeout",
             arguments.timeout, str(case)], cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak = int(result.stderr.splitlines()[-1]) / 1024
        worst = max(worst, peak)
        name = f"{case.parent.name}/{case.stem}"
        print(f"{name:<34} {result.returncode:>4} {seconds:>8.2f} {peak:>9.1f} {LIMIT_MIB:>9}")
    print(f"worst peak: {worst:.1f} MiB of {LIMIT_MIB} MiB ({worst / LIMIT_MIB:.1%})")
    return 0 if worst < LIMIT_MIB else 1


if __name__ == "__main__":
    raise SystemExit(main())
