"""From a routine to a sample-exact timeline of speech, chimes, holds and chapters.

Two stages. `expand` unrolls sides, repeats and breathing into a flat plan of
segments; it needs no audio. `layout` places the plan on the sample clock using
the real length of every clip (measured by the caller), fits it to a requested
length by scaling holds and pauses only, and places reminders and countdowns
inside holds so they never overlap other speech.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from voiceguide.script import placeholders
from voiceguide.script.placeholders import Fill
from voiceguide.script.routine import (
    READY,
    BreatheStep,
    ChimeStep,
    PauseStep,
    RepeatStep,
    Routine,
    SayStep,
    SectionStep,
    SidesStep,
    Utterance,
    Voice,
)
from voiceguide.support.errors import DoesNotFit, UsageError
from voiceguide.support.units import SAMPLE_RATE, clock, to_samples, to_seconds

DEFAULT_RATE = 150
"""Words per minute when a script sets none: calmer than espeak's brisk 175."""
SAFETY_PAUSE = 2.0
"""Seconds of quiet after the spoken safety text, before the routine begins."""
REMINDER_GAP = 1.0
"""Seconds of quiet a reminder keeps before the next words in a hold."""
COUNTDOWN_LEAD = 1.0
"""Seconds of a hold that come before its countdown, at the least."""
COUNTDOWN_SPACING = 1.0
"""Seconds between countdown numbers, onset to onset (more if a number is long)."""
READY_WAIT = 15.0
"""Seconds an export waits where a live session waits with no limit (`wait: ready`)."""
MAX_EVENTS = 20_000
MAX_SESSION_SECONDS = 12 * 3600


# --- the plan: what happens, in order, before anything is measured ---------------

@dataclass(frozen=True)
class Speak:
    utterance: Utterance
    step: Any = None


@dataclass(frozen=True)
class Chime:
    name: str
    step: Any = None


@dataclass(frozen=True)
class Gap:
    """Silence that fitting may stretch or shrink."""

    seconds: float
    step: Any = None


@dataclass(frozen=True)
class Hold:
    """A timed hold after an instruction, with optional reminders and countdown inside it."""

    seconds: float
    instruction: str
    step: Any
    reminder: Utterance | None = None
    every: float = 0.0
    countdown: tuple[Utterance, ...] = ()  # from the highest number down to "one"
    span: tuple[float, float] | None = None
    """The shortest and longest fitting may make it (`hold: {for, min, max}`); None for a plain length."""


@dataclass(frozen=True)
class Phase:
    """A breathing phase of fixed length with its word at the start; never scaled."""

    utterance: Utterance
    seconds: float
    step: Any


@dataclass(frozen=True)
class Wait:
    """A wait for the listener, at most `seconds` (None: with no limit); never scaled."""

    seconds: float | None
    step: Any

    @property
    def length(self) -> float:
        """Its length in an export, and in the layout."""
        return READY_WAIT if self.seconds is None else self.seconds


@dataclass(frozen=True)
class Mark:
    """A chapter begins here."""

    title: str


Segment = Speak | Chime | Gap | Hold | Phase | Wait | Mark


def expand(routine: Routine, fill: Fill = Fill()) -> list[Segment]:
    """The routine as a flat plan: sides, repeats and breathing unrolled, words filled in.

    `fill` says what {minutes} and each {hold} say (see `filling`); without it, {hold} says the
    hold's written length and {minutes} stays as written.
    """
    plan: list[Segment] = []
    _add_chime(plan, routine.chimes.start)
    if routine.safety_spoken:
        opening = " ".join(t for t in (routine.words.safety, routine.safety_spoken) if t)
        plan += [Speak(_utterance(routine, opening, None, fill=fill)), Gap(SAFETY_PAUSE)]
    _expand_steps(routine, routine.steps, plan, side=None, fill=fill)
    if routine.tail:
        plan.append(Gap(routine.tail))
    _add_chime(plan, routine.chimes.end)
    return _tapered(routine, plan)


