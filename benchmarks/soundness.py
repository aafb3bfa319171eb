"""Soundness self-test at full length: the kill rate of mutation testing, per operator.

    python benchmarks/soundness.py [SPEC_OR_FOLDER ...] [--seeds 0,1,2,3,4]

Defaults: tests/specs/soundness and derivations/ (when present), seeds 0..4. Every mutant of a
true claim that is really false (mpmath, 50 digits, many points) must be refuted: the kill
rate must be 100 %, and no true claim may be refuted. Exit 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import mutation  # noqa: E402 - after the path set-up above
from symderiv.resolve.scope import build_scope  # noqa: E402
from symderiv.load.loader import load_file  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        default=[ROOT / "tests" / "specs" / "soundness", ROOT / "derivations"])
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--timeout", type=float, default=30.0)
    arguments = parser.parse_args()
    seeds = [int(s) for s in arguments.seeds.split(",")]
    files = [f for p in arguments.paths if p.exists()
             for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    tally, truths = mutation.Tally(), {}  # type: ignore[var-annotated]
    started = time.perf_counter()
    for seed in seeds:
        for path in files:
            mutation.self_test(build_scope(load_file(path)), seed, arguments.timeout, tally,
                               truths)
    elapsed = time.perf_counter() - started
    print(f"{len(files)} spec files, seeds {arguments.seeds}, {elapsed:.1f} s")
    print(f"{'operator':<14} {'false mutants':>13} {'refuted':>8} {'kill rate':>9}")
    for operator in mutation.OPERATORS:
        false, killed = tally.by_operator.get(operator, [0, 0])
        rate = f"{100 * killed / false:.1f} %" if false else "-"
        print(f"{operator:<14} {false:>13} {killed:>8} {rate:>9}")
    print(f"{'all':<14} {tally.false_mutants:>13} {tally.killed:>8} "
          f"{100 * tally.kill_rate:>7.1f} %   (target 100 %)")
    print(f"numerically true mutants: {tally.equivalent} (none may be refuted); "
          f"no numeric truth: {tally.unknown}")
    for line in tally.missed:
        print("MISSED ", line)
    for line in tally.unsound:
        print("UNSOUND", line)
    return 0 if tally.kill_rate == 1.0 and not tally.unsound else 1


if __name__ == "__main__":
    raise SystemExit(main())
