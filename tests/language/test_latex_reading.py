"""The LaTeX reader: every construct the notes use, the traps, and located, explained errors."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from symderiv.errors import FormulaError
from symderiv.language import ast
from symderiv.language.latex import Declarations, read, tokenize
from symderiv.language.parser import parse

CASES = Path(__file__).parent.parent / "latex"

NAMES = Declarations(
    sizes=frozenset({"N", "T"}),
    indices={"i": "N", "j": "N", "k": "N", "n": "N", "t": "T"},
    symbols={"a": 1, "x": 1, "W": 2, "b": 0, "L": 0},
    definitions={"S": 1, "P": 1, "z_1": None, "g": 1, "sg": None},
    latex={"\\sigma": "sg"},
)


def shape_of(node: ast.Node) -> Any:
    """`node` without character offsets, for comparing trees read from different texts."""
    values = [type(node).__name__]
    for item in fields(node):
        if item.name in ("start", "end"):
            continue
        value = getattr(node, item.name)
        if isinstance(value, ast.Node):
            value = shape_of(value)
        elif isinstance(value, tuple):
            value = tuple(shape_of(v) if isinstance(v, ast.Node) else v for v in value)
        values.append(value)
    return tuple(values)


def cases(name: str) -> list[tuple[str, str, str]]:
    """(tex, expected, wrt) per case line; a trailing `[wrt W]` changes wrt from `a`."""
    out = []
    for line in (CASES / name).read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            tex, expected = line.split("  =>  ")
            wrt = "a"
            if expected.endswith("]") and "  [wrt " in expected:
                expected, _, wrt = expected[:-1].rpartition("  [wrt ")
            out.append((tex, expected, wrt))
    return out


@pytest.mark.parametrize(("tex", "expected", "wrt"), cases("read.txt"))
def test_reads_as_the_formula_language(tex: str, expected: str, wrt: str) -> None:
    """Each construct of read.txt gives the same AST as its formula-language spelling."""
    node = read(tex, NAMES, wrt=wrt)
    assert shape_of(node) == shape_of(parse(expected))


@pytest.mark.parametrize(("tex", "expected", "wrt"), cases("errors.txt"))
def test_errors_are_located_and_explained(tex: str, expected: str, wrt: str) -> None:
    """Each case of errors.txt fails at its offset with a message that names the problem."""
    offset, message = expected.split(" | ")
    with pytest.raises(FormulaError) as caught:
        read(tex, NAMES, wrt=wrt)
    assert (caught.value.offset, message in caught.value.message) == (int(offset), True), \
        caught.value.message


def test_offsets_point_into_the_tex() -> None:
    """Nodes carry the offsets of their LaTeX source: S_i in `D_jS_i` spans 3..6."""
    node = read("D_jS_i=S_i", NAMES, wrt="a")
    assert isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
    operand = node.left.args[0]
    assert (operand.start, operand.end) == (3, 6)


def test_e_is_eulers_number_unless_declared() -> None:
    """`e^{b}` is exp(b) without a symbol e; with e declared it is ambiguous (an error, not a
    guess: a reader sees the exponential), and `\\mathrm{e}^{b}` and `(e)^{b}` decide it."""
    with_e = Declarations(symbols={"e": 0, "b": 0})
    assert shape_of(read("e^{b}", NAMES)) == shape_of(parse("exp(b)"))
    with pytest.raises(FormulaError) as caught:
        read("b + e^{b}", with_e)
    assert (caught.value.offset, caught.value.message) == (4, (
        "ambiguous: e^{…} reads as the exponential, but 'e' is a declared symbol; write "
        "\\exp(…) or \\mathrm{e}^{…} for the exponential, (e)^{…} for the symbol"))
    assert shape_of(read("(e)^{b}", with_e)) == shape_of(parse("(e) ^ b"))
    assert shape_of(read("e b", with_e)) == shape_of(parse("e * b"))
    assert shape_of(read("\\mathrm{e}^{b}", with_e)) == shape_of(parse("exp(b)"))


def test_i_is_an_index_never_the_imaginary_unit() -> None:
    """`a_i` indexes by the declared index i; an undeclared i is an error, not sqrt(-1)."""
    assert shape_of(read("a_i b", NAMES)) == shape_of(parse("a[i] * b"))
    with pytest.raises(FormulaError, match="never reads i as the imaginary unit"):
        read("b i", Declarations(symbols={"b": 0}))


def test_entry_followed_by_parentheses_is_a_product() -> None:
    """`S_i(1-S_j)` multiplies the entry S_i; it is not S_i applied to an argument."""
    node = read("S_i(1-S_j)", NAMES)
    assert isinstance(node, ast.BinOp) and node.op == "*"


def test_transpose_against_a_declared_T() -> None:
    """`x^T` is a transpose for a vector x, a power for a scalar b when a size T exists."""
    assert shape_of(read("x^T", NAMES)) == shape_of(parse("x.T"))
    assert shape_of(read("b^T", NAMES)) == shape_of(parse("b ^ T"))
    no_t = Declarations(symbols={"x": 1})
    assert shape_of(read("x^T", no_t)) == shape_of(parse("x.T"))


def test_derivative_variable_without_wrt() -> None:
    """With one vector symbol D_j needs no `wrt`; with several it is an error naming them."""
    single = Declarations(indices={"i": "N", "j": "N"}, symbols={"a": 1},
                          definitions={"S": 1})
    assert shape_of(read("D_jS_i", single)) == shape_of(parse("D(S[i], a[j])"))
    with pytest.raises(FormulaError, match=r"add 'wrt: NAME'.*W, a, x"):
        read("D_jS_i", NAMES)


def test_declared_latex_names_are_resolved() -> None:
    """A symbol declared with `latex: \\lambda` is what `\\lambda_i` refers to."""
    names = Declarations(indices={"i": "N"}, symbols={"lam": 1}, latex={"\\lambda": "lam"})
    assert shape_of(read("\\lambda_i", names)) == shape_of(parse("lam[i]"))


def test_multi_letter_names() -> None:
    """`xent` is the declared name xent; `ab` with a and b declared (and no ab) is a·b."""
    names = Declarations(symbols={"xent": 0, "a": 0, "b": 0})
    assert shape_of(read("xent", names)) == shape_of(parse("xent"))
    assert shape_of(read("ab", names)) == shape_of(parse("a * b"))
    clash = Declarations(symbols={"ab": 0, "a": 0, "b": 0})
    with pytest.raises(FormulaError, match="ambiguous: 'ab' is declared"):
        read("ab", clash)
    assert shape_of(read("\\mathrm{ab}", clash)) == shape_of(parse("ab"))


def test_tokenizer_drops_spacing_and_keeps_offsets() -> None:
    """`\\,` and `\\quad` vanish; `\\left(` is one token at its offset."""
    tokens = [(t.type, str(t), t.start_pos) for t in tokenize("a\\,\\quad\\left( b")]
    assert tokens == [("LETTER", "a", 0), ("LEFT", "(", 8), ("LETTER", "b", 15)]


def test_long_operator_chains_are_a_limit_error() -> None:
    """A thousand nested sums exceed Python's recursion: a `limit` error, not a crash."""
    with pytest.raises(FormulaError) as caught:
        read("\\sum_k " * 1400 + "a_k", NAMES)
    assert (caught.value.code, caught.value.offset) == ("limit", 0)


@pytest.mark.parametrize("tex", ["\\frac{dL}{db}", "\\frac{\\mathrm{d}L}{\\mathrm{d}b}",
                                 "\\frac{\\mathrm{d} L}{\\mathrm{d} b} = 2b"])
def test_leibniz_d_is_never_a_product(tex: str) -> None:
    """With a declared d (a size, or a symbol), `\\frac{dL}{db}` is not d*L/(d*b): the
    Leibniz notation is refused at its 'd' with the \\partial spelling to write instead."""
    for d in (Declarations(sizes=frozenset({"d"}), symbols={"b": 0, "L": 0}),
              Declarations(symbols={"d": 0, "b": 0, "L": 0})):
        with pytest.raises(FormulaError) as caught:
            read(tex, d)
        assert caught.value.offset == 6
        assert "write \\frac{\\partial L}{\\partial b}" in caught.value.message
