"""Which files a run checks: spec files under the given paths, each with an error if unusable."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from symderiv.errors import Location, SymderivError

SPEC_SUFFIXES = (".yaml", ".yml")
_TITLE = re.compile(r"^title\s*:", re.MULTILINE)
_CHECKS = re.compile(r"^(claims|derivations|examples)\s*:", re.MULTILINE)
#: top-level keys of a JSON Schema, which shares `title` and `examples` with a spec
_SCHEMA = re.compile(r"^[\"']?(\$schema|\$id|\$defs|properties|required|type)[\"']?\s*:",
                     re.MULTILINE)


def looks_like_spec(path: Path) -> bool:
    """A cheap test before loading: a top-level `title` and claims, derivations or examples,
    and none of a JSON Schema's keywords (`$schema`, `properties`, ...) at the top level.

    Used where YAML files that are not specs must be left alone (pytest, pre-commit).
    """
    if path.suffix not in SPEC_SUFFIXES:
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return bool(_TITLE.search(head) and _CHECKS.search(head)) and not _SCHEMA.search(head)


def _walk(folder: Path) -> tuple[list[Path], list[tuple[Path, SymderivError]]]:
    """Spec files under `folder`, and an error for each unreadable folder or bad link.

    Symbolic links to folders are not followed (no loops); links to files are.
    """
    files: list[Path] = []
    errors: list[tuple[Path, SymderivError]] = []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename or folder)
        errors.append((where, SymderivError(
            f"cannot read directory: {error.strerror or error}", Location(str(where), 1, 1),
            "io")))

    for root, folders, names in os.walk(folder, onerror=unreadable, followlinks=False):
        folders.sort()
        for name in sorted(names):
            candidate = Path(root) / name
            if candidate.suffix not in SPEC_SUFFIXES:
                continue
            if candidate.is_file():
                files.append(candidate)
            elif candidate.is_symlink():
                errors.append((candidate, SymderivError(
                    "broken or looping symbolic link", Location(str(candidate), 1, 1), "io")))
    return sorted(files), sorted(errors, key=lambda pair: str(pair[0]))


def discover(paths: list[str]) -> list[tuple[Path, str, SymderivError | None]]:
    """Spec files under `paths` (folders recursively), each with an error if unusable."""
    found: list[tuple[Path, str, SymderivError | None]] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files, errors = _walk(path)
            found.extend((where, str(where), error) for where, error in errors)
            if not files and not errors:
                found.append((path, text, SymderivError(
                    "no spec files (*.yaml, *.yml) in this directory", Location(text, 1, 1),
                    "io")))
            found.extend((file, str(file), None) for file in files)
        elif path.is_file():
            found.append((path, text, None))
        elif path.is_symlink() and not path.exists():
            found.append((path, text, SymderivError(
                "broken or looping symbolic link", Location(text, 1, 1), "io")))
        elif path.exists():  # a FIFO or device would block or never end
            found.append((path, text, SymderivError(
                "not a regular file", Location(text, 1, 1), "io")))
        else:
            found.append((path, text, SymderivError(
                "no such file or directory", Location(text, 1, 1), "io")))
    return found


Found = tuple[Path, str, SymderivError | None]


def shard(found: list[Found], number: int, count: int) -> list[Found]:
    """The files of shard `number` of `count` (1-based, as pytest-split and jest's `--shard`).

    Every file, an unusable one included, falls in exactly one shard, the same one in every
    job given the same paths: the files are ordered by a digest of their path and dealt out
    in turn, so the shards differ in size by one file at most. The order within a shard is
    the order `found` had.
    """
    if not 1 <= number <= count:
        raise ValueError(f"shard {number}/{count}: expected 1 <= K <= N")

    def digest(item: Found) -> str:
        return hashlib.sha256(Path(os.path.normpath(item[1])).as_posix().encode(
            "utf-8", "surrogateescape")).hexdigest()

    ordered = sorted(range(len(found)), key=lambda position: (digest(found[position]), position))
    mine = {position for turn, position in enumerate(ordered) if turn % count == number - 1}
    return [item for position, item in enumerate(found) if position in mine]
