"""The session's sample rate and the conversions at the edges between seconds and samples."""

from __future__ import annotations

SAMPLE_RATE = 44_100
"""Every clip, cue and session runs at 44.1 kHz mono: what phones expect of an MP3."""


def to_samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def to_seconds(samples: int) -> float:
    """Seconds rounded to the microsecond: finer than one sample, stable in JSON."""
    return round(samples / SAMPLE_RATE, 6)


def clock(samples: int) -> str:
    """A readable time: 4:05, or 1:02:03 past an hour."""
    total = round(samples / SAMPLE_RATE)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
