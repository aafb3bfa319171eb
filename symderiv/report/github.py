"""GitHub Actions workflow commands: an `::error` annotation per failing check or spec error.

Each annotation is one line that the runner reads as exactly one command: spec text is made
printable (`safe_text.one_line`) and then escaped as the workflow-command syntax asks
(`%`, CR and LF in the message; also `:` and `,` in properties).
"""

from __future__ import annotations

from symderiv.report import failure
from symderiv.report.safe_text import one_line
from symderiv.results import Report


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(one_line(text)).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, line: int, column: int, title: str, message: str) -> str:
    """An `::error` command; `message` may have several lines (each made printable)."""
    printable = "\n".join(one_line(part) for part in message.split("\n"))
    return (f"::error file={_escape_property(path)},line={line},col={column},"
            f"title={_escape_property(title)}::{_escape_data(printable)}")


def render(report: Report) -> str:
    out = []
    for result in report.files:
        for error in result.errors:
            location = error.location
            out.append(annotation(result.path, location.line if location else 1,
                                  location.column if location else 1,
                                  f"symderiv [{error.code}]", error.message))
        for check in result.checks:
            if not check.ok:
                out.append(annotation(result.path, check.location.line,
                                      check.location.column,
                                      f"symderiv: {check.id} {check.verdict.value}",
                                      "\n".join(failure.lines(check))))
    checks = report.checks
    ok = sum(1 for c in checks if c.ok)
    out.append(f"{len(checks)} checks: {ok} as expected, {len(checks) - ok} not; "
               f"{report.file_errors} file(s) could not be loaded")
    return "\n".join(out) + "\n"
