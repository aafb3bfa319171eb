"""The resolver's shared state: the formula text, the declarations, located errors."""

from __future__ import annotations

import abc

from symderiv.errors import FormulaError
from symderiv.language import ast
from symderiv.language.latex.declarations import Declarations
from symderiv.language.latex.structure import Piece, Scripted, Term

FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "sin": "sin",
             "cos": "cos"}
#: Functions LaTeX has no command for, read from `\operatorname{NAME}(…)` (as reports print them).
OPERATOR_FUNCTIONS = {"sigmoid": "sigmoid", "softplus": "softplus", "log1p": "log1p",
                      "expm1": "expm1"}
FONTS = {"mathrm", "mathit", "mathbf", "boldsymbol", "bm", "text", "textrm", "operatorname",
         "mathsf", "vec", "mathbb"}
ELLIPSES = {"cdots", "dots", "ldots", "vdots", "ddots"}
TRANSPOSES = {"\\top", "\\intercal", "\\mathsf{T}", "\\mathsfT", "\\mathrm{T}", "\\mathrmT",
              "T"}


class Base(abc.ABC):
    """What every part of the resolver shares: the text, the declarations, located errors,
    and the readings of terms, factors and scripts that `derivatives.Derivatives` uses and
    `resolve.Resolver` provides."""

    def __init__(self, text: str, names: Declarations, wrt: str | None) -> None:
        self.text = text
        self.names = names
        self.wrt = wrt

    def fail(self, message: str, piece: Piece | int) -> FormulaError:
        offset = piece if isinstance(piece, int) else piece.start
        return FormulaError(message, offset, "tex")

    def source(self, piece: Piece) -> str:
        return self.text[piece.start:piece.end]

    @abc.abstractmethod
    def term(self, term: Term) -> ast.Node: ...

    @abc.abstractmethod
    def factor(self, items: list[Piece], position: int) -> tuple[ast.Node, int]: ...

    @abc.abstractmethod
    def letters(self, items: list[Piece], position: int) -> tuple[ast.Node, int]: ...

    @abc.abstractmethod
    def argument(self, piece: Piece) -> ast.Node: ...

    @abc.abstractmethod
    def name(self, name: str, piece: Piece) -> ast.Node: ...

    @abc.abstractmethod
    def scripted(self, item: Scripted, base: ast.Node, subscripted: bool = False) -> ast.Node: ...

    @abc.abstractmethod
    def no_primes(self, item: Scripted) -> None: ...

    @abc.abstractmethod
    def index_list(self, argument: Piece, rank: int | None,
                   name: str) -> tuple[ast.Node, ...]: ...
