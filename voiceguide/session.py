"""The pipeline up to the timeline: check cues and voices, synthesize what is missing, lay out.

`show`, `check`, `export` and `play` all start here, so a session heard live,
exported or printed is laid out from the same clips in the same way. A live
session may also start before its missing clips are made: laid out with
estimated lengths, it is final up to its first line not made, and `relaid`
lays it out again as the clips arrive, final further on and the same before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from voiceguide.audio import cues
from voiceguide.script import placeholders
from voiceguide.script.placeholders import Fill
from voiceguide.script.routine import ChimeStep, Routine, Utterance, placeholders_used
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.engine import find_voice
from voiceguide.speech.making import ClipMaker
from voiceguide.speech.pace import estimated_length
from voiceguide.support.errors import ScriptError, UsageError, VoiceguideError
from voiceguide.timeline import (
    ClipLength,
    Segment,
    Timeline,
    chimes,
    expand,
    filling,
    final_until,
    fitting_range,
    layout,
    spoken,
)

FILL_ROUNDS = 3
"""Times a session is laid out to settle what {minutes} and {hold} say (their words change the lengths
they report); one is almost always enough, as the words are first settled on estimated lengths."""


@dataclass(frozen=True)
class Options:
    """Settings that change the session (not the routine): one object instead of long argument lists."""

    minutes: float | None = None
    loudness: float | None = None
    """Target LUFS; None keeps the default (-16, what podcast players expect)."""
    voice: str | None = None
    """The routine's default voice, replaced (`--voice`); lines that name their own voice keep it."""


DEFAULT_LOUDNESS = -16.0


@dataclass(frozen=True)
class Session:
    routine: Routine
    timeline: Timeline
    speech: ClipMaker
    """Where the session's clips are, and how a line outside it (a section's title, live) is made."""
    cues: cues.CueSet
    options: Options = Options()
    unmade: tuple[Utterance, ...] = ()
    """Lines whose clips are not made yet, in the order they are heard, laid out at an estimated length:
    only ever while a live session starts (see `prepare`)."""
    fill: Fill = Fill()
    """What {minutes} and each {hold} say in this session."""

    @property
    def clips(self) -> ClipCache:
        return self.speech.cache

    @cached_property
    def final_until(self) -> int:
        """Samples from the start laid out for good: all of them once every clip is made."""
        if not self.unmade:
            return self.timeline.duration
        unmade = set(self.unmade)
        lengths = {e.utterance: e.end - e.start for e in self.timeline.speech}
        plan = expand(self.routine, self.fill)
        return final_until(self.routine, plan, lengths.__getitem__, self.cues.length, lambda u: u not in unmade)

    @cached_property
    def fitting_range(self) -> tuple[int, int | None]:
        """The shortest and longest `--minutes` can make this session, in samples (None: no limit)."""
        return fitting_range(self.routine, expand(self.routine, self.fill), self.clips.length, self.cues.length)

    @property
    def loudness(self) -> float:
        """The command line's level, else the routine's, else the default."""
        for level in (self.options.loudness, self.routine.loudness):
            if level is not None:
                return level
        return DEFAULT_LOUDNESS


Progress = Callable[[int], AbstractContextManager[Callable[[], None]]]
"""Given how many clips will be made, a display (a context manager) giving what to call after each one."""


def prepare(
    routine: Routine,
    options: Options,
    speech: ClipMaker,
    progress: Progress | None = None,
    estimate: ClipLength | None = None,
) -> Session:
    """Everything short of audio: validated, synthesized (cached) and laid out to the sample.

    With `estimate` (and no `minutes`, which needs every real length), missing clips are not
    made: they are laid out at their estimated length and listed in `unmade`, for a live session
    to make while it plays. Where that layout fails (a reminder estimated too long for its
    `every`, say) they are made first, as without `estimate`: only real lengths refuse a script.

    {minutes} and {hold} say the lengths of the session as laid out. Their words change the
    lengths of the lines that say them, so they are settled on estimated lengths first (the
    lines are made once), then checked on the real ones and, in the rare case a rounding
    flips, settled again: the words said always belong to the timeline returned.
    """
    if options.voice is not None:
        routine = routine.speaking_with(options.voice)
    sounds = cues.CueSet(routine.file.parent)
    plan = expand(routine)
    _check_cues(routine, plan, sounds)
    lines = dict(spoken(plan))  # utterance -> the step that says it, first occurrence
    _check_voices(routine, options, speech, {u.voice: lines[u] for u in reversed(lines)})
    fills = bool({"minutes", "hold"} & placeholders_used(routine))
    fill = _estimated_fill(routine, options, speech, sounds) if fills else Fill()
    for attempt in range(FILL_ROUNDS):
        plan = expand(routine, fill)
        lines = dict(spoken(plan))
        missing = speech.cache.missing(lines)
        if missing:
            _check_voices_exist(routine, options, speech, {u.voice: lines[u] for u in reversed(missing)})
            if estimate is not None and options.minutes is None:
                draft = _drafted(routine, plan, speech, sounds, options, missing, estimate, fill)
                if draft is not None:
                    return draft
            with progress(len(missing)) if progress else nullcontext(lambda: None) as advance:
                speech.synthesize(missing, lambda utterance: advance())
        timeline = layout(routine, plan, speech.cache.length, sounds.length, options.minutes)
        settled = filling(plan, timeline) if fills else fill
        if settled == fill or attempt == FILL_ROUNDS - 1:
            break
        fill = settled
    return Session(routine, timeline, speech, sounds, options, fill=fill)


