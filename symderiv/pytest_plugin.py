"""pytest plugin: every spec is a file node, every claim, derivation, example and implementation
an item named by its id.

Only YAML files that look like specs (a top-level `title` and `claims`, `derivations` or
`examples`) are collected, so a project's other YAML files are left alone. The ini option
`symderiv_paths` narrows collection to the listed folders or files (relative to the ini file),
e.g. to keep spec-shaped test fixtures out. `-p no:symderiv` turns the plugin off.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from symderiv.pipeline import SPEC_SUFFIXES, looks_like_spec


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symderiv", "symderiv: check the mathematics of spec files")
    group.addoption("--symderiv-timeout", type=float, default=30.0, metavar="SECONDS",
                    help="time limit per equation of a check (default 30)")
    group.addoption("--symderiv-strategy", default="generic,bounded", metavar="LIST",
                    help="comma-separated layers, strongest first (default generic,bounded)")
    parser.addini("symderiv_paths", type="paths", default=[],
                  help="collect specs only under these paths (default: every spec-like YAML)")


def _options(config: pytest.Config) -> Any:
    from symderiv.check.engine import Options
    from symderiv.cli import _strategies

    try:
        strategies = _strategies(config.getoption("symderiv_strategy"))
    except argparse.ArgumentTypeError as error:
        raise pytest.UsageError(f"--symderiv-strategy: {error}") from error
    timeout = config.getoption("symderiv_timeout")
    if timeout <= 0:
        raise pytest.UsageError("--symderiv-timeout: expected a positive number of seconds")
    return Options(strategies=strategies, timeout=timeout)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_OPTIONS] = _options(config)


_OPTIONS = pytest.StashKey[Any]()


def _wanted(path: Path, config: pytest.Config) -> bool:
    if path.suffix not in SPEC_SUFFIXES:
        return False
    allowed: list[Path] = config.getini("symderiv_paths")
    if allowed:
        resolved = path.resolve()
        if not any(resolved == a.resolve() or a.resolve() in resolved.parents for a in allowed):
            return False
    return looks_like_spec(path)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    if _wanted(file_path, parent.config):
        return SpecFile.from_parent(parent, path=file_path)
    return None


class SpecLoadError(Exception):
    """The spec's located errors, shown as a collection error without a traceback."""

    def __init__(self, errors: list[Any]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.render() for e in errors))


class CheckFailed(Exception):
    """A check whose verdict did not meet its expectation."""

    def __init__(self, results: list[Any]) -> None:
        self.results = results
        super().__init__(f"{len(results)} result(s) not as expected")


class SpecFile(pytest.File):
    def _display(self) -> str:
        try:
            return str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            return str(self.path)

    def collect(self) -> list[CheckItem]:
        from symderiv.load.loader import SpecErrors
        from symderiv.pipeline import load_scope
        from symderiv.jobs import units

        try:
            self.scope = load_scope(self.path, self._display())
        except SpecErrors as errors:
            raise SpecLoadError(list(errors.errors)) from None
        return [CheckItem.from_parent(self, name=unit.id, unit=unit)
                for unit in units(self.scope.spec)]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, SpecLoadError):
            return "\n".join(e.render() for e in excinfo.value.errors)
        return super().repr_failure(excinfo)


class CheckItem(pytest.Item):
    def __init__(self, *, unit: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unit = unit
        self.results: list[Any] = []

    def runtest(self) -> None:
        from symderiv.jobs import check_unit

        assert isinstance(self.parent, SpecFile)
        self.results = check_unit(self.parent.scope, self.unit, self.config.stash[_OPTIONS])
        if not self.results:
            pytest.skip(f"symderiv does not check {self.unit.kind}s yet")
        for result in self.results:
            self.user_properties.append(("verdict", result.verdict.value))
        failing = [r for r in self.results if not r.ok]
        if failing:
            raise CheckFailed(failing)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            from symderiv.report.failure import lines

            location = self.unit.location
            out = [f"{location.path}:{location.line}:{location.column}"]
            for result in excinfo.value.results:
                out.extend(lines(result))
            return "\n".join(out)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.unit.location.line - 1, f"{self.unit.kind} {self.unit.id}"
