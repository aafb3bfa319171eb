"""The fenced code blocks of a Markdown file, which the tests execute or check."""

from __future__ import annotations

from pathlib import Path


def fenced(path: Path, language: str) -> list[tuple[int, str]]:
    """(line of the first line inside, text) of each block of `path` fenced with ``` whose
    info string is `language` ('' for none)."""
    found: list[tuple[int, str]] = []
    current: list[str] | None = None
    info, start = "", 0
    for number, line in enumerate(path.read_text("utf-8").splitlines(keepends=True), start=1):
        if line.startswith("```"):
            if current is None:
                current, info, start = [], line[3:].strip(), number + 1
            else:
                if info == language:
                    found.append((start, "".join(current)))
                current = None
        elif current is not None:
            current.append(line)
    return found
