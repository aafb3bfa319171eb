"""The whole run in four steps: find files -> load -> build -> check. No printing here."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symderiv.errors import Location, SymderivError
from symderiv.check.verdict import CheckResult

if TYPE_CHECKING:
    from symderiv.check.engine import Options

SPEC_SUFFIXES = (".yaml", ".yml")
_TITLE = re.compile(r"^title\s*:", re.MULTILINE)
_CHECKS = re.compile(r"^(claims|derivations|examples)\s*:", re.MULTILINE)


def looks_like_spec(path: Path) -> bool:
    """A cheap test before loading: a top-level `title` and claims, derivations or examples.

    Used where YAML files that are not specs must be left alone (pytest, pre-commit).
    """
    if path.suffix not in SPEC_SUFFIXES:
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return bool(_TITLE.search(head) and _CHECKS.search(head))


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    title: str | None
    errors: tuple[SymderivError, ...]
    checks: tuple[CheckResult, ...]
    spec: object = None  # the loaded Spec, for reports that show declarations
    scope: object = None


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


def _walk(folder: Path) -> tuple[list[Path], list[tuple[Path, SymderivError]]]:
    """Spec files under `folder`, and an error for each unreadable folder or bad link.

    Symbolic links to folders are not followed (no loops); links to files are.
    """
    files: list[Path] = []
    errors: list[tuple[Path, SymderivError]] = []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename or folder)
        errors.append((where, SymderivError(
            f"cannot read directory: {error.strerror or error}", Location(str(where), 1, 1),
            "io")))

    for root, folders, names in os.walk(folder, onerror=unreadable, followlinks=False):
        folders.sort()
        for name in sorted(names):
            candidate = Path(root) / name
            if candidate.suffix not in SPEC_SUFFIXES:
                continue
            if candidate.is_file():
                files.append(candidate)
            elif candidate.is_symlink():
                errors.append((candidate, SymderivError(
                    "broken or looping symbolic link", Location(str(candidate), 1, 1), "io")))
    return sorted(files), sorted(errors, key=lambda pair: str(pair[0]))


def discover(paths: list[str]) -> list[tuple[Path, str, SymderivError | None]]:
    """Spec files under `paths` (folders recursively), each with an error if unusable."""
    found: list[tuple[Path, str, SymderivError | None]] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files, errors = _walk(path)
            found.extend((where, str(where), error) for where, error in errors)
            if not files and not errors:
                found.append((path, text, SymderivError(
                    "no spec files (*.yaml, *.yml) in this directory", Location(text, 1, 1),
                    "io")))
            found.extend((file, str(file), None) for file in files)
        elif path.is_file():
            found.append((path, text, None))
        elif path.is_symlink() and not path.exists():
            found.append((path, text, SymderivError(
                "broken or looping symbolic link", Location(text, 1, 1), "io")))
        elif path.exists():  # a FIFO or device would block or never end
            found.append((path, text, SymderivError(
                "not a regular file", Location(text, 1, 1), "io")))
        else:
            found.append((path, text, SymderivError(
                "no such file or directory", Location(text, 1, 1), "io")))
    return found


def internal_error(display: str, failure: BaseException) -> FileResult:
    """A crash while handling one file, as that file's one-line error."""
    message = f"internal error ({type(failure).__name__}): {failure}"[:500]
    return FileResult(display, None, (SymderivError(
        message, Location(display, 1, 1), "internal"),), ())


def load_scope(path: Path, display: str) -> Any:
    """Load, resolve and check one spec file: its `Scope` (with `.spec`).

    Raises:
        SpecErrors: every error of the file, located.
    """
    from symderiv.resolve.implementations import check_numpy
    from symderiv.resolve.scope import build_scope
    from symderiv.load.loader import load_file

    scope = build_scope(load_file(path, display))
    check_numpy(scope)
    return scope


def check_file(path: Path, display: str, options: Options) -> FileResult:
    from symderiv.check.engine import check_scope
    from symderiv.load.loader import SpecErrors

    try:
        scope = load_scope(path, display)
        spec = scope.spec
    except SpecErrors as errors:
        return FileResult(display, None, tuple(errors.errors), ())
    checks = check_scope(scope, options)
    return FileResult(display, spec.title, (), tuple(checks), spec, scope)


def run(paths: list[str], options: Options) -> Report:
    results = []
    for path, display, error in discover(paths):
        if error is not None:
            results.append(FileResult(display, None, (error,), ()))
            continue
        try:
            results.append(check_file(path, display, options))
        except (Exception, RecursionError) as failure:  # noqa: BLE001 - one file never stops the run
            results.append(internal_error(display, failure))
    return Report(tuple(results))
