"""Check the numpy implementations and worked examples of a spec, with located errors.

numpy expressions may use only the input symbols, sizes, earlier definitions that have exactly
one implementation, numbers, arithmetic, `@`, `.T` and the functions of
`symderiv.numbers.numpy_eval.FUNCTIONS`. Anything else is a spec error at load time, so nothing
unexpected is ever evaluated.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import cast

import numpy as np

from symderiv import limits
from symderiv.resolve.scope import Scope, label_tops, with_checks
from symderiv.numbers.numpy_eval import (FUNCTIONS, KEYWORDS, NumpyError, NumpyEvaluator,
                                         label_key)
from symderiv.errors import SymderivError
from symderiv.language import ast
from symderiv.load.model import Array, Broken, Example, Implementation, Value

ALLOWED = ", ".join(sorted(FUNCTIONS))


def single_implementations(scope: Scope) -> dict[str, ast.Node]:
    """Definition name -> its implementation, for definitions with exactly one."""
    found: dict[str, list[ast.Node]] = {}
    for implementation in scope.spec.implementations:
        found.setdefault(implementation.definition, []).append(implementation.formula.node)
    return {name: nodes[0] for name, nodes in found.items() if len(nodes) == 1}


def _names_before(scope: Scope, definition: str) -> set[str]:
    names = [d.name for d in scope.spec.definitions]
    return set(names[: names.index(definition)]) if definition in names else set()


def _check_nodes(scope: Scope, implementation: Implementation,
                 singles: dict[str, ast.Node]) -> None:
    formula = implementation.formula
    earlier = _names_before(scope, implementation.definition)

    def fail(message: str, node: ast.Node, code: str = "numpy") -> SymderivError:
        return SymderivError(message, formula.at(node), code)

    conditions = {id(node.args[0]) for node in ast.walk(formula.node)
                  if isinstance(node, ast.Call) and node.function == "where" and node.args}
    keyword_values = {id(node.value) for node in ast.walk(formula.node)
                      if isinstance(node, ast.Keyword)}
    for node in ast.walk(formula.node):
        if isinstance(node, ast.Index) and not all(
                _label_index(scope, index) for index in node.indices):
            raise fail("indexing is not available in numpy expressions: they compute the "
                       "whole array (write exp(a), not exp(a[i])); only labels and arange() "
                       "index, as in P[arange(B), c]", node)
        if isinstance(node, ast.Compare | ast.BoolOp) and not (
                isinstance(node, ast.Compare) and id(node) in conditions):
            raise fail("a comparison is not a numpy value (only where()'s condition is one)",
                       node)
        if isinstance(node, ast.Call) and node.function == "where" and node.args \
                and not isinstance(node.args[0], ast.Compare):
            raise fail("where()'s first argument is a comparison, such as x > 0",
                       node.args[0], "call")
        if isinstance(node, ast.Keyword):
            _check_keyword(node, fail)
            continue
        if id(node) in keyword_values:
            continue  # its form is the keyword's (_check_keyword)
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.name not in KEYWORDS.get(node.function, ()):
                    takes = " and ".join(f"{k}=" for k in KEYWORDS.get(node.function, ()))
                    raise fail(f"{node.function}() takes "
                               f"{'only ' + takes if takes else 'no keyword arguments'}; "
                               f"{keyword.name}= is not one", keyword, "call")
                if len(node.args) != 1:
                    raise fail(f"{keyword.name}= is for {node.function}() of one array",
                               keyword, "call")
            if node.function not in FUNCTIONS:
                raise fail(f"{node.function}() is not available in numpy expressions; only "
                           f"{ALLOWED} can be called", node, "call")
            counts = FUNCTIONS[node.function]
            if len(node.args) not in counts:
                wanted = " or ".join(map(str, counts))
                raise fail(f"{node.function}() takes {wanted} argument"
                           f"{'s' if counts != (1,) else ''} in numpy expressions, got "
                           f"{len(node.args)}", node, "call")
            if node.function in ("eye", "arange"):
                argument = node.args[0]
                if not ((isinstance(argument, ast.Name) and argument.name in scope.sizes)
                        or (isinstance(argument, ast.Number) and argument.value.denominator == 1
                            and argument.value > 0)):
                    raise fail(f"{node.function}() takes a size or a positive integer",
                               argument, "call")
                if isinstance(argument, ast.Number) and argument.value > limits.active().max_size:
                    raise fail(f"{node.function}({argument.text}) exceeds the size limit "
                               f"{limits.active().max_size} (--limit max_size=...)", argument,
                               "limit")
        if isinstance(node, ast.Name):
            name = node.name
            if name in scope.symbols or name in scope.sizes or name in scope.labels:
                continue
            if name in scope.definitions:
                if name not in earlier:
                    raise fail(f"{name!r} is not defined before {implementation.definition}",
                               node, "order")
                if name not in singles:
                    raise fail(f"{name!r} has no single numpy implementation to use here",
                               node, "numpy")
                continue
            if name in scope.indices:
                raise fail(f"{name!r} is an index; numpy expressions have no indices", node)
            if name in FUNCTIONS:
                raise fail(f"{name!r} is a function: write {name}(...)", node)
            raise fail(f"unknown name {name!r}", node, "name")


def _label_index(scope: Scope, index: ast.Node) -> bool:
    """Can `index` index in numpy: a label (its 0-based class numbers) or arange(n)?"""
    return (isinstance(index, ast.Name) and index.name in scope.labels) or (
        isinstance(index, ast.Call) and index.function == "arange")


def _check_keyword(keyword: ast.Keyword,
                   fail: Callable[[str, ast.Node, str], SymderivError]) -> None:
    """`axis=` an integer (negative counts from the end), `keepdims=` True or False."""
    value = keyword.value
    if keyword.name == "keepdims":
        if not (isinstance(value, ast.Name) and value.name in ("True", "False")):
            raise fail("keepdims= is True or False", value, "call")
        return
    number = value.operand if isinstance(value, ast.Neg) else value
    if not (isinstance(number, ast.Number) and number.value.denominator == 1):
        raise fail("axis= is an integer, such as axis=1 or axis=-1", value, "call")


def _size_combos(scope: Scope, names: list[str]) -> list[dict[str, int]]:
    pools = [scope.sizes[name].values for name in names]
    return [dict(zip(names, combo)) for combo in itertools.product(*pools)]


def expected_shape(scope: Scope, definition: str, sizes: dict[str, int]) -> tuple[int, ...]:
    """The concrete shape of a definition's whole value, from its declared shape."""
    return tuple(int(d.subs({_symbol(n): v for n, v in sizes.items()}))
                 for d in scope.shapes[definition])


