"""The largest errors a numeric check saw, which its report and JSON fields carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: How many differences a numeric check records (a claim's mismatches, an implementation's
#: flagged points and rounding warnings) before it stops looking for more.
MAX_MISMATCHES = 4


@dataclass(slots=True)
class Errors:
    """The largest absolute and relative error seen, for the reports (grows as points come)."""

    absolute: float = 0.0
    relative: float = 0.0

    def update(self, got: np.ndarray, want: np.ndarray, floor: Any = 0.0) -> None:
        """Record |got - want|; relative to max(|got|, |want|, floor)."""
        finite = np.isfinite(got) & np.isfinite(want)
        if not np.any(finite):
            return
        with np.errstate(all="ignore"):
            difference = np.abs(got - want)[finite]
            size = np.maximum(np.maximum(np.abs(got), np.abs(want)), floor)[finite]
        self.absolute = max(self.absolute, float(np.max(difference)))
        with np.errstate(all="ignore"):
            relative = np.where(size > 0, difference / np.where(size > 0, size, 1), 0.0)
        self.relative = max(self.relative, float(np.max(relative)))

    def add(self, difference: float, size: float) -> None:
        """Record one error |got - want| of an entry whose scale is `size`."""
        self.absolute = max(self.absolute, difference)
        if size > 0:
            self.relative = max(self.relative, difference / size)

    def details(self) -> tuple[tuple[str, float], ...]:
        """The JSON fields of a check result."""
        return (("max_abs_error", self.absolute), ("max_rel_error", self.relative))
