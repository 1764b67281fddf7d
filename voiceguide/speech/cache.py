"""The on-disk clip cache: one WAV per line, keyed by everything that changes its sound.

A clip in the cache is 44.1 kHz mono 16-bit WAV whose first and last samples are
sound (see making), so an event's start is the moment the voice is heard. Lengths
are read from WAV headers, so laying out a session from a warm cache starts no
engine and decodes nothing. Entries are written once, atomically, and never replaced.
"""

from __future__ import annotations

import hashlib
import json
import wave
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.audio import levels
from voiceguide.script.routine import Utterance
from voiceguide.support.atomic import creating
from voiceguide.support.units import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

CLIP_FORMAT = 4
"""Bump when the making of clips changes, so old clips are not reused."""


class ClipCache:
    """Clips in one folder, each keyed by its text, pace, volume and what `voice_key` says of its voice."""

    def __init__(self, folder: Path, voice_key: Callable[[Utterance], str]) -> None:
        self.folder = folder
        self._voice_key = voice_key
        self._paths: dict[Utterance, Path] = {}

    def path(self, utterance: Utterance) -> Path:
        if utterance not in self._paths:
            key = json.dumps(
                [CLIP_FORMAT, SAMPLE_RATE, self._voice_key(utterance), utterance.text, utterance.pronounce]
                + [utterance.rate, utterance.volume]
            )
            self._paths[utterance] = self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.wav"
        return self._paths[utterance]

    def missing(self, utterances: Iterable[Utterance]) -> list[Utterance]:
        """Clips not in the cache; a damaged entry (truncated, not a WAV) is removed and counts as missing."""
        return [u for u in dict.fromkeys(utterances) if not _whole_clip(self.path(u))]

    def length(self, utterance: Utterance) -> int:
        """The clip's length in samples, from its header."""
        with wave.open(str(self.path(utterance)), "rb") as clip:
            return clip.getnframes()

    def samples(self, utterance: Utterance) -> np.ndarray:
        """The clip as 16-bit samples."""
        import numpy as np

        with wave.open(str(self.path(utterance)), "rb") as clip:
            return np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")

    def energies(self, utterance: Utterance) -> np.ndarray:
        """The clip's K-weighted energy per 10 ms cell (see levels), measured once and kept beside it."""
        import numpy as np

        try:
            return np.load(self._energies_path(utterance), allow_pickle=False)
        except (OSError, ValueError):
            cells = levels.cell_energies(self.samples(utterance) / 32768)
            self._store_energies(utterance, cells)
            return cells

    def store(self, utterance: Utterance, samples: np.ndarray, cells: np.ndarray) -> None:
        """Write the clip and its cell energies atomically and only once: a reader sharing the cache never
        sees half of one, and never a second take whose length differs from the one its session was laid out with."""
        with creating(self.path(utterance)) as temporary, wave.open(str(temporary), "wb") as clip:
            clip.setnchannels(1)
            clip.setsampwidth(2)
            clip.setframerate(SAMPLE_RATE)
            clip.writeframes(samples.astype("<i2").tobytes())
        self._store_energies(utterance, cells)  # if missing meanwhile, `energies` makes them from the WAV

    def _energies_path(self, utterance: Utterance) -> Path:
        return self.path(utterance).with_suffix(".cells.npy")

    def _store_energies(self, utterance: Utterance, cells: np.ndarray) -> None:
        import numpy as np

        with creating(self._energies_path(utterance)) as temporary, temporary.open("wb") as file:
            np.save(file, cells, allow_pickle=False)


def _whole_clip(path: Path) -> bool:
    """Whether a cache entry is a complete clip; a damaged one is removed so it can be made again.

    A missing entry is found by `stat`, not by a failing `wave.open`: that leaves a
    half-made reader whose `__del__` runs, and a Ctrl-C arriving there would be lost.
    """
    try:
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):  # the folder may be a file: making clips says so
        return False
    try:
        with wave.open(str(path), "rb") as clip:
            whole = clip.getnframes() > 0 and (clip.getframerate(), clip.getnchannels()) == (SAMPLE_RATE, 1)
            whole = whole and size >= 44 + 2 * clip.getnframes()
    except (OSError, EOFError, wave.Error):
        whole = False
    if not whole:
        path.unlink(missing_ok=True)
        path.with_suffix(".cells.npy").unlink(missing_ok=True)
    return whole
