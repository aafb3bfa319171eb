"""Cold time of `symderiv check derivations/`, per file, against issue 15's targets.

    python benchmarks/derivations_time.py [--baseline REV] [--timeout S] [PATHS...]

Runs `symderiv check --format json --no-cache` on every spec file under PATHS (default
derivations/) in this tree, and on the same files in BASELINE (default bec4edf, main before
the catalogue: only files present there are timed for it), and prints per file: its checks,
the sum of its checks' times, its slowest check, with the baseline's sum beside it and the
ratio. Then the wall time of the whole cold run against the target (30 s on the 2-core
machine) and the slowest single check against its target (5 s), as ratios.
Not a test: nothing here can fail a build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from same_reports import ROOT, baseline_tree, json_report, spec_files  # noqa: E402

DEFAULT_BASELINE = "bec4edf"
TARGET_WALL = 30.0
TARGET_CHECK = 5.0


def per_file(data: dict[str, Any]) -> dict[str, tuple[int, float, float, str]]:
    """path -> (checks, sum of check seconds, slowest check seconds, slowest check id)."""
    found = {}
    for file in data["files"]:
        seconds = [(float(c.get("seconds") or 0.0), c["id"]) for c in file["checks"]]
        slowest = max(seconds, default=(0.0, "—"))
        found[file["path"]] = (len(seconds), sum(s for s, _ in seconds), slowest[0], slowest[1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["derivations"])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE)
    parser.add_argument("--timeout", default="60")
    arguments = parser.parse_args()
    files = spec_files(ROOT, arguments.paths)
    now, wall = json_report(ROOT, files, arguments.timeout)
    with baseline_tree(arguments.baseline) as old_tree:
        old_files = [f for f in files if (old_tree / f).exists()]
        before, old_wall = json_report(old_tree, old_files, arguments.timeout)
    times, old_times = per_file(now), per_file(before)
    print(f"{'file':44} {'checks':>6} {'sum (s)':>8} {'baseline':>8} {'ratio':>6}  slowest check")
    for path, (count, total, slowest, slowest_id) in times.items():
        old = old_times.get(path)
        base = f"{old[1]:8.2f}" if old else f"{'new':>8}"
        ratio = f"{total / old[1]:6.2f}" if old and old[1] > 0 else f"{'—':>6}"
        print(f"{path:44} {count:6} {total:8.2f} {base} {ratio}  {slowest:.2f} s {slowest_id}")
    slowest_all = max((t[2] for t in times.values()), default=0.0)
    print(f"\ncold wall time: {wall:.1f} s for {sum(t[0] for t in times.values())} checks "
          f"(baseline {old_wall:.1f} s for {sum(t[0] for t in old_times.values())} checks); "
          f"target {TARGET_WALL:.0f} s, ratio {wall / TARGET_WALL:.2f}")
    print(f"slowest check: {slowest_all:.2f} s; target {TARGET_CHECK:.0f} s, "
          f"ratio {slowest_all / TARGET_CHECK:.2f}")


if __name__ == "__main__":
    main()
