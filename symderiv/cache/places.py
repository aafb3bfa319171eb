"""Where the cache lives by default: the user's cache folder, one folder per project.

Never inside the work tree: a pull request can commit any file there (`git add -f`), so the
default is `$XDG_CACHE_HOME/symderiv/PROJECT` (`~/.cache/symderiv/PROJECT`), PROJECT named
after the project's root folder and a digest of its resolved path.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from symderiv.errors import Location, SymderivError

#: A folder holding one of these is a project's root.
PROJECT_MARKERS = (".git", "pyproject.toml")


class CacheUnavailable(SymderivError):
    """The cache cannot be used safely (no home folder, an unusable key): the run goes on
    without it. Located at the file concerned."""

    def __init__(self, message: str, path: Path | str) -> None:
        super().__init__(message, Location(str(path), 1, 1), "cache")


def user_folder(variable: str, fallback: str) -> Path:
    """An XDG base folder: `$variable` if it is an absolute path (the XDG rule), else
    `~/fallback`. Raises CacheUnavailable when there is no home folder."""
    given = os.environ.get(variable, "")
    if given and Path(given).is_absolute():
        return Path(given)
    try:
        return Path.home() / fallback
    except RuntimeError as error:  # no HOME and no password entry
        raise CacheUnavailable(f"no home folder to keep the cache in ({error})",
                               f"${variable}") from error


def project_root(first: Path) -> Path:
    """The nearest folder at or above `first` with a `.git` or `pyproject.toml`; else the
    current folder."""
    try:
        start = first.resolve()
        if not start.is_dir():
            start = start.parent
        for folder in (start, *start.parents):
            if any((folder / marker).exists() for marker in PROJECT_MARKERS):
                return folder
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        pass
    return Path.cwd().resolve()


def project_key(root: Path) -> str:
    """The name of a project's cache folder: its root's name (readable) and path digest."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", root.name)[:40].lstrip(".") or "root"
    return f"{name}-{hashlib.sha256(os.fsencode(root)).hexdigest()[:16]}"


def default_directory(first_path: str) -> Path:
    """The cache folder of the project that `first_path` (the first path checked) is in."""
    return (user_folder("XDG_CACHE_HOME", ".cache") / "symderiv"
            / project_key(project_root(Path(first_path))))
