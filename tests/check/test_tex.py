"""Claims given as LaTeX: loading, located errors, and the ID.tex check against the claim."""

from __future__ import annotations

import textwrap

import pytest

from located import problems

from symderiv.report.diagnosis import as_json, text_lines
from symderiv.resolve.scope import build_scope
from symderiv.check.spec import check_scope
from symderiv.options import Options
from symderiv.check.verdict import Verdict
from symderiv.language import ast
from symderiv.load.loader import load_text

HEADER = """\
title: softmax
sizes: {N: [1, 2, 3]}
indices: {i: N, j: N, k: N}
symbols: {a: [N]}
define:
  S[i]: exp(a[i]) / sum(exp(a[k]), k)
claims:
"""


def results(claims: str) -> dict[str, tuple[Verdict, bool]]:
    """Check a spec made of HEADER and `claims`; verdict and ok per check id."""
    spec = load_text("spec.yaml", HEADER + textwrap.dedent(claims))
    checks = check_scope(build_scope(spec), Options(timeout=20))
    return {c.id: (c.verdict, c.ok) for c in checks}


def load_error(claims: str) -> str:
    """The first problem rendered for a spec made of HEADER and `claims` (taken verbatim):
    a claim's unreadable `tex` is that claim's `error` (its problem is its check's)."""
    found = problems(text=HEADER + claims, name="spec.yaml")
    assert found and found[0].check is not None, found
    return found[0].render()


def test_tex_alone_is_an_ordinary_claim() -> None:
    """A claim with only `tex` is read into `lhs == rhs` and decided like a typed claim."""
    spec = load_text("spec.yaml", HEADER + "  - id: k\n    tex: 'D_jS_i=S_i(1(i=j)-S_j)'\n")
    claim = spec.claims[0]
    assert claim.claim is not None and isinstance(claim.claim.node, ast.Compare)
    assert claim.claim.node.op == "=="
    assert results("  - id: k\n    tex: 'D_jS_i=S_i(1(i=j)-S_j)'\n") == {
        "k": (Verdict.PROVED, True)}


def test_wrong_tex_alone_is_refuted() -> None:
    """A tex-only claim that is false is refuted like any claim."""
    assert results("  - id: k\n    tex: 'D_jS_i=S_i(1-S_j)'\n") == {"k": (Verdict.REFUTED, False)}


def test_typo_in_tex_is_caught_when_the_claim_is_right() -> None:
    """With both given, `ID.tex` is refuted when the LaTeX differs from the typed claim."""
    found = results("""\
      - id: k
        tex: 'D_jS_i=S_i(\\delta_{ij}-S_i)'
        claim: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])
    """)
    assert found == {"k": (Verdict.PROVED, True), "k.tex": (Verdict.REFUTED, False)}


@pytest.mark.parametrize("tex, where, error_class, suggestion", [
    ("D_jS_i=S_i(\\delta_{ij}-S_i)", (["i == j"], ["i != j"]), "wrong_index",
     "S[i] * (delta(i, j) - S[j])"),
    ("D_jS_i=-S_i(\\delta_{ij}-S_j)", (["N == 1"], ["N >= 2"]), "sign",
     "S[i] * (delta(i, j) - S[j])"),
])
def test_tex_typo_is_diagnosed(tex: str, where: tuple[list[str], list[str]], error_class: str,
                               suggestion: str) -> None:
    """A refuted `ID.tex` says where and how the LaTeX differs, and what it should say."""
    spec = load_text("spec.yaml", HEADER + f"  - id: k\n    tex: '{tex}'\n"
                     "    claim: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])\n")
    checks = {c.id: c for c in check_scope(build_scope(spec), Options(timeout=20))}
    assert checks["k"].diagnosis is None
    diagnosis = as_json(checks["k.tex"].diagnosis)  # type: ignore[arg-type]
    assert (diagnosis["holds_when"], diagnosis["fails_when"]) == where
    assert diagnosis["error_class"] == error_class
    assert diagnosis["suggestion"] == suggestion
    assert diagnosis["suggestion_verdict"] == "proved"
    assert text_lines(checks["k.tex"].diagnosis)[-1] == (  # type: ignore[arg-type]
        f"suggested: {suggestion}  (proved)")


