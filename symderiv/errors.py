"""User-facing errors: every one carries a location and a short stable code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based position in a spec file."""

    path: str
    line: int
    column: int

    def shifted(self, text: str, offset: int) -> Location:
        """The location of character `offset` of a formula `text` that starts here."""
        before = text[:offset]
        newlines = before.count("\n")
        if newlines == 0:
            return Location(self.path, self.line, self.column + offset)
        return Location(self.path, self.line + newlines, offset - before.rfind("\n"))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class SymderivError(ValueError):
    """A mistake in the user's input, reported as `path:line:column: error: message  [code]`."""

    def __init__(self, message: str, location: Location | None = None, code: str = "spec") -> None:
        self.message = message
        self.location = location
        self.code = code
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}error: {self.message}  [{self.code}]"


class FormulaError(SymderivError):
    """An error at an offset inside one formula; the loader turns it into a file location."""

    def __init__(self, message: str, offset: int, code: str = "formula") -> None:
        self.offset = offset
        super().__init__(message, None, code)

    def at(self, location: Location, text: str) -> SymderivError:
        """This error placed in the file, at its character."""
        return SymderivError(self.message, location.shifted(text, self.offset), self.code)
