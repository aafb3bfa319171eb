"""A symbolic proof as LaTeX: what sympy made of each side, the index cases, the zero."""

from __future__ import annotations

import re

from symderiv.check.generic import condition
from symderiv.check.verdict import CheckResult, ProofStep
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.report.latex.escape import escape
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import NARROW, WIDE, fit
from symderiv.report.latex.width import TEXT_WIDTH, estimate

#: A left side at most this wide (em) is set left of the first `=`; a wider one on its own line.
INLINE_SIDE = 12.0
#: The widest one line of a broken equation may be.
WIDE_LINE = "0.85\\linewidth"
#: A side's label longer than this (characters) is set on a line of its own.
SHORT_LABEL = 20
#: The widest a rule's fact under its step may be.
FACT_WIDTH = "0.75\\linewidth"

_RELATION_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*|.", re.DOTALL)
#: What a relation keeps as it is, besides names.
_RELATION_CHARACTER = re.compile(r"[0-9=,;+\-() ]\Z")


def proof_block(check: CheckResult, formulas: Formulas,
                sides: tuple[str, str] | None = None) -> str:
    """A proved check's proof: its recorded chain, else the decider's evidence and why."""
    if check.chain:
        return recorded_chain(check.proof, formulas)
    note = f"{{\\small {escape(check.proof_note)}.}}\\par\n" if check.proof_note else ""
    return note + proof_chain(check.proof, formulas, sides)


def recorded_chain(steps: tuple[ProofStep, ...], formulas: Formulas) -> str:
    """The chain as a textbook sets it: aligned at `=`, each rule flush right, the rule's
    facts under its step, long steps broken at their terms."""
    first = step_latex(steps[0], formulas)
    inline = estimate(first) <= INLINE_SIDE
    rows = [] if inline else [f"&{fit(first)}"]
    left = first if inline else ""
    for step in steps[1:]:
        rule = escape(step.label)
        budget = TEXT_WIDTH - (estimate(first) if inline else 0.0) - 0.5 * len(step.label) - 4
        lines = broken(step, formulas, budget)
        width = f"{max(0.3, min(0.85, budget / TEXT_WIDTH)):.2f}\\linewidth"
        rows.append(f"{left}&= {fit(lines[0], width)} \\tag*{{\\small {rule}}}")
        rows.extend(f"&\\quad {fit(line, width)}" for line in lines[1:])
        rows.extend(f"&\\qquad \\text{{\\small with }} {fit(fact, FACT_WIDTH)}"
                    for fact in facts(step.detail, formulas))
        left = ""
    return ("\\textit{Proof.}\n\\begin{align*}\n" + " \\\\\n".join(rows)
            + "\n\\end{align*}\n")


def step_node(step: ProofStep) -> ast.Node | None:
    """A recorded step's formula (from the cache: its text, read by the safe parser)."""
    if isinstance(step.expression, ast.Node):
        return step.expression
    if step.formula is not None:
        try:
            return parse(step.formula)
        except Exception:  # noqa: BLE001 - the stored LaTeX is shown instead
            return None
    return None


def broken(step: ProofStep, formulas: Formulas, budget: float) -> list[str]:
    """The step's LaTeX in lines no wider than `budget` em (by the estimate)."""
    node = step_node(step)
    whole = step_latex(step, formulas)
    if estimate(whole) <= budget or node is None:
        return [whole]
    return node_lines(node, formulas, budget)


def broken_equation(left: str, right: ast.Node, formulas: Formulas, suffix: str = "") -> str:
    """`left = right` displayed, its right side broken into lines if too wide for one."""
    budget = TEXT_WIDTH - estimate(left) - estimate(suffix) - 4
    lines = node_lines(right, formulas, budget)
    rows = [f"{left} &= {fit(lines[0], WIDE_LINE)}",
            *(f"&\\quad {fit(line, WIDE_LINE)}" for line in lines[1:])]
    rows[-1] += suffix
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


def node_lines(node: ast.Node, formulas: Formulas, budget: float) -> list[str]:
    """A formula in lines no wider than `budget` em by the estimate: a long sum broken
    before a term, a long product before a factor, a long bracketed sum inside a product
    before its terms (each line's brackets closed with `\\right.`, reopened `\\left.`)."""
    whole = formulas.latex(node)
    if estimate(whole) <= budget:
        return [whole]
    lines: list[str] = []
    for piece in _pieces(node, formulas, budget):
        if lines and estimate(lines[-1] + piece) <= budget:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return _balanced(lines)


