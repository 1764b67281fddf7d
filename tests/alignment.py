"""Finding rendered audio in a recording: where a piece of it is, and how well it matches there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE = 44100


@dataclass(frozen=True)
class Match:
    at: int
    """The recording's sample where the piece begins."""
    score: float
    """Normalized correlation there: 1.0 is the same waveform (at any level)."""


def find(recording: np.ndarray, piece: np.ndarray, start: int = 0, end: int | None = None) -> Match:
    """Where `piece` best matches the recording, beginning between samples `start` and `end`."""
    start = max(start, 0)
    end = len(recording) - len(piece) if end is None else min(end, len(recording) - len(piece))
    if end < start:
        return Match(start, 0.0)
    window = recording[start : end + len(piece)].astype(np.float64)
    reference = piece.astype(np.float64)
    size = 1 << (len(window) + len(reference) - 1).bit_length()
    products = np.fft.irfft(np.fft.rfft(window, size) * np.fft.rfft(reference[::-1], size), size)
    dots = products[len(reference) - 1 : len(window)]
    energy = np.concatenate([[0.0], np.cumsum(window**2)])
    windows = energy[len(reference) :] - energy[: -len(reference)]
    own = np.dot(reference, reference)
    audible = windows > 1e-6 * own  # near-silent windows would divide rounding noise by nearly nothing
    scores = np.where(audible, dots / np.sqrt(np.maximum(windows, 1e-300) * own), 0.0)
    best = int(np.argmax(scores))
    return Match(start + best, float(scores[best]))


def placed(recording: np.ndarray, rendered: np.ndarray, lag: int, piece: int, tolerance: int) -> np.ndarray:
    """The recording cut into pieces of the rendered audio, each put where it matches best within `tolerance`.

    Players that join buffers may shift what follows a join by a few samples; joined
    back piece by piece, the recording can still be compared with the rendering.
    """
    result = np.zeros_like(rendered)
    for start in range(0, len(rendered), piece):
        reference = rendered[start : start + piece]
        if np.abs(reference).max() < 1e-3:
            continue
        found = find(recording, reference, start=start + lag - tolerance, end=start + lag + tolerance)
        result[start : start + len(reference)] = recording[found.at : found.at + len(reference)]
    return result


def similarity(recording: np.ndarray, at: int, reference: np.ndarray) -> float:
    """Correlation of the recording from `at` with `reference` (Pearson, over the reference's length)."""
    part = recording[at : at + len(reference)]
    if len(part) < len(reference):
        return 0.0
    return float(np.corrcoef(part, reference)[0, 1])


def ms(samples: float) -> float:
    return 1000 * samples / RATE
