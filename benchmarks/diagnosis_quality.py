"""What the diagnoses of refuted claims give a teacher, before and after a change.

    python benchmarks/diagnosis_quality.py [--base REVISION] [PATHS...]

Checks every spec under PATHS (default: tests/specs) with the symderiv of this tree and with
that of REVISION (default: 2a890c4, main before issue 18; checked out in a temporary git
worktree), the same spec files for both, and counts the refuted claims whose diagnosis names
an error class, offers a suggestion, offers one that is not the left side over again (the
same expression, or a left side that works nothing out written out: `th == th`,
`1 == 1`), and offers one of those no longer than the claim's own right side. Prints the
counts side by side with their ratios, then every claim whose class or suggestion changed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from same_reports import ROOT, baseline_tree, spec_files

BASELINE = "2a890c4"
ROWS = (("refuted claims", lambda r: True),
        ("with an error class", lambda r: r["class"] is not None),
        ("with a suggestion", lambda r: r["suggestion"] is not None),
        ("  not the left side over again", lambda r: r["suggestion"] is not None
         and not r["restates"]),
        ("  and no longer than the claim", lambda r: r["suggestion"] is not None
         and not r["restates"] and len(r["suggestion"]) <= len(r["rhs"])))


def measure(files: list[str]) -> list[dict[str, Any]]:
    """One row per refuted claim, checked by the symderiv on PYTHONPATH (runs in a child)."""
    from symderiv.language.parser import parse
    from symderiv.language.printer import unparse
    from symderiv.check.verdict import Verdict
    from symderiv.options import Kind, Options
    from symderiv.pipeline import check_file

    rows = []
    for name in files:
        found = check_file(ROOT / name, name, Options())
        claims = getattr(found.spec, "claims", ())
        sides = {c.id: c.claim.node for c in claims if c.claim is not None}
        for check in found.checks:
            if check.kind != Kind.CLAIM or check.verdict != Verdict.REFUTED \
                    or check.id not in sides:
                continue
            suggestion = getattr(check.diagnosis, "suggestion", None)
            equation = sides[check.id]
            rows.append({"file": name, "id": check.id, "rhs": unparse(equation.right),
                         "class": getattr(check.diagnosis, "error_class", None),
                         "suggestion": suggestion,
                         "restates": suggestion is not None and restates(
                             found.scope, equation.left, parse(suggestion))})
    return rows


def restates(scope: Any, lhs: Any, suggestion: Any) -> bool:
    """Is `suggestion` the left side over again? The same sympy expression with definitions
    kept as names, or, when the left side differentiates nothing (itself or through its
    definitions), with them expanded (checked here, the same way for every revision)."""
    from symderiv.language import ast
    from symderiv.resolve.scope import used_names
    from symderiv.resolve.symbolic import SympyBuilder

    bodies = [scope.definitions[n].body.node
              for n in used_names(scope, [lhs]) & set(scope.definitions)]
    computes = any(isinstance(n, ast.Call) and n.function in ("D", "jacobian")
                   for part in [lhs, *bodies] for n in ast.walk(part))
    builders = [SympyBuilder(scope, folded=True)] + ([] if computes else [SympyBuilder(scope)])
    for builder in builders:
        try:
            if builder.expr(suggestion, {}) == builder.expr(lhs, {}):
                return True
        except Exception:  # noqa: BLE001 - an expression the builder cannot take is no match
            continue
    return False


def rows_of(tree: Path, files: list[str]) -> tuple[list[dict[str, Any]], float]:
    """`measure` run by the symderiv of `tree`, and its seconds."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", *files],
        cwd=tree, env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True,
        text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{tree}: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout), time.perf_counter() - started


def table(before: list[dict[str, Any]], after: list[dict[str, Any]], base: str,
          seconds: tuple[float, float]) -> list[str]:
    """The counts side by side, the ratios, then the claims whose diagnosis changed."""
    lines = [f"{'':38} {'base ' + base:>14} {'this tree':>10} {'ratio':>7}"]
    for label, test in ROWS:
        old, new = sum(map(test, before)), sum(map(test, after))
        ratio = f"{new / old:.2f}" if old else "-"
        lines.append(f"{label:38} {old:>14} {new:>10} {ratio:>7}")
    lines.append(f"{'run time (s)':38} {seconds[0]:>14.1f} {seconds[1]:>10.1f} "
                 f"{seconds[1] / seconds[0]:>7.2f}")
    old_rows = {(r["file"], r["id"]): r for r in before}
    changed = [(old_rows.get((r["file"], r["id"])), r) for r in after]
    changed = [(o, n) for o, n in changed
               if o is None or (o["class"], o["suggestion"]) != (n["class"], n["suggestion"])]
    if changed:
        lines.append("\nchanged diagnoses (class, suggestion):")
    for old, new in changed:
        was = "new claim" if old is None else f"{old['class']}, {old['suggestion']}"
        lines.append(f"  {new['file']}::{new['id']}: {was}  ->  {new['class']}, "
                     f"{new['suggestion']}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASELINE)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*")
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.paths)))
        return 0
    files = spec_files(ROOT, arguments.paths or ["tests/specs"])
    with baseline_tree(arguments.base) as old_tree:
        before, old_seconds = rows_of(old_tree, files)
    after, new_seconds = rows_of(ROOT, files)
    print("\n".join(table(before, after, arguments.base, (old_seconds, new_seconds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
