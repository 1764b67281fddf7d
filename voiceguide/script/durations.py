"""Durations as people write them in scripts: 90s, 1m30s, 2m, 1.5m, 1h, 1:30, or plain seconds.

The same grammar gives the JSON Schema that editors check a script against
(`json_schema`), so an editor and voiceguide accept the same durations. Its
patterns are written for both Python's `re` and JavaScript's regular expressions:
ASCII digits and spaces only, and no end anchor that a final newline could slip past.
"""

from __future__ import annotations

import re
from typing import Any

from voiceguide.script.scalars import SPACE, Unquoted

MAX_SECONDS = 6 * 3600
"""No single hold, pause or tail may be longer than this; longer is a typo, not a massage."""
EXAMPLES = "90s, 1m30s, 2m, 1.5m or plain seconds"

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_SIXTY = r"[0-5]?[0-9]"
"""Minutes and seconds after a colon, as YAML 1.1 wrote base-60 numbers (`1:30` was 90)."""


def _units(hours: str, minutes: str, seconds: str) -> str:
    """1h 30m 10s, each part optional, each taking the spaces after it (spaces between two stars backtrack)."""
    return rf"(?:({hours}){SPACE}h{SPACE})?(?:({minutes}){SPACE}m{SPACE})?(?:({seconds}){SPACE}(?:s{SPACE})?)?"


def _clock(hours: str, minutes: str, last: str) -> str:
    """h:mm:ss or m:ss."""
    return rf"(?:({hours}):({_SIXTY})|({minutes})):({last})"


_UNITS = re.compile(SPACE + _units(_NUMBER, _NUMBER, _NUMBER))
_CLOCK = re.compile(SPACE + _clock("[0-9]+", "[0-9]+", _SIXTY + r"(?:\.[0-9]+)?") + SPACE)


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like '1m30s'; ValueError says what would be right."""
    if isinstance(value, Unquoted):
        value = value.value  # a plain number; a plain yes or no is no duration
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a duration such as {EXAMPLES}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _seconds(value)
    else:
        raise ValueError(f"expected a duration such as {EXAMPLES}")
    if seconds != seconds:
        raise ValueError(f"expected a duration such as {EXAMPLES}, not NaN")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{value} is too long; the limit is {MAX_SECONDS // 3600} hours")
    return seconds


def parse_positive_duration(value: object) -> float:
    """A duration that must last: a hold, a pause of its own, a breath, the time between reminders."""
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError("needs a duration above zero")
    return seconds


def _seconds(text: str) -> float:
    units = _UNITS.fullmatch(text)
    if units and any(units.groups()):
        hours, minutes, seconds = (float(part) if part else 0.0 for part in units.groups())
        return hours * 3600 + minutes * 60 + seconds
    clock = _CLOCK.fullmatch(text)
    if clock:
        h, m, only_m, s = clock.groups()
        return float(h or 0) * 3600 + float(m or only_m) * 60 + float(s)
    raise ValueError(f"'{text}' is not a duration; write e.g. {EXAMPLES}")


def json_schema(*, positive: bool = False) -> dict[str, Any]:
    """What `parse_duration` (or `parse_positive_duration`) accepts, as JSON Schema.

    Each part of a written duration is held to the limit on its own (`7h` and `400m` are
    refused); a sum of parts over it, such as `5h 90m`, is not: a pattern cannot add.
    """
    hours, minutes = MAX_SECONDS // 3600, MAX_SECONDS // 60
    assert hours * 3600 == MAX_SECONDS, "the patterns below bound whole hours"
    fraction = r"(?:\.[0-9]+)?"
    units = _units(_at_most(hours), _at_most(minutes), _at_most(MAX_SECONDS))
    clock = _clock(
        rf"0*{_below(hours)}", rf"0*{_below(minutes)}", _SIXTY + fraction
    ) + rf"|0*{hours}:0?0:0?0(?:\.0+)?|0*{minutes}:0?0(?:\.0+)?"
    some_time = r"(?=[^1-9]*[1-9])" if positive else r"(?=[^0-9]*[0-9])"
    number: dict[str, Any] = {"type": "number", "maximum": MAX_SECONDS}
    number["exclusiveMinimum" if positive else "minimum"] = 0
    return {
        "anyOf": [number, {"type": "string", "pattern": f"^{some_time}{SPACE}(?:{units}|(?:{clock}){SPACE})$"}],
        "description": f"seconds, or text such as {EXAMPLES}" + (", above zero" if positive else ""),
    }


def _at_most(limit: int) -> str:
    """A pattern for the decimal numbers from 0 to `limit`, leading zeros allowed."""
    return rf"0*(?:{_below(limit)}(?:\.[0-9]+)?|{limit}(?:\.0+)?)"


def _below(limit: int) -> str:
    """A pattern for the whole numbers from 0 to `limit` - 1 (as digits; leading zeros allowed)."""
    digits = str(limit)
    choices = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - position - 1
            choices.append(digits[:position] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(choices) + ")"
