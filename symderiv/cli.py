"""Command line: the only module that prints or exits. Heavy imports happen after parsing."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from symderiv.version import __version__
from symderiv.limits import NAMES as LIMIT_NAMES
from symderiv.options import DTYPES, STRATEGIES, Options, Strategy, parse_strategies
from symderiv.report.safe_text import json_document, safe_line

if TYPE_CHECKING:
    from symderiv.cache import Cache
    from symderiv.results import Report

FORMATS = ("text", "json", "junit", "sarif", "github")


class UsageError(Exception):
    pass


class Terminated(BaseException):
    """SIGTERM: raised in the main thread, so that the run ends its workers and returns 143.

    A BaseException, like KeyboardInterrupt: no `except Exception` of a check may swallow it.
    """


#: The exit status of a run ended by SIGTERM (128 + 15, as a shell reports it).
TERMINATED = 143


def _on_sigterm(signum: int, frame: object) -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated()


@contextlib.contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM raises `Terminated` inside the block (main thread only), as Ctrl-C raises
    KeyboardInterrupt: the executor's cleanup ends its workers on the way out."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _strategies(text: str) -> tuple[Strategy, ...]:
    try:
        return parse_strategies(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _sizes(text: str) -> tuple[str, tuple[int, ...]]:
    name, _, values = text.partition("=")
    try:
        numbers = tuple(int(v) for v in values.split(",") if v.strip())
    except ValueError:
        numbers = ()
    if not name.strip() or not numbers or any(n < 1 for n in numbers):
        raise argparse.ArgumentTypeError(f"expected NAME=V[,V...] with positive integers, got "
                                         f"{text!r}")
    return name.strip(), numbers


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of processes >= 0, got {text!r}")
    return value


def _limit(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if name not in LIMIT_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown limit {name!r}; choose from {', '.join(sorted(LIMIT_NAMES))}")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected {name}=N with a positive integer N, got "
                                         f"{text!r}")
    return name, number


def _mebibytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of MiB >= 0, got {text!r}")
    return value


def _shard(text: str) -> tuple[int, int]:
    number, slash, count = text.partition("/")
    try:
        value = (int(number), int(count))
    except ValueError:
        value = (0, 0)
    if not slash or not 1 <= value[0] <= value[1]:
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, got {text!r}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def parser(kind: type[argparse.ArgumentParser] = argparse.ArgumentParser
           ) -> argparse.ArgumentParser:
    """The command line's parser (`kind`: another parser class, whose subcommands are of the
    same class, e.g. one that raises instead of exiting for the notebook's cell magic)."""
    main = kind(
        prog="symderiv",
        description="Check the mathematics in course material: definitions, claimed formulas "
                    "and derivations written as YAML specs.")
    main.add_argument("--version", action="version", version=f"symderiv {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="check spec files and folders",
                                description="Decide every claim, derivation, example and "
                                            "implementation of the given specs.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="spec files or folders")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="report format (default text); junit, sarif and github are for CI")
    check.add_argument("--timeout", type=_positive, default=30.0, metavar="SECONDS",
                       help="time limit per check (default 30)")
    check.add_argument("--memory", type=_mebibytes, default=1024, metavar="MiB",
                       help="memory a check may allocate, beyond what its process holds "
                            "(default 1024; 0: no limit; Linux)")
    check.add_argument("--budget", type=_positive, default=None, metavar="SECONDS",
                       help="time limit for the whole run: the checks not finished by then are "
                            "undecided (default: none)")
    check.add_argument("--strategy", type=_strategies, default=STRATEGIES, metavar="LIST",
                       help="comma-separated layers, strongest first (default "
                            "generic,bounded,numeric)")
    check.add_argument("--sizes", type=_sizes, action="append", default=[],
                       metavar="NAME=V[,V...]", help="override a size's concrete values")
    check.add_argument("--seed", type=int, default=0, help="seed for random points (default 0)")
    check.add_argument("--limit", type=_limit, action="append", default=[], metavar="NAME=N",
                       help="raise or lower a resource limit, e.g. max_size=128 (see "
                            "docs/security.md)")
    check.add_argument("--latex", metavar="OUT", default=None,
                       help="also write a LaTeX report: OUT/NAME.tex per spec and OUT/report.tex")
    check.add_argument("--html", metavar="OUT", default=None,
                       help="also write an HTML report to the file OUT: one self-contained "
                            "page (math as MathML, no script, nothing fetched)")
    check.add_argument("--pdf", action="store_true",
                       help="with --latex: compile OUT/report.tex to PDF (needs XeLaTeX)")
    check.add_argument("--dtype", choices=DTYPES, default="float64",
                       help="float type of the numpy side (default float64); numeric "
                            "tolerances follow it")
    check.add_argument("--no-diagnosis", dest="diagnose", action="store_false",
                       help="do not explain refuted checks (regions, error class, suggestion)")
    extract = commands.add_parser(
        "extract", help="draft a spec from the formulas in Markdown, LaTeX or Jupyter course "
                        "material",
        description="Find the formulas in FILE ($…$, $$…$$, \\[…\\], equation/align, "
                    "matrices), keep those that look like equations and write a spec skeleton "
                    "with one tex: claim per equation and the names it could infer (marked "
                    "TODO). Also counts images that may hold formulas.")
    extract.add_argument("file", metavar="FILE", help="a .md, .tex or .ipynb file")
    extract.add_argument("-o", "--output", metavar="SPEC.yaml",
                         help="write the skeleton here (default: standard output)")
    check.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                       help="worker processes (default: the number of cores; 0: no workers, "
                            "check in this process)")
    check.add_argument("--verbose", "-v", action="store_true",
                       help="also print the evidence, counterexamples and warnings of the "
                            "checks that are as expected (text format)")
    check.add_argument("--no-proofs", dest="record_proofs", action="store_false",
                       help="record no step-by-step proofs (the proved checks show the "
                            "decider's evidence; faster)")
    check.add_argument("--proofs", action="store_true",
                       help="print the recorded proof (each step with its rule, every step "
                            "checked) under each proved check (text format; -v does too)")
    check.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                       help="check only shard K of N of the spec files (a CI matrix: every "
                            "file in exactly one shard, the same one in every job)")
    check.add_argument("--cache-dir", default=None, metavar="DIR",
                       help="where results are cached (default: a folder per project in "
                            "$XDG_CACHE_HOME/symderiv, else ~/.cache/symderiv; env "
                            "SYMDERIV_CACHE_DIR). Only entries signed with this machine's key "
                            "(~/.config/symderiv/cache-key; env SYMDERIV_CACHE_KEY_FILE) are "
                            "read")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument("--only-specs", action="store_true",
                       help="skip given files that do not look like specs (a top-level `title` "
                            "and claims, derivations or examples), e.g. in a pre-commit hook")
    commands.add_parser("schema", help="print the JSON Schema of the spec format",
                        description="Print the JSON Schema of the spec format (for editors' "
                                    "YAML plugins).")
    return main


