"""Chimes and ambience: the named sound files in `audio_cues/`, and sound files a script brings.

Built-in cue files are 44.1 kHz mono 16-bit WAV (see tools/make_cues.py), so
reading them needs neither ffmpeg nor resampling.
"""

from __future__ import annotations

import wave
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.audio import levels
from voiceguide.support.errors import MissingToolError, VoiceguideError
from voiceguide.support.paths import beside_script
from voiceguide.support.resources import data_folder
from voiceguide.support.units import SAMPLE_RATE

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


AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a")
MAX_CUSTOM_SECONDS = 60
MIN_CUSTOM_SECONDS = 0.05
MAX_CUSTOM_BYTES = 20 * 1024 * 1024


def is_file_reference(reference: str) -> bool:
    """A script names a built-in cue (`bowl`) or a sound file of its own (`sounds/gong.wav`)."""
    return reference.lower().endswith(AUDIO_SUFFIXES)


class CueSet:
    """The cues one script may use: the built-in ones, and sound files inside the script's own folder.

    A file is resolved against the script's folder and refused if it leads outside it
    (an absolute path, `..`, a symbolic link): scripts are shared, so they may not read
    other files. Custom sounds are converted to 44.1 kHz mono at the cue reference level.
    """

    def __init__(self, script_folder: Path) -> None:
        self._folder = script_folder.resolve()
        self._custom: dict[Path, np.ndarray] = {}

    def resolve(self, reference: str) -> Path:
        """The sound file a reference names; ValueError says why it may not be used."""
        target = beside_script(self._folder, reference, "sound")
        if target.stat().st_size > MAX_CUSTOM_BYTES:
            raise ValueError(f"'{reference}' is over {MAX_CUSTOM_BYTES // 2**20} MB; use a shorter sound")
        return target

    def load(self, reference: str) -> None:
        """Decode a custom sound now, so a bad file is reported while its line is known."""
        if is_file_reference(reference):
            self._custom_samples(self.resolve(reference))

    def length(self, reference: str) -> int:
        return len(self.samples(reference)) if is_file_reference(reference) else length(reference)

    def samples(self, reference: str, *, bed: bool = False) -> np.ndarray:
        if is_file_reference(reference):
            return self._custom_samples(self.resolve(reference))
        return samples(AMBIENCE + reference if bed else reference)

    def energies(self, reference: str, *, bed: bool = False) -> np.ndarray:
        if is_file_reference(reference):
            return levels.cell_energies(self.samples(reference) / 32768)
        return energies(AMBIENCE + reference if bed else reference)

    def _custom_samples(self, file: Path) -> np.ndarray:
        if file not in self._custom:
            self._custom[file] = _decode(file)
        return self._custom[file]


def _decode(file: Path) -> np.ndarray:
    import numpy as np

    from voiceguide.support.quiet_pydub import pydub

    try:
        # Decoded no further than just past the limit: a small FLAC can hold hours of sound.
        sound = pydub().AudioSegment.from_file(str(file), duration=MAX_CUSTOM_SECONDS + 1)
        rate, channels, width = sound.frame_rate, sound.channels, sound.sample_width
    except FileNotFoundError:  # pydub runs ffmpeg for anything but WAV
        raise MissingToolError(f"reading '{file.name}' needs ffmpeg; install it, or use a .wav file")
    except Exception as exc:  # pydub raises its own and ffmpeg's errors for files it cannot decode
        raise ValueError(f"'{file.name}' is not a sound file voiceguide can read ({type(exc).__name__})")
    if not (1000 <= rate <= 384_000 and 1 <= channels <= 8 and width in (1, 2, 3, 4)):
        raise ValueError(
            f"'{file.name}' says it has {channels} channels of {8 * width}-bit samples at {rate} Hz, "
            "which no sound file has; save it again as an ordinary WAV"
        )
    if sound.duration_seconds > MAX_CUSTOM_SECONDS:
        raise ValueError(f"'{file.name}' lasts over {MAX_CUSTOM_SECONDS}s; cues may last {MAX_CUSTOM_SECONDS}s at most")
    if sound.duration_seconds < MIN_CUSTOM_SECONDS:
        raise ValueError(f"'{file.name}' is too short to hear; cues last {MIN_CUSTOM_SECONDS}s at least")
    sound = sound.set_channels(1).set_sample_width(2).set_frame_rate(SAMPLE_RATE)
    raw = np.array(sound.get_array_of_samples(), dtype=np.float32) / 32768
    try:
        level = levels.normalize(raw, levels.CUE_LUFS)
    except ValueError:
        raise ValueError(f"'{file.name}' is silent")
    return np.round(level * 32767).astype(np.int16)
