"""One numbered block per check: its heading, then the claim's, derivation's or other block."""

from __future__ import annotations

from symderiv.check.verdict import CheckResult
from symderiv.load.model import Spec
from symderiv.report.latex.claims import claim_block
from symderiv.report.latex.derivations import derivation_block
from symderiv.report.latex.escape import code, escape
from symderiv.report.latex.evidence import counterexample_table, diagnosis_block
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.values import array_text
from symderiv.report.latex.verdicts import message_block, verdict_line


def check_block(check: CheckResult, spec: Spec, formulas: Formulas) -> str:
    """One numbered block: the claim, its verdict and the evidence."""
    heading = (f"\\subsection{{{code(check.id)}"
               f" \\textmd{{\\small({escape(check.kind)})}}}}\n")
    if check.kind == "claim":
        parts = claim_block(check, spec, formulas)
    elif check.kind == "derivation":
        parts = derivation_block(check, spec, formulas)
    else:
        parts = [subject_of(check, spec), verdict_line(check) + "\\par\n", message_block(check)]
        if check.counterexample is not None:
            parts.append(counterexample_table(check.counterexample, formulas))
        parts.append(diagnosis_block(check.diagnosis, formulas))
    return heading + "".join(parts) + "\n"


def subject_of(check: CheckResult, spec: Spec) -> str:
    """What an implementation or example check is about: the numpy code, or the values."""
    for implementation in spec.implementations:
        if implementation.qualified_name == check.id:
            return r"{\small numpy: " + code(implementation.formula.text) + "}\\par\n"
    for example in spec.examples:
        if example.id == check.id:
            given = "; ".join(f"{name} = {array_text(value)}" for name, value in example.given)
            expect = "; ".join(f"{name} = {array_text(value)}" for name, value in example.expect)
            fails = f"; expected to fail: {', '.join(example.fails)}" if example.fails else ""
            return (r"{\small Given " + code(given) + ", expected " + code(expect)
                    + escape(fails) + ".}\\par\n")
    return ""
