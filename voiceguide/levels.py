"""Loudness references: every clip and cue is stored at a known level, so rendering is just gains.

Speech clips are normalized when they enter the cache, cues when tools/make_cues.py
writes them; measuring (BS.1770 via pyloudnorm, true peak by 4x oversampling)
happens only then, never while a session plays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from voiceguide.units import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

SPEECH_LUFS = -20.0
"""Integrated loudness of a cached clip spoken at volume 1.0 (quieter volumes sit lower)."""
CUE_LUFS = -26.0
"""Integrated loudness of every cue file in audio_cues/."""
PEAK_HEADROOM_DB = 6.5
"""Stored material peaks at least this far below full scale: a +4 dB gain to -16 LUFS and the
session's loudness correction (at most MAX_CORRECTION_DB) still stay under -1 dBTP."""
MAX_CORRECTION_DB = 1.5
MIN_MEASURE_SECONDS = 0.5
"""BS.1770 gates in 400 ms blocks; shorter clips are measured by repeating them."""
LIMITER_MARGIN_DB = 0.3
"""The limiter aims this far under the ceiling, for the error of 4x true-peak estimation."""
LIMITER_RAMP_SECONDS = 0.005
"""The gain eases down over this time before a peak and back up after it."""
BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1
"""BS.1770's gating blocks and the step between them."""


def db_to_gain(db: float) -> float:
    return 10 ** (db / 20)


def loudness(samples: np.ndarray) -> float:
    """Integrated loudness (LUFS) of float samples in [-1, 1]."""
    import numpy as np
    import pyloudnorm

    needed = math.ceil(MIN_MEASURE_SECONDS * SAMPLE_RATE / max(len(samples), 1))
    measured = np.tile(samples, needed) if needed > 1 else samples
    return float(pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(measured.astype(np.float64)))


def true_peak_db(samples: np.ndarray) -> float:
    """Peak level in dBTP, estimated by 4x oversampling as BS.1770 describes."""
    peak = float(_peak_envelope(samples).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def normalize(samples: np.ndarray, target_lufs: float) -> np.ndarray:
    """Samples at `target_lufs` with true peaks held below -PEAK_HEADROOM_DB.

    Synthetic speech peaks far above its loudness (plosives), so reaching the
    level needs a look-ahead limiter on those peaks, not only a gain. Limiting
    lowers the loudness a little, so the gain is found by a few corrections.
    """
    envelope = _peak_envelope(samples)
    ceiling = db_to_gain(-PEAK_HEADROOM_DB - LIMITER_MARGIN_DB)
    gain_db = target_lufs - loudness(samples)
    result = samples
    for _ in range(8):
        gain = db_to_gain(gain_db)
        result = samples * (gain * _limiter_gain(envelope * gain, ceiling)).astype(samples.dtype)
        error = target_lufs - loudness(result)
        if abs(error) < 0.1:
            break
        gain_db += error
    return result


def _peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per-sample peak of the 4x oversampled signal: where true peaks are."""
    import numpy as np
    from scipy.signal import resample_poly

    oversampled = np.abs(resample_poly(samples.astype(np.float64), 4, 1))[: 4 * len(samples)]
    return oversampled.reshape(len(samples), 4).max(axis=1)


def _limiter_gain(envelope: np.ndarray, ceiling: float) -> np.ndarray:
    """A smooth gain curve that keeps `envelope` under `ceiling`.

    The minimum over +-ramp, then averaged over +-ramp, still reaches each peak's
    full reduction at the peak itself, and changes linearly around it.
    """
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    wanted = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    if wanted.min() >= 1.0:
        return wanted
    ramp = max(int(LIMITER_RAMP_SECONDS * SAMPLE_RATE), 1)
    held = minimum_filter1d(wanted, size=2 * ramp + 1)
    return np.minimum(uniform_filter1d(held, size=2 * ramp + 1), wanted)


def session_loudness(islands: list[tuple[int, int]], read: Callable[[int, int], np.ndarray]) -> float:
    """BS.1770 integrated loudness of a session from only its audible stretches.

    `islands` are the [start, end) sample ranges that hold sound; everything else is
    silence, whose 400 ms blocks fall under the absolute gate and count for nothing.
    Reading a little silence around each island gives exactly the blocks that matter.
    """
    import numpy as np
    from pyloudnorm import Meter
    from scipy.signal import lfilter

    step = round(STEP_SECONDS * SAMPLE_RATE)
    per_block = round(BLOCK_SECONDS / STEP_SECONDS)
    filters = Meter(SAMPLE_RATE)._filters.values()  # K-weighting: pyloudnorm's two biquads
    energy: dict[int, float] = {}
    for start, end in _merged_steps(islands, step, per_block):
        filtered = read(start, end - start).astype(np.float64)
        for stage in filters:
            filtered = lfilter(stage.b, stage.a, filtered)  # silence before an island: zero filter state
        sums = (filtered**2).reshape(-1, step).sum(axis=1)
        energy.update(zip(range(start // step, end // step), sums))
    if not energy:
        return -math.inf
    first, last = min(energy), max(energy)
    steps = np.array([energy.get(i, 0.0) for i in range(first, last + 1)])
    blocks = np.convolve(steps, np.ones(per_block), mode="valid") / (step * per_block)
    blocks = blocks[blocks > 10 ** ((-70 + 0.691) / 10)]  # absolute gate
    if not blocks.size:
        return -math.inf
    relative = -0.691 + 10 * math.log10(blocks.mean()) - 10
    gated = blocks[blocks > 10 ** ((relative + 0.691) / 10)]
    return -0.691 + 10 * math.log10(gated.mean())


def _merged_steps(islands: list[tuple[int, int]], step: int, per_block: int) -> list[tuple[int, int]]:
    """Islands widened to whole 100 ms steps plus one block of silence each side, overlaps merged."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(islands):
        lo = max(0, (start // step - per_block) * step)
        hi = (-(-end // step) + per_block) * step
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged
