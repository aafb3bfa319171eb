"""Broken inputs and outputs: each is one located line, the rest of the run goes on, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hardening_cases import check

GOOD = "title: good\nsymbols:\n  x: []\nclaims:\n  - id: c\n    claim: x + x == 2 * x\n"


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with one good spec and one of every kind of broken file."""
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes(b"title: caf\xe9\n")
    (tmp_path / "list.yaml").write_text("- title\n- claims\n", encoding="utf-8")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "comments.yml").write_text("# nothing here\n", encoding="utf-8")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "dangling.yaml").symlink_to("missing.yaml")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")  # a folder loop: not followed
    (tmp_path / "notes.txt").write_text("not a spec", encoding="utf-8")
    return tmp_path


def test_every_broken_file_is_one_line_and_the_good_one_is_checked(folder: Path) -> None:
    """Six broken files give six one-line errors; the good spec is still proved; exit 2."""
    run = check(str(folder))
    assert run.status == 2
    assert _errors(run.stderr) == [
        f"{folder}/dangling.yaml:1:1: error: broken or looping symbolic link  [io]",
        f"{folder}/loop.yaml:1:1: error: broken or looping symbolic link  [io]",
        f"{folder}/comments.yml:1:1: error: the spec file is empty  [spec]",
        f"{folder}/empty.yaml:1:1: error: the spec file is empty  [spec]",
        f"{folder}/latin1.yaml:1:11: error: file is not valid UTF-8  [io]",
        f"{folder}/list.yaml:1:1: error: a spec must be a YAML mapping (title, sizes, symbols, "
        "claims, ...)  [type]",
    ]
    good = [f for f in run.report["files"] if f["path"].endswith("good.yaml")]
    assert [c["verdict"] for c in good[0]["checks"]] == ["proved"]
    assert run.report["summary"]["file_errors"] == 6


def test_folder_without_specs(tmp_path: Path) -> None:
    """A folder with no *.yaml or *.yml is one error naming the folder."""
    (tmp_path / "readme.md").write_text("hi", encoding="utf-8")
    run = check(str(tmp_path))
    assert run.status == 2
    assert _errors(run.stderr) == [
        f"{tmp_path}:1:1: error: no spec files (*.yaml, *.yml) in this directory  [io]"]


def test_missing_path_fifo_and_good_file(tmp_path: Path) -> None:
    """A missing path and a FIFO (which would block a read) are errors; the good file runs."""
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    run = check(str(tmp_path / "nope.yaml"), str(fifo), str(good))
    assert run.status == 2
    assert _errors(run.stderr) == [
        f"{tmp_path}/nope.yaml:1:1: error: no such file or directory  [io]",
        f"{fifo}:1:1: error: not a regular file  [io]",
    ]
    assert run.report["files"][2]["checks"][0]["verdict"] == "proved"


def test_unreadable_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission errors on a file and on a subfolder are one line each (root-proof: patched)."""
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "locked.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "private").mkdir()
    real_open, real_scandir = Path.open, os.scandir

    def fake_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    def fake_scandir(path: object) -> object:
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    run = check(str(tmp_path))
    assert run.status == 2
    assert _errors(run.stderr) == [
        f"{tmp_path}/private:1:1: error: cannot read directory: Permission denied  [io]",
        f"{tmp_path}/locked.yaml:1:1: error: cannot read file: Permission denied  [io]",
    ]
    good = [f for f in run.report["files"] if f["path"].endswith("good.yaml")]
    assert good[0]["checks"][0]["verdict"] == "proved"


@pytest.mark.parametrize("form", ["json", "text"])
def test_unwritable_output_is_one_line(tmp_path: Path, form: str) -> None:
    """A report that cannot be written (/dev/full) is one line on stderr and exit 2."""
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "symderiv", "check", "--format", form, str(good)],
            cwd=Path(__file__).parent.parent.parent, stdout=full, stderr=subprocess.PIPE, text=True,
            timeout=120)
    assert result.returncode == 2
    assert result.stderr == "symderiv: error: cannot write the report: No space left on device\n"


def test_internal_error_in_one_file_does_not_stop_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while checking one file becomes that file's one-line error; the next still runs."""
    import symderiv.resolve.scope as scope_module

    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(GOOD.replace("good", "crash"), encoding="utf-8")
    second.write_text(GOOD, encoding="utf-8")
    real = scope_module.build_scope

    def crashing(spec: object) -> object:
        if getattr(spec, "title", "") == "crash":
            raise KeyError("boom")
        return real(spec)  # type: ignore[arg-type]

    monkeypatch.setattr(scope_module, "build_scope", crashing)
    run = check(str(first), str(second))
    assert run.status == 2
    assert _errors(run.stderr) == [f"{first}:1:1: error: internal error (KeyError): 'boom'  "
                                   "[internal]"]
    assert run.report["files"][1]["checks"][0]["verdict"] == "proved"


def test_control_character_in_yaml_is_one_located_line(tmp_path: Path) -> None:
    """A NUL byte (found by fuzzing: PyYAML's ReaderError spans lines) is one located line."""
    spec = tmp_path / "nul.yaml"
    spec.write_bytes(b"title: a\nsource: b\x00c\n")
    run = check(str(spec))
    assert run.status == 2
    assert _errors(run.stderr) == [
        f"{spec}:2:10: error: invalid YAML: character '\\x00' is not allowed  [yaml]"]


def test_unwritable_latex_folder_is_one_line(tmp_path: Path) -> None:
    """--latex into a path under a regular file: one line on stderr, the report still printed,
    exit 2."""
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    run = check("--latex", str(blocker / "out"), str(good))
    assert run.status == 2
    assert _errors(run.stderr) == [
        f"symderiv: error: cannot write the LaTeX report to {blocker}/out: [Errno 20] Not a "
        f"directory: '{blocker}/out'"]
    assert run.report["files"][0]["checks"][0]["verdict"] == "proved"
