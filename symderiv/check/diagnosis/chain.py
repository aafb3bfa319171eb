"""Candidate inner functions for a missing chain-rule factor of lhs = D(f, x)."""

from __future__ import annotations

import itertools

from symderiv.check.diagnosis.edits import name_node
from symderiv.language import ast
from symderiv.resolve.scope import Scope, free_indices

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
    """The arguments of exp/log/sqrt in f and the definitions it uses (theirs too), and
    those definitions in the order met."""
    out: list[ast.Node] = []
    seen_definitions: list[str] = []
    stack = [f]
    while stack:
        for node in ast.walk(stack.pop()):
            if isinstance(node, ast.Call) and node.function in ("exp", "log", "sqrt") \
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
