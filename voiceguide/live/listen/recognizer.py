"""The recognizer, in a process of its own: audio in through a pipe, commands out.

pocketsphinx holds the GIL while it decodes, and a prototype that decoded in the
player's process put playback 4 s behind in 55 s. So the player's process only
captures and forwards audio; this process finds speech with the energy endpointer,
decodes each stretch of speech with a closed grammar of the routine's command
phrases, and sends back what it heard and where. With `wake`, a stretch of speech is
decoded only after pymicro-wakeword has heard "hey jarvis", from that moment on.

The pipe carries 16 kHz mono 16-bit audio one way and `Heard` tuples the other;
nothing is written anywhere.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from voiceguide.live.listen.endpoint import FRAME, RATE, Endpointer, Settings

MAX_SPEECH = int(2.5 * RATE)
"""A stretch of speech longer than this is talk, not a command: it is not decoded at all."""
WAKE_WINDOW = 5 * RATE
"""After the wake word, speech that starts within this long is taken as the command."""
WAKE_WORD = "hey jarvis"
ROOM_NOISE = 16.0
"""The RMS (in 16-bit steps, about -66 dBFS) of a faint steady noise added to what is heard: a real room
is never silent, and the model decodes words out of digital silence (a headset's noise gate, a virtual
microphone) worse than out of a quiet room."""


@dataclass(frozen=True)
class Heard:
    """A command phrase heard between two samples of the capture; `decided` is the sample at which it was known."""

    phrase: str
    start: int
    end: int
    decided: int


@dataclass(frozen=True)
class Setup:
    phrases: tuple[str, ...]
    language: str = "en-us"
    """The routine's language: words of other languages are spelled from espeak-ng's IPA."""
    wake: bool = False
    endpointer: Settings = field(default_factory=Settings)


class RecognizerFailed(RuntimeError):
    """The recognizer could not start (a word it cannot spell, a model that would not load); the message says why."""


class Recognizer:
    """The parent's end: `feed` audio, `results` yields what was heard; `close` ends the process."""

    def __init__(self, setup: Setup, ready_timeout: float = 60.0) -> None:
        context = multiprocessing.get_context("spawn")  # a fork of a process with threads may deadlock
        self._connection, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, setup), name="voiceguide recognizer", daemon=True)
        self._process.start()
        child.close()
        self._sending = threading.Lock()
        if not self._connection.poll(ready_timeout):
            self.close()
            raise RecognizerFailed("the speech recognizer did not start")
        try:
            answer = self._connection.recv()
        except EOFError:
            self.close()
            raise RecognizerFailed("the speech recognizer ended as it started") from None
        if answer[0] != "ready":
            self.close()
            raise RecognizerFailed(answer[1])

    def feed(self, pcm: bytes) -> None:
        """16 kHz mono 16-bit samples, in order; from one thread at a time."""
        with self._sending:
            self._connection.send_bytes(pcm)

    def results(self) -> Iterator[Heard]:
        """What was heard, as it is heard, until the process ends."""
        while True:
            try:
                message = self._connection.recv()
            except (EOFError, OSError):
                return
            if message[0] == "heard":
                yield Heard(*message[1:])

    def finish(self) -> None:
        """No more audio: the process decodes what it has and ends, and `results` ends after it."""
        with self._sending:
            try:
                self._connection.send_bytes(b"")
            except OSError:
                pass

    def close(self) -> None:
        self.finish()
        self._process.join(5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._connection.close()


def serve(connection: Any, setup: Setup) -> None:
    """The recognizer process's entry. Ctrl-C in a terminal reaches the whole process group: the player
    answers it and closes the pipe, which ends this process, so here it is ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        listener = Listener(setup)
    except Exception as exc:  # said by the parent, on one line
        connection.send(("failed", str(exc)))
        return
    connection.send(("ready",))
    try:
        while True:
            pcm = connection.recv_bytes()
            if not pcm:
                break
            for heard in listener.hear(pcm):
                connection.send(("heard", heard.phrase, heard.start, heard.end, heard.decided))
        for heard in listener.finish():
            connection.send(("heard", heard.phrase, heard.start, heard.end, heard.decided))
    except (EOFError, OSError):  # the player has gone
        return


class Listener:
    """Endpointer, wake word and decoder over one stream of audio; runs in the recognizer process."""

    def __init__(self, setup: Setup) -> None:
        import numpy as np

        self._np = np
        self.setup = setup
        self.decoder = _decoder(setup)
        self.endpointer = Endpointer(setup.endpointer)
        self._pending = np.zeros(0, np.int16)
        self._decoding = False
        self._decoded_from = 0
        self._too_long = False
        self._wake = _WakeWord() if setup.wake else None
        self._armed_until = -1
        self._room = np.random.default_rng(0)

    def hear(self, pcm: bytes) -> Iterator[Heard]:
        np = self._np
        heard = np.frombuffer(pcm, np.int16).astype(np.float32) + self._room.normal(0.0, ROOM_NOISE, len(pcm) // 2)
        samples = np.clip(np.round(heard), -32768, 32767).astype(np.int16)
        if len(self._pending):
            samples = np.concatenate([self._pending, samples])
        whole = len(samples) // FRAME * FRAME
        self._pending = samples[whole:].copy()
        for at in range(0, whole, FRAME):
            yield from self._frame(samples[at : at + FRAME])

    def finish(self) -> Iterator[Heard]:
        if self._decoding:
            heard = self._decoded(self.endpointer.fed)
            if heard:
                yield heard

    def _frame(self, frame: Any) -> Iterator[Heard]:
        woke = self._wake is not None and self._wake.hears(frame)
        if woke:
            self._armed_until = self.endpointer.fed + WAKE_WINDOW
        event = self.endpointer.frame(frame)
        if woke and self.endpointer.in_speech and event is not None and event[0] != "start":
            self._begin(self.endpointer.fed)  # the command may follow the wake word without a pause
            return
        if event is None:
            return
        kind, audio = event
        if kind == "start":
            self._too_long = False
            if self._wake is None or self.endpointer.speech_start <= self._armed_until:
                self._begin(self.endpointer.speech_start)
                self.decoder.process_raw(audio.tobytes())
            return
        if self._decoding and not self._too_long:
            self.decoder.process_raw(audio.tobytes())
            if self.endpointer.fed - self._decoded_from > MAX_SPEECH:
                self._too_long = True
                self.decoder.end_utt()
                self._decoding = False
        if kind == "end" and self._decoding:
            heard = self._decoded(self.endpointer.last_loud)
            if heard:
                yield heard

    def _begin(self, start: int) -> None:
        if self._decoding:
            self.decoder.end_utt()
        self.decoder.start_utt()
        self._decoding = True
        self._decoded_from = start

    def _decoded(self, end: int) -> Heard | None:
        self.decoder.end_utt()
        self._decoding = False
        hypothesis = self.decoder.hyp()
        phrase = hypothesis.hypstr.strip() if hypothesis is not None else ""
        if not phrase:
            return None
        if self._wake is not None:
            self._armed_until = -1  # one command per wake word
        return Heard(phrase, self._decoded_from, end, self.endpointer.fed)


def _decoder(setup: Setup) -> Any:
    """pocketsphinx with its bundled US English model, searching only the command phrases."""
    from pocketsphinx import Decoder

    from voiceguide.live.listen.pronounce import espeak_phones

    decoder = Decoder(samprate=RATE, lm=None, loglevel="FATAL")
    english = setup.language.casefold().startswith("en")
    spelled: dict[str, str] = {}
    for phrase in setup.phrases:
        for word in phrase.split():
            if word in spelled or (english and decoder.lookup_word(word) is not None):
                continue
            spelled[word] = " ".join(espeak_phones(word, setup.language))
    for number, (word, phones) in enumerate(spelled.items()):
        last = number == len(spelled) - 1
        if decoder.lookup_word(word) is None:
            decoder.add_word(word, phones, update=last)
        else:  # an English word too ("pause"): said the other language's way as well
            variant = next(f"{word}({n})" for n in range(2, 100) if decoder.lookup_word(f"{word}({n})") is None)
            decoder.add_word(variant, phones, update=last)
    alternatives = " | ".join(setup.phrases)  # letters only (see script.routine), so every word is a JSGF token
    decoder.add_jsgf_string("commands", f"#JSGF V1.0;\ngrammar commands;\npublic <command> = {alternatives} ;\n")
    decoder.activate_search("commands")
    return decoder


class _WakeWord:
    """pymicro-wakeword's bundled "hey jarvis", fed 10 ms frames."""

    REFRACTORY = RATE
    """Samples after a detection in which it is not heard again (its score stays high for a while)."""

    def __init__(self) -> None:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model

        self._model = MicroWakeWord.from_builtin(Model.HEY_JARVIS)
        self._features = MicroWakeWordFeatures()
        self._fed = 0
        self._quiet_until = 0

    def hears(self, frame: Any) -> bool:
        self._fed += len(frame)
        detected = False
        for features in self._features.process_streaming(frame.tobytes()):
            if self._model.process_streaming(features) and self._fed >= self._quiet_until:
                detected = True
                self._quiet_until = self._fed + self.REFRACTORY
        return detected
