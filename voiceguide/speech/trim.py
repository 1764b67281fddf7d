"""Where the voice is in what an engine said: the span between the silence engines put around words."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SILENCE_DBFS = -50.0
"""Samples quieter than this at either end of a clip are trimmed away."""


def sounding(samples: np.ndarray) -> tuple[int, int] | None:
    """The first loud sample and the one after the last, in 16-bit samples; None for silence."""
    threshold = 32767 * 10 ** (SILENCE_DBFS / 20)
    loud = (samples > threshold) | (samples < -threshold)
    if not loud.any():
        return None
    return int(loud.argmax()), len(loud) - int(loud[::-1].argmax())
