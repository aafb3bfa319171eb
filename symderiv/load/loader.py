"""Read one spec file into a `Spec`: structure, types and formula syntax, every error located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from symderiv import limits
from symderiv.errors import Location, SymderivError
from symderiv.load import model
from symderiv.load.claims import read_claims, read_derivations
from symderiv.load.declarations import read_indices, read_sizes, read_symbols
from symderiv.load.definitions import read_definitions, read_implementations
from symderiv.load.examples import read_examples
from symderiv.load.reader import Reader, SpecErrors
from symderiv.load.tex import read_tex
from symderiv.load.yaml_nodes import compose, location

TOP_KEYS = (
    "title", "source", "sizes", "indices", "symbols", "define", "numpy",
    "claims", "derivations", "examples",
)

__all__ = ["SpecErrors", "load_file", "load_text"]

T = TypeVar("T")


def _optional(fields: dict[str, yaml.Node], key: str, read: Callable[[yaml.Node], T],
              default: T) -> T:
    return read(fields[key]) if key in fields else default


def load_text(path: str, text: str) -> model.Spec:
    """Parse spec `text` (from file `path`) into a `Spec`.

    Raises:
        SpecErrors: every error found, each located.
    """
    reader = Reader(path)
    try:
        root = compose(path, text)
    except SymderivError as error:
        raise SpecErrors([error]) from error
    top = Location(path, 1, 1)
    if root is None:
        raise SpecErrors([SymderivError("the spec file is empty", top, "spec")])
    if not isinstance(root, yaml.MappingNode):
        raise SpecErrors([SymderivError(
            "a spec must be a YAML mapping (title, sizes, symbols, claims, ...)",
            location(path, root), "type")])
    fields = reader.keys(reader.mapping(root, "the spec"), TOP_KEYS, "the spec")
    title = _optional(fields, "title", lambda n: reader.text(n, "title"), None)
    if "title" not in fields:
        reader.error("the spec needs a 'title'", root, "key")
    source = _optional(fields, "source", lambda n: reader.text(n, "source"), None)
    declared: dict[str, Location] = {}
    sizes: list[model.SizeDecl] = _optional(
        fields, "sizes", lambda n: read_sizes(reader, n, declared), [])
    size_names = {size.name for size in sizes} | {
        str(k.value) for k, _ in (reader.mapping(fields["sizes"], "sizes")
                                  if "sizes" in fields else [])}
    indices: list[model.IndexDecl] = _optional(
        fields, "indices", lambda n: read_indices(reader, n, declared, size_names), [])
    symbols: list[model.SymbolDecl] = _optional(
        fields, "symbols", lambda n: read_symbols(reader, n, declared, size_names), [])
    definitions: list[model.Definition] = _optional(
        fields, "define", lambda n: read_definitions(reader, n, declared), [])
    implementations: list[model.Implementation] = _optional(
        fields, "numpy", lambda n: read_implementations(reader, n), [])
    ids: set[str] = set()
    claims: list[model.Claim] = _optional(
        fields, "claims", lambda n: read_claims(reader, n, ids), [])
    derivations: list[model.Derivation] = _optional(
        fields, "derivations", lambda n: read_derivations(reader, n, ids), [])
    examples: list[model.Example] = _optional(
        fields, "examples", lambda n: read_examples(reader, n, ids), [])
    # errors in the first pass would cascade into confusing ones in `check_names`
    if reader.errors:
        raise SpecErrors(reader.errors)
    spec = model.Spec(
        path=path, title=title or "", source=source, sizes=tuple(sizes), indices=tuple(indices),
        symbols=tuple(symbols), definitions=tuple(definitions),
        implementations=tuple(implementations), claims=tuple(claims),
        derivations=tuple(derivations), examples=tuple(examples), location=top,
    )
    return read_tex(spec, text)


def load_file(path: Path, display: str | None = None) -> model.Spec:
    """Read and parse one spec file. Raises SpecErrors (I/O problems included)."""
    shown = display or str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(limits.active().max_file_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise SpecErrors([SymderivError(f"cannot read file: {reason}",
                                        Location(shown, 1, 1), "io")]) from error
    if len(raw) > limits.active().max_file_bytes:
        raise SpecErrors([SymderivError(
            f"file is larger than {limits.active().max_file_bytes} bytes (--limit max_file_bytes=...)",
            Location(shown, 1, 1), "limit")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise SpecErrors([SymderivError("file is not valid UTF-8", Location(shown, line, column),
                                        "io")]) from error
    return load_text(shown, text)
