"""Tokens -> the TeX structure (pieces: letters, commands, groups, scripts, products, sums,
relations) through `latex.lark`; a syntax error at its offset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer
from lark.tree import Meta

from symderiv.errors import FormulaError
from symderiv.language.latex.tokens import DELIMITERS, tokenize
from symderiv.language.parser import check_depth, check_size, transform


class _TexLexer(Lexer):
    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any, parser_state: Any = None) -> Iterator[Token]:
        # lark hands a custom lexer the text itself (older versions: a LexerState)
        text = getattr(data, "text", data)
        yield from tokenize(getattr(text, "text", text))


@cache
def _lark() -> Lark:
    grammar = resources.files("symderiv.language").joinpath("latex.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer=_TexLexer, propagate_positions=True,
                maybe_placeholders=False)


# -- the TeX structure -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Letter(Piece):
    char: str


@dataclass(frozen=True, slots=True)
class NumberPiece(Piece):
    text: str


@dataclass(frozen=True, slots=True)
class Command(Piece):
    name: str


@dataclass(frozen=True, slots=True)
class Group(Piece):
    """`{…}`, `(…)`, `[…]` or `\\left( … \\right)`: comma-separated relations."""

    kind: str  # brace, paren, bracket, left
    parts: tuple[Relation, ...]


@dataclass(frozen=True, slots=True)
class Frac(Piece):
    numerator: Piece
    denominator: Piece


@dataclass(frozen=True, slots=True)
class Script(Piece):
    kind: str  # sub, sup, prime
    argument: Piece | None


@dataclass(frozen=True, slots=True)
class Scripted(Piece):
    atom: Piece
    scripts: tuple[Script, ...]

    def script(self, kind: str) -> Script | None:
        found = [s for s in self.scripts if s.kind == kind]
        return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Mul(Piece):
    op: str  # * or /


@dataclass(frozen=True, slots=True)
class Term(Piece):
    items: tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class Expr(Piece):
    """Terms, each with the + and - written before it."""

    signs: tuple[tuple[str, ...], ...]
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Relation(Piece):
    exprs: tuple[Expr, ...]
    ops: tuple[Token, ...]


def _span(meta: Meta) -> tuple[int, int]:
    return meta.start_pos, meta.end_pos


@v_args(meta=True)
class _ToPieces(Transformer[Token, Piece]):
    def start(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def relation(self, meta: Meta, children: list[Any]) -> Relation:
        exprs = tuple(c for c in children if isinstance(c, Expr))
        ops = tuple(c for c in children if isinstance(c, Token))
        return Relation(*_span(meta), exprs, ops)

    def expr(self, meta: Meta, children: list[Any]) -> Expr:
        signs: list[tuple[str, ...]] = []
        terms: list[Term] = []
        pending: list[str] = []
        for child in children:
            if isinstance(child, Token):
                pending.append(str(child))
            else:
                signs.append(tuple(pending))
                terms.append(child)
                pending = []
        return Expr(*_span(meta), tuple(signs), tuple(terms))

    def term(self, meta: Meta, children: list[Any]) -> Term:
        return Term(*_span(meta), tuple(children))

    def mulop(self, meta: Meta, children: list[Token]) -> Mul:
        return Mul(*_span(meta), str(children[0]))

    def scripted(self, meta: Meta, children: list[Any]) -> Scripted:
        return Scripted(*_span(meta), children[0], tuple(children[1:]))

    def sub(self, meta: Meta, children: list[Any]) -> Script:
        return Script(*_span(meta), "sub", children[1])

    def sup(self, meta: Meta, children: list[Any]) -> Script:
        return Script(*_span(meta), "sup", children[1])

    def prime(self, meta: Meta, children: list[Any]) -> Script:
        return Script(*_span(meta), "prime", None)

    def letter(self, meta: Meta, children: list[Token]) -> Letter:
        return Letter(*_span(meta), str(children[0]))

    def number(self, meta: Meta, children: list[Token]) -> NumberPiece:
        return NumberPiece(*_span(meta), str(children[0]))

    def command(self, meta: Meta, children: list[Token]) -> Command:
        return Command(*_span(meta), str(children[0]))

    def _group(self, meta: Meta, children: list[Any], kind: str) -> Group:
        parts = next((c for c in children if isinstance(c, tuple)), ())
        return Group(*_span(meta), kind, parts)

    def group(self, meta: Meta, children: list[Any]) -> Group:
        return self._group(meta, children, "brace")

    def paren(self, meta: Meta, children: list[Any]) -> Group:
        return self._group(meta, children, "paren")

    def bracket(self, meta: Meta, children: list[Any]) -> Group:
        return self._group(meta, children, "bracket")

    def leftright(self, meta: Meta, children: list[Any]) -> Group:
        left, right = str(children[0]), str(children[-1])
        if DELIMITERS.get(left) != right and "." not in (left, right):
            raise FormulaError(f"\\left{left} is closed by \\right{right}",
                               children[-1].start_pos, "tex")
        if left not in ("(", "[", "."):
            raise FormulaError(f"\\left{left} … \\right{right} is not understood (only "
                               "parentheses and brackets group a formula)",
                               children[0].start_pos, "tex")
        return self._group(meta, children, "left")

    def frac(self, meta: Meta, children: list[Any]) -> Frac:
        return Frac(*_span(meta), children[1], children[2])

    # last: below this method, `list` in the class body is the method, not the builtin
    def list(self, meta: Meta, children: list[Any]) -> tuple[Relation, ...]:
        return tuple(c for c in children if isinstance(c, Relation))


TOKEN_NAMES = {
    "LETTER": "a letter", "NUMBER": "a number", "CMD": "a command", "SUB": "'_'",
    "SUP": "'^'", "PRIME": "\"'\"", "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('",
    "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "LEFT": "\\left", "RIGHT": "\\right",
    "FRAC": "\\frac", "MULOP": "a product sign", "ADDOP": "'+' or '-'", "REL": "'='",
    "COMMA": "','", "$END": "the end",
}


def structure(text: str) -> Relation:
    if not text.strip():
        raise FormulaError("empty LaTeX formula", 0, "tex")
    check_size(text, "([{", ")]}")  # the formula limits, --limit max_formula_length=...
    try:
        tree = _lark().parse(text)
    except FormulaError:
        raise
    except UnexpectedInput as error:
        raise _describe(error, text) from error
    check_depth(tree)
    result = transform(_ToPieces(), tree)
    assert isinstance(result, Relation)
    return result


def _describe(error: UnexpectedInput, text: str) -> FormulaError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return FormulaError("the LaTeX ends too early (an unclosed group or a missing "
                                "operand?)", len(text), "tex")
        expected = sorted({TOKEN_NAMES.get(name, name) for name in error.expected})
        return FormulaError(f"unexpected {text[token.start_pos:token.end_pos]!r}; expected "
                            f"{', '.join(expected[:6])}", token.start_pos, "tex")
    if isinstance(error, UnexpectedEOF | UnexpectedCharacters):  # pragma: no cover
        return FormulaError("the LaTeX ends too early", len(text), "tex")
    return FormulaError(str(error), 0, "tex")  # pragma: no cover


# -- meaning -----------------------------------------------------------------------------------


def items_of(piece: Piece) -> tuple[Piece, ...]:
    """The product items of a braced group holding one plain product (else ())."""
    if isinstance(piece, Term):
        return piece.items
    if isinstance(piece, Command):
        return (Scripted(piece.start, piece.end, piece, ()),)
    if not (isinstance(piece, Group) and len(piece.parts) == 1):
        return ()
    relation = piece.parts[0]
    if relation.ops or len(relation.exprs[0].terms) != 1 or relation.exprs[0].signs[0]:
        return ()
    return relation.exprs[0].terms[0].items


