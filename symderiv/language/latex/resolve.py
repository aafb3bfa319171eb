"""LaTeX as ML notes write it -> the formula AST, resolved against a spec's declarations.

Reading happens in two steps. `tokenize` + `latex.lark` give the TeX structure (letters,
commands, groups, scripts, juxtaposition); `Resolver` then decides what each piece means
using the declarations: `S_i` is an entry of the declared vector S, `D_j S_i` a derivative,
`e^{x}` the exponential unless `e` is declared, `1(i=j)` the Kronecker delta. Anything that
has two readings, or none, is a `FormulaError` at its offset that says what was understood and
what was not. sympy's `parse_latex` is deliberately not used: it reads `\\delta_{ij}` as a
product and `\\frac{\\partial S_i}{\\partial a_j}` as a fraction of products.
"""

from __future__ import annotations

import re
from fractions import Fraction

from symderiv.errors import FormulaError
from symderiv.language import ast
from symderiv.language.latex.base import (ELLIPSES, FONTS, FUNCTIONS, OPERATOR_FUNCTIONS,
                                          TRANSPOSES)
from symderiv.language.latex.declarations import Declarations, normal
from symderiv.language.latex.derivatives import Derivatives
from symderiv.language.latex.structure import (
    Command,
    Expr,
    Frac,
    Group,
    Letter,
    Mul,
    NumberPiece,
    Piece,
    Relation,
    Script,
    Scripted,
    Term,
    items_of,
    structure,
)
from symderiv.language.parser import TOO_DEEP, token_start