def entry() -> None:
    """The `symderiv` command: `main`, then end the process without tearing sympy down.

    A normal interpreter exit frees every object one by one; with sympy loaded that takes
    about a quarter of a second, a sixth of a whole check of the course notes. Everything the
    run writes is written and closed by then, so the process ends at once (as mypy does,
    mypy/util.py `hard_exit`). Only the command does this: `main` returns normally to callers.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `symderiv check ... | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return TERMINATED
    except OSError as error:  # the report cannot be written: a full disk, a closed stream
        _silence_stdout()
        print(f"symderiv: error: cannot write the report: {error.strerror or error}",
              file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. captured in tests)
        pass


def _extract(file: str, output: str | None) -> int:
    from pathlib import Path

    from symderiv.extract import NotebookError, extract, skeleton, summary

    try:
        text = Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{file}:1:1: error: cannot read: {error}  [io]", file=sys.stderr)
        return 2
    try:
        extraction = extract(file, text)
    except NotebookError as error:
        print(safe_line(f"{file}:{error.line}:{error.column}: error: {error.message}  "
                        "[notebook]"), file=sys.stderr)
        return 2
    draft = skeleton(extraction)
    if output is None:
        sys.stdout.write(draft)
    else:
        try:
            Path(output).write_text(draft, "utf-8")
        except OSError as error:
            print(f"{output}:1:1: error: cannot write: {error}  [io]", file=sys.stderr)
            return 2
    print(safe_line(summary(extraction)), file=sys.stderr)
    return 0


def _main(argv: list[str] | None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.command is None:
        parser().print_help()
        return 2
    if arguments.command == "extract":
        return _extract(arguments.file, arguments.output)
    if arguments.command == "schema":
        from importlib.resources import files

        sys.stdout.write(files("symderiv").joinpath("spec.schema.json").read_text("utf-8"))
        return 0
    if arguments.pdf and arguments.latex is None:
        parser().error("--pdf needs --latex OUT")
    with _terminable():
        return _check(arguments)


def options_from(arguments: argparse.Namespace) -> Options:
    """The `Options` of parsed `check` arguments (also the cell magic's)."""
    from symderiv.limits import DEFAULT

    return Options(strategies=arguments.strategy, timeout=arguments.timeout,
                   sizes=tuple(dict(arguments.sizes).items()), seed=arguments.seed,
                   dtype=arguments.dtype, diagnose=arguments.diagnose,
                   proofs=arguments.record_proofs,
                   limits=DEFAULT.changed(dict(arguments.limit)), memory=arguments.memory,
                   budget=arguments.budget)


def _cache(arguments: argparse.Namespace, paths: list[str]) -> Cache | None:
    """The result cache the arguments ask for (None: --no-cache, a run with --limit, or no
    usable key, which is said on standard error)."""
    # limits change what is accepted: a run with --limit neither reads nor writes the cache
    if arguments.no_cache or arguments.limit:
        return None
    from symderiv.cache import Cache, CacheUnavailable, default_directory, load_key, versions
    from symderiv.report.proofs import ProofLatex

    try:
        directory = arguments.cache_dir or os.environ.get("SYMDERIV_CACHE_DIR") \
            or default_directory(paths[0] if paths else ".")
        key = load_key()
    except CacheUnavailable as error:
        print(f"{error.location}: warning: {error.message}; checking without the cache  "
              f"[{error.code}]", file=sys.stderr)
        return None
    return Cache(directory, versions(), key, ProofLatex())


def _check(arguments: argparse.Namespace) -> int:
    """`symderiv check`: run the pipeline, print the report, return the exit status."""
    from pathlib import Path

    from symderiv.discover import looks_like_spec
    from symderiv.pipeline import run

    paths = arguments.paths
    if arguments.only_specs:
        paths = [p for p in paths if Path(p).is_dir() or looks_like_spec(Path(p))]
        if not paths:
            return 0
    cache = _cache(arguments, paths)
    console = None
    progress = None
    if arguments.format == "text":
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
        if console.is_terminal:  # never in a pipe, a file or a machine-readable format
            from symderiv.report.progress import ProgressBar

            progress = ProgressBar(console)
    try:
        # the LaTeX and HTML reports print the declarations: every spec must then be loaded
        report = run(paths, options_from(arguments), jobs=arguments.jobs, cache=cache,
                     progress=progress,
                     need_specs=arguments.latex is not None or arguments.html is not None,
                     shard=arguments.shard)
    finally:
        if progress is not None:
            progress.close()
    if console is not None:
        from symderiv.report import text

        text.render(report, console, arguments.verbose, arguments.proofs)
    else:
        for result in report.files:
            for error in result.errors:
                print(safe_line(error.render()), file=sys.stderr)
    _write_format(report, arguments.format)
    if arguments.html is not None and _html(report, arguments.html):
        return 2
    if arguments.latex is not None:
        return _latex(report, arguments.latex, arguments.pdf) or report.exit_code
    return report.exit_code


def _write_format(report: Report, report_format: str) -> None:
    """The machine-readable report on standard output (the text report is printed above)."""
    if report_format == "json":
        from symderiv.report import json_report

        sys.stdout.write(json_document(json_report.render(report)) + "\n")
    elif report_format == "sarif":
        from symderiv.report import sarif

        sys.stdout.write(json_document(sarif.render(report)) + "\n")
    elif report_format == "junit":
        from symderiv.report import junit

        sys.stdout.write(junit.render(report))
    elif report_format == "github":
        from symderiv.report import github

        sys.stdout.write(github.render(report))


def _html(report: Report, file: str) -> int:
    """Write the HTML report; 2 when it cannot be written, else 0."""
    from pathlib import Path

    from symderiv.report import html

    try:
        written = html.write(report, Path(file))
    except OSError as error:
        print(f"symderiv: error: cannot write the HTML report to {file}: "
              f"{error.strerror or error}", file=sys.stderr)
        return 2
    print(f"HTML report: {written}", file=sys.stderr)
    return 0


def _latex(report: Report, directory: str, pdf: bool) -> int:
    """Write (and compile) the LaTeX report; 2 when that fails or the PDF leaves out a
    spec's section (a warning line names each), else 0."""
    from pathlib import Path

    from symderiv.report import latex

    try:
        written = latex.write(report, Path(directory))
    except OSError as error:
        print(f"symderiv: error: cannot write the LaTeX report to {directory}: {error}",
              file=sys.stderr)
        return 2
    print(f"LaTeX report: {written.report}", file=sys.stderr)
    if pdf:
        try:
            made = latex.compile_pdf(written)
        except latex.LatexError as error:
            print(f"symderiv: error: {error}", file=sys.stderr)
            return 2
        for failure in made.failures:
            print(failure.render(), file=sys.stderr)
        print(f"PDF: {made.pdf}", file=sys.stderr)
        return 2 if made.failures else 0
    return 0
