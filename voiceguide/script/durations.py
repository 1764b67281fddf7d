"""Durations as people write them in scripts: 90s, 1m30s, 2m, 1.5m, 1h, or plain seconds."""

from __future__ import annotations

import re

MAX_SECONDS = 6 * 3600
"""No single hold, pause or tail may be longer than this; longer is a typo, not a massage."""

PATTERN = r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*$"
_REGEX = re.compile(PATTERN)
EXAMPLES = "90s, 1m30s, 2m, 1.5m or plain seconds"


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like '1m30s'; ValueError says what would be right."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a duration such as {EXAMPLES}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        match = _REGEX.match(value)
        if not value.strip() or not match or not any(match.groups()):
            raise ValueError(f"'{value}' is not a duration; write e.g. {EXAMPLES}")
        hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    else:
        raise ValueError(f"expected a duration such as {EXAMPLES}")
    if seconds != seconds:
        raise ValueError(f"expected a duration such as {EXAMPLES}, not NaN")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{value} is too long; the limit is {MAX_SECONDS // 3600} hours")
    return seconds

