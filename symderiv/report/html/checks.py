"""One section per check: what it is about (claim, steps, code, values), its verdict, the spec
line it comes from, and the evidence."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from symderiv.check.verdict import CheckResult, Verdict
from symderiv.load.model import Derivation, Formula, Spec
from symderiv.report.html.evidence import counterexample, diagnosis, display, message, proof
from symderiv.report.html.markup import Html, element, join
from symderiv.report.html.mathml import math
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.values import array_text

#: verdict -> its mark on the page
MARKS: Mapping[Verdict, str] = MappingProxyType({
    Verdict.PROVED: "✓", Verdict.VERIFIED: "✓", Verdict.CONSISTENT: "≈",
    Verdict.REFUTED: "✗", Verdict.UNDECIDED: "?", Verdict.ERROR: "!",
})

#: The relation a derivation step is written with, by its verdict (else `=`).
STEP_RELATIONS: Mapping[Verdict, str] = MappingProxyType(
    {Verdict.REFUTED: "≠", Verdict.UNDECIDED: "≟", Verdict.ERROR: "≟"})


def badge(check: CheckResult) -> Html:
    """The verdict, marked and coloured by its class; 'not as expected' beside it if so."""
    verdict = element("span", f"{MARKS[check.verdict]} {check.verdict.value}",
                      class_=f"verdict {check.verdict.value}")
    if check.ok:
        return verdict
    return join([verdict, " ", element("span", "not as expected", class_="unexpected")])


def expectation(check: CheckResult) -> str:
    if check.expect == "refuted":
        return ("expected refuted: the spec records this as a mistake"
                + ("" if check.ok else "; it is not refuted"))
    return "" if check.ok else "expected to hold"


def check_section(check: CheckResult, anchor: str, spec: Spec | None,
                  formulas: Formulas | None) -> Html:
    """One check: heading, where in the spec, its subject, verdict and evidence."""
    heading = element("h3", element("code", check.id), " ",
                      element("span", check.kind, class_="kind"), " ", badge(check))
    where = element("p", "spec line ", element("code", str(check.location)),
                    f" · method {check.method}" if check.method else None,
                    f" · {check.seconds:.2f} s", class_="where")
    parts: list[Html | None] = [heading, where, subject(check, spec, formulas)]
    expected = expectation(check)
    if expected:
        parts.append(element("p", element("em", expected), class_="expect"))
    parts.append(message(check))
    parts.append(proof(check.proof, formulas, check.proof_note)
                 if check.verdict == Verdict.PROVED else None)
    for step in check.steps:
        if not step.ok and step.outcome.counterexample is not None:
            parts.append(element("p", f"Step {step.step}:"))
            parts.append(counterexample(step.outcome.counterexample, formulas))
            if check.diagnosis is None:
                parts.append(diagnosis(step.outcome.diagnosis, formulas))
    if check.counterexample is not None:
        parts.append(counterexample(check.counterexample, formulas))
    parts.append(diagnosis(check.diagnosis, formulas))
    status = "ok" if check.ok else "not-ok"
    return element("section", *parts, id=anchor, class_=f"check {status}")


def subject(check: CheckResult, spec: Spec | None, formulas: Formulas | None) -> Html:
    """What the check is about, from the spec: the claim, the derivation's steps, the numpy
    code or the example's values (nothing when the spec is not at hand)."""
    if spec is None:
        return Html("")
    for claim in spec.claims:
        if claim.id == check.id and claim.claim is not None:
            where = f" \\quad \\text{{for }} {formulas.condition(claim.where)}" \
                if formulas is not None and claim.where is not None else ""
            return join([_equation(claim.claim.text, formulas, claim.claim, where),
                         element("p", "Spec: ", element("code", claim.claim.text),
                                 class_="source"),
                         element("p", "As written in the material: ", element("code", claim.tex),
                                 class_="source") if claim.tex else None])
        if f"{claim.id}.tex" == check.id and claim.tex_formula is not None:
            return join([element("p", "The formula as the material writes it: ",
                                 element("code", claim.tex or ""), ", read as",
                                 class_="source"),
                         _equation(claim.tex_formula.text, formulas, claim.tex_formula)])
    for derivation in spec.derivations:
        if derivation.id == check.id:
            return derivation_steps(derivation, check, formulas)
    for implementation in spec.implementations:
        if implementation.qualified_name == check.id:
            return element("p", "numpy: ", element("code", implementation.formula.text),
                           class_="source")
    for example in spec.examples:
        if example.id == check.id:
            given = "; ".join(f"{n} = {array_text(v)}" for n, v in example.given)
            expect = "; ".join(f"{n} = {array_text(v)}" for n, v in example.expect)
            fails = f"; expected to fail: {', '.join(example.fails)}" if example.fails else ""
            return element("p", "Given ", element("code", given), ", expected ",
                           element("code", expect), fails, ".", class_="source")
    return Html("")


def _equation(text: str, formulas: Formulas | None, formula: Formula, where: str = "") -> Html:
    if formulas is None:
        return element("p", element("code", text))
    return display(formulas.equation(formula) + where)


def derivation_steps(derivation: Derivation, check: CheckResult,
                     formulas: Formulas | None) -> Html:
    """The steps one a row: the relation to the step before (=, ≠, ≟), the formula, the
    step's number, `by` and verdict."""
    results = {s.step: s for s in check.steps}
    rows = []
    for number, step in enumerate(derivation.steps, start=1):
        result = results.get(number)
        relation = "" if number == 1 else STEP_RELATIONS.get(result.verdict, "=") \
            if result else "="
        formula = math(formulas.math(step.formula), display=True) if formulas is not None else \
            element("code", step.formula.text)
        note = "" if number == 1 else (
            f"step {number}" + (f" by {step.by}" if step.by else "")
            + f" ({result.verdict.value if result else 'not checked'})")
        rows.append(element("tr", element("td", relation, class_="relation"),
                            element("td", formula),
                            element("td", note, class_="note")))
    where = element("p", "For ", math(formulas.condition(derivation.where)), ":") \
        if formulas is not None and derivation.where is not None else None
    return join([where, element("table", *rows, class_="steps")])
