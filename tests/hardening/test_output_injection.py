"""Spec text a terminal or a CI runner would act on: newlines that forge workflow commands,
terminal escapes, rich markup, lone surrogates and non-characters, in every report format."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from symderiv.cli import main
from symderiv.report import text
from symderiv.report.progress import ProgressBar
from symderiv.report.safe_text import json_document, one_line, safe_line, xml_document
from symderiv.results import FileResult, Report

FORMATS = ("text", "json", "junit", "sarif", "github")
#: A genuine annotation: one `::error` command whose properties hold no `:` or `,` of their own.
ANNOTATION = re.compile(r"::error file=[^:,]*,line=\d+,col=\d+,title=[^:,]*::[^\r\n]*\Z")
SUMMARY = re.compile(r"\d+ checks: \d+ as expected, \d+ not; \d+ file\(s\) could not be loaded\Z")


def spec(title: str = "t", claim_id: str = "c", by: str = "rewrite") -> str:
    """A spec with one refuted claim and one refuted derivation step. The strings are written
    as JSON, which YAML reads: ASCII, with escapes (a surrogate pair for 😀)."""
    return (f"title: {json.dumps(title)}\nsymbols:\n  x: []\nclaims:\n"
            f"  - id: {json.dumps(claim_id)}\n    claim: x == x + 1\n"
            f"derivations:\n  - id: d\n    steps:\n      - x\n"
            f"      - by: {json.dumps(by)}\n        expr: x + 1\n")


@dataclass(frozen=True)
class Run:
    """What one `symderiv check` printed, decoded as strict UTF-8, and its exit status."""

    status: int
    stdout: str
    stderr: str


def check(*arguments: str, report_format: str = "text") -> Run:
    """`symderiv check` in this process, its output written to strict UTF-8 byte streams (as
    to a pipe), without the cache."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", "--format", report_format, "--no-cache", "-j", "0",
                       *arguments])
    out.flush()
    err.flush()
    return Run(status, out.buffer.getvalue().decode("utf-8"),  # type: ignore[attr-defined]
               err.buffer.getvalue().decode("utf-8"))  # type: ignore[attr-defined]


def commands(output: str) -> list[str]:
    """The lines the GitHub runner would read as workflow commands (`::` after leading blanks,
    or the old `##[` anywhere)."""
    return [line for line in output.splitlines() if line.lstrip().startswith("::")
            or "##[" in line]


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


# -- the helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\nb", "a\\nb"), ("a\rb", "a\\rb"), ("a\tb", "a\\tb"), ("\x1b[2J", "\\x1b[2J"),
    ("\x00\x07\x7f", "\\x00\\x07\\x7f"), ("\x85\x9b", "\\x85\\x9b"),
    ("a\u2028b\u2029", "a\\u2028b\\u2029"), ("\u202eevil\u202c", "\\u202eevil\\u202c"),
    ("\u2066x\u2069", "\\u2066x\\u2069"), ("\ud800\udcff", "\\ud800\\udcff"),
    ("##[add-mask]x", "##\\x5badd-mask]x"),
    ("Σ softmax 链式法则 😀 − ≈ \\sigma [bold]", "Σ softmax 链式法则 😀 − ≈ \\sigma [bold]"),
])
def test_one_line_shows_what_a_terminal_would_obey(raw: str, shown: str) -> None:
    """Controls, separators, bidi controls, lone surrogates and `##[` are escaped, nothing else."""
    assert one_line(raw) == shown


def test_safe_line_defuses_a_leading_workflow_command() -> None:
    """`::` at the start (after blanks) loses its first colon; elsewhere it stays."""
    assert safe_line("::error::x") == "\\x3a:error::x"
    assert safe_line("  \u00a0::add-mask::x") == "  \u00a0\\x3a:add-mask::x"
    assert safe_line("a ::error::x") == "a ::error::x"
    assert safe_line("\n::error::x") == "\\n::error::x"


def test_json_document_keeps_the_data_exact() -> None:
    """Lone surrogates and `##[` are JSON escapes: valid UTF-8, and `json.loads` gives them back."""
    value = {"title": "t\ud800 ##[add-mask]x 链", "path": "caf\udce9.yaml"}
    document = json_document(value)
    document.encode("utf-8")
    assert "##[" not in document
    assert '"t\\ud800 ##\\u005badd-mask]x 链"' in document
    assert json.loads(document) == value


