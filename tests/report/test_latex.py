"""The LaTeX report: escaping, document structure, and compiled PDFs (pdftotext)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from required_tools import require

from symderiv.check.verdict import Diagnosis
from symderiv.options import Options
from symderiv.cli import main
from symderiv.report import latex
from symderiv.pipeline import run
from symderiv.results import FileResult, Report

HERE = Path(__file__).parent.parent
SMALL = HERE / "latex" / "small.yaml"
DERIVATIONS = HERE.parent / "derivations"


def require_tex() -> None:
    """Skip without XeLaTeX locally; in CI (env CI set) a missing TeX is a failure."""
    require("xelatex", "pdftotext")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def check_block(fragment: str, check_id: str) -> str:
    """The LaTeX of one check's subsection."""
    for block in fragment.split(r"\subsection{")[1:]:
        if block.startswith(rf"\texttt{{{check_id}}} "):
            return block
    raise AssertionError(f"no subsection for {check_id}")


@pytest.fixture(scope="module")
def small_report() -> Report:
    return run([str(SMALL)], Options())


@pytest.fixture(scope="module")
def small_fragment(small_report: Report) -> str:
    return latex.spec_fragment(small_report.files[0])


# -- escaping ----------------------------------------------------------------------------------


def test_escape_special_characters() -> None:
    """Every TeX special character is quoted."""
    assert latex.escape(r"_ % & # $ \ { } ~ ^") == (
        r"\textunderscore{} \% \& \# \$ \textbackslash{} \{ \} \textasciitilde{} "
        r"\textasciicircum{}")


def test_escape_unicode() -> None:
    """CJK stays as is (xeCJK), math symbols and Greek go to math, control chars to spaces."""
    assert latex.escape("导数 δ≠Σ\tx") == \
        r"导数 \ensuremath{\delta}\ensuremath{\neq}\ensuremath{\Sigma} x"


def test_escape_punctuation_not_full_width() -> None:
    """Dashes and curly quotes use TeX's ligatures, so xeCJK does not widen them."""
    assert latex.escape("a — “b” – ‘c’") == "a {---} {``}b{''} {--} {`}c{'}"


def test_code_is_verbatim_and_safe() -> None:
    """Author text is shown letter for letter in typewriter type, without \\verb."""
    assert latex.code(r"\delta_{ij} -- x") == \
        r"\texttt{\textbackslash{}delta\textunderscore{}\{ij\}\ -{}-{}\ x}"


@pytest.mark.parametrize(("exact", "text", "expected"), [
    ("1/4", "0.25", r"\tfrac{1}{4}"),
    ("-3", "-3.0", "-3"),
    (None, "0.25", "0.25"),
    (None, "5.43656365691809047072057494271", r"\approx 5.436563657"),
    # beyond a float (exp(1000 + x) at x = 0), to 10 digits in decimal arithmetic
    (None, "1.97007111401704699388887935224e+434", r"\approx 1.970071114e+434"),
    (None, "1e+434", "1e+434"),
    (None, "-2.5e-400", "-2.5e-400"),
    (None, "inf", r"\text{overflow}"),
    (None, "-inf", r"-\text{overflow}"),
    (None, "nan", r"\text{NaN}"),
])
def test_counterexample_numbers(exact: str | None, text: str, expected: str) -> None:
    """Exact values as fractions; long decimals shortened to 10 digits with ≈; values beyond a
    float's range in decimal, an infinite one as an overflow."""
    assert latex.exact_or_rounded(exact, text) == expected


def test_fragment_names_distinct_and_safe() -> None:
    """Spec files with the same stem or unsafe names get distinct TeX-safe names."""
    results = [FileResult(p, None, (), ()) for p in
               ("a/soft max.yaml", "b/soft max.yaml", "导数.yaml", "report.yaml")]
    assert latex.fragment_names(results) == ["soft-max", "soft-max-2", "spec", "report-spec"]


