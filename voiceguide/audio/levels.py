"""Loudness: BS.1770 measurement, the reference levels, and a peak limiter, in numpy alone.

Every clip and cue is stored at a known level, so rendering is just gains. The
maths is here rather than in pyloudnorm and scipy because importing those costs
about 0.65 s and 65 MB on every run, more than half of an export's memory
budget; the tests check this module against pyloudnorm and ffmpeg's ebur128.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from voiceguide.support.units import SAMPLE_RATE

SPEECH_LUFS = -20.0
"""Integrated loudness of a cached clip spoken at volume 1.0 (quieter volumes sit lower)."""
CUE_LUFS = -26.0
"""Integrated loudness of every cue file in audio_cues/."""
PEAK_LIMIT_DB = -1.0
"""No session's true peak may pass this (dBTP)."""
PEAK_HEADROOM_DB = 6.5
"""Stored material peaks at least this far below full scale, so a session at -16 LUFS (speech
4 dB over its reference) keeps 1.5 dB for its loudness correction under PEAK_LIMIT_DB."""
LIMITER_MARGIN_DB = 0.3
"""The limiter aims this far under the ceiling, for the error of 4x true-peak estimation."""
LIMITER_RAMP_SECONDS = 0.005
"""The gain eases down over this time before a peak and back up after it."""

GRID = 441
"""Loudness is accounted in 10 ms cells: ten to BS.1770's 100 ms step, forty to its 400 ms block."""
CELLS_PER_STEP = 10
STEPS_PER_BLOCK = 4

# BS.1770 K-weighting at 44.1 kHz: a high shelf (+4 dB, Q 1/sqrt 2, 1500 Hz) then a high pass
# (Q 0.5, 38 Hz), as pyloudnorm designs them for this rate (tests compare the two).
_K_BIQUADS = (
    ((1.5309095946396625, -2.651169032402396, 1.1691668584809876), (1.0, -1.663750110244495, 0.7126575309627482)),
    ((0.994607809439911, -1.989215618879822, 0.994607809439911), (1.0, -1.9892010416922554, 0.9892301960673886)),
)
_K_TAPS = 4096
"""The K-weighting's impulse response has decayed by 190 dB after this many samples."""


def db_to_gain(db: float) -> float:
    return 10 ** (db / 20)


@cache
def _k_impulse_response() -> np.ndarray:
    signal = np.zeros(_K_TAPS)
    signal[0] = 1.0
    for (b0, b1, b2), (_, a1, a2) in _K_BIQUADS:
        out = np.empty_like(signal)
        x1 = x2 = y1 = y2 = 0.0
        for n, x in enumerate(signal):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            out[n], x2, x1, y2, y1 = y, x1, x, y1, y
        signal = out
    return signal


FFT_SIZE = 1 << 15
"""The longest FFT in `k_weighted`: memory stays small however long the sound, and float32 FFTs
of this size ran quickest here."""


def k_weighted(samples: np.ndarray) -> np.ndarray:
    """The K-weighted signal, including the filter's tail after the last sample, as float32.

    Overlap-add FFTs in float32 (the last piece in a shorter one): loudness needs no more precision.
    """
    chunk = FFT_SIZE - _K_TAPS + 1
    out = np.zeros(len(samples) + _K_TAPS - 1, dtype=np.float32)
    for start in range(0, len(samples), chunk):
        piece = samples[start : start + chunk].astype(np.float32)
        span = len(piece) + _K_TAPS - 1
        fft_size = 1 << (span - 1).bit_length()
        result = np.fft.irfft(np.fft.rfft(piece, fft_size) * _k_spectrum(fft_size), fft_size)
        out[start : start + span] += result[:span]
    return out


@cache
def _k_spectrum(fft_size: int) -> np.ndarray:
    return np.fft.rfft(_k_impulse_response().astype(np.float32), fft_size)


def cell_energies(samples: np.ndarray) -> np.ndarray:
    """K-weighted energy (sum of squares) in each 10 ms cell, the filter's tail included."""
    return _cells(k_weighted(samples))


