"""AST -> formula text that `parser.parse` reads back to the same tree (minimal parentheses)."""

from __future__ import annotations

from symderiv.language import ast

#: Binding strength, loose to tight, as in grammar.lark.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _POWER, _POSTFIX = range(9)
_BINARY = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "@": _PRODUCT, "^": _POWER}


def precedence(node: ast.Node) -> int:
    if isinstance(node, ast.BinOp):
        return _BINARY[node.op]
    if isinstance(node, ast.Neg):
        return _UNARY
    if isinstance(node, ast.Compare):
        return _COMPARE
    if isinstance(node, ast.BoolOp):
        return {"or": _OR, "and": _AND, "not": _NOT}[node.op]
    if isinstance(node, ast.Number) and node.value.denominator != 1:
        return _PRODUCT  # printed as p/q
    if isinstance(node, ast.Number) and node.value < 0:
        return _UNARY
    return _POSTFIX


def _wrap(node: ast.Node, minimum: int) -> str:
    text = unparse(node)
    return f"({text})" if precedence(node) < minimum else text


def unparse(node: ast.Node) -> str:
    """The formula text of `node`."""
    if isinstance(node, ast.Number):
        value = node.value
        if value.denominator == 1:
            return str(value.numerator)
        return f"{value.numerator}/{value.denominator}" if value > 0 else \
            f"-{-value.numerator}/{value.denominator}"
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.Index):
        indices = ", ".join(unparse(i) for i in node.indices)
        return f"{_wrap(node.base, _POSTFIX)}[{indices}]"
    if isinstance(node, ast.Call):
        return f"{node.function}({', '.join(unparse(a) for a in (*node.args, *node.keywords))})"
    if isinstance(node, ast.Keyword):
        return f"{node.name}={unparse(node.value)}"
    if isinstance(node, ast.Transpose):
        return f"{_wrap(node.operand, _POSTFIX)}.T"
    if isinstance(node, ast.Neg):
        return f"-{_wrap(node.operand, _UNARY)}"
    if isinstance(node, ast.BinOp):
        strength = _BINARY[node.op]
        if node.op == "^":  # right-associative; the exponent is a unary
            return f"{_wrap(node.left, _POSTFIX)}^{_wrap(node.right, _UNARY)}"
        left = _wrap(node.left, strength)
        right = _wrap(node.right, strength + 1)
        return f"{left} {node.op} {right}"
    if isinstance(node, ast.Compare):
        return f"{_wrap(node.left, _SUM)} {node.op} {_wrap(node.right, _SUM)}"
    if isinstance(node, ast.BoolOp):
        if node.op == "not":
            return f"not {_wrap(node.left, _NOT)}"
        assert node.right is not None
        strength = _AND if node.op == "and" else _OR
        return f"{_wrap(node.left, strength)} {node.op} {_wrap(node.right, strength + 1)}"
    raise TypeError(f"cannot print {type(node).__name__}")
