#!/usr/bin/env python3
"""Synthesizes the chimes in audio_cues/ from first principles, so their origin is plain.

Each cue is a sum of decaying sine partials (the way a struck bowl or bell
rings), with a soft attack and a fade to true silence at the end, written as
44.1 kHz mono 16-bit WAV. Deterministic: running it again gives the same files.

    python tools/make_cues.py            # rewrites audio_cues/*.wav (needs voiceguide installed)
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voiceguide import levels

RATE = 44_100
OUT = Path(__file__).resolve().parent.parent / "audio_cues"


def ring(
    seconds: float,
    partials: list[tuple[float, float, float]],
    attack: float,
    shimmer_hz: float = 0.0,
) -> np.ndarray:
    """Partials are (frequency Hz, relative amplitude, decay time constant s)."""
    t = np.arange(round(seconds * RATE)) / RATE
    sound = np.zeros_like(t)
    for frequency, amplitude, decay in partials:
        tone = np.sin(2 * np.pi * frequency * t)
        if shimmer_hz:  # a real bowl is slightly out of round: two close modes beat slowly
            tone = 0.5 * (tone + np.sin(2 * np.pi * (frequency + shimmer_hz) * t + 0.7))
        sound += amplitude * np.exp(-t / decay) * tone
    sound *= np.minimum(1.0, t / attack)  # a soft mallet, not a click
    fade = min(0.4, seconds / 4)
    sound *= np.clip((seconds - t) / fade, 0.0, 1.0)  # end on true silence
    return levels.normalize(sound, levels.CUE_LUFS)  # every cue sits at the same reference level


CUES = {
    # A singing bowl for the start and end of a session: low, long, calm.
    "bowl": lambda: ring(
        4.0,
        [(196.0, 1.0, 1.6), (541.0, 0.45, 0.9), (1059.0, 0.2, 0.5), (1750.0, 0.08, 0.3)],
        attack=0.012,
        shimmer_hz=0.6,
    ),
    # A small, soft bell for sections and the end of a hold: short and unobtrusive.
    "soft": lambda: ring(
        1.5,
        [(659.3, 1.0, 0.45), (1318.5, 0.25, 0.25), (1977.8, 0.08, 0.15)],
        attack=0.008,
    ),
}


def write(name: str, sound: np.ndarray) -> Path:
    target = OUT / f"{name}.wav"
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.round(sound * 32767).astype("<i2").tobytes())
    return target


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for cue_name, make in CUES.items():
        print(write(cue_name, make()))
