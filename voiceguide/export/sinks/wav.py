"""16-bit PCM WAV with Python's own `wave`: exactly the rendered samples, and no ffmpeg needed."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from voiceguide.export.sink import Sink
from voiceguide.render import to_pcm16
from voiceguide.support.units import SAMPLE_RATE


@contextmanager
def wav_sink(path: Path) -> Iterator[Sink]:
    """A WAV sink on `path`. The file system's refusals are left as OSError, for `writing` to say plainly."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        yield _WavSink(out)


class _WavSink:
    def __init__(self, out: wave.Wave_write) -> None:
        self._out = out

    def write(self, block: np.ndarray) -> None:
        self._out.writeframes(to_pcm16(block))

    def close(self) -> None:
        self._out.close()  # writes the final lengths into the header; closing again is harmless
