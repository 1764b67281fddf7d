"""Text to clip: the on-disk clip cache, and making clips from what the engine speaks.

A clip in the cache is 44.1 kHz mono 16-bit WAV whose first and last samples are
sound: the silence engines put around words is trimmed, so an event's start is
the moment the voice is heard. Lengths are read from WAV headers, so laying out
a session from a warm cache starts no engine and decodes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import wave
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.audio import levels
from voiceguide.support.atomic import creating
from voiceguide.speech.engine import Pyttsx3Engine, Speech, SpeechEngine
from voiceguide.support.errors import SpeechError, VoiceguideError
from voiceguide.support.quiet_pydub import pydub
from voiceguide.script.routine import Utterance
from voiceguide.support.units import SAMPLE_RATE

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

CLIP_FORMAT = 3
"""Bump when the processing below changes, so old clips are not reused."""
SILENCE_DBFS = -50.0
"""Samples quieter than this at either end of a clip are trimmed away."""
LEVELLERS = 2
"""Threads trimming, levelling and storing clips while the engine speaks: one per core here."""
AHEAD = 16
"""Phrases the engine may speak ahead of the levellers (a few MB at most), so it never waits for them."""


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
        """This thread only feeds the engine; LEVELLERS threads make each phrase a clip and store it.

        Levelling a line costs more than speaking it, and numpy lets go of the
        interpreter in its long loops, so espeak's own thread and the levellers keep
        both cores busy.
        """
        from concurrent.futures import ThreadPoolExecutor

        self.folder.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(LEVELLERS, thread_name_prefix="voiceguide-levels") as levellers:
            storing: deque[Future[None]] = deque()
            try:
                for utterance in todo:
                    speech = self.engine.speak(utterance)
                    if len(storing) == AHEAD:
                        storing.popleft().result()
                        on_clip()
                    storing.append(levellers.submit(self._store_levelled, utterance, speech))
                while storing:
                    storing.popleft().result()
                    on_clip()
            finally:
                for waiting in storing:  # after a failure or Ctrl-C, only what has begun is finished
                    waiting.cancel()

    def _store_levelled(self, utterance: Utterance, speech: Speech) -> None:
        """The clip, trimmed and at the reference level, and its cell energies beside it.

        The level follows the utterance's volume (volume 0.5 sits 6 dB below the
        reference), so a script's volume keeps its meaning after levelling.
        """
        import numpy as np

        clip = levels.levelled(_trimmed(speech, utterance), levels.SPEECH_LUFS + 20 * math.log10(utterance.volume))
        _store(np.round(clip.samples * 32767).astype(np.int16), self.path(utterance))
        self._store_energies(utterance, clip.cells)  # if missing meanwhile, `energies` makes them from the WAV

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
            cells = levels.cell_energies(self.samples(utterance) / 32768)
            self._store_energies(utterance, cells)
            return cells

    def _energies_path(self, utterance: Utterance) -> Path:
        return self.path(utterance).with_suffix(".cells.npy")

    def _store_energies(self, utterance: Utterance, cells: np.ndarray) -> None:
        import numpy as np

        with creating(self._energies_path(utterance)) as temporary, temporary.open("wb") as file:
            np.save(file, cells, allow_pickle=False)


def default_cache_folder() -> Path:
    override = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("voiceguide", appauthor=False) / "clips"


def _trimmed(speech: Speech, utterance: Utterance) -> np.ndarray:
    """What the engine said, at 44.1 kHz as float32, without the silence around the words."""
    import numpy as np

    samples = _at_session_rate(speech)
    threshold = 32767 * 10 ** (SILENCE_DBFS / 20)
    loud = (samples > threshold) | (samples < -threshold)
    if not loud.any():
        raise SpeechError(f"the speech engine produced silence for '{utterance.text}'; check the voice and volume")
    first, end = int(loud.argmax()), len(loud) - int(loud[::-1].argmax())
    return samples[first:end].astype(np.float32) / 32768


def _at_session_rate(speech: Speech) -> np.ndarray:
    """The speech's samples at 44.1 kHz.

    espeak speaks at 22.05 kHz: doubling that rate here gives exactly what pydub
    gives (audioop's linear interpolation), several times sooner.
    """
    import numpy as np

    if speech.rate * 2 != SAMPLE_RATE or not speech.pcm:
        segment = pydub().AudioSegment(data=speech.pcm, sample_width=2, frame_rate=speech.rate, channels=1)
        return np.frombuffer(segment.set_frame_rate(SAMPLE_RATE).raw_data, dtype="<i2")
    half = np.frombuffer(speech.pcm, dtype="<i2")
    doubled = np.empty(2 * len(half) - 1, dtype=np.int16)
    doubled[0::2] = half
    doubled[1::2] = (half[:-1].astype(np.int32) + half[1:]) >> 1
    return doubled


def _store(samples: np.ndarray, target: Path) -> None:
    """Write the clip atomically and only once: a reader sharing the cache never sees half of one,
    and never a second take whose length differs from the one its session was laid out with."""
    with creating(target) as temporary, wave.open(str(temporary), "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(SAMPLE_RATE)
        clip.writeframes(samples.astype("<i2").tobytes())
