"""Formula text -> AST, with a lark LALR parser. Spec text is only ever parsed, never run."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache
from typing import Any, cast
from importlib import resources

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.tree import Meta

from symderiv import limits
from symderiv.errors import FormulaError
from symderiv.language import ast


_EXPONENT = re.compile(r"[eE]([+-]?\d+)\s*\Z")
#: A number as a spec writes it: the grammar's NUMBER terminal, with an optional sign.
NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def exact_number(text: str) -> Fraction:
    """The exact value of a decimal literal such as `0.5` or `1e-3`.

    Raises:
        ValueError: not a number, or an exponent beyond the `max_literal_exponent` limit.
    """
    exponent = _EXPONENT.search(text)
    if exponent is not None and abs(int(exponent.group(1))) > limits.active().max_literal_exponent:
        raise ValueError(f"the exponent of {text[:40]!r} is beyond ±{limits.active().max_literal_exponent}")
    return Fraction(text)

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


def token_start(token: Token) -> int:
    """Where a token of the parsed text starts (lark types it optional for tokens made by
    hand; its lexer always sets it)."""
    return cast(int, token.start_pos)


@v_args(meta=True)
class _ToAst(Transformer[Token, ast.Node]):
    def number(self, meta: Meta, children: list[Token]) -> ast.Node:
        text = str(children[0])
        try:
            value = exact_number(text)
        except ValueError as error:
            raise FormulaError(f"number too large: {error}", token_start(children[0]),
                               "limit") from error
        return ast.Number(*_span(meta), value, text)

    def name(self, meta: Meta, children: list[Token]) -> ast.Node:
        return ast.Name(*_span(meta), str(children[0]))

    def arguments(self, meta: Meta, children: list[ast.Node]) -> tuple[ast.Node, ...]:
        return tuple(children)

    def index(self, meta: Meta, children: list[Any]) -> ast.Node:
        base, arguments = children
        for argument in arguments:
            if isinstance(argument, ast.Keyword):
                raise FormulaError("an index position cannot be a keyword argument ('=')",
                                   argument.start, "syntax")
        return ast.Index(*_span(meta), base, arguments)

    def attribute(self, meta: Meta, children: list[Any]) -> ast.Node:
        operand, attribute = children
        if str(attribute) != "T":
            raise FormulaError(
                f"attribute access '.{attribute}' is not allowed (only '.T', the transpose)",
                token_start(attribute),
                "forbidden",
            )
        return ast.Transpose(*_span(meta), operand)

    def keyword(self, meta: Meta, children: list[Any]) -> ast.Node:
        name, value = children
        return ast.Keyword(*_span(meta), str(name), value)

    def method(self, meta: Meta, children: list[Any]) -> ast.Node:
        """`x.max(axis=1)`: numpy's method form, which the language writes as a call."""
        name = children[1]
        raise FormulaError(f"method calls (.{name}(...)) are not part of the language; "
                           "numpy's reductions are written as calls: max(x, axis=1, "
                           "keepdims=True)", token_start(name), "syntax")

    def call(self, meta: Meta, children: list[Any]) -> ast.Node:
        function = children[0]
        arguments = children[1] if len(children) > 1 else ()
        positional = tuple(a for a in arguments if not isinstance(a, ast.Keyword))
        keywords = tuple(a for a in arguments if isinstance(a, ast.Keyword))
        for before, after in zip(arguments, arguments[1:]):
            if isinstance(before, ast.Keyword) and not isinstance(after, ast.Keyword):
                raise FormulaError("a positional argument cannot follow a keyword argument",
                                   after.start, "syntax")
        seen: set[str] = set()
        for keyword in keywords:
            if keyword.name in seen:
                raise FormulaError(f"keyword argument {keyword.name!r} is repeated",
                                   keyword.start, "syntax")
            seen.add(keyword.name)
        return ast.Call(*_span(meta), str(function), positional, keywords)

    def neg(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.Neg(*_span(meta), children[0])

    def pos(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return children[0]

    def binop(self, meta: Meta, children: list[Any]) -> ast.Node:
        left, operator, right = children
        op = "^" if str(operator) == "**" else str(operator)
        return ast.BinOp(*_span(meta), op, left, right)

    def compare(self, meta: Meta, children: list[Any]) -> ast.Node:
        left, operator, right = children
        return ast.Compare(*_span(meta), str(operator), left, right)

    def or_op(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.BoolOp(*_span(meta), "or", children[0], children[1])

    def and_op(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.BoolOp(*_span(meta), "and", children[0], children[1])

    def not_op(self, meta: Meta, children: list[ast.Node]) -> ast.Node:
        return ast.BoolOp(*_span(meta), "not", children[0], None)


def check_size(text: str, opening: str = "([", closing: str = ")]") -> None:
    """Refuse a formula longer or more deeply bracketed than the limits (also for LaTeX)."""
    if len(text) > limits.active().max_formula_length:
        raise FormulaError(
            f"formula is {len(text)} characters long; the limit is {limits.active().max_formula_length} "
            "(--limit max_formula_length=...)",
            0, "limit",
        )
    depth = 0
    for offset, char in enumerate(text):
        if char in opening:
            depth += 1
            if depth > limits.active().max_nesting:
                raise FormulaError(
                    f"brackets nested more than {limits.active().max_nesting} deep (--limit max_nesting=...)",
                    offset, "limit"
                )
        elif char in closing:
            depth -= 1


def check_depth(tree: Tree[Token]) -> None:
    """Refuse trees deeper than the `max_formula_depth` limit, walking iteratively."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.active().max_formula_depth:
            offset = getattr(node.meta, "start_pos", 0) if not node.meta.empty else 0
            raise FormulaError(f"formula nested more than {limits.active().max_formula_depth} operations deep "
                               "(--limit max_formula_depth=...)", offset, "limit")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def _describe(error: UnexpectedInput, text: str) -> FormulaError:
    if isinstance(error, UnexpectedCharacters):
        offset = cast(int, error.pos_in_stream)  # the lexer's position (lark types it None)
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
        if token.type == "COMPARE" and _is_comparison(text[:offset]):
            return FormulaError(
                f"two relations in one formula: {text[:offset].strip()!r} is already a "
                f"comparison; write one relation (a claim states one; in where:, join "
                f"comparisons with 'and')", offset, "syntax")
        expected = sorted({_TOKEN_NAMES.get(name, name) for name in error.expected})
        found = f"{str(token)!r}"
        return FormulaError(
            f"unexpected {found}; expected {', '.join(expected[:6])}", offset, "syntax"
        )
    return FormulaError(str(error), 0, "syntax")  # pragma: no cover - lark has no other kinds


def _is_comparison(text: str) -> bool:
    """Is `text` a whole formula, and a comparison (`0 < S[i]` before a second `<`)?"""
    try:
        return isinstance(parse(text), ast.Compare)
    except FormulaError:
        return False


def parse(text: str) -> ast.Node:
    """Parse one formula.

    Raises:
        FormulaError: at the offending character, for anything outside the grammar.
    """
    if not text.strip():
        raise FormulaError("empty formula", 0, "syntax")
    check_size(text)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _describe(error, text) from error
    check_depth(tree)
    result = transform(_ToAst(), tree)
    assert isinstance(result, ast.Node)
    return result


#: A formula within the depth limit that still exhausts Python's recursion limit.
TOO_DEEP = "formula too deeply nested to read (lower --limit max_formula_depth)"


def transform(transformer: Transformer[Any, Any], tree: Any) -> Any:
    """Run a lark transformer; a FormulaError raised in a callback comes out as itself."""
    try:
        return transformer.transform(tree)
    except RecursionError as error:  # only with --limit max_formula_depth raised very high
        raise FormulaError(TOO_DEEP, 0, "limit") from error
    except Exception as error:  # lark wraps callback errors in VisitError
        cause = getattr(error, "orig_exc", error)
        if isinstance(cause, FormulaError):
            raise cause from error
        if isinstance(cause, RecursionError):
            raise FormulaError(TOO_DEEP, 0, "limit") from error
        raise
