"""Voice commands (`play --listen`): words heard through the default microphone, offline, opt-in.

The microphone's audio goes through a pipe to the recognizer's own process
(`live/listen/recognizer.py`); what it hears comes back as phrases with the samples
where they were said. Here each phrase becomes its command, unless the echo gate
says the guide was sounding then (quiet-room mode; with `--wake` only the wake word
lets a command through). Every command is confirmed with a soft sound of its own,
played on a second, small output stream; "stop" is obeyed only when said twice
within STOP_AGAIN seconds (the first time plays the asking sound).

Nothing heard is recorded or sent anywhere.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Generator
from typing import Any

from voiceguide.live.devices import opened
from voiceguide.live.inputs.input import InputSettings, Unavailable, obey
from voiceguide.live.listen.gate import TONE_MARGIN, EchoGate, sounding
from voiceguide.live.player import PAUSE_CUE, Player
from voiceguide.support.environment import Environment
from voiceguide.support.units import SAMPLE_RATE
from voiceguide.timeline import Timeline

EXTRA = "pip install 'voiceguide[listen]'"
TWICE = "stop twice"
"""A stop phrase said twice without a pause: heard as one stretch of speech, and a confirmed stop."""
STOP_AGAIN = 3.0
"""Seconds within which "stop" must be said again to end the session."""
HEARD_CUE = "listen/heard"
AGAIN_CUE = "listen/again"
CUE_GAIN = 0.5
"""The confirmations sit 6 dB under the cue reference level: soft, under the guide's voice."""
POLL = 0.02
"""Seconds between looks at where the session is, to mark when the guide sounds."""
STILL = 0.25
"""A session that plays on but has not moved for this long is playing a sound the controls added (or waiting):
the device reports its position a period (tens of ms) at a time, so a shorter standstill is only that."""


