"""Labels (issue 15, item 2): integer inputs that index, `labels: {y: T}` and
`labels: {c: {shape: [B], range: T}}`; exact verdicts in every layer and located errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import sympy

from symderiv.check.generic import _consistent
from symderiv.check.spec import check_scope
from symderiv.check.verdict import CheckResult
from symderiv.load.loader import load_file
from symderiv.options import Options
from symderiv.resolve.implementations import check_numpy
from symderiv.resolve.scope import build_scope, label_assignments
from tests.located import problems

SPEC = Path(__file__).parent.parent / "specs" / "labels" / "labels.yaml"


@cache
def results() -> dict[str, CheckResult]:
    scope = check_numpy(build_scope(load_file(SPEC, "labels.yaml")))
    return {r.id: r for r in check_scope(scope, Options())}


def test_the_spec_is_decided_as_written() -> None:
    """A scalar label is proved about like a free index, c[s] like an index-valued
    function of s (the case split c[s] = k or not); the slips are refuted."""
    assert {k: r.verdict.value for k, r in results().items()} == {
        "xent-derivative": "proved", "log-softmax-form": "proved", "one-hot": "proved", "gradient": "proved",
        "gradient-dropped-delta": "refuted", "at-the-class": "proved",
        "batch-gradient": "proved", "batch-gradient-at-the-class": "proved",
        "batch-gradient-elsewhere": "proved", "batch-gradient-elsewhere-slip": "refuted",
        "batch-gradient-missing-mean": "refuted",
        "batch-one-hot": "proved", "label-outside-the-sum": "refuted",
        "label-inside-the-sum": "proved", "shared-classes": "refuted", "one-sample": "proved",
        "partial-sum": "refuted",
        "L.stable": "consistent", "L.lse": "consistent", "L.lost_minus": "refuted",
        "M.stable": "consistent", "M.missing_mean": "refuted",
        "one-example": "verified", "a-batch": "verified"}


@pytest.mark.parametrize(("check", "at"), [
    ("gradient-dropped-delta", "N = 1, T = 2, y = 1, i = 2, j = 1"),
    ("batch-gradient-missing-mean", "B = 2, T = 2, c[1] = 1, c[2] = 1, k = 1, r = 1"),
    ("label-outside-the-sum", "N = 1, T = 2, y = 2"),
    ("shared-classes", "B = 2, T = 1, c[1] = 1, c[2] = 1, b = 1, r = 2"),
])
def test_a_counterexample_names_the_labels_values(check: str, at: str) -> None:
    assert results()[check].message == f"fails at {at}"


def test_every_label_value_is_enumerated() -> None:
    """At B = 2, T = 3: c takes 3² values, y 3; each assignment once."""
    scope = build_scope(load_file(SPEC, "labels.yaml"))
    found = label_assignments(scope, ["c", "y"], {"B": 2, "T": 3})
    assert len(found) == 27
    assert found[0] == {"c[1]": 1, "c[2]": 1, "y": 1}
    assert found[-1] == {"c[1]": 3, "c[2]": 3, "y": 3}
    assert len({tuple(sorted(a.items())) for a in found}) == 27


def test_a_pattern_where_equal_samples_have_different_labels_is_skipped() -> None:
    """c[r] ≠ c[b] with r = b: no assignment has it, so the proof does not need it."""
    r, b, k = sympy.symbols("r b k", integer=True)
    c = sympy.IndexedBase("c", integer=True, positive=True)
    apart = [[r, b], [c[r]], [c[b]]]
    mapping = {member: group[0] for group in apart for member in group}
    assert not _consistent(apart, mapping)
    together = [[r, b], [c[r], c[b]]]
    assert _consistent(together, {member: group[0] for group in together for member in group})
    different = [[r], [b], [c[r]], [c[b]]]
    assert _consistent(different, {member: group[0] for group in different for member in group})


HEADER = """title: t
sizes: {T: [2], B: [2], N: [3]}
indices: {k: T, b: B, n: N}
symbols: {X: [B, T], x: [N]}
labels:
  y: T
  c: {shape: [B], range: T}