def test_matching_tex_holds_also_rearranged() -> None:
    """Same sides, swapped sides, and an expression for the left side all agree."""
    found = results("""\
      - id: same
        tex: '\\frac{\\partial S_i}{\\partial a_j} = S_i(\\delta_{ij} - S_j)'
        claim: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])
      - id: swapped
        tex: 'S_i(\\delta_{ij} - S_j) = D_jS_i'
        claim: D(S[i], a[j]) == S[i] * (delta(i, j) - S[j])
      - id: lhs
        tex: '\\sum_{k=1}^{N} e^{a_k}'
        claim: sum(exp(a[k]), k) == sum(exp(a[j]), j)
    """)
    assert found == {"same": (Verdict.PROVED, True), "same.tex": (Verdict.PROVED, True),
                     "swapped": (Verdict.PROVED, True), "swapped.tex": (Verdict.PROVED, True),
                     "lhs": (Verdict.PROVED, True), "lhs.tex": (Verdict.PROVED, True)}


def test_where_applies_to_the_tex_check() -> None:
    """`S_i(1-S_j)` and `S[i]*(1-S[i])` agree only where i == j, and the check uses `where`."""
    claim = """\
      - id: diagonal
        {where}tex: 'D_jS_i = S_i(1 - S_j)'
        claim: D(S[i], a[j]) == S[i] * (1 - S[i])
    """
    assert results(claim.format(where="where: i == j\n        ")) == {
        "diagonal": (Verdict.PROVED, True), "diagonal.tex": (Verdict.PROVED, True)}
    assert results(claim.format(where=""))["diagonal.tex"] == (Verdict.REFUTED, False)


def test_tex_error_is_located_in_the_file() -> None:
    """An unknown command in `tex` is reported at its file line and column."""
    rendered = load_error("  - id: k\n    tex: 'D_jS_i = S_i \\foo'\n")
    assert rendered.startswith("spec.yaml:9:24: error: unknown command '\\foo'")
    assert rendered.endswith("[tex]")


def test_tex_shape_error_is_located() -> None:
    """`S_i(a)` multiplies a scalar by the vector a: a shape error inside the tex text."""
    rendered = load_error("  - id: k\n    tex: 'D_jS_i = S_i \\cdot a'\n")
    assert rendered.startswith("spec.yaml:9:")
    assert "shape" in rendered


def test_tex_alone_must_be_an_equation() -> None:
    """A tex-only claim without '=' is an error; an unknown `wrt` is one too."""
    assert "must be an equation" in load_error("  - id: k\n    tex: 'S_i'\n")
    assert "wrt: 'b' is not a declared" in load_error(
        "  - id: k\n    wrt: b\n    tex: 'D_jS_i = 0'\n")


def test_tex_error_in_double_quotes_counts_escapes() -> None:
    """In "…\\\\frac…" each escape is two characters of the file: the column follows the file."""
    rendered = load_error('  - id: k\n    tex: "\\\\frac{a_i}{2} = \\\\foo"\n')
    # the line is:    tex: "\\frac{a_i}{2} = \\foo"   and \\foo starts at column 28
    assert rendered.startswith("spec.yaml:9:28: error: unknown command '\\foo'")


def test_a_name_declared_with_an_accent_is_read() -> None:
    """`latex: '\\hat{y}'` makes `\\hat{y}_i` the entry yhat[i] (it was "unknown command");
    an accent no declaration names stays an error."""
    spec = ("title: hat\nsizes: {N: [1, 2, 3]}\nindices: {i: N}\n"
            "symbols:\n  y: [N]\n  yhat: {shape: [N], latex: '\\hat{y}'}\nclaims:\n"
            "  - id: same\n    tex: '\\hat{y}_i - y_i = -(y_i - \\hat{y}_i)'\n"
            "    claim: yhat[i] - y[i] == -(y[i] - yhat[i])\n"
            "  - id: differs\n    tex: '\\hat{y}_i = y_i'\n")
    checks = check_scope(build_scope(load_text("hat.yaml", spec)), Options(timeout=20))
    assert {c.id: c.verdict for c in checks} == {
        "same": Verdict.PROVED, "same.tex": Verdict.PROVED, "differs": Verdict.REFUTED}
    (found,) = problems(text=spec.replace("tex: '\\hat{y}_i = y_i'", "tex: '\\bar{y}_i = y_i'"),
                        name="bar.yaml")
    assert found.check == "differs" and found.message.startswith("unknown command '\\bar'")
