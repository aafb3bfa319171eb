"""The other layout of a right side: transposed, or a flat position in the other major order."""

from __future__ import annotations

from fractions import Fraction

from symderiv.check.diagnosis.edits import name_node, number_node, replace_node, times
from symderiv.check.evaluate import EvaluationError, Evaluator, Tensor
from symderiv.language import ast
from symderiv.numbers.domains import ModularDomain, Undefined
from symderiv.resolve.scope import Scope, free_indices


def layouts(scope: Scope, prime: int, node: ast.Node) -> list[ast.Node]:
    """`node` transposed (when matrix-valued) and with flat positions in the other order."""
    out: list[ast.Node] = []
    try:
        sizes = {n: 2 for n in scope.sizes}
        value = Evaluator(scope, sizes, ModularDomain(1, prime)).value(
            node, {i: 1 for i in free_indices(node, scope)})
        if isinstance(value, Tensor) and len(value.shape) == 2:
            out.append(node.operand if isinstance(node, ast.Transpose)
                       else ast.Transpose(0, 0, node))
    except (EvaluationError, Undefined, KeyError):
        pass
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Index):
            continue
        for position in sub.indices:
            other = other_major(scope, position)
            if other is not None:
                out.append(replace_node(node, position, other))
    return out


def other_major(scope: Scope, node: ast.Node) -> ast.Node | None:
    """(a − 1)·X + b  ->  (b − 1)·size(a) + a: the same entry in the other order."""
    if not (isinstance(node, ast.BinOp) and node.op == "+"
            and isinstance(node.left, ast.BinOp) and node.left.op == "*"
            and isinstance(node.left.left, ast.BinOp) and node.left.left.op == "-"
            and isinstance(node.left.left.left, ast.Name)
            and isinstance(node.right, ast.Name)):
        return None
    a, b = node.left.left.left.name, node.right.name
    if a not in scope.indices or b not in scope.indices:
        return None
    size_a = scope.indices[a].size
    one = number_node(Fraction(1))
    return ast.BinOp(0, 0, "+", times(ast.BinOp(0, 0, "-", name_node(b), one),
                                      name_node(size_a)), name_node(a))
