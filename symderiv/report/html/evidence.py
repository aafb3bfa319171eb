"""The evidence under a verdict as HTML: the proof, the counterexample, the diagnosis."""

from __future__ import annotations

from symderiv.check.verdict import CheckResult, Counterexample, Diagnosis, ProofStep
from symderiv.errors import Location
from symderiv.language.parser import parse
from symderiv.load.model import Formula
from symderiv.report import diagnosis as diagnosis_text
from symderiv.report.html.markup import Html, element, join
from symderiv.report.html.mathml import math
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.proof import facts, relation_math, step_latex
from symderiv.report.latex.values import exact_or_rounded, number


def message(check: CheckResult) -> Html:
    """The check's message and its warnings."""
    warnings = [element("p", element("strong", "warning: "), w, class_="warning")
                for w in check.warnings]
    return join([element("p", check.message, class_="message"), *warnings])


def proof(steps: tuple[ProofStep, ...], formulas: Formulas | None, note: str = "") -> Html:
    """The recorded proof; else what sympy made of each side, the index cases and the zero
    difference, after why there is no recorded one (`note`)."""
    if formulas is None or not steps:
        return Html("")
    if steps[0].formula is not None:
        return recorded(steps, formulas)
    if note:
        return join([element("p", note, class_="note"), proof(steps, formulas)])
    rows = []
    after = []
    for step in steps:
        if step.label.startswith("cases:"):
            cases = [casesmath(case.strip(), formulas)
                     for case in step.label[len("cases:"):].split("|")]
            after.append(element("p", "sympy splits the difference by which free indices are "
                                 "equal; in every case it simplifies to 0: ",
                                 join(cases, "; "), "."))
        elif step.label.startswith("sign:"):  # an inequality's conclusion
            after.append(element("p", "Hence ", step.label[len("sign:"):].strip(), ". ∎"))
        elif step.label in ("left − right", "left - right"):
            after.append(element("p", "Hence left − right = ",
                                 math(step_latex(step, formulas)), " ∎"))
        else:
            rows.append(element("tr", element("th", step.label),
                                element("td", math(step_latex(step, formulas), display=True))))
    return element("div", element("p", element("em", "Proof (sympy)."),
                                  " The definitions are substituted and the derivative is "
                                  "taken; the two sides become:"),
                   element("table", *rows, class_="proof") if rows else None, *after,
                   class_="proof")


def recorded(steps: tuple[ProofStep, ...], formulas: Formulas) -> Html:
    """A recorded proof as the LaTeX report sets it: one formula a row after `=`, the rule
    flush right, its facts under it."""
    first, *rest = steps
    rows = [element("tr", element("td"), element("td", math(step_latex(first, formulas),
                                                             display=True)), element("td"))]
    for step in rest:
        rows.append(element("tr", element("td", "=", class_="relation"),
                            element("td", math(step_latex(step, formulas), display=True)),
                            element("td", step.label, class_="note")))
        for fact in facts(step.detail, formulas):
            rows.append(element("tr", element("td"),
                                element("td", "with ", math(fact), class_="note"),
                                element("td")))
    return element("div", element("p", element("em", "Proof.")),
                   element("table", *rows, class_="steps"), class_="proof")


def casesmath(case: str, formulas: Formulas) -> Html:
    """One index case of the prover ('i = j; pairwise different: i, k') as math."""
    prefix = "pairwise different:"
    parts = []
    for part in (p.strip() for p in case.split(";")):
        if part.startswith(prefix):
            parts.append(join([prefix, " ", math(relation_math(part[len(prefix):].strip(),
                                                                formulas)[1:-1])]))
        elif part:
            parts.append(math(relation_math(part, formulas)[1:-1]))
    return join(["(", join(parts, ", ") if parts else "no index constraint", ")"])


def counterexample(found: Counterexample, formulas: Formulas | None) -> Html:
    """The point where the sides differ: sizes, indices, inputs, both sides, the difference."""
    def name(text: str) -> Html:
        return math(formulas.printer.name(text)) if formulas is not None else \
            element("code", text)

    rows = [(name(n), math(number(v))) for n, v in (*found.sizes, *found.indices, *found.values)]
    if found.entry is not None:
        rows.append((Html("entry"), math("(" + ", ".join(map(number, found.entry)) + ")")))
    rational = dict(found.rational)
    for label, key, value in (("left side", "lhs", found.lhs), ("right side", "rhs", found.rhs),
                              ("left − right", "difference", found.difference)):
        if value is not None:
            rows.append((Html(label), math(exact_or_rounded(rational.get(key), value))))
    return element("table", element("caption", "Counterexample"),
                   *(element("tr", element("th", a), element("td", b)) for a, b in rows),
                   class_="counterexample")


def diagnosis(found: Diagnosis | None, formulas: Formulas | None) -> Html:
    """The diagnosis' lines (as the text report words them) and the suggested correction."""
    if found is None:
        return Html("")
    suggested = suggestion(found, formulas)
    # the suggestion is said once: displayed below, not also as a line
    lines = diagnosis_text.text_lines(found, suggestion=not str(suggested))
    if not lines:
        return Html("")
    items = element("ul", *(element("li", line) for line in lines))
    return element("div", element("p", element("strong", "Diagnosis.")), items,
                   suggested, class_="diagnosis")


def suggestion(found: Diagnosis, formulas: Formulas | None) -> Html:
    """The suggested correction displayed as an equation, or nothing."""
    if formulas is None or not (isinstance(found.suggestion, str) and isinstance(found.lhs, str)):
        return Html("")
    source = f"{found.lhs} == {found.suggestion}"
    try:
        formula = Formula(source, parse(source), Location("diagnosis", 1, 1))
    except Exception:  # noqa: BLE001 - the lines above already say it
        return Html("")
    verdict = f" ({found.suggestion_verdict})" if found.suggestion_verdict else ""
    return element("div", element("p", f"Suggested correction{verdict}:"),
                   display(formulas.equation(formula)), class_="suggestion")


def display(latex: str) -> Html:
    """A displayed equation."""
    return element("div", math(latex, display=True), class_="equation")


