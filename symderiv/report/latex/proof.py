"""A symbolic proof as LaTeX: what sympy made of each side, the index cases, the zero."""

from __future__ import annotations

import re

from symderiv.check.verdict import ProofStep
from symderiv.report.latex.escape import escape
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import NARROW, fit

_RELATION_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*|.", re.DOTALL)
#: What a relation keeps as it is, besides names.
_RELATION_CHARACTER = re.compile(r"[0-9=,;+\-() ]\Z")


def proof_chain(proof: tuple[ProofStep, ...], formulas: Formulas,
                sides: tuple[str, str] | None = None) -> str:
    """The symbolic proof: what sympy computed for each side, the index cases, the zero.

    `sides` are the claim's two sides as written (folded), shown left of what sympy made
    of them after substituting the definitions and differentiating.
    """
    rows: list[str] = []
    after: list[str] = []
    side_number = 0
    for step in proof:
        label = step.label
        if label.startswith("cases:"):
            after.append(cases_sentence(label[len("cases:"):], formulas))
        elif label.startswith("sign:"):  # an inequality's conclusion
            after.append(f"Hence {escape(label[len('sign:'):].strip())}. \\hfill$\\square$")
        elif label in ("left − right", "left - right"):
            after.append(r"Hence $\text{left} - \text{right} = "
                         f"{step_latex(step, formulas)}$. \\hfill$\\square$")
        else:
            written = sides[side_number] if sides and side_number < 2 else None
            side_number += 1
            rows.append(side_row(step, written, formulas))
    text = (r"\textit{Proof (sympy).} The definitions are substituted and the derivative is "
            "taken; the two sides become:\n")
    if rows:
        text += ("\\begin{alignat*}{2}\n" + " \\\\\n".join(rows)
                 + "\n\\end{alignat*}\n")
    return text + "\\par\n".join(after) + "\\par\n"


def side_row(step: ProofStep, written: str | None, formulas: Formulas) -> str:
    """One side in the alignat: its label, the side as written (if it differs) and what
    sympy computed."""
    computed = step_latex(step, formulas)
    name = rf"\text{{\small {escape(step.label)}:}}\quad"
    if written is not None and written != computed:
        return f"{name} & {fit(written, NARROW)} &&= {fit(computed)}"
    return f"{name} & {fit(computed)}"


def step_latex(step: ProofStep, formulas: Formulas) -> str:
    """A proof step's expression in the spec's notation (from the cache: as printed when it
    was stored, in the same notation)."""
    return step.latex if step.latex is not None else formulas.expression(step.expression)


def cases_sentence(cases: str, formulas: Formulas) -> str:
    """The prover's index cases ('i = j | i ≠ j') as the sentence after the sides."""
    printed = [case_math(c.strip(), formulas) for c in cases.split("|")]
    return ("sympy splits the difference by which free indices are equal; in "
            "every case it simplifies to $0$: "
            + ", ".join(f"({case})" for case in printed) + ".")


def case_math(case: str, formulas: Formulas) -> str:
    """'i = j; i ≠ y' (from the prover) in math; 'pairwise different: i, j' half in text."""
    parts = []
    for part in case.split(";"):
        part = part.strip()
        prefix = "pairwise different:"
        if part.startswith(prefix):
            parts.append(f"{escape(prefix)} {relation_math(part[len(prefix):].strip(), formulas)}")
        elif part:
            parts.append(relation_math(part, formulas))
    return ", ".join(parts) or "no index constraint"


def relation_math(text: str, formulas: Formulas) -> str:
    """Index relations from the prover ('i ≠ j') in math, names in the spec's notation; any
    other character (a label read from the cache may hold anything) as escaped text."""
    def token(match: re.Match[str]) -> str:
        word = match.group()
        if word[0].isascii() and word[0].isalpha():
            return str(formulas.printer.name(word))
        if word == "≠":
            return r"\neq"
        return word if _RELATION_CHARACTER.match(word) else r"\text{" + escape(word) + "}"

    return "$" + _RELATION_TOKEN.sub(token, text) + "$"