def test_xml_document_holds_only_xml_characters() -> None:
    """Characters XML 1.0 cannot hold become visible escapes; `##[` a character reference."""
    element = ET.Element("case", name="a\uffff\ud800\x01\x9b", note="##[x]")
    element.text = "b\ufffe\x1b[2J\ttab"
    document = xml_document(ET.tostring(element, encoding="unicode"))
    assert "##[" not in document
    parsed = ET.fromstring(document.encode("utf-8"))
    assert parsed.get("name") == "a\\uffff\\ud800\\x01\\x9b"
    assert parsed.get("note") == "##[x]"
    assert parsed.text == "b\\ufffe\\x1b[2J\ttab"


# -- forged workflow commands ----------------------------------------------------------------


def test_newline_in_title_forges_no_command_in_the_text_report(tmp_path: Path) -> None:
    """The title is printed on its header line with `\\n` shown; no line starts with `::`."""
    path = write(tmp_path, "s.yaml", spec(title="t\n::error::forged"))
    run = check(str(path))
    assert run.status == 1
    assert run.stdout.splitlines()[0] == f"{path} — t\\n::error::forged"
    assert commands(run.stdout) == []
    assert run.stderr == ""


def test_newline_in_by_forges_no_command_in_text_or_github(tmp_path: Path) -> None:
    """A `by` with `\\n::error::` and `##[add-mask]` stays on its line in both formats."""
    path = write(tmp_path, "s.yaml", spec(by="a\n::error::forged ##[add-mask]secret"))
    shown = "a\\n::error::forged ##\\x5badd-mask]secret"
    textual = check(str(path))
    assert commands(textual.stdout) == []
    assert f"    step 2 (by {shown}): refuted — fails at the inputs below" \
        in textual.stdout.splitlines()
    annotated = check(str(path), report_format="github")
    lines = annotated.stdout.splitlines()
    assert all(ANNOTATION.match(line) for line in lines[:-1]), lines
    assert SUMMARY.match(lines[-1])
    assert [line.split("::", 2)[1] for line in lines[:-1]] == [
        f"error file={path},line=5,col=5,title=symderiv%3A c refuted",
        f"error file={path},line=8,col=5,title=symderiv%3A d refuted"]
    assert f"%0Astep 2 (by {shown}) at line 12: refuted" in lines[1]
    assert commands(annotated.stdout) == [line for line in lines[:-1]]
    assert annotated.stderr == ""


def test_file_name_with_a_newline_forges_no_command(tmp_path: Path) -> None:
    """A spec file named `bad\\n::error::forged.yaml`: its error is one escaped line on stderr
    and one genuine annotation."""
    write(tmp_path, "bad\n::error::forged.yaml", "")
    shown = f"{tmp_path}/bad\\n::error::forged.yaml"
    for report_format in ("json", "github"):
        run = check(str(tmp_path), report_format=report_format)
        assert run.status == 2
        assert run.stderr.splitlines() == [
            f"{shown}:1:1: error: the spec file is empty  [spec]"]
    lines = run.stdout.splitlines()
    assert lines[0] == (f"::error file={tmp_path}/bad\\n%3A%3Aerror%3A%3Aforged.yaml,line=1,"
                        "col=1,title=symderiv [spec]::the spec file is empty")
    assert ANNOTATION.match(lines[0])
    textual = check(str(tmp_path))
    assert textual.stdout.splitlines()[:2] == [shown, f"{shown}:1:1: error: the spec file is "
                                               "empty  [spec]"]