def _tapered(routine: Routine, plan: list[Segment]) -> list[Segment]:
    """The voice's rate and volume moved evenly from the first spoken segment to the taper's factors at the last."""
    taper = routine.voice.taper
    speaking = [index for index, segment in enumerate(plan) if isinstance(segment, (Speak, Phase, Hold))]
    if not taper or len(speaking) < 2:
        return plan

    def scaled(utterance: Utterance, progress: float) -> Utterance:
        return replace(
            utterance,
            rate=round(utterance.rate * (1 + (taper.rate - 1) * progress)),
            volume=round(utterance.volume * (1 + (taper.volume - 1) * progress), 2),
        )

    tapered = list(plan)
    for order, index in enumerate(speaking):
        progress, segment = order / (len(speaking) - 1), plan[index]
        if isinstance(segment, Hold):
            tapered[index] = replace(
                segment,
                reminder=segment.reminder and scaled(segment.reminder, progress),
                countdown=tuple(scaled(u, progress) for u in segment.countdown),
            )
        elif isinstance(segment, (Speak, Phase)):
            tapered[index] = replace(segment, utterance=scaled(segment.utterance, progress))
    return tapered


def _add_chime(plan: list[Segment], name: str, step: Any = None) -> None:
    if name != "none":
        plan.append(Chime(name, step))


def _utterance(
    routine: Routine, text: str, voice: Voice | None, side: str | None = None, fill: Fill = Fill(), hold: int | None = None
) -> Utterance:
    merged = routine.voice.model_copy(update=voice.model_dump(exclude_none=True) if voice else {})
    text = placeholders.filled(text, side=side, minutes=fill.minutes, hold=hold)
    text = " ".join(text.split())
    return Utterance(
        text=text,
        voice=merged.voice,
        rate=merged.rate or DEFAULT_RATE,
        volume=1.0 if merged.volume is None else merged.volume,
        pronounce=routine.pronunciations(text),
    )


def narration(routine: Routine, text: str) -> Utterance:
    """`text` in the routine's own voice: for words outside the plan, such as a section title announced live."""
    return _utterance(routine, text, None)


def _expand_steps(routine: Routine, steps: list[Any], plan: list[Segment], side: str | None, fill: Fill) -> None:
    for step in steps:
        if len(plan) > MAX_EVENTS:
            raise routine.error(f"the session would have more than {MAX_EVENTS} parts; use fewer repeats", step)
        if isinstance(step, SayStep):
            _expand_say(routine, step, plan, side, fill)
        elif isinstance(step, SectionStep):
            plan.append(Mark(step.section.replace("{side}", side or "")))
            _add_chime(plan, routine.chimes.section, step)
        elif isinstance(step, SidesStep):
            for index, each_side in enumerate(step.sides):
                if index and step.switch:
                    plan.append(Speak(_utterance(routine, step.switch, None, each_side, fill), step))
                _expand_steps(routine, step.steps, plan, each_side, fill)
        elif isinstance(step, RepeatStep):
            for _ in range(step.repeat):
                _expand_steps(routine, step.steps, plan, side, fill)
        elif isinstance(step, BreatheStep):
            words = routine.words.breathe
            phases = [(words.in_, step.breathe.in_), (words.hold, step.breathe.hold), (words.out, step.breathe.out)]
            for _ in range(step.breathe.cycles):
                plan += [Phase(_utterance(routine, w, None), s, step) for w, s in phases if s > 0]
        elif isinstance(step, ChimeStep):
            plan.append(Chime(step.chime, step))
        elif isinstance(step, PauseStep):
            plan.append(Gap(step.pause, step))


def _section_title(routine: Routine, plan: list[Segment]) -> str:
    """The title of the section the plan has reached: its last mark's, else the routine's."""
    return next((s.title for s in reversed(plan) if isinstance(s, Mark)), routine.title)


