"""Outputs appear whole or not at all: written beside the target, then renamed (or linked) into place.

Making the temporary file, putting it in place and removing it happen with
interruptions held (see interruptions), so Ctrl-C at any moment leaves no
temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from voiceguide.support.interruptions import held


@contextmanager
def replacing(target: Path, then: Callable[[], None] | None = None) -> Iterator[Path]:
    """A temporary path beside `target`; renamed onto it only if the block finishes.

    On any failure or interruption the temporary file is removed and an existing
    `target` is left exactly as it was. `then` is called right after the rename,
    while interruptions are still held.
    """

    def rename(temporary: Path) -> None:
        os.replace(temporary, target)
        if then is not None:
            then()

    with _beside(target, rename) as temporary:
        yield temporary


@contextmanager
def creating(target: Path) -> Iterator[Path]:
    """Like `replacing`, but an existing `target` wins: entries written once are never swapped.

    Two processes sharing a cache may make the same clip at once; speech engines do
    not give identical audio twice, so the second copy is dropped, and a session laid
    out from the first copy's length also plays the first copy.
    """

    def link(temporary: Path) -> None:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, target)  # atomic, and refused if another writer got there first
        temporary.unlink()

    with _beside(target, link) as temporary:
        yield temporary


@contextmanager
def _beside(target: Path, put_in_place: Callable[[Path], None]) -> Iterator[Path]:
    """A temporary file beside `target`, put in place if the block finishes and removed in any case.

    Making it, putting it in place and removing it all happen with interruptions held.
    """
    temporary = None
    try:
        with held():
            temporary = _temporary_beside(target)
        yield temporary
        with held():
            put_in_place(temporary)
    finally:
        _remove(temporary)


def _remove(temporary: Path | None) -> None:
    with held():
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _temporary_beside(target: Path) -> Path:
    """An empty file in the target's folder (so the final rename stays on one file system)."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".partial{target.suffix}")
    os.close(handle)
    os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
