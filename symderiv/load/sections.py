"""The first pass: the spec's top-level mapping, its sections read in order into a `Spec`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import yaml

from symderiv.errors import Location
from symderiv.load import model
from symderiv.load.claims import read_claims, read_derivations
from symderiv.load.declarations import read_indices, read_labels, read_sizes, read_symbols
from symderiv.load.definitions import read_definitions, read_implementations
from symderiv.load.examples import read_examples
from symderiv.load.reader import Reader, SpecErrors

TOP_KEYS = (
    "title", "source", "sizes", "indices", "symbols", "labels", "define", "numpy",
    "claims", "derivations", "examples",
)

T = TypeVar("T")


def _optional(fields: dict[str, yaml.Node], key: str, read: Callable[[yaml.Node], T],
              default: T) -> T:
    return read(fields[key]) if key in fields else default


def read_sections(reader: Reader, root: yaml.MappingNode) -> model.Spec:
    """Every section of the spec `root`, each one's errors collected in `reader`.

    Raises:
        SpecErrors: every error of this pass, each located.
    """
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
    labels: list[model.LabelDecl] = _optional(
        fields, "labels", lambda n: read_labels(reader, n, declared, size_names), [])
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
    return model.Spec(
        path=reader.path, title=title or "", source=source, sizes=tuple(sizes),
        indices=tuple(indices), symbols=tuple(symbols), definitions=tuple(definitions),
        implementations=tuple(implementations), claims=tuple(claims),
        derivations=tuple(derivations), examples=tuple(examples),
        location=Location(reader.path, 1, 1), broken=tuple(reader.broken),
        labels=tuple(labels),
    )
