"""The problems a spec has, wherever they are reported: a file that cannot be loaded raises
`SpecErrors`; a problem that belongs to one check is that check's `Broken` entry (its
`error` verdict) and the file loads. Tests that look for "the first problem of this file"
read both through `problems`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symderiv.errors import Location
from symderiv.load.loader import SpecErrors, load_file, load_text
from symderiv.load.model import Spec
from symderiv.resolve.implementations import check_numpy
from symderiv.resolve.scope import build_scope


@dataclass(frozen=True)
class Problem:
    location: Location
    message: str
    code: str
    check: str | None  # the check it belongs to; None: the file's own

    def render(self) -> str:
        return f"{self.location}: error: {self.message}  [{self.code}]"


def of_spec(spec: Spec) -> list[Problem]:
    return [Problem(b.location, b.message, b.code, b.id) for b in spec.broken]


def problems(path: Path | None = None, text: str | None = None, name: str = "s.yaml",
             resolve: bool = True) -> list[Problem]:
    """Every problem of a spec file (or text): the file's, else its checks' (file order)."""
    try:
        spec = load_file(path, path.name) if path is not None else load_text(name, text or "")
        if resolve:
            spec = check_numpy(build_scope(spec)).spec
    except SpecErrors as errors:
        return [Problem(e.location, e.message, e.code, None) for e in errors.errors
                if e.location is not None]
    return sorted(of_spec(spec), key=lambda p: (p.location.line, p.location.column))
