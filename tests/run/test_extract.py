"""`symderiv extract`: formulas and their lines in Markdown and LaTeX, the skeleton, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from symderiv.cli import main
from symderiv.extract import Extraction, extract, skeleton

FIXTURES = Path(__file__).parent.parent / "extract"


def notes() -> Extraction:
    path = FIXTURES / "notes.md"
    return extract(str(path), path.read_text("utf-8"))


def test_markdown_formulas_with_their_lines() -> None:
    """Inline, $$ (also in a blockquote), multi-line $$ split at \\\\, and a matrix block;
    code, escaped dollars and prose are left out."""
    found = [(f.line, f.tex, f.kind, f.equation) for f in notes().formulas]
    assert found == [
        (3, "S_i = \\frac{e^{a_i}}{\\sum_{k=1}^{N} e^{a_k}}", "inline", True),
        (3, "i", "inline", False),
        (5, "D_jS_i", "inline", False),
        (5, "i=j", "inline", False),
        (8, "D_jS_i=S_i(1(i=j)-S_j)", "display", True),
        (14, "\\frac{\\partial S_i}{\\partial a_j} = S_i(\\delta_{ij} - S_j)", "display", True),
        (24, "D_1g_1=x_1", "display", True),
        (25, "\\cdots", "display", False),
        (26, "D_{N}g_1=x_N", "display", True),
        (30, "\\left[ \\begin{matrix} W_{11} W_{12} \\\\ W_{21} W_{22} \\\\ \\end{matrix} "
             "\\right]", "matrix", False),
        (38, "令t=f(x)", "inline", False),
    ]


def test_images_and_inferred_names() -> None:
    """Both images are counted by line; W_{11} makes W a matrix, \\sum_{k=1}^{N} k and N."""
    extraction = notes()
    assert extraction.images == (11, 38)
    inferred = extraction.inferred
    assert (inferred.sizes, inferred.indices) == (("N",), ("i", "j", "k"))
    assert [(name, rank) for name, rank, _ in inferred.symbols] == [
        ("S", 1), ("W", 2), ("a", 1), ("g", 1), ("x", 1)]


def test_latex_file() -> None:
    """\\(…\\), equation and \\[…\\] are found; comments are not; \\includegraphics counts."""
    path = FIXTURES / "paper.tex"
    extraction = extract(str(path), path.read_text("utf-8"))
    assert [(f.line, f.tex) for f in extraction.formulas] == [
        (4, "S_i = 1"), (6, "L = -\\log S_y"), (8, "a_i = b_i")]
    assert extraction.images == (9,)


def test_skeleton_is_yaml_with_one_tex_claim_per_equation() -> None:
    """The draft parses as YAML; claims carry the tex and the line; guesses are TODO."""
    draft = skeleton(notes())
    data = yaml.safe_load(draft)
    assert [(c["id"], c["tex"]) for c in data["claims"]] == [
        ("line-3", "S_i = \\frac{e^{a_i}}{\\sum_{k=1}^{N} e^{a_k}}"),
        ("line-8", "D_jS_i=S_i(1(i=j)-S_j)"),
        ("line-14", "\\frac{\\partial S_i}{\\partial a_j} = S_i(\\delta_{ij} - S_j)"),
        ("line-24", "D_1g_1=x_1"),
        ("line-26", "D_{N}g_1=x_N"),
    ]
    assert data["source"] == "notes.md, formulas at lines 3, 8, 14, 24, 26"
    assert data["indices"] == {"i": "N", "j": "N", "k": "N"}
    assert data["symbols"]["W"] == ["N", "N"]
    assert "    tex: 'D_jS_i=S_i(1(i=j)-S_j)'  # line 8" in draft.splitlines()
    assert "# 2 images (![…](…png)) may hold formulas" in draft


def test_cli_writes_the_skeleton(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`symderiv extract FILE -o OUT` writes OUT and summarises the counts on stderr."""
    out = tmp_path / "draft.yaml"
    assert main(["extract", str(FIXTURES / "notes.md"), "-o", str(out)]) == 0
    assert out.read_text("utf-8") == skeleton(notes())
    err = capsys.readouterr().err
    assert err.endswith("11 formulas, 5 look like equations (claims); 2 images may hold "
                        "formulas that cannot be read\n")


def test_cli_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable file is a located error and exit status 2."""
    assert main(["extract", "no/such/file.md"]) == 2
    assert capsys.readouterr().err.startswith("no/such/file.md:1:1: error: cannot read")


def test_extract_help_imports_no_sympy() -> None:
    """`symderiv extract --help` stays light: neither sympy nor numpy is imported."""
    code = ("import sys\nfrom symderiv.cli import main\ntry:\n    main(['extract', '--help'])\n"
            "except SystemExit:\n    pass\nprint('sympy' in sys.modules, 'numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parent.parent.parent)
    assert result.stdout.splitlines()[-1] == "False False"


def test_what_is_not_math_in_markdown() -> None:
    """Prices, HTML comments and indented code are not formulas; rows of an `aligned` block
    start on their own lines without the environment's markers (found by an audit)."""
    text = ("Cost is $5 and $6 total, $x_i$ too.\n"      # 1
            "\n"                                          # 2
            "    $$ indented = code $$\n"                 # 3
            "\n"                                          # 4
            "<!-- $$ hidden = 1 $$\n"                     # 5
            "still hidden $y = 2$ -->\n"                  # 6
            "$$\n"                                        # 7
            "\\begin{aligned}\n"                          # 8
            "L &= a_1 \\\\\n"                             # 9
            "  &= a_2\n"                                  # 10
            "\\end{aligned}\n"                            # 11
            "$$\n")                                       # 12
    found = [(f.line, f.tex) for f in extract("notes.md", text).formulas]
    assert found == [(1, "x_i"), (9, "L = a_1"), (10, "= a_2")]
