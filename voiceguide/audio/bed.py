"""The ambience bed under a session: looped without a seam, lowered while words are spoken."""

from __future__ import annotations

import bisect

import numpy as np

from voiceguide.audio import levels
from voiceguide.support.units import to_samples

BELOW_SPEECH_DB = 20.0
"""At volume 1.0 the bed sits this far under the speech: a hush in the pauses, never competing with
the words, and quiet enough that loudness gating (BS.1770) still measures the voice."""
DUCK_DB = -10.0
"""How far the bed drops while words are spoken."""
DUCK_RAMP_SECONDS = 0.4
"""The bed eases down before words begin and back up after they end, never abruptly."""


class Bed:
    def __init__(self, loop: np.ndarray, loop_energies: np.ndarray, gain: float, words: list[tuple[int, int]]) -> None:
        """`words`: where speech sounds, as (start, end) samples in time order; the bed ducks under them."""
        self._gain = gain
        self._loop = loop.astype(np.float32) * (gain / 32768)
        self._loop_energies = loop_energies
        self._words = words
        self._starts = [start for start, _ in words]
        self._longest = max((end - start for start, end in words), default=0)
        self._ramp = to_samples(DUCK_RAMP_SECONDS)
        self._duck = levels.db_to_gain(DUCK_DB)

    def read(self, position: int, frames: int) -> np.ndarray:
        positions = np.arange(position, position + frames)
        return self._loop[positions % len(self._loop)] * self.ducking(positions)

    def louder(self, factor: float) -> None:
        self._gain *= factor
        self._loop *= factor

    def ducking(self, positions: np.ndarray) -> np.ndarray:
        """The bed's gain (1 free, DUCK_DB under words, ramps between) at sorted sample positions."""
        gains = np.ones(len(positions), dtype=np.float32)
        if not len(positions):
            return gains
        first = bisect.bisect_left(self._starts, positions[0] - self._ramp - self._longest)
        last = bisect.bisect_right(self._starts, positions[-1] + self._ramp)
        for start, end in self._words[first:last]:
            lo, hi = np.searchsorted(positions, [start - self._ramp, end + self._ramp])
            near = positions[lo:hi]
            outside = np.maximum(start - near, near - end) / self._ramp  # <= 0 during the words
            ducked = self._duck + (1 - self._duck) * np.clip(outside, 0.0, 1.0)
            np.minimum(gains[lo:hi], ducked, out=gains[lo:hi])
        return gains

    def cell_energies(self, cells: int) -> np.ndarray:
        """K-weighted energy per 10 ms cell over `cells` cells of the session, ducking included."""
        loop_cells = self._loop_energies[: len(self._loop) // levels.GRID] * self._gain**2
        centres = np.arange(cells) * levels.GRID + levels.GRID // 2
        return np.resize(loop_cells, cells) * self.ducking(centres) ** 2