def _expand_say(routine: Routine, step: SayStep, plan: list[Segment], side: str | None, fill: Fill) -> None:
    seconds = step.hold_seconds
    hold = None if seconds is None else fill.hold(step._path) or placeholders.hold_seconds(seconds)

    def say(text: str) -> Utterance:
        return _utterance(routine, text, step.voice, side, fill, hold)

    plan.append(Speak(say(step.say), step))
    if step.wait is not None:
        plan.append(Wait(None if step.wait == READY else float(step.wait), step))
        plan.append(Mark(_section_title(routine, plan)))  # a chapter begins where the listener goes on
    if seconds is not None:
        numbers = routine.words.numbers[: step.countdown or 0]
        plan.append(
            Hold(
                seconds=seconds,
                instruction=say(step.say).text,
                step=step,
                reminder=say(step.remind.say) if step.remind else None,
                every=step.remind.every if step.remind else 0.0,
                countdown=tuple(say(n) for n in reversed(numbers)),
                span=step.hold_range,
            )
        )
        _add_chime(plan, routine.chimes.step, step)
        if step.release:
            plan.append(Speak(say(routine.words.release if step.release is True else step.release), step))
    if step.pause:
        plan.append(Gap(step.pause, step))


# --- the timeline: where everything sounds, in samples ----------------------------

@dataclass(frozen=True)
class SpeechEvent:
    """Words heard from `start` to `end`: the clip of `utterance`."""

    start: int
    end: int
    utterance: Utterance

    @property
    def text(self) -> str:
        return self.utterance.text


@dataclass(frozen=True)
class ChimeEvent:
    """A cue (a built-in name or a script's sound file) heard from `start` to `end`."""

    start: int
    end: int
    name: str


@dataclass(frozen=True)
class HoldEvent:
    """The time an instruction is held; `text` is the instruction."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class WaitEvent:
    """Where the session waits for the listener to go on: live, at most until `end` (`ready`: with no limit);
    an export is quiet from `start` to `end`."""

    start: int
    end: int
    ready: bool


@dataclass(frozen=True)
class AmbienceEvent:
    """A bed under the session from `start` to `end`, named like a cue."""

    start: int
    end: int
    name: str


@dataclass(frozen=True)
class FadeEvent:
    """The stretch over which everything fades to silence."""

    start: int
    end: int


Event = SpeechEvent | ChimeEvent | HoldEvent | WaitEvent | AmbienceEvent | FadeEvent
SoundEvent = SpeechEvent | ChimeEvent
"""The events the renderer mixes from clips and cues."""
EVENT_KINDS: dict[type, str] = {
    SpeechEvent: "speech",
    ChimeEvent: "chime",
    HoldEvent: "hold",
    WaitEvent: "wait",
    AmbienceEvent: "ambience",
    FadeEvent: "fade",
}
"""Each event's `kind` in the JSON of `show`: the one place kinds are strings."""


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Timeline:
    title: str
    duration: int
    chapters: tuple[Chapter, ...]
    events: tuple[Event, ...]
    sample_rate: int = SAMPLE_RATE

    @cached_property
    def speech(self) -> tuple[SpeechEvent, ...]:
        """Every spoken line, in time order; they never overlap."""
        return tuple(e for e in self.events if isinstance(e, SpeechEvent))

    @cached_property
    def chimes(self) -> tuple[ChimeEvent, ...]:
        return tuple(e for e in self.events if isinstance(e, ChimeEvent))

    @cached_property
    def sounds(self) -> tuple[SoundEvent, ...]:
        """Speech and chimes, in time order: what the renderer mixes from clips and cues."""
        return tuple(e for e in self.events if isinstance(e, (SpeechEvent, ChimeEvent)))

    @cached_property
    def holds(self) -> tuple[HoldEvent, ...]:
        return tuple(e for e in self.events if isinstance(e, HoldEvent))

    @cached_property
    def waits(self) -> tuple[WaitEvent, ...]:
        return tuple(e for e in self.events if isinstance(e, WaitEvent))

    @property
    def ambience(self) -> AmbienceEvent | None:
        return next((e for e in self.events if isinstance(e, AmbienceEvent)), None)

    @property
    def fade(self) -> FadeEvent | None:
        return next((e for e in self.events if isinstance(e, FadeEvent)), None)

    def as_json(self, voice_of: Callable[[Utterance], str] | None = None) -> dict[str, Any]:
        """The documented JSON of `show --json`: times in seconds; speech names its voice as ENGINE:ID
        when `voice_of` says which voice speaks an utterance."""

        def event(e: Event) -> dict[str, Any]:
            out: dict[str, Any] = {"kind": EVENT_KINDS[type(e)], "start": to_seconds(e.start), "end": to_seconds(e.end)}
            if isinstance(e, (SpeechEvent, HoldEvent)):
                out["text"] = e.text
            if isinstance(e, SpeechEvent) and voice_of is not None:
                out["voice"] = voice_of(e.utterance)
            if isinstance(e, (ChimeEvent, AmbienceEvent)):
                out["name"] = e.name
            if isinstance(e, WaitEvent):
                out["ready"] = e.ready
            return out

        return {
            "title": self.title,
            "duration": to_seconds(self.duration),
            "chapters": [
                {"title": c.title, "start": to_seconds(c.start), "end": to_seconds(c.end)} for c in self.chapters
            ],
            "events": [event(e) for e in self.events],
        }


