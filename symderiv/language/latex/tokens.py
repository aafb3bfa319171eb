"""LaTeX text -> tokens: commands, letters, digits, scripts, groups; spacing dropped."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lark import Token

from symderiv.errors import FormulaError
from symderiv.language.parser import token_start

# -- tokens ----------------------------------------------------------------------------------

SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "limits",
            "nolimits", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
            "biggr", "Biggl", "Biggr"}
RELATIONS = {"neq": "!=", "ne": "!=", "leq": "<=", "le": "<=", "geq": ">=", "ge": ">=",
              "lt": "<", "gt": ">"}
DELIMITERS = {"(": ")", "[": "]", "\\{": "\\}", "|": "|", ".": "."}
_ONE_TOKEN_ARGUMENT = ("^", "_", "\\frac", "\\dfrac", "\\tfrac")
_SINGLE = {"_": "SUB", "^": "SUP", "'": "PRIME", "{": "LBRACE", "}": "RBRACE", "(": "LPAR",
           ")": "RPAR", "[": "LSQB", "]": "RSQB", ",": "COMMA", "+": "ADDOP", "-": "ADDOP",
           "*": "MULOP", "/": "MULOP", "=": "REL", "<": "REL", ">": "REL"}
_UNICODE = {"·": ("MULOP", "\\cdot"), "×": ("MULOP", "\\times"), "−": ("ADDOP", "-"),
            "≠": ("REL", "!=")}
_TOKEN = re.compile(r"\\not\s*=|\\(left|right)(?![A-Za-z])\s*(\\\{|\\\}|[()\[\].|])?"
                    r"|\\[A-Za-z]+|\\.|[A-Za-z]|\d+(?:\.\d+)?|\s+|&|~|.", re.S)


def tokenize(text: str) -> Iterator[Token]:
    """TeX tokens of `text`, classified for `latex.lark`. Spacing commands are dropped.

    Raises:
        FormulaError: at a character no ML formula uses, or at the second of two numbers
            side by side (`1\\,000`: one number or a product?).
    """
    before: Token | None = None
    for token in _tokens(text):
        if token.type == "NUMBER" and before is not None and before.type == "NUMBER":
            raise FormulaError(f"digits separated by a space: write {before}{token} or "
                               f"{before} \\cdot {token}", token_start(token), "tex")
        before = token
        yield token


def _tokens(text: str) -> Iterator[Token]:
    previous = ""
    for match in _TOKEN.finditer(text):
        piece, start, end = match.group(), match.start(), match.end()
        if piece[0].isdigit() and len(piece) > 1 and previous in _ONE_TOKEN_ARGUMENT:
            raise FormulaError(f"LaTeX reads only the first digit of {piece!r} after "
                               f"{previous}; write {{{piece}}}", start, "tex")
        if not piece.isspace():
            previous = piece
        if piece.isspace() or piece in ("&", "~"):
            continue
        if match.group(1):
            delimiter = match.group(2)
            if delimiter is None:
                raise FormulaError(f"\\{match.group(1)} must be followed by a delimiter such as "
                                   "( [ \\{ | or .", start, "tex")
            kind = "LEFT" if match.group(1) == "left" else "RIGHT"
            yield Token(kind, delimiter, start, end_pos=end)
            continue
        if piece.startswith("\\not") and piece.endswith("="):
            yield Token("REL", "!=", start, end_pos=end)
            continue
        if piece.startswith("\\"):
            name = piece[1:]
            if name in SPACING:
                continue
            if name == "\\":
                raise FormulaError("a line break '\\\\' inside one formula: give each equation "
                                   "its own claim", start, "tex")
            if name in ("cdot", "times", "ast"):
                yield Token("MULOP", "*", start, end_pos=end)
            elif name in ("frac", "dfrac", "tfrac"):
                yield Token("FRAC", piece, start, end_pos=end)
            elif name in RELATIONS:
                yield Token("REL", RELATIONS[name], start, end_pos=end)
            elif name == "not":
                raise FormulaError("\\not is only understood in '\\not='", start, "tex")
            else:
                yield Token("CMD", name, start, end_pos=end)
            continue
        if piece.isalpha() and piece.isascii():
            yield Token("LETTER", piece, start, end_pos=end)
        elif piece[0].isdigit():
            yield Token("NUMBER", piece, start, end_pos=end)
        elif piece in _SINGLE:
            yield Token(_SINGLE[piece], piece, start, end_pos=end)
        elif piece in _UNICODE:
            kind, value = _UNICODE[piece]
            yield Token(kind, value, start, end_pos=end)
        else:
            hint = " (write LaTeX commands, e.g. \\delta, not Unicode symbols)" \
                if not piece.isascii() else ""
            raise FormulaError(f"unexpected character {piece!r} in LaTeX{hint}", start, "tex")


