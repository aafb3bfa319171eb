"""Spec mutators for fuzzing: text-level and structure-level damage to valid specs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from hardening_cases import DIAGNOSTIC, check

SEEDS = sorted((Path(__file__).parent / "specs" / "soundness").glob("*.yaml"))
VALID = [path.read_text(encoding="utf-8") for path in SEEDS]
#: Characters worth inserting: the formula language's own, YAML's, and some hostile ones.
ALPHABET = "()[],.*/^@+-=<>!:&*|#'\"{}\n\t _0123456789aijkNSxTDe\\%`$\x00\u00e9\u0445\uff08"
ARGUMENTS = ("--timeout", "2", "--sizes", "N=1,2", "--sizes", "T=1,2")


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node of plain YAML data."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for position, value in enumerate(data):
            out += _paths(value, prefix + (position,))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


REPLACEMENTS: list[Any] = [None, 0, -1, 1.5, True, "", "x", [], {}, [1, "a"], {"k": None},
                           "D(", "sum(a[k], k", "1e5000", "a[i, j, k]", 10**30]


@st.composite
def structural(draw: st.DrawFn) -> str:
    """A valid spec with a few keys deleted, values swapped for other types, formulas cut."""
    data = yaml.safe_load(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _get(data, path[:-1]), path[-1]
        action = draw(st.sampled_from(("delete", "replace", "truncate", "duplicate")))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = copy.deepcopy(draw(st.sampled_from(REPLACEMENTS)))
        elif action == "truncate" and isinstance(parent[last], str):
            parent[last] = parent[last][: draw(st.integers(0, len(parent[last])))]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def textual(draw: st.DrawFn) -> str:
    """A valid spec's text with characters inserted, deleted, or cut short."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 5))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(("insert", "delete", "cut", "line")))
        if action == "insert":
            text = text[:position] + draw(st.text(ALPHABET, min_size=1, max_size=4)) \
                + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 8)):]
        elif action == "cut":
            text = text[:position]
        else:
            lines = text.split("\n")
            del lines[min(position, len(lines) - 1)]
            text = "\n".join(lines)
    return text


def outcome_problems(path: Path) -> list[str]:
    """Run the CLI in-process on `path`; what is wrong with the outcome (empty: all good)."""
    run = check(*ARGUMENTS, str(path))
    problems = []
    if run.status not in (0, 1, 2):
        problems.append(f"exit status {run.status}")
    if "Traceback" in run.stderr or "Traceback" in run.stdout:
        problems.append("traceback")
    for line in run.stderr.splitlines():
        match = DIAGNOSTIC.match(line)
        if not match:
            problems.append(f"not a located diagnostic: {line!r}")
        elif match["code"] == "internal":
            problems.append(f"internal error: {line}")
    report = run.report
    if run.status == 2 and not any(f["error"] for f in report["files"]):
        problems.append("exit 2 without a file error")
    for file in report["files"]:
        for result in file["checks"]:
            if result["message"].startswith("internal error"):
                problems.append(f"{result['id']}: {result['message']}")
    return problems