ClipLength = Callable[[Utterance], int]
CueLength = Callable[[str], int]


def spoken(plan: list[Segment]) -> Iterator[tuple[Utterance, Any]]:
    """Every utterance the plan speaks, with the step that asks for it (None for the opening)."""
    for segment in plan:
        if isinstance(segment, (Speak, Phase, Hold)):
            for utterance in _says(segment):
                yield utterance, segment.step


def _says(segment: Segment) -> tuple[Utterance, ...]:
    """The lines a segment speaks, in the order they are heard (a hold's reminder before its countdown)."""
    if isinstance(segment, (Speak, Phase)):
        return (segment.utterance,)
    if isinstance(segment, Hold):
        return ((segment.reminder,) if segment.reminder else ()) + segment.countdown
    return ()


def chimes(plan: list[Segment]) -> Iterator[tuple[str, Any]]:
    """Every cue the plan plays, with the step that asks for it (None for start and end)."""
    for segment in plan:
        if isinstance(segment, Chime):
            yield segment.name, segment.step


def layout(
    routine: Routine,
    plan: list[Segment],
    clip_length: ClipLength,
    cue_length: CueLength,
    minutes: float | None = None,
) -> Timeline:
    """Place the plan on the sample clock; with `minutes`, stretch or shrink holds and pauses to fit."""
    holds = {id(s): _HoldShape.measure(routine, s, clip_length) for s in plan if isinstance(s, Hold)}
    stretch = _Stretch.of(routine, plan, holds, clip_length, cue_length)
    lengths = stretch.natural if minutes is None else stretch.fit(minutes)
    total = stretch.fixed + sum(lengths)
    if total > to_samples(MAX_SESSION_SECONDS):
        raise routine.error(f"the session would last {clock(total)}; the limit is {MAX_SESSION_SECONDS // 3600} hours")
    return _place(routine, plan, holds, iter(lengths), clip_length, cue_length, total)


def fitting_range(
    routine: Routine, plan: list[Segment], clip_length: ClipLength, cue_length: CueLength
) -> tuple[int, int | None]:
    """The shortest and longest (None: no limit) the session can be fitted to, in samples."""
    holds = {id(s): _HoldShape.measure(routine, s, clip_length) for s in plan if isinstance(s, Hold)}
    return _Stretch.of(routine, plan, holds, clip_length, cue_length).span


def filling(plan: list[Segment], timeline: Timeline) -> Fill:
    """What {minutes} and each {hold} say for a session laid out as `timeline` from `plan`."""
    holds: dict[tuple[str | int, ...], int] = {}
    for segment, event in zip((s for s in plan if isinstance(s, Hold)), timeline.holds):
        holds.setdefault(segment.step._path, placeholders.hold_seconds(to_seconds(event.end - event.start)))
    return Fill(placeholders.whole_minutes(to_seconds(timeline.duration)), tuple(holds.items()))


