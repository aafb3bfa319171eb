"""The HTML report: one self-contained page (inline style, MathML, no script, nothing fetched)
with a summary table and a section per spec and per check; and the same blocks as fragments
for a notebook's `_repr_html_`-style display."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from symderiv.check.verdict import CheckResult
from symderiv.load.model import Spec
from symderiv.resolve.scope import Scope
from symderiv.report.html.checks import badge, check_section
from symderiv.report.html.evidence import display
from symderiv.report.html.markup import Html, element, join
from symderiv.report.html.style import CSS
from symderiv.report.latex.declarations import definition_equation
from symderiv.report.latex.document import summary
from symderiv.report.latex.formulas import Formulas
from symderiv.results import FileResult, Report
from symderiv.version import __version__

#: Nothing may load or run: no script, no fetch, no frame, no form; only the page's own style
#: (frame-ancestors is ignored in a meta element, so it is not written).
POLICY = ("default-src 'none'; style-src '{style}'; img-src 'none'; base-uri 'none'; "
          "form-action 'none'")


def policy() -> str:
    """The Content-Security-Policy: only the inline stylesheet (by its hash) is allowed."""
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    return POLICY.format(style=f"sha256-{digest}")


def document(report: Report) -> str:
    """The whole page."""
    head = ('<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy()}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="symderiv {__version__}">\n'
            "<title>symderiv report</title>\n"
            f"<style>{CSS}</style>\n")
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n' + head + "</head>\n<body>\n"
            + body(report) + "\n</body>\n</html>\n")


def body(report: Report) -> Html:
    """The report's content, in one `.symderiv` element."""
    anchors = _anchors(report)
    files = [file_section(f, anchors) for f in report.files]
    return element("main", element("h1", "Checked derivations"),
                   element("p", summary(report), class_="summary-line"),
                   summary_table(report, anchors), *files, class_="symderiv")


def fragment(value: Report | FileResult | CheckResult) -> Html:
    """A report, one spec's results or one check as a block with its own style (for a
    notebook: the same renderer as the page)."""
    if isinstance(value, Report):
        content = body(value)
    elif isinstance(value, FileResult):
        content = element("div", file_section(value, _anchors(Report((value,)))),
                          class_="symderiv")
    else:
        content = element("div", check_section(value, "symderiv-check", None, None),
                          class_="symderiv")
    return Html(f"<style>{CSS}</style>{content}")


def _anchors(report: Report) -> dict[int, str]:
    """Each check's element id, by the check's identity: numbered, never spec text."""
    return {id(check): f"symderiv-check-{number}"
            for number, check in enumerate(report.checks, start=1)}


def summary_table(report: Report, anchors: dict[int, str]) -> Html:
    """Every check a row under its spec's row: link, kind, verdict, as expected, spec line."""
    rows = []
    for file in report.files:
        if not file.checks:
            continue
        title = f" — {file.title}" if file.title else ""
        rows.append(element("tr", element("th", element("code", file.path), title, colspan="5"),
                            class_="file"))
        rows.extend(element("tr", element("td", element("a", element("code", check.id),
                                                        href="#" + anchors[id(check)])),
                            element("td", check.kind), element("td", badge(check)),
                            element("td", "yes" if check.ok else "no"),
                            element("td", str(check.location.line)))
                    for check in file.checks)
    if not rows:
        return Html("")
    head = element("tr", *(element("th", name) for name in
                           ("check", "kind", "verdict", "as expected", "spec line")))
    return element("table", element("thead", head), element("tbody", *rows), class_="summary")


def file_section(result: FileResult, anchors: dict[int, str]) -> Html:
    """One spec: title, path, errors, definitions, then each check."""
    spec = result.spec if isinstance(result.spec, Spec) else None
    scope = result.scope if isinstance(result.scope, Scope) else None
    formulas = Formulas(scope) if scope is not None else None
    parts = [element("h2", result.title or result.path),
             element("p", "File: ", element("code", result.path), class_="file")]
    if spec is not None and spec.source:
        parts.append(element("p", "Source: ", spec.source, class_="file"))
    if result.errors:
        parts.append(element("ul", *(element("li", element("code", e.render()))
                                     for e in result.errors), class_="errors"))
    if spec is not None and formulas is not None and spec.definitions:
        parts.append(definitions(spec, formulas))
    parts.extend(check_section(check, anchors.get(id(check), "symderiv-check"), spec, formulas)
                 for check in result.checks)
    return element("section", *parts, class_="spec")


def definitions(spec: Spec, formulas: Formulas) -> Html:
    """The definitions displayed as the LaTeX report shows them."""
    return join([element("h3", "Definitions"),
                 *(display(definition_equation(d, formulas)) for d in spec.definitions)])


def write(report: Report, path: Path) -> Path:
    """Write the page to `path` (a new file beside it, renamed over it: a link already there
    is replaced, never written through)."""
    from symderiv.report.latex.files import write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text(path.parent, path.name, document(report))
