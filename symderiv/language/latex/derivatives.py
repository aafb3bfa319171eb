"""The derivative notations: `D_j f`, `\\partial_{a_j} f`, Leibniz quotients, Jacobian
entries of a linearised matrix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from symderiv.language import ast
from symderiv.language.latex.base import FONTS, Base
from symderiv.language.latex.declarations import normal
from symderiv.language.latex.structure import (
    Command,
    Frac,
    Group,
    Letter,
    Mul,
    Piece,
    Scripted,
    Term,
    items_of,
)


@dataclass(frozen=True, slots=True)
class Column(ast.Node):
    """A derivative variable given as one column of a linearised matrix symbol."""

    name: str
    index: ast.Node


class Derivatives(Base):
    # -- derivatives -------------------------------------------------------------------------

    def operator(self, item: Scripted, items: list[Piece],
                 position: int) -> tuple[ast.Node, int]:
        """`D_j f`, `D_{ij} f`, `\\partial_{a_j} f`: the variable from the subscript and
        the claim's `wrt` (or the only non-scalar symbol)."""
        self.no_primes(item)
        sub = item.script("sub")
        word = "D" if isinstance(item.atom, Letter) else "\\partial"
        if sub is None:
            raise self.fail(f"{word} without a subscript: the Jacobian-matrix notation is not "
                            "understood; write D_j S_i (an entry)", item)
        if item.script("sup") is not None:
            raise self.fail(f"{word}^…: higher derivatives are not understood", item)
        assert sub.argument is not None
        variable = self.derivative_variable(sub.argument, word)
        return self.apply_operator(item, variable, items, position + 1)

    def apply_operator(self, item: Scripted, variable: ast.Node, items: list[Piece],
                       position: int) -> tuple[ast.Node, int]:
        if position >= len(items) or isinstance(items[position], Mul):
            raise self.fail(f"the derivative {self.source(item)!r} has nothing to act on", item)
        operand, after = self.factor(items, position)
        if after < len(items) and not isinstance(items[after], Mul):
            raise self.fail(f"ambiguous: does {self.source(item)!r} act on "
                            f"{self.text[items[position].start:items[after - 1].end]!r} only or "
                            f"on the whole product? write {self.source(item)}(…) with "
                            "parentheses", items[after])
        if isinstance(variable, Column):
            return self.jacobian_entry(item, operand, variable), after
        return ast.Call(item.start, operand.end, "D", (operand, variable)), after

    def jacobian_entry(self, item: Scripted, operand: ast.Node, column: Column) -> ast.Node:
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

    def is_entry_subscript(self, argument: Piece, name: str) -> bool:
        """For a matrix variable: `{ij}`, `{i,j}`, `{t1}`, `{2j}` name an entry (two
        characters, one an index: read as in `W_{t1}`); `1`, `N`, `{N+1}`, `{N \\cdot T}` a
        column of the linearised matrix; `{11}`, `{T1}`, `{NT}` could be either and are
        refused."""
        if isinstance(argument, Group) and len(argument.parts) > 1:
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

    def derivative_variable(self, argument: Piece, word: str) -> ast.Node:
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
            return Column(argument.start, argument.end, name, self.argument(argument))
        indices = self.index_list(argument, rank, name)
        base = ast.Name(argument.start, argument.start, name)
        return ast.Index(argument.start, argument.end, base, indices)

    def try_variable(self, argument: Piece) -> ast.Node | None:
        """A subscript that names the variable itself: `\\partial_{a_j}`, `\\partial_x`."""
        piece = argument
        if isinstance(piece, Group) and len(piece.parts) == 1 and not piece.parts[0].ops:
            expr = piece.parts[0].exprs[0]
            if len(expr.terms) == 1 and not expr.signs[0] and len(expr.terms[0].items) == 1:
                piece = expr.terms[0].items[0]
        if isinstance(piece, Letter):
            piece = Scripted(piece.start, piece.end, piece, ())
        if not (isinstance(piece, Scripted) and isinstance(piece.atom, Letter)):
            return None
        if piece.atom.char not in self.names.symbols:
            return None
        return self.scripted(piece, self.name(piece.atom.char, piece.atom))

    def partial_variable(self, piece: Piece) -> ast.Node:
        """The `\\partial x` below a fraction bar: a scalar symbol or a symbol's entry."""
        items = items_of(piece)
        if not items or not (isinstance(items[0], Scripted)
                             and isinstance(items[0].atom, Command)
                             and items[0].atom.name == "partial" and not items[0].scripts):
            raise self.fail("below \\partial f there must be '\\partial x'", piece)
        if len(items) == 1:
            raise self.fail("'\\partial' below the bar without a variable", piece)
        if len(items) > 2:
            raise self.fail("ambiguous: '\\partial' below the bar is followed by more than "
                            "one factor (mixed second derivatives are not understood)", piece)
        variable_item = items[1]
        assert isinstance(variable_item, Scripted)
        if isinstance(variable_item.atom, Letter):
            node, _ = self.letters([variable_item], 0)
        else:
            node, _ = self.factor([variable_item], 0)
        base = node.base if isinstance(node, ast.Index) else node
        if not (isinstance(base, ast.Name) and base.name in self.names.symbols):
            raise self.fail(f"the variable {self.source(variable_item)!r} is not a declared "
                            "symbol (nor an entry of one)", variable_item)
        return node

    def leibniz_d(self, items: tuple[Piece, ...]) -> int:
        """How many items a leading Leibniz `d` takes: 1 for `d` (or `d^2`), 2 for
        `\\mathrm{d}`; 0 when the items do not start with one."""
        first = items[0] if items else None
        if not isinstance(first, Scripted) or first.script("sub") is not None:
            return 0
        if isinstance(first.atom, Letter) and first.atom.char == "d":
            return 1
        if isinstance(first.atom, Command) and first.atom.name in FONTS and not first.scripts \
                and len(items) > 1 and isinstance(items[1], Scripted) \
                and normal(self.source(items[1].atom)).strip("{}") == "d":
            return 2
        return 0

    def refuse_leibniz(self, frac: Frac) -> None:
        """`\\frac{dL}{db}`, `\\frac{\\mathrm{d}L}{\\mathrm{d}b}`, `\\frac{d}{db}`: never the
        product d*L/(d*b) of a declared d; the \\partial spelling is what symderiv reads."""
        numerator, denominator = items_of(frac.numerator), items_of(frac.denominator)
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

    def starts_with_partial(self, numerator: Piece) -> bool:
        """Whether a \\frac numerator starts with \\partial; a script on that \\partial
        (`\\partial^2 L`) is refused, never dropped."""
        items = items_of(numerator)
        first = items[0] if items else None
        if not (isinstance(first, Scripted) and isinstance(first.atom, Command)
                and first.atom.name == "partial"):
            return False
        if first.scripts:
            raise self.fail(f"'{self.source(first)}' above the bar: a script on \\partial is "
                            "not understood (higher derivatives are not read); write "
                            "\\frac{\\partial f}{\\partial x} of a definition that holds the "
                            "first derivative", first.scripts[0])
        return True

    def is_partial_operator(self, frac: Frac) -> bool:
        """`\\frac{\\partial}{\\partial x}`: the numerator is a lone \\partial."""
        items = items_of(frac.numerator)
        return len(items) == 1 and self.starts_with_partial(frac.numerator)

    def partial_quotient(self, items: list[Piece]) -> ast.Node | None:
        """`\\partial f / \\partial x` as a whole product; `\\frac{\\partial f}{\\partial x}`
        is read here too, through its numerator and denominator."""
        if len(items) == 1 and isinstance(items[0], Scripted) \
                and isinstance(items[0].atom, Frac) and not items[0].scripts:
            frac = items[0].atom
            if self.starts_with_partial(frac.numerator) and not self.is_partial_operator(frac):
                variable = self.partial_variable(frac.denominator)
                numerator = items_of(frac.numerator)
                operand = self.term(Term(numerator[1].start, numerator[-1].end,
                                          tuple(numerator[1:])))
                return ast.Call(frac.start, frac.end, "D", (operand, variable))
        first = items[0] if items else None
        if not (isinstance(first, Scripted) and isinstance(first.atom, Command)
                and first.atom.name == "partial" and not first.scripts):
            return None
        slashes = [n for n, item in enumerate(items) if isinstance(item, Mul) and item.op == "/"]
        if len(slashes) != 1 or slashes[0] < 2:
            raise self.fail("'\\partial f' must be followed by '/ \\partial x' (or written "
                            "\\frac{\\partial f}{\\partial x})", first)
        slash = slashes[0]
        operand = self.term(Term(items[1].start, items[slash - 1].end, tuple(items[1:slash])))
        denominator = Term(items[slash + 1].start, items[-1].end, tuple(items[slash + 1:])) \
            if slash + 1 < len(items) else None
        if denominator is None:
            raise self.fail("'/' without a denominator", items[slash])
        variable = self.partial_variable(denominator)
        return ast.Call(first.start, items[-1].end, "D", (operand, variable))
