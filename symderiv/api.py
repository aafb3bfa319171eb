"""The Python API: `check` specs (files, folders or YAML text) into the `Report` the command
line prints, and `load` one spec. It runs the one pipeline; it never prints or exits.

Which argument is which: a `str` that holds a line break is spec text (YAML); any other
`str`, and every `os.PathLike` (`pathlib.Path`), is a path to a spec file or a folder of
them. One-line YAML text is taken as text once it ends with a newline.

Imports stay light here (no sympy, numpy or lark): the pipeline is imported when something
is checked, so `import symderiv` costs what `symderiv --version` costs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# imported here, before `symderiv/__init__.py` binds `check` and `load` to the functions
# below: a subpackage first imported later would rebind its name on the package
import symderiv.check.verdict  # noqa: F401
import symderiv.load.model  # noqa: F401
from symderiv.errors import Location, SymderivError
from symderiv.options import STRATEGIES, Options, Strategy, parse_strategies
from symderiv.results import FileResult, Report

if TYPE_CHECKING:
    from symderiv.load.model import Spec

#: One spec source: a path (str without a line break, or os.PathLike), or YAML text.
Source = str | os.PathLike[str]

#: What a spec given as text is called in the report and its errors, unless `name=` says.
TEXT_NAME = "<spec>"


class SpecError(SymderivError):
    """Input that cannot be checked: a path that does not exist, or a spec that does not load.

    `str(error)` is every error, one a line, as the command line prints them
    (`path:line:column: error: message  [code]`). `errors` holds them as `SymderivError`s
    (sorted by file and position); `report` is the run's `Report` when it got that far, with
    the results of the specs that did load (`check`), else None (`load`).
    """

    def __init__(self, errors: Sequence[SymderivError], report: Report | None = None) -> None:
        self.errors = tuple(errors)
        self.report = report
        first = self.errors[0] if self.errors else SymderivError("no spec")
        super().__init__(first.message, first.location, first.code)

    def __str__(self) -> str:
        return "\n".join(error.render() for error in self.errors)


def is_text(source: Source) -> bool:
    """Is `source` spec text (a `str` with a line break) rather than a path?"""
    return isinstance(source, str) and ("\n" in source or "\r" in source)


def _sources(sources: Source | Iterable[Source]) -> list[Source]:
    if isinstance(sources, str | os.PathLike):
        return [sources]
    if not isinstance(sources, Iterable):
        raise TypeError(f"expected a path, YAML text, or a list of them, not "
                        f"{type(sources).__name__}")
    found = list(sources)
    wrong = [s for s in found if not isinstance(s, str | os.PathLike)]
    if wrong or not found:
        raise TypeError("expected a path, YAML text, or a list of them, not "
                        f"{type(wrong[0]).__name__ if wrong else 'an empty list'}")
    return found


def make_options(strategy: str | Sequence[str] = STRATEGIES, timeout: float = 30.0,
            sizes: Mapping[str, int | Sequence[int]] | None = None, seed: int = 0,
            dtype: str = "float64", diagnose: bool = True,
            limits: Mapping[str, int] | None = None, memory: int = 1024,
            budget: float | None = None) -> Options:
    """The `Options` of a run from the command line's settings, by the same names
    (`strategy="generic,bounded"`, `sizes={"N": [2, 5]}`, `limits={"max_size": 128}`).

    Raises:
        SymderivError: a value the command line would refuse too (code `option`).
    """
    from symderiv.limits import DEFAULT

    try:
        strategies: tuple[Strategy, ...]
        if isinstance(strategy, str):
            strategies = parse_strategies(strategy)
        else:
            strategies = parse_strategies(",".join(strategy))
        size_values = {name: (values,) if isinstance(values, int) else tuple(values)
                       for name, values in (sizes or {}).items()}
        if any(not values or any(v < 1 for v in values) for values in size_values.values()):
            raise ValueError("sizes: expected positive integers for each size")
        try:
            chosen = DEFAULT.changed(dict(limits or {}))
        except KeyError as unknown:
            raise ValueError(f"unknown limit {unknown.args[0]!r}") from None
        return Options(strategies=strategies, timeout=timeout, sizes=tuple(size_values.items()),
                       seed=seed, dtype=dtype, diagnose=diagnose, limits=chosen, memory=memory,
                       budget=budget)
    except (ValueError, TypeError) as error:
        raise SymderivError(str(error), None, "option") from None


def check(sources: Source | Iterable[Source], *, jobs: int | None = 0,
          name: str = TEXT_NAME, settings: Options | None = None,
          **option_values: object) -> Report:
    """Check specs and return the `Report` of every claim, derivation, example and
    implementation, with the verdicts, counterexamples, diagnoses and proofs the command
    line prints.

    Args:
        sources: a spec file, a folder (searched for *.yaml, *.yml), YAML text, or a list
            of them (see the module doc for how text and paths are told apart); the report
            lists the paths' files first, then the texts (several are named `<spec>[1]`, ...).
        jobs: worker processes (0, the default: check in this process, under the memory
            limit in one forked child; None: one per core, as `symderiv check`).
        name: how spec text is named in the report and its errors.
        settings: a ready `Options` (then no other option may be given).
        option_values: `strategy`, `timeout`, `sizes`, `seed`, `dtype`, `diagnose`,
            `limits`, `memory`, `budget`, as in `make_options`.

    Raises:
        SpecError: a path is missing or a spec does not load; its `report` holds the
            results of the others.
        SymderivError: an option the command line would refuse too.
    """
    run_options = _options(settings, option_values)
    found = _sources(sources)
    from symderiv.pipeline import run, run_text

    texts = [str(source) for source in found if is_text(source)]
    paths = [os.fspath(source) for source in found if not is_text(source)]
    names = [name] if len(texts) == 1 else [f"{name}[{n}]" for n in range(1, len(texts) + 1)]
    files: tuple[FileResult, ...] = ()
    if paths:
        files += run(paths, run_options, jobs=jobs, need_specs=True).files
    if texts:
        files += run_text(list(zip(names, texts)), run_options, jobs).files
    report = Report(files)
    errors = [error for file in report.files for error in file.errors]
    if errors:
        raise SpecError(errors, report)
    return report


def load(source: Source, *, name: str = TEXT_NAME) -> Spec:
    """Load and resolve one spec (a file or YAML text) into its frozen `Spec`, without
    checking it.

    Raises:
        SpecError: every error of the spec, located; or the path is not a file.
    """
    from symderiv.jobs import load_scope
    from symderiv.load.loader import SpecErrors

    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"expected a path or YAML text, not {type(source).__name__}")
    text = str(source) if is_text(source) else None
    display = name if text is not None else os.fspath(source)
    path = Path(display)
    if text is None and not path.is_file():
        reason = "is a folder: load takes one spec (check takes folders)" if path.is_dir() \
            else "no such file"
        raise SpecError([SymderivError(reason, Location(display, 1, 1), "io")])
    try:
        return load_scope(path, display, text).spec
    except SpecErrors as errors:
        raise SpecError(errors.errors) from None


#: The keyword options of `check`, as `make_options` takes them.
OPTION_NAMES = ("strategy", "timeout", "sizes", "seed", "dtype", "diagnose", "limits", "memory",
                "budget")


def _options(settings: Options | None, values: Mapping[str, object]) -> Options:
    if settings is not None:
        if values:
            raise TypeError(f"give either settings= or options, not both ({', '.join(values)})")
        return settings
    unknown = sorted(set(values) - set(OPTION_NAMES))
    if unknown:
        raise TypeError(f"unknown option {', '.join(unknown)}; choose from "
                        f"{', '.join(OPTION_NAMES)}")
    return make_options(**values)  # type: ignore[arg-type]  # it checks the values
