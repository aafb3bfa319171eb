"""The JSON Schema `symderiv schema` prints accepts exactly what the loader accepts, as far
as a schema can tell: every loadable spec of the repository (and every YAML example of the
README) is valid, and specs the loader refuses for their structure are invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fences import fenced
import yaml

from symderiv.load.loader import load_text
from symderiv.load.reader import SpecErrors
from symderiv.load.sections import TOP_KEYS

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).parent.parent.parent
SCHEMA = json.loads((ROOT / "symderiv" / "spec.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
def loads(path: str, text: str) -> bool:
    """Whether the loader reads `text` without a problem, of the file or of one check."""
    try:
        return load_text(path, text).broken == ()
    except SpecErrors:
        return False


def repository_specs() -> list[Path]:
    folders = [ROOT / "derivations", ROOT / "tests"]
    return sorted(p for folder in folders for p in folder.rglob("*.yaml"))


def readme_examples() -> list[tuple[int, dict[str, object]]]:
    """(line, data) of every fenced YAML block of the README that is (part of) a spec: one
    with a key of a spec's (the others are CI workflows)."""
    blocks = [(line, yaml.safe_load(text)) for line, text in fenced(ROOT / "README.md", "yaml")]
    return [(line, data) for line, data in blocks if set(data) & set(TOP_KEYS)]


def problems(data: object) -> list[str]:
    """Every schema error of `data`, the alternatives of a `oneOf` included."""
    def walk(errors: list[jsonschema.ValidationError]) -> list[str]:
        return [m for e in errors for m in [e.message, *walk(list(e.context or []))]]
    return walk(list(VALIDATOR.iter_errors(data)))


def test_every_loadable_spec_of_the_repository_is_valid() -> None:
    """All of derivations/ and tests/ that loads (some 60 specs) passes the schema."""
    loaded = 0
    for path in repository_specs():
        text = path.read_text("utf-8", errors="replace")
        if not loads(str(path), text):
            continue
        data = yaml.safe_load(text)
        loaded += 1
        assert problems(data) == [], path
    assert loaded >= 50


def test_every_yaml_example_of_the_readme_is_valid() -> None:
    """A whole spec of the README loads and is valid; a part of one (no title) is valid."""
    examples = readme_examples()
    assert len(examples) >= 4
    for line, data in examples:
        assert isinstance(data, dict), line
        if "title" in data:
            assert loads(f"README.md:{line}", yaml.safe_dump(data, allow_unicode=True)), line
        assert problems({"title": "t", **data}) == [], line


def test_a_definition_with_its_latex_is_valid() -> None:
    """The README's `{expr: ..., latex: ...}` form (it was "is not of type 'string'")."""
    text = ("title: t\nsizes: {N: 2}\nindices: {i: N}\nsymbols: {a: [N]}\n"
            "define:\n  sg[i]: {expr: '1 / (1 + exp(-a[i]))', latex: '\\sigma'}\n")
    assert loads("t.yaml", text)
    assert problems(yaml.safe_load(text)) == []


BASE = "title: t\nsizes: {N: 2}\nindices: {i: N}\nsymbols: {a: [N]}\n"


def test_an_inequality_claim_is_valid() -> None:
    """`<`, `<=`, `>`, `>=` in a claim (issue 16 item 4): the loader and the schema accept it."""
    for relation in ("<", "<=", ">", ">="):
        text = BASE + f"claims: [{{id: c, claim: 'exp(a[i]) {relation} 0'}}]\n"
        assert loads("t.yaml", text)
        assert problems(yaml.safe_load(text)) == []


def test_labels_are_valid() -> None:
    """`labels: {y: N}` and `{c: {shape: [N], range: N}}` load and pass the schema."""
    text = BASE + "labels: {y: N, c: {shape: [N], range: N}, d: {range: N}}\n"
    assert loads("t.yaml", text)
    assert problems(yaml.safe_load(text)) == []


@pytest.mark.parametrize("text, message", [
    ("claims: []\n", "'title' is a required property"),
    (BASE + "claim: []\n", "Additional properties are not allowed ('claim' was unexpected)"),
    ("title: t\nsizes: {N: 0}\n", "0 is less than the minimum of 1"),
    ("title: t\nsymbols: {a: {shape: [N], domain: complex}}\nsizes: {N: 2}\n",
     "'complex' is not one of ['real', 'positive']"),
    (BASE + "claims: [{id: c, claim: 'a[i] == a[i]', expect: wrong}]\n",
     "'wrong' is not one of ['holds', 'refuted']"),
    (BASE + "derivations: [{id: d}]\n", "'steps' is a required property"),
    (BASE + "claims: [{id: c}]\n", "is not valid under any of the given schemas"),
    (BASE + "claims: [{claim: 'a[i] == a[i]'}]\n", "'id' is a required property"),
    (BASE + "claims: [{id: c, claim: 'a[i] + 1'}]\n", "does not match '==|<|>'"),
    (BASE + "define:\n  s[i]: {latex: '\\sigma'}\n", "is not valid under any of the given schemas"),
    (BASE + "define:\n  s[i]: {expr: 'a[i]', color: red}\n",
     "is not valid under any of the given schemas"),
    (BASE + "symbols: {b: {shape: [N], colour: red}}\n",
     "is not valid under any of the given schemas"),
    (BASE + "derivations: [{id: d, steps: [{expr: 'a[i]', because: x}]}]\n",
     "is not valid under any of the given schemas"),
    (BASE + "examples: [{id: e, given: {a: [1, 2]}}]\n", "'expect' is a required property"),
    (BASE + "indices: [i]\n", "is not of type 'object'"),
    ("title: [t]\n", "['t'] is not of type 'string'"),
    (BASE + "labels: {c: {shape: [N]}}\n", "is not valid under any of the given schemas"),
    (BASE + "labels: {c: {shape: [N, N], range: N}}\n",
     "is not valid under any of the given schemas"),
    (BASE + "labels: {c: {range: N, domain: real}}\n",
     "is not valid under any of the given schemas"),
    (BASE + "labels: [y]\n", "is not of type 'object'"),
])
def test_a_structurally_wrong_spec_fails_both(text: str, message: str) -> None:
    """Editors flag what the loader refuses: a missing title or field, an unknown key, a bad
    size, domain, expect or step."""
    data = yaml.safe_load(text)
    assert not loads("t.yaml", text)
    messages = problems(data)
    assert any(message in m for m in messages), messages