def _pieces(node: ast.Node, formulas: Formulas, budget: float) -> list[str]:
    """Where `node` may be broken: the terms of a sum (`+ b`, `- c`), the factors of a
    product (`\\cdot c`), recursively where a part alone is too wide."""
    if isinstance(node, ast.BinOp) and node.op in "+-":
        chain: list[tuple[str, ast.Node]] = []
        while isinstance(node, ast.BinOp) and node.op in "+-":
            chain.insert(0, (node.op, node.right))
            node = node.left
        first = _part(node, formulas, budget)
        rest = [_bracketed(term, _part(term, formulas, budget)) for _, term in chain]
        return first + [piece for (op, _), parts in zip(chain, rest)
                        for piece in [f"{op} {parts[0]}", *parts[1:]]]
    if isinstance(node, ast.BinOp) and node.op == "*":
        factors: list[ast.Node] = []
        while isinstance(node, ast.BinOp) and node.op == "*":
            factors.insert(0, node.right)
            node = node.left
        factors.insert(0, node)
        out: list[str] = []
        for number, factor in enumerate(factors):
            parts = _bracketed(factor, _part(factor, formulas, budget))
            if number:
                parts[0] = rf"\cdot {parts[0]}"
            out.extend(parts)
        return out
    return [_printed(node, formulas)]


def _part(node: ast.Node, formulas: Formulas, budget: float) -> list[str]:
    """One term or factor: whole if it fits, else its own pieces (a sum inside a product
    bare: the caller brackets it)."""
    text = formulas.latex(node)
    if estimate(text) <= budget or not (isinstance(node, ast.BinOp) and node.op in "+-*"):
        return [text]
    return _pieces(node, formulas, budget)


def _bracketed(node: ast.Node, parts: list[str]) -> list[str]:
    """A sum's parts inside a product or after a minus, in brackets."""
    if not (isinstance(node, ast.BinOp) and node.op in "+-"):
        return parts
    parts = [rf"\left({parts[0]}", *parts[1:]]
    parts[-1] += r"\right)"
    return parts


_LEFT = re.compile(r"\\left(?![A-Za-z])")
_RIGHT = re.compile(r"\\right(?![A-Za-z])")


def _balanced(lines: list[str]) -> list[str]:
    """Each line with its own `\\left`/`\\right` pairs: a bracket left open at a line's
    end closed by `\\right.` and reopened on the next by `\\left.`."""
    out = []
    depth = 0
    for line in lines:
        opened = depth
        depth += len(_LEFT.findall(line)) - len(_RIGHT.findall(line))
        out.append(r"\left." * opened + line + r"\right." * max(depth, 0))
    return out


def _printed(node: ast.Node, formulas: Formulas) -> str:
    text = formulas.latex(node)
    if isinstance(node, ast.BinOp) and node.op in "+-":
        return rf"\left({text}\right)"
    return text


def facts(detail: str, formulas: Formulas) -> list[str]:
    """A step's detail ('A = B; i != j') as math; a part that does not read as formulas
    (only a tampered cache could hold one) as escaped text."""
    out = []
    for part in (p.strip() for p in detail.split(";")):
        if not part:
            continue
        try:
            if " = " in part:
                left, right = part.split(" = ", 1)
                out.append(f"{formulas.latex(parse(left))} = {formulas.latex(parse(right))}")
            else:
                node = parse(part)
                out.append(str(formulas.printer.doprint(condition(formulas.builder, node)))
                           if isinstance(node, ast.Compare) else formulas.latex(node))
        except Exception:  # noqa: BLE001 - printed as text: the proof is still shown
            out.append(r"\text{" + escape(part) + "}")
    return out


def proof_chain(proof: tuple[ProofStep, ...], formulas: Formulas,
                sides: tuple[str, str] | None = None) -> str:
    """The symbolic proof: what sympy computed for each side, the index cases, the zero.

    `sides` are the claim's two sides as written (folded), shown left of what sympy made
    of them after substituting the definitions and differentiating.
    """
    rows: list[str] = []
    after: list[str] = []
    side_number = 0
    # with a written side in some row, a row without one sets its formula in the last column
    # too: else the second column would be as wide as both boxes and the line too long
    aligned = sides is not None
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
            rows.append(side_row(step, written, formulas, aligned))
    text = (r"\textit{Proof (sympy).} The definitions are substituted and the derivative is "
            "taken; the two sides become:\n")
    if rows:
        text += ("\\begin{alignat*}{2}\n" + " \\\\\n".join(rows)
                 + "\n\\end{alignat*}\n")
    return text + "\\par\n".join(after) + "\\par\n"


def side_row(step: ProofStep, written: str | None, formulas: Formulas,
             aligned: bool = False) -> str:
    """One side in the alignat: its label, the side as written (if it differs) and what
    sympy computed (`aligned`: in the last column, under the computed sides of the rows with
    a written side)."""
    computed = step_latex(step, formulas)
    name = rf"\text{{\small {escape(step.label)}:}}\quad"
    if len(step.label) > SHORT_LABEL:  # a long label on a line of its own, above its side
        name = rf"\intertext{{\small {escape(step.label)}:}}"
    if written is not None and written != computed:
        return f"{name} & {fit(written, NARROW)} &&= {fit(computed, WIDE)}"
    if aligned:
        return f"{name} & &&= {fit(computed, WIDE)}"
    return f"{name} & {fit(computed, WIDE)}"


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