def test_file_name_starting_with_a_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """`::error::x.yaml` given as it is: every line it begins shows `\\x3a:` instead."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "::error::x.yaml", spec())
    write(tmp_path, "::warning::y.yaml", "")
    run = check("::error::x.yaml", "::warning::y.yaml")
    assert run.stdout.splitlines()[0] == "\\x3a:error::x.yaml — t"
    assert "\\x3a:warning::y.yaml:1:1: error: the spec file is empty  [spec]" \
        in run.stdout.splitlines()
    assert commands(run.stdout) == []
    annotated = check("::error::x.yaml", "::warning::y.yaml", report_format="github")
    assert annotated.stderr == "\\x3a:warning::y.yaml:1:1: error: the spec file is empty  " \
        "[spec]\n"
    assert all(ANNOTATION.match(line) for line in annotated.stdout.splitlines()[:-1])


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("claim_id", "message"), [
    ("c\n::error::forged", "id contains the control character U+000A"),
    ("c\td", "id contains the control character U+0009"),
    ("c\u2028", "id contains the line separator U+2028"),
    ("c\ud800", "id contains the lone surrogate U+D800"),
    ("c\uffff", "id contains the non-character U+FFFF"),
    ("c\ufdd0", "id contains the non-character U+FDD0"),
    ("c\U0010fffe", "id contains the non-character U+10FFFE"),
    ("c\x1b[2J", "id contains the control character U+001B"),
])
def test_an_id_that_cannot_be_printed_is_a_located_error(tmp_path: Path, claim_id: str,
                                                         message: str) -> None:
    """At the id's scalar (line 5, column 9), code [type], exit 2, in every format."""
    path = write(tmp_path, "s.yaml", spec(claim_id=claim_id))
    for report_format in ("json", "github", "junit"):
        run = check(str(path), report_format=report_format)
        assert run.status == 2
        assert run.stderr.splitlines() == [f"{path}:5:9: error: {message}  [type]"]
    assert ET.fromstring(run.stdout.encode("utf-8")).find(
        "testsuite/testcase/error").get("message") == message  # type: ignore[union-attr]


def test_an_id_in_any_script_is_kept(tmp_path: Path) -> None:
    """Letters of any script, and a surrogate pair written as two escapes, are a fine id."""
    path = write(tmp_path, "s.yaml", spec(claim_id="链式-😀"))
    assert '"\\u94fe\\u5f0f-\\ud83d\\ude00"' in path.read_text(encoding="utf-8")
    run = check(str(path), report_format="junit")
    assert run.status == 1
    names = [case.get("name") for case in ET.fromstring(run.stdout.encode("utf-8")).iter(
        "testcase")]
    assert names == ["链式-😀", "d"]


# -- terminal escapes and markup -------------------------------------------------------------


def test_terminal_escapes_are_printed_escaped(tmp_path: Path) -> None:
    """ESC in a title (refused at load) and in a file name (not refusable) reach no terminal."""
    title = write(tmp_path, "title.yaml", spec(title="\x1b]0;pwned\x07\x1b[2J"))
    name = write(tmp_path, "\x1b[2Jname.yaml", spec())
    run = check(str(title), str(name))
    assert "\x1b" not in run.stdout
    assert run.stdout.splitlines()[:3] == [
        str(title), f"{title}:1:8: error: title contains the control character U+001B  [type]",
        ""]
    assert f"{tmp_path}/\\x1b[2Jname.yaml — t" in run.stdout.splitlines()


def test_the_text_renderer_escapes_every_spec_string() -> None:
    """A report whose path, title and errors hold escapes and markup prints them as text."""
    from symderiv.errors import Location, SymderivError

    path = "a\x1b[31m[bold]b.yaml"
    error = SymderivError("unknown key '\\x1b'", Location("x\n::error::y", 1, 2), "key")
    report = Report((FileResult(path, "[red]T[/red] :smile: \u202eevil\x9b2J [/nonsense]",
                                (error,), ()),))
    out = io.StringIO()
    text.render(report, Console(file=out, width=200, highlight=False, soft_wrap=True))
    assert out.getvalue().splitlines()[:2] == [
        "a\\x1b[31m[bold]b.yaml — [red]T[/red] :smile: \\u202eevil\\x9b2J [/nonsense]",
        "x\\n::error::y:1:2: error: unknown key '\\x1b'  [key]"]


