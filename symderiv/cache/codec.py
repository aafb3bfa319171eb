"""Check results as JSON and back, every field read against the type its class declares.

The result classes' own annotations are the schema: a value of another type, a missing or
unknown field, a verdict that is not a `Verdict`, a number longer than any of ours is
`Malformed`, and the entry is a miss. Nothing here imports sympy or builds a sympy object: a
proof step is stored as its label and the LaTeX printed for it when it was stored.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from symderiv.check import verdict
from symderiv.errors import Location

#: 3: a proof step holds its rule's detail and its formula text (recorded proofs, issue 14)
FORMAT = 3

#: Bounds on numbers read back: far above any result's, far below what is slow to build.
MAX_INT = 10**100
MAX_FRACTION_DIGITS = 4300  # Python's own limit for int(text)
MAX_FLOAT_TEXT = 64
MAX_DEPTH = 32  # nesting of a counterexample's array values

_FRACTION_BOUND = 10**MAX_FRACTION_DIGITS
_FRACTION = re.compile(rf"(-?[0-9]{{1,{MAX_FRACTION_DIGITS}}})/([0-9]{{1,{MAX_FRACTION_DIGITS}}})")

#: Stored field by field; a proof step is stored apart (its label and LaTeX).
CLASSES = (verdict.CheckResult, verdict.StepResult, verdict.Outcome, verdict.Counterexample,
           verdict.Diagnosis)

#: A proof step's expression as LaTeX, in the notation of the spec it belongs to.
Render = Callable[[Any], str]

_UNIONS = (types.UnionType, typing.Union)
_STEP_FIELDS = frozenset({"label", "latex", "detail", "formula"})
_ENTRY_FIELDS = frozenset({"format", "key", "versions", "title", "notation", "results"})


class Unstorable(Exception):
    """A result holds a value this cache cannot write safely: it is simply not cached."""


class Malformed(ValueError):
    """An entry's content is not what this cache writes: a miss."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One cache file: the results of one check, or of a whole spec file."""

    title: str | None  # a whole file's title; None for one check's entry
    notation: str | None  # the digest of the notation its proof steps are printed in
    results: tuple[verdict.CheckResult, ...]
    proofs: bool  # whether any result holds a proof step


def encode_entry(key: str, versions: dict[str, str], title: str | None,
                 notation: str | None, results: list[verdict.CheckResult], anchor: Location,
                 render: Render | None) -> bytes:
    """An entry's JSON. Raises Unstorable (e.g. a proof step and no `render`)."""
    writer = _Writer(anchor, render)
    encoded = [writer.value(r, verdict.CheckResult) for r in results]
    data = {"format": FORMAT, "key": key, "versions": versions, "title": title,
            "notation": notation, "results": encoded}
    try:
        return json.dumps(data, ensure_ascii=True).encode("ascii")  # lone surrogates too
    except (ValueError, RecursionError) as error:
        raise Unstorable(str(error)) from error


def decode_entry(payload: bytes, key: str, versions: dict[str, str], anchor: Location) -> Entry:
    """The entry in `payload`, its locations placed at `anchor`. Raises Malformed."""
    data = _parse(payload)
    if not isinstance(data, dict) or data.keys() != _ENTRY_FIELDS:
        raise Malformed("not an entry")
    if type(data["format"]) is not int or data["format"] != FORMAT or data["key"] != key \
            or data["versions"] != versions:
        raise Malformed("another format, key or version")
    title, notation, results = data["title"], data["notation"], data["results"]
    if not (title is None or type(title) is str) \
            or not (notation is None or type(notation) is str) or type(results) is not list:
        raise Malformed("not an entry")
    reader = _Reader(anchor)
    checks = tuple(reader.value(r, verdict.CheckResult) for r in results)
    return Entry(title, notation, checks, reader.proofs)


def _parse(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"), parse_int=_bounded_int,
                          parse_float=_bounded_float)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError, JSONDecodeError
        raise Malformed(f"not JSON: {error}") from error


def _bounded_int(text: str) -> int:
    if len(text) > 101:  # refused before int() builds it
        raise ValueError("integer too long")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_FLOAT_TEXT:
        raise ValueError("number too long")
    return float(text)


def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


#: Each stored class's fields and their declared types: the schema.
_SCHEMA: dict[Any, tuple[tuple[str, Any], ...]] = {cls: _fields(cls) for cls in CLASSES}


def _optional(hint: Any) -> Any:
    """X for `X | None`; a union of anything else has no encoding."""
    arguments = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(arguments) != 1:
        raise TypeError(f"no cache encoding for {hint!r}")
    return arguments[0]


