"""Command line: the only module that prints or exits. Heavy imports happen after parsing."""

from __future__ import annotations

import argparse
import json
import os
import sys

from symderiv import __version__

STRATEGIES = ("generic", "bounded")


class UsageError(Exception):
    pass


def _strategies(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in STRATEGIES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown strategy {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(STRATEGIES)}")
    return names


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


def _limit(text: str) -> tuple[str, int]:
    from symderiv.limits import BY_NAME

    name, _, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if name not in BY_NAME:
        raise argparse.ArgumentTypeError(
            f"unknown limit {name!r}; choose from {', '.join(sorted(BY_NAME))}")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected {name}=N with a positive integer N, got "
                                         f"{text!r}")
    return name, number


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="symderiv",
        description="Check the mathematics in course material: definitions, claimed formulas "
                    "and derivations written as YAML specs.")
    main.add_argument("--version", action="version", version=f"symderiv {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="check spec files and folders",
                                description="Decide every claim, derivation, example and "
                                            "implementation of the given specs.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="spec files or folders")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--timeout", type=_positive, default=30.0, metavar="SECONDS",
                       help="time limit per check (default 30)")
    check.add_argument("--strategy", type=_strategies, default=STRATEGIES, metavar="LIST",
                       help="comma-separated layers, strongest first (default generic,bounded)")
    check.add_argument("--sizes", type=_sizes, action="append", default=[],
                       metavar="NAME=V[,V...]", help="override a size's concrete values")
    check.add_argument("--seed", type=int, default=0, help="seed for random points (default 0)")
    check.add_argument("--limit", type=_limit, action="append", default=[], metavar="NAME=N",
                       help="raise or lower a resource limit, e.g. max_size=128 (see "
                            "docs/security.md)")
    return main


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `symderiv check ... | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
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


def _main(argv: list[str] | None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.command is None:
        parser().print_help()
        return 2
    from rich.console import Console

    from symderiv.check.engine import Options
    from symderiv.report import json_report, text
    from symderiv.run import run

    if arguments.limit:
        from symderiv.limits import apply

        apply(dict(arguments.limit))
    options = Options(strategies=arguments.strategy, timeout=arguments.timeout,
                      sizes=dict(arguments.sizes), seed=arguments.seed)
    report = run(arguments.paths, options)
    if arguments.format == "json":
        for result in report.files:
            for error in result.errors:
                print(error.render(), file=sys.stderr)
        json.dump(json_report.render(report), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        text.render(report, Console(highlight=False))
    return report.exit_code
