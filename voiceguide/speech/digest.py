"""Content hashes of voice files, which name a voice in the cache key: a changed file is a new voice."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path


def file_digest(path: Path) -> str:
    """The file's SHA-256, hashed once per process for each size and modification time it has."""
    status = path.stat()
    return _digest(path.resolve(), status.st_size, status.st_mtime_ns)


@functools.cache
def _digest(path: Path, size: int, modified: int) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
