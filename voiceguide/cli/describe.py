"""The readable form of a session that `voiceguide show` prints."""

from __future__ import annotations

import textwrap

from voiceguide.script.routine import Routine
from voiceguide.support.units import clock
from voiceguide.timeline import (
    AmbienceEvent,
    ChimeEvent,
    Event,
    FadeEvent,
    HoldEvent,
    SpeechEvent,
    Timeline,
    WaitEvent,
)

WIDTH = 88


def describe(routine: Routine, timeline: Timeline) -> str:
    """Title, description, full safety text, then every chapter with its events and times."""
    lines = [f"{routine.title}  ({clock(timeline.duration)})"]
    if routine.description:
        lines += textwrap.wrap(routine.description, WIDTH)
    if routine.safety_text:
        lines += [""] + textwrap.wrap(f"Safety: {routine.safety_text}", WIDTH, subsequent_indent="  ")
    if routine.sources:
        lines += ["", "Sources:"] + [f"  - {source}" for source in routine.sources]
    chapters = iter(timeline.chapters)
    chapter = next(chapters, None)
    holds: list[HoldEvent] = []
    for event in timeline.events:
        while chapter and event.start >= chapter.start:
            lines += ["", f"{clock(chapter.start):>7}  == {chapter.title} ({clock(chapter.end - chapter.start)}) =="]
            chapter = next(chapters, None)
        holds = [h for h in holds if h.end > event.start]
        lines.append(f"{clock(event.start):>7}  {'  ' * len(holds)}{_event_text(event)}")
        if isinstance(event, HoldEvent):
            holds.append(event)
    lines.append(f"{clock(timeline.duration):>7}  (end)")
    return "\n".join(lines)


def _event_text(event: Event) -> str:
    if isinstance(event, SpeechEvent):
        return f'"{event.text}"'
    if isinstance(event, ChimeEvent):
        return f"(chime: {event.name})"
    if isinstance(event, AmbienceEvent):
        return f"(ambience: {event.name}, throughout)"
    if isinstance(event, FadeEvent):
        return f"(fading out over {clock(event.end - event.start)})"
    if isinstance(event, WaitEvent):
        if event.ready:
            return f"(wait until you go on; an export waits {clock(event.end - event.start)})"
        return f"(wait until you go on, at most {clock(event.end - event.start)})"
    return f"(hold {clock(event.end - event.start)})"
