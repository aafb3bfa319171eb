"""An evaluator's value entry by entry: a scalar is one entry, a Tensor its data row-major.

Claims compare their two sides entry by entry, examples place each entry of a definition
against its written number, and implementations are confirmed entry by entry.
"""

from __future__ import annotations

from typing import Any

from symderiv.check.evaluate import Tensor, index_tuples


def indexed_entries(value: Any) -> list[tuple[tuple[int, ...], Any]]:
    """(1-based index, entry) of every entry; a scalar's index is ()."""
    if isinstance(value, Tensor):
        return list(zip(index_tuples(value.shape), value.data))
    return [((), value)]


def row_major(value: Any) -> list[Any]:
    """The entries alone, row-major."""
    return [entry for _, entry in indexed_entries(value)]
