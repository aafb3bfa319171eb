"""What a spec declares, above its checks: sizes, index ranges, input shapes and definitions."""

from __future__ import annotations

import sympy

from symderiv.load.model import Definition, Spec
from symderiv.report.latex.formulas import Formulas
from symderiv.report.latex.layout import display


def declarations(spec: Spec, formulas: Formulas) -> str:
    """Sizes, index ranges and symbol shapes as sentences."""
    printer = formulas.printer
    sentences = []
    if spec.sizes:
        parts = [f"${printer.name(s.name)} \\in \\{{{', '.join(map(str, s.values))}\\}}$"
                 for s in spec.sizes]
        sentences.append("Sizes (positive integers; the bounded checks use the listed "
                         "values): " + ", ".join(parts) + ".")
    by_size: dict[str, list[str]] = {}
    for index in spec.indices:
        by_size.setdefault(index.size, []).append(index.name)
    for size, names in by_size.items():
        letters = ", ".join(f"${printer.name(n)}$" for n in names)
        verb = "ranges" if len(names) == 1 else "range"
        sentences.append(f"{letters} {verb} over $1, \\dots, {printer.name(size)}$.")
    if spec.symbols:
        sentences.append("Inputs: " + ", ".join(inputs(spec, formulas)) + ".")
    if spec.labels:
        sentences.append("Labels (integer inputs; the checks take each of their values): "
                         + ", ".join(labels(spec, formulas)) + ".")
    return " ".join(sentences) + "\n" if sentences else ""


def labels(spec: Spec, formulas: Formulas) -> list[str]:
    r"""Each label with its values: `$y \in \{1, \dots, T\}$`, `$c \in \{1, \dots, T\}^{B}$`."""
    printer = formulas.printer
    parts = []
    for label in spec.labels:
        values = rf"\{{1, \dots, {printer.name(label.range)}\}}"
        power = f"^{{{printer.name(label.shape[0])}}}" if label.shape else ""
        parts.append(rf"${printer.name(label.name)} \in {values}{power}$")
    return parts


def inputs(spec: Spec, formulas: Formulas) -> list[str]:
    """Each symbol with its space: `$W \\in \\mathbb{R}^{T \\times N}$`."""
    printer = formulas.printer
    parts = []
    for symbol in spec.symbols:
        field = r"\mathbb{R}_{>0}" if symbol.domain == "positive" else r"\mathbb{R}"
        dims = r" \times ".join(printer.name(d) if isinstance(d, str) else str(d)
                                for d in symbol.shape)
        space = f"{field}^{{{dims}}}" if dims else field
        parts.append(f"${printer.name(symbol.name)} \\in {space}$")
    return parts


def definitions(spec: Spec, formulas: Formulas) -> str:
    if not spec.definitions:
        return ""
    lines = ["\\subsection*{Definitions}\n"]
    for definition in spec.definitions:
        lines.append(display(definition_equation(definition, formulas)))
    return "".join(lines)


def definition_equation(definition: Definition, formulas: Formulas) -> str:
    """`S_{i} = ...`: a definition's head and body in math (also the HTML report's)."""
    head_symbol: sympy.Basic
    if definition.params:
        head_symbol = sympy.IndexedBase(definition.name)[
            tuple(formulas.builder.index_symbols[p] for p in definition.params)]
    else:
        head_symbol = sympy.Symbol(definition.name)
    return f"{formulas.expression(head_symbol)} = {formulas.math(definition.body)}"
