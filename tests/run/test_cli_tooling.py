"""The command line's tooling: start-up imports, schema, cache options, progress, hooks."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from symderiv.cli import main
from symderiv.report.progress import ProgressBar

ROOT = Path(__file__).parent.parent.parent
SPECS = Path(__file__).parent.parent / "specs" / "tooling"


def symderiv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m symderiv ARGS` from this checkout, output captured (not a terminal)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "symderiv", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["check", "--help"]])
def test_start_up_imports_neither_sympy_nor_numpy(argv: list[str]) -> None:
    """--help and --version answer without importing sympy, numpy or the engine."""
    code = ("import sys\nfrom symderiv.cli import main\ntry:\n    main(%r)\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'numpy', 'mpmath', 'lark', "
            "'symderiv.check.decide') if m in sys.modules), file=sys.stderr)" % argv)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_version() -> None:
    """--version prints the package version."""
    result = subprocess.run([sys.executable, "-m", "symderiv", "--version"], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.stdout == f"symderiv {__import__('symderiv').__version__}\n"


@pytest.mark.parametrize("spec, status", [
    (ROOT / "derivations" / "softmax.yaml", 0),
    (SPECS / "mixed.yaml", 1),
    (ROOT / "tests" / "specs" / "bad" / "unknown-name.yaml", 1),  # the claim's own error
    (ROOT / "tests" / "specs" / "bad" / "used-before-defined.yaml", 2),  # the file's
])
def test_command_ends_with_the_status_and_the_whole_report(spec: Path, status: int,
                                                           tmp_path: Path) -> None:
    """The command ends the process early (no interpreter teardown): nothing may be lost."""
    result = symderiv("check", str(spec), "--format", "json", "--no-cache", cwd=tmp_path)
    assert result.returncode == status
    report = json.loads(result.stdout)  # all of it was written: it parses
    assert report["files"][0]["path"] == str(spec)
    if status == 2:
        assert result.stderr.startswith(f"{spec}:")
    elif spec.name == "unknown-name.yaml":
        assert [c["message"] for c in report["files"][0]["checks"]] == [
            f"{spec}:9:24: unknown name 'b'  [name]"]


def test_schema_command_prints_the_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`symderiv schema` prints a draft-07 JSON Schema that accepts the test specs."""
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft7Validator.check_schema(schema)
    for path in sorted(SPECS.glob("*.yaml")) + sorted((ROOT / "derivations").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)


def test_warm_run_is_cached_and_identical(tmp_path: Path) -> None:
    """The second run prints the same JSON; --cache-dir chooses where; no progress output."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    cold = symderiv("check", ".", "--format", "json", "--cache-dir", "c", cwd=tmp_path)
    warm = symderiv("check", ".", "--format", "json", "--cache-dir", "c", cwd=tmp_path)

    def stable(out: str) -> object:
        data = json.loads(out)
        for file in data["files"]:
            for check in file["checks"]:
                check.pop("seconds")
        return data
    assert cold.returncode == warm.returncode == 1
    assert stable(cold.stdout) == stable(warm.stdout)
    assert (tmp_path / "c" / "CACHEDIR.TAG").is_file()
    assert not (tmp_path / ".symderiv_cache").exists()
    assert cold.stderr == warm.stderr == ""


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    """--no-cache leaves the folder as it was; text output to a pipe has no progress bar."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    result = symderiv("check", "mixed.yaml", "--no-cache", "--jobs", "2", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixed.yaml"]
    assert result.stdout.splitlines()[-1] == \
        "5 checks: 4 as expected, 1 not (3 proved, 2 refuted)"
    assert "checking" not in result.stdout + result.stderr
    assert "━" not in result.stdout + result.stderr


def test_only_specs_skips_other_yaml(tmp_path: Path) -> None:
    """--only-specs (the pre-commit hook) ignores YAML that is not a spec."""
    (tmp_path / "config.yaml").write_text("title: site\nnav: [a]\n", "utf-8")
    result = symderiv("check", "--only-specs", "--no-cache", "config.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    shutil.copy(SPECS / "broken.yaml", tmp_path / "broken.yaml")
    result = symderiv("check", "--only-specs", "--no-cache", "config.yaml", "broken.yaml",
                      cwd=tmp_path)
    assert result.returncode == 2
    assert "broken.yaml:7:20: error: unknown name 'b'  [name]" in result.stdout


def test_progress_bar_on_a_terminal() -> None:
    """On a terminal the bar shows checks done / total and the current file."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    bar = ProgressBar(console, delay=0)
    bar(3, 10, "derivations/softmax.yaml")
    bar.close()
    assert "3/10" in out.getvalue()
    assert "derivations/softmax.yaml" in out.getvalue()


def test_progress_bar_waits_for_a_moment() -> None:
    """A run that ends within the delay draws nothing."""
    out = io.StringIO()
    bar = ProgressBar(Console(file=out, force_terminal=True), delay=60)
    bar(3, 10, "a.yaml")
    bar.close()
    assert out.getvalue() == ""


def test_pre_commit_hook_runs_check_on_specs() -> None:
    """The hook runs `symderiv check --only-specs` on changed YAML files."""
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "symderiv"
    assert hook["entry"] == "symderiv check --only-specs"
    assert hook["types"] == ["yaml"]
    assert hook["language"] == "python"


def test_latex_report_is_the_same_from_the_cache(tmp_path: Path) -> None:
    """--latex from cached results (proofs, diagnoses, suggestions) equals the cold one."""
    shutil.copy(SPECS / "mixed.yaml", tmp_path / "mixed.yaml")
    for name in ("cold", "warm"):
        symderiv("check", "mixed.yaml", "--latex", name, "--cache-dir", "c", cwd=tmp_path)
    cold = (tmp_path / "cold" / "mixed.tex").read_text("utf-8")
    assert (tmp_path / "warm" / "mixed.tex").read_text("utf-8") == cold
    assert "Suggested correction" in cold
