"""LaTeX as ML notes write it -> the formula AST, resolved against a spec's declarations.

Reading happens in two steps. `tokenize` + `latex.lark` give the TeX structure (letters,
commands, groups, scripts, juxtaposition); `_Resolver` then decides what each piece means
using the declarations: `S_i` is an entry of the declared vector S, `D_j S_i` a derivative,
`e^{x}` the exponential unless `e` is declared, `1(i=j)` the Kronecker delta. Anything that
has two readings, or none, is a `FormulaError` at its offset that says what was understood and
what was not. sympy's `parse_latex` is deliberately not used: it reads `\\delta_{ij}` as a
product and `\\frac{\\partial S_i}{\\partial a_j}` as a fraction of products.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer
from lark.tree import Meta

from symderiv.errors import FormulaError
from symderiv.language import ast
from symderiv.language.parser import TOO_DEEP, check_depth, check_size, token_start, transform

# -- declarations ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Declarations:
    """The names a LaTeX formula may refer to. A rank is the number of indices an entry takes
    (None: a definition without parameters, whose shape is only known after building)."""

    sizes: frozenset[str] = frozenset()
    indices: dict[str, str] = field(default_factory=dict)  # index -> its size
    symbols: dict[str, int] = field(default_factory=dict)
    definitions: dict[str, int | None] = field(default_factory=dict)
    latex: dict[str, str] = field(default_factory=dict)  # normalised LaTeX -> declared name

    @classmethod
    def of_spec(cls, spec: Any) -> Declarations:
        """The declarations of a loaded `Spec` (or anything with its declaration fields)."""
        latex: dict[str, str] = {}
        for declaration in (*spec.symbols, *spec.definitions):
            if getattr(declaration, "latex", None):
                latex[_normal(declaration.latex)] = declaration.name
        return cls(
            sizes=frozenset(s.name for s in spec.sizes),
            indices={i.name: i.size for i in spec.indices},
            symbols={s.name: len(s.shape) for s in spec.symbols},
            definitions={d.name: (len(d.params) if d.params else None)
                         for d in spec.definitions},
            latex=latex,
        )

    def declared(self, name: str) -> bool:
        return (name in self.sizes or name in self.indices or name in self.symbols
                or name in self.definitions)

    def rank(self, name: str) -> int | None:
        if name in self.symbols:
            return self.symbols[name]
        if name in self.definitions:
            return self.definitions[name]
        return 0


def _normal(latex: str) -> str:
    return re.sub(r"\s+", "", latex)


# -- tokens ----------------------------------------------------------------------------------

_SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "limits",
            "nolimits", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
            "biggr", "Biggl", "Biggr"}
_RELATIONS = {"neq": "!=", "ne": "!=", "leq": "<=", "le": "<=", "geq": ">=", "ge": ">=",
              "lt": "<", "gt": ">"}
_DELIMITERS = {"(": ")", "[": "]", "\\{": "\\}", "|": "|", ".": "."}
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
            if name in _SPACING:
                continue
            if name == "\\":
                raise FormulaError("a line break '\\\\' inside one formula: give each equation "
                                   "its own claim", start, "tex")
            if name in ("cdot", "times", "ast"):
                yield Token("MULOP", "*", start, end_pos=end)
            elif name in ("frac", "dfrac", "tfrac"):
                yield Token("FRAC", piece, start, end_pos=end)
            elif name in _RELATIONS:
                yield Token("REL", _RELATIONS[name], start, end_pos=end)
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
class _Piece:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Letter(_Piece):
    char: str


@dataclass(frozen=True, slots=True)
class _Number(_Piece):
    text: str


@dataclass(frozen=True, slots=True)
class _Command(_Piece):
    name: str


@dataclass(frozen=True, slots=True)
class _Group(_Piece):
    """`{…}`, `(…)`, `[…]` or `\\left( … \\right)`: comma-separated relations."""

    kind: str  # brace, paren, bracket, left
    parts: tuple[_Relation, ...]


@dataclass(frozen=True, slots=True)
class _Frac(_Piece):
    numerator: _Piece
    denominator: _Piece


@dataclass(frozen=True, slots=True)
class _Script(_Piece):
    kind: str  # sub, sup, prime
    argument: _Piece | None


@dataclass(frozen=True, slots=True)
class _Scripted(_Piece):
    atom: _Piece
    scripts: tuple[_Script, ...]

    def script(self, kind: str) -> _Script | None:
        found = [s for s in self.scripts if s.kind == kind]
        return found[0] if found else None


@dataclass(frozen=True, slots=True)
class _Mul(_Piece):
    op: str  # * or /


@dataclass(frozen=True, slots=True)
class _Term(_Piece):
    items: tuple[_Piece, ...]


@dataclass(frozen=True, slots=True)
class _Expr(_Piece):
    """Terms, each with the + and - written before it."""

    signs: tuple[tuple[str, ...], ...]
    terms: tuple[_Term, ...]


@dataclass(frozen=True, slots=True)
class _Relation(_Piece):
    exprs: tuple[_Expr, ...]
    ops: tuple[Token, ...]


def _span(meta: Meta) -> tuple[int, int]:
    return meta.start_pos, meta.end_pos


@v_args(meta=True)
class _ToPieces(Transformer[Token, _Piece]):
    def start(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def relation(self, meta: Meta, children: list[Any]) -> _Relation:
        exprs = tuple(c for c in children if isinstance(c, _Expr))
        ops = tuple(c for c in children if isinstance(c, Token))
        return _Relation(*_span(meta), exprs, ops)

    def expr(self, meta: Meta, children: list[Any]) -> _Expr:
        signs: list[tuple[str, ...]] = []
        terms: list[_Term] = []
        pending: list[str] = []
        for child in children:
            if isinstance(child, Token):
                pending.append(str(child))
            else:
                signs.append(tuple(pending))
                terms.append(child)
                pending = []
        return _Expr(*_span(meta), tuple(signs), tuple(terms))

    def term(self, meta: Meta, children: list[Any]) -> _Term:
        return _Term(*_span(meta), tuple(children))

    def mulop(self, meta: Meta, children: list[Token]) -> _Mul:
        return _Mul(*_span(meta), str(children[0]))

    def scripted(self, meta: Meta, children: list[Any]) -> _Scripted:
        return _Scripted(*_span(meta), children[0], tuple(children[1:]))

    def sub(self, meta: Meta, children: list[Any]) -> _Script:
        return _Script(*_span(meta), "sub", children[1])

    def sup(self, meta: Meta, children: list[Any]) -> _Script:
        return _Script(*_span(meta), "sup", children[1])

    def prime(self, meta: Meta, children: list[Any]) -> _Script:
        return _Script(*_span(meta), "prime", None)

    def letter(self, meta: Meta, children: list[Token]) -> _Letter:
        return _Letter(*_span(meta), str(children[0]))

    def number(self, meta: Meta, children: list[Token]) -> _Number:
        return _Number(*_span(meta), str(children[0]))

    def command(self, meta: Meta, children: list[Token]) -> _Command:
        return _Command(*_span(meta), str(children[0]))

    def _group(self, meta: Meta, children: list[Any], kind: str) -> _Group:
        parts = next((c for c in children if isinstance(c, tuple)), ())
        return _Group(*_span(meta), kind, parts)

    def group(self, meta: Meta, children: list[Any]) -> _Group:
        return self._group(meta, children, "brace")

    def paren(self, meta: Meta, children: list[Any]) -> _Group:
        return self._group(meta, children, "paren")

    def bracket(self, meta: Meta, children: list[Any]) -> _Group:
        return self._group(meta, children, "bracket")

    def leftright(self, meta: Meta, children: list[Any]) -> _Group:
        left, right = str(children[0]), str(children[-1])
        if _DELIMITERS.get(left) != right and "." not in (left, right):
            raise FormulaError(f"\\left{left} is closed by \\right{right}",
                               children[-1].start_pos, "tex")
        if left not in ("(", "[", "."):
            raise FormulaError(f"\\left{left} … \\right{right} is not understood (only "
                               "parentheses and brackets group a formula)",
                               children[0].start_pos, "tex")
        return self._group(meta, children, "left")

    def frac(self, meta: Meta, children: list[Any]) -> _Frac:
        return _Frac(*_span(meta), children[1], children[2])

    # last: below this method, `list` in the class body is the method, not the builtin
    def list(self, meta: Meta, children: list[Any]) -> tuple[_Relation, ...]:
        return tuple(c for c in children if isinstance(c, _Relation))


_TOKEN_NAMES = {
    "LETTER": "a letter", "NUMBER": "a number", "CMD": "a command", "SUB": "'_'",
    "SUP": "'^'", "PRIME": "\"'\"", "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('",
    "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "LEFT": "\\left", "RIGHT": "\\right",
    "FRAC": "\\frac", "MULOP": "a product sign", "ADDOP": "'+' or '-'", "REL": "'='",
    "COMMA": "','", "$END": "the end",
}


def _structure(text: str) -> _Relation:
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
    assert isinstance(result, _Relation)
    return result


def _describe(error: UnexpectedInput, text: str) -> FormulaError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return FormulaError("the LaTeX ends too early (an unclosed group or a missing "
                                "operand?)", len(text), "tex")
        expected = sorted({_TOKEN_NAMES.get(name, name) for name in error.expected})
        return FormulaError(f"unexpected {text[token.start_pos:token.end_pos]!r}; expected "
                            f"{', '.join(expected[:6])}", token.start_pos, "tex")
    if isinstance(error, UnexpectedEOF | UnexpectedCharacters):  # pragma: no cover
        return FormulaError("the LaTeX ends too early", len(text), "tex")
    return FormulaError(str(error), 0, "tex")  # pragma: no cover


# -- meaning -----------------------------------------------------------------------------------

_FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log"}
_FONTS = {"mathrm", "mathit", "mathbf", "boldsymbol", "bm", "text", "textrm", "operatorname",
          "mathsf", "vec", "mathbb"}
_ELLIPSES = {"cdots", "dots", "ldots", "vdots", "ddots"}
_TRANSPOSES = {"\\top", "\\intercal", "\\mathsf{T}", "\\mathsfT", "\\mathrm{T}", "\\mathrmT",
               "T"}


class _Resolver:
    """Turns the TeX structure into AST nodes; every decision is checked against `names`."""

    def __init__(self, text: str, names: Declarations, wrt: str | None) -> None:
        self.text = text
        self.names = names
        self.wrt = wrt

    def fail(self, message: str, piece: _Piece | int) -> FormulaError:
        offset = piece if isinstance(piece, int) else piece.start
        return FormulaError(message, offset, "tex")

    def source(self, piece: _Piece) -> str:
        return self.text[piece.start:piece.end]

    # -- relations and sums ----------------------------------------------------------------

    def claim(self, relation: _Relation) -> ast.Node:
        """An equation `lhs = rhs` (Compare '==') or a single expression."""
        if not relation.ops:
            return self.expr(relation.exprs[0])
        if len(relation.ops) > 1:
            raise self.fail("a chain of relations: a claim is one equation 'lhs = rhs'",
                            token_start(relation.ops[1]))
        op = relation.ops[0]
        if str(op) != "=":
            raise self.fail(f"a claim is an equation; {str(op)!r} is not understood here",
                            token_start(op))
        left, right = (self.expr(e) for e in relation.exprs)
        return ast.Compare(relation.start, relation.end, "==", left, right)

    def condition(self, relation: _Relation) -> ast.Node:
        """`i = j`, `i \\neq j`, ... as a Compare node (for indicators)."""
        if len(relation.ops) != 1:
            raise self.fail("an indicator 1(…) needs one comparison of indices, like "
                            "1(i=j)", relation)
        op = str(relation.ops[0])
        left, right = (self.integer(e) for e in relation.exprs)
        return ast.Compare(relation.start, relation.end, "==" if op == "=" else op, left, right)

    def value(self, relation: _Relation) -> ast.Node:
        if relation.ops:
            raise self.fail(f"a comparison {self.source(relation)!r} where a value is expected "
                            "(an indicator is written 1(i=j) or \\mathbb{1}(i=j))", relation)
        return self.expr(relation.exprs[0])

    def expr(self, expr: _Expr) -> ast.Node:
        result: ast.Node | None = None
        for signs, term in zip(expr.signs, expr.terms):
            node = self.term(term)
            unary = signs if result is None else signs[1:]
            if unary.count("-") % 2:
                node = ast.Neg(term.start if not unary else expr.start, term.end, node)
            if result is None:
                result = node
            else:
                result = ast.BinOp(expr.start, term.end, signs[0], result, node)
        assert result is not None
        return result

    def integer(self, expr: _Expr) -> ast.Node:
        """An index position or a limit: indices, sizes and integers (checked when built)."""
        return self.expr(expr)

    # -- products ----------------------------------------------------------------------------

    def term(self, term: _Term) -> ast.Node:
        items = list(term.items)
        partial = self.partial_quotient(items)
        if partial is not None:
            return partial
        result: ast.Node | None = None
        position = 0
        pending: str | None = None  # an explicit * or / waiting for its right operand
        last = "*"
        while position < len(items):
            item = items[position]
            if isinstance(item, _Mul):
                if result is None or pending is not None:
                    raise self.fail(f"{self.source(item)!r} without a left operand", item)
                pending = item.op
                position += 1
                continue
            if result is not None and pending is None and last == "/":
                raise self.fail("ambiguous: after '/' the denominator continues by "
                                f"juxtaposition ({self.source(item)!r}); write "
                                "\\frac{…}{…} or parentheses", item)
            if pending == "/":
                self.refuse_product_after_sum(items, position, "after '/'",
                                              "(\\sum …) \\cdot … or \\frac{…}{\\sum …}")
            factor, position = self.factor(items, position)
            last = pending or "*"
            result = factor if result is None else ast.BinOp(term.start, factor.end, last,
                                                             result, factor)
            pending = None
        if pending is not None:
            raise self.fail(f"{self.source(items[-1])!r} without a right operand", items[-1])
        assert result is not None
        return result

    def refuse_product_after_sum(self, items: list[_Piece], position: int, where: str,
                                 spelled: str) -> None:
        """A \\sum takes the rest of the product as its body; where the sum is only one
        operand (a denominator, the argument of \\log) a later `\\cdot` or `/` is refused:
        `a_i / b \\cdot x_i` is (a_i/b)*x_i, so `/ \\sum_k … \\cdot 2` has two readings."""
        item = items[position]
        if not (isinstance(item, _Scripted) and isinstance(item.atom, _Command)
                and item.atom.name == "sum"):
            return
        mul = next((i for i in items[position + 1:] if isinstance(i, _Mul)), None)
        if mul is not None:
            raise self.fail(f"ambiguous: does the \\sum {where} end before "
                            f"'{self.source(mul)}'? write {spelled}", mul)

    def factor(self, items: list[_Piece], position: int) -> tuple[ast.Node, int]:
        """The factor starting at `items[position]` and the position after it. Operators
        (\\sum, D_j, \\frac{\\partial}{\\partial x}, \\log) take their operands here."""
        item = items[position]
        assert isinstance(item, _Scripted)
        atom = item.atom
        if isinstance(atom, _Command):
            if atom.name == "sum":
                return self.sum(item, items, position)
            if atom.name in _FUNCTIONS:
                return self.function(item, items, position)
            if atom.name == "sqrt":
                return self.sqrt(item, items, position)
            if atom.name == "partial" and item.script("sub") is not None:
                return self.operator(item, items, position)
            if atom.name in _FONTS or self.latex_with_argument(item, items, position):
                return self.font(item, items, position)
            if atom.name == "delta" and item.script("sub") is not None:
                return self.delta(item), position + 1
        if isinstance(atom, _Letter) and atom.char == "D" and not self.names.declared("D"):
            return self.operator(item, items, position)
        if isinstance(atom, _Frac) and self.is_partial_operator(atom):
            variable = self.partial_variable(atom.denominator)
            return self.apply_operator(item, variable, items, position + 1)
        if isinstance(atom, _Number) and self.is_indicator(items, position):
            return self.indicator(item, items[position + 1]), position + 2
        if isinstance(atom, _Letter):
            return self.letters(items, position)
        if isinstance(atom, _Command):  # `\\sigma(b)` for a definition with latex: '\\sigma'
            node = self.scripted(item, self.atom(atom))
            if isinstance(node, ast.Name):
                node = self.after_name(node, node.name, items, position + 1,
                                       self.source(atom))
            return node, position + 1
        # a group followed by a group is a product, as in (a+b)(c+d)
        return self.scripted(item, self.atom(atom)), position + 1

    # -- letters and names -------------------------------------------------------------------

    def letters(self, items: list[_Piece], position: int) -> tuple[ast.Node, int]:
        """A run of letters: one declared multi-letter name (`xent`), else single letters."""
        run: list[_Scripted] = []
        chars: list[str] = []  # the letter of each item of the run
        for item in items[position:]:
            if not (isinstance(item, _Scripted) and isinstance(item.atom, _Letter)):
                break
            run.append(item)
            chars.append(item.atom.char)
            if item.scripts:
                break
        for length in range(len(run), 1, -1):
            name = "".join(chars[:length])
            if self.names.declared(name):
                singles = chars[:length]
                if all(self.names.declared(c) for c in singles):
                    raise self.fail(f"ambiguous: {name!r} is declared, and so is each of the "
                                    f"letters {', '.join(singles)} (a product); write "
                                    f"\\mathrm{{{name}}} for the name or \\cdot for the "
                                    "product", run[0])
                last = run[length - 1]
                whole = _Scripted(run[0].start, last.end, _Letter(run[0].start, last.atom.end,
                                                                   name), last.scripts)
                node = self.scripted(whole, self.name(name, whole.atom))
                return self.after_name(node, name, items, position + length), \
                    position + length
        item = run[0]
        char = chars[0]
        if char == "e" and not self.names.declared("e"):
            return self.euler(item), position + 1
        if char == "e" and item.script("sup") is not None:
            raise self.fail("ambiguous: e^{…} reads as the exponential, but 'e' is a declared "
                            "symbol; write \\exp(…) or \\mathrm{e}^{…} for the exponential, "
                            "(e)^{…} for the symbol", item)
        sub = item.script("sub")
        if sub is not None and not self.names.declared(char):
            joined = self.joined_name(char, sub)
            if joined is not None:
                rest = _Scripted(item.start, item.end, item.atom,
                                 tuple(s for s in item.scripts if s is not sub))
                node = self.scripted(rest, ast.Name(item.start, sub.end, joined),
                                     subscripted=True)
                return self.after_name(node, joined, items, position + 1), position + 1
        node = self.scripted(item, self.name(char, item.atom))
        return self.after_name(node, char, items, position + 1), position + 1

    def joined_name(self, base: str, sub: _Script) -> str | None:
        """`z_1` or `x_{in}` as one declared name (names may contain '_')."""
        argument = sub.argument
        inner = self.source(argument).strip("{}") if argument is not None else ""
        name = f"{base}_{inner}"
        return name if self.names.declared(name) else None

    def after_name(self, node: ast.Node, name: str, items: list[_Piece],
                   position: int, written: str | None = None) -> ast.Node:
        """Refuse `S(…)` right after a definition: a call or a product? `written` is the
        definition as the LaTeX spells it (`\\sigma` for a `latex:` name)."""
        if position < len(items) and name in self.names.definitions \
                and isinstance(node, ast.Name):
            following = items[position]
            if isinstance(following, _Scripted) and isinstance(following.atom, _Group) \
                    and following.atom.kind in ("paren", "left"):
                raise self.fail(f"ambiguous: {written or name}("
                                f"{self.source(following.atom)[1:-1]}) reads "
                                f"as the definition {name} applied to arguments, which symderiv "
                                f"cannot express; write an entry ({name}_i) or \\cdot for a "
                                "product", following)
        return node

    def name(self, name: str, piece: _Piece) -> ast.Node:
        if not self.names.declared(name):
            if name == "i":
                raise self.fail("'i' is not declared: declare it as an index (symderiv never "
                                "reads i as the imaginary unit)", piece)
            raise self.fail(f"unknown name {name!r}: not declared in the spec (declare it "
                            "under symbols, define, indices or sizes)", piece)
        return ast.Name(piece.start, piece.end, name)

    def euler(self, item: _Scripted) -> ast.Node:
        """`e^{x}` -> exp(x); `e` alone -> exp(1) (only when no `e` is declared)."""
        if item.script("sub") is not None:
            raise self.fail("'e' with a subscript: 'e' is Euler's number here (no symbol e "
                            "is declared)", item)
        self.no_primes(item)
        sup = item.script("sup")
        if sup is None:
            return ast.Call(item.start, item.end, "exp",
                            (ast.Number(item.start, item.end, Fraction(1), "1"),))
        assert sup.argument is not None
        return ast.Call(item.start, item.end, "exp", (self.argument(sup.argument),))

    def latex_with_argument(self, item: _Scripted, items: list[_Piece], position: int) -> bool:
        """`\\hat{y}` (a command and its argument) that a declaration gives as its `latex:`."""
        following = items[position + 1] if position + 1 < len(items) else None
        if item.scripts or not (isinstance(following, _Scripted)
                                and isinstance(following.atom, _Group | _Letter)):
            return False
        text = self.text[item.start:following.atom.end]
        return _normal(text) in self.names.latex

    def font(self, item: _Scripted, items: list[_Piece],
             position: int) -> tuple[ast.Node, int]:
        """`\\mathrm{xent}`, `\\mathbb{1}(i=j)`, `\\mathrm{e}^{x}`, `\\mathbf{x}`."""
        command = item.atom
        assert isinstance(command, _Command)
        if item.scripts or position + 1 >= len(items):
            raise self.fail(f"\\{command.name} must be followed by its argument in braces",
                            item)
        following = items[position + 1]
        if not (isinstance(following, _Scripted) and isinstance(following.atom, _Group
                                                                | _Letter | _Number)):
            raise self.fail(f"\\{command.name} must be followed by its argument in braces",
                            following)
        inner = self.source(following.atom).strip("{} ")
        whole = _Scripted(item.start, following.end,
                          _Command(item.start, following.atom.end, inner), following.scripts)
        latex = self.names.latex.get(_normal(self.source(whole.atom)))
        if latex is not None:
            node = self.scripted(whole, ast.Name(whole.start, whole.atom.end, latex))
            return self.after_name(node, latex, items, position + 2,
                                   self.source(whole.atom)), position + 2
        if inner == "1" and command.name in ("mathbb", "mathbf", "mathrm", "text"):
            if self.is_indicator(items, position + 1):
                return self.indicator(whole, items[position + 2]), position + 3
            sub = following.script("sub")
            if sub is not None and isinstance(sub.argument, _Group) and sub.argument.parts:
                return self.indicator_of(whole, sub.argument), position + 2
            raise self.fail(f"\\{command.name}{{1}} is understood only as an indicator "
                            "\\mathbb{1}(i=j) or \\mathbb{1}_{i=j}", item)
        if inner == "e" and command.name in ("mathrm", "text"):
            return self.euler(_Scripted(whole.start, whole.end, whole.atom, whole.scripts)), \
                position + 2
        if command.name == "mathbb":
            raise self.fail(f"\\mathbb{{{inner}}} (a set) cannot be part of a claim", item)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", inner):
            raise self.fail(f"\\{command.name}{{{inner}}} is not a name", item)
        if inner in _FUNCTIONS:
            raise self.fail(f"write \\{inner}, not \\{command.name}{{{inner}}}", item)
        node = self.scripted(whole, self.name(inner, whole.atom))
        return self.after_name(node, inner, items, position + 2), position + 2

    def command(self, command: _Command) -> ast.Node:
        latex = self.names.latex.get(_normal("\\" + command.name))
        if latex is not None:
            return ast.Name(command.start, command.end, latex)
        if self.names.declared(command.name):
            return ast.Name(command.start, command.end, command.name)
        if command.name in _ELLIPSES:
            raise self.fail(f"'\\{command.name}': an ellipsis cannot be checked; write the "
                            "general entry (a sum or an index) instead", command)
        if command.name == "delta":
            raise self.fail("\\delta needs two indices: \\delta_{ij}", command)
        if command.name == "partial":
            raise self.fail("\\partial is understood in \\frac{\\partial f}{\\partial x}, "
                            "\\partial f / \\partial x and \\partial_{x} f", command)
        if command.name in ("infty", "pi", "int", "prod", "lim", "nabla"):
            raise self.fail(f"'\\{command.name}' is not supported in claims", command)
        raise self.fail(f"unknown command '\\{command.name}' (not a LaTeX construct symderiv "
                        "reads, nor the latex of a declared name)", command)

    # -- atoms and scripts -------------------------------------------------------------------

    def atom(self, atom: _Piece) -> ast.Node:
        if isinstance(atom, _Number):
            return ast.Number(atom.start, atom.end, Fraction(atom.text), atom.text)
        if isinstance(atom, _Letter):
            return self.name(atom.char, atom)
        if isinstance(atom, _Command):
            return self.command(atom)
        if isinstance(atom, _Group):
            return self.group(atom)
        if isinstance(atom, _Frac):
            self.refuse_leibniz(atom)
            numerator = self.argument(atom.numerator)
            if self.starts_with_partial(atom.numerator):
                raise self.fail("\\frac{\\partial …}{…} needs '\\partial x' below",
                                atom.denominator)
            return ast.BinOp(atom.start, atom.end, "/", numerator,
                             self.argument(atom.denominator))
        raise self.fail(f"{self.source(atom)!r} is not understood here", atom)  # pragma: no cover

    def group(self, group: _Group) -> ast.Node:
        if len(group.parts) != 1:
            what = "empty" if not group.parts else "a list (with ',')"
            raise self.fail(f"{what} group {self.source(group)!r} where a value is expected",
                            group)
        return self.value(group.parts[0])

    def argument(self, piece: _Piece) -> ast.Node:
        """A script or \\frac argument: a braced group or one token."""
        if isinstance(piece, _Number) and len(piece.text) > 1:
            raise self.fail(f"LaTeX reads only the first digit of {piece.text!r} here; write "
                            f"{{{piece.text}}}", piece)
        return self.atom(piece)

    def scripted(self, item: _Scripted, base: ast.Node, subscripted: bool = False) -> ast.Node:
        """Apply `_` (entries), then `^` (powers, transposes) to `base`."""
        self.no_primes(item)
        node = base
        sub = item.script("sub")
        if sub is not None and not subscripted:
            node = self.entry(item, base, sub)
        sup = item.script("sup")
        if sup is not None:
            assert sup.argument is not None
            if self.is_transpose(sup.argument, node, node is not base):
                node = ast.Transpose(item.start, item.end, node)
            else:
                node = ast.BinOp(item.start, item.end, "^", node, self.argument(sup.argument))
        return node

    def no_primes(self, item: _Scripted) -> None:
        prime = item.script("prime")
        if prime is not None:
            raise self.fail("a prime (f') is not understood: write the derivative as D_j f "
                            "or \\frac{\\partial f}{\\partial x}", prime)
        kinds = [s.kind for s in item.scripts]
        if kinds.count("sub") > 1 or kinds.count("sup") > 1:
            raise self.fail("double subscript or superscript", item)

    def is_transpose(self, argument: _Piece, base: ast.Node, entry_here: bool) -> bool:
        """`^\\top`, `^\\intercal`, `^{\\mathsf{T}}`, `^{\\mathrm{T}}`, and `^T` unless T is
        declared and the base a scalar; on `W_{ij}^T` (subscript and superscript on one
        letter) the reading is refused."""
        text = _normal(self.source(argument))
        if isinstance(argument, _Group):  # one pair only: `{\\mathsf{T}}` keeps its inner braces
            text = text[1:-1]
        if text not in _TRANSPOSES:
            return False
        if entry_here:
            raise self.fail(f"ambiguous: '{self.source(argument)}' on an entry: the entry of "
                            "the transpose (write the indices swapped) or a power (write "
                            "{…}^{…} around the entry)?", argument)
        if text != "T":
            return True
        if not self.names.declared("T"):
            return True
        if isinstance(base, ast.Name):
            rank = self.names.rank(base.name)
        else:  # an entry is a scalar; of a bracket the shape is not known yet
            rank = 0 if isinstance(base, ast.Index | ast.Number) else None
        if rank is None:
            raise self.fail("ambiguous: '^T' is a transpose or a power of the declared T; "
                            "write ^\\top or ^{(T)}", argument)
        return rank > 0

    def entry(self, item: _Scripted, base: ast.Node, sub: _Script) -> ast.Node:
        """`S_i`, `W_{ij}`, `W_{i,j}`: an entry of a declared vector, matrix or definition."""
        assert sub.argument is not None
        if not isinstance(base, ast.Name):
            raise self.fail(f"a subscript on {self.source(item.atom)!r}: only declared "
                            "symbols and definitions take indices", sub)
        rank = self.names.rank(base.name)
        if rank == 0:
            raise self.fail(f"{base.name!r} is a scalar, so the subscript "
                            f"{self.source(sub)!r} cannot be an index (and {base.name}_"
                            f"{self.source(sub.argument).strip('{}')} is not declared)", sub)
        indices = self.index_list(sub.argument, rank, base.name)
        return ast.Index(item.start, sub.end, base, indices)

    def index_list(self, argument: _Piece, rank: int | None,
                   name: str) -> tuple[ast.Node, ...]:
        """The indices in a subscript: `i`, `{i,j}`, `{ij}` (two letters), `{N+1}`."""
        if isinstance(argument, _Group) and len(argument.parts) > 1:
            return tuple(self.integer(_only_expr(self, p)) for p in argument.parts)
        if isinstance(argument, _Group) and not argument.parts:
            raise self.fail(f"empty subscript on {name}", argument)
        if rank is None or rank == 1:
            letters = [i for i in _items_of(argument) if isinstance(i, _Scripted)
                       and isinstance(i.atom, _Letter) and i.atom.char in self.names.indices]
            if len(letters) > 1 and len(letters) == len(_items_of(argument)):
                raise self.fail(f"{name} takes one index, but {self.source(argument)!r} holds "
                                f"{len(letters)} indices (write i \\cdot j for a product)",
                                argument)
            return (self.argument(argument),)
        # rank 2 without commas: exactly two single letters or digits, as in W_{ij}, W_{T1}
        characters = re.sub(r"\s+", "", self.source(argument).strip("{}"))
        if len(characters) == rank and all(c.isalnum() and c.isascii() for c in characters):
            start = argument.start + (1 if isinstance(argument, _Group) else 0)
            start = self.text.index(characters[0], start)
            nodes: list[ast.Node] = []
            offset = start
            for char in characters:
                offset = self.text.index(char, offset)
                piece = _Letter(offset, offset + 1, char)
                nodes.append(ast.Number(offset, offset + 1, Fraction(char), char)
                             if char.isdigit() else self.name(char, piece))
                offset += 1
            return tuple(nodes)
        raise self.fail(f"{name} takes {rank} indices; write them separated by a comma, "
                        f"e.g. {name}_{{i,j}} (understood {self.source(argument)!r} as one "
                        "index expression)", argument)

    # -- operators ---------------------------------------------------------------------------

    def sum(self, item: _Scripted, items: list[_Piece],
            position: int) -> tuple[ast.Node, int]:
        """`\\sum_{k=1}^{N} body` and `\\sum_k body`: the body is the rest of the product."""
        self.no_primes(item)
        sub, sup = item.script("sub"), item.script("sup")
        if sub is None or not isinstance(sub.argument, _Group | _Letter) or (
                isinstance(sub.argument, _Group) and not sub.argument.parts):
            raise self.fail("\\sum needs its index: \\sum_k or \\sum_{k=1}^{N}", item)
        if position + 1 >= len(items) or isinstance(items[position + 1], _Mul):
            raise self.fail("\\sum without a body", item)
        if isinstance(sub.argument, _Letter):
            variable: ast.Node = self.name(sub.argument.char, sub.argument)
            lower: ast.Node | None = None
        else:
            relation = sub.argument.parts[0]
            if len(sub.argument.parts) > 1 or len(relation.ops) > 1 or (
                    relation.ops and str(relation.ops[0]) != "="):
                raise self.fail(f"the index of a sum is 'k' or 'k=1', not "
                                f"{self.source(sub.argument)!r}", sub.argument)
            variable = self.expr(relation.exprs[0])
            lower = self.integer(relation.exprs[1]) if relation.ops else None
        if not (isinstance(variable, ast.Name) and variable.name in self.names.indices):
            raise self.fail(f"the sum runs over {self.source(sub.argument)!r}, which is not a "
                            "declared index", sub.argument)
        upper = self.argument(sup.argument) if sup is not None and sup.argument else None
        body_term = _Term(items[position + 1].start, items[-1].end,
                          tuple(items[position + 1:]))
        body = self.term(body_term)
        arguments: tuple[ast.Node, ...] = (body, variable)
        size = self.names.indices[variable.name]
        whole_range = (lower is None or _is_one(lower)) and (
            upper is None or isinstance(upper, ast.Name) and upper.name == size)
        if not whole_range:
            if lower is None:
                lower = ast.Number(sub.start, sub.end, Fraction(1), "1")
            if upper is None:
                raise self.fail("a sum with a lower limit needs its upper limit: "
                                "\\sum_{k=1}^{N}", item)
            arguments = (body, variable, lower, upper)
        return ast.Call(item.start, body.end, "sum", arguments), len(items)

    def function(self, item: _Scripted, items: list[_Piece],
                 position: int) -> tuple[ast.Node, int]:
        """`\\exp`, `\\log`, `\\ln` applied to a group or to one factor."""
        command = item.atom
        assert isinstance(command, _Command)
        if item.scripts:
            raise self.fail(f"\\{command.name} with a script (a base or a power) is not "
                            f"understood; write \\{command.name}(…) and powers outside", item)
        if position + 1 >= len(items) or isinstance(items[position + 1], _Mul):
            raise self.fail(f"\\{command.name} without an argument", item)
        following = items[position + 1]
        assert isinstance(following, _Scripted)
        if isinstance(following.atom, _Group) and following.atom.kind != "bracket":
            argument = self.group(following.atom)
            call: ast.Node = ast.Call(item.start, following.atom.end, _FUNCTIONS[command.name],
                                      (argument,))
            bare = _Scripted(item.start, following.end, following.atom, following.scripts)
            return self.scripted(bare, call, subscripted=False), position + 2
        self.refuse_product_after_sum(items, position + 1, f"that \\{command.name} takes",
                                      f"\\{command.name}(…) with parentheses")
        argument, after = self.factor(items, position + 1)
        if after < len(items) and not isinstance(items[after], _Mul):
            raise self.fail(f"ambiguous: how far does \\{command.name} reach? write "
                            f"\\{command.name}(…) with parentheses", items[after])
        return ast.Call(item.start, argument.end, _FUNCTIONS[command.name], (argument,)), after

    def delta(self, item: _Scripted) -> ast.Node:
        """`\\delta_{ij}`, `\\delta_{i,j}`: the Kronecker delta."""
        self.no_primes(item)
        sub = item.script("sub")
        assert sub is not None and sub.argument is not None
        if item.script("sup") is not None:
            raise self.fail("a power of \\delta_{ij} is not understood", item)
        first, second = self.index_list(sub.argument, 2, "\\delta")
        return ast.Call(item.start, item.end, "delta", (first, second))

    def sqrt(self, item: _Scripted, items: list[_Piece],
             position: int) -> tuple[ast.Node, int]:
        following = items[position + 1] if position + 1 < len(items) else None
        if item.scripts or not isinstance(following, _Scripted):
            raise self.fail("\\sqrt needs its argument in braces: \\sqrt{x}", item)
        if isinstance(following.atom, _Group) and following.atom.kind == "bracket":
            raise self.fail("\\sqrt[n]{…}: only square roots are understood", following)
        call = ast.Call(item.start, following.atom.end, "sqrt", (self.atom(following.atom),))
        return self.scripted(following, call, subscripted=True), position + 2

    def is_indicator(self, items: list[_Piece], position: int) -> bool:
        """`1(i=j)`: a one followed by parentheses holding one comparison."""
        item = items[position]
        if not isinstance(item, _Scripted) or item.scripts:
            return False
        atom = item.atom
        if isinstance(atom, _Number) and atom.text != "1":
            return False
        if position + 1 >= len(items):
            return False
        following = items[position + 1]
        return (isinstance(following, _Scripted) and isinstance(following.atom, _Group)
                and following.atom.kind in ("paren", "left")
                and len(following.atom.parts) == 1 and bool(following.atom.parts[0].ops))

    def indicator(self, item: _Scripted, following: _Piece) -> ast.Node:
        assert isinstance(following, _Scripted) and isinstance(following.atom, _Group)
        if following.scripts:
            raise self.fail("a script on an indicator is not understood", following)
        return self.indicator_of(_Scripted(item.start, following.end, item.atom, ()),
                                 following.atom)

    def indicator_of(self, item: _Piece, group: _Group) -> ast.Node:
        """1(i=j) -> delta(i, j); 1(i≠j) -> 1 - delta(i, j)."""
        condition = self.condition(group.parts[0])
        assert isinstance(condition, ast.Compare)
        delta = ast.Call(item.start, item.end, "delta", (condition.left, condition.right))
        if condition.op == "==":
            return delta
        if condition.op == "!=":
            one = ast.Number(item.start, item.start + 1, Fraction(1), "1")
            return ast.BinOp(item.start, item.end, "-", one, delta)
        raise self.fail(f"an indicator of {condition.op!r} is not understood (only = and "
                        "\\neq: they are Kronecker deltas)", group)

    # -- derivatives -------------------------------------------------------------------------

    def operator(self, item: _Scripted, items: list[_Piece],
                 position: int) -> tuple[ast.Node, int]:
        """`D_j f`, `D_{ij} f`, `\\partial_{a_j} f`: the variable from the subscript and
        the claim's `wrt` (or the only non-scalar symbol)."""
        self.no_primes(item)
        sub = item.script("sub")
        word = "D" if isinstance(item.atom, _Letter) else "\\partial"
        if sub is None:
            raise self.fail(f"{word} without a subscript: the Jacobian-matrix notation is not "
                            "understood; write D_j S_i (an entry)", item)
        if item.script("sup") is not None:
            raise self.fail(f"{word}^…: higher derivatives are not understood", item)
        assert sub.argument is not None
        variable = self.derivative_variable(sub.argument, word)
        return self.apply_operator(item, variable, items, position + 1)

    def apply_operator(self, item: _Scripted, variable: ast.Node, items: list[_Piece],
                       position: int) -> tuple[ast.Node, int]:
        if position >= len(items) or isinstance(items[position], _Mul):
            raise self.fail(f"the derivative {self.source(item)!r} has nothing to act on", item)
        operand, after = self.factor(items, position)
        if after < len(items) and not isinstance(items[after], _Mul):
            raise self.fail(f"ambiguous: does {self.source(item)!r} act on "
                            f"{self.text[items[position].start:items[after - 1].end]!r} only or "
                            f"on the whole product? write {self.source(item)}(…) with "
                            "parentheses", items[after])
        if isinstance(variable, _Column):
            return self.jacobian_entry(item, operand, variable), after
        return ast.Call(item.start, operand.end, "D", (operand, variable)), after

    def jacobian_entry(self, item: _Scripted, operand: ast.Node, column: _Column) -> ast.Node:
        """`D_c g_r` for a matrix variable W: entry (r, c) of jacobian(g, W), whose columns
        run over W's entries row by row (the notes' "linearised" W)."""
        if isinstance(operand, ast.Index) and isinstance(operand.base, ast.Name) \
                and len(operand.indices) == 1:
            function, row = operand.base, operand.indices[0]
        elif isinstance(operand, ast.Name) and self.names.rank(operand.name) == 0:
            function = operand
            row = ast.Number(operand.start, operand.end, Fraction(1), "1")
        else:
            raise self.fail(f"{self.source(item)!r} with one index on the matrix "
                            f"{column.name} is a column of the Jacobian; it needs an entry "
                            "of a vector (g_k) or a scalar to act on", item)
        variable = ast.Name(column.index.start, column.index.start, column.name)
        jacobian = ast.Call(item.start, operand.end, "jacobian", (function, variable))
        return ast.Index(item.start, operand.end, jacobian, (row, column.index))

    def is_entry_subscript(self, argument: _Piece, name: str) -> bool:
        """For a matrix variable: `{ij}`, `{i,j}`, `{t1}`, `{2j}` name an entry (two
        characters, one an index: read as in `W_{t1}`); `1`, `N`, `{N+1}`, `{N \\cdot T}` a
        column of the linearised matrix; `{11}`, `{T1}`, `{NT}` could be either and are
        refused."""
        if isinstance(argument, _Group) and len(argument.parts) > 1:
            return True
        characters = re.sub(r"\s+", "", self.source(argument).strip("{}"))
        if len(characters) != 2:
            return False
        if any(c in self.names.indices for c in characters):
            return all(c.isascii() and (c.isdigit() or c in self.names.indices
                                        or c in self.names.sizes) for c in characters)
        if characters.isdigit():
            raise self.fail(f"ambiguous: {characters!r} is entry ({characters[0]}, "
                            f"{characters[1]}) or column {characters}; write "
                            f"{{{characters[0]},{characters[1]}}} or {{{characters}}} with "
                            "a comma or as arithmetic", argument)
        if all(c.isascii() and (c.isdigit() or c in self.names.sizes) for c in characters):
            first, second = characters[0], characters[1]
            raise self.fail(f"ambiguous: {characters!r} is entry ({first}, {second}) or column "
                            f"{first}·{second} of the linearised {name}; write "
                            f"{{{first},{second}}} for the entry or {{{first} \\cdot {second}}} "
                            "for the column", argument)
        return False

    def derivative_variable(self, argument: _Piece, word: str) -> ast.Node:
        direct = self.try_variable(argument)
        if direct is not None:
            return direct
        symbols = {n: r for n, r in self.names.symbols.items() if r > 0}
        if self.wrt is not None:
            if self.wrt not in self.names.symbols:
                raise self.fail(f"wrt: {self.wrt!r} is not a declared symbol", argument)
            name = self.wrt
        elif len(symbols) == 1:
            name = next(iter(symbols))
        else:
            candidates = ", ".join(sorted(symbols)) or "none declared"
            raise self.fail(f"{word}_{self.source(argument).strip('{}')}: which variable's "
                            f"entry? add 'wrt: NAME' to the claim (vector and matrix symbols: "
                            f"{candidates})", argument)
        rank = self.names.symbols[name]
        if rank == 0:
            raise self.fail(f"{word}_…: {name} is a scalar and has no entries", argument)
        if rank == 2 and not self.is_entry_subscript(argument, name):
            return _Column(argument.start, argument.end, name, self.argument(argument))
        indices = self.index_list(argument, rank, name)
        base = ast.Name(argument.start, argument.start, name)
        return ast.Index(argument.start, argument.end, base, indices)

    def try_variable(self, argument: _Piece) -> ast.Node | None:
        """A subscript that names the variable itself: `\\partial_{a_j}`, `\\partial_x`."""
        piece = argument
        if isinstance(piece, _Group) and len(piece.parts) == 1 and not piece.parts[0].ops:
            expr = piece.parts[0].exprs[0]
            if len(expr.terms) == 1 and not expr.signs[0] and len(expr.terms[0].items) == 1:
                piece = expr.terms[0].items[0]
        if isinstance(piece, _Letter):
            piece = _Scripted(piece.start, piece.end, piece, ())
        if not (isinstance(piece, _Scripted) and isinstance(piece.atom, _Letter)):
            return None
        if piece.atom.char not in self.names.symbols:
            return None
        return self.scripted(piece, self.name(piece.atom.char, piece.atom))

    def partial_variable(self, piece: _Piece) -> ast.Node:
        """The `\\partial x` below a fraction bar: a scalar symbol or a symbol's entry."""
        items = _items_of(piece)
        if not items or not (isinstance(items[0], _Scripted)
                             and isinstance(items[0].atom, _Command)
                             and items[0].atom.name == "partial" and not items[0].scripts):
            raise self.fail("below \\partial f there must be '\\partial x'", piece)
        if len(items) == 1:
            raise self.fail("'\\partial' below the bar without a variable", piece)
        if len(items) > 2:
            raise self.fail("ambiguous: '\\partial' below the bar is followed by more than "
                            "one factor (mixed second derivatives are not understood)", piece)
        variable_item = items[1]
        assert isinstance(variable_item, _Scripted)
        if isinstance(variable_item.atom, _Letter):
            node, _ = self.letters([variable_item], 0)
        else:
            node, _ = self.factor([variable_item], 0)
        base = node.base if isinstance(node, ast.Index) else node
        if not (isinstance(base, ast.Name) and base.name in self.names.symbols):
            raise self.fail(f"the variable {self.source(variable_item)!r} is not a declared "
                            "symbol (nor an entry of one)", variable_item)
        return node

    def leibniz_d(self, items: tuple[_Piece, ...]) -> int:
        """How many items a leading Leibniz `d` takes: 1 for `d` (or `d^2`), 2 for
        `\\mathrm{d}`; 0 when the items do not start with one."""
        first = items[0] if items else None
        if not isinstance(first, _Scripted) or first.script("sub") is not None:
            return 0
        if isinstance(first.atom, _Letter) and first.atom.char == "d":
            return 1
        if isinstance(first.atom, _Command) and first.atom.name in _FONTS and not first.scripts \
                and len(items) > 1 and isinstance(items[1], _Scripted) \
                and _normal(self.source(items[1].atom)).strip("{}") == "d":
            return 2
        return 0

    def refuse_leibniz(self, frac: _Frac) -> None:
        """`\\frac{dL}{db}`, `\\frac{\\mathrm{d}L}{\\mathrm{d}b}`, `\\frac{d}{db}`: never the
        product d*L/(d*b) of a declared d; the \\partial spelling is what symderiv reads."""
        numerator, denominator = _items_of(frac.numerator), _items_of(frac.denominator)
        above, below = self.leibniz_d(numerator), self.leibniz_d(denominator)
        if not (above and below and len(denominator) > below):
            return
        rest = [self.text[items[n].start:items[-1].end] if len(items) > n else ""
                for items, n in ((numerator, above), (denominator, below))]
        spelled = "\\frac{\\partial" + (" " + rest[0] if rest[0] else "") + "}{\\partial " \
            + rest[1] + "}"
        raise self.fail(f"Leibniz notation '{self.source(frac)}' is not read (neither as a "
                        f"derivative nor as a product with d); write {spelled}",
                        numerator[0])

    def starts_with_partial(self, numerator: _Piece) -> bool:
        """Whether a \\frac numerator starts with \\partial; a script on that \\partial
        (`\\partial^2 L`) is refused, never dropped."""
        items = _items_of(numerator)
        first = items[0] if items else None
        if not (isinstance(first, _Scripted) and isinstance(first.atom, _Command)
                and first.atom.name == "partial"):
            return False
        if first.scripts:
            raise self.fail(f"'{self.source(first)}' above the bar: a script on \\partial is "
                            "not understood (higher derivatives are not read); write "
                            "\\frac{\\partial f}{\\partial x} of a definition that holds the "
                            "first derivative", first.scripts[0])
        return True

    def is_partial_operator(self, frac: _Frac) -> bool:
        """`\\frac{\\partial}{\\partial x}`: the numerator is a lone \\partial."""
        items = _items_of(frac.numerator)
        return len(items) == 1 and self.starts_with_partial(frac.numerator)

    def partial_quotient(self, items: list[_Piece]) -> ast.Node | None:
        """`\\partial f / \\partial x` as a whole product; `\\frac{\\partial f}{\\partial x}`
        is read here too, through its numerator and denominator."""
        if len(items) == 1 and isinstance(items[0], _Scripted) \
                and isinstance(items[0].atom, _Frac) and not items[0].scripts:
            frac = items[0].atom
            if self.starts_with_partial(frac.numerator) and not self.is_partial_operator(frac):
                variable = self.partial_variable(frac.denominator)
                numerator = _items_of(frac.numerator)
                operand = self.term(_Term(numerator[1].start, numerator[-1].end,
                                          tuple(numerator[1:])))
                return ast.Call(frac.start, frac.end, "D", (operand, variable))
        first = items[0] if items else None
        if not (isinstance(first, _Scripted) and isinstance(first.atom, _Command)
                and first.atom.name == "partial" and not first.scripts):
            return None
        slashes = [n for n, item in enumerate(items) if isinstance(item, _Mul) and item.op == "/"]
        if len(slashes) != 1 or slashes[0] < 2:
            raise self.fail("'\\partial f' must be followed by '/ \\partial x' (or written "
                            "\\frac{\\partial f}{\\partial x})", first)
        slash = slashes[0]
        operand = self.term(_Term(items[1].start, items[slash - 1].end, tuple(items[1:slash])))
        denominator = _Term(items[slash + 1].start, items[-1].end, tuple(items[slash + 1:])) \
            if slash + 1 < len(items) else None
        if denominator is None:
            raise self.fail("'/' without a denominator", items[slash])
        variable = self.partial_variable(denominator)
        return ast.Call(first.start, items[-1].end, "D", (operand, variable))