class Resolver(Derivatives):
    """Turns the TeX structure into AST nodes; every decision is checked against `names`."""

    # -- relations and sums ----------------------------------------------------------------

    def claim(self, relation: Relation) -> ast.Node:
        """An equation `lhs = rhs` (Compare '=='), an inequality `<`, `\\le`, `>`, `\\ge`
        *(addition)*, or a single expression."""
        if not relation.ops:
            return self.expr(relation.exprs[0])
        if len(relation.ops) > 1:
            raise self.fail("a chain of relations: a claim is one equation 'lhs = rhs' or one "
                            "inequality", token_start(relation.ops[1]))
        op = relation.ops[0]
        if str(op) not in ("=", "<", "<=", ">", ">="):
            raise self.fail(f"a claim is an equation or an inequality; {str(op)!r} is not "
                            "understood here", token_start(op))
        left, right = (self.expr(e) for e in relation.exprs)
        return ast.Compare(relation.start, relation.end, "==" if str(op) == "=" else str(op),
                           left, right)

    def condition(self, relation: Relation) -> ast.Node:
        """`i = j`, `i \\neq j`, ... as a Compare node (for indicators)."""
        if len(relation.ops) != 1:
            raise self.fail("an indicator 1(…) needs one comparison of indices, like "
                            "1(i=j)", relation)
        op = str(relation.ops[0])
        left, right = (self.integer(e) for e in relation.exprs)
        return ast.Compare(relation.start, relation.end, "==" if op == "=" else op, left, right)

    def value(self, relation: Relation) -> ast.Node:
        if relation.ops:
            raise self.fail(f"a comparison {self.source(relation)!r} where a value is expected "
                            "(an indicator is written 1(i=j) or \\mathbb{1}(i=j))", relation)
        return self.expr(relation.exprs[0])

    def expr(self, expr: Expr) -> ast.Node:
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

    def integer(self, expr: Expr) -> ast.Node:
        """An index position or a limit: indices, sizes and integers (checked when built)."""
        return self.expr(expr)

    # -- products ----------------------------------------------------------------------------

    def term(self, term: Term) -> ast.Node:
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
            if isinstance(item, Mul):
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

    def refuse_product_after_sum(self, items: list[Piece], position: int, where: str,
                                 spelled: str) -> None:
        """A \\sum takes the rest of the product as its body; where the sum is only one
        operand (a denominator, the argument of \\log) a later `\\cdot` or `/` is refused:
        `a_i / b \\cdot x_i` is (a_i/b)*x_i, so `/ \\sum_k … \\cdot 2` has two readings."""
        item = items[position]
        if not (isinstance(item, Scripted) and isinstance(item.atom, Command)
                and item.atom.name == "sum"):
            return
        mul = next((i for i in items[position + 1:] if isinstance(i, Mul)), None)
        if mul is not None:
            raise self.fail(f"ambiguous: does the \\sum {where} end before "
                            f"'{self.source(mul)}'? write {spelled}", mul)

    def factor(self, items: list[Piece], position: int) -> tuple[ast.Node, int]:
        """The factor starting at `items[position]` and the position after it. Operators
        (\\sum, D_j, \\frac{\\partial}{\\partial x}, \\log) take their operands here."""
        item = items[position]
        assert isinstance(item, Scripted)
        atom = item.atom
        if isinstance(atom, Command):
            if atom.name == "sum":
                return self.sum(item, items, position)
            if atom.name in FUNCTIONS:
                return self.function(item, items, position)
            if atom.name == "sqrt":
                return self.sqrt(item, items, position)
            if atom.name == "partial" and item.script("sub") is not None:
                return self.operator(item, items, position)
            if atom.name in FONTS or self.latex_with_argument(item, items, position):
                return self.font(item, items, position)
            if atom.name == "delta" and item.script("sub") is not None:
                return self.delta(item), position + 1
        if isinstance(atom, Letter) and atom.char == "D" and not self.names.declared("D"):
            return self.operator(item, items, position)
        if isinstance(atom, Frac) and self.is_partial_operator(atom):
            variable = self.partial_variable(atom.denominator)
            return self.apply_operator(item, variable, items, position + 1)
        if isinstance(atom, NumberPiece) and self.is_indicator(items, position):
            return self.indicator(item, items[position + 1]), position + 2
        if isinstance(atom, Letter):
            return self.letters(items, position)
        if isinstance(atom, Command):  # `\\sigma(b)` for a definition with latex: '\\sigma'
            node = self.scripted(item, self.atom(atom))
            if isinstance(node, ast.Name):
                node = self.after_name(node, node.name, items, position + 1,
                                       self.source(atom))
            return node, position + 1
        # a group followed by a group is a product, as in (a+b)(c+d)
        return self.scripted(item, self.atom(atom)), position + 1

    # -- letters and names -------------------------------------------------------------------

    def letters(self, items: list[Piece], position: int) -> tuple[ast.Node, int]:
        """A run of letters: one declared multi-letter name (`xent`), else single letters."""
        run: list[Scripted] = []
        chars: list[str] = []  # the letter of each item of the run
        for item in items[position:]:
            if not (isinstance(item, Scripted) and isinstance(item.atom, Letter)):
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
                whole = Scripted(run[0].start, last.end, Letter(run[0].start, last.atom.end,
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
                rest = Scripted(item.start, item.end, item.atom,
                                 tuple(s for s in item.scripts if s is not sub))
                node = self.scripted(rest, ast.Name(item.start, sub.end, joined),
                                     subscripted=True)
                return self.after_name(node, joined, items, position + 1), position + 1
        node = self.scripted(item, self.name(char, item.atom))
        return self.after_name(node, char, items, position + 1), position + 1

    def joined_name(self, base: str, sub: Script) -> str | None:
        """`z_1` or `x_{in}` as one declared name (names may contain '_')."""
        argument = sub.argument
        inner = self.source(argument).strip("{}") if argument is not None else ""
        name = f"{base}_{inner}"
        return name if self.names.declared(name) else None

    def after_name(self, node: ast.Node, name: str, items: list[Piece],
                   position: int, written: str | None = None) -> ast.Node:
        """Refuse `S(…)` right after a definition: a call or a product? `written` is the
        definition as the LaTeX spells it (`\\sigma` for a `latex:` name)."""
        if position < len(items) and name in self.names.definitions \
                and isinstance(node, ast.Name):
            following = items[position]
            if isinstance(following, Scripted) and isinstance(following.atom, Group) \
                    and following.atom.kind in ("paren", "left"):
                raise self.fail(f"ambiguous: {written or name}("
                                f"{self.source(following.atom)[1:-1]}) reads "
                                f"as the definition {name} applied to arguments, which symderiv "
                                f"cannot express; write an entry ({name}_i) or \\cdot for a "
                                "product", following)
        return node

    def name(self, name: str, piece: Piece) -> ast.Node:
        if not self.names.declared(name):
            if name == "i":
                raise self.fail("'i' is not declared: declare it as an index (symderiv never "
                                "reads i as the imaginary unit)", piece)
            raise self.fail(f"unknown name {name!r}: not declared in the spec (declare it "
                            "under symbols, define, indices or sizes)", piece)
        return ast.Name(piece.start, piece.end, name)

    def euler(self, item: Scripted) -> ast.Node:
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

    def latex_with_argument(self, item: Scripted, items: list[Piece], position: int) -> bool:
        """`\\hat{y}` (a command and its argument) that a declaration gives as its `latex:`."""
        following = items[position + 1] if position + 1 < len(items) else None
        if item.scripts or not (isinstance(following, Scripted)
                                and isinstance(following.atom, Group | Letter)):
            return False
        text = self.text[item.start:following.atom.end]
        return normal(text) in self.names.latex

    def font(self, item: Scripted, items: list[Piece],
             position: int) -> tuple[ast.Node, int]:
        """`\\mathrm{xent}`, `\\mathbb{1}(i=j)`, `\\mathrm{e}^{x}`, `\\mathbf{x}`."""
        command = item.atom
        assert isinstance(command, Command)
        if item.scripts or position + 1 >= len(items):
            raise self.fail(f"\\{command.name} must be followed by its argument in braces",
                            item)
        following = items[position + 1]
        if not (isinstance(following, Scripted) and isinstance(following.atom, Group
                                                                | Letter | NumberPiece)):
            raise self.fail(f"\\{command.name} must be followed by its argument in braces",
                            following)
        inner = self.source(following.atom).strip("{} ")
        whole = Scripted(item.start, following.end,
                          Command(item.start, following.atom.end, inner), following.scripts)
        latex = self.names.latex.get(normal(self.source(whole.atom)))
        if latex is not None:
            node = self.scripted(whole, ast.Name(whole.start, whole.atom.end, latex))
            return self.after_name(node, latex, items, position + 2,
                                   self.source(whole.atom)), position + 2
        if inner == "1" and command.name in ("mathbb", "mathbf", "mathrm", "text"):
            if self.is_indicator(items, position + 1):
                return self.indicator(whole, items[position + 2]), position + 3
            sub = following.script("sub")
            if sub is not None and isinstance(sub.argument, Group) and sub.argument.parts:
                return self.indicator_of(whole, sub.argument), position + 2
            raise self.fail(f"\\{command.name}{{1}} is understood only as an indicator "
                            "\\mathbb{1}(i=j) or \\mathbb{1}_{i=j}", item)
        if inner == "e" and command.name in ("mathrm", "text"):
            return self.euler(Scripted(whole.start, whole.end, whole.atom, whole.scripts)), \
                position + 2
        if command.name == "mathbb":
            raise self.fail(f"\\mathbb{{{inner}}} (a set) cannot be part of a claim", item)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", inner):
            raise self.fail(f"\\{command.name}{{{inner}}} is not a name", item)
        if inner in FUNCTIONS:
            raise self.fail(f"write \\{inner}, not \\{command.name}{{{inner}}}", item)
        if inner in OPERATOR_FUNCTIONS and command.name == "operatorname":
            applied = list(items)  # \operatorname{softplus}(x): the function softplus
            applied[position + 1] = whole
            return self.function(whole, applied, position + 1)
        node = self.scripted(whole, self.name(inner, whole.atom))
        return self.after_name(node, inner, items, position + 2), position + 2

    def command(self, command: Command) -> ast.Node:
        latex = self.names.latex.get(normal("\\" + command.name))
        if latex is not None:
            return ast.Name(command.start, command.end, latex)
        if self.names.declared(command.name):
            return ast.Name(command.start, command.end, command.name)
        if command.name in ELLIPSES:
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

    def atom(self, atom: Piece) -> ast.Node:
        if isinstance(atom, NumberPiece):
            return ast.Number(atom.start, atom.end, Fraction(atom.text), atom.text)
        if isinstance(atom, Letter):
            return self.name(atom.char, atom)
        if isinstance(atom, Command):
            return self.command(atom)
        if isinstance(atom, Group):
            return self.group(atom)
        if isinstance(atom, Frac):
            self.refuse_leibniz(atom)
            numerator = self.argument(atom.numerator)
            if self.starts_with_partial(atom.numerator):
                raise self.fail("\\frac{\\partial …}{…} needs '\\partial x' below",
                                atom.denominator)
            return ast.BinOp(atom.start, atom.end, "/", numerator,
                             self.argument(atom.denominator))
        raise self.fail(f"{self.source(atom)!r} is not understood here", atom)  # pragma: no cover

    def group(self, group: Group) -> ast.Node:
        if len(group.parts) != 1:
            what = "empty" if not group.parts else "a list (with ',')"
            raise self.fail(f"{what} group {self.source(group)!r} where a value is expected",
                            group)
        return self.value(group.parts[0])

    def argument(self, piece: Piece) -> ast.Node:
        """A script or \\frac argument: a braced group or one token."""
        if isinstance(piece, NumberPiece) and len(piece.text) > 1:
            raise self.fail(f"LaTeX reads only the first digit of {piece.text!r} here; write "
                            f"{{{piece.text}}}", piece)
        return self.atom(piece)

    def scripted(self, item: Scripted, base: ast.Node, subscripted: bool = False) -> ast.Node:
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

    def no_primes(self, item: Scripted) -> None:
        prime = item.script("prime")
        if prime is not None:
            raise self.fail("a prime (f') is not understood: write the derivative as D_j f "
                            "or \\frac{\\partial f}{\\partial x}", prime)
        kinds = [s.kind for s in item.scripts]
        if kinds.count("sub") > 1 or kinds.count("sup") > 1:
            raise self.fail("double subscript or superscript", item)

    def is_transpose(self, argument: Piece, base: ast.Node, entry_here: bool) -> bool:
        """`^\\top`, `^\\intercal`, `^{\\mathsf{T}}`, `^{\\mathrm{T}}`, and `^T` unless T is
        declared and the base a scalar; on `W_{ij}^T` (subscript and superscript on one
        letter) the reading is refused."""
        text = normal(self.source(argument))
        if isinstance(argument, Group):  # one pair only: `{\\mathsf{T}}` keeps its inner braces
            text = text[1:-1]
        if text not in TRANSPOSES:
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

    def entry(self, item: Scripted, base: ast.Node, sub: Script) -> ast.Node:
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

    def index_list(self, argument: Piece, rank: int | None,
                   name: str) -> tuple[ast.Node, ...]:
        """The indices in a subscript: `i`, `{i,j}`, `{ij}` (two letters), `{N+1}`."""
        if isinstance(argument, Group) and len(argument.parts) > 1:
            return tuple(self.integer(only_expr(self, p)) for p in argument.parts)
        if isinstance(argument, Group) and not argument.parts:
            raise self.fail(f"empty subscript on {name}", argument)
        if rank is None or rank == 1:
            letters = [i for i in items_of(argument) if isinstance(i, Scripted)
                       and isinstance(i.atom, Letter) and i.atom.char in self.names.indices]
            if len(letters) > 1 and len(letters) == len(items_of(argument)):
                raise self.fail(f"{name} takes one index, but {self.source(argument)!r} holds "
                                f"{len(letters)} indices (write i \\cdot j for a product)",
                                argument)
            return (self.argument(argument),)
        # rank 2 without commas: exactly two single letters or digits, as in W_{ij}, W_{T1}
        characters = re.sub(r"\s+", "", self.source(argument).strip("{}"))
        if len(characters) == rank and all(c.isalnum() and c.isascii() for c in characters):
            start = argument.start + (1 if isinstance(argument, Group) else 0)
            start = self.text.index(characters[0], start)
            nodes: list[ast.Node] = []
            offset = start
            for char in characters:
                offset = self.text.index(char, offset)
                piece = Letter(offset, offset + 1, char)
                nodes.append(ast.Number(offset, offset + 1, Fraction(char), char)
                             if char.isdigit() else self.name(char, piece))
                offset += 1
            return tuple(nodes)
        raise self.fail(f"{name} takes {rank} indices; write them separated by a comma, "
                        f"e.g. {name}_{{i,j}} (understood {self.source(argument)!r} as one "
                        "index expression)", argument)

    # -- operators ---------------------------------------------------------------------------

    def sum(self, item: Scripted, items: list[Piece],
            position: int) -> tuple[ast.Node, int]:
        """`\\sum_{k=1}^{N} body` and `\\sum_k body`: the body is the rest of the product."""
        self.no_primes(item)
        sub, sup = item.script("sub"), item.script("sup")
        if sub is None or not isinstance(sub.argument, Group | Letter) or (
                isinstance(sub.argument, Group) and not sub.argument.parts):
            raise self.fail("\\sum needs its index: \\sum_k or \\sum_{k=1}^{N}", item)
        if position + 1 >= len(items) or isinstance(items[position + 1], Mul):
            raise self.fail("\\sum without a body", item)
        if isinstance(sub.argument, Letter):
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
        body_term = Term(items[position + 1].start, items[-1].end,
                          tuple(items[position + 1:]))
        body = self.term(body_term)
        arguments: tuple[ast.Node, ...] = (body, variable)
        size = self.names.indices[variable.name]
        whole_range = (lower is None or is_one(lower)) and (
            upper is None or isinstance(upper, ast.Name) and upper.name == size)
        if not whole_range:
            if lower is None:
                lower = ast.Number(sub.start, sub.end, Fraction(1), "1")
            if upper is None:
                raise self.fail("a sum with a lower limit needs its upper limit: "
                                "\\sum_{k=1}^{N}", item)
            arguments = (body, variable, lower, upper)
        return ast.Call(item.start, body.end, "sum", arguments), len(items)

    def function(self, item: Scripted, items: list[Piece],
                 position: int) -> tuple[ast.Node, int]:
        """`\\exp`, `\\log`, `\\ln` applied to a group or to one factor."""
        command = item.atom
        assert isinstance(command, Command)
        written = f"\\{command.name}" if command.name in FUNCTIONS \
            else f"\\operatorname{{{command.name}}}"
        if item.scripts:
            raise self.fail(f"{written} with a script (a base or a power) is not "
                            f"understood; write {written}(…) and powers outside", item)
        if position + 1 >= len(items) or isinstance(items[position + 1], Mul):
            raise self.fail(f"{written} without an argument", item)
        following = items[position + 1]
        assert isinstance(following, Scripted)
        if isinstance(following.atom, Group) and following.atom.kind != "bracket":
            argument = self.group(following.atom)
            call: ast.Node = ast.Call(item.start, following.atom.end, self.called(command),
                                      (argument,))
            bare = Scripted(item.start, following.end, following.atom, following.scripts)
            return self.scripted(bare, call, subscripted=False), position + 2
        self.refuse_product_after_sum(items, position + 1, f"that {written} takes",
                                      f"{written}(…) with parentheses")
        argument, after = self.factor(items, position + 1)
        if after < len(items) and not isinstance(items[after], Mul):
            raise self.fail(f"ambiguous: how far does {written} reach? write "
                            f"{written}(…) with parentheses", items[after])
        return ast.Call(item.start, argument.end, self.called(command), (argument,)), after

    @staticmethod
    def called(command: Command) -> str:
        """The formula language's function that `\\exp` or `\\operatorname{softplus}` is."""
        return FUNCTIONS.get(command.name) or OPERATOR_FUNCTIONS[command.name]

    def delta(self, item: Scripted) -> ast.Node:
        """`\\delta_{ij}`, `\\delta_{i,j}`: the Kronecker delta."""
        self.no_primes(item)
        sub = item.script("sub")
        assert sub is not None and sub.argument is not None
        if item.script("sup") is not None:
            raise self.fail("a power of \\delta_{ij} is not understood", item)
        first, second = self.index_list(sub.argument, 2, "\\delta")
        return ast.Call(item.start, item.end, "delta", (first, second))

    def sqrt(self, item: Scripted, items: list[Piece],
             position: int) -> tuple[ast.Node, int]:
        following = items[position + 1] if position + 1 < len(items) else None
        if item.scripts or not isinstance(following, Scripted):
            raise self.fail("\\sqrt needs its argument in braces: \\sqrt{x}", item)
        if isinstance(following.atom, Group) and following.atom.kind == "bracket":
            raise self.fail("\\sqrt[n]{…}: only square roots are understood", following)
        call = ast.Call(item.start, following.atom.end, "sqrt", (self.atom(following.atom),))
        return self.scripted(following, call, subscripted=True), position + 2

    def is_indicator(self, items: list[Piece], position: int) -> bool:
        """`1(i=j)`: a one followed by parentheses holding one comparison."""
        item = items[position]
        if not isinstance(item, Scripted) or item.scripts:
            return False
        atom = item.atom
        if isinstance(atom, NumberPiece) and atom.text != "1":
            return False
        if position + 1 >= len(items):
            return False
        following = items[position + 1]
        return (isinstance(following, Scripted) and isinstance(following.atom, Group)
                and following.atom.kind in ("paren", "left")
                and len(following.atom.parts) == 1 and bool(following.atom.parts[0].ops))

    def indicator(self, item: Scripted, following: Piece) -> ast.Node:
        assert isinstance(following, Scripted) and isinstance(following.atom, Group)
        if following.scripts:
            raise self.fail("a script on an indicator is not understood", following)
        return self.indicator_of(Scripted(item.start, following.end, item.atom, ()),
                                 following.atom)

    def indicator_of(self, item: Piece, group: Group) -> ast.Node:
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


def only_expr(resolver: Resolver, relation: Relation) -> Expr:
    if relation.ops:
        raise resolver.fail(f"a comparison {resolver.source(relation)!r} inside a subscript",
                            relation)
    return relation.exprs[0]


def is_one(node: ast.Node) -> bool:
    return isinstance(node, ast.Number) and node.value == 1


def read(text: str, names: Declarations, wrt: str | None = None) -> ast.Node:
    """Read one LaTeX formula: an equation gives a `Compare` ('=='), else an expression.

    Raises:
        FormulaError: at the offending offset of `text`, saying what was and was not understood.
    """
    tree = structure(text)
    try:
        return Resolver(text, names, wrt).claim(tree)
    except RecursionError as error:  # e.g. a thousand \sum or D_j in a row
        raise FormulaError(TOO_DEEP, 0, "limit") from error
