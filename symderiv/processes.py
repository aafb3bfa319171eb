"""What a process that runs checks does to itself: a memory limit per check, dying with its parent.

Linux only: elsewhere `limit_memory` limits nothing (`MEMORY_LIMITED` is False) and a worker
relies on the end of its pipe to notice that the parent has gone. Nothing here imports sympy,
numpy or the rest of symderiv.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

#: Whether `limit_memory` can bound a check's memory here (RLIMIT_AS and /proc/self/statm).
MEMORY_LIMITED = sys.platform.startswith("linux")

MEBIBYTE = 1 << 20

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def address_space() -> int:
    """Bytes of virtual address space this process has mapped now (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def limit_memory(megabytes: int) -> Iterator[None]:
    """Let the block map at most `megabytes` MiB beyond what this process has mapped already.

    The soft RLIMIT_AS is set to the address space in use plus the limit, so a check may
    allocate its `megabytes` whatever the process holds (sympy, numpy and OpenBLAS's reserved
    buffers, the specs), and restored on leaving: an unprivileged process may raise its soft
    limit again up to the hard one, which is never touched. An allocation past the limit is
    a `MemoryError` in Python, numpy or sympy, but GMP aborts the whole process: the block
    must run in a process that may die (a worker, or a child of its own).
    """
    if megabytes <= 0 or not MEMORY_LIMITED:
        yield
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = address_space() + megabytes * MEBIBYTE
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY:  # a tighter limit set by the user stays
        wanted = min(wanted, soft)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def die_with_parent(parent: int) -> None:
    """End this process (SIGKILL) when its parent ends, or now if it has already ended.

    `parent` is the pid of the process that started this one: if it died before the
    parent-death signal was set, this process has a new parent already and exits at once.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
