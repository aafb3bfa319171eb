"""Show that a change keeps every verdict: the JSON reports of two revisions, side by side.

    python benchmarks/same_reports.py BASELINE [PATHS...]

Checks out BASELINE (a commit, e.g. the one before a refactoring) in a temporary git worktree,
runs `symderiv check --format json --no-cache` there and in this tree over the same spec files
(default: derivations/ and every spec under tests/specs), and compares the reports field by
field with the timings removed (`seconds`, and the `… s` figures inside timeout messages).
Prints one line per file and a total; exits 1 when any check differs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ["derivations", "tests/specs"]
#: Fields that measure the run rather than describe the result.
TIMINGS = frozenset({"seconds"})
_SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, str):
        return _SECONDS.sub("… s", value)
    return value


def spec_files(tree: Path, paths: list[str]) -> list[str]:
    """Every YAML file under `paths`, relative to `tree`, one report each."""
    found: list[str] = []
    for text in paths:
        path = tree / text
        if path.is_dir():
            found += sorted(str(p.relative_to(tree)) for p in path.rglob("*.y*ml"))
        else:
            found.append(text)
    return found


@contextmanager
def baseline_tree(revision: str) -> Iterator[Path]:
    """`revision` checked out in a temporary git worktree, removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), revision],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           check=False, capture_output=True)


def json_report(tree: Path, files: list[str], timeout: str) -> tuple[dict[str, Any], float]:
    """`symderiv check --format json` of `files` by the symderiv of `tree`, and the wall time."""
    environment = dict(os.environ, PYTHONPATH=str(tree))
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "symderiv", "check", "--format", "json", "--no-cache",
         "--timeout", timeout, *files],
        cwd=tree, env=environment, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if not completed.stdout.strip():
        raise SystemExit(f"{tree}: no report: {completed.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(completed.stdout)
    return data, seconds


def report(tree: Path, files: list[str], timeout: str) -> tuple[dict[str, Any], float]:
    """The stripped JSON report of each file, checked by the symderiv of `tree`."""
    data, seconds = json_report(tree, files, timeout)
    return {file["path"]: _strip(file) for file in data["files"]}, seconds


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    if type(before) is not type(after):
        return [f"{where}: {before!r} -> {after!r}"]
    if isinstance(before, dict):
        out = []
        for key in sorted(set(before) | set(after)):
            out += differences(before.get(key), after.get(key), f"{where}.{key}")
        return out
    if isinstance(before, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} items -> {len(after)}"]
        return [d for i, (b, a) in enumerate(zip(before, after))
                for d in differences(b, a, f"{where}[{i}]")]
    return [] if before == after else [f"{where}: {before!r} -> {after!r}"]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    baseline, paths = sys.argv[1], sys.argv[2:] or DEFAULT_PATHS
    timeout = os.environ.get("SAME_REPORTS_TIMEOUT", "30")
    files = spec_files(ROOT, paths)
    with baseline_tree(baseline) as old_tree:
        old, old_seconds = report(old_tree, files, timeout)
        added = {path for path in files if not (old_tree / path).exists()}
    new, new_seconds = report(ROOT, files, timeout)
    changed = 0
    checks = 0
    print(f"{'file':60} {'checks':>6}  result")
    for path in sorted(set(old) | set(new)):
        count = len((new.get(path) or {}).get("checks", []))
        checks += count
        if path in added:  # a spec written after the baseline: nothing to compare it with
            print(f"{path:60} {count:6}  new since the baseline")
            continue
        found = differences(old.get(path), new.get(path))
        print(f"{path:60} {count:6}  {'same' if not found else 'DIFFERENT'}")
        for line in found[:10]:
            print(f"    {line}")
        changed += bool(found)
    print(f"\n{len(set(old) | set(new))} files, {checks} checks: {changed} files differ, "
          f"{len(added)} new since the baseline")
    print(f"run time: baseline {old_seconds:.1f} s, now {new_seconds:.1f} s "
          f"(ratio {new_seconds / old_seconds:.2f})")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
