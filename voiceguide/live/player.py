"""Blocks to speaker: a live session with pause, resume, jumps and volume, on a clock of samples.

The `Player` is the one interface to a session in progress: the inputs (`inputs/`)
and the tests both call its methods. It hands the speaker the renderer's own blocks, so what is
heard is the exported audio sample for sample, apart from what the controls add
(the pause tone, a jump's announcement, a volume other than 0 dB). Where the session
is comes from the count of samples the speaker has played, never from the wall clock.

A step may wait for the listener (`wait:`): the Player stops there, quiet, until a
control goes on (resume, play, next), or by itself once a limited wait is over; a
`ready` wait sounds a soft reminder every half minute.

A session may start before all its speech is made (see session.prepare): the Player
plays only up to where its layout is final, waits in silence there if the speech
falls behind, and takes each newer layout as it comes (`extend`).
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from voiceguide.live.speakers.speaker import Speaker
from voiceguide.render import Renderer
from voiceguide.script.routine import Utterance
from voiceguide.session import Session
from voiceguide.support.errors import UsageError
from voiceguide.support.units import to_samples
from voiceguide.timeline import Chapter, ChimeEvent, HoldEvent, SpeechEvent, Timeline, WaitEvent, narration

PAUSE_CUE = "soft"
"""Heard on pausing, and before a section's title where the section has no chime of its own."""
FADE = to_samples(0.01)
"""What was playing fades out this fast when a control cuts in: no click."""
AFTER_CHIME = to_samples(0.4)
AFTER_TITLE = to_samples(0.8)
"""The silences after a jump's chime and after the section's title, before its first words."""
RESTART_WITHIN = to_samples(3.0)
"""Going back this early in a section goes to the one before; later, to the start of this one."""
VOLUME_STEP_DB = 3.0
VOLUME_RANGE_DB = (-30.0, 6.0)
"""The session peaks near -1 dBFS, so above 0 dB the loudest syllables clip; +6 dB is where that stops."""
WAIT_REMINDER_EVERY = to_samples(30.0)
"""While a `ready` wait goes on, the pause tone sounds this often: the session is still there."""
Timed = TypeVar("Timed", SpeechEvent, HoldEvent, WaitEvent)
HISTORY = 256
"""Stretches of the stream remembered, to map a sample heard back to the session (one per change)."""

Narrate = Callable[[str], Utterance]
"""Makes a line speakable in the routine's voice (synthesizing it if need be)."""


@dataclass(frozen=True)
class Status:
    """What the screen shows: where the session is and what is happening there."""

    position: int
    duration: int
    chapter: Chapter
    chapter_number: int
    """From 1."""
    chapters: int
    instruction: str | None
    """The words of the hold under way, else the latest words spoken."""
    hold_left: int | None
    paused: bool
    volume_db: float
    waiting: bool = False
    """The session waits for the listener to go on (a step's `wait:`)."""


@dataclass
class _Stretch:
    """Consecutive samples of the stream and where in the session they belong."""

    start: int
    """The stream's sample where it begins."""
    length: int
    position: int
    """The session's sample at its beginning."""
    advancing: bool
    """Session audio (the position moves along), or a sound the controls added (the position waits)."""


