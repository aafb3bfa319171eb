"""Batched numpy (issue 15, item 5): `axis=` and `keepdims=` on the reductions, `mean`,
`logaddexp`, `where`, `clip`; exact verdicts of a batched spec and located errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from symderiv.check.spec import check_scope
from symderiv.language.parser import parse
from symderiv.language.printer import unparse
from symderiv.load.loader import load_file
from symderiv.numbers.numpy_eval import NumpyEvaluator
from symderiv.options import Options
from symderiv.resolve.implementations import check_numpy
from symderiv.resolve.scope import build_scope
from symderiv.errors import FormulaError
from tests.located import problems

SPEC = Path(__file__).parent.parent / "specs" / "batched" / "batched.yaml"


@cache
def verdicts() -> dict[str, str]:
    scope = check_numpy(build_scope(load_file(SPEC, "batched.yaml")))
    return {r.id: r.verdict.value for r in check_scope(scope, Options())}


def test_the_batched_spec_is_decided_as_written() -> None:
    """The stable forms hold, the wrong axis and the missing 1/B are refuted, an axis the
    array lacks (or a result of the wrong shape) is that implementation's error."""
    assert verdicts() == {
        "rows-sum-to-one": "proved", "loss-gradient": "proved",
        "loss-gradient-without-mean": "refuted",
        "P.stable": "consistent", "P.wrong_axis": "refuted", "P.negative_axis": "consistent",
        "P.no_keepdims": "error", "P.no_such_axis": "error",
        "L.stable": "consistent", "L.by_logaddexp": "consistent", "L.by_where": "consistent",
        "L.clipped": "consistent", "L.missing_mean": "refuted",
        "m.rows": "consistent", "m.columns": "error",
        "two-samples": "verified", "large-logits": "verified"}


def test_the_shape_errors_are_located() -> None:
    """A wrong axis is found before anything runs, at the keyword or the formula."""
    found = [(p.check, p.location.line, p.location.column, p.message) for p in problems(SPEC)]
    assert found == [
        ("P.no_keepdims", 27, 18, "P.no_keepdims returns shape (2, 2) but P has shape (2, 1) "
                                  "(at B = 2, T = 1)"),
        ("P.no_such_axis", 29, 40, "axis 2 is out of bounds for sum() of an array with 2 "
                                   "axes (at B = 1, T = 1)"),
        ("m.columns", 40, 14, "m.columns returns shape (2,) but m has shape (1,) "
                              "(at B = 1, T = 2)")]


X = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]])  # one point, a 2×3 matrix


@pytest.mark.parametrize(("formula", "expected"), [
    ("sum(X, axis=1)", X.sum(axis=2)),
    ("sum(X, axis=0, keepdims=True)", X.sum(axis=1, keepdims=True)),
    ("sum(X, axis=-2)", X.sum(axis=1)),
    ("sum(X, keepdims=True)", X.sum(axis=(1, 2), keepdims=True)),
    ("sum(X, axis=1, keepdims=False)", X.sum(axis=2)),
    ("max(X, axis=1, keepdims=True)", X.max(axis=2, keepdims=True)),
    ("min(X, axis=0)", X.min(axis=1)),
    ("mean(X)", X.mean(axis=(1, 2))),
    ("mean(X, axis=0)", X.mean(axis=1)),
    ("logaddexp(X, 0)", np.logaddexp(X, 0)),
    ("logaddexp(0, 1000 * X)", np.logaddexp(0, 1000 * X)),
    ("where(X > 2, X, 0)", np.where(X > 2, X, 0)),
    ("where(X == 5, 1, 2 * X)", np.where(X == 5, 1, 2 * X)),
    ("clip(X, 2, 4)", np.clip(X, 2, 4)),
])
def test_each_batched_function_is_numpys(formula: str, expected: np.ndarray) -> None:
    value = NumpyEvaluator({"X": X}, {}).value(parse(formula)).data
    assert value.shape == expected.shape
    assert np.allclose(value, expected, rtol=1e-15, atol=0)


def test_keyword_arguments_print_back() -> None:
    assert unparse(parse("max(x, axis=-1, keepdims=True)")) == "max(x, axis=-1, keepdims=True)"


@pytest.mark.parametrize(("formula", "column", "message"), [
    ("sum(x, axis=1, a)", 15, "a positional argument cannot follow a keyword argument"),
    ("sum(x, axis=1, axis=0)", 15, "keyword argument 'axis' is repeated"),
    ("a[i=1]", 2, "an index position cannot be a keyword argument ('=')"),
    ("x - x.max(axis=1, keepdims=True)", 6, "method calls (.max(...)) are not part of the "
     "language; numpy's reductions are written as calls: max(x, axis=1, keepdims=True)"),
])
def test_keyword_syntax_errors(formula: str, column: int, message: str) -> None:
    with pytest.raises(FormulaError) as raised:
        parse(formula)
    assert raised.value.message == message
    assert raised.value.offset == column


HEADER = """title: t
sizes: {B: [2], T: [3]}
indices: {s: B, k: T}
symbols: {X: [B, T], z: [B]}
define:
  L: sum(z[s], s)
  P[s, k]: X[s, k]
"""


@pytest.mark.parametrize(("body", "line", "column", "message", "code"), [
    ("numpy:\n  L: sum(z, axis=zz)\n", 9, 18,
     "axis= is an integer, such as axis=1 or axis=-1", "call"),
    ("numpy:\n  L: sum(z, keepdims=1)\n", 9, 22, "keepdims= is True or False", "call"),
    ("numpy:\n  L: sum(exp(z, axis=0))\n", 9, 17,
     "exp() takes no keyword arguments; axis= is not one", "call"),
    ("numpy:\n  L: sum(z, out=z)\n", 9, 13,
     "sum() takes only axis= and keepdims=; out= is not one", "call"),
    ("numpy:\n  L: sum(max(z, z, axis=0))\n", 9, 20,
     "axis= is for max() of one array", "call"),
    ("numpy:\n  L: sum(where(z, z, 0))\n", 9, 16,
     "where()'s first argument is a comparison, such as x > 0", "call"),
    ("numpy:\n  L: sum(z > 0)\n", 9, 10,
     "a comparison is not a numpy value (only where()'s condition is one)", "numpy"),
    ("numpy:\n  P: where(X > 0, X, z)\n", 9, 6,
     "shapes (2, 3) and (2, 3) and (2,) do not broadcast in where() (at B = 2, T = 3)",
     "shape"),
    ("numpy:\n  P: clip(X, z, 1)\n", 9, 6,
     "shapes (2, 3) and (2,) and () do not broadcast in clip() (at B = 2, T = 3)", "shape"),
    ("numpy:\n  L: sum(logaddexp(X, z))\n", 9, 10,
     "shapes (2, 3) and (2,) do not broadcast in logaddexp() (at B = 2, T = 3)", "shape"),
    ("numpy:\n  L: mean(z, axis=1)\n", 9, 14,
     "axis 1 is out of bounds for mean() of an array with 1 axis (at B = 2, T = 3)",
     "shape"),
    ("claims:\n  - id: c\n    claim: L == sum(z, axis=0)\n", 10, 24,
     "keyword arguments (axis=...) exist only in numpy implementations", "call"),
])
def test_located_errors(body: str, line: int, column: int, message: str, code: str) -> None:
    """Each is its check's error, at the exact line:column."""
    found = problems(text=HEADER + body)
    assert [(p.location.line, p.location.column, p.message, p.code) for p in found] == [
        (line, column, message, code)]
