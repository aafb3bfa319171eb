"""An implementation's formula proved equal to its definition for every size (issue 16,
item 3): both as one entry at fresh free indices (`resolve.numpy_index`,
`resolve.index_form`), decided by the generic layer. Float behaviour is not its concern:
`check/numeric/implementations.py` judges that and forms the verdict.
"""

from __future__ import annotations

import sympy

from symderiv.check import generic
from symderiv.check.timeout import CheckTimeout, deadline
from symderiv.check.verdict import Outcome
from symderiv.load.model import Implementation
from symderiv.resolve import index_form
from symderiv.resolve.implementations import single_implementations
from symderiv.resolve.index_form import Unsupported
from symderiv.resolve.numpy_index import NumpyIndex, Position
from symderiv.resolve.scope import Scope
from symderiv.resolve.symbolic import SympyBuilder

#: Longest the proof of one implementation may take; the numeric check runs regardless.
PROOF_SECONDS = 5.0


def prove_implementation(scope: Scope, implementation: Implementation,
                         seconds: float = PROOF_SECONDS) -> Outcome | None:
    """The proof that the implementation's formula is its definition, or None."""
    try:
        with deadline(seconds):
            return _prove(scope, implementation)
    except CheckTimeout:
        return None
    except (Unsupported, ArithmeticError, ValueError, TypeError, AttributeError,
            RecursionError):
        return None  # outside the translation, or sympy gave up: no proof


def _prove(scope: Scope, implementation: Implementation) -> Outcome | None:
    name = implementation.definition
    shape = scope.shapes[name]
    singles = single_implementations(scope)
    base = SympyBuilder(scope)
    numpy_shape = NumpyIndex(base, singles).shape(implementation.formula.node)
    if len(numpy_shape) != len(shape) or not all(
            sympy.expand(a - b) == 0 for a, b in zip(numpy_shape, shape)):
        return None  # the shapes agree only at the sizes numpy was run at
    taken = set(scope.indices) | set(scope.sizes) | set(scope.symbols) | set(scope.definitions)
    ranges: dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]] = {}
    position: list[sympy.Expr] = []
    for letter, size in zip("rc", shape):
        if size == 1:
            position.append(sympy.Integer(1))
            continue
        while letter in taken:
            letter += "'"
        symbol = sympy.Symbol(letter, integer=True)
        ranges[symbol] = (sympy.Integer(1), size)
        position.append(symbol)
    builder = base.with_ranges(ranges)
    translator = NumpyIndex(builder, singles)
    numpy_value = translator.entry(implementation.formula.node, tuple(position))
    definition_value = _definition_entry(builder, name, tuple(position))
    entry = f"[{', '.join(map(str, position))}]" if position else ""
    shifts = sorted(translator.extremes.items(), key=lambda item: str(item[1]))
    free = "".join(f"; {text} as a free real {symbol.name}: the value does not depend on it"
                   for text, symbol in shifts)
    of = f" entry-wise ({entry} for every value of its indices)" if entry else ""
    message = (f"proved for all sizes: the formula of {implementation.qualified_name} is "
               f"{name}{of} in index notation{free}")
    return generic.prove_values(builder, numpy_value, definition_value, None, list(ranges),
                                entry, message)


def _definition_entry(builder: SympyBuilder, name: str, position: Position) -> sympy.Expr:
    """The definition's entry at a position of its declared shape."""
    scope = builder.scope
    definition = scope.definitions[name]
    if definition.params:
        params, body = builder.definition(name)
        return body.xreplace(dict(zip(params, position)))
    if not position:
        return builder.definition(name)[1]
    value_axes = index_form.axes(scope, definition.body.node)
    if value_axes is None or any(len(axis) > 1 for axis in value_axes):
        raise Unsupported("a definition whose columns are flattened pairs")
    components = iter(p for p, size in zip(position, scope.shapes[name]) if size != 1)
    split = tuple(tuple(next(components) for _ in axis) for axis in value_axes)
    return index_form.entry(builder, definition.body.node, (split[0], split[1]), {})
