"""Cache files on disk: only regular files of a bounded size are read, writes are atomic.

Below the cache folder nothing is followed: each folder is opened relative to its parent with
O_NOFOLLOW, and an entry with O_NOFOLLOW|O_NONBLOCK, then checked with fstat. A link to
/dev/zero, a FIFO or a linked folder in a cache inside the work tree is a miss: never read,
waited on or written through. A write goes to a temporary file (O_EXCL, 0600) in the entry's
folder, then `os.replace`; if anything fails the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

#: An entry larger than this is refused unread (the results of a whole course file are a few
#: hundred kilobytes).
MAX_ENTRY_BYTES = 8 * 1024 * 1024

CHUNK = 1 << 20
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def read_into(descriptor: int, limit: int, sink: Callable[[bytes], object]) -> bool:
    """Feed `sink` the bytes of an open regular file of at most `limit` bytes.

    The size is checked with fstat before anything is read, so nothing is read of a file
    that says it is larger; False if it is not a regular file or turns out to be larger.
    """
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        return False
    total = 0
    while True:
        chunk = os.read(descriptor, min(CHUNK, limit + 1 - total))
        if not chunk:
            return True
        total += len(chunk)
        if total > limit:  # it grew after fstat
            return False
        sink(chunk)


def file_digest(path: Path, limit: int) -> str | None:
    """The SHA-256 of a regular file of at most `limit` bytes; None when it is larger (then
    unread), not a regular file or unreadable."""
    digest = hashlib.sha256()
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return digest.hexdigest() if read_into(descriptor, limit, digest.update) else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


def make_folders(path: Path) -> None:
    """`path` and its missing parents, each created 0700 (a cache is its user's own)."""
    missing: list[Path] = []
    while not path.exists() and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)


@contextlib.contextmanager
def folder(root: Path, parts: Sequence[str], create: bool) -> Iterator[int]:
    """The folder `root/parts...` opened; `root` itself may be a link (the user chose it),
    nothing below it is followed. Raises OSError."""
    if create:
        make_folders(root)
    descriptor = os.open(root, _FOLDER)
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o700, dir_fd=descriptor)
            outer, descriptor = descriptor, os.open(part, _FOLDER | os.O_NOFOLLOW,
                                                    dir_fd=descriptor)
            os.close(outer)
        yield descriptor
    finally:
        os.close(descriptor)


def read_entry(root: Path, parts: Sequence[str], name: str,
               limit: int = MAX_ENTRY_BYTES) -> bytes | None:
    """An entry's bytes; None when it is absent, a link, not a regular file, larger than
    `limit` or unreadable."""
    chunks: list[bytes] = []
    try:
        with folder(root, parts, create=False) as where:
            descriptor = os.open(name, _READ, dir_fd=where)
            try:
                return b"".join(chunks) if read_into(descriptor, limit, chunks.append) else None
            finally:
                os.close(descriptor)
    except OSError:
        return None


def write_entry(root: Path, parts: Sequence[str], name: str, data: bytes) -> bool:
    """Write an entry atomically, replacing what is there (a link is replaced, never
    followed); False when it could not be written, leaving no temporary file behind."""
    try:
        with folder(root, parts, create=True) as where:
            temporary = f".{name}.{secrets.token_hex(8)}.tmp"
            write_new(where, temporary, data)
            try:
                os.replace(temporary, name, src_dir_fd=where, dst_dir_fd=where)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=where)
                raise
    except OSError:
        return False
    return True


def write_new(where: int | None, name: str, data: bytes) -> None:
    """Create `name` (in the open folder `where`, or relative to the current one), 0600, and
    write `data`; it must not exist yet. If writing fails the file is removed. Raises OSError
    (FileExistsError if it exists)."""
    descriptor = os.open(name, _CREATE, 0o600, dir_fd=where)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
        finally:
            os.close(descriptor)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=where)
        raise
