"""IPython and Jupyter: `%load_ext symderiv` adds the `%%symderiv` cell magic, and shows
reports, spec results and checks as HTML (the HTML report's renderer, math as MathML) and
as the text report.

The magic line takes the options of `symderiv check` (the command line's own parser, made to
raise instead of exiting): `%%symderiv --strategy bounded --sizes N=2,3`. The cell is the spec
(named `<cell>` in locations). IPython is imported only when the extension is loaded, so it
stays an optional dependency.
"""

from __future__ import annotations

import argparse
import io
import shlex
from pathlib import Path
from typing import Any, NoReturn

from symderiv.check.verdict import CheckResult
from symderiv.results import FileResult, Report

#: What the cell's spec is called in the report and its errors.
CELL_NAME = "<cell>"

#: `symderiv check` options that choose outputs a cell does not have (its output is the
#: displayed report; `--html OUT` is kept: it writes the page too).
NOT_IN_A_CELL = ("format", "latex", "pdf", "cache_dir", "no_cache", "only_specs")


class CellUsage(Exception):
    """The magic line is not valid `symderiv check` options (the message says why)."""


class HelpShown(Exception):
    """`-h` printed the options; the cell checks nothing."""


class CellParser(argparse.ArgumentParser):
    """The command line's parser for a magic line: it raises where the CLI would exit."""

    def error(self, message: str) -> NoReturn:
        raise CellUsage(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status == 0:
            raise HelpShown()
        raise CellUsage(message or f"exit status {status}")


def cell_report(line: str, cell: str) -> Report:
    """Check the cell's spec with the magic line's options; a spec that does not load gives
    the report of its errors (shown like any report), never a traceback.

    Raises:
        CellUsage: the line holds an option `symderiv check` refuses, or one of
            `NOT_IN_A_CELL`.
        HelpShown: `-h` printed the options.
    """
    from symderiv import cli
    from symderiv.api import SpecError, check
    from symderiv.report import html

    try:
        words = shlex.split(line)
    except ValueError as error:
        raise CellUsage(f"the magic line: {error}") from None
    arguments = cli.parser(CellParser).parse_args(["check", CELL_NAME, *words])
    defaults = cli.parser(CellParser).parse_args(["check", CELL_NAME])
    changed = [name for name in NOT_IN_A_CELL
               if getattr(arguments, name) != getattr(defaults, name)]
    if changed:
        shown = ", ".join("--" + name.replace("_", "-") for name in changed)
        raise CellUsage(f"{shown}: not for a cell (its report is the cell's output)")
    text = cell if cell.endswith("\n") else cell + "\n"  # a line break makes it spec text
    try:
        report = check(text, name=CELL_NAME, settings=cli.options_from(arguments),
                       jobs=arguments.jobs or 0)
    except SpecError as error:
        assert error.report is not None  # `check` raises with the report of the run
        report = error.report
    if arguments.html is not None:
        html.write(report, Path(arguments.html))
    return report


def html_of(value: Report | FileResult | CheckResult) -> str:
    """A report, a spec's results or one check as the HTML report shows it."""
    from symderiv.report.html import fragment

    return str(fragment(value))


def text_of(value: Report | FileResult | CheckResult, width: int = 100) -> str:
    """The text report of `value`, without colour (for a terminal IPython, and text/plain)."""
    from rich.console import Console

    from symderiv.report import text

    buffer = io.StringIO()
    # force_jupyter=False: in a kernel rich would display each print itself
    console = Console(file=buffer, width=width, color_system=None, highlight=False,
                      soft_wrap=True, force_jupyter=False)
    if isinstance(value, Report):
        text.render(value, console)
    elif isinstance(value, FileResult):
        console.print(text.file_block(value))
    else:
        for renderable in text.check_lines(value):
            console.print(renderable)
    return buffer.getvalue().rstrip("\n")


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext symderiv`: the `%%symderiv` cell magic and the displays of results."""
    from IPython.core.error import UsageError

    def symderiv(line: str, cell: str) -> Report | None:
        """%%symderiv [symderiv check options]: check the YAML spec in the cell."""
        try:
            return cell_report(line, cell)
        except CellUsage as error:
            raise UsageError(f"%%symderiv: {error}") from None
        except HelpShown:
            return None

    ipython.register_magic_function(symderiv, "cell", "symderiv")
    formatters = ipython.display_formatter.formatters
    for kind in (Report, FileResult, CheckResult):
        formatters["text/html"].for_type(kind, html_of)
        formatters["text/plain"].for_type(kind, _pretty)


def _pretty(value: Report | FileResult | CheckResult, printer: Any, cycle: bool) -> None:
    """IPython's text/plain formatter: the text report."""
    printer.text(text_of(value))
