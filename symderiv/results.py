"""What a run produced: a `FileResult` per spec file and the `Report` of them all.

Only values: the reports in report/ render them, and `Report.exit_code` alone decides the
command's exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from symderiv.check.verdict import CheckResult
from symderiv.errors import Location, SymderivError

if TYPE_CHECKING:
    from symderiv.load.model import Spec
    from symderiv.resolve.scope import Scope


@dataclass(frozen=True, slots=True)
class FileResult:
    """One spec file: its located errors, or its checks' results."""

    path: str
    title: str | None
    errors: tuple[SymderivError, ...]
    checks: tuple[CheckResult, ...]
    # the loaded spec, for reports that show declarations (left out of repr: a notebook or a
    # REPL shows the results, not every node of the spec)
    spec: Spec | None = field(default=None, repr=False)
    scope: Scope | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Report:
    files: tuple[FileResult, ...]

    @property
    def checks(self) -> list[CheckResult]:
        return [check for file in self.files for check in file.checks]

    def verdict_counts(self) -> str:
        """'27 proved, 5 refuted' in order of first appearance."""
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.verdict.value] = counts.get(check.verdict.value, 0) + 1
        return ", ".join(f"{n} {v}" for v, n in counts.items())

    @property
    def file_errors(self) -> int:
        return sum(1 for file in self.files if file.errors)

    @property
    def exit_code(self) -> int:
        """0 all met, 1 some check did not, 2 a spec could not be loaded."""
        if self.file_errors:
            return 2
        return 0 if all(check.ok for check in self.checks) else 1


def file_error(display: str, error: SymderivError) -> FileResult:
    return FileResult(display, None, (error,), ())


def internal_error(display: str, failure: BaseException) -> FileResult:
    """A crash while handling one file, as that file's one-line error."""
    message = f"internal error ({type(failure).__name__}): {failure}"[:500]
    return file_error(display, SymderivError(message, Location(display, 1, 1), "internal"))
