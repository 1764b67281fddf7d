"""Text to clip: the speech engine interface, the pyttsx3 engine and the on-disk clip cache.

A clip in the cache is 44.1 kHz mono 16-bit WAV whose first and last samples are
sound: the silence engines put around words is trimmed, so an event's start is
the moment the voice is heard. Lengths are read from WAV headers, so laying out
a session from a warm cache starts no engine and decodes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from voiceguide import levels
from voiceguide.atomic import creating
from voiceguide.errors import MissingToolError, SpeechError, VoiceguideError
from voiceguide.interruptions import held
from voiceguide.quiet_pydub import pydub
from voiceguide.routine import Utterance
from voiceguide.units import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

CLIP_FORMAT = 2
"""Bump when the processing below changes, so old clips are not reused."""
SILENCE_DBFS = -50.0
"""Samples quieter than this at either end of a clip are trimmed away."""


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]


class SpeechEngine(Protocol):
    """What voiceguide needs of a text-to-speech engine."""

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(self, utterance: Utterance, wav_path: Path) -> None:
        """Write the utterance as a WAV file (any rate, mono, 16-bit) to `wav_path`."""
        ...


def install_hint() -> str:
    if sys.platform == "darwin":
        return "brew install espeak-ng"
    return "sudo apt install espeak-ng (Debian/Ubuntu) or your system's espeak-ng package"


class Pyttsx3Engine:
    """pyttsx3 used the only way that is reliable with espeak: one engine, one phrase per runAndWait.

    The espeak driver synthesizes on espeak's own thread. If espeak still reports
    the previous phrase as playing when the next runAndWait starts, the driver
    cancels and returns before the new file is written; so every phrase waits
    for espeak to be idle, and must report itself completed with audio.
    """

    ATTEMPTS = 3
    IDLE_TIMEOUT = 10.0

    def __init__(self) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init()
        except (ImportError, OSError, RuntimeError) as exc:
            raise MissingToolError(f"no speech engine: espeak-ng is not installed ({exc}); install it with {install_hint()}")
        self._voices: list[VoiceInfo] | None = None
        self._completed = False
        self._engine.connect("finished-utterance", self._on_finished)
        self._espeak_busy = _espeak_busy_probe()

    @staticmethod
    def identity() -> str:
        """Names the engine and its version, without starting it: part of every clip's cache key."""
        engine = f"pyttsx3-{version('pyttsx3')}"
        if sys.platform.startswith("linux"):
            with contextlib.suppress(ImportError, OSError, RuntimeError):
                from pyttsx3.drivers import _espeak

                return f"{engine}/espeak-ng-{_espeak.Info(None).decode()}"
        return f"{engine}/{sys.platform}"

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            self._voices = [
                VoiceInfo(str(v.id), str(v.name), tuple(str(lang) for lang in (v.languages or ())))
                for v in self._engine.getProperty("voices")
            ]
        return self._voices

    def synthesize(self, utterance: Utterance, wav_path: Path) -> None:
        if utterance.voice is not None:
            self._engine.setProperty("voice", find_voice(self.voices(), utterance.voice).id)
        self._engine.setProperty("rate", utterance.rate)
        self._engine.setProperty("volume", utterance.volume)
        for _ in range(self.ATTEMPTS):
            wav_path.unlink(missing_ok=True)
            # Ctrl-C waits for the phrase: raised in the driver's callback it would be printed and lost.
            with held(), contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to ..."
                self._wait_until_idle()
                self._completed = False
                self._engine.save_to_file(utterance.text, str(wav_path))
                self._engine.runAndWait()
                self._wait_until_idle()
            if self._completed and _has_frames(wav_path):
                return
        raise SpeechError(f"the speech engine did not finish '{utterance.text[:60]}' after {self.ATTEMPTS} tries")

    def _on_finished(self, name: object, completed: bool) -> None:
        self._completed = completed

    def _wait_until_idle(self) -> None:
        deadline = time.monotonic() + self.IDLE_TIMEOUT
        while self._espeak_busy() and time.monotonic() < deadline:
            time.sleep(0.002)


def _espeak_busy_probe() -> Callable[[], bool]:
    """Whether espeak's thread is still at work; other drivers are synchronous."""
    try:
        from pyttsx3.drivers import _espeak
    except (ImportError, OSError, RuntimeError):
        return lambda: False
    return lambda: bool(_espeak.IsPlaying())


def _whole_clip(path: Path) -> bool:
    """Whether a cache entry is a complete clip; a damaged one is removed so it can be made again."""
    try:
        with wave.open(str(path), "rb") as clip:
            whole = clip.getnframes() > 0 and (clip.getframerate(), clip.getnchannels()) == (SAMPLE_RATE, 1)
            whole = whole and path.stat().st_size >= 44 + 2 * clip.getnframes()
    except FileNotFoundError:
        return False
    except (OSError, EOFError, wave.Error):
        whole = False
    if not whole:
        path.unlink(missing_ok=True)
        path.with_suffix(".cells.npy").unlink(missing_ok=True)
    return whole


def _has_frames(wav_path: Path) -> bool:
    try:
        with wave.open(str(wav_path), "rb") as clip:
            return clip.getnframes() > 0
    except (OSError, EOFError, wave.Error):
        return False


