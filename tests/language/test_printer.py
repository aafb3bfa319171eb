"""The formula printer: AST -> text that parses back to the same tree."""

from __future__ import annotations

from fractions import Fraction

import pytest

from symderiv.language import ast
from symderiv.language.parser import parse
from symderiv.language.printer import unparse

ROUND_TRIPS = [
    "S[i] * (delta(i, j) - S[j])",
    "a - (b - c)",
    "a - b - c",
    "a / (b * c)",
    "a / b * c",
    "-x^2",
    "(-x)^2",
    "x^y^z",
    "(x^y)^z",
    "2^-1",
    "exp(a[i]) / sum(exp(a[k]), k)^2",
    "Dg[t, (i - 1) * N + j]",
    "(diag(S) - S @ S.T).T",
    "jacobian(P, W) == DS @ Dg",
    "i == j and not k != j or i < 2",
    "-S[i] * S[j]",
    "sum(x[k], k, 2, N - 1)",
]


def same_tree(left: ast.Node, right: ast.Node) -> bool:
    """Equal up to character offsets."""
    return unparse(left) == unparse(right) and type(left) is type(right) and all(
        same_tree(a, b) for a, b in zip(ast.children(left), ast.children(right)))


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_round_trip(text: str) -> None:
    """unparse(parse(text)) is the text itself, with minimal parentheses."""
    assert unparse(parse(text)) == text


@pytest.mark.parametrize("text", ["((a))", "a*b", "(a + b) + c", "a ** 2", "+a"])
def test_redundant_syntax_is_normalised(text: str) -> None:
    """Extra parentheses and spellings print canonically and parse to the same tree."""
    printed = unparse(parse(text))
    assert same_tree(parse(printed), parse(text))
    assert printed == {"((a))": "a", "a*b": "a * b", "(a + b) + c": "a + b + c",
                       "a ** 2": "a^2", "+a": "a"}[text]


def test_built_nodes_get_parentheses() -> None:
    """Trees built in code (no source text) get the parentheses their structure needs."""
    half = ast.Number(0, 0, Fraction(1, 2), "0.5")
    node = ast.BinOp(0, 0, "^", ast.Name(0, 0, "x"), half)
    assert unparse(node) == "x^(1/2)"
    negative = ast.BinOp(0, 0, "*", ast.Neg(0, 0, ast.Name(0, 0, "a")),
                         ast.BinOp(0, 0, "+", ast.Name(0, 0, "b"), ast.Name(0, 0, "c")))
    assert unparse(negative) == "-a * (b + c)"
    assert same_tree(parse(unparse(negative)), negative)
