"""The LaTeX and PDF reports on untrusted specs and output folders: a spec's `latex:` cannot
make TeX read a file, cached values are escaped, TeX ignores what the output folder holds,
no write follows a link there, and one spec TeX cannot typeset costs only its own section."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from required_tools import require

from symderiv.cache import load_key
from symderiv.cache.secret import seal, unseal

from symderiv.cli import main
from symderiv.options import Options
from symderiv.pipeline import run
from symderiv.report import latex
from symderiv.report.latex import files, pdf

HERE = Path(__file__).parent.parent
SMALL = HERE / "latex" / "small.yaml"
EVIL = r"\input{/etc/hostname}"
WHITELISTED = r"""title: Whitelisted names
symbols:
  yhat: {shape: [], latex: '\hat{y}'}
  W: {shape: [], latex: '\mathbf{W}'}
  a1: {shape: [], latex: '\alpha_1'}
  xbar: {shape: [], latex: '\bar{x}^2'}
claims:
  - id: names
    claim: yhat + W * a1 == W * a1 + yhat + xbar - xbar
"""
GOOD = "title: Good\nsymbols: {x: []}\nclaims:\n  - id: good-claim\n    claim: x + x == 2 * x\n"


def require_tex() -> None:
    """Skip without latexmk and XeLaTeX locally; in CI (env CI set) a missing TeX fails."""
    require("latexmk", "xelatex", "pdftotext")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def spec(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def nested_fraction(depth: int) -> str:
    """A spec whose claim is a fraction nested `depth` deep: more than TeX's PDF driver can
    typeset."""
    formula = "x"
    for _ in range(depth):
        formula = f"1/(1 + {formula})"
    return (f"title: Deep\nsymbols: {{x: []}}\nclaims:\n  - id: deep-claim\n"
            f"    claim: \"{formula} == {formula}\"\n")


# -- latex: of symbols and definitions ---------------------------------------------------------


def test_latex_input_is_refused_at_load(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`latex: '\\text{\\input{FILE}}'` is a located error (exit 2); no .tex pastes it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n", encoding="utf-8")
    path = spec(tmp_path, "inj.yaml", "title: inj\nsymbols: {x: {shape: [], latex: "
                f"'\\text{{\\input{{{secret}}}}}'}}}}\nclaims:\n  - id: c\n    claim: x == x\n")
    out = tmp_path / "out"
    assert main(["check", str(path), "--latex", str(out), "--no-cache", "--format",
                 "json"]) == 2  # the errors on standard error
    assert (f"{path}:2:34: error: the latex of symbol x: \\text is not an accepted command "
            "(accepted: Greek letters, accents such as \\hat and \\bar, fonts such as \\mathbf "
            "and \\boldsymbol; see the README)  [latex]") in capsys.readouterr().err.splitlines()
    for tex in out.glob("*.tex"):
        assert "\\input{" + str(secret) not in tex.read_text(encoding="utf-8")


def test_whitelisted_latex_is_typeset(tmp_path: Path) -> None:
    """`\\hat{y}`, `\\mathbf{W}`, `\\alpha_1`, `\\bar{x}^2` print as written, and TeX sets them."""
    out = tmp_path / "out"
    path = spec(tmp_path, "names.yaml", WHITELISTED)
    assert main(["check", str(path), "--latex", str(out), "--no-cache"]) == 0
    fragment = (out / "names.tex").read_text(encoding="utf-8")
    assert (r"$\displaystyle \hat{y} + \mathbf{W} \alpha_1 = \mathbf{W} \alpha_1 + \hat{y} "
            r"+ \bar{x}^2 - \bar{x}^2$") in fragment
    require_tex()
    assert main(["check", str(path), "--latex", str(out), "--pdf", "--no-cache"]) == 0
    log = (out / "report.log").read_text(encoding="utf-8", errors="replace")
    assert "Undefined control sequence" not in log
    assert "names" in pdf_text(out / "report.pdf")


def _tamper(value: Any) -> None:
    """Every symbol name, proof label, message and method of cached results made hostile."""
    if isinstance(value, list):
        for item in value:
            _tamper(item)
    elif isinstance(value, dict):
        if isinstance(value.get("symbol"), str):
            value["symbol"] = EVIL
        for key, item in value.items():
            if key == "label" and isinstance(item, str):
                value[key] = f"cases: i = {EVIL}" if item.startswith("cases:") else EVIL
            elif key in ("message", "method", "detail", "formula") and isinstance(item, str):
                value[key] = EVIL
            else:
                _tamper(item)


def test_cached_values_are_escaped(tmp_path: Path) -> None:
    """Names, labels and messages read back from a (tampered) cache reach the report only
    as escaped text."""
    cache = tmp_path / "cache"
    arguments = ["check", str(SMALL), "--cache-dir", str(cache), "--latex"]
    assert main([*arguments, str(tmp_path / "first")]) == 0
    key = load_key()  # sealed with this machine's key: as if the machine had written it
    for path in cache.rglob("*.json"):
        data = json.loads(unseal(key, path.stem, path.read_bytes()) or b"")
        _tamper(data.get("results"))
        path.write_bytes(seal(key, path.stem, json.dumps(data).encode()))
    main([*arguments, str(tmp_path / "second")])
    fragment = (tmp_path / "second" / "small.tex").read_text(encoding="utf-8")
    assert r"\textbackslash{}input\{/etc/hostname\}" in fragment  # the cache was read
    assert "\\input{/" not in fragment
    # a recorded proof's rules and their facts: as escaped text
    assert r"\tag*{\small \textbackslash{}input\{/etc/hostname\}}" in fragment
    assert r"\text{\small with } \adjustbox{max width=0.75\linewidth}{$\displaystyle " \
        r"\text{\textbackslash{}input\{/etc/hostname\}}$}" in fragment


# -- TeX in a private folder -------------------------------------------------------------------


def test_output_folder_rc_and_packages_are_not_used(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A latexmkrc, a .sty and a .cfg in the output folder (even on TEXINPUTS) are ignored."""
    require_tex()
    out = tmp_path / "out"
    out.mkdir()
    marker = tmp_path / "MARKER"
    perl = (f'system("touch {marker}");\n'
            f'$xelatex = "touch {marker}; xelatex %O %S";\n$pdflatex = $xelatex;\n')
    for rc in ("latexmkrc", ".latexmkrc"):
        (out / rc).write_text(perl, encoding="utf-8")
    (out / "booktabs.sty").write_text("\\ProvidesPackage{booktabs}\\AtBeginDocument{EVILSTY}\n",
                                      encoding="utf-8")
    (out / "hyperref.cfg").write_text("\\AtBeginDocument{EVILCFG}\n", encoding="utf-8")
    monkeypatch.setenv("TEXINPUTS", f"{out}:")
    assert main(["check", str(SMALL), "--latex", str(out), "--pdf", "--no-cache"]) == 0
    assert not marker.exists()
    text = pdf_text(out / "report.pdf")
    assert "EVILSTY" not in text and "EVILCFG" not in text
    assert "scalar_hat" in text
    # the folder keeps what it had, plus the report's own files only
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".latexmkrc", "booktabs.sty", "hyperref.cfg", "latexmkrc", "report.log", "report.pdf",
         "report.tex", "small.tex"])


