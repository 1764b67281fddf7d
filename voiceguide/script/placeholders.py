"""Placeholders in spoken lines: {side}, {minutes} and {hold}, filled in as a session is laid out.

`{side}` is the side a `sides:` block is on. `{minutes}` is the session's real length and
`{hold}` the length of the step's own hold, both as laid out (so `--minutes 12` says twelve
minutes). They are filled with figures and unit symbols ("12", "2 min 30 s"), never English
words: the speech layer reads figures and units in the voice's own language (wording.py),
so a German routine says "zwölf Minuten", and `show` and transcripts show the figures.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""Any `{...}` in a spoken line is a placeholder; a lone brace is text, as it always was."""
NAMES = ("minutes", "hold", "side")


@dataclass(frozen=True)
class Fill:
    """What {minutes} and each step's {hold} say, rounded as they are said: equal fills say the same words."""

    minutes: int | None = None
    holds: tuple[tuple[tuple[str | int, ...], int], ...] = ()
    """(a hold step's path in the script, its length in seconds as said), in the order they are held."""

    def hold(self, path: tuple[str | int, ...]) -> int | None:
        return next((seconds for where, seconds in self.holds if where == path), None)


def uses(text: str, name: str) -> bool:
    return "{" + name + "}" in text


def filled_in(where: str, *, in_sides: bool, has_hold: bool) -> tuple[str, ...]:
    """The placeholders filled in a text at `where` ("step", "switch", "section" or "safety"): the safety
    text and section titles are also shown as written, and only a step with a hold has a {hold}."""
    if where == "safety":
        return ()
    return (("side",) if in_sides else ()) + (("minutes",) if where != "section" else ()) + (
        ("hold",) if where == "step" and has_hold else ()
    )


def problem(name: str, *, where: str, in_sides: bool, has_hold: bool) -> str | None:
    """What is wrong with `{name}` where it stands (see `filled_in`), or None when it will be filled there."""
    if name in filled_in(where, in_sides=in_sides, has_hold=has_hold):
        return None
    if name not in NAMES:
        close = difflib.get_close_matches(name.strip().lower(), NAMES, n=1)
        hint = f"did you mean {{{close[0]}}}? " if close else ""
        return (
            f"unknown placeholder {{{name}}}; {hint}spoken lines can hold {{minutes}} (the session's length), "
            "{hold} (this step's hold) and {side} (inside `sides:`)"
        )
    if name == "side":
        return "{side} is used outside a `sides:` block; put this step inside one"
    if where == "section":
        return f"a section title is not spoken, so {{{name}}} is not filled in it; say the length in a step"
    if where == "safety":
        return f"the safety text is also shown as written, so {{{name}}} is not filled in it; say the length in a step"
    return "{hold} is the length of this step's own hold, and this step has none; add `hold:` or write the length"


def filled(text: str, *, side: str | None = None, minutes: int | None = None, hold: int | None = None) -> str:
    """`text` with each placeholder given a value replaced; the others are left as written."""
    if side is not None:
        text = text.replace("{side}", side)
    if minutes is not None:
        text = text.replace("{minutes}", str(minutes))
    if hold is not None:
        text = text.replace("{hold}", said_length(hold))
    return text


def whole_minutes(seconds: float) -> int:
    """A session's length as {minutes} says it: to the nearest minute, and never less than one."""
    return max(1, int(seconds / 60 + 0.5))


def hold_seconds(seconds: float) -> int:
    """A hold's length as {hold} says it: to 5 seconds under two minutes, to 15 seconds from there on."""
    grain = 5 if seconds < 120 - 2.5 else 15
    return max(grain, int(seconds / grain + 0.5) * grain)


def said_length(seconds: int) -> str:
    """Seconds as figures and unit symbols: "45 s", "90 s", "1 min", "2 min 30 s"."""
    minutes, rest = divmod(seconds, 60)
    if minutes == 0 or (seconds < 120 and rest):
        return f"{seconds} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")