def final_until(
    routine: Routine, plan: list[Segment], clip_length: ClipLength, cue_length: CueLength, made: Callable[[Utterance], bool]
) -> int:
    """Where a layout at the plan's own length (no `minutes`) stops being final while some clips are not `made`
    (their `clip_length` an estimate): before it, every sound and chapter is where the finished layout puts it.

    A segment's start depends only on the lengths of the segments before it, so the layout is
    final up to the first segment that speaks a line not made: a hold counts from its start, as
    its countdown is placed back from its end by its numbers' lengths. A fade to silence is placed
    back from the session's end, which lies at least where it would with those lines left out.
    """
    cursor, estimated = 0, 0
    horizon: int | None = None
    for segment in plan:
        if horizon is None and not all(made(u) for u in _says(segment)):
            horizon = cursor
        if isinstance(segment, Speak):
            length = clip_length(segment.utterance)
            estimated += 0 if made(segment.utterance) else length
        elif isinstance(segment, Chime):
            length = cue_length(segment.name)
        elif isinstance(segment, (Phase, Gap, Hold)):
            length = to_samples(segment.seconds)
        elif isinstance(segment, Wait):
            length = to_samples(segment.length)
        else:
            length = 0
        cursor += length
    if horizon is None:
        return cursor
    if routine.fade_out:
        horizon = min(horizon, cursor - estimated - to_samples(routine.fade_out))
    return max(horizon, 0)


def _place(
    routine: Routine,
    plan: list[Segment],
    holds: dict[int, _HoldShape],
    lengths: Iterator[int],
    clip_length: ClipLength,
    cue_length: CueLength,
    total: int,
) -> Timeline:
    events: list[Event] = []
    marks: list[tuple[str, int]] = []
    cursor = 0
    for segment in plan:
        if isinstance(segment, (Speak, Phase)):
            u = segment.utterance
            events.append(SpeechEvent(cursor, cursor + clip_length(u), u))
            cursor += to_samples(segment.seconds) if isinstance(segment, Phase) else clip_length(u)
        elif isinstance(segment, Chime):
            events.append(ChimeEvent(cursor, cursor + cue_length(segment.name), segment.name))
            cursor += cue_length(segment.name)
        elif isinstance(segment, Gap):
            cursor += next(lengths)
        elif isinstance(segment, Wait):
            events.append(WaitEvent(cursor, cursor + to_samples(segment.length), ready=segment.seconds is None))
            cursor += to_samples(segment.length)
        elif isinstance(segment, Hold):
            length = next(lengths)
            events.append(HoldEvent(cursor, cursor + length, segment.instruction))
            events += holds[id(segment)].speech(cursor, cursor + length)
            cursor += length
        elif isinstance(segment, Mark):
            marks.append((segment.title, cursor))
        if len(events) > MAX_EVENTS:
            raise routine.error(f"the session would have more than {MAX_EVENTS} events; use fewer repeats or reminders")
    if routine.ambience:
        events.insert(0, AmbienceEvent(0, total, routine.ambience.sound))
    if routine.fade_out:
        events.append(FadeEvent(max(total - to_samples(routine.fade_out), 0), total))
    events.sort(key=lambda e: (e.start, not isinstance(e, HoldEvent)))
    return Timeline(routine.title, total, _chapters(routine.title, marks, events, total), tuple(events))


def _chapters(title: str, marks: list[tuple[str, int]], events: list[Event], total: int) -> tuple[Chapter, ...]:
    """Chapters that cover the whole session, named after its sections."""
    first_speech = min((e.start for e in events if isinstance(e, SpeechEvent)), default=total)
    if not marks or marks[0][1] > 0 and first_speech < marks[0][1]:
        marks = [(title, 0)] + marks
    else:
        marks = [(marks[0][0], 0)] + marks[1:]  # only chimes and silence come before it
    starts = [start for _, start in marks[1:]] + [total]
    chapters = [Chapter(name, start, end) for (name, start), end in zip(marks, starts)]
    return tuple(c for c in chapters if c.end > c.start) or (Chapter(title, 0, total),)


