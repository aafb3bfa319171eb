"""A claim's block: the claim displayed, its spec text and free indices, verdict and evidence.

Also the block of an `ID.tex` check: the material's own LaTeX, read and compared with the claim.
"""

from __future__ import annotations

from symderiv.check.verdict import CheckResult, Verdict
from symderiv.language import ast
from symderiv.load.model import Claim, Formula, Spec
from symderiv.resolve.scope import free_indices
from symderiv.report.latex.escape import code
from symderiv.report.latex.evidence import counterexample_table, diagnosis_block
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import display
from symderiv.report.latex.proof import broken_equation, proof_block
from symderiv.report.latex.width import TEXT_WIDTH, estimate
from symderiv.report.latex.verdicts import message_block, verdict_line


def claim_block(check: CheckResult, spec: Spec, formulas: Formulas) -> list[str]:
    claim = next((c for c in spec.claims if c.id == check.id), None)
    parts = []
    sides = None
    base = next((c for c in spec.claims if f"{c.id}.tex" == check.id), None)
    if claim is None and base is not None and base.tex_formula is not None:
        # ID.tex: the material's own LaTeX, read and compared with the claim
        parts.append(r"{\small The formula as the material writes it: " + code(base.tex or "")
                     + ", read as}\n" + display(formulas.equation(base.tex_formula)))
    if claim is not None and claim.claim is not None:
        sides = written_sides(claim.claim, formulas)
        parts.extend(claim_statement(claim, claim.claim, formulas))
    parts.append(r"\smallskip" + "\n" + verdict_line(check) + "\\par\n")
    if check.verdict != Verdict.PROVED or base is not None:
        parts.append(message_block(check))
    if check.verdict == Verdict.PROVED and check.proof:
        parts.append(proof_block(check, formulas, sides))
    if check.counterexample is not None:
        parts.append(counterexample_table(check.counterexample, formulas))
    parts.append(diagnosis_block(check.diagnosis, formulas))
    return parts


def written_sides(statement: Formula, formulas: Formulas) -> tuple[str, str] | None:
    """The two sides of a comparison as written (folded), or None for another formula."""
    node = statement.node
    if isinstance(node, ast.Compare):
        return (formulas.math(statement, node.left), formulas.math(statement, node.right))
    return None


def claim_statement(claim: Claim, statement: Formula, formulas: Formulas) -> list[str]:
    """The claim (`statement`, its formula) displayed with its `where`, the spec's text, the
    ranges of its free indices and the material's LaTeX."""
    equation = formulas.equation(statement)
    where = ""
    if claim.where is not None:
        where = rf"\qquad \text{{for }} {formulas.condition(claim.where)}"
    node = statement.node
    shown = display(equation + where)
    if estimate(equation + where) > TEXT_WIDTH and isinstance(node, ast.Compare) \
            and node.op == "==":  # too wide for a line: broken at its right side's terms
        try:
            shown = broken_equation(formulas.math(statement, node.left), node.right,
                                    formulas, where)
        except Exception:  # noqa: BLE001 - displayed whole (scaled) as before
            pass
    parts = [shown, r"{\small Spec: " + code(statement.text) + "}\\par\n"]
    free = sorted(free_indices(statement.node, formulas.scope)
                  | (free_indices(claim.where.node, formulas.scope)
                     if claim.where is not None else set()))
    if free:
        parts.append(r"{\small " + ranges_text(free, formulas) + "}\\par\n")
    if claim.tex:
        parts.append(r"{\small As written in the material: " + code(claim.tex) + "}\\par\n")
    return parts


def ranges_text(free: list[str], formulas: Formulas) -> str:
    by_size: dict[str, list[str]] = {}
    for name in free:
        by_size.setdefault(formulas.scope.indices[name].size, []).append(name)
    parts = [", ".join(f"${formulas.printer.name(n)}$" for n in names)
             + f" $\\in \\{{1, \\dots, {formulas.printer.name(size)}\\}}$"
             for size, names in by_size.items()]
    return "Free indices: " + "; ".join(parts) + "."