@dataclass(frozen=True, slots=True)
class _Column(ast.Node):
    """A derivative variable given as one column of a linearised matrix symbol."""

    name: str
    index: ast.Node


def _items_of(piece: _Piece) -> tuple[_Piece, ...]:
    """The product items of a braced group holding one plain product (else ())."""
    if isinstance(piece, _Term):
        return piece.items
    if isinstance(piece, _Command):
        return (_Scripted(piece.start, piece.end, piece, ()),)
    if not (isinstance(piece, _Group) and len(piece.parts) == 1):
        return ()
    relation = piece.parts[0]
    if relation.ops or len(relation.exprs[0].terms) != 1 or relation.exprs[0].signs[0]:
        return ()
    return relation.exprs[0].terms[0].items


def _only_expr(resolver: _Resolver, relation: _Relation) -> _Expr:
    if relation.ops:
        raise resolver.fail(f"a comparison {resolver.source(relation)!r} inside a subscript",
                            relation)
    return relation.exprs[0]


def _is_one(node: ast.Node) -> bool:
    return isinstance(node, ast.Number) and node.value == 1


def read(text: str, names: Declarations, wrt: str | None = None) -> ast.Node:
    """Read one LaTeX formula: an equation gives a `Compare` ('=='), else an expression.

    Raises:
        FormulaError: at the offending offset of `text`, saying what was and was not understood.
    """
    structure = _structure(text)
    try:
        return _Resolver(text, names, wrt).claim(structure)
    except RecursionError as error:  # e.g. a thousand \sum or D_j in a row
        raise FormulaError(TOO_DEEP, 0, "limit") from error