@dataclass(frozen=True)
class _HoldShape:
    """The fixed speech inside a hold, measured once, placed for any hold length."""

    minimum: int
    countdown: tuple[tuple[Utterance, int, int], ...]  # utterance, onset back from the hold's end, length
    reminder: Utterance | None
    reminder_length: int
    every: int

    @staticmethod
    def measure(routine: Routine, hold: Hold, clip_length: ClipLength) -> _HoldShape:
        lengths = [clip_length(u) for u in hold.countdown]
        spacing = max([to_samples(COUNTDOWN_SPACING)] + [n + to_samples(0.25) for n in lengths[:-1]])
        count = len(lengths)
        offsets = tuple(
            (u, lengths[-1] + (count - 1 - i) * spacing, length)
            for i, (u, length) in enumerate(zip(hold.countdown, lengths))
        )
        span = offsets[0][1] if offsets else 0
        minimum = span + to_samples(COUNTDOWN_LEAD) if offsets else 1
        natural = to_samples(hold.seconds)
        if natural < minimum:
            raise routine.error(
                f"a hold of {hold.seconds:g}s is too short for a countdown of {count}; "
                f"make it at least {to_seconds(minimum):g}s or count down from fewer",
                hold.step,
                key=("countdown",),
            )
        if hold.span is not None and to_samples(hold.span[0]) < minimum:
            raise routine.error(
                f"`min` ({hold.span[0]:g}s) is too short for a countdown of {count}; "
                f"make it at least {to_seconds(minimum):g}s or count down from fewer",
                hold.step,
                key=("hold", "min"),
            )
        shape = _HoldShape(
            minimum=minimum,
            countdown=offsets,
            reminder=hold.reminder,
            reminder_length=clip_length(hold.reminder) if hold.reminder else 0,
            every=to_samples(hold.every),
        )
        if hold.reminder:
            shape._check_reminders(routine, hold, natural)
        return shape

    def _check_reminders(self, routine: Routine, hold: Hold, natural: int) -> None:
        needed = self.reminder_length + to_samples(REMINDER_GAP)
        if needed > self.every:
            raise routine.error(
                f"the reminder takes {to_seconds(self.reminder_length):.1f}s to say, so `every` must be at least "
                f"{to_seconds(needed):.1f}s",
                hold.step,
                key=("remind", "every"),
            )
        if not self._reminder_onsets(0, natural):
            raise routine.error(
                f"no reminder fits: a reminder every {hold.every:g}s needs a longer hold than {hold.seconds:g}s"
                + (" with its countdown" if self.countdown else "")
                + "; shorten `every` or lengthen the hold",
                hold.step,
                key=("remind",),
            )

    def _reminder_onsets(self, start: int, end: int) -> list[int]:
        limit = end - (self.countdown[0][1] if self.countdown else 0)
        last_onset = limit - self.reminder_length - to_samples(REMINDER_GAP)
        return list(range(start + self.every, last_onset + 1, self.every)) if self.reminder else []

    def speech(self, start: int, end: int) -> list[SpeechEvent]:
        """Reminder and countdown events for a hold placed at [start, end)."""
        events = [
            SpeechEvent(onset, onset + self.reminder_length, self.reminder)
            for onset in self._reminder_onsets(start, end)
            if self.reminder
        ]
        events += [
            SpeechEvent(end - offset, end - offset + length, u)
            for u, offset, length in self.countdown
        ]
        return events


