"""The echo gate: what is heard near the guide's own sound is dropped.

The guide's words leak into the microphone, and the routines say "back" and "stop"
often enough to trigger hundreds of actions an hour. The player knows exactly when
the guide sounds (the timeline's speech and chimes at the position it is playing,
and the sounds the controls add), so anything heard from `margin` seconds after a
sound ended up to its start is dropped; in the silences of a hold, every word is heard.

Times are seconds on one clock (time.monotonic for a live session, the stream's own
for the benchmark). Sounds are marked as they happen, in order.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from collections.abc import Sequence

WORDS_MARGIN = 1.8
"""After the guide's words or chimes: the room's echo, and speech that runs on into them."""
TONE_MARGIN = 0.3
"""A short tone of the controls' own (a confirmation, the pause tone) holds no words: only speech that
begins with it (from this long before its start, for the endpointer's preroll, to a tenth of a second
after) is dropped, so a command said over it ("stop" again, over the tone that asks for it) is heard."""
KEPT = 60.0
"""Seconds of marks remembered."""


class EchoGate:
    def __init__(self, kept: float = KEPT) -> None:
        self._kept = kept
        """Seconds of marks remembered: a live session asks only about what it just heard."""
        self._lock = threading.Lock()
        self._marks: deque[tuple[float, float, float]] = deque()
        """(start, end, margin) of each sound, in order of start."""

    def sounded(self, start: float, end: float, margin: float = WORDS_MARGIN) -> None:
        """The guide made sound from `start` to `end`."""
        with self._lock:
            last = self._marks[-1] if self._marks else None
            if last is not None and last[2] == margin and start <= last[1] + 0.05:
                self._marks[-1] = (last[0], max(last[1], end), margin)  # one long sound, not thousands of pieces
            else:
                self._marks.append((start, end, margin))
            while self._marks and self._marks[0][1] + self._kept < end:
                self._marks.popleft()

    def open(self, start: float, end: float) -> bool:
        """Whether speech heard from `start` to `end` may be obeyed: no words or chime of the guide's from `margin`
        before it to its end, and not all of it inside one of the controls' tones."""
        with self._lock:
            return not any(
                (s - margin <= start <= s + 0.1) if margin == TONE_MARGIN else (s <= end and start <= e + margin)
                for s, e, margin in self._marks
            )


def sounding(starts: Sequence[int], ends: Sequence[int], first: int, last: int) -> bool:
    """Whether any of the intervals (sorted, not overlapping: the timeline's sounds) meets [first, last]."""
    index = bisect.bisect_right(starts, last) - 1
    return index >= 0 and ends[index] >= first
