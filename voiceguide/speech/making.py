"""Making clips: each missing line's engine speaks it; the speech is trimmed, levelled and stored.

A clip's first sample is its first sound: the silence engines put around words is
trimmed, so an event's start is the moment the voice is heard. Every clip is
stored at the reference loudness, so rendering a session is only gains.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.audio import levels
from voiceguide.script.routine import Utterance
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.digest import remembered_digest
from voiceguide.speech.engine import Speech, VoiceInfo
from voiceguide.speech.trim import sounding
from voiceguide.speech.voices import Casting
from voiceguide.support.environment import Environment
from voiceguide.support.errors import SpeechError, VoiceguideError
from voiceguide.support.quiet_pydub import pydub
from voiceguide.support.units import SAMPLE_RATE

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

LEVELLERS = 2
"""Workers beyond those speaking, trimming, levelling and storing clips while the engine speaks."""
AHEAD = 16
"""Lines in the workers' hands at once (a few MB at most), so no worker waits for another to be given one."""


class ClipMaker:
    """One session's clips: read from the cache, made by each line's engine when missing.

    A clip's cache key names the engine and its version, the voice and, for a
    voice that is a file, the file's content hash, so a changed voice is never
    served an old clip.
    """

    def __init__(self, folder: Path, casting: Casting) -> None:
        self.casting = casting
        self.cache = ClipCache(folder, self._voice_key)
        self._keys: dict[str | None, str] = {}
        self._turn_of: dict[str, threading.BoundedSemaphore] = {}
        self._starting = threading.Lock()

    @classmethod
    def for_environment(cls, environment: Environment, script_folder: Path | None = None) -> ClipMaker:
        """Clips in the environment's cache folder, with its voices and the script's own voice files."""
        return cls(environment.cache_folder, Casting(environment.voices_folder, script_folder))

    def voice(self, utterance: Utterance) -> VoiceInfo:
        """The voice that speaks a line; LookupError says why there is none."""
        return self.casting.voice(utterance.voice)

    def rest(self) -> None:
        """No more clips are wanted for a while: the engines let go of their memory (a later clip starts them again)."""
        self.casting.rest()

    def _voice_key(self, utterance: Utterance) -> str:
        if utterance.voice not in self._keys:
            voice = self.voice(utterance)
            digest = remembered_digest(voice.file, self.cache.folder) if voice.file else ""
            self._keys[utterance.voice] = f"{self.casting.engine_class(voice.engine).identity()}|{voice.spec}|{digest}"
        return self._keys[utterance.voice]

    def synthesize(
        self,
        utterances: Iterable[Utterance],
        on_clip: Callable[[Utterance], None] = lambda utterance: None,
        stop: threading.Event | None = None,
    ) -> None:
        """Make and store every clip not yet cached, in order; `on_clip` is told each one as it is stored (from the
        thread that stored it). Once `stop` is set no new line is begun. Safe to call from two threads at once."""
        todo = self.cache.missing(utterances)
        if not todo:
            return
        try:
            self._make(todo, on_clip, stop or threading.Event())
        except OSError as exc:
            raise VoiceguideError(
                f"cannot write the speech cache in '{self.cache.folder}': {exc.strerror or exc}; "
                "set VOICEGUIDE_CACHE_DIR to a folder you can write to"
            )

    def _make(self, todo: list[Utterance], on_clip: Callable[[Utterance], None], stop: threading.Event) -> None:
        """Workers speak, trim, level and store lines in order, each engine taking as many lines at once
        as it can speak (espeak-ng one, Piper one per core), and the rest of the workers levelling.

        numpy and onnxruntime let go of the interpreter in their long loops, so
        the workers keep every core busy. Engines are started here, on the calling
        thread, before any worker needs one.
        """
        from concurrent.futures import ThreadPoolExecutor

        self.cache.folder.mkdir(parents=True, exist_ok=True)
        turns = {name: self._turns(name) for name in sorted({self.voice(u).engine for u in todo})}
        workers = max(self.casting.engine_class(name).CONCURRENT for name in turns) + LEVELLERS
        with ThreadPoolExecutor(workers, thread_name_prefix="voiceguide-clips") as pool:
            making: deque[Future[None]] = deque()
            try:
                for utterance in todo:
                    if stop.is_set():
                        break
                    if len(making) == AHEAD:
                        making.popleft().result()
                    making.append(
                        pool.submit(self._make_one, utterance, turns[self.voice(utterance).engine], on_clip, stop)
                    )
                while making and not stop.is_set():
                    making.popleft().result()
            finally:
                for waiting in making:  # after a failure, Ctrl-C or `stop`, only what is being spoken is finished
                    waiting.cancel()

    def _make_one(
        self,
        utterance: Utterance,
        turn: threading.BoundedSemaphore,
        on_clip: Callable[[Utterance], None],
        stop: threading.Event,
    ) -> None:
        with turn:
            if stop.is_set():  # stopped while it waited for its turn: it is not begun
                return
            speech = self._spoken(utterance)
        self._store_levelled(utterance, speech)
        on_clip(utterance)

    def _turns(self, engine: str) -> threading.BoundedSemaphore:
        """The engine's turns to speak, shared by every call (a live session makes its lines ahead on one
        thread and a section's title on another); the engine is started here, on the calling thread."""
        with self._starting:
            if engine not in self._turn_of:
                self.casting.engine(engine)
                self._turn_of[engine] = threading.BoundedSemaphore(self.casting.engine_class(engine).CONCURRENT)
            return self._turn_of[engine]

    def _spoken(self, utterance: Utterance) -> Speech:
        """The line as its engine says it, with the text normalized for the voice's language."""
        from voiceguide.speech.wording import spoken  # num2words loads every language: only when speech is made

        voice = self.voice(utterance)
        text = spoken(utterance.text, voice.language, utterance.pronounce)
        return self.casting.engine(voice.engine).speak(text, voice, utterance.rate, utterance.volume)

    def _store_levelled(self, utterance: Utterance, speech: Speech) -> None:
        """The clip, trimmed and at the reference level, and its cell energies beside it.

        The level follows the utterance's volume (volume 0.5 sits 6 dB below the
        reference), so a script's volume keeps its meaning after levelling.
        """
        import numpy as np

        clip = levels.levelled(_trimmed(speech, utterance), levels.SPEECH_LUFS + 20 * math.log10(utterance.volume))
        self.cache.store(utterance, np.round(clip.samples * 32767).astype(np.int16), clip.cells)


def _trimmed(speech: Speech, utterance: Utterance) -> np.ndarray:
    """What the engine said, at 44.1 kHz as float32, without the silence around the words."""
    import numpy as np

    samples = _at_session_rate(speech)
    span = sounding(samples)
    if span is None:
        raise SpeechError(f"the speech engine produced silence for '{utterance.text}'; check the voice and volume")
    return samples[span[0] : span[1]].astype(np.float32) / 32768


def _at_session_rate(speech: Speech) -> np.ndarray:
    """The speech's samples at 44.1 kHz.

    espeak-ng and Piper speak at 22.05 kHz: doubling that rate here gives exactly
    what pydub gives (audioop's linear interpolation), several times sooner.
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