"""


@pytest.mark.parametrize(("body", "line", "column", "message", "code"), [
    ("define:\n  L: X[1, c]\n", 9, 11,
     "'c' is one label per entry of B: write c[...] for one of them", "index"),
    ("define:\n  L: X[1, c[1, 2]]\n", 9, 11,
     "wrong number of indices: label c takes 1, got 2", "index"),
    ("define:\n  L: X[1, y[1]]\n", 9, 11,
     "wrong number of indices: label y takes 0, got 1", "index"),
    ("define:\n  L: X[b, c[b]]\n", 9, 6,
     "index 'b' is free in the definition of L but is not one of its parameters", "index"),
    ("define:\n  L: sum(X[b, c[b]], b)\nclaims:\n  - id: d\n    claim: D(L, c[1]) == 0\n",
     12, 17, "'c' is a label, an integer: D() differentiates by a real input", "call"),
    ("define:\n  L: sum(X[1, k], y)\n", 9, 19,
     "'y' is a label, whose value is given: a sum runs over a declared index", "sum"),
    ("define:\n  L[y]: X[1, y]\n", 9, 3,
     "parameter 'y' of L is a label: use it in the body without a parameter (L: ...)", "name"),
    ("define:\n  L: X[1, y]\nnumpy:\n  L: X[0, y]\n", 11, 6,
     "indexing is not available in numpy expressions: they compute the whole array (write "
     "exp(a), not exp(a[i])); only labels and arange() index, as in P[arange(B), c]",
     "numpy"),
    ("define:\n  L: x[y]\nnumpy:\n  L: X[arange(N), y]\n", 11, 8,
     "index out of bounds for an axis of length 2 (at B = 2, N = 3, T = 2)", "shape"),
    ("define:\n  L: x[y]\nnumpy:\n  L: x[y, y]\n", 11, 6,
     "2 indices for an array of shape (3,) (at B = 2, N = 3, T = 2)", "shape"),
    ("define:\n  L: X[1, y]\nnumpy:\n  L: sum(X[arange(x), y])\n", 11, 19,
     "arange() takes a size or a positive integer", "call"),
    ("define:\n  L: X[1, y]\nexamples:\n  - id: e\n    given: {X: [[1, 2], [3, 4]], y: 3}\n"
     "    expect: {L: 1}\n", 11, 5, "example e: label y takes the values 1..T = 1..2, not 3",
     "example"),
    ("define:\n  L: X[1, y]\nexamples:\n  - id: e\n    given: {X: [[1, 2], [3, 4]], y: 1.5}\n"
     "    expect: {L: 1}\n", 11, 5, "example e: label y takes the values 1..T = 1..2, not 1.5",
     "example"),
    ("define:\n  L: X[1, y]\nexamples:\n  - id: e\n    given: {X: [[1, 2], [3, 4]], y: [1]}\n"
     "    expect: {L: 1}\n", 11, 5, "example e: label y is one integer", "example"),
    ("define:\n  L: X[1, c[1]]\nexamples:\n  - id: e\n    given: {X: [[1, 2], [3, 4]], c: 1}\n"
     "    expect: {L: 1}\n", 11, 5, "example e: label c is a list of integers", "example"),
    ("define:\n  L: X[1, c[1]]\nexamples:\n  - id: e\n"
     "    given: {X: [[1, 2], [3, 4]], c: [1, 2, 1]}\n    expect: {L: 1}\n", 11, 5,
     "example e: label c gives B = 3, but another input gives B = 2", "example"),
    ("define:\n  L: x[1] + y\nexamples:\n  - id: e\n    given: {x: [1, 2, 3], y: 1}\n"
     "    expect: {L: 1}\n", 11, 5,
     "example e: the given inputs do not fix the size T, the range of label y", "example"),
    ("define:\n  L: X[1, y]\nexamples:\n  - id: e\n    given: {X: [[1, 2], [3, 4]]}\n"
     "    expect: {L: 1}\n", 11, 5, "example e: L needs the input 'y' in 'given'", "example"),
])
def test_located_errors(body: str, line: int, column: int, message: str, code: str) -> None:
    """Each at its exact line:column, the file's or its check's error."""
    found = problems(text=HEADER + body)
    assert [(p.location.line, p.location.column, p.message, p.code) for p in found] == [
        (line, column, message, code)]


@pytest.mark.parametrize(("labels", "line", "column", "message", "code"), [
    ("  c: {shape: [B]}\n", 6, 6, "label c needs a 'range': the size whose values 1..size it "
     "takes", "key"),
    ("  c: {shape: [B, T], range: T}\n", 6, 14, "label c has shape ['B', 'T']; a label is one "
     "number ([]) or one per entry of a size ([B])", "shape"),
    ("  c: {shape: [2], range: T}\n", 6, 14, "label c has shape [2]; a label is one number "
     "([]) or one per entry of a size ([B])", "shape"),
    ("  y: Q\n", 6, 6, "label y takes the values of 'Q', which is not a declared size",
     "name"),
    ("  x: T\n", 6, 3, "'x' is already declared at line 4", "duplicate"),
    ("  sum: T\n", 6, 3, "'sum' is a reserved word and cannot be declared", "reserved"),
])
def test_declaration_errors(labels: str, line: int, column: int, message: str,
                            code: str) -> None:
    text = HEADER.split("labels:\n")[0] + "labels:\n" + labels
    found = problems(text=text)
    assert [(p.location.line, p.location.column, p.message, p.code) for p in found] == [
        (line, column, message, code)]


def test_a_label_entry_is_bounded_by_its_range_only() -> None:
    """1 ≤ c[b] ≤ T is decided; c[b] ≤ T − 1 and c[b] ≤ N (another size) are not."""
    from symderiv.resolve.normalize import decide
    from symderiv.resolve.symbolic import SympyBuilder

    builder = SympyBuilder(build_scope(load_file(SPEC, "labels.yaml")))
    ranges = builder.ranges()
    entry = builder.label_base("c")[builder.index_symbols["b"]]
    T, N = sympy.Symbol("T", integer=True, positive=True), sympy.Symbol(
        "N", integer=True, positive=True)
    assert decide(sympy.And(sympy.Le(1, entry), sympy.Le(entry, T)), ranges) is True
    assert decide(sympy.Le(entry, T - 1), ranges) is None
    assert decide(sympy.Le(entry, N), ranges) is None
    assert decide(sympy.Eq(entry, T + 1), ranges) is False


def test_too_many_label_assignments_are_each_checks_error() -> None:
    """c of B = 5 entries over T = 2 classes has 32 assignments: over a limit of 16 the claim
    and the implementation are `error`, named with the limit; nothing is enumerated."""
    from symderiv import limits
    from symderiv.load.loader import load_text

    text = ("title: t\nsizes: {B: [5], T: [2]}\nindices: {b: B, k: T}\nsymbols: {X: [B, T]}\n"
            "labels: {c: {shape: [B], range: T}}\ndefine:\n  M: sum(X[b, c[b]], b)\n"
            "numpy:\n  M: sum(X[arange(B), c])\n"
            "claims:\n  - id: c\n    claim: M == sum(sum(delta(k, c[b]) * X[b, k], k), b)\n")
    message = ("the label c has 32 assignments at B = 5, T = 2, more than 16 "
               "(--limit max_label_assignments=...)")
    options = Options(limits=limits.Limits(max_label_assignments=16))
    with limits.using(options.limits):
        scope = check_numpy(build_scope(load_text("t.yaml", text)))
        found = {r.id: (r.verdict.value, r.message) for r in check_scope(scope, options)}
    assert found == {"c": ("error", message), "M.numpy": ("error", message)}
    with limits.using(Options().limits):
        scope = check_numpy(build_scope(load_text("t.yaml", text)))
        assert {r.id: r.verdict.value for r in check_scope(scope, Options())} == {
            "c": "proved", "M.numpy": "consistent"}


def test_a_label_that_can_overrun_an_axis_is_located() -> None:
    """y of N = 3 classes indexing an axis of T = 2: out of bounds at y's largest value."""
    text = ("title: t\nsizes: {T: [2], N: [3]}\nindices: {t: T}\nsymbols: {a: [T]}\n"
            "labels: {y: N}\ndefine:\n  L: sum(a[t], t) + y\nnumpy:\n  L: a[y]\n")
    found = [(p.location.line, p.location.column, p.message, p.code)
             for p in problems(text=text)]
    assert found == [(9, 8, "index out of bounds for an axis of length 2 (at N = 3, T = 2; "
                            "every label at its largest value)", "shape")]
