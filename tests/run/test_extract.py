"""`symderiv extract`: formulas and their lines in Markdown and LaTeX, the skeleton, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from symderiv.cli import main
from symderiv.extract import Extraction, extract, skeleton, summary

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
    assert extraction.images == ("line 11", "line 38")
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
    assert extraction.images == ("line 9",)


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
    assert found == [(1, "x_i"), (9, "L = a_1"), (10, "a_1 = a_2")]  # a chain, row by row


# -- chains, conditions, titles, notebooks (issue 17) ------------------------------------------


def equations(text: str, path: str = "notes.md") -> list[tuple[int, str, str]]:
    return [(f.line, f.tex, f.where) for f in extract(path, text).equations]


def test_a_chain_of_equalities_is_one_claim_per_step() -> None:
    """`A = B = C` is `A = B` and `B = C` (check refuses a chain); `=` inside brackets and
    `\\leq`, `==` are no steps."""
    assert equations("$$L = a + b = c - d = e$$\n$x_{i=1} = 1(i=j) = y$\n") == [
        (1, "L = a + b", ""), (1, "a + b = c - d", ""), (1, "c - d = e", ""),
        (2, "x_{i=1} = 1(i=j)", ""), (2, "1(i=j) = y", "")]
    assert equations("$a \\leq b = c$") == [(1, "a \\leq b = c", "")]


def test_a_condition_inside_the_math_is_the_where() -> None:
    assert equations("$$D_jS_i = S_i(1 - S_j), \\quad i = j$$\n"
                     "$$D_jS_i = -S_iS_j \\qquad \\text{if } i \\neq j.$$\n"
                     "$$x_i = y_j \\text{ for } i \\ne j$$\n") == [
        (1, "D_jS_i = S_i(1 - S_j)", "i == j"), (2, "D_jS_i = -S_iS_j", "i != j"),
        (3, "x_i = y_j", "i != j")]


def test_a_condition_beside_the_formula_is_the_where() -> None:
    """In math on the formula's line (the nearest, after it first), or in its prose."""
    text = ("and $D_jS_i = -S_iS_j$ for $i \\neq j$.\n"           # 1: after
            "[克罗内克函数 $t=i$时 $\\delta_{ti}=1$]\n"              # 2: before
            "$e^{a_j} = g_j$，当且仅当i=j，否则结果为0。\n"          # 3: prose, Chinese
            "The sum $s_k = 0$ when k = j.\n"                       # 4: prose
            "$a_i = b_i$ and $c_i = d_i$ for $i = j$\n"             # 5: the nearest
            "$D_jS_i=S_i(1(i=j)-S_j)$, where 1($i=j$) is 1 when $i=j$.\n"  # 6: explains
            "$$x_i = 1$$\n"                                         # 7: none
            "for $i = j$ on the next line\n")                       # 8
    assert equations(text) == [
        (1, "D_jS_i = -S_iS_j", "i != j"), (2, "\\delta_{ti}=1", "t == i"),
        (3, "e^{a_j} = g_j", "i == j"), (4, "s_k = 0", "k == j"), (5, "a_i = b_i", "i == j"),
        (5, "c_i = d_i", "i == j"), (6, "D_jS_i=S_i(1(i=j)-S_j)", ""), (7, "x_i = 1", "")]


@pytest.mark.parametrize("text, path, title", [
    ("intro\n\n# Softmax **and** its `Jacobian` #\n\n## 1. More\n", "n.md",
     "Softmax and its Jacobian"),
    ("Softmax notes\n=============\n\n# Later\n", "n.md", "Softmax notes"),
    ("```\n# not a heading\n```\n    # code\n## Real\n", "n.md", "Real"),
    ("% \\title{commented}\n\\title{Softmax \\emph{layer}}\n\\section{One}\n", "n.tex",
     "Softmax \\emph{layer}"),
    ("\\section*{Only a section}\n", "n.tex", "Only a section"),
    ("no heading at all, $x = 1$\n", "n.md", ""),
])
def test_the_first_heading_is_the_title(text: str, path: str, title: str) -> None:
    extraction = extract(path, text)
    assert extraction.title == title
    line = next(x for x in skeleton(extraction).splitlines() if x.startswith("title:"))
    assert line == (f"title: '{title}'  # the first heading" if title else "title: 'TODO: n'")


