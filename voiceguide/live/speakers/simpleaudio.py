"""The simpleaudio speaker: whole buffers, started on time by the clock.

simpleaudio can only play whole buffers and tells nothing of its position, so this
speaker plays long chunks that begin and end inside the session's silences, each
started when the clock of the first says it is due: a start a little early or late
moves only silence, and errors never add up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voiceguide.live.speakers.speaker import Change, Done, Source, no_device
from voiceguide.support.errors import MissingToolError
from voiceguide.support.units import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np


@dataclass
class _Chunk:
    start: int
    """The stream's sample where the chunk begins."""
    length: int
    due: float
    """time.monotonic() at which its first sample is handed to the device."""
    play: Any


class SimpleaudioSpeaker:
    """simpleaudio plays whole buffers, cannot pause and tells nothing of where it is.

    So it plays chunks of at least MIN_CHUNK samples, each ending in the middle of a
    silence of JOIN_SILENCE, and starts each one when it is due by the monotonic clock,
    counted from the first chunk. Where the sound card's clock runs at another rate than
    the computer's, the session drifts by the difference (tens of ppm); miniaudio does
    not. Where a chunk would grow past MAX_CHUNK without a silence, it is cut anyway. A chunk is made just before it is due, so a volume
    change is heard from the next silence on. A stopped chunk still sounds for the
    ~200 ms its stream has buffered, so after an interruption the next one waits for it.
    """

    MIN_CHUNK = 3 * SAMPLE_RATE
    MAX_CHUNK = 30 * SAMPLE_RATE
    JOIN_SILENCE = SAMPLE_RATE // 5
    """A chunk started up to half of this early or late still joins silence to silence."""
    QUIET = 1e-4
    """Samples below this (-80 dBFS) count as silence; the renderer's silence is exactly zero."""
    PULL = SAMPLE_RATE // 4
    LEAD_IN = SAMPLE_RATE // 20
    """Silence before the first chunk of a run: a sound server may swallow a new stream's first milliseconds."""
    POLL = 0.001
    MAKE_AHEAD = 0.5
    """Seconds before a chunk is due that it is made: long enough to render it, short for volume changes."""

    def __init__(self) -> None:
        try:
            import simpleaudio
        except ImportError:
            raise MissingToolError(
                "the simpleaudio player is not installed: pip install 'voiceguide[simpleaudio]' "
                "(it compiles against libasound2-dev), or use the default player"
            ) from None
        self._simpleaudio = simpleaudio
        self._playing: list[_Chunk] = []
        self._stopping: list[_Chunk] = []
        self._lock = threading.Lock()
        """Held while a chunk is made from the source, started, or taken back, and while its bookkeeping is read."""
        self._generation = 0
        """Counts interruptions: a chunk made before the latest one is stale."""
        self._next = 0
        """The stream's sample where the next chunk begins."""
        self._anchor: tuple[float, int] | None = None
        """When the first chunk since the start (or the latest interruption) began, and its first sample."""
        self._wake = threading.Event()
        self._closed = False
        self._play_buffer(b"\0\0").stop()  # opens the device now, so a missing one is reported before playing

    def _play_buffer(self, pcm: bytes) -> Any:
        try:
            return self._simpleaudio.play_buffer(pcm, 1, 2, SAMPLE_RATE)
        except Exception as exc:  # simpleaudio raises its own error type, from C
            raise no_device(exc) from None

    def start(self, source: Source, done: Done) -> None:
        threading.Thread(target=self._feed, args=(source, done), name="simpleaudio feeder", daemon=True).start()

    def _feed(self, source: Source, done: Done) -> None:
        import numpy as np

        try:
            pending = np.zeros(0, np.float32)
            while not self._closed:
                with self._lock:
                    generation = self._generation
                    due = self._due(self._next)
                if not self._sleep_until(due - self.MAKE_AHEAD, generation):
                    pending = pending[:0]
                    continue
                with self._lock:
                    if generation != self._generation:
                        pending = pending[:0]
                        continue
                    chunk, pending, ended = self._cut(source, pending)
                if not self._sleep_until(due, generation) or not self._wait_stopped(generation):
                    pending = pending[:0]
                    continue
                with self._lock:
                    if generation != self._generation or self._closed:
                        pending = pending[:0]
                        continue
                    self._play(chunk)
                if ended and self._wait_heard(generation):
                    done(None)
                    return
        except Exception as exc:
            done(exc)

    def _due(self, position: int) -> float:
        if self._anchor is None:
            return time.monotonic()
        began, first = self._anchor
        return began + (position - first) / SAMPLE_RATE

    def _sleep_until(self, moment: float, generation: int) -> bool:
        """Wait for `moment`; False if an interruption (or close) came first."""
        while generation == self._generation and not self._closed:
            delay = moment - time.monotonic()
            if delay <= 0:
                return True
            self._wake.wait(delay)
            self._wake.clear()
        return False

    def _cut(self, source: Source, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """The next chunk, what was pulled beyond it, and whether the stream ended in it."""
        import numpy as np

        searched = 0
        while True:
            join = _silence_middle(audio, max(searched, self.MIN_CHUNK - self.JOIN_SILENCE), self.JOIN_SILENCE, self.QUIET)
            if join is not None:
                return audio[:join], audio[join:], False
            if len(audio) >= self.MAX_CHUNK:
                return audio[: self.MAX_CHUNK], audio[self.MAX_CHUNK :], False
            searched = max(len(audio) - self.JOIN_SILENCE, 0)
            block = source.fill(self.PULL)
            audio = np.concatenate([audio, block])
            if len(block) < self.PULL:
                return audio, audio[:0], True

    def _wait_stopped(self, generation: int) -> bool:
        """Wait until stopped chunks are silent; False if an interruption (or close) came first.

        Under the lock: an interruption adds to the stopped chunks, and none may be forgotten.
        """
        while True:
            with self._lock:
                if generation != self._generation or self._closed:
                    return False
                self._stopping = [c for c in self._stopping if c.play.is_playing()]
                if not self._stopping:
                    return True
            time.sleep(self.POLL)

    def _play(self, chunk: np.ndarray) -> None:
        import numpy as np

        from voiceguide.render import to_pcm16

        lead_in = np.zeros(self.LEAD_IN if self._anchor is None else 0, np.float32)
        due = time.monotonic() + len(lead_in) / SAMPLE_RATE
        if self._anchor is None:
            self._anchor = (due, self._next)
        play = self._play_buffer(to_pcm16(np.concatenate([lead_in, chunk]))) if len(chunk) else None
        self._playing = [c for c in self._playing if c.play and c.play.is_playing()]
        self._playing.append(_Chunk(self._next, len(chunk), due, play))
        self._next += len(chunk)

    def _wait_heard(self, generation: int) -> bool:
        """Wait until every chunk has played; False if an interruption (or close) came first."""
        while generation == self._generation and not self._closed:
            if not any(c.play and c.play.is_playing() for c in self._playing):
                return True
            time.sleep(self.POLL)
        return False

    def heard(self) -> int:
        with self._lock:
            return self._heard()

    def _heard(self) -> int:
        if not self._playing:
            return self._next
        latest = self._playing[-1]
        return latest.start + min(latest.length, max(0, round((time.monotonic() - latest.due) * SAMPLE_RATE)))

    def interrupt(self, change: Change) -> None:
        """Stop the chunks playing: the stream goes on from what the clock says was heard."""
        with self._lock:
            heard = self._heard()
            for chunk in self._playing:
                if chunk.play:
                    chunk.play.stop()
            self._stopping += [c for c in self._playing if c.play]
            self._playing = []
            self._generation += 1
            self._anchor = None
            self._next = heard
            change(heard)
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        for chunk in self._playing:
            if chunk.play:
                chunk.play.stop()


def _silence_middle(audio: np.ndarray, start: int, length: int, quiet: float) -> int | None:
    """The middle of the first run of `length` quiet samples at or after `start`, if there is one."""
    import numpy as np

    region = np.abs(audio[start:]) < quiet
    if len(region) < length:
        return None
    counts = np.concatenate([[0], np.cumsum(region)])
    runs = np.flatnonzero(counts[length:] - counts[:-length] == length)
    return start + int(runs[0]) + length // 2 if runs.size else None