def find_voice(voices: list[VoiceInfo], wanted: str) -> VoiceInfo:
    """A voice by id, by the last part of its id, by language or by name (any case)."""
    key = wanted.casefold()
    for match in (
        lambda v: v.id.casefold() == key,
        lambda v: v.id.casefold().rsplit("/", 1)[-1] == key,
        lambda v: key in (lang.casefold() for lang in v.languages),
        lambda v: v.name.casefold() == key,
    ):
        found = [v for v in voices if match(v)]
        if found:
            return found[0]
    raise LookupError(wanted)


class ClipCache:
    """Clips on disk, keyed by everything that changes their sound; writes are atomic."""

    def __init__(
        self,
        folder: Path | None = None,
        engine_factory: Callable[[], SpeechEngine] = Pyttsx3Engine,
        identity: str | None = None,
    ) -> None:
        self.folder = folder or default_cache_folder()
        self._engine_factory = engine_factory
        self._engine: SpeechEngine | None = None
        self._identity = identity or Pyttsx3Engine.identity()

    @property
    def engine(self) -> SpeechEngine:
        """The engine, started on first use: a warm cache never needs it."""
        if self._engine is None:
            self._engine = self._engine_factory()
        return self._engine

    def path(self, utterance: Utterance) -> Path:
        key = json.dumps(
            [CLIP_FORMAT, SAMPLE_RATE, self._identity, utterance.text, utterance.voice, utterance.rate, utterance.volume]
        )
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.wav"

    def missing(self, utterances: Iterable[Utterance]) -> list[Utterance]:
        """Clips not in the cache; a damaged entry (truncated, not a WAV) is removed and counts as missing."""
        return [u for u in dict.fromkeys(utterances) if not _whole_clip(self.path(u))]

    def synthesize(self, utterances: Iterable[Utterance], on_clip: Callable[[], None] = lambda: None) -> None:
        """Make and store every clip not yet cached."""
        todo = self.missing(utterances)
        if not todo:
            return
        try:
            self._make(todo, on_clip)
        except OSError as exc:
            raise VoiceguideError(
                f"cannot write the speech cache in '{self.folder}': {exc.strerror or exc}; "
                "set VOICEGUIDE_CACHE_DIR to a folder you can write to"
            )

    def _make(self, todo: list[Utterance], on_clip: Callable[[], None]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="voiceguide-") as scratch:
            raw = Path(scratch) / "raw.wav"
            for utterance in todo:
                self.engine.synthesize(utterance, raw)
                clip = _clean_clip(raw, utterance)
                _store(clip, self.path(utterance))
                self._store_energies(utterance, clip)  # if missing meanwhile, `energies` makes them from the WAV
                on_clip()

    def length(self, utterance: Utterance) -> int:
        """The clip's length in samples, from its header."""
        with wave.open(str(self.path(utterance)), "rb") as clip:
            return clip.getnframes()

    def samples(self, utterance: Utterance) -> np.ndarray:
        """The clip as 16-bit samples."""
        import numpy as np

        with wave.open(str(self.path(utterance)), "rb") as clip:
            return np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")

    def energies(self, utterance: Utterance) -> np.ndarray:
        """The clip's K-weighted energy per 10 ms cell (see levels), measured once and kept beside it."""
        import numpy as np

        try:
            return np.load(self._energies_path(utterance), allow_pickle=False)
        except (OSError, ValueError):
            return self._store_energies(utterance, self.samples(utterance))

    def _energies_path(self, utterance: Utterance) -> Path:
        return self.path(utterance).with_suffix(".cells.npy")

    def _store_energies(self, utterance: Utterance, clip: np.ndarray) -> np.ndarray:
        import numpy as np

        cells = levels.cell_energies(clip.astype(np.float64) / 32768)
        with creating(self._energies_path(utterance)) as temporary, temporary.open("wb") as file:
            np.save(file, cells, allow_pickle=False)
        return cells


def default_cache_folder() -> Path:
    override = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("voiceguide", appauthor=False) / "clips"


def _clean_clip(raw: Path, utterance: Utterance) -> np.ndarray:
    """The engine's WAV at 44.1 kHz mono 16-bit, silence around the words trimmed, at the reference level.

    The level follows the utterance's volume (volume 0.5 sits 6 dB below the reference),
    so a script's volume keeps its meaning after normalization.
    """
    import numpy as np

    text = utterance.text
    try:
        segment = pydub().AudioSegment.from_wav(str(raw))
    except (OSError, EOFError, wave.Error) as exc:
        raise SpeechError(f"the speech engine wrote no usable audio for '{text}' ({exc})")
    segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(SAMPLE_RATE)
    samples = np.array(segment.get_array_of_samples(), dtype=np.int16)
    threshold = 32767 * 10 ** (SILENCE_DBFS / 20)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        raise SpeechError(f"the speech engine produced silence for '{text}'; check the voice and volume")
    speech = samples[loud[0] : loud[-1] + 1].astype(np.float32) / 32768
    target = levels.SPEECH_LUFS + 20 * math.log10(utterance.volume)
    return np.round(levels.normalize(speech, target) * 32767).astype(np.int16)


def _store(samples: np.ndarray, target: Path) -> None:
    """Write the clip atomically and only once: a reader sharing the cache never sees half of one,
    and never a second take whose length differs from the one its session was laid out with."""
    with creating(target) as temporary, wave.open(str(temporary), "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(SAMPLE_RATE)
        clip.writeframes(samples.astype("<i2").tobytes())
