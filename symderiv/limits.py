"""The resource limits that keep a hostile spec from exhausting the machine, in one place.

Each limit lives as a constant in the module that enforces it (so the code reads plainly);
this table names them for users, documents them (docs/security.md) and lets the command
line adjust them: `symderiv check --limit max_size=128 ...`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """One adjustable limit: its user-facing name, where it lives, and what it bounds."""

    name: str
    module: str
    constant: str
    meaning: str


LIMITS = (
    Limit("max_file_bytes", "symderiv.load.loader", "MAX_FILE_BYTES",
          "size of one spec file in bytes"),
    Limit("max_nodes", "symderiv.load.yaml_nodes", "MAX_NODES",
          "YAML nodes in one spec (lists, mappings and scalars)"),
    Limit("max_yaml_depth", "symderiv.load.yaml_nodes", "MAX_DEPTH",
          "nesting depth of YAML lists and mappings"),
    Limit("max_items", "symderiv.load.loader", "MAX_ITEMS",
          "entries in one list or mapping (claims, symbols, values, ...)"),
    Limit("max_size", "symderiv.load.loader", "MAX_SIZE",
          "a concrete size value, an integer dimension, eye(n)"),
    Limit("max_formula_length", "symderiv.language.parser", "MAX_FORMULA_LENGTH",
          "characters in one formula"),
    Limit("max_nesting", "symderiv.language.parser", "MAX_NESTING",
          "depth of nested brackets in one formula"),
    Limit("max_formula_depth", "symderiv.language.parser", "MAX_DEPTH",
          "depth of one formula's tree (operators and brackets)"),
    Limit("max_literal_exponent", "symderiv.language.parser", "MAX_LITERAL_EXPONENT",
          "decimal exponent of a number literal (1e1000)"),
    Limit("max_exponent", "symderiv.check.evaluate", "MAX_EXPONENT",
          "constant exponent in concrete evaluation"),
    Limit("max_symbolic_exponent", "symderiv.resolve.symbolic", "MAX_SYMBOLIC_EXPONENT",
          "integer exponent of a number that sympy may compute"),
    Limit("max_number_bits", "symderiv.resolve.symbolic", "MAX_NUMBER_BITS",
          "bits of an exact number that sympy may compute from a power"),
)

BY_NAME = {limit.name: limit for limit in LIMITS}


def current() -> dict[str, int]:
    """Every limit's value now."""
    return {limit.name: getattr(importlib.import_module(limit.module), limit.constant)
            for limit in LIMITS}


def apply(values: dict[str, int]) -> dict[str, int]:
    """Set limits by name; returns the previous values (to restore them).

    Raises:
        KeyError: an unknown limit name.
        ValueError: a value below 1.
    """
    previous = {}
    for name, value in values.items():
        limit = BY_NAME[name]
        if value < 1:
            raise ValueError(f"limit {name} must be a positive integer, got {value}")
        module = importlib.import_module(limit.module)
        previous[name] = getattr(module, limit.constant)
        setattr(module, limit.constant, value)
    return previous
