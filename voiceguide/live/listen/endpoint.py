"""Where speech starts and ends, by its energy above a noise floor that follows steady noise.

Every 10 ms frame's level is compared with a floor: the level that a tenth of the
last second's frames stay under. A fan, traffic or a sound bed raise the floor
within a second instead of counting as speech (WebRTC's voice activity
detector took steady noise for speech, so nothing ever ended and nothing was heard),
while a spoken command, with the pauses around and inside it, hardly moves it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

RATE = 16_000
FRAME = RATE // 100
"""Samples in one 10 ms frame."""


@dataclass(frozen=True)
class Settings:
    start_db: float = 10.0
    """A frame this far above the floor is loud enough to start speech..."""
    start_frames: int = 4
    """...when this many of the last `start_window` frames are."""
    start_window: int = 6
    keep_db: float = 6.0
    """Speech goes on while frames come this far above the floor..."""
    end_frames: int = 22
    """...and ends after this many quieter frames in a row (220 ms: the pause inside "soft-er" is shorter)."""
    preroll_frames: int = 25
    """Frames before the start that are handed over with it: the soft beginning of a word."""
    quietest_db: float = -62.0
    """Nothing quieter than this (dBFS) is speech, however quiet the floor (digital silence is -inf)."""
    floor_frames: int = 100
    """The floor is measured over this many recent frames (1 s)..."""
    floor_percentile: float = 10.0
    """...as the level this percentage of them stay under."""


class Endpointer:
    """Feed frames of FRAME samples to `frame`; it says where speech starts, goes on and ends.

    Positions are counts of samples fed so far, so a caller can tell the time of each.
    """

    def __init__(self, settings: Settings = Settings()) -> None:
        self.settings = settings
        self.floor = -120.0
        self.in_speech = False
        self.speech_start = 0
        self.last_loud = 0
        """The sample just after the last frame that kept speech going."""
        self._fed = 0
        self._recent: deque[bool] = deque(maxlen=settings.start_window)
        self._preroll: deque[np.ndarray] = deque(maxlen=settings.preroll_frames)
        self._quiet = 0
        self._levels = np.full(settings.floor_frames, np.nan)
        self._frames = 0

    @property
    def fed(self) -> int:
        return self._fed

    def frame(self, frame: np.ndarray) -> tuple[str, np.ndarray] | None:
        """One frame of 16-bit samples; returns ("start", audio from the preroll on), ("speech", frame),
        ("end", frame) or None outside speech."""
        level = _db(frame)
        s = self.settings
        self._levels[self._frames % s.floor_frames] = level
        self._frames += 1
        if self._frames % 10 == 1:  # every 100 ms is often enough
            self.floor = float(np.nanpercentile(self._levels, s.floor_percentile))
        start = self._fed
        self._fed += len(frame)
        result: tuple[str, np.ndarray] | None
        if not self.in_speech:
            loud = level >= self.floor + s.start_db and level >= s.quietest_db
            self._recent.append(loud)
            self._preroll.append(frame)
            if sum(self._recent) >= s.start_frames:
                self.in_speech = True
                self._quiet = 0
                frames = list(self._preroll)
                self.speech_start = self._fed - sum(len(f) for f in frames)
                self.last_loud = self._fed
                self._preroll.clear()
                self._recent.clear()
                result = ("start", np.concatenate(frames))
            else:
                result = None
            return result
        if level >= self.floor + s.keep_db and level >= s.quietest_db:
            self._quiet = 0
            self.last_loud = start + len(frame)
        else:
            self._quiet += 1
        if self._quiet >= s.end_frames:
            self.in_speech = False
            return ("end", frame)
        return ("speech", frame)


def _db(frame: np.ndarray) -> float:
    power = float(np.mean(np.square(frame.astype(np.float64) / 32768.0))) if len(frame) else 0.0
    return 10 * np.log10(power + 1e-12)
