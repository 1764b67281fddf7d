"""The pipeline up to the timeline: check cues and voices, synthesize what is missing, lay out.

`show`, `check`, `export` and `play` all start here, so a session heard live,
exported or printed is laid out from the same clips in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voiceguide import cues
from voiceguide.routine import ChimeStep, Routine
from voiceguide.speech import ClipCache, find_voice
from voiceguide.timeline import Timeline, chimes, expand, layout, spoken


@dataclass(frozen=True)
class Options:
    """Settings that change the session (not the routine): one object instead of long argument lists."""

    minutes: float | None = None
    loudness: float | None = None
    """Target LUFS; None keeps the default (-16, what podcast players expect)."""


DEFAULT_LOUDNESS = -16.0


@dataclass(frozen=True)
class Session:
    routine: Routine
    timeline: Timeline
    clips: ClipCache
    options: Options = Options()

    @property
    def loudness(self) -> float:
        """The command line's level, else the routine's, else the default."""
        for level in (self.options.loudness, self.routine.loudness):
            if level is not None:
                return level
        return DEFAULT_LOUDNESS


Progress = Callable[[int], Callable[[], None]]
"""Given how many clips will be made, returns what to call after each one."""


def prepare(routine: Routine, options: Options, clips: ClipCache, progress: Progress | None = None) -> Session:
    """Everything short of audio: validated, synthesized (cached) and laid out to the sample."""
    plan = expand(routine)
    _check_cues(routine, plan)
    lines = dict(spoken(plan))  # utterance -> the step that says it, first occurrence
    missing = clips.missing(lines)
    if missing:
        _check_voices(routine, clips, {u.voice: lines[u] for u in reversed(missing) if u.voice})
        clips.synthesize(missing, progress(len(missing)) if progress else lambda: None)
    timeline = layout(routine, plan, clips.length, cues.length, options.minutes)
    return Session(routine, timeline, clips, options)


def _check_cues(routine: Routine, plan: list) -> None:
    known = cues.names()
    hint = f"available: {', '.join(known)}, or none"
    for field, name in routine.chimes:
        if name != "none" and name not in known:
            raise routine.error(f"no cue named '{name}'; {hint}", key=("chimes", field))
    for name, step in chimes(plan):
        if isinstance(step, ChimeStep) and name not in known:
            raise routine.error(f"no cue named '{name}'; {hint}", step)
    if routine.ambience and routine.ambience.sound not in cues.beds():
        message = f"no ambience named '{routine.ambience.sound}'; available: {', '.join(cues.beds())}"
        raise routine.error(message, key=("ambience", "sound"))


def _check_voices(routine: Routine, clips: ClipCache, voices: dict[str, object]) -> None:
    available = clips.engine.voices()
    for voice, step in voices.items():
        try:
            find_voice(available, voice)
        except LookupError:
            message = f"the speech engine has no voice '{voice}'; `voiceguide voices` lists them"
            own = getattr(step, "voice", None)  # a step's own override, else the routine's default
            raise routine.error(message, step if own and own.voice else None, key=("voice", "voice")) from None
