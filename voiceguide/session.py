"""The pipeline up to the timeline: check cues and voices, synthesize what is missing, lay out.

`show`, `check`, `export` and `play` all start here, so a session heard live,
exported or printed is laid out from the same clips in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from voiceguide.audio import cues
from voiceguide.script.routine import ChimeStep, Routine
from voiceguide.speech.cache import ClipCache
from voiceguide.speech.engine import find_voice
from voiceguide.speech.making import ClipMaker
from voiceguide.support.errors import UsageError, VoiceguideError
from voiceguide.timeline import Segment, Timeline, chimes, expand, layout, spoken


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

    @property
    def clips(self) -> ClipCache:
        return self.speech.cache

    @property
    def loudness(self) -> float:
        """The command line's level, else the routine's, else the default."""
        for level in (self.options.loudness, self.routine.loudness):
            if level is not None:
                return level
        return DEFAULT_LOUDNESS


Progress = Callable[[int], AbstractContextManager[Callable[[], None]]]
"""Given how many clips will be made, a display (a context manager) giving what to call after each one."""


def prepare(routine: Routine, options: Options, speech: ClipMaker, progress: Progress | None = None) -> Session:
    """Everything short of audio: validated, synthesized (cached) and laid out to the sample."""
    if options.voice is not None:
        routine = routine.speaking_with(options.voice)
    plan = expand(routine)
    sounds = cues.CueSet(routine.file.parent)
    _check_cues(routine, plan, sounds)
    lines = dict(spoken(plan))  # utterance -> the step that says it, first occurrence
    _check_voices(routine, options, speech, {u.voice: lines[u] for u in reversed(lines)})
    missing = speech.cache.missing(lines)
    if missing:
        _check_voices_exist(routine, options, speech, {u.voice: lines[u] for u in reversed(missing)})
        with progress(len(missing)) if progress else nullcontext(lambda: None) as advance:
            speech.synthesize(missing, advance)
    timeline = layout(routine, plan, speech.cache.length, sounds.length, options.minutes)
    return Session(routine, timeline, speech, sounds, options)


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
