"""Chimes and ambience: the named sound files in `audio_cues/`.

Cue files are 44.1 kHz mono 16-bit WAV (see tools/make_cues.py), so reading
them needs neither ffmpeg nor resampling.
"""

from __future__ import annotations

import wave
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import levels
from voiceguide.errors import VoiceguideError
from voiceguide.resources import data_folder
from voiceguide.units import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np


def folder() -> Path:
    return data_folder("audio_cues")


AMBIENCE = "ambience/"
"""Ambience beds live in a subfolder and are named with this prefix, e.g. ambience/rain."""


def names() -> list[str]:
    """The chime names a script may use, e.g. bowl and soft."""
    return sorted(p.stem for p in folder().glob("*.wav"))


def beds() -> list[str]:
    """The ambience beds a script may use, e.g. rain and brown."""
    return sorted(p.stem for p in (folder() / AMBIENCE).glob("*.wav"))


def path(name: str) -> Path:
    return folder() / f"{name}.wav"


@cache
def length(name: str) -> int:
    """The cue's length in samples, from its header."""
    with _open(name) as cue:
        return cue.getnframes()


def samples(name: str) -> np.ndarray:
    """The cue as 16-bit samples."""
    import numpy as np

    with _open(name) as cue:
        return np.frombuffer(cue.readframes(cue.getnframes()), dtype="<i2")


def _open(name: str) -> wave.Wave_read:
    try:
        cue = wave.open(str(path(name)), "rb")
    except (OSError, EOFError, wave.Error) as exc:
        raise VoiceguideError(f"the cue '{name}' cannot be read ({exc}); reinstall voiceguide")
    if (cue.getframerate(), cue.getnchannels(), cue.getsampwidth()) != (SAMPLE_RATE, 1, 2):
        cue.close()
        raise VoiceguideError(f"the cue '{name}' is not 44.1 kHz mono 16-bit; regenerate it with tools/make_cues.py")
    return cue


@cache
def energies(name: str) -> np.ndarray:
    """The cue's K-weighted energy per 10 ms cell (see levels)."""
    return levels.cell_energies(samples(name) / 32768)
