"""The formula grammar: every construct, precedence, and located syntax errors."""

from __future__ import annotations

from fractions import Fraction

import pytest

from symderiv.errors import FormulaError
from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.limits import DEFAULT


def show(node: ast.Node) -> str:
    """A compact prefix rendering of a tree, to compare shapes exactly."""
    if isinstance(node, ast.Number):
        return str(node.value)
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.Index):
        return f"{show(node.base)}[{', '.join(show(i) for i in node.indices)}]"
    if isinstance(node, ast.Call):
        return f"{node.function}({', '.join(show(a) for a in node.args)})"
    if isinstance(node, ast.Transpose):
        return f"T({show(node.operand)})"
    if isinstance(node, ast.Neg):
        return f"neg({show(node.operand)})"
    if isinstance(node, ast.BinOp | ast.Compare):
        return f"({show(node.left)} {node.op} {show(node.right)})"
    if isinstance(node, ast.BoolOp):
        if node.right is None:
            return f"not({show(node.left)})"
        return f"({show(node.left)} {node.op} {show(node.right)})"
    raise AssertionError(node)


@pytest.mark.parametrize(("text", "tree"), [
    ("a[i]", "a[i]"),
    ("W[i, j]", "W[i, j]"),
    ("J[t, (i - 1) * N + j]", "J[t, (((i - 1) * N) + j)]"),
    ("sum(exp(a[k]), k)", "sum(exp(a[k]), k)"),
    ("sum(a[k], k, 1, N)", "sum(a[k], k, 1, N)"),
    ("delta(i, j)", "delta(i, j)"),
    ("D(S[i], a[j])", "D(S[i], a[j])"),
    ("jacobian(g, W)", "jacobian(g, W)"),
    ("diag(S) - S @ S.T", "(diag(S) - (S @ T(S)))"),
    ("eye(N)", "eye(N)"),
    ("log(x) + sqrt(y)", "(log(x) + sqrt(y))"),
    ("x^2", "(x ^ 2)"),
    ("x**2", "(x ^ 2)"),
    ("2^3^2", "(2 ^ (3 ^ 2))"),
    ("-x^2", "neg((x ^ 2))"),
    ("2^-1", "(2 ^ neg(1))"),
    ("a - b - c", "((a - b) - c)"),
    ("a / b * c", "((a / b) * c)"),
    ("a + b * c", "(a + (b * c))"),
    ("+x", "x"),
    ("i == j and not k < 2 or i >= j", "(((i == j) and not((k < 2))) or (i >= j))"),
    ("x != y", "(x != y)"),
    ("1e-3", "1/1000"),
    ("0.5", "1/2"),
    (".25", "1/4"),
])
def test_constructs(text: str, tree: str) -> None:
    """Each construct of the contract parses into the expected tree."""
    assert show(parse(text)) == tree


def test_numbers_are_exact() -> None:
    """Decimals become exact fractions and keep their text."""
    node = parse("0.1")
    assert isinstance(node, ast.Number)
    assert node.value == Fraction(1, 10) and node.text == "0.1"


def test_spans() -> None:
    """Nodes know their character span."""
    node = parse("x + foo[i]")
    assert isinstance(node, ast.BinOp)
    assert (node.right.start, node.right.end) == (4, 10)


@pytest.mark.parametrize(("text", "offset", "message"), [
    ("x +", 3, "formula ends too early"),
    ("(x + ) == x", 5, "unexpected ')'"),
    ("x $ y", 2, "unexpected character '$'"),
    ("__import__('os')", 0, "unexpected character '_'"),
    ("().__class__", 1, "unexpected ')'"),
    ("lambda: 1", 6, "unexpected character ':'"),
    ("a.shape", 2, "attribute access '.shape' is not allowed"),
    ("f(x)(y)", 4, "unexpected '('"),
    ("x[1:2]", 3, "unexpected character ':'"),
    ("[x for x in y]", 0, "unexpected '['"),
    ("'text'", 0, "unexpected character \"'\""),
    ("αβ", 0, "unexpected character 'α'"),
    ("", 0, "empty formula"),
])
def test_errors_are_located(text: str, offset: int, message: str) -> None:
    """A syntax error names the offending character's offset."""
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert caught.value.offset == offset
    assert message in caught.value.message


def test_nesting_limit() -> None:
    """1,000 nested parentheses are refused before parsing, at the first one too deep."""
    with pytest.raises(FormulaError) as caught:
        parse("(" * 1_000 + "x" + ")" * 1_000)
    assert caught.value.offset == DEFAULT.max_nesting
    assert caught.value.code == "limit"
