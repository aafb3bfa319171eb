"""pytest plugin: every spec is a file node, every claim, derivation, example and implementation
an item named by its id.

Only YAML files that look like specs (a top-level `title` and `claims`, `derivations` or
`examples`) are collected, so a project's other YAML files are left alone. The ini option
`symderiv_paths` narrows collection to the listed folders or files (relative to the ini file),
e.g. to keep spec-shaped test fixtures out. `-p no:symderiv` turns the plugin off.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from symderiv.discover import SPEC_SUFFIXES, looks_like_spec
from symderiv.options import STRATEGIES, Options, parse_strategies

if TYPE_CHECKING:
    from symderiv.check.verdict import CheckResult
    from symderiv.errors import SymderivError
    from symderiv.jobs import Job


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symderiv", "symderiv: check the mathematics of spec files")
    group.addoption("--symderiv-timeout", type=float, default=30.0, metavar="SECONDS",
                    help="time limit per equation of a check (default 30)")
    group.addoption("--symderiv-strategy", default=",".join(STRATEGIES), metavar="LIST",
                    help="comma-separated layers, strongest first (default "
                         f"{','.join(STRATEGIES)}, as `symderiv check`)")
    group.addoption("--symderiv-memory", type=int, default=1024, metavar="MiB",
                    help="memory a check may allocate, beyond what its process holds (default "
                         "1024; 0: no limit; Linux, as `symderiv check --memory`)")
    group.addoption("--symderiv-budget", type=float, default=None, metavar="SECONDS",
                    help="time limit for the checks of the whole pytest process: items not "
                         "finished by then are undecided (default: none)")
    parser.addini("symderiv_paths", type="paths", default=[],
                  help="collect specs only under these paths (default: every spec-like YAML)")


def _options(config: pytest.Config) -> Options:
    try:
        strategies = parse_strategies(config.getoption("symderiv_strategy"))
    except ValueError as error:
        raise pytest.UsageError(f"--symderiv-strategy: {error}") from error
    timeout = config.getoption("symderiv_timeout")
    if timeout <= 0:
        raise pytest.UsageError("--symderiv-timeout: expected a positive number of seconds")
    memory = config.getoption("symderiv_memory")
    if memory < 0:
        raise pytest.UsageError("--symderiv-memory: expected a number of MiB >= 0")
    budget = config.getoption("symderiv_budget")
    if budget is not None and budget <= 0:
        raise pytest.UsageError("--symderiv-budget: expected a positive number of seconds")
    return Options(strategies=strategies, timeout=timeout, memory=memory, budget=budget)


def pytest_configure(config: pytest.Config) -> None:
    options = _options(config)
    config.stash[_OPTIONS] = options
    # the budget starts with the pytest process (each xdist worker has its own)
    config.stash[_DEADLINE] = None if options.budget is None \
        else time.monotonic() + options.budget


_OPTIONS = pytest.StashKey[Options]()
_DEADLINE = pytest.StashKey["float | None"]()


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

    def __init__(self, errors: list[SymderivError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.render() for e in errors))


class CheckFailed(Exception):
    """A check whose verdict did not meet its expectation."""

    def __init__(self, results: list[CheckResult]) -> None:
        self.results = results
        super().__init__(f"{len(results)} result(s) not as expected")


class SpecFile(pytest.File):
    def _display(self) -> str:
        try:
            return str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            return str(self.path)

    def collect(self) -> list[CheckItem]:
        from symderiv.jobs import plan
        from symderiv.pipeline import open_spec
        from symderiv.results import FileResult

        opened = open_spec(self.path, self._display())
        if isinstance(opened, FileResult):
            raise SpecLoadError(list(opened.errors))
        self.scope = opened
        self._implementations: list[CheckResult] | None = None
        return [CheckItem.from_parent(self, name=job.id, job=job)
                for job in plan(self.scope.spec)]

    def implementations(self) -> list[CheckResult]:
        """The spec's implementation results, computed once for all its items."""
        if self._implementations is None:
            from symderiv.pipeline import implementation_results

            self._implementations = implementation_results(
                self.scope, self.config.stash[_OPTIONS], self.config.stash[_DEADLINE])
        return self._implementations

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, SpecLoadError):
            from symderiv.report.safe_text import safe_line

            return "\n".join(safe_line(e.render()) for e in excinfo.value.errors)
        return super().repr_failure(excinfo)


class CheckItem(pytest.Item):
    def __init__(self, *, job: Job, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.results: list[CheckResult] = []

    def runtest(self) -> None:
        from symderiv.pipeline import execute_one

        assert isinstance(self.parent, SpecFile)
        self.results = execute_one(self.parent.scope, self.job, self.config.stash[_OPTIONS],
                                   self.parent.implementations, self.config.stash[_DEADLINE])
        for result in self.results:
            self.user_properties.append(("verdict", result.verdict.value))
        failing = [r for r in self.results if not r.ok]
        if failing:
            raise CheckFailed(failing)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            from symderiv.report.failure import lines
            from symderiv.report.safe_text import safe_line

            location = self.job.location
            out = [safe_line(f"{location.path}:{location.line}:{location.column}")]
            for result in excinfo.value.results:
                out.extend(lines(result))
            return "\n".join(out)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.job.location.line - 1, f"{self.job.kind} {self.job.id}"
