"""The worked examples: given values, expected values of definitions (exact numbers, or nested
lists of them), the implementations expected to fail, a tolerance and the expected verdict."""

from __future__ import annotations

from typing import cast

import yaml

from symderiv.errors import Location
from symderiv.language.parser import NUMBER_TEXT, exact_number
from symderiv.load import model
from symderiv.load.items import expect_written, read_expect, read_id, set_aside
from symderiv.load.reader import Reader


def _number_text(node: yaml.Node) -> str | None:
    """The text of a number: a scalar YAML reads as one, or a plain scalar in the formula
    language's number syntax (YAML 1.1 reads `1e3` as text); a quoted number stays text."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag.endswith((":int", ":float")):
        return str(node.value).replace("_", "")
    if node.tag.endswith(":str") and node.style is None and NUMBER_TEXT.match(node.value):
        return str(node.value)
    return None


def _number(reader: Reader, node: yaml.Node, what: str) -> model.Value | None:
    text = _number_text(node)
    if text is not None:
        try:
            return model.Value(exact_number(text), text)
        except ValueError as error:
            if "exponent" in str(error):
                reader.error(f"{what}: {error}", node, "limit")
                return None
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
        text = str(node.value).strip()
        if text.lower() in ("nan", "inf", "-inf", "+inf", ".nan", ".inf", "-.inf"):
            reader.error(f"{what}: expected values must be finite numbers", node, "type")
            return None
    reader.error(f"{what} must be a number or a list of numbers", node, "type")
    return None


def _array(reader: Reader, node: yaml.Node, what: str) -> model.Array | None:
    if isinstance(node, yaml.SequenceNode):
        items = [_array(reader, item, what) for item in reader.sequence(node, what)]
        if any(item is None for item in items):
            return None
        return tuple(cast(list[model.Array], items))  # no None among them
    return _number(reader, node, what)


def _values(reader: Reader, node: yaml.Node, what: str
            ) -> tuple[list[tuple[str, model.Array]], list[tuple[str, Location]]]:
    out, where = [], []
    for key, value in reader.mapping(node, what):
        array = _array(reader, value, f"{what} {key.value}")
        if array is not None:
            out.append((str(key.value), array))
            where.append((str(key.value), reader.at(value)))
    return out, where


def read_examples(reader: Reader, node: yaml.Node, ids: set[str]) -> list[model.Example]:
    out: list[model.Example] = []
    for item in reader.sequence(node, "examples"):
        mark, count = len(reader.errors), len(out)
        fields = reader.keys(reader.mapping(item, "an example"),
                             ("id", "given", "expect", "fails", "tol", "verdict"), "an example")
        item_id = read_id(reader, fields, item, ids, "an example")
        try:
            given, _ = _values(reader, fields["given"], "given") if "given" in fields else ([], [])
            expect: list[tuple[str, model.Array]] = []
            expect_where: list[tuple[str, Location]] = []
            if "expect" in fields:
                expect, expect_where = _values(reader, fields["expect"], "expect")
                if not reader.mapping(fields["expect"], "expect"):
                    reader.error("expect names no definition: the example would check nothing",
                                 fields["expect"], "key")
            else:
                reader.error("an example needs 'expect'", item, "key")
            # extension: `verdict: refuted` marks a worked example the material gets wrong
            verdict = read_expect(reader, {"expect": fields["verdict"]}) if "verdict" in fields else "holds"
            fails = []
            if "fails" in fields:
                for entry in reader.sequence(fields["fails"], "fails"):
                    name = reader.text(entry, "an implementation in fails")
                    if name is not None:
                        fails.append(name)
            tol = None
            if "tol" in fields:
                value = _number(reader, fields["tol"], "tol")
                tol = value.exact if value is not None else None
            if item_id is None:
                continue
            out.append(model.Example(item_id, tuple(given), tuple(expect), tuple(fails), tol, verdict,
                                     reader.at(item), tuple(expect_where)))
        finally:
            if set_aside(reader, mark, item_id, "example", expect_written(fields, "verdict")):
                del out[count:]
    return out