def _estimated_fill(routine: Routine, options: Options, speech: ClipMaker, sounds: cues.CueSet) -> Fill:
    """What {minutes} and {hold} will say, settled on the clips already made and estimated lengths for the others,
    so the lines are made once with the right words (the real lengths then confirm them)."""

    def length(utterance: Utterance) -> int:
        return estimated_length(utterance) if speech.cache.missing([utterance]) else speech.cache.length(utterance)

    fill = Fill(None if options.minutes is None else placeholders.whole_minutes(options.minutes * 60))
    for _ in range(FILL_ROUNDS):
        plan = expand(routine, fill)
        try:
            found = filling(plan, layout(routine, plan, length, sounds.length, options.minutes))
        except VoiceguideError:
            return fill  # laid out on the real lengths, the session says what is wrong
        if found == fill:
            break
        fill = found
    return fill


def _drafted(
    routine: Routine,
    plan: list[Segment],
    speech: ClipMaker,
    sounds: cues.CueSet,
    options: Options,
    missing: list[Utterance],
    estimate: ClipLength,
    fill: Fill,
) -> Session | None:
    """The session laid out before its `missing` clips are made; None where their estimates do not fit it.

    {minutes} says what the estimated lengths give: the real ones seldom move it across a whole minute."""
    unmade = set(missing)
    try:
        timeline = layout(routine, plan, lambda u: estimate(u) if u in unmade else speech.cache.length(u), sounds.length)
    except ScriptError:
        return None
    return Session(routine, timeline, speech, sounds, options, tuple(missing), fill)


def relaid(session: Session, made: Collection[Utterance]) -> Session:
    """The session laid out again now that the clips `made` exist: final further on, and the same before.

    Lines still unmade keep the length they were laid out with. A real length can refuse the script
    (a reminder longer than its `every`): that ScriptError is raised here, while the session plays.
    """
    unmade = tuple(u for u in session.unmade if u not in made)
    laid_out = {e.utterance: e.end - e.start for e in session.timeline.speech if e.utterance in unmade}

    def length(utterance: Utterance) -> int:
        return laid_out[utterance] if utterance in laid_out else session.clips.length(utterance)

    plan = expand(session.routine, session.fill)
    timeline = layout(session.routine, plan, length, session.cues.length, session.options.minutes)
    return replace(session, timeline=timeline, unmade=unmade)


def _check_cues(routine: Routine, plan: list[Segment], sounds: cues.CueSet) -> None:
    """Every cue exists: a built-in one, or a readable sound file inside the script's folder."""
    wanted: list[tuple[str, Any, tuple[str, ...], str]] = [
        (name, None, ("chimes", field), "cue") for field, name in routine.chimes if name != "none"
    ]
    wanted += [(name, step, (), "cue") for name, step in chimes(plan) if isinstance(step, ChimeStep)]
    if routine.ambience:
        wanted.append((routine.ambience.sound, None, ("ambience", "sound"), "ambience"))
    for reference, step, key, kind in wanted:
        builtin = cues.beds() if kind == "ambience" else cues.names()
        try:
            if not cues.is_file_reference(reference) and reference not in builtin:
                raise ValueError(f"no {kind} named '{reference}'; available: {', '.join(builtin)}, or a sound file")
            sounds.load(reference)
        except ValueError as problem:
            raise routine.error(str(problem), step, key=key) from None


def _check_voices(routine: Routine, options: Options, speech: ClipMaker, voices: dict[str | None, Any]) -> None:
    """Every voice the lines name resolves to an installed engine and voice, found without starting one."""
    for spec, step in voices.items():
        try:
            speech.casting.voice(spec)
        except LookupError as problem:
            raise _voice_error(routine, options, spec, step, str(problem)) from None


def _check_voices_exist(routine: Routine, options: Options, speech: ClipMaker, voices: dict[str | None, Any]) -> None:
    """The voices of lines to be made are among their engines' voices (an engine may need starting to tell)."""
    for spec, step in voices.items():
        voice = speech.casting.voice(spec)
        if voice.file is not None:
            continue
        try:
            find_voice(speech.casting.engine(voice.engine).voices(), voice.id)
        except LookupError:
            message = f"{voice.engine} has no voice '{voice.id}'; `voiceguide voices` lists them"
            raise _voice_error(routine, options, spec, step, message) from None


def _voice_error(routine: Routine, options: Options, spec: str | None, step: Any, message: str) -> VoiceguideError:
    """At the script line that names the voice; `--voice` on the command line is named as such."""
    own = getattr(step, "voice", None)  # a step's own override, else the routine's default
    if not (own and own.voice) and options.voice is not None and spec == options.voice:
        return UsageError(f"--voice {spec}: {message}")
    return routine.error(message, step if own and own.voice else None, key=("voice", "voice"))
