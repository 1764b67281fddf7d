"""Freed memory kept for reuse, so numpy's large temporaries do not cost a page fault per 4 KB each time.

Making a clip allocates and frees arrays of a megabyte or so dozens of times. glibc
gives the top of its heaps back to the system after such frees, and every new array
is then zero-filled page by page: about 136,000 page faults for the 124 clips of the
export benchmark, a third of a second of a core. Keeping 64 MB at the top of each
heap removes almost all of them, and peak memory barely moves: those pages were in
use a moment before.
"""

from __future__ import annotations

import ctypes
import sys

M_TOP_PAD = -2
"""glibc's mallopt parameter: how much free memory stays at the top of a heap."""
TOP_PAD_BYTES = 64 << 20


def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse; other C libraries keep their own counsel."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).mallopt(M_TOP_PAD, TOP_PAD_BYTES)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        pass
