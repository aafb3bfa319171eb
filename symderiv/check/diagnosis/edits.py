"""AST surgery: rebuild, replace one node, build small nodes, negate, split into terms.

Pure functions of formula trees; they know nothing of scopes, sizes or the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from fractions import Fraction
from typing import Any

from symderiv.language import ast


def rebuild(node: ast.Node, function: Callable[[ast.Node], ast.Node]) -> ast.Node:
    """`node` with `function` applied to every sub-node, children first."""
    changes: dict[str, Any] = {}
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, ast.Node):
            changes[item.name] = rebuild(value, function)
        elif isinstance(value, tuple) and value and isinstance(value[0], ast.Node):
            changes[item.name] = tuple(rebuild(v, function) for v in value)
    return function(replace(node, **changes) if changes else node)


def substituting(names: dict[str, ast.Node]) -> Callable[[ast.Node], ast.Node]:
    """A `rebuild` step writing `names[n]` for every name n it maps (indices or symbols)."""
    def substitute(node: ast.Node) -> ast.Node:
        return names[node.name] if isinstance(node, ast.Name) and node.name in names else node
    return substitute


def replace_node(root: ast.Node, target: ast.Node, new: ast.Node) -> ast.Node:
    """`root` with the one sub-node that *is* `target` replaced by `new`."""
    if root is target:
        return new
    changes: dict[str, Any] = {}
    for item in fields(root):
        value = getattr(root, item.name)
        if isinstance(value, ast.Node):
            changed = replace_node(value, target, new)
            if changed is not value:
                changes[item.name] = changed
        elif isinstance(value, tuple) and value and isinstance(value[0], ast.Node):
            parts = tuple(replace_node(v, target, new) for v in value)
            if any(a is not b for a, b in zip(parts, value)):
                changes[item.name] = parts
    return replace(root, **changes) if changes else root


def name_node(text: str) -> ast.Name:
    """The name `text` as a formula node."""
    return ast.Name(0, 0, text)


def number_node(value: Fraction) -> ast.Node:
    """The rational `value` as a formula node (a negative one under a minus)."""
    if value < 0:
        return ast.Neg(0, 0, number_node(-value))
    return ast.Number(0, 0, value, str(value))


def times(left: ast.Node, right: ast.Node) -> ast.Node:
    """left * right."""
    return ast.BinOp(0, 0, "*", left, right)


def delta(a: str, b: str) -> ast.Node:
    """delta(a, b), the Kronecker delta of two indices."""
    return ast.Call(0, 0, "delta", (name_node(a), name_node(b)))


def negate(node: ast.Node) -> ast.Node:
    """−node, written the way a teacher would: flip a difference rather than add a minus."""
    if isinstance(node, ast.Neg):
        return node.operand
    if isinstance(node, ast.Number):
        return number_node(-node.value)
    if isinstance(node, ast.BinOp) and node.op == "-":
        return ast.BinOp(0, 0, "-", node.right, node.left)
    if isinstance(node, ast.BinOp) and node.op in "*/":
        for side in ("right", "left"):
            part = getattr(node, side)
            if isinstance(part, ast.Neg) or (isinstance(part, ast.BinOp) and part.op == "-"):
                negated: dict[str, Any] = {side: negate(part)}
                return replace(node, **negated)
        return replace(node, left=negate(node.left))  # -a * b rather than -(a * b)
    return ast.Neg(0, 0, node)


def terms(node: ast.Node) -> list[tuple[int, ast.Node]]:
    """The top-level additive terms of `node` with their signs (+1 / −1)."""
    if isinstance(node, ast.BinOp) and node.op in "+-":
        right_sign = 1 if node.op == "+" else -1
        return terms(node.left) + [(right_sign * s, t) for s, t in terms(node.right)]
    if isinstance(node, ast.Neg):
        return [(-s, t) for s, t in terms(node.operand)]
    return [(1, node)]


def from_terms(parts: list[tuple[int, ast.Node]]) -> ast.Node:
    """The sum of signed terms, as `terms` splits it (the first term negated if need be)."""
    sign, first = parts[0]
    result = first if sign > 0 else negate(first)
    for sign, term in parts[1:]:
        result = ast.BinOp(0, 0, "+" if sign > 0 else "-", result, term)
    return result


def value_positions(node: ast.Node) -> list[ast.Node]:
    """Sub-nodes in value position (not index arithmetic, not sum variables or bounds)."""
    out: list[ast.Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, ast.Index):
            stack.append(current.base)
        elif isinstance(current, ast.Call) and current.function in ("sum", "D", "jacobian"):
            stack.append(current.args[0])
        elif isinstance(current, ast.Call) and current.function == "delta":
            continue
        else:
            stack.extend(ast.children(current))
    return out
