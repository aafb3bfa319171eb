"""A longer fuzzing run than the test suite's: damaged specs must never crash symderiv.

    python benchmarks/fuzz.py [--examples 2000] [--seed 0]

Runs the structural and textual mutators of tests/fuzz_specs.py through `symderiv check` (in
process) and prints how many specs were tried, the outcomes, and the first failure if any.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

import fuzz_specs  # noqa: E402
from hardening_cases import check  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    statuses: collections.Counter[str] = collections.Counter()
    folder = Path(tempfile.mkdtemp(prefix="symderiv-fuzz-"))
    path = folder / "fuzzed.yaml"
    started = time.perf_counter()
    failed = 0
    def runner(name: str, strategy: object) -> object:
        @seed(arguments.seed)
        @settings(max_examples=arguments.examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(text=strategy)
        def run(text: str) -> None:
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            problems = fuzz_specs.outcome_problems(path)
            statuses[f"{name}: exit {check(*fuzz_specs.ARGUMENTS, str(path)).status}"] += 1
            assert problems == [], f"{problems}\n--- spec ---\n{text}"

        return run

    for name, strategy in (("structural", fuzz_specs.structural()),
                           ("textual", fuzz_specs.textual())):
        try:
            runner(name, strategy)()  # type: ignore[operator]
        except AssertionError as error:
            failed += 1
            print(f"{name}: FAILED\n{error}")
    elapsed = time.perf_counter() - started
    print(f"{sum(statuses.values())} damaged specs in {elapsed:.1f} s "
          f"({sum(statuses.values()) / elapsed:.1f} per second)")
    for key, count in sorted(statuses.items()):
        print(f"  {key}: {count}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
