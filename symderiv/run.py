"""The whole run in four steps: find files -> load -> build -> check. No printing here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symderiv.errors import Location, SymderivError
from symderiv.check.verdict import CheckResult

SPEC_SUFFIXES = (".yaml", ".yml")


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

    @property
    def file_errors(self) -> int:
        return sum(1 for file in self.files if file.errors)

    @property
    def exit_code(self) -> int:
        """0 all met, 1 some check did not, 2 a spec could not be loaded."""
        if self.file_errors:
            return 2
        return 0 if all(check.ok for check in self.checks) else 1


def discover(paths: list[str]) -> list[tuple[Path, str, SymderivError | None]]:
    """Spec files under `paths` (folders recursively), each with an error if unusable."""
    found: list[tuple[Path, str, SymderivError | None]] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            try:
                files = sorted(
                    p for p in path.rglob("*")
                    if p.suffix in SPEC_SUFFIXES and p.is_file()
                )
            except OSError as error:
                found.append((path, text, SymderivError(
                    f"cannot read directory: {error.strerror or error}", Location(text, 1, 1),
                    "io")))
                continue
            if not files:
                found.append((path, text, SymderivError(
                    "no spec files (*.yaml, *.yml) in this directory", Location(text, 1, 1),
                    "io")))
            found.extend((file, str(file), None) for file in files)
        elif path.exists():
            found.append((path, text, None))
        else:
            found.append((path, text, SymderivError(
                "no such file or directory", Location(text, 1, 1), "io")))
    return found


def check_file(path: Path, display: str, options: object) -> FileResult:
    from symderiv.build.numpy_scope import check_numpy
    from symderiv.build.scope import build_scope
    from symderiv.check.engine import check_scope
    from symderiv.load.loader import SpecErrors, load_file

    try:
        spec = load_file(path, display)
        scope = build_scope(spec)
        check_numpy(scope)
    except SpecErrors as errors:
        return FileResult(display, None, tuple(errors.errors), ())
    checks = check_scope(scope, options)  # type: ignore[arg-type]
    return FileResult(display, spec.title, (), tuple(checks), spec, scope)


def run(paths: list[str], options: object) -> Report:
    results = []
    for path, display, error in discover(paths):
        if error is not None:
            results.append(FileResult(display, None, (error,), ()))
            continue
        results.append(check_file(path, display, options))
    return Report(tuple(results))
