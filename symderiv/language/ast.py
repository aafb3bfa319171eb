"""Nodes of a parsed formula. Every node knows its character span in the formula text."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

#: The meaning of `+ - * /` on any numbers (ints, Fractions, sympy expressions).
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
}


@dataclass(frozen=True, slots=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: Fraction
    text: str


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """`base[i, j]`: an entry of a symbol, a definition or a matrix-valued expression."""

    base: Node
    indices: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Keyword(Node):
    """`axis=1` in a call: keyword arguments exist only in numpy implementations."""

    name: str
    value: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]
    keywords: tuple[Keyword, ...] = ()


@dataclass(frozen=True, slots=True)
class Transpose(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """`+ - * / ^ @` (`**` is read as `^`)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """`== != < <= > >=`."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """`and`, `or`, `not` (for `not`, `right` is None)."""

    op: str
    left: Node
    right: Node | None


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of `node`, in source order."""
    if isinstance(node, Index):
        return (node.base, *node.indices)
    if isinstance(node, Call):
        return (*node.args, *node.keywords)
    if isinstance(node, Keyword):
        return (node.value,)
    if isinstance(node, Transpose | Neg):
        return (node.operand,)
    if isinstance(node, BinOp | Compare):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return (node.left,) if node.right is None else (node.left, node.right)
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children (iterative: trees may be deep)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out
