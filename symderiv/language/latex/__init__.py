"""LaTeX as ML notes write it -> the formula AST (see `resolve`)."""

from symderiv.language.latex.declarations import Declarations
from symderiv.language.latex.resolve import read
from symderiv.language.latex.tokens import tokenize

__all__ = ["Declarations", "read", "tokenize"]
