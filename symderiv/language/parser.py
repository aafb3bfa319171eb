"""Formula text -> AST, with a lark LALR parser. Spec text is only ever parsed, never run."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.tree import Meta

from symderiv.errors import FormulaError
from symderiv.language import ast

#: Refuse longer formulas and deeper nesting before parsing (issue: resource bombs).
MAX_FORMULA_LENGTH = 10_000
MAX_NESTING = 100

_TOKEN_NAMES = {
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "DOT": "'.'",
    "NAME": "a name", "NUMBER": "a number", "COMPARE": "a comparison", "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '@'", "POW_OP": "'^'", "MINUS": "'-'", "PLUS": "'+'", "$END": "the end",
    "OR": "'or'", "AND": "'and'", "NOT": "'not'",
}


@cache
def _lark() -> Lark:
    grammar = resources.files("symderiv.language").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _span(meta: Meta) -> tuple[int, int]:
    return meta.start_pos, meta.end_pos


@v_args(meta=True)
class _ToAst(Transformer[Token, ast.Node]):
    def number(self, meta: Meta, children: list[Token]) -> ast.Node:
        text = str(children[0])
        return ast.Number(*_span(meta), Fraction(text), text)

    def name(self, meta: Meta, children: list[Token]) -> ast.Node:
        return ast.Name(*_span(meta), str(children[0]))

    def arguments(self, meta: Meta, children: list[ast.Node]) -> tuple[ast.Node, ...]:
        return tuple(children)  # type: ignore[return-value]

    def index(self, meta: Meta, children: list[object]) -> ast.Node:
        base, arguments = children
        return ast.Index(*_span(meta), base, arguments)  # type: ignore[arg-type]

    def attribute(self, meta: Meta, children: list[object]) -> ast.Node:
        operand, attribute = children
        if str(attribute) != "T":
            raise FormulaError(
                f"attribute access '.{attribute}' is not allowed (only '.T', the transpose)",
                attribute.start_pos,  # type: ignore[union-attr]
                "forbidden",
            )
        return ast.Transpose(*_span(meta), operand)  # type: ignore[arg-type]

    def call(self, meta: Meta, children: list[object]) -> ast.Node:
        function = children[0]
        arguments = children[1] if len(children) > 1 else ()
        return ast.Call(*_span(meta), str(function), tuple(arguments))  # type: ignore[arg-type]

    def neg(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.Neg(*_span(meta), children[0])

    def pos(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return children[0]

    def binop(self, meta: Meta, children: list[object]) -> ast.Node:
        left, operator, right = children
        op = "^" if str(operator) == "**" else str(operator)
        return ast.BinOp(*_span(meta), op, left, right)  # type: ignore[arg-type]

    def compare(self, meta: Meta, children: list[object]) -> ast.Node:
        left, operator, right = children
        return ast.Compare(*_span(meta), str(operator), left, right)  # type: ignore[arg-type]

    def or_op(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.BoolOp(*_span(meta), "or", children[0], children[1])

    def and_op(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.BoolOp(*_span(meta), "and", children[0], children[1])

    def not_op(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.BoolOp(*_span(meta), "not", children[0], None)


def _check_size(text: str) -> None:
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            f"formula is {len(text)} characters long; the limit is {MAX_FORMULA_LENGTH}",
            0, "limit",
        )
    depth = 0
    for offset, char in enumerate(text):
        if char in "([":
            depth += 1
            if depth > MAX_NESTING:
                raise FormulaError(
                    f"brackets nested more than {MAX_NESTING} deep", offset, "limit"
                )
        elif char in ")]":
            depth -= 1


def _describe(error: UnexpectedInput, text: str) -> FormulaError:
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream
        char = text[offset]
        if char == "_" or (char.isalpha() and not char.isascii()):
            hint = "names are ASCII letters, digits and '_', starting with a letter"
            return FormulaError(f"unexpected character {char!r}: {hint}", offset, "syntax")
        return FormulaError(f"unexpected character {char!r}", offset, "syntax")
    if isinstance(error, UnexpectedEOF):
        return FormulaError("formula ends too early", len(text), "syntax")
    if isinstance(error, UnexpectedToken):
        token = error.token
        offset = token.start_pos if token.start_pos is not None else len(text)
        if token.type == "$END":
            return FormulaError("formula ends too early", len(text), "syntax")
        expected = sorted({_TOKEN_NAMES.get(name, name) for name in error.expected})
        found = f"{str(token)!r}"
        return FormulaError(
            f"unexpected {found}; expected {', '.join(expected[:6])}", offset, "syntax"
        )
    return FormulaError(str(error), 0, "syntax")  # pragma: no cover - lark has no other kinds


def parse(text: str) -> ast.Node:
    """Parse one formula.

    Raises:
        FormulaError: at the offending character, for anything outside the grammar.
    """
    if not text.strip():
        raise FormulaError("empty formula", 0, "syntax")
    _check_size(text)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _describe(error, text) from error
    try:
        result = _ToAst().transform(tree)
    except Exception as error:  # lark wraps callback errors in VisitError
        cause = getattr(error, "orig_exc", error)
        if isinstance(cause, FormulaError):
            raise cause from error
        raise
    assert isinstance(result, ast.Node)
    return result
