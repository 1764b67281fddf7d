"""espeak-ng through pyttsx3: the engine every install has.

On Linux pyttsx3 speaks through espeak-ng, and there voiceguide drives pyttsx3's
own binding of the espeak-ng library phrase by phrase (see `_Espeak`); on other
systems it uses pyttsx3's ordinary save-to-file loop (SAPI5 on Windows, NSSS on macOS).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import io
import sys
import tempfile
import threading
import wave
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import ClassVar

from voiceguide.speech.engine import Speech, VoiceInfo, find_voice
from voiceguide.support.errors import MissingToolError, SpeechError
from voiceguide.support.interruptions import held

INSTALL_HINT = (
    "brew install espeak-ng"
    if sys.platform == "darwin"
    else "sudo apt install espeak-ng (Debian/Ubuntu) or your system's espeak-ng package"
)


class Pyttsx3Engine:
    """Speech through pyttsx3, one phrase at a time, each returned whole or reported as failed.

    Ctrl-C waits for the phrase: raised inside the engine's C callback, it would
    be printed and lost.
    """

    name: ClassVar[str] = "espeak"
    INSTALL_HINT: ClassVar[str] = INSTALL_HINT
    CONCURRENT: ClassVar[int] = 1
    FILE_SUFFIX: ClassVar[str | None] = None
    DEFAULT_VOICE: ClassVar[str] = "en"
    """espeak-ng's English voice (gmw/en), the one pyttsx3 chooses by default."""

    def __init__(self, voices_folder: Path | None = None) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init()  # also initializes espeak-ng, which allows it once per process
        except (ImportError, OSError, RuntimeError) as exc:
            raise MissingToolError(
                f"no speech engine: espeak-ng is not installed ({exc}); install it with {INSTALL_HINT}"
            )
        self._voices: list[VoiceInfo] | None = None
        self._espeak = _Espeak(_espeak_binding()) if sys.platform.startswith("linux") else None

    @classmethod
    def identity(cls) -> str:
        """Names the engine and its version, without starting it: part of every clip's cache key."""
        engine = f"pyttsx3-{version('pyttsx3')}"
        if sys.platform.startswith("linux"):
            with contextlib.suppress(ImportError, OSError, RuntimeError):
                return f"{engine}/espeak-ng-{_espeak_binding().Info(None).decode()}"
        return f"{engine}/{sys.platform}"

    @classmethod
    def installed(cls, voices_folder: Path | None) -> bool:
        """On Linux, whether the espeak-ng library loads (a few milliseconds); elsewhere, whether pyttsx3 is there."""
        if sys.platform.startswith("linux"):
            try:
                _espeak_binding()
            except (ImportError, OSError, RuntimeError):
                return False
            return True
        return importlib.util.find_spec("pyttsx3") is not None

    @classmethod
    def voice(cls, wanted: str | Path | None, voices_folder: Path | None) -> VoiceInfo:
        """Unverified: espeak-ng's voices are known once it is started, and `speak` refuses a wrong one."""
        if isinstance(wanted, Path):
            raise LookupError(f"espeak-ng does not read voice files such as '{wanted.name}'")
        wanted = wanted or cls.DEFAULT_VOICE
        return VoiceInfo(cls.name, wanted, wanted, (wanted,), "espeak-ng")

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            self._voices = [
                VoiceInfo(
                    self.name, str(v.id), str(v.name), tuple(str(lang) for lang in (v.languages or ())), "espeak-ng"
                )
                for v in self._engine.getProperty("voices")
            ]
        return self._voices

    def unusable(self) -> list[str]:
        return []

    def speak(self, text: str, voice: VoiceInfo, rate: int, volume: float) -> Speech:
        try:
            found = find_voice(self.voices(), voice.id).id
        except LookupError:
            raise SpeechError(f"espeak-ng has no voice '{voice.id}'; `voiceguide voices` lists them") from None
        with held():
            if self._espeak is not None:
                return self._espeak.speak(text, found, rate, volume)
            return self._through_pyttsx3_loop(text, found, rate, volume)

    def rest(self) -> None:
        """espeak-ng holds a few MB: kept, as it starts again more slowly than it speaks."""

    def _through_pyttsx3_loop(self, text: str, voice: str, rate: int, volume: float) -> Speech:
        from voiceguide.support.quiet_pydub import pydub

        self._engine.setProperty("voice", voice)
        self._engine.setProperty("rate", rate)
        self._engine.setProperty("volume", volume)
        with tempfile.TemporaryDirectory(prefix="voiceguide-") as scratch:
            wav = Path(scratch) / "speech.wav"
            with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 may print "Audio saved to ..."
                self._engine.save_to_file(text, str(wav))
                self._engine.runAndWait()
            try:
                said = pydub().AudioSegment.from_file(str(wav)).set_channels(1).set_sample_width(2)
            except (OSError, EOFError, IndexError, wave.Error) as exc:
                raise SpeechError(f"the speech engine wrote no usable audio for '{text[:60]}' ({exc})")
        return Speech(said.raw_data, said.frame_rate)


def _espeak_binding() -> ModuleType:
    from pyttsx3.drivers import _espeak

    return _espeak


class _Espeak:
    """pyttsx3's binding of the espeak-ng library, driven without pyttsx3's loop.

    That loop polls every 10 ms, longer than espeak takes to speak most phrases,
    and may start a phrase while espeak's own thread still reports the last one
    as playing, which cancels it; espeak_Synchronize polls too, every 20 ms.
    Here a callback collects each phrase's audio on espeak's thread and says
    when its last buffer has come. No SSML or phoneme flag is ever passed, so
    markup in a script is read as text.
    """

    ATTEMPTS = 3
    TIMEOUT = 60.0
    """Seconds one phrase may take: the longest allowed is spoken in a second or two."""

    def __init__(self, library: ModuleType) -> None:
        self._library = library
        self._audio: list[bytes] = []
        self._finished = threading.Event()

    def speak(self, text: str, voice: str, rate: int, volume: float) -> Speech:
        espeak = self._library
        if espeak.SetVoiceByName(voice.encode()) != espeak.EE_OK:
            raise SpeechError(f"espeak-ng could not load the voice '{voice}'")
        espeak.SetParameter(espeak.RATE, rate, 0)
        espeak.SetParameter(espeak.VOLUME, round(volume * 100), 0)
        for _ in range(self.ATTEMPTS):
            espeak.SetSynthCallback(self._collect)  # every time: another pyttsx3 engine may have taken it
            self._audio = []
            self._finished.clear()
            espeak.Synth(text, flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
            if self._finished.wait(self.TIMEOUT) and self._audio:
                return Speech(b"".join(self._audio), ESPEAK_RATE)
            espeak.Cancel()
            espeak.Synchronize()
        raise SpeechError(f"the speech engine did not finish '{text[:60]}' after {self.ATTEMPTS} tries")

    def _collect(self, samples: ctypes.Array, count: int, events: ctypes.Array) -> int:
        """espeak's callback, on espeak's thread: a buffer of 16-bit samples and the events in it."""
        if count > 0:
            self._audio.append(ctypes.string_at(samples, count * 2))
        index = 0
        while events[index].type != self._library.EVENT_LIST_TERMINATED:
            if events[index].type == self._library.EVENT_MSG_TERMINATED:
                self._finished.set()
            index += 1
        return 0


ESPEAK_RATE = 22050
"""The rate espeak-ng speaks at (pyttsx3 assumes it too)."""
