"""Candidate chain-rule factors missing from lhs = D(f, x): D(inner, x) for an inner function,
or the derivative of a definition in f by its own input (`1 - h[i]^2`)."""

from __future__ import annotations

import itertools

import sympy

from symderiv.check.diagnosis.edits import name_node
from symderiv.check.diagnosis.inverse import solved_forms
from symderiv.check.fold import Folder, formula
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.language.printer import unparse
from symderiv.resolve.scope import ELEMENTARY, Scope, free_indices

#: Index tuples tried per definition for a chain factor D(d[...], x).
MAX_CHAIN_CANDIDATES = 16


def chain_inners(scope: Scope, lhs: ast.Node, free: list[str]) -> list[ast.Node]:
    """Inner functions of lhs = D(f, x) whose derivative may be the missing factor."""
    if not (isinstance(lhs, ast.Call) and lhs.function == "D"):
        return []
    f = lhs.args[0]
    out, seen_definitions = _inner_calls(scope, f, free)
    for name in seen_definitions:
        out += _definition_uses(scope, name, free)
    unique: list[ast.Node] = []
    for node in out:
        if node not in unique and node != f:
            unique.append(node)
    return unique


def _inner_calls(scope: Scope, f: ast.Node, free: list[str]
                 ) -> tuple[list[ast.Node], list[str]]:
    """The arguments of exp/log/sqrt and the elementary functions (tanh, sigmoid, ...) in f
    and the definitions it uses (theirs too), and those definitions in the order met."""
    out: list[ast.Node] = []
    seen_definitions: list[str] = []
    stack = [f]
    while stack:
        for node in ast.walk(stack.pop()):
            if isinstance(node, ast.Call) \
                    and node.function in ("exp", "log", "sqrt", *ELEMENTARY) \
                    and not free_indices(node.args[0], scope) - set(free):
                out.append(node.args[0])
            if isinstance(node, ast.Name) and node.name in scope.definitions \
                    and node.name not in seen_definitions:
                seen_definitions.append(node.name)
                stack.append(scope.definitions[node.name].body.node)
    return out, seen_definitions


def _definition_uses(scope: Scope, name: str, free: list[str]) -> list[ast.Node]:
    """The definition `name` as an inner function: itself when scalar, else indexed by
    free indices of its parameters' sizes (at most MAX_CHAIN_CANDIDATES tuples)."""
    definition = scope.definitions[name]
    if not definition.params:
        return [] if scope.shapes.get(name) else [name_node(name)]
    choices = [[i for i in free if scope.indices[i].size
                == scope.indices[p].size] for p in definition.params]
    return [ast.Index(0, 0, name_node(name), tuple(name_node(i) for i in index))
            for index in itertools.islice(itertools.product(*choices), MAX_CHAIN_CANDIDATES)]


def definition_derivatives(scope: Scope, lhs: ast.Node) -> list[tuple[ast.Node, str, str]]:
    """For lhs = D(f, x): each definition entry d[...] in f and each input u of its body,
    the derivative of d by u written in d itself where it can be (`1 - h[i]^2` for a tanh
    layer h over z[i]), with d's and u's text: the factor a chain rule through d needs."""
    if not (isinstance(lhs, ast.Call) and lhs.function == "D"):
        return []
    folder = Folder(scope)
    bodies = {name: (params, body) for name, params, body in folder.bodies}
    out: list[tuple[ast.Node, str, str]] = []
    for node in ast.walk(lhs.args[0]):
        base = node.base if isinstance(node, ast.Index) else node
        if not (isinstance(base, ast.Name) and base.name in bodies) or \
                isinstance(node, ast.Name) and scope.definitions[node.name].params:
            continue
        indices = node.indices if isinstance(node, ast.Index) else ()
        if not all(isinstance(i, ast.Name) and i.name in scope.indices for i in indices):
            continue
        params, body = bodies[base.name]
        mapping = dict(zip(params, (sympy.Symbol(i.name, integer=True)
                                    for i in indices if isinstance(i, ast.Name))))
        for inner in _inputs(body, set(params)):
            value = sympy.diff(body, inner).xreplace(mapping)
            # in d itself where it solves back, else with the definitions folded in
            for form in solved_forms(value, [(base.name, params, body)]) + [folder.fold(value)]:
                try:
                    out.append((parse(formula(form, scope)), unparse(node),
                                formula(inner.xreplace(mapping), scope)))
                    break
                except ValueError:  # Unprintable, or text that does not parse back
                    continue
            if len(out) >= MAX_CHAIN_CANDIDATES:
                return out
    return out


def _inputs(body: sympy.Expr, params: set[sympy.Basic]) -> list[sympy.Expr]:
    """The entries and scalars a definition body is a function of, outside any sum."""
    found: list[sympy.Expr] = []
    bases = {entry.base.label for entry in body.atoms(sympy.Indexed)}
    for atom in sorted(body.atoms(sympy.Indexed, sympy.Symbol), key=sympy.default_sort_key):
        if isinstance(atom, sympy.Indexed):
            if set().union(*(i.free_symbols for i in atom.indices)) <= params:
                found.append(atom)  # not indexed by a sum's variable
        elif not (atom in params or atom.is_integer or atom in bases):
            found.append(atom)
    return found
