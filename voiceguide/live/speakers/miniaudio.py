"""The default speaker: the device pulls blocks from a callback, so position and pauses are exact.

What has been handed over is what is heard, within the device's buffer of a few
tens of milliseconds; that buffer cannot be taken back, so an interruption goes
on from the last sample handed over.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

from voiceguide.live.devices import opened
from voiceguide.live.speakers.speaker import Change, Done, Source, no_device
from voiceguide.support.units import SAMPLE_RATE


class MiniaudioSpeaker:
    """One unbroken stream with no joins: the device asks for each block as it needs it."""

    PERIOD_MS = 40
    """The device asks for this much at a time; its buffer holds a few such periods."""
    DRAIN = SAMPLE_RATE // 2
    """Silence handed over after the end, so the last samples leave the device's buffer before it closes."""

    def __init__(self) -> None:
        self._device = opened("playback", SAMPLE_RATE, self.PERIOD_MS, no_device)
        self._lock = threading.Lock()
        """Held around each fill and its count, and around an interruption: one never cuts into the other."""
        self._handed = 0

    def start(self, source: Source, done: Done) -> None:
        import miniaudio

        pull = self._pull(source, done)
        next(pull)
        try:
            self._device.start(pull)
        except miniaudio.MiniaudioError as exc:
            raise no_device(exc) from None

    def _pull(self, source: Source, done: Done) -> Generator[Any, int, None]:
        import numpy as np

        frames = yield b""
        silence = 0
        while True:
            try:
                with self._lock:
                    block = source.fill(frames)
                    self._handed += len(block)
            except Exception as exc:  # raised on the device's thread, it would only be printed there
                done(exc)
                return
            if len(block) == frames:
                silence = 0  # a jump back after the end
            else:
                silence += frames - len(block)
                if silence >= self.DRAIN:
                    done(None)
                    return
                block = np.concatenate([block, np.zeros(frames - len(block), np.float32)])
            frames = yield block

    def heard(self) -> int:
        return self._handed

    def interrupt(self, change: Change) -> None:
        with self._lock:
            change(self._handed)  # the device's buffer is short: what was handed over plays out

    def close(self) -> None:
        self._device.close()
