"""Files put into the report's folder without ever writing through a link already there.

The folder may hold what someone else left: `out/report.tex -> ~/.bashrc` must not overwrite
`~/.bashrc`. Each file is written as a new file beside its final name (created exclusively, so
not through a link either) and then renamed over that name: a symbolic link there is replaced,
never followed, and a hard link's other names keep their content. The folder itself may be a
link: that is the user's choice.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

#: Flags of the temporary file: a new file, never an existing one or a link.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


def write_bytes(directory: Path, name: str, data: bytes) -> Path:
    """Put `data` at `directory/name`, replacing whatever is there (a link included) as a
    whole; returns the path. The file gets the usual permissions (0666 less the umask).

    Raises:
        OSError: the folder cannot be written, or `name` there is a folder.
    """
    final = directory / name
    temporary, descriptor = _new_file(directory, name)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return final


def write_text(directory: Path, name: str, text: str) -> Path:
    """`write_bytes` of `text` in UTF-8."""
    return write_bytes(directory, name, text.encode("utf-8"))


def _new_file(directory: Path, name: str) -> tuple[Path, int]:
    """A hidden temporary file beside `name`, created exclusively, and its descriptor."""
    while True:
        temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return temporary, os.open(temporary, _NEW_FILE, 0o666)
        except FileExistsError:  # another run's file of the same random name: draw again
            continue