class VoiceCommands:
    """Listens from `start` to `stop`: the microphone, the recognizer's process, and three threads of its own."""

    def __init__(self, microphone: Any, settings: InputSettings) -> None:
        self._microphone = microphone
        self._settings = settings
        self.gate = EchoGate()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._recognizer: Any = None
        self._cues: _CueStream | None = None
        self._captured = 0
        """Samples of the microphone handed to the recognizer so far."""
        self._origins: deque[float] = deque(maxlen=200)
        """Recent estimates of the time.monotonic() of the microphone's sample 0; the earliest is the truest."""
        self._stop_heard: float | None = None
        self._phrases = dict(settings.phrases)
        """What the recognizer listens for: the routine's phrases, and each stop phrase said twice in one breath."""
        for phrase, command in settings.phrases.items():
            if command == "stop":
                self._phrases[f"{phrase} {phrase}"] = TWICE

    @classmethod
    def on(cls, environment: Environment, settings: InputSettings) -> VoiceCommands | None:
        """With `--listen` and the extra installed, the default microphone; else None, or Unavailable saying why."""
        if not settings.listen:
            return None
        try:
            import pocketsphinx  # noqa: F401
        except ImportError:
            raise Unavailable(f"listening needs its extra: {EXTRA}; playing on without it") from None
        if settings.wake:
            try:
                import pymicro_wakeword  # noqa: F401
            except ImportError:
                raise Unavailable(
                    f"--wake needs pymicro-wakeword, which has wheels for Linux and Windows only ({EXTRA}); "
                    "playing on without listening"
                ) from None
        from voiceguide.live.listen.microphone import Microphone, NoMicrophone

        try:
            return cls(Microphone(), settings)
        except NoMicrophone as exc:
            raise Unavailable(f"no microphone to listen with ({exc}); playing on without listening") from None

    def start(self, player: Player) -> None:
        from voiceguide.live.listen.microphone import NoMicrophone
        from voiceguide.live.listen.recognizer import Recognizer, RecognizerFailed, Setup

        try:
            self._cues = _CueStream(self.gate)
            self._recognizer = Recognizer(Setup(tuple(self._phrases), self._settings.language, wake=self._settings.wake))
            self._spawn(self._obey, player)
            if not self._settings.wake:  # the wake word alone lets a command through, even while the guide speaks
                self._spawn(self._mark_the_guide, player)
            self._microphone.start(self._deliver)
        except (RecognizerFailed, _NoCueStream, NoMicrophone) as exc:
            self.stop()
            raise Unavailable(f"cannot listen: {exc}; playing on without listening") from None

    def _spawn(self, target: Any, player: Player) -> None:
        thread = threading.Thread(target=target, args=(player,), name=f"voiceguide {target.__name__}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        """Everything started is ended and waited for; a second call does nothing."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._microphone.close()
        if self._recognizer is not None:
            self._recognizer.close()  # the results end: _obey returns
        for thread in self._threads:
            thread.join()
        if self._cues is not None:
            self._cues.close()

    # --- on the microphone's thread ---------------------------------------------------

    def _deliver(self, pcm: bytes, first_sample_at: float) -> None:
        from voiceguide.live.listen.endpoint import RATE

        self._origins.append(first_sample_at - self._captured / RATE)
        self._captured += len(pcm) // 2
        if not self._stopping.is_set():
            try:
                self._recognizer.feed(pcm)
            except OSError:  # the recognizer has gone; stop() is on its way
                pass

    def _time_of(self, sample: int) -> float:
        from voiceguide.live.listen.endpoint import RATE

        return min(self._origins) + sample / RATE

    # --- what is heard becomes a command -------------------------------------------------

    def _obey(self, player: Player) -> None:
        for heard in self._recognizer.results():
            command = self._phrases.get(heard.phrase)
            start, end = self._time_of(heard.start), self._time_of(heard.end)
            if command is None or self._stopping.is_set() or not self.gate.open(start, end):
                continue
            if command == "stop" and (self._stop_heard is None or start - self._stop_heard > STOP_AGAIN):
                self._stop_heard = end
                self._confirm(player, AGAIN_CUE)
                continue
            self._stop_heard = None
            self._confirm(player, HEARD_CUE)
            obey(player, "stop" if command == TWICE else command)

    def _confirm(self, player: Player, cue: str) -> None:
        assert self._cues is not None
        self._cues.play(cue, 10 ** (player.status().volume_db / 20) * CUE_GAIN)

    # --- when the guide sounds, for the echo gate -----------------------------------------

    def _mark_the_guide(self, player: Player) -> None:
        from voiceguide.audio import cues

        tone = cues.length(PAUSE_CUE) / SAMPLE_RATE
        sounds = _Sounds(player.timeline)
        before = player.status()
        then = moved_at = time.monotonic()
        self.gate.sounded(then - 60.0, then)  # what the guide said before anyone watched is not known: as if it spoke
        while not self._stopping.wait(POLL):
            status = player.status()
            now = time.monotonic()
            if player.timeline is not sounds.timeline:  # a newer layout (the speech made ahead)
                sounds = _Sounds(player.timeline)
            moved = status.position - before.position
            if moved or status.paused != before.paused:
                moved_at = now
            if status.paused and not before.paused:
                self.gate.sounded(then, now + tone, TONE_MARGIN)  # the pause tone
            elif status.paused:
                pass
            elif now - moved_at > STILL:  # a jump's announcement, or a wait for speech still being made
                self.gate.sounded(moved_at, now)
            elif 0 < moved <= (now - then + 0.5) * SAMPLE_RATE:
                if sounds.between(before.position, status.position):
                    self.gate.sounded(then, now)
            elif moved and sounds.between(status.position - int(POLL * SAMPLE_RATE), status.position):  # a jump
                self.gate.sounded(then, now)
            before, then = status, now


class _Sounds:
    """A timeline's speech and chimes as merged stretches of samples (a chime may ring under words)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        starts: list[int] = []
        ends: list[int] = []
        for event in sorted(timeline.sounds, key=lambda e: e.start):
            if ends and event.start <= ends[-1]:
                ends[-1] = max(ends[-1], event.end)
            else:
                starts.append(event.start)
                ends.append(event.end)
        self._starts, self._ends = starts, ends

    def between(self, first: int, last: int) -> bool:
        return sounding(self._starts, self._ends, first, last)


class _NoCueStream(RuntimeError):
    @classmethod
    def because(cls, reason: str) -> _NoCueStream:
        return cls(f"no sound device for the confirmations ({reason})")


class _CueStream:
    """A second, small output stream for the confirmations: it plays silence until a cue is given."""

    PERIOD_MS = 100
    """Its buffer: a confirmation may start a tenth of a second late, but a stream that plays silence
    nearly all the time must never run dry on a busy machine (at 20 ms it did, about once a minute)."""

    def __init__(self, gate: EchoGate) -> None:
        import miniaudio

        self._gate = gate
        self._lock = threading.Lock()
        self._queue: deque[Any] = deque()
        self._until = 0.0
        """The time.monotonic() by which what was given has been played."""
        self._device = opened("playback", SAMPLE_RATE, self.PERIOD_MS, _NoCueStream.because, "voiceguide listening")
        pull = self._pull()
        next(pull)
        try:
            self._device.start(pull)
        except miniaudio.MiniaudioError as exc:
            self._device.close()
            raise _NoCueStream.because(str(exc)) from None

    def play(self, name: str, gain: float) -> None:
        import numpy as np

        from voiceguide.audio import cues

        sound = (cues.samples(name).astype(np.float32) / 32768 * gain).astype(np.float32)
        now = time.monotonic()
        with self._lock:
            start = max(now, self._until)
            self._until = start + len(sound) / SAMPLE_RATE
            self._queue.append(sound)
        self._gate.sounded(start, self._until + 0.1, TONE_MARGIN)  # it leaks into the microphone too

    def _pull(self) -> Generator[Any, int, None]:
        import numpy as np

        frames = yield b""
        while True:
            block = np.zeros(frames, np.float32)
            with self._lock:
                done = 0
                while self._queue and done < frames:
                    sound = self._queue[0]
                    n = min(frames - done, len(sound))
                    block[done : done + n] = sound[:n]
                    done += n
                    if n == len(sound):
                        self._queue.popleft()
                    else:
                        self._queue[0] = sound[n:]
            frames = yield block

    def close(self) -> None:
        """After the confirmation still playing (a stop's), so it is heard whole."""
        time.sleep(min(2.0, max(0.0, self._until + 0.3 - time.monotonic())))  # + what the sound server still holds
        self._device.close()
