"""What a spec declares, as the LaTeX reader needs it: names, and the rank of each."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Declarations:
    """The names a LaTeX formula may refer to. A rank is the number of indices an entry takes
    (None: a definition without parameters, whose shape is only known after building)."""

    sizes: frozenset[str] = frozenset()
    indices: dict[str, str] = field(default_factory=dict)  # index -> its size
    symbols: dict[str, int] = field(default_factory=dict)
    definitions: dict[str, int | None] = field(default_factory=dict)
    latex: dict[str, str] = field(default_factory=dict)  # normalised LaTeX -> declared name

    @classmethod
    def of_spec(cls, spec: Any) -> Declarations:
        """The declarations of a loaded `Spec` (or anything with its declaration fields)."""
        latex: dict[str, str] = {}
        for declaration in (*spec.symbols, *spec.definitions):
            if getattr(declaration, "latex", None):
                latex[normal(declaration.latex)] = declaration.name
        return cls(
            sizes=frozenset(s.name for s in spec.sizes),
            # a scalar label reads like an index of its range (P_y, \delta_{ky})
            indices={**{i.name: i.size for i in spec.indices},
                     **{label.name: label.range for label in getattr(spec, "labels", ())
                        if not label.shape}},
            symbols={s.name: len(s.shape) for s in spec.symbols},
            definitions={d.name: (len(d.params) if d.params else None)
                         for d in spec.definitions},
            latex=latex,
        )

    def declared(self, name: str) -> bool:
        return (name in self.sizes or name in self.indices or name in self.symbols
                or name in self.definitions)

    def rank(self, name: str) -> int | None:
        if name in self.symbols:
            return self.symbols[name]
        if name in self.definitions:
            return self.definitions[name]
        return 0


def normal(latex: str) -> str:
    return re.sub(r"\s+", "", latex)
