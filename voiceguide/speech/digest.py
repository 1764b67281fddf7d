"""Content hashes of voice files, which name a voice in the cache key: a changed file is a new voice.

Hashing a 60 MB model takes a tenth of a second, too long for every warm start, so
each hash is remembered in the cache folder by the file's path, size and
modification time, as build tools remember what they have seen.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path

from voiceguide.support.atomic import replacing

REMEMBERED = "voice-digests.json"


def file_digest(path: Path) -> str:
    """The file's SHA-256, hashed once per process for each size and modification time it has."""
    status = path.stat()
    return _digest(path.resolve(), status.st_size, status.st_mtime_ns)


def remembered_digest(path: Path, folder: Path) -> str:
    """The file's SHA-256, from `folder`'s memory of it if its size and modification time are unchanged."""
    status = path.stat()
    key, stamp = str(path.resolve()), [status.st_size, status.st_mtime_ns]
    memory = _memory(folder / REMEMBERED)
    seen = memory.get(key)
    if isinstance(seen, list) and len(seen) == 3 and seen[:2] == stamp:
        return str(seen[2])
    digest = _digest(path.resolve(), *stamp)
    memory[key] = [*stamp, digest]
    with contextlib.suppress(OSError):  # only a memory: a cache folder that cannot be written costs a hash
        folder.mkdir(parents=True, exist_ok=True)
        with replacing(folder / REMEMBERED) as temporary:
            temporary.write_text(json.dumps(memory), encoding="utf-8")
    return digest


def _memory(file: Path) -> dict[str, object]:
    try:
        memory = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memory if isinstance(memory, dict) else {}


@functools.cache
def _digest(path: Path, size: int, modified: int) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