def _cells(weighted: np.ndarray) -> np.ndarray:
    """Sum of squares per 10 ms cell, in float64, without squaring the whole signal at once."""
    cells = np.zeros(-(-len(weighted) // GRID))
    for start in range(0, len(weighted), GRID * 1024):
        piece = weighted[start : start + GRID * 1024].astype(np.float64)
        piece = np.pad(piece, (0, -len(piece) % GRID))
        cells[start // GRID : start // GRID + len(piece) // GRID] = (piece**2).reshape(-1, GRID).sum(axis=1)
    return cells


def gated_loudness(cells: np.ndarray) -> float:
    """BS.1770 integrated loudness from energies in 10 ms cells aligned with the start of the audio."""
    steps_count = -(-len(cells) // CELLS_PER_STEP)
    steps = np.pad(cells, (0, steps_count * CELLS_PER_STEP - len(cells))).reshape(-1, CELLS_PER_STEP).sum(axis=1)
    if len(steps) < STEPS_PER_BLOCK:
        return -math.inf
    blocks = np.convolve(steps, np.ones(STEPS_PER_BLOCK), mode="valid") / (GRID * CELLS_PER_STEP * STEPS_PER_BLOCK)
    blocks = blocks[blocks > 10 ** ((-70 + 0.691) / 10)]  # absolute gate
    if not blocks.size:
        return -math.inf
    relative = -0.691 + 10 * math.log10(blocks.mean()) - 10
    gated = blocks[blocks > 10 ** ((relative + 0.691) / 10)]
    return -0.691 + 10 * math.log10(gated.mean())


def steady_cells(lufs: float, samples: int) -> np.ndarray:
    """The cell energies of `samples` of a sound held steady at `lufs`: a stand-in for speech not yet made."""
    return np.full(-(-samples // GRID), GRID * 10 ** ((lufs + 0.691) / 10))


def loudness(samples: np.ndarray) -> float:
    """Integrated loudness (LUFS) of float samples; clips under 0.5 s are measured repeated."""
    measured = _repeated_to_measure(samples)
    return gated_loudness(_cells(k_weighted(measured)[: len(measured)]))


def _repeated_to_measure(samples: np.ndarray) -> np.ndarray:
    """BS.1770 gates in 400 ms blocks: a shorter clip is measured as if said over and over."""
    return np.tile(samples, math.ceil(0.5 * SAMPLE_RATE / max(len(samples), 1)))


OVERSAMPLING = 4
_PHASE_HALF_TAPS = 16
DECIMATION = 49
"""The limiter plans its gain per 49 samples (1.1 ms): its ramps are 5 ms, so nothing finer is needed,
and nine blocks make one loudness cell, so the search for the gain adds up block energies into cells."""
_BLOCKS_PER_CELL = GRID // DECIMATION
_ROWS = 512
"""Blocks handled at once by the block-wise helpers below: memory stays small however long a clip is."""
_BLAS_ROWS = 16
"""Blocks per matrix product: small enough (m*n*k < 2**18) that OpenBLAS starts no threads of its own,
which would spin against the threads making clips on the other core."""


@cache
def _oversampling_matrix() -> np.ndarray:
    """Maps a block and 16 samples either side of it to the block's 4x oversampled points.

    Column `phase * DECIMATION + j` is the point `phase / 4` of a sample after the block's
    sample j (phase 0 is the sample itself), interpolated by a Kaiser-windowed sinc.
    """
    taps = np.arange(-_PHASE_HALF_TAPS, _PHASE_HALF_TAPS + 1)
    matrix = np.zeros((DECIMATION + 2 * _PHASE_HALF_TAPS, OVERSAMPLING * DECIMATION), dtype=np.float32)
    for phase in range(OVERSAMPLING):
        kernel = np.sinc(taps - phase / OVERSAMPLING) * np.kaiser(len(taps), 8.0)
        for j in range(DECIMATION):
            matrix[j : j + len(taps), phase * DECIMATION + j] = kernel
    return matrix


def _block_true_peaks(samples: np.ndarray) -> np.ndarray:
    """The peak of the 4x oversampled signal (where true peaks are) in each block of DECIMATION samples.

    Small matrix products are several times quicker than a convolution per phase.
    """
    half = _PHASE_HALF_TAPS
    blocks = -(-len(samples) // DECIMATION)
    if not blocks:
        return np.zeros(0, dtype=np.float32)
    rows = -(-blocks // _BLAS_ROWS) * _BLAS_ROWS
    padded = np.zeros(rows * DECIMATION + 2 * half, dtype=np.float32)
    padded[half : half + len(samples)] = samples
    windows = np.lib.stride_tricks.sliding_window_view(padded, DECIMATION + 2 * half)[::DECIMATION]
    peaks = np.empty(rows, dtype=np.float32)
    for first in range(0, rows, _ROWS):
        stack = np.ascontiguousarray(windows[first : first + _ROWS]).reshape(-1, _BLAS_ROWS, windows.shape[1])
        points = stack @ _oversampling_matrix()
        peaks[first : first + _ROWS] = np.abs(points, out=points).max(axis=2).ravel()
    return peaks[:blocks]


def true_peak_db(samples: np.ndarray) -> float:
    """Peak level in dBTP, estimated by 4x oversampling as BS.1770 describes."""
    peak = float(_block_true_peaks(samples).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


@dataclass(frozen=True, eq=False)
class Levelled:
    """A sound brought to a loudness by `levelled`."""

    samples: np.ndarray
    """At the target loudness, with true peaks held below -PEAK_HEADROOM_DB."""
    cells: np.ndarray
    """Their K-weighted energy per 10 ms cell, the filter's tail included, as `cell_energies` measures it."""


def normalize(samples: np.ndarray, target_lufs: float) -> np.ndarray:
    """Samples at `target_lufs` with true peaks held below -PEAK_HEADROOM_DB (see `levelled`)."""
    return levelled(samples, target_lufs).samples


def levelled(samples: np.ndarray, target_lufs: float) -> Levelled:
    """Samples at `target_lufs` with true peaks held below -PEAK_HEADROOM_DB, and their cell energies.

    Synthetic speech peaks far above its loudness (plosives), so reaching the
    level needs a look-ahead limiter on those peaks, not only a gain. Limiting
    lowers the loudness a little, so the gain is found by a few secant steps.
    The signal is K-weighted once: each step weighs block energies, not samples,
    and the energies of the result come from the same blocks.
    """
    measured = _repeated_to_measure(samples.astype(np.float32))
    # The gain curve is smooth next to the filter's response, so weighting commutes with it.
    moments = _block_moments(k_weighted(measured))
    peaks = _block_true_peaks(measured)
    peaks = np.pad(peaks, (0, len(moments) - len(peaks)))  # the filter's tail has no peaks of its own
    measured_cells = -(-len(measured) // GRID)  # the last of them holds a few ms of the filter's tail

    def limited_loudness(gain_db: float) -> float:
        return gated_loudness(_energies_under(moments, _gain_curve(peaks, gain_db))[:measured_cells])

    gain_db = target_lufs - gated_loudness(_energies_under(moments, np.ones(len(moments)))[:measured_cells])
    if not math.isfinite(gain_db):
        raise ValueError("the sound is too quiet to measure (below -70 LUFS)")
    level = limited_loudness(gain_db)
    slope = 1.0  # loudness per dB of gain: 1 unlimited, less as the limiter works harder
    for _ in range(8):
        if abs(target_lufs - level) < 0.05:
            break
        step = (target_lufs - level) / slope
        next_level = limited_loudness(gain_db + step)
        slope = max((next_level - level) / step, 0.05)
        gain_db, level = gain_db + step, next_level
    curve = _gain_curve(peaks, gain_db)
    result = _under_gain(measured[: len(samples)], curve).astype(samples.dtype)
    if len(measured) > len(samples):  # measured repeated: the first repeat stands where the tail would be
        return Levelled(result, cell_energies(result))
    return Levelled(result, _energies_under(moments, curve))


@cache
def _ramp_powers() -> np.ndarray:
    """1, t and t² at each sample of a block, t being how far the sample is on the way to the next block."""
    t = np.arange(DECIMATION) / DECIMATION
    return np.stack([np.ones(DECIMATION), t, t * t], axis=1)


def _block_moments(weighted: np.ndarray) -> np.ndarray:
    """Per block of whole 10 ms cells: the energy and its first and second moments in t.

    A gain moving linearly from g to g+d across a block scales the block's energy
    to g²·m0 + 2gd·m1 + d²·m2, so these three numbers stand for its samples.
    """
    blocks = -(-len(weighted) // GRID) * _BLOCKS_PER_CELL
    moments = np.empty((blocks, 3))
    for first in range(0, blocks, _ROWS):
        count = min(_ROWS, blocks - first)
        piece = np.zeros(count * DECIMATION)
        part = weighted[first * DECIMATION : (first + count) * DECIMATION]
        piece[: len(part)] = part
        moments[first : first + count] = (piece**2).reshape(count, DECIMATION) @ _ramp_powers()
    return moments


def _energies_under(moments: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Cell energies of the weighted signal under `curve`, a gain per block start moving linearly in between."""
    change = np.diff(curve, append=curve[-1])
    energies = curve**2 * moments[:, 0] + 2 * curve * change * moments[:, 1] + change**2 * moments[:, 2]
    return energies.reshape(-1, _BLOCKS_PER_CELL).sum(axis=1)


def _under_gain(samples: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """The samples under `curve` as `_energies_under` weighs them, in float32."""
    change = np.diff(curve, append=curve[-1])
    ramp = np.arange(DECIMATION) / DECIMATION
    out = np.empty(len(samples), dtype=np.float32)
    for first in range(0, -(-len(samples) // DECIMATION), _ROWS):
        piece = samples[first * DECIMATION : (first + _ROWS) * DECIMATION]
        gains = curve[first : first + _ROWS, None] + change[first : first + _ROWS, None] * ramp
        out[first * DECIMATION : first * DECIMATION + len(piece)] = piece * gains.ravel()[: len(piece)]
    return out


def _gain_curve(peaks: np.ndarray, gain_db: float) -> np.ndarray:
    """Per-block gain (with `gain_db` applied) keeping every true peak under the ceiling.

    The minimum over +-(ramp+1) blocks, then averaged over +-ramp, reaches each peak's
    full reduction at its block and at both neighbours, so moving linearly from one
    block's start to the next never lets a sample through above the ceiling.
    """
    gain = db_to_gain(gain_db)
    ceiling = db_to_gain(-PEAK_HEADROOM_DB - LIMITER_MARGIN_DB)
    wanted = np.minimum(1.0, ceiling / np.maximum(peaks * gain, 1e-12))
    if wanted.min() >= 1.0:
        return np.full(len(peaks), gain)
    ramp = max(round(LIMITER_RAMP_SECONDS * SAMPLE_RATE / DECIMATION), 1)
    curve = _moving_mean(_moving_min(wanted, 2 * ramp + 3), 2 * ramp + 1)
    return gain * np.minimum(curve, wanted)


def _moving_min(values: np.ndarray, width: int) -> np.ndarray:
    """Centred running minimum (van Herk/Gil-Werman: prefix and suffix minima per block)."""
    half = width // 2
    padded = np.pad(values, (half, half + (-(len(values) + 2 * half)) % width), constant_values=np.inf)
    blocks = padded.reshape(-1, width)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[: len(values)], prefix[width - 1 : width - 1 + len(values)])


def _moving_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Centred running mean; beyond the edges the edge value continues."""
    sums = np.cumsum(np.pad(values.astype(np.float64), (width // 2 + 1, width // 2), mode="edge"))
    return (sums[width:] - sums[:-width]) / width
