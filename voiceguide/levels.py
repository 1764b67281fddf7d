"""Loudness: BS.1770 measurement, the reference levels, and a peak limiter, in numpy alone.

Every clip and cue is stored at a known level, so rendering is just gains. The
maths is here rather than in pyloudnorm and scipy because importing those costs
about 0.65 s and 65 MB on every run, more than half of an export's memory
budget; the tests check this module against pyloudnorm and ffmpeg's ebur128.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache

import numpy as np

from voiceguide.units import SAMPLE_RATE

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


CHUNK = (1 << 16) - _K_TAPS + 1
"""Samples per FFT in `convolve` (the FFT is 2**16 long): memory stays small however long a clip is."""


def convolve(samples: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Full linear convolution by overlap-add FFTs of fixed size, as float32."""
    size = len(samples) + len(kernel) - 1
    fft_size = 1 << (CHUNK + len(kernel) - 2).bit_length()
    kernel_spectrum = np.fft.rfft(kernel, fft_size)
    out = np.zeros(size, dtype=np.float32)
    for start in range(0, len(samples), CHUNK):
        piece = samples[start : start + CHUNK].astype(np.float64)
        result = np.fft.irfft(np.fft.rfft(piece, fft_size) * kernel_spectrum, fft_size)
        span = min(len(piece) + len(kernel) - 1, size - start)
        out[start : start + span] += result[:span]
    return out


def k_weighted(samples: np.ndarray) -> np.ndarray:
    """The K-weighted signal, including the filter's tail after the last sample."""
    return convolve(samples, _k_impulse_response())


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


def loudness(samples: np.ndarray) -> float:
    """Integrated loudness (LUFS) of float samples; clips under 0.5 s are measured repeated."""
    measured = _repeated_to_measure(samples)
    return gated_loudness(_cells(k_weighted(measured)[: len(measured)]))


def _repeated_to_measure(samples: np.ndarray) -> np.ndarray:
    """BS.1770 gates in 400 ms blocks: a shorter clip is measured as if said over and over."""
    return np.tile(samples, math.ceil(0.5 * SAMPLE_RATE / max(len(samples), 1)))


OVERSAMPLING = 4
_PHASE_HALF_TAPS = 16


@cache
def _interpolator_phases() -> np.ndarray:
    """Windowed-sinc filters for the 3 in-between points of 4x oversampling (the 4th is the sample itself)."""
    taps = np.arange(-_PHASE_HALF_TAPS, _PHASE_HALF_TAPS + 1)
    return np.array(
        [np.sinc(taps - phase / OVERSAMPLING) * np.kaiser(len(taps), 8.0) for phase in range(1, OVERSAMPLING)]
    )


def _peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per-sample peak of the 4x oversampled signal (where true peaks are), in bounded chunks."""
    envelope = np.abs(samples).astype(np.float32)
    margin = _PHASE_HALF_TAPS
    for start in range(0, len(samples), CHUNK):
        lo, hi = max(start - margin, 0), min(start + CHUNK + margin, len(samples))
        piece = samples[lo:hi].astype(np.float64)
        view = envelope[start : start + CHUNK]
        for phase in _interpolator_phases():
            between = np.convolve(piece, phase[::-1], mode="same")[start - lo : start - lo + len(view)]
            np.maximum(view, np.abs(between), out=view)
    return envelope


DECIMATION = 32
"""The limiter plans its gain per 32 samples (0.7 ms): its ramps are 5 ms, so nothing finer is needed."""


def _block_peaks(envelope: np.ndarray) -> np.ndarray:
    padded = np.pad(envelope, (0, -len(envelope) % DECIMATION))
    return padded.reshape(-1, DECIMATION).max(axis=1)


def true_peak_db(samples: np.ndarray) -> float:
    """Peak level in dBTP, estimated by 4x oversampling as BS.1770 describes."""
    peak = float(_peak_envelope(samples).max(initial=0.0)) if len(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def normalize(samples: np.ndarray, target_lufs: float) -> np.ndarray:
    """Samples at `target_lufs` with true peaks held below -PEAK_HEADROOM_DB.

    Synthetic speech peaks far above its loudness (plosives), so reaching the
    level needs a look-ahead limiter on those peaks, not only a gain. Limiting
    lowers the loudness a little, so the gain is found by a few secant steps.
    Memory is two float32 copies of the clip plus fixed-size chunks.
    """
    measured = _repeated_to_measure(samples.astype(np.float32))
    peaks = _block_peaks(_peak_envelope(measured))
    weighted = k_weighted(measured)[: len(measured)]

    def limited_loudness(gain_db: float) -> float:
        # The gain curve is smooth next to the filter's response, so weighting commutes with it.
        curve = _gain_curve(peaks, gain_db)
        cells = [_cells(weighted[lo:hi] * _expand(curve, lo, hi)) for lo, hi in _pieces(len(measured))]
        return gated_loudness(np.concatenate(cells))

    gain_db = target_lufs - gated_loudness(_cells(weighted))
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
    result = np.concatenate([measured[lo:hi] * _expand(curve, lo, hi) for lo, hi in _pieces(len(samples))])
    return result.astype(samples.dtype)


def _pieces(length: int, size: int = GRID * 256) -> Iterator[tuple[int, int]]:
    """Whole 10 ms cells at a time, so each piece's cell energies line up."""
    for lo in range(0, length, size):
        yield lo, min(lo + size, length)


def _gain_curve(peaks: np.ndarray, gain_db: float) -> np.ndarray:
    """Per-block gain (with `gain_db` applied) keeping every true peak under the ceiling.

    The minimum over +-(ramp+1) blocks, then averaged over +-ramp, reaches each peak's
    full reduction at its block and at both neighbours, so interpolating between
    blocks never lets a sample through above the ceiling.
    """
    gain = db_to_gain(gain_db)
    ceiling = db_to_gain(-PEAK_HEADROOM_DB - LIMITER_MARGIN_DB)
    wanted = np.minimum(1.0, ceiling / np.maximum(peaks * gain, 1e-12))
    if wanted.min() >= 1.0:
        return np.full(len(peaks), gain)
    ramp = max(round(LIMITER_RAMP_SECONDS * SAMPLE_RATE / DECIMATION), 1)
    curve = _moving_mean(_moving_min(wanted, 2 * ramp + 3), 2 * ramp + 1)
    return gain * np.minimum(curve, wanted)


def _expand(curve: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The block curve at samples lo..hi, interpolated between block centres."""
    positions = np.arange(lo, hi, dtype=np.float64) / DECIMATION - 0.5
    return np.interp(positions, np.arange(len(curve)), curve).astype(np.float32)


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
