"""Every load error is one located line: data-driven from tests/specs/bad/*.yaml."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from located import problems

from symderiv.resolve.scope import build_scope
from symderiv.load.loader import load_text
from symderiv.load.model import Value

BAD = sorted((Path(__file__).parent.parent / "specs" / "bad").glob("*.yaml"))
HEADER = re.compile(r"# error: (\d+):(\d+): (.*)")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_spec_reports_located_error(path: Path) -> None:
    """The first error is at the line:column and with the text the file's header names."""
    expected = HEADER.match(path.read_text("utf-8").splitlines()[0])
    assert expected, f"{path.name} lacks its '# error: L:C: message' header"
    line, column, message = int(expected[1]), int(expected[2]), expected[3]
    found = problems(path)
    assert found, "no problem found"
    first = found[0]
    assert (first.location.line, first.location.column) == (line, column), first.render()
    assert message in first.message
    rendered = first.render()
    assert rendered.startswith(f"{path.name}:{line}:{column}: error: ")
    assert "\n" not in rendered


def test_all_errors_of_a_file_are_collected_and_sorted() -> None:
    """Two independent mistakes in two checks are both reported, each its check's, in file
    order; the file itself loads (issue 15: one bad claim never sinks its file)."""
    text = "title: t\nsymbols: {x: []}\nclaims:\n  - id: a\n    claim: x == y\n" \
           "  - id: b\n    claim: x == (\n"
    assert [(p.check, p.location.line) for p in problems(text=text)] == [("a", 5), ("b", 7)]
    text = "title: t\nsymbols: {x: []}\nclaims:\n  - id: a\n    claim: x == y\n" \
           "  - id: b\n    claim: x == z\n"
    assert [(p.location.line, p.location.column) for p in problems(text=text)] == [(5, 17),
                                                                                  (7, 17)]
    text = "title: t\nsymbols: {x: []}\ndefine: {f: y}\nclaims:\n  - id: a\n    claim: x == z\n"
    assert [(p.check, p.location.line, p.location.column) for p in problems(text=text)] == [
        (None, 3, 13)]  # a definition's problem is the file's: every check may use it


def test_sizes_forms() -> None:
    """Sizes accept a list, one integer n (1..n) or null (1..4)."""
    spec = load_text("s.yaml", "title: t\nsizes: {A: [3, 1, 3], B: 2, C: null}\n")
    assert [(s.name, s.values) for s in spec.sizes] == [
        ("A", (1, 3)), ("B", (1, 2)), ("C", (1, 2, 3, 4))]


def test_full_contract_example_loads() -> None:
    """The contract's complete example loads with every key in place."""
    text = (Path(__file__).parent.parent / "specs" / "contract_example.yaml").read_text("utf-8")
    spec = load_text("contract.yaml", text)
    assert spec.title == "Softmax and its Jacobian"
    assert [c.id for c in spec.claims] == ["kronecker-form", "diagonal", "a-common-mistake"]
    assert spec.claims[2].expect == "refuted"
    assert spec.claims[0].tex == r"D_j S_i = S_i(\delta_{ij} - S_j)"
    assert spec.claims[1].where is not None and spec.claims[1].where.text == "i == j"
    assert [s.by for s in spec.derivations[0].steps] == [None, "quotient rule", None]
    assert [i.qualified_name for i in spec.implementations] == ["S.naive", "S.stable"]
    assert [e.id for e in spec.examples] == ["small-logits", "large-logits"]
    assert spec.examples[1].fails == ("S.naive",)
    build_scope(spec)


def test_plain_exponent_notation_is_a_number() -> None:
    """Unquoted `1e3`, `1E-3`, `2.5e+2`, `-1.50e3` are numbers (YAML 1.1 reads most as text)."""
    spec = load_text("s.yaml", "title: t\nsymbols: {x: [N]}\nsizes: {N: 4}\ndefine: {y: 2 * x}\n"
                     "examples:\n  - id: e\n    given: {x: [1e3, 1E-3, 2.5e+2, -1.50e3]}\n"
                     "    expect: {y: [.5e1, 2000, 1.]}\n    tol: 1e-3\n")
    example = spec.examples[0]
    assert example.given == (("x", (Value(Fraction(1000), "1e3"), Value(Fraction(1, 1000), "1E-3"),
                                    Value(Fraction(250), "2.5e+2"),
                                    Value(Fraction(-1500), "-1.50e3"))),)
    assert example.expect == (("y", (Value(Fraction(5), ".5e1"), Value(Fraction(2000), "2000"),
                                     Value(Fraction(1), "1."))),)
    assert example.tol == Fraction(1, 1000)


@pytest.mark.parametrize("written", ["'1e3'", '"1e3"', "1e3x", "e3", "1e", "0x1F", "1e+-3"])
def test_text_that_only_looks_like_a_number_is_not_one(written: str) -> None:
    """A quoted number and anything outside the formula language's number syntax are text."""
    found = problems(text=f"title: t\nsymbols: {{x: []}}\nexamples:\n  - id: e\n"
                          f"    given: {{x: {written}}}\n    expect: {{x: 1}}\n", resolve=False)
    assert [(p.location.line, p.location.column, p.message, p.check) for p in found] == [
        (5, 16, "given x must be a number or a list of numbers", "e")]


def test_exponent_notation_keeps_the_exponent_limit() -> None:
    """`1e99999` unquoted is refused like the same literal in a formula, not built."""
    (found,) = problems(text="title: t\nsymbols: {x: []}\nexamples:\n  - id: e\n"
                             "    given: {x: 1e99999}\n    expect: {x: 1}\n", resolve=False)
    assert (found.code, found.check) == ("limit", "e")
    assert found.message == "given x: the exponent of '1e99999' is beyond ±1000"