def test_progress_bar_shows_a_hostile_file_name_as_text() -> None:
    """Markup (even broken) and escapes in the current file's name neither crash nor reach
    the terminal."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    bar = ProgressBar(console, delay=0)
    bar(1, 3, "[/oops] [bold]x\x1b[2J.yaml")
    bar.close()
    assert "\x1b[2J" not in out.getvalue()
    assert "[/oops] [bold]x\\x1b[2J.yaml" in out.getvalue()


# -- any Unicode in every format -------------------------------------------------------------


@pytest.mark.parametrize("report_format", FORMATS)
def test_lone_surrogate_in_a_title_and_a_by(tmp_path: Path, report_format: str) -> None:
    """YAML "\\ud800" in the title and in a `by`: every format writes valid UTF-8 and parses."""
    path = write(tmp_path, "s.yaml", spec(title="t\ud800", by="b\udfff"))
    run = check(str(path), report_format=report_format)
    assert run.status == 1
    assert run.stderr == ""
    if report_format == "text":
        assert run.stdout.splitlines()[0] == f"{path} — t\\ud800"
        assert "    step 2 (by b\\udfff): refuted — fails at the inputs below" \
            in run.stdout.splitlines()
    elif report_format == "json":
        report = json.loads(run.stdout)
        assert report["files"][0]["title"] == "t\ud800"
        assert report["files"][0]["checks"][1]["steps"][0]["by"] == "b\udfff"
    elif report_format == "sarif":
        results = json.loads(run.stdout)["runs"][0]["results"]
        assert "step 2 (by b\\udfff) at line 12" in results[1]["message"]["text"]
    elif report_format == "junit":
        failures = ET.fromstring(run.stdout.encode("utf-8")).iter("failure")
        assert "step 2 (by b\\udfff) at line 12" in [f.text for f in failures][1]
    else:
        assert "%0Astep 2 (by b\\udfff) at line 12: refuted" in run.stdout


def test_lone_surrogate_in_a_title_with_the_cache(tmp_path: Path) -> None:
    """With the cache on, a lone surrogate in a title is stored (or skipped), never a crash."""
    path = write(tmp_path, "s.yaml", spec(title="t\ud800", by="b\udfff"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", "--format", "json", "-j", "0", "--cache-dir",
                       str(tmp_path / "cache"), str(path)])
    assert status == 1
    assert json.loads(out.getvalue())["files"][0]["title"] == "t\ud800"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # read back
        assert main(["check", "--format", "json", "-j", "0", "--cache-dir",
                     str(tmp_path / "cache"), str(path)]) == 1
    report = json.loads(out.getvalue())
    assert report["files"][0]["title"] == "t\ud800"
    stored = [f.read_bytes() for f in (tmp_path / "cache").rglob("*") if f.is_file()]
    assert any(b'"t\\ud800"' in data for data in stored)  # kept as a JSON escape


def test_a_surrogate_pair_is_the_character_it_encodes(tmp_path: Path) -> None:
    """YAML "\\ud83d\\ude00" (two escapes) in a title is the one character 😀."""
    path = write(tmp_path, "s.yaml", spec(title="😀"))
    assert path.read_text(encoding="utf-8").startswith('title: "\\ud83d\\ude00"\n')
    run = check(str(path), report_format="json")
    assert json.loads(run.stdout)["files"][0]["title"] == "😀"
    assert '"title": "😀"' in run.stdout


@pytest.mark.parametrize("report_format", FORMATS)
def test_file_names_that_are_not_utf8_or_not_xml(tmp_path: Path, report_format: str) -> None:
    """A Latin-1 file name (a lone surrogate once decoded) and one with U+FFFF: every format
    succeeds, JSON gives the name back exactly, XML parses."""
    folder = os.fsencode(tmp_path)
    for name in (b"caf\xe9.yaml", "non\uffff.yaml".encode()):
        with open(os.path.join(folder, name), "wb") as stream:
            stream.write(spec().encode("utf-8"))
    run = check(str(tmp_path), report_format=report_format)
    assert run.status == 1
    paths = [os.path.join(str(tmp_path), "caf\udce9.yaml"),
             os.path.join(str(tmp_path), "non\uffff.yaml")]
    if report_format == "json":
        assert [f["path"] for f in json.loads(run.stdout)["files"]] == paths
        assert os.fsencode(paths[0]) == os.path.join(folder, b"caf\xe9.yaml")
    elif report_format == "sarif":
        json.loads(run.stdout)
    elif report_format == "junit":
        suites = ET.fromstring(run.stdout.encode("utf-8")).findall("testsuite")
        assert [s.get("name") for s in suites] == [f"{tmp_path}/caf\\udce9.yaml",
                                                   f"{tmp_path}/non\\uffff.yaml"]
    elif report_format == "text":
        assert f"{tmp_path}/caf\\udce9.yaml — t" in run.stdout.splitlines()
    else:
        assert f"file={tmp_path}/caf\\udce9.yaml,line=5" in run.stdout
