"""Read one spec file into a `Spec`: structure, types and formula syntax, every error located.

The entry point of `load/`: the bytes and the YAML document here, the sections in
`sections.py` (first pass), each claim's LaTeX in `tex.py` (second pass).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from symderiv import limits
from symderiv.errors import Location, SymderivError
from symderiv.load import model
from symderiv.load.reader import Reader, SpecErrors
from symderiv.load.sections import read_sections
from symderiv.load.tex import read_tex
from symderiv.load.yaml_nodes import compose, location

__all__ = ["SpecErrors", "load_file", "load_string", "load_text"]


def load_text(path: str, text: str) -> model.Spec:
    """Parse spec `text` (from file `path`) into a `Spec`.

    Raises:
        SpecErrors: every error found, each located.
    """
    spec = read_sections(Reader(path), _root(path, text))
    return read_tex(spec, text)


def _root(path: str, text: str) -> yaml.MappingNode:
    """The spec's YAML document, which must be a mapping. Raises SpecErrors."""
    try:
        root = compose(path, text)
    except SymderivError as error:
        raise SpecErrors([error]) from error
    if root is None:
        raise SpecErrors([SymderivError("the spec file is empty", Location(path, 1, 1), "spec")])
    if not isinstance(root, yaml.MappingNode):
        raise SpecErrors([SymderivError(
            "a spec must be a YAML mapping (title, sizes, symbols, claims, ...)",
            location(path, root), "type")])
    return root


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
    _within_size(shown, len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise SpecErrors([SymderivError("file is not valid UTF-8", Location(shown, line, column),
                                        "io")]) from error
    return load_text(shown, text)


def load_string(display: str, text: str) -> model.Spec:
    """Parse spec `text` given as a string (the Python API, a notebook cell), shown as
    `display`, within the same size limit as a file. Raises SpecErrors."""
    _within_size(display, len(text.encode("utf-8", "surrogatepass")))
    return load_text(display, text)


def _within_size(shown: str, size: int) -> None:
    """Raises SpecErrors if a spec of `size` bytes is over the limit."""
    if size > limits.active().max_file_bytes:
        raise SpecErrors([SymderivError(
            f"file is larger than {limits.active().max_file_bytes} bytes (--limit max_file_bytes=...)",
            Location(shown, 1, 1), "limit")])
