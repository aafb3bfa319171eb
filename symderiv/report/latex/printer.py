"""sympy's LatexPrinter with the course notation: `a_{i}`, `W_{ij}`, `\\delta_{ij}`, ∂-fractions.

Only the constructs whose notation differs from sympy's are overridden (sympy's visitor
pattern: `_print_<Class>`); everything else is sympy's own LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from symderiv.resolve import symbolic
from symderiv.report.latex.escape import escape

#: A printed index that can be written next to another without a comma: `ij`, `k1`.
_SHORT_INDEX = re.compile(r"^(?:[A-Za-z0-9]|\\[A-Za-z]+)$")
_PLAIN_WORD = re.compile(r"^[A-Za-z][A-Za-z]+$")
#: A name sympy's own rules may turn into LaTeX (`alpha`, `W2`, `_s1`, `x__2`, the label
#: `Jacobian(g, W)` of an indexed expression). A spec's names always are; any other (only a
#: cache file could hold one) is printed as escaped text.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_(), ]*\Z")


class Jacobian(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """jacobian(f, x) for printing: ∂f/∂x as a matrix."""


class Diag(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """diag(v) for printing."""


class Transposed(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """x.T for printing."""


class IdentityMatrix(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """eye(n) for printing."""


class MatrixProduct(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """A @ B for printing (juxtaposition, as the notes write it)."""


class Named(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """An elementary function printed by its name (sigmoid, softplus, log1p, expm1)."""

    #: the LaTeX of the function's name; log1p is printed as log(1 + x)
    operator = ""

    def _symderiv_latex(self, printer: LatexPrinter, exp: Any = None) -> str:
        argument = printer._print(self.args[0])
        if self.operator == "log1p":
            text = rf"\log\left(1 + {argument}\right)"
        else:
            text = rf"{self.operator}\left({argument}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"


class Sigmoid(Named):
    operator = r"\sigma"


class Softplus(Named):
    operator = r"\operatorname{softplus}"


class Log1p(Named):
    operator = "log1p"


class Expm1(Named):
    operator = r"\operatorname{expm1}"


class ReluPrinted(Named):
    operator = r"\operatorname{relu}"


class Indicator(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """ind(condition) for printing: the notes' 1(i = j)."""

    def _symderiv_latex(self, printer: LatexPrinter, exp: Any = None) -> str:
        text = rf"\mathbb{{1}}\left({printer._print(self.args[0])}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"


def printed_piecewise(function: str, args: list[sympy.Basic]) -> sympy.Basic:
    """abs, relu, max, min for printing: |u|, relu(u), max(a, b), min(a, b)."""
    if function == "relu":
        return ReluPrinted(args[0], evaluate=False)
    if function == "abs":
        return sympy.Abs(args[0], evaluate=False)
    return {"max": sympy.Max, "min": sympy.Min}[function](*args, evaluate=False)


def printed_elementary(function: str, u: sympy.Basic) -> sympy.Basic:
    """An elementary function (scope.ELEMENTARY) for printing: tanh, sin and cos as sympy
    prints them, the others by name (`\\sigma(x)`, `\\operatorname{softplus}(x)`,
    `\\log(1 + x)`, `\\operatorname{expm1}(x)`)."""
    own = {"tanh": sympy.tanh, "sin": sympy.sin, "cos": sympy.cos}
    if function in own:
        return own[function](u, evaluate=False)
    named = {"sigmoid": Sigmoid, "softplus": Softplus, "log1p": Log1p, "expm1": Expm1}
    return named[function](u, evaluate=False)


