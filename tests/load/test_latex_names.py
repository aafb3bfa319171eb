"""`latex:` of symbols and definitions: only the documented LaTeX subset loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from symderiv.load import latex_names
from symderiv.load.loader import SpecErrors, load_text

ROOT = Path(__file__).resolve().parent.parent.parent
#: Where the value of `latex:` starts in `symbol_spec(...)`: line 3, column 26.
SYMBOL_LINE, SYMBOL_COLUMN = 3, 26
NOT_ACCEPTED = ("is not an accepted command (accepted: Greek letters, accents such as \\hat and "
                "\\bar, fonts such as \\mathbf and \\boldsymbol; see the README)")


def symbol_spec(latex: str) -> str:
    """A spec whose symbol x has `latex` (single-quoted in the YAML)."""
    quoted = latex.replace("'", "''")
    return f"title: t\nsymbols:\n  x: {{shape: [], latex: '{quoted}'}}\n"


def first_error(text: str) -> str:
    with pytest.raises(SpecErrors) as caught:
        load_text("s.yaml", text)
    return caught.value.errors[0].render()


@pytest.mark.parametrize(("latex", "offset", "message"), [
    (r"\text{\input{/some/file}}", 0, rf"\text {NOT_ACCEPTED}"),
    (r"\input{/etc/passwd}", 0, rf"\input {NOT_ACCEPTED}"),
    (r"a + \include{x}", 4, rf"\include {NOT_ACCEPTED}"),
    (r"\openin5=x", 0, rf"\openin {NOT_ACCEPTED}"),
    (r"y\write18{touch MARKER}", 1, rf"\write {NOT_ACCEPTED}"),
    (r"\catcode`\^=7", 0, rf"\catcode {NOT_ACCEPTED}"),
    (r"\hat{\def\x{y}}", 5, rf"\def {NOT_ACCEPTED}"),
    (r"\csname input\endcsname", 0, rf"\csname {NOT_ACCEPTED}"),
    (r"\mathbf{\unknowncommand}", 8, rf"\unknowncommand {NOT_ACCEPTED}"),
    (r"x\,y", 1, r"'\,' is not an accepted command"),
    (r"^^5cinput", 0, "'^^' is not accepted (TeX reads it as a character code)"),
    (r"x%", 1, "the character '%' is not accepted in a LaTeX name"),
    (r"a$b", 1, "the character '$' is not accepted in a LaTeX name"),
    (r"a&b", 1, "the character '&' is not accepted in a LaTeX name"),
    (r"#1", 0, "the character '#' is not accepted in a LaTeX name"),
    (r"ŷ", 0, "the character 'ŷ' is not accepted in a LaTeX name"),
    (r"x_", 1, "'_' needs an argument (a letter, a digit, a Greek letter or a {group})"),
    (r"\hat", 0, r"\hat needs an argument (a letter, a digit, a Greek letter or a {group})"),
    (r"\bar\mathbf{x}", 0,
     r"\bar needs an argument (a letter, a digit, a Greek letter or a {group})"),
    (r"{x", 0, "'{' is never closed"),
    (r"x}", 1, "'}' closes no group"),
    (" ", 0, "the value is empty"),
])
def test_refused_latex_is_a_located_error(latex: str, offset: int, message: str) -> None:
    """A command, character or form outside the subset is an error at its own character."""
    assert first_error(symbol_spec(latex)) == (
        f"s.yaml:{SYMBOL_LINE}:{SYMBOL_COLUMN + offset}: error: the latex of symbol x: "
        f"{message}  [latex]")


def test_refused_latex_of_a_definition() -> None:
    """A definition's `latex:` is held to the same subset, located the same way."""
    text = "title: t\nsymbols: {a: []}\ndefine:\n  S: {expr: 'a', latex: '\\input{x}'}\n"
    assert first_error(text) == (f"s.yaml:4:26: error: the latex of definition S: \\input "
                                 f"{NOT_ACCEPTED}  [latex]")


def test_long_or_deep_latex_is_a_limit() -> None:
    """A `latex:` value is bounded like a formula: its length and its nesting of groups."""
    assert first_error(symbol_spec("x" * 10_001)) == (
        "s.yaml:3:26: error: the latex of symbol x: the value has more than 10000 characters "
        "(--limit max_formula_length=...)  [limit]")
    assert first_error(symbol_spec("{" * 101 + "}" * 101)) == (
        "s.yaml:3:126: error: the latex of symbol x: the value nests more than 100 groups "
        "(--limit max_nesting=...)  [limit]")


@pytest.mark.parametrize("latex", [
    r"\hat{y}", r"\mathbf{W}", r"\alpha_1", r"\bar{x}^2", r"\boldsymbol{\theta}", r"\sigma",
    r"W^{(1)}", r"x'", r"\mathrm{xent}", r"\hat\alpha", r"\hat y", r"\tilde{\mathbf{x}}_{t-1}",
    r"\operatorname{softmax}", r"\mathbb{E}", r"\nabla_{\theta} L",
])
def test_accepted_latex_loads(latex: str) -> None:
    """The documented forms load, and the symbol keeps its LaTeX as written."""
    assert load_text("s.yaml", symbol_spec(latex)).symbols[0].latex == latex


def test_the_subset_is_documented() -> None:
    """The README's spec format section and the JSON Schema name every accepted command
    (Greek letters as a range, and each variant)."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## The spec format"):]
    schema = json.loads((ROOT / "symderiv" / "spec.schema.json").read_text("utf-8"))
    symbol = schema["properties"]["symbols"]["additionalProperties"]["oneOf"][1]
    described = symbol["properties"]["latex"]["description"]
    named = {c for c in latex_names.COMMANDS if c not in latex_names.GREEK or c.startswith("var")}
    for text in (section, described):
        assert [c for c in sorted(named) if not re.search(rf"\\{c}(?![A-Za-z])", text)] == []
