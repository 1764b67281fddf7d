"""The spoken lines of a session as WebVTT, so a player can show (or a person read) what is said."""

from __future__ import annotations

from voiceguide.support.units import SAMPLE_RATE
from voiceguide.timeline import Timeline


def _stamp(samples: int) -> str:
    milliseconds = round(samples * 1000 / SAMPLE_RATE)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def webvtt(timeline: Timeline) -> str:
    cues = [
        f"{number}\n{_stamp(event.start)} --> {_stamp(event.end)}\n{_escaped(event.text)}"
        for number, event in enumerate(timeline.speech, start=1)
    ]
    return "WEBVTT\n\n" + "".join(cue + "\n\n" for cue in cues)


def _escaped(text: str) -> str:
    """Cue text as WebVTT reads it: `&`, `<` and `>` escaped, so markup and a `-->` stay words."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