def test_counts_are_worded_for_one() -> None:
    """"1 image", "1 formula", "looks like an equation" (it said "1 images")."""
    extraction = extract("one.md", "$$x = 1$$\n\n![a](a.png)\n")
    draft = skeleton(extraction)
    assert "# 1 formula found, 1 looks like an equation (the claims below);" in draft
    assert "# 1 image (![…](…png)) may hold formulas that cannot be read" in draft
    assert "source: 'one.md, formula at line 1'" in draft
    assert summary(extraction) == ("one.md: 1 formula, 1 looks like an equation (claims); "
                                   "1 image may hold formulas that cannot be read")


NOTEBOOK = FIXTURES / "softmax.ipynb"


def test_a_notebook_is_read_cell_by_cell() -> None:
    """Markdown cells only, each formula placed by cell and line; the first heading is the
    title; a code cell's strings are no formulas."""
    extraction = extract(str(NOTEBOOK), NOTEBOOK.read_text("utf-8"))
    assert [(f.cell, f.line, f.tex, f.where) for f in extraction.equations] == [
        (1, 4, "S_i = \\frac{e^{a_i}}{\\sum_{k=1}^{N} e^{a_k}}", ""),
        (3, 3, "D_jS_i = S_i(1 - S_j)", "i == j"),
        (3, 5, "D_jS_i = -S_iS_j", "i != j"),
        (4, 1, "D_jS_i = S_i(\\delta_{ij} - S_j)", ""),
        (4, 1, "S_i(\\delta_{ij} - S_j) = S_i\\delta_{ij} - S_iS_j", "")]
    assert extraction.images == ("cell 3, line 7",)
    assert extraction.title == "Softmax in a notebook"
    draft = skeleton(extraction)
    assert ("source: 'softmax.ipynb, formulas at cell 1, line 4; cell 3, line 3; cell 3, "
            "line 5; cell 4, line 1'") in draft
    assert [c["id"] for c in yaml.safe_load(draft)["claims"]] == [
        "cell-1-line-4", "cell-3-line-3", "cell-3-line-5", "cell-4-line-1", "cell-4-line-1-2"]
    assert "    tex: 'D_jS_i = -S_iS_j'  # cell 3, line 5" in draft.splitlines()


def test_a_filled_skeleton_is_accepted_by_check(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Replace the notebook skeleton's TODOs as an author would: every claim it drafted, the
    chain's steps and the conditions beside formulas included, is checked and proved."""
    draft = skeleton(extract(str(NOTEBOOK), NOTEBOOK.read_text("utf-8")))
    data = yaml.safe_load(draft)
    data["sizes"] = {"N": [1, 2, 3]}
    data["symbols"] = {"a": ["N"]}
    data["define"] = {"S[i]": "exp(a[i]) / sum(exp(a[k]), k)"}
    filled = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert "TODO" not in filled
    spec = tmp_path / "softmax.yaml"
    spec.write_text(filled, encoding="utf-8")
    status = main(["check", str(spec), "--format", "json", "--no-cache"])
    checks = json.loads(capsys.readouterr().out)["files"][0]["checks"]
    assert [(c["id"], c["verdict"]) for c in checks] == [
        ("cell-1-line-4", "proved"), ("cell-3-line-3", "proved"), ("cell-3-line-5", "proved"),
        ("cell-4-line-1", "proved"), ("cell-4-line-1-2", "proved")]
    assert status == 0


@pytest.mark.parametrize("text, where, message", [
    ('{"cells": [', "1:12", "not a notebook: invalid JSON: Expecting value"),
    ('{"nbformat": 4}', "1:1", "not a notebook: no list of 'cells' (nbformat 4)"),
    ('{"cells": [{"cell_type": "markdown", "source": 3}]}', "1:1",
     "not a notebook: the source of cell 1 is not text"),
])
def test_a_broken_notebook_is_a_located_error(text: str, where: str, message: str,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(text, encoding="utf-8")
    assert main(["extract", str(path)]) == 2
    assert capsys.readouterr().err == f"{path}:{where}: error: {message}  [notebook]\n"
