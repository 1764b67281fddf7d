"""The default microphone through miniaudio: 16 kHz mono 16-bit blocks, each with the time it was captured."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

from voiceguide.live.devices import opened
from voiceguide.live.listen.endpoint import RATE

Deliver = Callable[[bytes, float], None]
"""Given each block and the time.monotonic() of its first sample."""


class NoMicrophone(RuntimeError):
    """No capture device could be opened; the message says why."""


class Microphone:
    PERIOD_MS = 20

    def __init__(self) -> None:
        self._device = opened("capture", RATE, self.PERIOD_MS, NoMicrophone)
        self.name = getattr(self._device, "name", "") or "the default microphone"

    def start(self, deliver: Deliver) -> None:
        import miniaudio

        receive = self._receive(deliver)
        next(receive)
        try:
            self._device.start(receive)
        except miniaudio.MiniaudioError as exc:
            raise NoMicrophone(str(exc)) from None

    @staticmethod
    def _receive(deliver: Deliver) -> Generator[None, Any, None]:
        while True:
            data = yield
            arrived = time.monotonic()
            pcm = bytes(data)
            deliver(pcm, arrived - len(pcm) / 2 / RATE)

    def close(self) -> None:
        self._device.close()
