"""Name resolution and shape checking of every formula in a spec, with located errors.

Shapes are tuples of sympy expressions in the size symbols: () is a scalar, (N,) a vector
(a column), (T, N) a matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from functools import partial, reduce
from operator import mul

import dataclasses
import itertools
from typing import Any

import sympy

from symderiv import limits
from symderiv.errors import SymderivError
from symderiv.language import ast
from symderiv.language.printer import unparse
from symderiv.load.loader import SpecErrors
from symderiv.numbers.numpy_eval import label_key
from symderiv.load.model import (
    Broken, Claim, Definition, Derivation, Formula, IndexDecl, LabelDecl, SizeDecl, Spec,
    SymbolDecl,
)

Shape = tuple[sympy.Expr, ...]

SCALAR_FUNCTIONS = {"exp": 1, "log": 1, "sqrt": 1, "tanh": 1, "sigmoid": 1, "softplus": 1,
                    "log1p": 1, "expm1": 1, "sin": 1, "cos": 1}
#: The elementary functions beyond exp/log/sqrt (issue 15, item 4): scalar, one argument.
ELEMENTARY = ("tanh", "sigmoid", "softplus", "log1p", "expm1", "sin", "cos")
#: The piecewise functions of claims (issue 15, item 3): by arity; decided region by region.
PIECEWISE = {"abs": 1, "relu": 1, "max": 2, "min": 2}
NUMPY_ONLY = {"outer"}


def label_tops(scope: Scope, labels: list[str], sizes: dict[str, int]) -> dict[str, int]:
    """Each value key of the labels at these sizes (`y`, `c[1]` … `c[B]`, see `label_key`)
    with the largest value it takes (the size of its label's range)."""
    tops: dict[str, int] = {}
    for name in labels:
        label = scope.labels[name]
        entries = [()] if not label.shape else [(n,) for n in range(1, sizes[label.shape[0]] + 1)]
        tops |= {label_key(name, entry): sizes[label.range] for entry in entries}
    return tops


def label_assignments(scope: Scope, labels: list[str], sizes: dict[str, int]
                      ) -> list[dict[str, int]]:
    """Every assignment of values to `labels` at these sizes, each as {label_key: value}:
    a scalar label takes 1..size of its range, a vector label one such value per entry."""
    tops = label_tops(scope, labels, sizes)
    keys, pools = list(tops), [range(1, top + 1) for top in tops.values()]
    count = reduce(mul, (len(pool) for pool in pools), 1)
    if count > limits.active().max_label_assignments:
        at = ", ".join(f"{k} = {v}" for k, v in sorted(sizes.items()))
        which = f"the label {labels[0]} has" if len(labels) == 1 else \
            f"the labels {', '.join(labels)} have"
        raise SymderivError(f"{which} {count} assignments at {at}, "
                            f"more than {limits.active().max_label_assignments} "
                            "(--limit max_label_assignments=...)", None, "limit")
    return [dict(zip(keys, values)) for values in itertools.product(*pools)]


def size_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def describe(shape: Shape) -> str:
    if not shape:
        return "a scalar"
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    return f"a {shape[0]}×{shape[1]} matrix"


def same_shape(left: Shape, right: Shape) -> bool:
    def canonical(shape: Shape) -> tuple[sympy.Expr, ...]:
        if len(shape) == 1:
            return (shape[0], sympy.Integer(1))
        return shape
    a, b = canonical(left), canonical(right)
    return len(a) == len(b) and all(sympy.expand(x - y) == 0 for x, y in zip(a, b))


def entry_count(shape: Shape) -> sympy.Expr:
    return reduce(mul, shape, sympy.Integer(1))


@dataclass(frozen=True)
class Scope:
    """The declarations of one spec, looked up by name, with every definition's shape.

    Immutable: the mappings are read-only views (`build_scope` makes them). Only
    `value_shapes` changes, a memo of what `value_shape` has worked out.
    """

    spec: Spec
    sizes: Mapping[str, SizeDecl]
    indices: Mapping[str, IndexDecl]
    symbols: Mapping[str, SymbolDecl]
    definitions: Mapping[str, Definition]
    shapes: Mapping[str, Shape] = field(default_factory=lambda: MappingProxyType({}))
    #: the shapes `value_shape` has worked out, by formula node
    value_shapes: dict[ast.Node, Shape] = field(default_factory=dict, compare=False, repr=False)
    labels: Mapping[str, LabelDecl] = field(default_factory=lambda: MappingProxyType({}))

    def index_size(self, index: str) -> sympy.Symbol:
        return size_symbol(self.indices[index].size)

    def value_shape(self, node: ast.Node) -> Shape:
        """The shape of a formula in which every definition may be used, sizes as symbols.

        Raises:
            SymderivError: the formula is not well shaped (the error has no file location).
        """
        shape = self.value_shapes.get(node)
        if shape is None:
            checker = _Checker(self, None, set(self.definitions))
            shape = self.value_shapes[node] = checker.shape(node, frozenset())
        return shape

    def symbol_shape(self, symbol: SymbolDecl) -> Shape:
        return tuple(sympy.Integer(d) if isinstance(d, int) else size_symbol(d)
                     for d in symbol.shape)


class _Checker:
    """Walks one formula; `bound` holds the indices bound by enclosing sums."""

    def __init__(self, scope: Scope, formula: Formula | None, visible: set[str]) -> None:
        self.scope = scope
        self.formula = formula  # None: a formula built by symderiv, not read from a file
        self.visible = visible  # definitions defined so far

    def fail(self, message: str, node: ast.Node, code: str = "name") -> SymderivError:
        location = self.formula.at(node) if self.formula is not None else None
        return SymderivError(message, location, code)

    # -- integer (index) expressions ------------------------------------------------------

    def integer(self, node: ast.Node, bound: frozenset[str], what: str) -> None:
        if isinstance(node, ast.Number):
            if node.value.denominator != 1:
                raise self.fail(f"{what} must be an integer, not {node.text}", node, "index")
            return
        if isinstance(node, ast.Name):
            if node.name in self.scope.indices or node.name in self.scope.sizes:
                return
            label = self.scope.labels.get(node.name)
            if label is not None:
                if label.shape:
                    raise self.fail(f"{node.name!r} is one label per entry of "
                                    f"{label.shape[0]}: write {node.name}[...] for one of them",
                                    node, "index")
                return
            if node.name in self.scope.symbols or node.name in self.scope.definitions:
                raise self.fail(f"{what} must be made of indices and sizes; {node.name!r} is "
                                "not an index", node, "index")
            raise self.fail(f"unknown name {node.name!r} (not a declared index)", node)
        if isinstance(node, ast.Neg):
            self.integer(node.operand, bound, what)
            return
        if isinstance(node, ast.BinOp) and node.op in "+-*":
            self.integer(node.left, bound, what)
            self.integer(node.right, bound, what)
            return
        if isinstance(node, ast.Index) and isinstance(node.base, ast.Name) \
                and node.base.name in self.scope.labels:
            self.label_entry(node, bound)
            return
        raise self.fail(f"{what} must be integer arithmetic (+ - *) of indices, sizes, "
                        "labels and integers", node, "index")

    def label_entry(self, node: ast.Index, bound: frozenset[str]) -> None:
        """`c[s]`: one entry of a vector label, its index itself an integer expression."""
        assert isinstance(node.base, ast.Name)
        label = self.scope.labels[node.base.name]
        if len(node.indices) != len(label.shape):
            raise self.fail(
                f"wrong number of indices: label {label.name} takes {len(label.shape)}, got "
                f"{len(node.indices)}", node, "index")
        for index in node.indices:
            self.integer(index, bound, "an index")

    def condition(self, node: ast.Node, where: str = "a condition") -> None:
        if isinstance(node, ast.BoolOp):
            self.condition(node.left, where)
            if node.right is not None:
                self.condition(node.right, where)
            return
        if isinstance(node, ast.Compare):
            self.integer(node.left, frozenset(), where)
            self.integer(node.right, frozenset(), where)
            return
        raise self.fail("a condition compares indices: i == j, i != j, i < j, ... joined by "
                        "and / or / not", node, "where")

    # -- values ---------------------------------------------------------------------------

    def entry_shape(self, name: str, node: ast.Node) -> Shape:
        if name in self.scope.symbols:
            return self.scope.symbol_shape(self.scope.symbols[name])
        if name in self.scope.definitions:
            if name not in self.visible:
                raise self.fail(f"{name!r} is used before it is defined", node, "order")
            return self.scope.shapes[name]
        if name in self.scope.indices or name in self.scope.sizes:
            return ()
        if name in self.scope.labels:
            self.integer(node, frozenset(), "a label")
            return ()
        if name in SCALAR_FUNCTIONS or name in PIECEWISE or name in {
                "D", "sum", "delta", "ind", "jacobian", "diag", "eye"}:
            raise self.fail(f"{name!r} is a function: write {name}(...)", node)
        if name in NUMPY_ONLY:
            raise self.fail(f"{name!r} exists only in numpy implementations", node)
        raise self.fail(f"unknown name {name!r}", node)

    def shape(self, node: ast.Node, bound: frozenset[str]) -> Shape:
        if isinstance(node, ast.Number):
            return ()
        if isinstance(node, ast.Name):
            return self.entry_shape(node.name, node)
        if isinstance(node, ast.Index) and isinstance(node.base, ast.Name) \
                and node.base.name in self.scope.labels:
            self.label_entry(node, bound)
            return ()
        if isinstance(node, ast.Index):
            base_shape = self.shape(node.base, bound)
            if isinstance(node.base, ast.Name) and node.base.name in (
                    set(self.scope.indices) | set(self.scope.sizes)):
                raise self.fail(f"{node.base.name!r} is an index or size and cannot be indexed",
                                node.base, "index")
            if len(node.indices) != len(base_shape):
                name = node.base.name if isinstance(node.base, ast.Name) else "this expression"
                raise self.fail(
                    f"wrong number of indices: {name} is {describe(base_shape)} and takes "
                    f"{len(base_shape)}, got {len(node.indices)}", node, "index")
            for index in node.indices:
                self.integer(index, bound, "an index")
            return ()
        if isinstance(node, ast.Neg):
            return self.shape(node.operand, bound)
        if isinstance(node, ast.Transpose):
            inner = self.shape(node.operand, bound)
            if not inner:
                return ()
            if len(inner) == 1:
                return (sympy.Integer(1), inner[0])
            return (inner[1], inner[0])
        if isinstance(node, ast.BinOp):
            return self.binop(node, bound)
        if isinstance(node, ast.Call):
            return self.call(node, bound)
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise self.fail("a comparison cannot be used as a value here", node, "claim")
        raise self.fail("unsupported construct", node, "syntax")  # pragma: no cover

    def binop(self, node: ast.BinOp, bound: frozenset[str]) -> Shape:
        left = self.shape(node.left, bound)
        right = self.shape(node.right, bound)
        if node.op == "@":
            a = left if len(left) == 2 else (left[0], sympy.Integer(1)) if left else None
            b = right if len(right) == 2 else (right[0], sympy.Integer(1)) if right else None
            if a is None or b is None:
                raise self.fail("'@' multiplies matrices or vectors, not scalars", node, "shape")
            if sympy.expand(a[1] - b[0]) != 0:
                raise self.fail(f"shape mismatch in '@': {describe(left)} @ {describe(right)}",
                                node, "shape")
            if b[1] == 1 and len(right) == 1:
                return (a[0],) if a[0] != 1 else ()
            return (a[0], b[1])
        if node.op == "^":
            if left or right:
                raise self.fail("'^' takes scalars", node, "shape")
            return ()
        if node.op in "+-":
            if not left:
                return right if not right else self._mismatch(node, left, right)
            if not same_shape(left, right):
                return self._mismatch(node, left, right)
            return left
        # * and /
        if left and right:
            raise self.fail(f"'{node.op}' of {describe(left)} and {describe(right)}: use '@' "
                            "for a matrix product", node, "shape")
        if node.op == "/" and right:
            raise self.fail("cannot divide by a vector or matrix", node, "shape")
        return left or right

    def _mismatch(self, node: ast.BinOp, left: Shape, right: Shape) -> Shape:
        raise self.fail(f"shape mismatch in '{node.op}': {describe(left)} and {describe(right)}",
                        node, "shape")

    def scalar(self, node: ast.Node, bound: frozenset[str], what: str) -> None:
        shape = self.shape(node, bound)
        if shape:
            raise self.fail(f"{what} needs a scalar, got {describe(shape)}", node, "shape")

    def arity(self, node: ast.Call, counts: tuple[int, ...]) -> None:
        if len(node.args) not in counts:
            wanted = " or ".join(str(c) for c in counts)
            raise self.fail(f"{node.function}() takes {wanted} arguments, got {len(node.args)}",
                            node, "call")

    def call(self, node: ast.Call, bound: frozenset[str]) -> Shape:
        function = node.function
        if node.keywords:
            raise self.fail(f"keyword arguments ({node.keywords[0].name}=...) exist only in "
                            "numpy implementations", node.keywords[0], "call")
        if function in SCALAR_FUNCTIONS:
            self.arity(node, (1,))
            self.scalar(node.args[0], bound, f"{function}()")
            return ()
        if function in PIECEWISE:
            self.arity(node, (PIECEWISE[function],))
            for argument in node.args:
                self.scalar(argument, bound, f"{function}()")
            return ()
        if function == "ind":
            self.arity(node, (1,))
            if not isinstance(node.args[0], ast.Compare | ast.BoolOp):
                raise self.fail("ind() takes a condition on indices: ind(i == j), "
                                "ind(i != j and k < j), ...", node.args[0], "call")
            self.condition(node.args[0], "ind()")
            return ()
        if function == "sum":
            self.arity(node, (2, 4))
            variable = node.args[1]
            if isinstance(variable, ast.Name) and variable.name in self.scope.labels:
                raise self.fail(f"{variable.name!r} is a label, whose value is given: a sum "
                                "runs over a declared index", variable, "sum")
            if not (isinstance(variable, ast.Name) and variable.name in self.scope.indices):
                raise self.fail("the second argument of sum() must be a declared index",
                                variable, "sum")
            for limit in node.args[2:]:
                self.integer(limit, bound, "a sum's limit")
            self.scalar(node.args[0], bound | {variable.name}, "sum()")
            return ()
        if function == "delta":
            self.arity(node, (2,))
            for argument in node.args:
                self.integer(argument, bound, "an argument of delta()")
            return ()
        if function == "D":
            self.arity(node, (2,))
            self.scalar(node.args[0], bound, "D()")
            self.variable(node.args[0], node.args[1], bound)
            return ()
        if function == "jacobian":
            self.arity(node, (2,))
            f_shape = self.shape(node.args[0], bound)
            x = node.args[1]
            if not (isinstance(x, ast.Name) and x.name in self.scope.symbols):
                raise self.fail("the second argument of jacobian() must be a declared symbol",
                                x, "call")
            x_shape = self.scope.symbol_shape(self.scope.symbols[x.name])
            return (entry_count(f_shape), entry_count(x_shape))
        if function == "diag":
            self.arity(node, (1,))
            shape = self.shape(node.args[0], bound)
            if len(shape) != 1:
                raise self.fail(f"diag() takes a vector, got {describe(shape)}", node, "shape")
            return (shape[0], shape[0])
        if function == "eye":
            self.arity(node, (1,))
            argument = node.args[0]
            if isinstance(argument, ast.Name) and argument.name in self.scope.sizes:
                n: sympy.Expr = size_symbol(argument.name)
            elif isinstance(argument, ast.Number) and argument.value.denominator == 1 \
                    and argument.value > 0:
                if argument.value > limits.active().max_size:
                    raise self.fail(f"eye({argument.text}) exceeds the size limit "
                                    f"{limits.active().max_size} (--limit max_size=...)", argument, "limit")
                n = sympy.Integer(int(argument.value))
            else:
                raise self.fail("eye() takes a size or a positive integer", argument, "call")
            return (n, n)
        if function in NUMPY_ONLY:
            raise self.fail(f"{function}() exists only in numpy implementations", node, "call")
        raise self.fail(f"unknown function {function!r}", node, "call")

    def variable(self, f: ast.Node, node: ast.Node, bound: frozenset[str]) -> None:
        """The x of D(f, x): a scalar symbol or one entry of a symbol, or a defined quantity
        (a scalar definition, or an entry of a definition with index parameters) that f
        reaches the inputs through (`held_variable`)."""
        base = node.base if isinstance(node, ast.Index) else node
        name = base.name if isinstance(base, ast.Name) else None
        if isinstance(node, ast.Name) and node.name in self.scope.symbols:
            if self.scope.symbols[node.name].shape:
                raise self.fail(f"D() differentiates by a scalar: write an entry of "
                                f"{node.name!r} such as {node.name}[j]", node, "call")
            return
        if isinstance(node, ast.Index) and name in self.scope.symbols:
            self.shape(node, bound)
            return
        target = node.base if isinstance(node, ast.Index) else node
        if isinstance(target, ast.Name) and target.name in self.scope.labels:
            raise self.fail(f"{target.name!r} is a label, an integer: D() differentiates by "
                            "a real input", node, "call")
        if name is not None and name in self.scope.definitions \
                and isinstance(node, ast.Name | ast.Index):
            self.held_variable(f, node, name, bound)
            return
        raise self.fail("the second argument of D() must be an input symbol, a defined "
                        "quantity, or an entry of one", node, "call")

    def held_variable(self, f: ast.Node, node: ast.Name | ast.Index, name: str,
                      bound: frozenset[str]) -> None:
        """D(f, P[k]) for a definition P: the partial derivative of f written in terms of P,
        P held as an independent variable (the backprop convention). Well formed when P is a
        scalar or an entry of a definition with index parameters, f uses P as its
        definitions are written, and f reaches the inputs P depends on only through P
        (otherwise the partial derivative depends on how f is written: ambiguous)."""
        shape = self.entry_shape(name, node)  # `used before it is defined` first
        definition = self.scope.definitions[name]
        if isinstance(node, ast.Name) and shape:
            raise self.fail(f"D() differentiates by a scalar: write an entry of {name!r} "
                            f"such as {name}[j]", node, "call")
        if isinstance(node, ast.Index) and not definition.params:
            raise self.fail(f"D() by an entry of {name!r} needs a definition with index "
                            f"parameters ({name}[i]: ...) or a scalar one", node, "call")
        if isinstance(node, ast.Index):
            self.shape(node, bound)
        reached = used_names(self.scope, [f], held=name)
        if name not in reached:
            raise self.fail(f"D() by {name}: {unparse(f)} does not use {name} as its "
                            "definitions are written", node, "call")
        inputs = used_names(self.scope, [definition.body.node]) & set(self.scope.symbols)
        shared = sorted(reached & inputs)
        if shared:
            raise self.fail(
                f"D() by {name} is ambiguous: {unparse(f)} depends on {shared[0]!r} other than "
                f"through {name}, and {name} depends on {shared[0]!r}", node, "call")


def free_indices(node: ast.Node, scope: Scope) -> set[str]:
    """Indices that occur in `node` outside the sums that bind them."""
    if isinstance(node, ast.Name):
        return {node.name} if node.name in scope.indices else set()
    if isinstance(node, ast.Call) and node.function == "sum" and node.args:
        variable = node.args[1]
        inner = free_indices(node.args[0], scope)
        if isinstance(variable, ast.Name):
            inner.discard(variable.name)
        for limit in node.args[2:]:
            inner |= free_indices(limit, scope)
        return inner
    out: set[str] = set()
    for child in ast.children(node):
        out |= free_indices(child, scope)
    return out


def used_names(scope: Scope, nodes: list[ast.Node], held: str | None = None) -> set[str]:
    """Every declared name `nodes` use, through the definitions they mention (except
    `held`'s own body: the names reached with that quantity held as a variable)."""
    seen: set[str] = set()
    stack = list(nodes)
    while stack:
        for node in ast.walk(stack.pop()):
            if isinstance(node, ast.Name) and node.name not in seen:
                seen.add(node.name)
                if node.name in scope.definitions and node.name != held:
                    stack.append(scope.definitions[node.name].body.node)
    return seen


def used_sizes(scope: Scope, nodes: list[ast.Node]) -> list[str]:
    names = used_names(scope, nodes)
    sizes = {n for n in names if n in scope.sizes}
    sizes |= {scope.indices[n].size for n in names if n in scope.indices}
    for name in names:
        if name in scope.symbols:
            sizes |= {d for d in scope.symbols[name].shape if isinstance(d, str)}
        if name in scope.definitions:
            sizes |= {scope.indices[p].size for p in scope.definitions[name].params}
        if name in scope.labels:
            sizes |= {scope.labels[name].range, *scope.labels[name].shape}
    return sorted(sizes)


def used_labels(scope: Scope, nodes: list[ast.Node]) -> list[str]:
    """The labels `nodes` use, through the definitions they mention, sorted."""
    return sorted(n for n in used_names(scope, nodes) if n in scope.labels)


def build_scope(spec: Spec) -> Scope:
    """Check every definition, claim and step of `spec`.

    Raises:
        SpecErrors: all the errors found, located.
    """
    # the definitions' shapes are filled in below, in order: each definition may use the
    # shapes of those before it, through the read-only view the scope holds
    shapes: dict[str, Shape] = {}
    scope = Scope(
        spec,
        MappingProxyType({s.name: s for s in spec.sizes}),
        MappingProxyType({i.name: i for i in spec.indices}),
        MappingProxyType({s.name: s for s in spec.symbols}),
        MappingProxyType({d.name: d for d in spec.definitions}),
        MappingProxyType(shapes),
        labels=MappingProxyType({label.name: label for label in spec.labels}),
    )
    errors: list[SymderivError] = []
    visible: set[str] = set()
    for definition in spec.definitions:
        try:
            shapes[definition.name] = _definition_shape(scope, definition, visible)
        except SymderivError as error:
            errors.append(error)
            shapes[definition.name] = tuple(
                scope.index_size(p) for p in definition.params if p in scope.indices)
        visible.add(definition.name)
    if errors:  # a definition's problem is the file's: every check may use it
        raise SpecErrors(errors)
    broken = list(spec.broken)
    claims = []
    for claim in spec.claims:
        if not _fits(partial(_check_claim, scope, claim, visible), claim.id, "claim",
                     claim.expect, broken):
            continue
        tex = claim.tex_formula
        if tex is not None and tex is not claim.claim and not _fits(
                partial(_check_tex, scope, tex, visible), f"{claim.id}.tex", "claim",
                claim.expect, broken):
            claim = dataclasses.replace(claim, tex_formula=None)  # ID.tex is set aside
        claims.append(claim)
    derivations = [derivation for derivation in spec.derivations
                   if _fits(partial(_check_derivation, scope, derivation, visible),
                            derivation.id, "derivation", derivation.expect, broken)]
    return with_checks(scope, claims=tuple(claims), derivations=tuple(derivations),
                       broken=tuple(broken))


def with_checks(scope: Scope, **checks: Any) -> Scope:
    """`scope` with some check fields of its spec replaced (the declarations stay)."""
    return dataclasses.replace(scope, spec=dataclasses.replace(scope.spec, **checks))


def _fits(check: Callable[[], None], check_id: str, kind: str, expect: str,
          broken: list[Broken]) -> bool:
    """Whether `check` finds the item's names and shapes right; if not, it is set aside as
    a `Broken` check (its own `error`), and the file's other checks still run."""
    try:
        check()
    except SymderivError as error:
        assert error.location is not None
        broken.append(Broken(check_id, kind, expect, error.location, error.message, error.code))
        return False
    return True


def _definition_shape(scope: Scope, definition: Definition, visible: set[str]) -> Shape:
    """The shape of a definition (of its entries' index ranges, if it has parameters).

    Raises:
        SymderivError: a parameter that is not an index, a non-scalar entry, a stray index.
    """
    checker = _Checker(scope, definition.body, visible)
    for param in definition.params:
        if param in scope.labels:
            raise SymderivError(f"parameter {param!r} of {definition.name} is a label: use it "
                                f"in the body without a parameter ({definition.name}: ...)",
                                definition.location, "name")
        if param not in scope.indices:
            raise SymderivError(f"parameter {param!r} of {definition.name} is not a "
                                "declared index", definition.location, "name")
    if len(set(definition.params)) != len(definition.params):
        raise SymderivError(f"repeated parameter in {definition.name}",
                            definition.location, "name")
    body_shape = checker.shape(definition.body.node, frozenset())
    if definition.params and body_shape:
        raise checker.fail(f"the entry {definition.name}[...] must be a scalar, got "
                           f"{describe(body_shape)}", definition.body.node, "shape")
    stray = free_indices(definition.body.node, scope) - set(definition.params)
    if stray:
        raise checker.fail(
            f"index {sorted(stray)[0]!r} is free in the definition of {definition.name} "
            "but is not one of its parameters", definition.body.node, "index")
    if definition.params:
        return tuple(scope.index_size(p) for p in definition.params)
    return body_shape


def _check_equation(scope: Scope, formula: Formula, visible: set[str]) -> None:
    """Both sides of `lhs == rhs` well shaped, and of the same shape (scalars for an
    inequality)."""
    checker = _Checker(scope, formula, visible)
    node = formula.node
    assert isinstance(node, ast.Compare)
    left = checker.shape(node.left, frozenset())
    right = checker.shape(node.right, frozenset())
    if node.op != "==" and (left or right):  # an inequality *(addition)*
        side, shape = ("left", left) if left else ("right", right)
        raise checker.fail(f"an inequality compares scalars: the {side} side is "
                           f"{describe(shape)} (state it for an entry, say with an index)",
                           node, "shape")
    if not same_shape(left, right) and not (not left and not right):
        raise checker.fail(f"shape mismatch: the left side is {describe(left)}, the right "
                           f"side is {describe(right)}", node, "shape")


def _check_condition(scope: Scope, formula: Formula | None, visible: set[str]) -> None:
    if formula is not None:
        _Checker(scope, formula, visible).condition(formula.node)


def _check_claim(scope: Scope, claim: Claim, visible: set[str]) -> None:
    """The claim's own equation and `where` (its `tex`, when it has both: `_check_tex`)."""
    if claim.claim is not None:
        _check_equation(scope, claim.claim, visible)
    _check_condition(scope, claim.where, visible)


def _check_tex(scope: Scope, tex: Formula, visible: set[str]) -> None:
    if isinstance(tex.node, ast.Compare):
        _check_equation(scope, tex, visible)
    else:
        _Checker(scope, tex, visible).shape(tex.node, frozenset())


def _check_derivation(scope: Scope, derivation: Derivation, visible: set[str]) -> None:
    """Every step well shaped, each of the first step's shape."""
    step_shapes = []
    for step in derivation.steps:
        checker = _Checker(scope, step.formula, visible)
        step_shapes.append((checker.shape(step.formula.node, frozenset()), step))
    first = step_shapes[0][0]
    for shape, step in step_shapes[1:]:
        if not same_shape(first, shape):
            raise SymderivError(f"shape mismatch: this step is {describe(shape)}, the "
                                f"first is {describe(first)}", step.formula.location, "shape")
    _check_condition(scope, derivation.where, visible)
