"""The per-machine key that authenticates cache entries, and the MAC made with it.

An entry's name is computable from public inputs (the spec, the options, the versions), so a
forged entry can have the right name. Only an entry sealed with an HMAC-SHA256 under this key
is ever read: 32 random bytes made on first use in `$XDG_CONFIG_HOME/symderiv/cache-key`
(`~/.config/symderiv/cache-key`, or `$SYMDERIV_CACHE_KEY_FILE`), outside any repository, a
regular file of the user's own that nobody else may read or write.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from symderiv.cache.files import make_folders, write_new
from symderiv.cache.places import CacheUnavailable, user_folder

KEY_BYTES = 32
KEY_FILE_VARIABLE = "SYMDERIV_CACHE_KEY_FILE"
_DOMAIN = b"symderiv cache entry\0"


def key_file() -> Path:
    """Where the key is kept: `$SYMDERIV_CACHE_KEY_FILE`, else the user's config folder."""
    given = os.environ.get(KEY_FILE_VARIABLE, "")
    if given:
        return Path(given)
    return user_folder("XDG_CONFIG_HOME", ".config") / "symderiv" / "cache-key"


def load_key(path: Path | None = None) -> bytes:
    """The key in `path` (default `key_file()`), made there on first use.

    Raises:
        CacheUnavailable: the key file is a link, not a regular file, not the user's own,
            open to others, not a key, or cannot be read or made.
    """
    path = key_file() if path is None else path
    try:
        try:
            return _read_key(path)
        except FileNotFoundError:
            _make_key(path)
            return _read_key(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise CacheUnavailable("the cache key is a symbolic link; it must be a regular "
                                   "file", path) from error
        raise CacheUnavailable(f"cannot use the cache key: {error.strerror or error}",
                               path) from error


def _read_key(path: Path) -> bytes:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise CacheUnavailable("the cache key is not a regular file", path)
        if info.st_uid != os.geteuid():
            raise CacheUnavailable("the cache key belongs to another user", path)
        if info.st_mode & 0o077:
            raise CacheUnavailable("the cache key is open to other users (chmod 600 it)", path)
        text = os.read(descriptor, 2 * KEY_BYTES + 2)
    finally:
        os.close(descriptor)
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except ValueError:  # UnicodeDecodeError included
        key = b""
    if len(key) != KEY_BYTES:
        raise CacheUnavailable(f"the cache key is not {2 * KEY_BYTES} hex digits (delete it "
                               "to make a new one)", path)
    return key


def _make_key(path: Path) -> None:
    """A new random key at `path`, published whole (a hard link of a finished file): a key
    another process made first wins."""
    make_folders(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    write_new(None, str(temporary), (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def seal(key: bytes, name: str, payload: bytes) -> bytes:
    """An entry's file: the hex HMAC of its name and payload on the first line, then the
    payload."""
    return _mac(key, name, payload) + b"\n" + payload


def unseal(key: bytes, name: str, data: bytes) -> bytes | None:
    """The payload of an entry's file; None when its MAC is missing or wrong (a miss)."""
    header, newline, payload = data.partition(b"\n")
    if not newline or not hmac.compare_digest(header, _mac(key, name, payload)):
        return None
    return payload


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    message = _DOMAIN + name.encode("utf-8") + b"\0" + payload
    return hmac.new(key, message, hashlib.sha256).hexdigest().encode("ascii")
