#!/usr/bin/env python3
"""Synthesizes the chimes and ambience beds in audio_cues/ from first principles, so their origin is plain.

A chime is a sum of decaying sine partials (the way a struck bowl or bell
rings), with a soft attack and a fade to true silence at the end. An ambience
bed is shaped noise built on a whole-period frequency grid, so it loops without
a seam. All are 44.1 kHz mono 16-bit WAV at one reference loudness.
Deterministic: running it again gives the same files.

    python tools/make_cues.py            # rewrites audio_cues/*.wav (needs voiceguide installed)
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voiceguide.audio import levels

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

LISTENING = {
    # `play --listen` heard a command: two quick, high, rising plucks, unlike any chime of a routine.
    "heard": lambda: pair(0.45, (1046.5, 1568.0), gap=0.09),
    # `play --listen` heard "stop" once and waits for it again: the same pluck twice, lower, asking.
    "again": lambda: pair(0.6, (784.0, 784.0), gap=0.16),
}
"""In audio_cues/listen/, apart from the chimes a script may name."""


def pair(seconds: float, notes: tuple[float, float], gap: float) -> np.ndarray:
    """Two short plucks, the second `gap` seconds after the first, at the cue reference level."""
    pluck = [ring(seconds - gap, [(note, 1.0, 0.07), (2 * note, 0.15, 0.04)], attack=0.004) for note in notes]
    sound = np.zeros(round(seconds * RATE))
    sound[: len(pluck[0])] += pluck[0]
    sound[round(gap * RATE) : round(gap * RATE) + len(pluck[1])] += pluck[1]
    return levels.normalize(sound, levels.CUE_LUFS)


BEDS = {
    # Soft brown noise: a low, even hush for falling asleep.
    "brown": lambda: bed(looped_noise(LOOP_SECONDS, -6.0, (20.0, 8000.0), seed=1)),
    # Rain: a gentle pink hiss, high frequencies rolled off, with scattered drops.
    "rain": lambda: bed(
        looped_noise(LOOP_SECONDS, -3.0, (150.0, 9000.0), seed=2) * 0.8 + drops(LOOP_SECONDS, 420, seed=3) * 0.015
    ),
}


LOOP_SECONDS = 12.0


def looped_noise(seconds: float, slope_db_per_octave: float, band: tuple[float, float], seed: int) -> np.ndarray:
    """Noise made in the frequency domain on a whole-period grid, so its end runs into its start.

    Every component is a whole number of cycles over the loop, which makes the
    signal exactly periodic: looping it has no seam, not even in its slope.
    """
    n = round(seconds * RATE)
    frequencies = np.fft.rfftfreq(n, 1 / RATE)
    rng = np.random.default_rng(seed)
    shape = np.zeros_like(frequencies)
    inside = (frequencies >= band[0]) & (frequencies <= band[1])
    shape[inside] = (frequencies[inside] / band[0]) ** (slope_db_per_octave / 6.02)
    spectrum = shape * np.exp(2j * np.pi * rng.random(len(frequencies)))
    return np.fft.irfft(spectrum, n)


def drops(seconds: float, count: int, seed: int) -> np.ndarray:
    """Soft raindrop ticks, each wrapped around the loop point, so they too loop without a seam."""
    n = round(seconds * RATE)
    rng = np.random.default_rng(seed)
    out = np.zeros(n)
    t = np.arange(round(0.03 * RATE)) / RATE
    for _ in range(count):
        tick = np.sin(2 * np.pi * rng.uniform(2500, 6000) * t) * np.exp(-t / rng.uniform(0.002, 0.006))
        at = rng.integers(n)
        out[(at + np.arange(len(tick))) % n] += tick * rng.uniform(0.2, 1.0)
    return out


def bed(sound: np.ndarray) -> np.ndarray:
    """An ambience bed at the cue reference level, without the fade a chime ends on."""
    return levels.normalize((sound / np.abs(sound).max() * 0.5).astype(np.float32), levels.CUE_LUFS)


def write(name: str, sound: np.ndarray) -> Path:
    target = OUT / f"{name}.wav"
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.round(sound * 32767).astype("<i2").tobytes())
    return target


if __name__ == "__main__":
    (OUT / "ambience").mkdir(parents=True, exist_ok=True)
    for cue_name, make in CUES.items():
        print(write(cue_name, make()))
    (OUT / "listen").mkdir(parents=True, exist_ok=True)
    for listen_name, make in LISTENING.items():
        print(write(f"listen/{listen_name}", make()))
    for bed_name, make in BEDS.items():
        print(write(f"ambience/{bed_name}", make()))