# -- structure ---------------------------------------------------------------------------------


def test_fragment_has_every_check_in_order(small_fragment: str) -> None:
    """One numbered subsection per check, in the order of the report."""
    headings = [line for line in small_fragment.splitlines() if line.startswith(r"\subsection{")]
    pattern = re.compile(r"\\subsection\{\\texttt\{(.*?)\} \\textmd")
    ids = [match.group(1) for match in map(pattern.match, headings) if match]
    assert ids == ["kronecker-{}form", "kronecker-{}form.tex", "identity-{}matrix-{}form",
                   "prefix-{}sum", "dropped-{}delta",
                   r"scalar\textunderscore{}hat", "quotient-{}rule", "wrong-{}step", "S.numpy",
                   r"small\textunderscore{}logits"]


def test_fragment_title_source_declarations_definitions(small_fragment: str) -> None:
    """Title and source escaped, declarations as sentences, definitions displayed."""
    assert small_fragment.startswith(
        r"\section{Softmax 导数: 50\% \& \#1 \$x\textunderscore{}i\$ \textbackslash{} \{a\} "
        r"\textasciitilde{} \textasciicircum{} \textless{}\ensuremath{\delta} "
        r"\ensuremath{\neq} \ensuremath{\varepsilon}\textgreater{}}" + "\n")
    assert "Source: 损失函数CrossEntropyLoss详解 §2 {---} a\\textunderscore{}b \\% \\& \\# \\$" \
        in small_fragment
    assert r"Sizes (positive integers; the bounded checks use the listed values): " \
        r"$N \in \{1, 2, 3\}$." in small_fragment
    assert r"$i$, $j$, $k$ range over $1, \dots, N$." in small_fragment
    assert r"Inputs: $a \in \mathbb{R}^{N}$, $\hat{z} \in \mathbb{R}$." in small_fragment
    assert r"$\displaystyle S_{i} = \frac{e^{a_{i}}}{\sum_{k=1}^{N} e^{a_{k}}}$" \
        in small_fragment


def test_claim_block(small_fragment: str) -> None:
    """A proved claim: equation, the author's tex verbatim, the verdict, the proof chain."""
    block = check_block(small_fragment, "kronecker-{}form")
    assert r"\frac{\partial S_{i}}{\partial a_{j}} = S_{i} \left(\delta_{ij} - S_{j}\right)" \
        in block
    assert (r"As written in the material: \texttt{D\textunderscore{}j\ S\textunderscore{}i\ "
            r"=\ S\textunderscore{}i(\textbackslash{}delta\textunderscore{}\{ij\}\ -{}\ "
            r"S\textunderscore{}j)}") in block
    assert r"\textbf{proved for all sizes}" in block
    # the recorded proof: aligned at =, each rule flush right (\tag*), its facts under it
    assert r"\textit{Proof.}" in block and "Proof (sympy)" not in block
    assert re.findall(r"\\tag\*\{\\small ([^}]*)\}", block) == [
        "substitute the definition", "quotient rule", "fold the definition S", "factor"]
    assert (r"\frac{\partial S_{i}}{\partial a_{j}}&= \adjustbox{max width=0.56\linewidth}"
            r"{$\displaystyle \frac{\partial}{\partial a_{j}}\left(\frac{e^{a_{i}}}"
            r"{\sum_{k=1}^{N} e^{a_{k}}}\right)$}") in block
    assert (r"$\displaystyle \frac{\delta_{ij} \left(\sum_{k=1}^{N} e^{a_{k}}\right) e^{a_{i}} - "
            r"e^{a_{i}} e^{a_{j}}}{\left(\sum_{k=1}^{N} e^{a_{k}}\right)^{2}}$") in block
    assert (r"$\displaystyle \frac{e^{a_{i}}}{\sum_{k=1}^{N} e^{a_{k}}} = S_{i}$} \\" + "\n"
            r"&= \adjustbox{max width=0.79\linewidth}") in block
    assert (r"\text{\small with } \adjustbox{max width=0.75\linewidth}{$\displaystyle "
            r"\frac{\partial}{\partial a_{j}}\left(\sum_{k=1}^{N} e^{a_{k}}\right) = "
            r"e^{a_{j}}$}") in block
    assert r"$\displaystyle S_{i} \delta_{ij} - S_{i} S_{j}$" in block


