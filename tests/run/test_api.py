"""The Python API: `symderiv.check` and `symderiv.load`, the README's example, errors, imports."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from fences import fenced

import symderiv
from symderiv.cli import main
from symderiv.load.model import Spec
from symderiv.report import json_report

ROOT = Path(__file__).resolve().parent.parent.parent

SPEC = """\
title: small
sizes: {N: [1, 2]}
indices: {i: N, j: N, k: N}
symbols: {a: [N]}
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
claims:
  - id: jacobian
    claim: D(S[i], a[j]) == S[i]*(delta(i, j) - S[j])
  - id: mistake
    claim: D(S[i], a[j]) == S[i]*(1 - S[j])
"""

#: A spec that does not load: its definitions use unknown names (a claim's own problem would
#: only be that claim's `error`).
BAD = "title: typo\ndefine:\n  f: q\n  g: r\nclaims:\n  - {id: a, claim: 'f == g'}\n"


def test_readme_example_runs() -> None:
    """The README's Python blocks (the API's example among them) run as they are written
    (their asserts hold)."""
    blocks = [text for _, text in fenced(ROOT / "README.md", "python")]
    assert any("symderiv.check(spec" in block for block in blocks)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own README


def test_same_values_as_the_command_line(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A path checked through the API gives the JSON report `symderiv check` prints."""
    path = tmp_path / "small.yaml"
    path.write_text(SPEC, encoding="utf-8")
    code = main(["check", str(path), "--format", "json", "--no-cache", "--jobs", "0",
                 "--strategy", "generic,bounded"])
    printed = json.loads(capsys.readouterr().out)
    report = symderiv.check(path, strategy="generic,bounded")
    assert capsys.readouterr() == ("", "")  # the API prints nothing
    ours = json.loads(json.dumps(json_report.render(report)))
    for document in (printed, ours):
        for file in document["files"]:
            for check in file["checks"]:
                check.pop("seconds")
    assert ours == printed
    assert report.exit_code == code == 1
    assert [(c.id, c.verdict.value) for c in report.checks] == [("jacobian", "proved"),
                                                               ("mistake", "refuted")]


def test_text_and_paths_are_told_apart(tmp_path: Path) -> None:
    """A str with a line break is text (named `<spec>`, or `name=`); other str and Paths are
    paths; a list may mix them, paths' files first."""
    path = tmp_path / "small.yaml"
    path.write_text(SPEC, encoding="utf-8")
    report = symderiv.check([SPEC, str(path), SPEC], strategy="bounded")
    assert [f.path for f in report.files] == [str(path), "<spec>[1]", "<spec>[2]"]
    named = symderiv.check(SPEC, name="notes.yaml", strategy="bounded")
    assert [str(c.location) for c in named.checks] == ["notes.yaml:8:5", "notes.yaml:10:5"]
    with pytest.raises(symderiv.SpecError) as missing:
        symderiv.check("title: x")  # one line, no newline: a path
    assert str(missing.value) == "title: x:1:1: error: no such file or directory  [io]"


def test_spec_errors_raise_with_every_line_and_the_other_results(tmp_path: Path) -> None:
    """A spec that does not load raises SpecError: every error a line, and the report of the
    specs that did load."""
    path = tmp_path / "small.yaml"
    path.write_text(SPEC, encoding="utf-8")
    with pytest.raises(symderiv.SpecError) as raised:
        symderiv.check([path, BAD], strategy="bounded")
    error = raised.value
    assert str(error) == ("<spec>:3:6: error: unknown name 'q'  [name]\n"
                          "<spec>:4:6: error: unknown name 'r'  [name]")
    assert isinstance(error, ValueError) and isinstance(error, symderiv.SymderivError)
    assert [e.code for e in error.errors] == ["name", "name"]
    assert error.report is not None
    assert [(f.path, len(f.checks)) for f in error.report.files] == [(str(path), 2),
                                                                   ("<spec>", 0)]


def test_bad_options_are_refused_as_the_command_line_refuses_them() -> None:
    """An option value the CLI refuses is a SymderivError [option]; an unknown keyword a
    TypeError."""
    with pytest.raises(symderiv.SymderivError) as strategy:
        symderiv.check(SPEC, strategy="fast")
    assert str(strategy.value) == ("error: unknown strategy fast; choose from generic, bounded, "
                                   "numeric  [option]")
    with pytest.raises(symderiv.SymderivError) as limit:
        symderiv.check(SPEC, limits={"max_sise": 3})
    assert str(limit.value) == "error: unknown limit 'max_sise'  [option]"
    with pytest.raises(TypeError, match="unknown option strategies"):
        symderiv.check(SPEC, strategies="bounded")
    with pytest.raises(TypeError, match="^expected a path, YAML text, or a list of them, not int$"):
        symderiv.check(3)  # type: ignore[arg-type]
    settings = symderiv.make_options(strategy=["bounded"], sizes={"N": 2}, limits={"max_size": 9})
    assert (settings.strategies, settings.sizes, settings.limits.max_size) == (
        ("bounded",), (("N", (2,)),), 9)


def test_load_gives_the_spec_or_every_error(tmp_path: Path) -> None:
    """`load` returns the frozen Spec of one file or text; a folder or a bad spec raises."""
    spec = symderiv.load(ROOT / "derivations" / "softmax.yaml")
    assert isinstance(spec, Spec) and spec.title == "Softmax and its derivative"
    assert [c.id for c in symderiv.load(SPEC).claims] == ["jacobian", "mistake"]
    with pytest.raises(symderiv.SpecError) as folder:
        symderiv.load(tmp_path)
    assert str(folder.value) == (f"{tmp_path}:1:1: error: is a folder: load takes one spec "
                                 "(check takes folders)  [io]")
    with pytest.raises(symderiv.SpecError) as bad:
        symderiv.load(BAD)
    assert len(bad.value.errors) == 2 and bad.value.report is None


def test_import_is_light_and_names_stay_functions() -> None:
    """`import symderiv` loads no sympy, numpy or IPython; `symderiv.check` and `symderiv.load` stay
    the functions after their subpackages' modules are imported; py.typed is packaged."""
    code = ("import sys, symderiv, symderiv.check.generic, symderiv.load.loader; "
            "print(callable(symderiv.check), callable(symderiv.load), "
            "hasattr(symderiv.options, 'Options')); "
            "import importlib; importlib.reload(symderiv); "
            "print(callable(symderiv.check))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.split() == ["True", "True", "True", "True"]
    light = ("import sys, symderiv; "
             "print(sorted(m for m in ('sympy', 'numpy', 'lark', 'IPython') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", light], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.strip() == "[]"
    assert files("symderiv").joinpath("py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["symderiv"]


def test_a_problem_of_one_check_is_its_error_not_an_exception() -> None:
    """The contract's rule through the API: the check is `error`, the others are checked."""
    report = symderiv.check("title: t\nsymbols: {x: []}\nclaims:\n"
                            "  - {id: a, claim: 'q == 1'}\n  - {id: b, claim: 'x + x == 2 * x'}\n")
    assert [(c.id, c.verdict.value, c.message) for c in report.checks] == [
        ("b", "proved", report.checks[0].message),
        ("a", "error", "<spec>:4:21: unknown name 'q'  [name]")]