class Player:
    """A session in progress: start it, control it, ask where it is, wait for its end.

    Thread-safe: the speaker pulls `fill` from its own thread while inputs (or tests) call
    the controls from theirs. The Player's lock is private and guards its stream and the
    renderer (which is not thread-safe). The speaker's lock, when both are needed, is
    always taken first: the speaker holds it around `fill`, and a control that changes
    course asks the speaker to `interrupt`, which calls back into the Player under it.
    The Player never calls into the speaker while it holds its own lock.
    """

    def __init__(self, renderer: Renderer, speaker: Speaker, narrate: Narrate) -> None:
        self._lock = threading.Lock()
        self._extended = threading.Condition(self._lock)
        """Notified when a newer layout is final further on, or the session is over."""
        self._use(renderer)
        self._speaker = speaker
        self._narrate = narrate
        self._fade_out = (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, FADE))).astype(np.float32)
        self._position = 0
        """The session's next sample to hand over (or, while something added plays, where it goes on)."""
        self._stream = 0
        """Samples handed to the speaker so far."""
        self._stretches: deque[_Stretch] = deque(maxlen=HISTORY)
        self._added = np.zeros(0, np.float32)
        """A sound the controls added (a fade, the pause tone, an announcement), played before the session goes on."""
        self._added_at = 0
        self._added_from = 0
        """The stream's sample where the added sound begins."""
        self._paused = False
        self._waited = 0
        """Samples of silence played so far at a `ready` wait the session has reached (its reminders count on it)."""
        self._stopped = False
        self._volume_db = 0.0
        self._gain = 1.0
        self._over = threading.Event()
        self._error: BaseException | None = None

    def _use(self, renderer: Renderer) -> None:
        """Play from this renderer, and look things up in its timeline."""
        timeline = renderer.timeline
        self.timeline = timeline
        self._renderer = renderer
        self._chapter_starts = [c.start for c in timeline.chapters]
        self._event_starts = [e.start for e in timeline.events]
        self._speech = timeline.speech
        self._speech_starts = [e.start for e in self._speech]
        self._holds = timeline.holds
        self._hold_starts = [e.start for e in self._holds]
        self._waits = timeline.waits
        self._wait_starts = [e.start for e in self._waits]

    def extend(self, renderer: Renderer) -> None:
        """Go on with a newer layout of the same session, final further on: before the old one's
        `final_until` the two are the same, so what was played and where the session is stay true."""
        with self._lock:
            self._use(renderer)
            self._extended.notify_all()

    # --- the controls: what the keys and the tests call ---------------------------

    def start(self, position: int = 0) -> None:
        """Start playing at a sample of the session (0, or a chapter's start)."""
        with self._lock:
            self._position = position
        self._speaker.start(self, self._done)

    def pause(self) -> None:
        """A soft tone, then silence; resuming starts over the words that were cut. Nothing while the session
        waits for the listener: it is quiet already, and going on is what ends the wait."""
        if not self._paused:  # a quick no without disturbing the speaker; decided again under the lock
            self._cut_in(self._pause_here)

    def resume(self) -> None:
        """Play on after a pause, or go on from a wait."""
        self._cut_in(self._resume_here)

    def toggle_pause(self) -> None:
        """Resume (or go on from a wait) if paused (or waiting), else pause: one button for both."""
        self._cut_in(lambda: self._resume_here() if self._paused or self._wait_here() else self._pause_here())

    def next_section(self) -> None:
        """To the next section, announced by its chime and title; nothing in the last one.
        At a wait, going on is the next section: the wait ends there, with nothing announced."""
        with self._lock:
            waiting = self._wait_here() is not None and not self._paused
        if waiting:
            self._cut_in(self._resume_here)
        else:
            self._jump(lambda index, into: index + 1)

    def previous_section(self) -> None:
        """To the start of this section; within its first seconds, to the section before."""
        self._jump(lambda index, into: index - 1 if into < RESTART_WITHIN else index)

    def volume_up(self) -> None:
        self.set_volume(self._volume_db + VOLUME_STEP_DB)

    def volume_down(self) -> None:
        self.set_volume(self._volume_db - VOLUME_STEP_DB)

    def set_volume(self, db: float) -> None:
        """The volume in dB (0 is as made), kept within VOLUME_RANGE_DB: for inputs that set it outright."""
        with self._lock:
            self._volume_db = min(max(db, VOLUME_RANGE_DB[0]), VOLUME_RANGE_DB[1])

    def stop(self, error: BaseException | None = None) -> None:
        """End the session now; with `error` (a control or the speech made ahead failed on its thread),
        wait() raises it."""
        with self._lock:
            self._stopped = True
            self._error = self._error or error
            self._over.set()
            self._extended.notify_all()

    @property
    def over(self) -> bool:
        """Whether the session has ended (played to its end, stopped, or failed)."""
        return self._over.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the session is over (played to its end, or stopped); re-raises a speaker's failure."""
        over = self._over.wait(timeout)
        if self._error is not None:
            raise self._error
        return over

    def status(self) -> Status:
        heard = self._speaker.heard()  # before the Player's lock, never under it
        with self._lock:  # and the layout read whole, as a newer one may come
            at = self._where(heard)
            index = bisect.bisect_right(self._chapter_starts, at) - 1
            hold = _containing(self._holds, self._hold_starts, at)
            latest = bisect.bisect_right(self._speech_starts, at) - 1
            instruction = hold.text if hold else (self._speech[latest].text if latest >= 0 else None)
            waiting = _containing(self._waits, self._wait_starts, at) is not None
            return Status(
                position=at,
                duration=self.timeline.duration,
                chapter=self.timeline.chapters[index],
                chapter_number=index + 1,
                chapters=len(self.timeline.chapters),
                instruction=instruction,
                hold_left=hold.end - at if hold else None,
                paused=self._paused,
                volume_db=self._volume_db,
                waiting=waiting and not self._paused,
            )

    # --- the stream: what the speaker pulls ---------------------------------------

    def fill(self, frames: int) -> np.ndarray:
        """The next `frames` samples: added sounds first, then the session (silence while paused, and where
        the session's layout is not final yet: the speech made ahead has fallen behind)."""
        with self._lock:
            out = np.zeros(frames, np.float32)
            done = 0
            while done < frames and not self._stopped:
                if self._added_at < len(self._added):
                    n = min(frames - done, len(self._added) - self._added_at)
                    out[done : done + n] = self._added[self._added_at : self._added_at + n]
                    self._added_at += n
                    self._record(n, advancing=False)
                elif self._paused:
                    n = frames - done
                    self._record(n, advancing=False)
                elif self._position < self._renderer.final_until and self._ready_wait_at(self._position):
                    n = self._wait_quietly(frames - done)
                elif self._position < self._renderer.final_until:
                    n = min(frames - done, self._renderer.final_until - self._position, self._to_ready_wait())
                    out[done : done + n] = self._renderer.read(self._position, n)
                    self._record(n, advancing=True)
                    self._position += n
                elif self._position < self.timeline.duration:
                    n = frames - done
                    self._record(n, advancing=False)
                else:
                    break
                done += n
            return self._at_volume(out[:done])

    def _ready_wait_at(self, position: int) -> bool:
        """Whether a `ready` wait begins at `position`: the session stays there until the listener goes on."""
        index = bisect.bisect_left(self._wait_starts, position)
        return index < len(self._waits) and self._waits[index].start == position and self._waits[index].ready

    def _to_ready_wait(self) -> int:
        """Samples from the position to the next `ready` wait's start (the session stops there)."""
        index = bisect.bisect_right(self._wait_starts, self._position)
        upcoming = (w.start for w in self._waits[index:] if w.ready)
        return next(upcoming, self.timeline.duration) - self._position

    def _wait_quietly(self, frames: int) -> int:
        """Silence at a `ready` wait, up to the next reminder tone (queued as an added sound); the samples played."""
        n = min(frames, WAIT_REMINDER_EVERY - self._waited % WAIT_REMINDER_EVERY)
        self._record(n, advancing=False)
        self._waited += n
        if self._waited % WAIT_REMINDER_EVERY == 0:
            self._added, self._added_at, self._added_from = self._cue(PAUSE_CUE), 0, self._stream
        return n

    def _wait_here(self) -> WaitEvent | None:
        """The wait the session is at (a limited one under way, or a `ready` one reached), if any."""
        return _containing(self._waits, self._wait_starts, self._position)

    def _record(self, length: int, advancing: bool) -> None:
        last = self._stretches[-1] if self._stretches else None
        if (
            last is not None
            and last.advancing == advancing
            and last.start + last.length == self._stream
            and last.position + (last.length if advancing else 0) == self._position
        ):
            last.length += length
        else:
            self._stretches.append(_Stretch(self._stream, length, self._position, advancing))
        self._stream += length

    def _at_volume(self, block: np.ndarray) -> np.ndarray:
        target = 10 ** (self._volume_db / 20)
        if not len(block) or self._gain == target == 1.0:
            return block  # at 0 dB the session is handed over untouched
        ramp = np.linspace(self._gain, target, len(block), dtype=np.float32)  # no zipper noise
        self._gain = target
        return np.clip(block * ramp, -1.0, 1.0)

    def _where(self, sample: int) -> int:
        """The session position at a sample of the stream."""
        if sample >= self._stream:
            return self._position
        for stretch in reversed(self._stretches):
            if stretch.start <= sample:
                return stretch.position + (sample - stretch.start if stretch.advancing else 0)
        return self._position

    def _cut_in(self, act: Callable[[], None]) -> None:
        """Change course: the speaker drops what it can of what it was handed, then `act` runs where the stream goes on.

        `act` runs under the speaker's lock and then the Player's, so no fill comes between
        the drop and the change; it decides again there, as another control may have come first.
        """

        def change(cut: int) -> None:
            with self._lock:
                self._rewind(cut)
                if not self._over.is_set():
                    act()

        if not self._over.is_set():
            self._speaker.interrupt(change)

    def _rewind(self, cut: int) -> None:
        """Forget the stream from sample `cut` on (what the speaker dropped): the session goes on from there."""
        if cut < self._stream:
            self._position = self._where(cut)
            while self._stretches and self._stretches[-1].start >= cut:
                self._stretches.pop()
            if self._stretches:
                last = self._stretches[-1]
                last.length = min(last.length, cut - last.start)
            self._stream = cut
            self._added_at = min(max(cut - self._added_from, 0), len(self._added))  # an added sound resumes at the cut

    def _pause_here(self) -> None:
        if not self._paused and self._wait_here() is None:
            words = self._speech_at(self._position)
            self._switch(self._cue(PAUSE_CUE), words.start if words else self._position, paused=True)

    def _resume_here(self) -> None:
        wait = self._wait_here()
        if self._paused:
            self._switch(np.zeros(0, np.float32), self._position, paused=False)
        elif wait is not None:
            self._switch(np.zeros(0, np.float32), wait.end, paused=False)

    def _switch(self, sound: np.ndarray, position: int, paused: bool) -> None:
        """Fade out what was about to play, play `sound`, then go on from `position` (or stay paused)."""
        self._added = np.concatenate([self._upcoming(FADE) * self._fade_out, sound])
        self._added_at = 0
        self._added_from = self._stream
        self._position = position
        self._paused = paused
        self._waited = 0

    def _upcoming(self, frames: int) -> np.ndarray:
        ahead = np.zeros(frames, np.float32)
        if self._added_at < len(self._added):
            part = self._added[self._added_at : self._added_at + frames]
        elif self._paused:
            part = ahead[:0]
        else:
            part = self._renderer.read(self._position, max(0, min(frames, self._renderer.final_until - self._position)))
        ahead[: len(part)] = part
        return ahead

    def _jump(self, choose: Callable[[int, int], int]) -> None:
        heard = self._speaker.heard()
        with self._lock:
            if self._over.is_set():
                return
            at = self._where(heard)
            index = bisect.bisect_right(self._chapter_starts, at) - 1
            target = choose(index, at - self._chapter_starts[index])
            if not 0 <= target < len(self.timeline.chapters):
                return
        title = self._narrate(self.timeline.chapters[target].title)  # may synthesize it: the session plays on
        with self._lock:
            self._extended.wait_for(  # a section not laid out for good yet: until it is, the session plays on
                lambda: self._over.is_set() or self.timeline.chapters[target].start <= self._renderer.final_until
            )
            if self._over.is_set():
                return
            chapter = self.timeline.chapters[target]
            opening = self._opening_chime(chapter)
            announcement = np.concatenate(
                [
                    self._renderer.sound(opening) if opening else self._cue(PAUSE_CUE),
                    np.zeros(AFTER_CHIME, np.float32),
                    self._renderer.spoken(title),
                    np.zeros(AFTER_TITLE, np.float32),
                ]
            )
        self._cut_in(lambda: self._switch(announcement, opening.end if opening else chapter.start, paused=False))

    def _opening_chime(self, chapter: Chapter) -> ChimeEvent | None:
        """The chime a section begins with, if it has one: a jump plays it before the title."""
        first = bisect.bisect_left(self._event_starts, chapter.start)
        for event in self.timeline.events[first:]:
            if event.start != chapter.start:
                return None
            if isinstance(event, ChimeEvent):
                return event
        return None

    def _speech_at(self, at: int) -> SpeechEvent | None:
        return _containing(self._speech, self._speech_starts, at)

    def _cue(self, name: str) -> np.ndarray:
        return self._renderer.chime(name)

    def _done(self, error: BaseException | None) -> None:
        with self._lock:  # a failure an input reported first is kept
            self._error = self._error or error
            self._over.set()
            self._extended.notify_all()


def _containing(events: Sequence[Timed], starts: list[int], at: int) -> Timed | None:
    """The event (from a list of non-overlapping ones, in order) under way at sample `at`."""
    index = bisect.bisect_right(starts, at) - 1
    return events[index] if index >= 0 and events[index].end > at else None


def narrator(session: Session) -> Narrate:
    """Lines in the routine's own voice, through the session's clip cache: made once, then cached.

    Inputs give commands from their own threads; the clip maker speaks one phrase at a
    time, so two jumps at once (or a jump while the session's speech is made ahead) take turns.
    """

    def narrate(text: str) -> Utterance:
        utterance = narration(session.routine, text)
        session.speech.synthesize([utterance])
        return utterance

    return narrate


def chapter_named(timeline: Timeline, title: str) -> Chapter:
    """The first chapter with this title, in any case; a UsageError listing them all if none has it."""
    wanted = title.casefold()
    for chapter in timeline.chapters:
        if chapter.title.casefold() == wanted:
            return chapter
    names = ", ".join(f'"{c.title}"' for c in timeline.chapters)
    raise UsageError(f'no section called "{title}"; the sections are {names}')
