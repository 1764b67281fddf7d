"""What a speaker is: the protocol between the live Player and a sound device.

A speaker pulls the stream from its source whenever its device needs samples, on
its own thread. Locking is the speaker's own business, with one rule: its lock is
always taken before the Player's, never after. So a speaker holds its own lock
around each `source.fill(...)` and its own bookkeeping, and the Player never calls
into a speaker while it holds its lock. `memory.py` is the smallest complete example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from voiceguide.support.errors import AudioDeviceError

if TYPE_CHECKING:
    import numpy as np

EXPORT_HINT = "write the session to a file with `voiceguide export` and play that instead"

Done = Callable[["BaseException | None"], None]
"""Called once, from the speaker's thread, when the stream's last sample has been heard (or it failed)."""
Change = Callable[[int], None]
"""Told the sample of the stream where it goes on after an interruption: the source rewinds to it and changes course."""


class Source(Protocol):
    """The stream a speaker plays: the live player's samples, one after another."""

    def fill(self, frames: int) -> np.ndarray:
        """The next `frames` float32 samples; fewer only once the stream has ended. Thread-safe."""
        ...


class Speaker(Protocol):
    def start(self, source: Source, done: Done) -> None:
        """Begin pulling samples from `source`."""
        ...

    def heard(self) -> int:
        """How many samples of the stream have been heard (or handed to the device); callable from any thread."""
        ...

    def interrupt(self, change: Change) -> None:
        """Let the source change course: drop what was handed over but not yet heard, where that is possible,
        then call `change` with the sample of the stream where it now goes on.

        `change` runs under the speaker's lock, so no `fill` can come between the drop and
        the change: the next samples pulled are the changed stream.
        """
        ...

    def close(self) -> None: ...


def no_device(exc: Exception | str) -> AudioDeviceError:
    """The one message for a sound device that is missing or busy, whichever library found out."""
    reason = exc if isinstance(exc, str) else str(exc.args[0]) if exc.args else type(exc).__name__
    return AudioDeviceError(f"no sound device to play on ({reason}): none is set up, or it is busy; {EXPORT_HINT}")
