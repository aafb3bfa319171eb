"""The result cache, kept outside the work tree and trusted only where it wrote itself.

`store` (the `Cache`: keys, entries, versions), `codec` (results as typed JSON, never sympy),
`files` (bounded reads of regular files, atomic writes, nothing followed), `secret` (the
per-machine key and the entries' MAC), `places` (the default folder, one per project). Here:
the names callers use.
"""

from __future__ import annotations

from symderiv.cache.codec import FORMAT
from symderiv.cache.files import MAX_ENTRY_BYTES
from symderiv.cache.places import CacheUnavailable, default_directory
from symderiv.cache.secret import key_file, load_key
from symderiv.cache.store import Cache, ProofPrinter, file_key, versions

__all__ = [
    "FORMAT", "MAX_ENTRY_BYTES", "Cache", "CacheUnavailable", "ProofPrinter",
    "default_directory", "file_key", "key_file", "load_key", "versions",
]