def test_tex_check_block(small_fragment: str) -> None:
    """ID.tex shows the material's LaTeX verbatim and the formula it was read as."""
    block = check_block(small_fragment, "kronecker-{}form.tex")
    assert r"The formula as the material writes it: \texttt{D\textunderscore{}j" in block
    assert r"\frac{\partial S_{i}}{\partial a_{j}} = S_{i} \left(\delta_{ij} - S_{j}\right)" \
        in block
    assert "the LaTeX says what the claim says" in block


def test_verified_and_refuted_blocks(small_fragment: str) -> None:
    """Verified names its sizes; a whole-matrix claim is proved entry-wise; refuted shows
    the counterexample table."""
    verified = check_block(small_fragment, "prefix-{}sum")
    assert r"\textbf{verified for N \ensuremath{\in} \{1, 2, 3\}}" in verified
    matrix = check_block(small_fragment, "identity-{}matrix-{}form")
    assert r"\textbf{proved for all sizes}" in matrix
    assert r"\operatorname{diag}\left(S\right) - S S^{\top}" in matrix
    assert r"\intertext{\small left side, entry [r, c]:}" in matrix
    refuted = check_block(small_fragment, "dropped-{}delta")
    assert r"\textbf{refuted} \emph{(expected: the spec records this as a mistake)}" in refuted
    assert "$N$ & $2$ \\\\\n$i$ & $1$ \\\\\n$j$ & $2$ \\\\\n$a$ & $(0, 0)$ \\\\\n" \
        "left side & $-\\tfrac{1}{4}$ \\\\\nright side & $\\tfrac{1}{4}$ \\\\\n" \
        "left $-$ right & $-\\tfrac{1}{2}$ \\\\" in refuted
    assert "Suggested correction (proved):\n" in refuted
    # said once: displayed as an equation, not also as a diagnosis line
    assert refuted.count("Suggested correction") == 1 and "suggested:" not in refuted
    assert r"= S_{i} \left(\delta_{ij} - S_{j}\right)$" in refuted.split("Suggested")[-1]


def test_derivation_block(small_fragment: str) -> None:
    """A derivation is an align* with every step, its `by`, a mark and ≠ for a wrong step."""
    good = check_block(small_fragment, "quotient-{}rule")
    bad = check_block(small_fragment, "wrong-{}step")
    assert good.count(r"\intertext{") == 2
    assert r"step 2 by quotient rule (链式法则), 100\% \& more" in good
    assert "\n={}&" in good and r"\neq{}&" not in good
    assert r"\intertext{\small \textcolor{badred}{\ensuremath{\boldsymbol{\times}}}\ step 2 " \
        r"by forgot the delta \hfill(refuted)}" in bad
    assert r"\neq{}&" in bad
    assert "Step 2: " in bad and r"left side & $-\tfrac{1}{4}$" in bad
    assert bad.count(r"\textbf{Diagnosis.}") == 1
    assert "the final result is wrong too" in bad


