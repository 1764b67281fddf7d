"""A speaker with no device and no thread: whoever holds it says when time passes.

It is a complete speaker, and the shortest one to read before writing another:
`play(frames)` is what a device's callback does when it needs `frames` samples.
Tests use it to hear a live session to the sample, in milliseconds, with no sound server.
"""

from __future__ import annotations

import threading

import numpy as np

from voiceguide.live.speakers.speaker import Change, Done, Source


class MemorySpeaker:
    """Records what it plays in `recording`; with `ahead`, it also keeps that many samples pulled
    but not yet heard, as a device's buffer does, and an interruption takes them back."""

    def __init__(self, ahead: int = 0) -> None:
        self._ahead = ahead
        self._lock = threading.Lock()
        """Held around each fill and the bookkeeping, and around an interruption, as every speaker's is."""
        self._source: Source | None = None
        self._done: Done | None = None
        self._heard: list[np.ndarray] = []
        self._heard_count = 0
        self._queued = np.zeros(0, np.float32)
        """Pulled from the source, not yet heard: the device's buffer."""
        self._over = False
        """The end (or a failure) has been heard and reported: nothing more plays."""
        self._ended = False
        """The source gave fewer samples than asked: nothing more comes, unless an interruption changes course."""

    @property
    def recording(self) -> np.ndarray:
        """Every sample heard so far."""
        return np.concatenate([np.zeros(0, np.float32), *self._heard])

    def start(self, source: Source, done: Done) -> None:
        self._source, self._done = source, done

    def play(self, frames: int) -> np.ndarray:
        """Let `frames` samples' time pass; returns what was heard in it (fewer once the stream is over)."""
        if self._source is None or self._done is None:
            raise RuntimeError("start() the speaker before playing")
        error: BaseException | None = None
        with self._lock:
            if self._over:
                return np.zeros(0, np.float32)
            wanted = frames + self._ahead - len(self._queued)
            if wanted > 0 and not self._ended:
                try:
                    block = self._source.fill(wanted)
                except Exception as exc:  # a device's thread could only print it: the player is told instead
                    block, error = np.zeros(0, np.float32), exc
                    self._queued = self._queued[:0]
                self._ended = len(block) < wanted
                self._queued = np.concatenate([self._queued, block])
            heard, self._queued = self._queued[:frames], self._queued[frames:]
            self._heard.append(heard)
            self._heard_count += len(heard)
            over = self._over = self._ended and not len(self._queued)
        if over:
            self._done(error)
        return heard

    def heard(self) -> int:
        return self._heard_count

    def interrupt(self, change: Change) -> None:
        with self._lock:
            self._queued = self._queued[:0]
            self._ended = False  # a jump back after the end goes on playing
            change(self._heard_count)

    def close(self) -> None:
        """Nothing to let go of: there is no device."""