class SymderivLatexPrinter(LatexPrinter):  # type: ignore[misc]  # sympy is untyped
    """LaTeX in the notation of the course notes.

    Args:
        names: LaTeX for spec names (the `latex:` field of symbols and definitions),
            used instead of the name itself.
    """

    printmethod = "_symderiv_latex"

    def __init__(self, names: Mapping[str, str] | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings or {})
        self.names = dict(names or {})

    def name(self, name: str) -> str:
        """A spec name in LaTeX: its `latex:` override, Greek and digit suffixes as sympy
        does (`alpha` → `\\alpha`, `W2` → `W_{2}`), other words upright (`\\mathrm{xent}`)."""
        if name in self.names:
            return self.names[name]
        if _PLAIN_WORD.match(name) and self._deal_with_super_sub(name) == name:
            return rf"\mathrm{{{name}}}"
        return str(self._deal_with_super_sub(name))

    def _deal_with_super_sub(self, string: str, style: str = "plain") -> str:
        """sympy's name rules (Greek letters, `W2` → `W_{2}`) for a safe name, else the name
        as escaped text: every symbol, function and `Str` name is printed through here."""
        if not _SAFE_NAME.match(string):
            return r"\text{" + escape(string) + "}"
        return str(super()._deal_with_super_sub(string, style))

    def _print_Str(self, expr: sympy.core.symbol.Str) -> str:
        return self._deal_with_super_sub(str(expr.name))

    def subscript(self, indices: tuple[sympy.Basic, ...]) -> str:
        """`ij` when every index prints as one letter or digit, else `i,(j-1)N+1`."""
        printed = [self._print(index) for index in indices]
        if not all(_SHORT_INDEX.match(p) for p in printed):
            return ",".join(printed)
        # a control word (\alpha) must not run into the next letter: \alpha j, not \alphaj
        return " ".join(printed) if any(p.startswith("\\") for p in printed) else "".join(printed)

    def _with_subscript(self, base: str, indices: tuple[sympy.Basic, ...]) -> str:
        if "_" in base or "^" in base:
            base = "{" + base + "}"
        return f"{base}_{{{self.subscript(indices)}}}"

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr.name in self.names:
            return self.names[expr.name]
        if isinstance(expr, sympy.Dummy):
            return str(self._deal_with_super_sub(expr.name))
        return self.name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_IndexedBase(self, expr: sympy.IndexedBase) -> str:
        return self.name(str(expr.label))

    def _print_Indexed(self, expr: sympy.Indexed) -> str:
        return self._with_subscript(self._print(expr.base), expr.indices)

    def _print_KroneckerDelta(self, expr: sympy.KroneckerDelta, exp: Any = None) -> str:
        text = self._with_subscript(r"\delta", tuple(expr.args))
        return rf"{text}^{{{exp}}}" if exp is not None else text

    def _print_Derivative(self, expr: sympy.Basic) -> str:
        if not isinstance(expr, symbolic.Derivative):
            return str(super()._print_Derivative(expr))
        function, variable = expr.args
        return self._partial(function, variable)

    def _partial(self, function: sympy.Basic, variable: sympy.Basic) -> str:
        below = self._print(variable)
        if isinstance(function, sympy.Indexed | sympy.Symbol | sympy.IndexedBase):
            return rf"\frac{{\partial {self._print(function)}}}{{\partial {below}}}"
        return rf"\frac{{\partial}}{{\partial {below}}}\left({self._print(function)}\right)"

    def _print_Relu(self, expr: sympy.Basic, exp: Any = None) -> str:
        """A proof's relu (resolve.symbolic.Relu), by name."""
        text = rf"\operatorname{{relu}}\left({self._print(expr.args[0])}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_Step(self, expr: sympy.Basic, exp: Any = None) -> str:
        """relu′(u), as the indicator of u > 0 (undefined at u = 0)."""
        text = rf"\mathbb{{1}}\left({self._print(expr.args[0])} > 0\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _print_Jacobian(self, expr: Jacobian) -> str:
        return self._partial(*expr.args)

    def _print_Diag(self, expr: Diag) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_Transposed(self, expr: Transposed) -> str:
        inner: str = self._print(expr.args[0])
        if not isinstance(expr.args[0], sympy.Symbol | sympy.IndexedBase):
            inner = rf"\left({inner}\right)"
        return inner + r"^{\top}"

    def _print_MatrixProduct(self, expr: MatrixProduct) -> str:
        factors = []
        for factor in expr.args:
            printed = self._print(factor)
            if isinstance(factor, sympy.Add):
                printed = rf"\left({printed}\right)"
            factors.append(printed)
        return " ".join(factors)

    def _print_IdentityMatrix(self, expr: IdentityMatrix) -> str:
        return rf"I_{{{self._print(expr.args[0])}}}"

    def _print_Sum(self, expr: sympy.Sum) -> str:
        text = ""
        for variable, low, high in reversed(expr.limits):
            text += (rf"\sum_{{{self._print(variable)}={self._print(low)}}}"
                     rf"^{{{self._print(high)}}} ")
        body = expr.function
        printed: str = self._print(body)
        if isinstance(body, sympy.Add) or body.could_extract_minus_sign():
            printed = rf"\left({printed}\right)"
        return text + printed


def latex(expr: sympy.Basic, names: Mapping[str, str] | None = None) -> str:
    """`expr` in the course notation."""
    return str(SymderivLatexPrinter(names).doprint(expr))