def _symbol(name: str) -> object:
    from symderiv.resolve.scope import size_symbol
    return size_symbol(name)


def _check_shapes(scope: Scope, implementation: Implementation,
                  singles: dict[str, ast.Node]) -> None:
    formula = implementation.formula
    for sizes in _size_combos(scope, sorted(scope.sizes)):
        inputs = {}
        for symbol in scope.spec.symbols:
            shape = tuple(d if isinstance(d, int) else sizes[d] for d in symbol.shape)
            inputs[symbol.name] = np.ones((1,) + shape)
        # the labels at their smallest and their largest values: a label of T indexing an
        # axis of another length is out of bounds at one of them
        highest = label_tops(scope, sorted(scope.labels), sizes)
        for labels in (dict.fromkeys(highest, 1), highest) if highest else ({},):
            evaluator = NumpyEvaluator(inputs, {**sizes, **labels}, implementations=singles,
                                       labels=frozenset(scope.labels))
            try:
                shape = evaluator.value(formula.node).shape
            except NumpyError as error:
                at = _sizes_text(sizes) + ("; every label at its largest value"
                                           if labels is highest else "")
                raise SymderivError(f"{error.message} (at {at})",
                                    formula.at(error.node), "shape") from error
        wanted = expected_shape(scope, implementation.definition, sizes)
        if shape != wanted:
            raise SymderivError(
                f"{implementation.qualified_name} returns shape {shape} but "
                f"{implementation.definition} has shape {wanted} (at {_sizes_text(sizes)})",
                formula.location, "shape")


def _sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sizes.items()) or "no sizes"


def array_shape(array: Array) -> tuple[int, ...] | None:
    """The shape of a nested list of values, or None if it is ragged."""
    if isinstance(array, Value):
        return ()
    shapes = {array_shape(item) for item in array}
    if len(shapes) != 1 or None in shapes:
        return None if array else (0,)
    return (len(array),) + cast(tuple[int, ...], shapes.pop())  # None is not in shapes


def example_sizes(scope: Scope, example: Example) -> dict[str, int]:
    """The sizes an example's given arrays imply.

    Raises:
        SymderivError: an unknown or ragged input, or lengths that disagree.
    """
    sizes: dict[str, int] = {}
    labels = [(name, array) for name, array in example.given if name in scope.labels]
    for name, array in example.given:
        if name in scope.labels:
            continue
        if name not in scope.symbols:
            raise SymderivError(f"example {example.id}: 'given' names inputs; {name!r} is not "
                                "a declared symbol or label", example.location, "example")
        shape = array_shape(array)
        declared: tuple[str | int, ...] = scope.symbols[name].shape
        if shape is None or len(shape) != len(declared):
            raise SymderivError(f"example {example.id}: {name} must be a "
                                f"{['number', 'list', 'list of rows'][min(len(declared), 2)]} "
                                f"(its shape is {list(declared)})", example.location, "example")
        for dimension, length in zip(declared, shape):
            if isinstance(dimension, int):
                if dimension != length:
                    raise SymderivError(f"example {example.id}: {name} has length {length}, "
                                        f"expected {dimension}", example.location, "example")
            elif sizes.setdefault(dimension, length) != length:
                raise SymderivError(f"example {example.id}: {name} gives {dimension} = "
                                    f"{length}, but another input gives {dimension} = "
                                    f"{sizes[dimension]}", example.location, "example")
            if length == 0:
                raise SymderivError(f"example {example.id}: {name} is empty",
                                    example.location, "example")
    for name, array in labels:
        sizes.update(_label_values(scope, example, name, array, sizes))
    return sizes


