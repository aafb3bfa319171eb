"""Math as MathML: the LaTeX report's course notation through latex2mathml, then sanitized.

The LaTeX comes from `report/latex` (sympy's printer in the notes' notation, the spec's
`latex:` names), so the PDF and the HTML page print one notation. latex2mathml does not
escape what it copies into `<mtext>` (`\\text{</math><script>}` comes out as markup), so its
output is parsed as XML and rebuilt from an allowlist of MathML elements and attributes;
anything else (a parse error, an unknown element or attribute, a value with quotes or a
colon) and the formula is shown as its escaped LaTeX instead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from symderiv.report.html.markup import Html, element, escape

NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"

#: MathML presentation elements a formula may use (MathML Core and what latex2mathml writes).
ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup",
    "mfrac", "msqrt", "mroot", "munder", "mover", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "merror",
})
#: Attributes that only change layout; none can name a resource or hold script.
ATTRIBUTES = frozenset({
    "display", "mathvariant", "stretchy", "fence", "form", "accent", "accentunder",
    "displaystyle", "scriptlevel", "separator", "columnalign", "rowalign", "rowspacing",
    "columnspacing", "columnlines", "lspace", "rspace", "width", "height", "depth",
    "linethickness", "minsize", "maxsize", "movablelimits", "largeop", "symmetric", "notation",
    "mathsize", "columnspan", "rowspan", "frame", "framespacing", "equalrows",
    "equalcolumns", "align",
})
_VALUE = re.compile(r"[A-Za-z0-9 .%#+-]*\Z")


class Unsafe(ValueError):
    """The converter's output holds something outside the allowlist."""


def math(latex: str, display: bool = False) -> Html:
    """`latex` (math mode, no `$`) as one `<math>` element; its LaTeX as code if it cannot be
    converted or its MathML is not in the allowlist."""
    from latex2mathml.converter import convert

    try:
        converted = convert(latex, display="block" if display else "inline")
        return Html(_rebuilt(ElementTree.fromstring(converted)))
    except Exception:  # noqa: BLE001 - a formula is shown as LaTeX rather than lost
        return element("code", latex, class_="tex")


def _rebuilt(node: ElementTree.Element) -> str:
    """`node` and its children serialized anew: allowed elements and attributes only, text
    escaped."""
    tag = node.tag.removeprefix(NAMESPACE)
    if tag not in ELEMENTS:
        raise Unsafe(tag)
    attributes = ""
    for name, value in sorted(node.attrib.items()):
        if name not in ATTRIBUTES or not _VALUE.match(value):
            raise Unsafe(name)
        attributes += f' {name}="{escape(value)}"'
    inner = escape(node.text or "") + "".join(
        _rebuilt(child) + escape(child.tail or "") for child in node)
    return f"<{tag}{attributes}>{inner}</{tag}>"