# -- no write through a link -------------------------------------------------------------------


def test_links_in_the_output_folder_are_replaced_not_followed(tmp_path: Path) -> None:
    """`out/report.tex -> victim` (and a fragment's link, a dangling one) leave their targets
    as they were; the report's files are regular files in the folder."""
    out = tmp_path / "out"
    out.mkdir()
    victims = {"report.tex": tmp_path / "victim", "small.tex": tmp_path / "victim-2"}
    for name, victim in victims.items():
        victim.write_text("precious\n", encoding="utf-8")
        (out / name).symlink_to(victim)
    dangling = tmp_path / "created-through-a-link"
    (out / "report.log").symlink_to(dangling)
    assert main(["check", str(SMALL), "--latex", str(out), "--no-cache"]) == 0
    for name, victim in victims.items():
        assert victim.read_text(encoding="utf-8") == "precious\n"
        assert not (out / name).is_symlink()
        assert (out / name).read_text(encoding="utf-8").startswith("\\")
    assert not dangling.exists()
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_pdf_and_log_links_are_replaced_not_followed(tmp_path: Path) -> None:
    """The PDF and the log copied out of the private folder replace links there too."""
    require_tex()
    out = tmp_path / "out"
    out.mkdir()
    for name in ("report.pdf", "report.log"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n", encoding="utf-8")
        (out / name).symlink_to(victim)
    assert main(["check", str(SMALL), "--latex", str(out), "--pdf", "--no-cache"]) == 0
    for name in ("report.pdf", "report.log"):
        assert (tmp_path / f"victim-{name}").read_text(encoding="utf-8") == "precious\n"
        assert not (out / name).is_symlink()
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_write_replaces_a_hard_link(tmp_path: Path) -> None:
    """A hard link's other name keeps its content: the file is replaced, not rewritten."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    os.link(victim, tmp_path / "report.tex")
    assert files.write_text(tmp_path, "report.tex", "new\n") == tmp_path / "report.tex"
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (tmp_path / "report.tex").read_text(encoding="utf-8") == "new\n"


def test_write_into_a_folder_name_fails_cleanly(tmp_path: Path) -> None:
    """A folder where the file should go is an OSError, and no temporary file is left."""
    (tmp_path / "report.tex").mkdir()
    with pytest.raises(OSError):
        files.write_text(tmp_path, "report.tex", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["report.tex"]


# -- one spec TeX cannot typeset ---------------------------------------------------------------


def test_a_failing_section_costs_only_that_section(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A 99-deep nested fraction beside a good spec: a PDF with the good spec and a note for
    the other, a warning naming the deep spec and TeX's first error, exit 2."""
    require_tex()
    deep = spec(tmp_path, "deep.yaml", nested_fraction(99))
    good = spec(tmp_path, "good.yaml", GOOD)
    out = tmp_path / "out"
    assert main(["check", str(deep), str(good), "--latex", str(out), "--pdf",
                 "--no-cache"]) == 2
    errors = capsys.readouterr().err.splitlines()
    warnings = [line for line in errors if ": warning: " in line]
    assert len(warnings) == 1
    assert re.fullmatch(
        re.escape(f"{deep}:1:1: warning: the PDF shows a note instead of this spec's section: "
                  "TeX failed on it: ") + r"\S.*" + re.escape("  [pdf]"), warnings[0])
    assert "apacity exceeded" in warnings[0]
    assert errors[-1] == f"PDF: {out / 'report.pdf'}"
    text = " ".join(pdf_text(out / "report.pdf").split())
    assert "This section could not be typeset: " in text
    assert "Its LaTeX is deep.tex in the report’s folder." in text
    assert "good-claim" in text and "Deep" in text
    assert "deep-claim" not in text
    # the folder's LaTeX is the report as written: the deep spec's section is all there
    assert r"\texttt{deep-{}claim}" in (out / "deep.tex").read_text(encoding="utf-8")


def fake_tex(failing: str) -> Any:
    """A stand-in for `pdf.typeset` (no TeX needed): it writes the files and a log, and fails
    ("! Fake error.") on every document that holds `failing`."""
    def typeset(directory: Path, texts: dict[str, str], timeout: float = 300.0) -> Path:
        # in a private folder of its own, not the output folder
        assert stat.S_IMODE(directory.parent.stat().st_mode) == 0o700
        assert "out" not in directory.parts
        directory.mkdir(mode=0o700)
        log = directory / "report.log"
        if any(failing in text for text in texts.values()):
            log.write_text("! Fake error.\n", encoding="utf-8")
            raise pdf.TexFailed("TeX failed: Fake error.", "Fake error.", log)
        log.write_text("fine\n", encoding="utf-8")
        (directory / "report.pdf").write_bytes(b"%PDF-" + texts["report.tex"][-30:].encode())
        return directory / "report.pdf"
    return typeset


def test_sections_are_compiled_alone_to_find_the_failing_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole report fails: each section is compiled alone, the failing one is replaced by
    its note (escaped), and the report is compiled again."""
    monkeypatch.setattr(pdf, "typeset", fake_tex("deep-{}claim"))
    monkeypatch.setattr(pdf, "commands", lambda main: [["tex", main]])
    deep = spec(tmp_path, "deep.yaml", nested_fraction(3))
    good = spec(tmp_path, "good.yaml", GOOD)
    written = latex.write(run([str(deep), str(good)], Options()), tmp_path / "out")
    made = latex.compile_pdf(written)
    assert [f.section.path for f in made.failures] == [str(deep)]
    assert made.failures[0].render() == (
        f"{deep}:1:1: warning: the PDF shows a note instead of this spec's section: TeX failed "
        "on it: Fake error.  [pdf]")
    assert made.failures[0].note().endswith(
        "\\textbf{This section could not be typeset:} Fake error.\\par\n"
        "{\\small Its LaTeX is \\texttt{deep.tex} in the report's folder.}\\par\n")
    assert made.pdf == tmp_path / "out" / "report.pdf"
    assert (tmp_path / "out" / "report.log").read_text(encoding="utf-8") == "fine\n"


def test_a_report_that_fails_whole_names_the_log(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """When no section fails alone, the error names the report, the log (copied out of the
    private folder) and TeX's first error; no PDF is claimed."""
    monkeypatch.setattr(pdf, "typeset", fake_tex("\\maketitle"))
    monkeypatch.setattr(pdf, "commands", lambda main: [["tex", main]])
    written = latex.write(run([str(spec(tmp_path, "good.yaml", GOOD))], Options()),
                          tmp_path / "out")
    with pytest.raises(latex.LatexError) as caught:
        latex.compile_pdf(written)
    out = tmp_path / "out"
    assert str(caught.value) == (f"TeX failed on {out / 'report.tex'}; see "
                                 f"{out / 'report.log'}: Fake error.")
    assert (out / "report.log").read_text(encoding="utf-8") == "! Fake error.\n"
    assert not (out / "report.pdf").exists()


# -- numbers beyond a float ----------------------------------------------------------------------


def test_overflowing_counterexample_is_printed(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`exp(1000 + x) == 1` is refuted at x = 0 and its left side (e+434) printed: no
    traceback, the usual exit status for a claim that does not hold."""
    path = spec(tmp_path, "big.yaml", "title: big\nsymbols: {x: []}\nclaims:\n  - id: big\n"
                                      "    claim: \"exp(1000 + x) == 1\"\n")
    out = tmp_path / "out"
    assert main(["check", str(path), "--latex", str(out), "--no-cache"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    fragment = (out / "big.tex").read_text(encoding="utf-8")
    assert r"left side & $\approx 1.970071114e+434$ \\" in fragment
