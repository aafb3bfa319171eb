"""The resource limits that keep a hostile spec from exhausting the machine, in one place.

`Limits` is a frozen value: its defaults are the documented limits (docs/security.md), the
command line changes them (`symderiv check --limit max_size=128 ...`) and `Options` carries
them. The module that enforces a limit reads it from `active()`: the run sets the active
limits with `using(limits)` around the work of one spec (in the serial path and in every
worker), so no module constant is ever rewritten.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Every adjustable limit; a field's metadata says what it bounds."""

    max_file_bytes: int = dataclasses.field(
        default=4_000_000, metadata={"meaning": "size of one spec file in bytes"})
    max_nodes: int = dataclasses.field(
        default=200_000, metadata={"meaning": "YAML nodes in one spec (lists, mappings and "
                                              "scalars)"})
    #: PyYAML composes recursively: `[[[[...` ten thousand deep would be a RecursionError
    max_yaml_depth: int = dataclasses.field(
        default=50, metadata={"meaning": "nesting depth of YAML lists and mappings"})
    max_items: int = dataclasses.field(
        default=2_000, metadata={"meaning": "entries in one list or mapping (claims, symbols, "
                                            "values, ...)"})
    max_size: int = dataclasses.field(
        default=64, metadata={"meaning": "a concrete size value, an integer dimension, eye(n)"})
    max_formula_length: int = dataclasses.field(
        default=10_000, metadata={"meaning": "characters in one formula"})
    max_nesting: int = dataclasses.field(
        default=100, metadata={"meaning": "depth of nested brackets in one formula"})
    #: every later stage walks the tree recursively: this keeps them far from Python's
    #: recursion limit (`-----x` and `x^x^x^...` nest without brackets)
    max_formula_depth: int = dataclasses.field(
        default=200, metadata={"meaning": "depth of one formula's tree (operators and "
                                          "brackets)"})
    #: Fraction("1e999999999") would build a billion-digit integer before anything else
    #: could refuse it
    max_literal_exponent: int = dataclasses.field(
        default=1_000, metadata={"meaning": "decimal exponent of a number literal (1e1000)"})
    max_exponent: int = dataclasses.field(
        default=10_000, metadata={"meaning": "constant exponent in concrete evaluation"})
    max_symbolic_exponent: int = dataclasses.field(
        default=1_000, metadata={"meaning": "integer exponent of a number that sympy may "
                                            "compute"})
    #: sympy evaluates a power of two numbers at once (2^(10^9) is a 125 MB integer)
    max_number_bits: int = dataclasses.field(
        default=100_000, metadata={"meaning": "bits of an exact number that sympy may compute "
                                              "from a power"})

    #: a label of B entries over T classes has T^B assignments (issue 15)
    max_label_assignments: int = dataclasses.field(
        default=4_096, metadata={"meaning": "assignments of the labels' values a check "
                                            "enumerates at one size combination"})

    def changed(self, values: dict[str, int]) -> Limits:
        """These limits with some set by name.

        Raises:
            KeyError: an unknown limit name.
            ValueError: a value below 1.
        """
        for name, value in values.items():
            if name not in NAMES:
                raise KeyError(name)
            if value < 1:
                raise ValueError(f"limit {name} must be a positive integer, got {value}")
        return dataclasses.replace(self, **values)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in NAMES}


#: Each limit's name and what it bounds, in the order of the documentation.
MEANINGS: dict[str, str] = {f.name: f.metadata["meaning"] for f in dataclasses.fields(Limits)}
NAMES = tuple(MEANINGS)
DEFAULT = Limits()

_ACTIVE: contextvars.ContextVar[Limits] = contextvars.ContextVar("symderiv_limits",
                                                                 default=DEFAULT)


def active() -> Limits:
    """The limits in force for the work being done now."""
    return _ACTIVE.get()


@contextlib.contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Make `limits` the active limits inside the block (restored afterwards)."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)
