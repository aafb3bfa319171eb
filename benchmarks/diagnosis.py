"""Cost of diagnosing refuted checks: check time with and without diagnosis, side by side.

Run from the repository root: `python benchmarks/diagnosis.py [PATH...]` (default: the
planted-error specs in tests/diagnosis). Prints seconds per file (best of 3) and the ratio.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symderiv.options import Options  # noqa: E402 - after the path set-up above
from symderiv.discover import discover  # noqa: E402
from symderiv.pipeline import check_file  # noqa: E402


def best_of(path: Path, options: Options, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        check_file(path, str(path), options)
        times.append(time.perf_counter() - started)
    return min(times)


def main(paths: list[str]) -> None:
    default = Path(__file__).resolve().parent.parent / "tests" / "diagnosis"
    files = [p for p, _, error in discover(paths or [str(default)]) if error is None]
    print(f"{'file':<28} {'baseline s':>10} {'diagnosis s':>12} {'ratio':>7}")
    for path in files:
        baseline = best_of(path, Options(diagnose=False))
        diagnosed = best_of(path, Options(diagnose=True))
        print(f"{path.name:<28} {baseline:>10.3f} {diagnosed:>12.3f} {diagnosed / baseline:>7.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