def test_implementation_and_example_blocks(small_fragment: str) -> None:
    """An implementation shows its numpy code, an example its given and expected values."""
    implementation = check_block(small_fragment, "S.numpy")
    assert implementation.startswith(
        "\\texttt{S.numpy} \\textmd{\\small(implementation)}}\n"
        r"{\small numpy: \texttt{exp(a)\ /\ sum(exp(a))}}\par" + "\n"
        r"\textcolor{okgreen}{\ensuremath{\checkmark}}\ \textbf{proved for all sizes}")
    # the naive softmax's overflow is reported beside the proof
    assert r"\emph{warning:} float behaviour at inputs of scale 1000: S.numpy gives inf or nan" \
        in implementation
    example = check_block(small_fragment, r"small\textunderscore{}logits")
    assert (r"{\small Given \texttt{a\ =\ [1,\ 2,\ 3]}, expected "
            r"\texttt{S\ =\ [0.09,\ 0.24,\ 0.67]}.}\par") in example
    assert r"\textbf{verified}" in example


def test_diagnosis_printed_when_present(small_report: Report) -> None:
    """A check's diagnosis (when another layer set one) is printed line by line, escaped."""
    import dataclasses

    result = small_report.files[0]
    check = dataclasses.replace(result.checks[2],
                                diagnosis=Diagnosis(error_class="missing_delta",
                                                  evidence="dropped δ_ij, 50% of entries"))
    fragment = latex.spec_fragment(dataclasses.replace(result, checks=(check,)))
    assert ("\\textbf{Diagnosis.}\n\\begin{itemize}\\setlength\\itemsep{0pt}\n"
            "\\item where: fails at every size and index pattern checked\n"
            "\\item error: missing\\textunderscore{}delta {---} dropped "
            "\\ensuremath{\\delta}\\textunderscore{}ij, 50\\% of entries\n"
            "\\end{itemize}") in fragment


def test_other_kinds_get_id_verdict_message(small_report: Report) -> None:
    """Checks of kinds the report has no layout for still show id, verdict and message."""
    import dataclasses

    result = small_report.files[0]
    check = dataclasses.replace(result.checks[0], id="big_logits", kind="example",
                                message="S.naive gives nan")
    fragment = latex.spec_fragment(dataclasses.replace(result, checks=(check,)))
    assert "\\subsection{\\texttt{big\\textunderscore{}logits} \\textmd{\\small(example)}}\n" \
        in fragment
    assert "S.naive gives nan" in fragment


def test_report_document_inputs_fragments(tmp_path: Path, small_report: Report) -> None:
    """report.tex loads xeCJK for CJK titles, summarises and inputs every fragment."""
    written = latex.write(small_report, tmp_path)
    assert written.fragments == (tmp_path / "small.tex",)
    document = written.report.read_text(encoding="utf-8")
    assert r"\usepackage{xeCJK}" in document
    assert "10 checks in 1 spec file(s): 10 as expected, 0 not (6 proved, 2 verified, " \
        "2 refuted)." in document
    assert "\\input{small}\n" in document


def test_file_error_in_report(tmp_path: Path) -> None:
    """A spec that cannot be loaded appears with its located error, and no CJK setup."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: t\nsymbols: {a: [M]}\n", encoding="utf-8")
    report = run([str(bad)], Options())
    written = latex.write(report, tmp_path / "out")
    fragment = written.fragments[0].read_text(encoding="utf-8")
    assert "bad.yaml:2:" in fragment and "error:" in fragment
    assert "xeCJK" not in written.report.read_text(encoding="utf-8")


def test_cjk_outside_the_title_loads_xecjk(tmp_path: Path) -> None:
    """Chinese only in a derivation's `by` still gets the CJK fonts."""
    spec = tmp_path / "s.yaml"
    spec.write_text("title: ASCII\nsymbols: {x: []}\nderivations:\n  - id: d\n    steps:\n"
                    "      - x + x\n      - {expr: 2 * x, by: 合并同类项}\n", encoding="utf-8")
    written = latex.write(run([str(spec)], Options()), tmp_path / "out")
    assert "合并同类项" in written.fragments[0].read_text(encoding="utf-8")
    assert r"\usepackage{xeCJK}" in written.report.read_text(encoding="utf-8")



