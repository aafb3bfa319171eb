"""A recorded proof in every report: text (--proofs, -v), JSON's `proof` list, the LaTeX
chain and its PDF without an overfull line; `$...$` in `by:` typeset only within the
whitelist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from required_tools import require

from symderiv.cli import main
from symderiv.report.latex.escape import with_math

ROOT = Path(__file__).resolve().parents[2]
SOFTMAX = ROOT / "derivations" / "softmax.yaml"
LONG = ROOT / "tests" / "latex" / "long.yaml"

KRONECKER_PROOF = """\
✓ kronecker-form  proved
    proof:
        D(S[i], a[j])
      = D(exp(a[i]) / sum(exp(a[k]), k), a[j])    [substitute the definition]
            with S[i] = exp(a[i]) / sum(exp(a[k]), k)
      = (delta(i, j) * sum(exp(a[k]), k) * exp(a[i]) - exp(a[i]) * exp(a[j])) / sum(exp(a[k]), k)^2    [quotient rule]
            with D(exp(a[i]), a[j]) = delta(i, j) * exp(a[i])
            with D(sum(exp(a[k]), k), a[j]) = exp(a[j])
      = S[i] * delta(i, j) - S[i] * S[j]    [fold the definition S]
            with exp(a[i]) / sum(exp(a[k]), k) = S[i]
      = S[i] * (delta(i, j) - S[j])    [factor]
"""


def _text(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["check", str(SOFTMAX), "--no-cache", "--jobs", "0", *flags]) == 0
    out = capsys.readouterr().out
    return re.sub(r"  \[claim, generic, [0-9.]+s\]", "", out)


def test_text_prints_the_proof_with_proofs_or_verbose(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """--proofs (and -v) print the chain under a proved check; without them, none."""
    proofs = _text(capsys, "--proofs")
    assert KRONECKER_PROOF in proofs
    # a claim that holds without a chain says why
    assert "✓ identity-matrix-form  proved\n" in proofs
    assert "    no step-by-step proof: jacobian() in the generic engine\n" in proofs
    verbose = _text(capsys, "-v")
    assert KRONECKER_PROOF.replace("✓ kronecker-form  proved\n", "") in verbose
    assert "proof:" not in _text(capsys)


def test_json_has_the_proof_list(capsys: pytest.CaptureFixture[str]) -> None:
    """Each check has `proof`: {expr, latex, rule, detail} per step ([] without a chain)."""
    assert main(["check", str(SOFTMAX), "--no-cache", "--jobs", "0", "--format", "json"]) == 0
    checks = {c["id"]: c for c in json.loads(capsys.readouterr().out)["files"][0]["checks"]}
    proof = checks["kronecker-form"]["proof"]
    assert [step["rule"] for step in proof] == [
        "", "substitute the definition", "quotient rule", "fold the definition S", "factor"]
    assert proof[0] == {"expr": "D(S[i], a[j])",
                        "latex": r"\frac{\partial S_{i}}{\partial a_{j}}", "rule": "",
                        "detail": ""}
    assert proof[-1]["latex"] == r"S_{i} \left(\delta_{ij} - S_{j}\right)"
    assert checks["identity-matrix-form"]["proof"] == []
    assert checks["identity-matrix-form"]["proof_note"] == \
        "no step-by-step proof: jacobian() in the generic engine"
    assert checks["dropped-delta"]["proof"] == [] and "proof_note" not in checks["dropped-delta"]


def test_dollar_math_in_by_text_stays_within_the_whitelist() -> None:
    """`$...$` is math only in the `latex:` subset; anything else is escaped text."""
    assert with_math(r"by $D_j g_i = \delta_{ij} e^{a_j}$ here") == \
        r"by $D_j g_i = \delta_{ij} e^{a_j}$ here"
    assert with_math(r"$\input{/etc/passwd}$ and $\def\x{1}$") == (
        r"\$\textbackslash{}input\{/etc/passwd\}\$ and "
        r"\$\textbackslash{}def\textbackslash{}x\{1\}\$")
    assert with_math("$a$ costs $5") == r"$a$ costs \$5"
    assert with_math(r"$x^$ and $}$ and $$") == r"\$x\textasciicircum{}\$ and \$\}\$ and \$\$"
    assert with_math("no math") == "no math"


@pytest.mark.parametrize("paths", [[str(ROOT / "derivations")], [str(LONG)]],
                         ids=["derivations", "long-formulas"])
def test_the_pdf_has_no_overfull_line(paths: list[str], tmp_path: Path) -> None:
    """Every line within the text block: long formulas broken or (if the estimate erred)
    scaled, spec text ragged right; the log says no `Overfull \\hbox`."""
    require("latexmk", "xelatex")
    out = tmp_path / "report"
    assert main(["check", *paths, "--no-cache", "--latex", str(out), "--pdf"]) == 0
    log = (out / "report.log").read_text(encoding="utf-8", errors="replace")
    assert "Output written on report.xdv" in log
    assert re.findall(r"Overfull \\hbox.*", log) == []
    if paths == [str(LONG)]:  # the long sums were broken, not only scaled
        fragment = (out / "long.tex").read_text(encoding="utf-8")
        assert fragment.count(r"&\quad ") == 5  # claim 1, its proof 2, the derivation 2
        assert r"$ and $\input" not in fragment and r"\$\textbackslash{}input\{x\}\$" in fragment