@dataclass(frozen=True)
class _Stretch:
    """What fitting may change: every pause and hold, with its natural, shortest and longest length.

    Once any hold gives a range (`hold: {for, min, max}`), only holds with a range change, each
    within it; pauses and plain holds keep their length. Otherwise every pause and hold scales
    in proportion, with no upper limit, as it always has (a countdown still needs its time).
    """

    fixed: int
    natural: list[int]
    shortest: list[int]
    longest: list[int | None]
    ranged: bool

    @staticmethod
    def of(
        routine: Routine, plan: list[Segment], holds: dict[int, _HoldShape], clip_length: ClipLength, cue_length: CueLength
    ) -> _Stretch:
        ranged = any(isinstance(s, Hold) and s.span is not None for s in plan)
        fixed = 0
        natural: list[int] = []
        shortest: list[int] = []
        longest: list[int | None] = []
        for segment in plan:
            if isinstance(segment, Speak):
                fixed += clip_length(segment.utterance)
            elif isinstance(segment, Chime):
                fixed += cue_length(segment.name)
            elif isinstance(segment, Phase):
                phase = to_samples(segment.seconds)
                if clip_length(segment.utterance) > phase:
                    raise routine.error(
                        f"'{segment.utterance.text}' takes longer to say than its {segment.seconds:g}s breathing phase; "
                        "lengthen the phase or shorten the words",
                        segment.step,
                        key=("breathe",),
                    )
                fixed += phase
            elif isinstance(segment, Wait):
                fixed += to_samples(segment.length)
            elif isinstance(segment, (Gap, Hold)):
                length = to_samples(segment.seconds)
                natural.append(length)
                if isinstance(segment, Hold) and segment.span is not None:
                    shortest.append(to_samples(segment.span[0]))
                    longest.append(to_samples(segment.span[1]))
                elif ranged:
                    shortest.append(length)
                    longest.append(length)
                else:
                    shortest.append(holds[id(segment)].minimum if isinstance(segment, Hold) else 0)
                    longest.append(None)
        return _Stretch(fixed, natural, shortest, longest, ranged)

    @property
    def span(self) -> tuple[int, int | None]:
        longest = None if None in self.longest else sum(n for n in self.longest if n is not None)
        return (self.fixed + sum(self.shortest), None if longest is None else self.fixed + longest)

    def fit(self, minutes: float) -> list[int]:
        """Lengths that make the session exactly `minutes` long, each in its bounds, as near proportion as they allow."""
        if minutes <= 0 or minutes * 60 > MAX_SESSION_SECONDS:
            raise UsageError(f"--minutes must be between 0 and {MAX_SESSION_SECONDS // 60}")
        budget = to_samples(minutes * 60) - self.fixed
        shortest, longest = self.span
        if self.ranged:
            assert longest is not None
            if not shortest <= to_samples(minutes * 60) <= longest:
                raise DoesNotFit(_out_of_range(minutes, shortest, longest))
        elif budget < sum(self.shortest):
            raise DoesNotFit(
                f"{minutes:g} minutes is too short: the words, chimes and countdowns alone take {clock(shortest)}; "
                f"ask for at least {-(-shortest // (60 * SAMPLE_RATE))} minutes"
            )
        if not any(self.natural):
            raise UsageError("this routine has no holds or pauses to stretch; play it at its own length")
        return _fit(self.natural, self.shortest, self.longest, budget)


def _out_of_range(minutes: float, shortest: int, longest: int) -> str:
    """One line: the length asked for, the lengths the routine can take, and what to ask for."""
    side = "short" if to_samples(minutes * 60) < shortest else "long"
    if shortest == longest:
        return (
            f"{minutes:g} minutes is too {side}: this routine's holds keep their length, so it takes {clock(shortest)}; "
            "play it without --minutes"
        )
    low, high = shortest / SAMPLE_RATE / 60, longest / SAMPLE_RATE / 60
    if math.ceil(low) <= math.floor(high):
        ask = f"{math.ceil(low)} to {math.floor(high)} minutes"
        if math.ceil(low) == math.floor(high):
            ask = f"{math.ceil(low)} minutes"
    else:
        ask = f"{math.ceil(low * 10) / 10:g} to {math.floor(high * 10) / 10:g} minutes"
    return (
        f"{minutes:g} minutes is too {side}: with every hold within its range, this routine takes "
        f"{clock(shortest)} to {clock(longest)}; ask for {ask}"
    )


def _fit(natural: list[int], shortest: list[int], longest: list[int | None], budget: int) -> list[int]:
    """Lengths proportional to `natural`, each held within [shortest, longest], that add up to exactly `budget`."""

    def length(scale: float, n: int, low: int, high: int | None) -> float:
        stretched = max(low, scale * n)
        return stretched if high is None else min(high, stretched)

    bounds = list(zip(natural, shortest, longest))
    low, high = 0.0, max([budget / sum(natural)] + [b / n for n, a, c in bounds if n for b in (a, c or 0)]) + 1.0
    for _ in range(100):
        scale = (low + high) / 2
        if sum(length(scale, n, a, c) for n, a, c in bounds) < budget:
            low = scale
        else:
            high = scale
    exact = [length(high, n, a, c) for n, a, c in bounds]
    lengths = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - lengths[i], reverse=True)
    for i in by_remainder[: max(budget - sum(lengths), 0)]:
        lengths[i] += 1  # floors lose less than one sample each: hand those back
    return lengths
