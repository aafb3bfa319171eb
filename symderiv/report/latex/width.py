"""The printer's own width estimate of math LaTeX, in em, to break long lines before TeX.

A rough measure: letters and digits about half an em, operators with their spaces more,
sub- and superscripts smaller, a fraction as wide as its wider part, `\\left`/`\\right` and
braces nothing. It decides where a long formula is broken; `layout.fit` still scales down
whatever the estimate underrated, so no line is ever wider than the text block.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|.", re.DOTALL)
_FREE = frozenset({"left", "right", "displaystyle", "mathrm", "operatorname", "text",
                   "mathbf", "small", "quad", "qquad", ",", ";", "!", " "})
_WIDE = {"sum": 1.6, "prod": 1.6, "partial": 0.6, "cdot": 0.8, "quad": 1.0, "qquad": 2.0,
         "neq": 1.2, "leq": 1.2, "geq": 1.2, "times": 1.0}
_OPERATORS = frozenset("+-=<>")
#: The text block of the report (A4, 2.2 cm margins, 11 pt) in em.
TEXT_WIDTH = 42.0


def estimate(latex: str) -> float:
    """The width of `latex` (math mode) in em."""
    tokens = _TOKEN.findall(latex)
    width, _ = _group(tokens, 0, 1.0)
    return width


def _group(tokens: list[str], position: int, scale: float) -> tuple[float, int]:
    """The width of tokens from `position` to the closing brace of this group."""
    width = 0.0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token == "}":
            return width, position
        if token == "{":
            inner, position = _group(tokens, position, scale)
            width += inner
        elif token in "_^":
            inner, position = _argument(tokens, position, scale * 0.7)
            width += inner
        elif token in ("\\frac", "\\tfrac", "\\dfrac"):
            top, position = _argument(tokens, position, scale)
            bottom, position = _argument(tokens, position, scale)
            width += max(top, bottom) + 0.3 * scale
        elif token.startswith("\\"):
            name = token[1:]
            width += 0.0 if name in _FREE and name not in _WIDE else \
                _WIDE.get(name, 0.7) * scale
        elif token in _OPERATORS:
            width += 1.2 * scale
        elif token.isspace():
            continue
        else:
            width += 0.55 * scale
    return width, position


def _argument(tokens: list[str], position: int, scale: float) -> tuple[float, int]:
    """One argument: a braced group or a single token."""
    if position < len(tokens) and tokens[position] == "{":
        return _group(tokens, position + 1, scale)
    if position < len(tokens):
        return _group([tokens[position], "}"], 0, scale)[0], position + 1
    return 0.0, position