def test_index_only_in_where_is_a_free_index(tmp_path: Path) -> None:
    """An index that occurs only in `where` is listed with its range like the others."""
    spec = tmp_path / "s.yaml"
    spec.write_text("title: where-only index\nsizes: {N: [1, 2, 3]}\n"
                    "indices: {i: N, j: N}\nsymbols: {z: [], a: [N]}\nclaims:\n"
                    "  - {id: only-where, claim: 'z == z + 1', where: 'j >= 2'}\n"
                    "  - {id: both, claim: 'a[i] == a[i]', where: 'j != i'}\n"
                    "  - {id: none, claim: 'z == z'}\n", encoding="utf-8")
    fragment = latex.spec_fragment(run([str(spec)], Options()).files[0])
    assert r"Free indices: $j$ $\in \{1, \dots, N\}$." in check_block(fragment, "only-{}where")
    assert r"Free indices: $i$, $j$ $\in \{1, \dots, N\}$." in check_block(fragment, "both")
    assert "Free indices" not in check_block(fragment, "none")

# -- compiled ----------------------------------------------------------------------------------


def test_cli_pdf_has_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check --latex OUT --pdf: the PDF holds every check id and verdict, and the title."""
    require_tex()
    out = tmp_path / "out"
    assert main(["check", str(SMALL), "--latex", str(out), "--pdf"]) == 0
    assert f"PDF: {out / 'report.pdf'}" in capsys.readouterr().err
    text = pdf_text(out / "report.pdf")
    for check in run([str(SMALL)], Options()).checks:
        assert check.id in text
    for word in ("proved", "verified", "refuted"):
        assert word in text
    assert "Softmax 导数: 50% & #1 $x_i$" in text
    assert "链式法则" in text
    log = (out / "report.log").read_text(encoding="utf-8", errors="replace")
    assert "Undefined control sequence" not in log
    assert "Missing character" not in log


def test_cli_pdf_without_tex(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Without TeX, --pdf is a one-line error naming what to install; the .tex is written."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "out"
    assert main(["check", str(SMALL), "--latex", str(out), "--pdf"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors[-1] == ("symderiv: error: --pdf needs xelatex, which is not installed: "
                          + latex.INSTALL_HINT)
    assert (out / "report.tex").exists() and (out / "small.tex").exists()


def test_derivations_report_compiles(tmp_path: Path) -> None:
    """The full derivations/ report compiles and names every check id and verdict."""
    require_tex()
    if not DERIVATIONS.is_dir():
        pytest.skip("no derivations/ folder in this checkout")
    report = run([str(DERIVATIONS)], Options())
    written = latex.write(report, tmp_path)
    made = latex.compile_pdf(written)
    assert made.failures == ()
    text = pdf_text(made.pdf)
    flat = " ".join(text.split())
    for check in report.checks:
        assert check.id in flat
        assert check.verdict.value in flat


def test_pdf_needs_latex(capsys: pytest.CaptureFixture[str]) -> None:
    """--pdf without --latex OUT is a usage error (exit 2)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(SMALL), "--pdf"])
    assert exit_info.value.code == 2
    assert "--pdf needs --latex OUT" in capsys.readouterr().err


def test_labels_are_declared_with_their_values(tmp_path: Path) -> None:
    """A scalar label's values, and a vector label's as a power of them."""
    spec = tmp_path / "labels.yaml"
    spec.write_text("title: l\nsizes: {T: 2, B: 2}\nindices: {b: B}\nsymbols: {X: [B, T]}\n"
                    "labels:\n  y: T\n  c: {shape: [B], range: T}\n"
                    "claims:\n  - id: c\n    claim: X[1, y] + X[b, c[b]] == X[b, c[b]] + X[1, y]\n",
                    encoding="utf-8")
    fragment = latex.spec_fragment(run([str(spec)], Options()).files[0])
    assert r"Labels (integer inputs; the checks take each of their values): " \
        r"$y \in \{1, \dots, T\}$, $c \in \{1, \dots, T\}^{B}$." in fragment
