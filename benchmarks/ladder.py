"""How far up the verdict ladder the true checks climb: this tree against a baseline revision.

    python benchmarks/ladder.py [--baseline REV] [--timeout S] [PATHS...]

For each group of specs (default: derivations/ and tests/specs), runs `symderiv check --format
json --no-cache` in this tree and in BASELINE (default d908d84, main before issue 16; checked
out in a temporary git worktree that is removed afterwards) and prints, side by side, how many
true checks (`expect: holds`) end on each rung — proved, verified, consistent, and below
(undecided, error, refuted) — with the ratio now / baseline, then the time per check (mean
and the slowest check, and the slowest proof: issue 16 wants none over 5 s).

Only spec files present in both trees are counted, so the two columns judge the same checks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from same_reports import ROOT, baseline_tree, json_report, spec_files  # noqa: E402

DEFAULT_BASELINE = "d908d84"
DEFAULT_PATHS = ["derivations", "tests/specs"]
RUNGS = ("proved", "verified", "consistent", "below")


def run(tree: Path, files: list[str], timeout: str) -> tuple[list[dict[str, Any]], float]:
    """Every check of `files` as the symderiv of `tree` reports it, and the wall time."""
    if not files:
        return [], 0.0
    data, seconds = json_report(tree, files, timeout)
    return [{**check, "path": file["path"]} for file in data["files"]
            for check in file["checks"]], seconds


def rungs(checks: list[dict[str, Any]]) -> dict[str, int]:
    """How many true checks end on each rung."""
    counts = dict.fromkeys(RUNGS, 0)
    for check in checks:
        if check["expect"] != "holds":
            continue
        verdict = check["verdict"]
        counts[verdict if verdict in counts else "below"] += 1
    return counts


def ratio(now: float, before: float) -> str:
    if before == 0:
        return "—" if now == 0 else "new"
    return f"{now / before:.2f}"


def timing(checks: list[dict[str, Any]], wall: float) -> dict[str, float]:
    seconds = [float(c.get("seconds") or 0.0) for c in checks]
    proofs = [float(c.get("seconds") or 0.0) for c in checks if c["verdict"] == "proved"]
    count = max(len(checks), 1)
    return {"wall per check": wall / count, "mean per check": sum(seconds) / count,
            "slowest check": max(seconds, default=0.0), "slowest proof": max(proofs, default=0.0)}


def group(label: str, files: list[str], old_tree: Path, timeout: str) -> None:
    files = [f for f in files if (old_tree / f).exists()]
    before, before_wall = run(old_tree, files, timeout)
    now, now_wall = run(ROOT, files, timeout)
    old_counts, new_counts = rungs(before), rungs(now)
    print(f"\n{label}: {len(files)} files, {len(now)} checks, "
          f"{sum(new_counts.values())} true (expect: holds)")
    print(f"  {'rung':16} {'baseline':>9} {'now':>9} {'ratio':>7}")
    for rung in RUNGS:
        print(f"  {rung:16} {old_counts[rung]:9} {new_counts[rung]:9} "
              f"{ratio(new_counts[rung], old_counts[rung]):>7}")
    old_time, new_time = timing(before, before_wall), timing(now, now_wall)
    for name in old_time:
        print(f"  {name + ' (s)':16} {old_time[name]:9.3f} {new_time[name]:9.3f} "
              f"{ratio(new_time[name], old_time[name]):>7}")
    old_verdicts = {(c["path"], c["id"]): c["verdict"] for c in before}
    for check in now:
        old = old_verdicts.get((check["path"], check["id"]))
        if old != check["verdict"]:
            print(f"  moved: {check['path']} {check['id']}: {old} -> {check['verdict']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE)
    parser.add_argument("--timeout", default="30")
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    arguments = parser.parse_args()
    with baseline_tree(arguments.baseline) as old_tree:
        for path in arguments.paths:
            group(path, spec_files(ROOT, [path]), old_tree, arguments.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