class _Writer:
    """Results to JSON values; Unstorable for a value not of its field's type."""

    def __init__(self, anchor: Location, render: Render | None) -> None:
        self.anchor = anchor
        self.render = render

    def value(self, value: Any, hint: Any) -> Any:
        if hint is Any:  # `details`: numbers and words
            return _scalar(value, Unstorable)
        if hint == verdict.Values:
            return self.array(value, 0)
        fields = _SCHEMA.get(hint)
        if fields is not None:
            if type(value) is not hint:
                raise Unstorable(type(value).__name__)
            return {name: self.value(getattr(value, name), inner) for name, inner in fields}
        if hint is verdict.ProofStep:
            return self.proof_step(value)
        if hint is Location:
            if not isinstance(value, Location):
                raise Unstorable(type(value).__name__)
            return [_primitive(value.line - self.anchor.line, int, Unstorable),
                    _primitive(value.column, int, Unstorable)]
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            if not isinstance(value, hint):
                raise Unstorable(type(value).__name__)
            return value.value
        origin, arguments = typing.get_origin(hint), typing.get_args(hint)
        if origin in _UNIONS:
            return None if value is None else self.value(value, _optional(hint))
        if origin is tuple:
            if not isinstance(value, tuple):
                raise Unstorable(type(value).__name__)
            if len(arguments) == 2 and arguments[1] is Ellipsis:
                return [self.value(v, arguments[0]) for v in value]
            if len(value) != len(arguments):
                raise Unstorable("tuple length")
            return [self.value(v, a) for v, a in zip(value, arguments)]
        return _primitive(value, hint, Unstorable)

    def array(self, value: Any, depth: int) -> Any:
        """A counterexample's input value: a fraction, or nested tuples of them."""
        if depth > MAX_DEPTH:
            raise Unstorable("array too deep")
        if isinstance(value, Fraction):
            if max(abs(value.numerator), value.denominator) >= _FRACTION_BOUND:
                raise Unstorable("number too long")
            return f"{value.numerator}/{value.denominator}"
        if isinstance(value, tuple):
            return [self.array(v, depth + 1) for v in value]
        raise Unstorable(type(value).__name__)

    def proof_step(self, step: Any) -> Any:
        if type(step) is not verdict.ProofStep or type(step.label) is not str:
            raise Unstorable(type(step).__name__)
        latex = step.latex
        if latex is None:
            if self.render is None:
                raise Unstorable("a proof step, and nothing to print it")
            try:
                latex = self.render(step.expression)
            except Exception as error:  # noqa: BLE001 - such a result is simply not cached
                raise Unstorable(f"a proof step cannot be printed: {error!r}") from error
        if type(latex) is not str or type(step.detail) is not str \
                or not (step.formula is None or type(step.formula) is str):
            raise Unstorable("proof step")
        return {"label": step.label, "latex": latex, "detail": step.detail,
                "formula": step.formula}


class _Reader:
    """JSON values to results; Malformed for anything this cache would not have written."""

    def __init__(self, anchor: Location) -> None:
        self.anchor = anchor
        self.proofs = False

    def value(self, data: Any, hint: Any) -> Any:
        if hint is Any:
            return _scalar(data, Malformed)
        if hint == verdict.Values:
            return self.array(data, 0)
        fields = _SCHEMA.get(hint)
        if fields is not None:
            if type(data) is not dict or data.keys() != {name for name, _ in fields}:
                raise Malformed(hint.__name__)
            return hint(**{name: self.value(data[name], inner) for name, inner in fields})
        if hint is verdict.ProofStep:
            if type(data) is not dict or data.keys() != _STEP_FIELDS \
                    or any(type(data[k]) is not str for k in ("label", "latex", "detail")) \
                    or not (data["formula"] is None or type(data["formula"]) is str):
                raise Malformed("proof step")
            self.proofs = True
            return verdict.ProofStep(data["label"], None, data["latex"], data["detail"],
                                     data["formula"])
        if hint is Location:
            if type(data) is not list or len(data) != 2:
                raise Malformed("location")
            line, column = (_primitive(v, int, Malformed) for v in data)
            return Location(self.anchor.path, self.anchor.line + line, column)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            if type(data) is not str:
                raise Malformed(hint.__name__)
            try:
                return hint(data)
            except ValueError as error:
                raise Malformed(f"not a {hint.__name__}: {data[:40]!r}") from error
        origin, arguments = typing.get_origin(hint), typing.get_args(hint)
        if origin in _UNIONS:
            return None if data is None else self.value(data, _optional(hint))
        if origin is tuple:
            if type(data) is not list:
                raise Malformed("not a list")
            if len(arguments) == 2 and arguments[1] is Ellipsis:
                return tuple(self.value(v, arguments[0]) for v in data)
            if len(data) != len(arguments):
                raise Malformed("list length")
            return tuple(self.value(v, a) for v, a in zip(data, arguments))
        return _primitive(data, hint, Malformed)

    def array(self, data: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise Malformed("array too deep")
        if type(data) is str:
            found = _FRACTION.fullmatch(data)
            if found is None or found.group(2).strip("0") == "":
                raise Malformed("not a fraction")
            return Fraction(int(found.group(1)), int(found.group(2)))
        if type(data) is list:
            return tuple(self.array(v, depth + 1) for v in data)
        raise Malformed("not an array value")


def _primitive(value: Any, hint: Any, error: type[Exception]) -> Any:
    """A str, int (bounded), float or bool of exactly that type (a bool is no int here)."""
    if hint is int:
        if type(value) is not int or abs(value) >= MAX_INT:
            raise error("not an integer in range")
        return value
    if hint is float:
        if not isinstance(value, float):  # numpy's float64 is written as a float
            raise error("not a float")
        return float(value)
    if hint is str or hint is bool:
        if type(value) is not hint:
            raise error(f"not a {hint.__name__}")
        return value
    raise TypeError(f"no cache encoding for {hint!r}")  # a new field type: extend this module


def _scalar(value: Any, error: type[Exception]) -> Any:
    """A `details` value: None, or a str, int, float or bool."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _primitive(value, bool, error)
    if isinstance(value, float):
        return _primitive(value, float, error)
    if isinstance(value, int):
        return _primitive(value, int, error)
    return _primitive(value, str, error)