def _label_values(scope: Scope, example: Example, name: str, array: Array,
                  sizes: dict[str, int]) -> dict[str, int]:
    """A label's given value(s), as `label_key` -> value: integers in 1..its range's size,
    one per entry of its shape's size (which the other inputs fix, or its length does)."""
    label = scope.labels[name]

    def fail(message: str) -> SymderivError:
        return SymderivError(f"example {example.id}: {message}", example.location, "example")

    values = [array] if isinstance(array, Value) else list(array)
    if (isinstance(array, Value)) != (not label.shape) or any(
            not isinstance(v, Value) for v in values):
        raise fail(f"label {name} is {'one integer' if not label.shape else 'a list of integers'}")
    if label.shape:
        length = sizes.setdefault(label.shape[0], len(values))
        if length != len(values):
            raise fail(f"label {name} gives {label.shape[0]} = {len(values)}, but another input "
                       f"gives {label.shape[0]} = {length}")
    if label.range not in sizes:
        raise fail(f"the given inputs do not fix the size {label.range}, the range of label "
                   f"{name}")
    out = {}
    for position, value in enumerate(values, 1):
        assert isinstance(value, Value)
        if value.exact.denominator != 1 or not 1 <= value.exact <= sizes[label.range]:
            raise fail(f"label {name} takes the values 1..{label.range} = 1.."
                       f"{sizes[label.range]}, not {value.text}")
        out[label_key(name, (position,) if label.shape else ())] = int(value.exact)
    return out


def _check_example(scope: Scope, example: Example, qualified: set[str]) -> None:
    from symderiv.resolve.scope import used_names

    sizes = example_sizes(scope, example)
    given = {name for name, _ in example.given}
    locations = dict(example.expect_locations)
    for name, array in example.expect:
        where = locations.get(name, example.location)
        if name not in scope.definitions:
            raise SymderivError(f"example {example.id}: 'expect' names definitions; {name!r} "
                                "is not one", where, "example")
        needed = used_names(scope, [scope.definitions[name].body.node])
        missing = sorted(n for n in needed if (n in scope.symbols or n in scope.labels)
                         and n not in given)
        if missing:
            raise SymderivError(f"example {example.id}: {name} needs the input "
                                f"{missing[0]!r} in 'given'", example.location, "example")
        unknown = sorted(n for n in needed if n in scope.sizes and n not in sizes)
        unknown += sorted(scope.indices[p].size for p in scope.definitions[name].params
                          if scope.indices[p].size not in sizes)
        if unknown:
            raise SymderivError(f"example {example.id}: the given inputs do not fix the size "
                                f"{unknown[0]}", example.location, "example")
        wanted = expected_shape(scope, name, sizes)
        if array_shape(array) != wanted:
            raise SymderivError(f"example {example.id}: {name} has shape {wanted} here, the "
                                f"expected value has shape {array_shape(array)}", where,
                                "example")
    for entry in example.fails:
        if entry not in qualified:
            raise SymderivError(f"example {example.id}: fails names {entry!r}, which is not an "
                                f"implementation (known: {', '.join(sorted(qualified)) or 'none'})",
                                example.location, "example")
    if example.tol is not None and example.tol <= 0:
        raise SymderivError(f"example {example.id}: tol must be positive", example.location,
                            "example")


def check_numpy(scope: Scope) -> Scope:
    """Check every implementation and example of the scope's spec: the scope with those that
    do not fit (an unknown name, a shape mismatch) set aside as `Broken` checks, each its own
    `error`; the file's other checks still run."""
    broken = list(scope.spec.broken)
    implementations = list(scope.spec.implementations)
    while True:  # until none is set aside: one that uses a set-aside one does not fit either
        singles = single_implementations(with_checks(scope,
                                                     implementations=tuple(implementations)))
        fitting = []
        for implementation in implementations:
            try:
                if implementation.definition not in scope.definitions:
                    raise SymderivError(f"numpy: {implementation.definition!r} is not a "
                                        "definition", implementation.formula.location, "name")
                _check_nodes(scope, implementation, singles)
                _check_shapes(scope, implementation, singles)
            except SymderivError as error:
                broken.append(_broken(implementation.qualified_name, "implementation",
                                      "holds", error))
                continue
            fitting.append(implementation)
        if len(fitting) == len(implementations):
            break
        implementations = fitting
    qualified = {i.qualified_name for i in scope.spec.implementations}
    examples = []
    for example in scope.spec.examples:
        try:
            _check_example(scope, example, qualified)
        except SymderivError as error:
            broken.append(_broken(example.id, "example", example.expect_verdict, error))
            continue
        examples.append(example)
    return with_checks(scope, implementations=tuple(implementations), examples=tuple(examples),
                       broken=tuple(broken))


def _broken(check_id: str, kind: str, expect: str, error: SymderivError) -> Broken:
    assert error.location is not None
    return Broken(check_id, kind, expect, error.location, error.message, error.code)
