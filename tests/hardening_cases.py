"""Shared helpers for the hardening tests: data-driven spec cases and in-process CLI runs."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symderiv.cli import main

SPECS = Path(__file__).parent / "specs"
HEADER = re.compile(r"# expect: (?:(?P<line>\d+):(?P<column>\d+) \[(?P<code>\w+)\] (?P<message>.*)"
                    r"|verdict (?P<verdict>\w+))\s*\Z")
DIAGNOSTIC = re.compile(r"(?P<path>.+):(?P<line>\d+):(?P<column>\d+): error: (?P<message>.*)  "
                        r"\[(?P<code>\w+)\]\Z")


@dataclass(frozen=True)
class Case:
    """One spec file with the outcome its first line promises."""

    path: Path
    line: int | None
    column: int | None
    code: str | None
    message: str | None
    verdict: str | None


def cases(folder: str) -> list[Case]:
    """The cases in tests/specs/<folder>, each with its first-line expectation."""
    out = []
    for path in sorted((SPECS / folder).glob("*.yaml")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        match = HEADER.match(first)
        assert match, f"{path.name}: first line must be '# expect: ...', got {first!r}"
        out.append(Case(
            path,
            int(match["line"]) if match["line"] else None,
            int(match["column"]) if match["column"] else None,
            match["code"], match["message"], match["verdict"]))
    return out


@dataclass(frozen=True)
class Run:
    """What one in-process `symderiv check` run printed and returned."""

    status: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)  # type: ignore[no-any-return]

    @property
    def problem(self) -> str:
        """The run's first problem as `path:line:column: error: message  [code]`: a file's
        (exit 2, on standard error), else the first check whose verdict is `error` (exit 1:
        a problem of one check, which the file's other checks survive)."""
        if self.status == 2:
            return self.stderr.splitlines()[0]
        for result in self.report["files"]:
            for check in result["checks"]:
                if check["verdict"] == "error":
                    text = check["message"]
                    place = re.match(r"(.+?:\d+:\d+): (.*)\Z", text, re.S)
                    assert place, text
                    return f"{place[1]}: error: {place[2]}"
        return ""


def check(*arguments: str) -> Run:
    """Run `symderiv check --format json ARGUMENTS` in this process, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", "--format", "json", *arguments])
    return Run(status, out.getvalue(), err.getvalue())
