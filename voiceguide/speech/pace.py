"""The same `rate` gives the same pace with every engine.

A script's `rate` is words per minute as espeak-ng takes it; measured on trimmed
clips, espeak-ng speaks about 7% faster than its nominal rate (see ESPEAK_PACE).
A Piper voice has no rate, only a length scale, and its pace does not follow the
scale in proportion (en_US-joe-medium: 218 wpm at 1.0, 194 at 1.25, 150 at 1.6),
so each voice is measured at a few scales and a rate is mapped between them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voiceguide.script.routine import Utterance
from voiceguide.speech.engine import Speech
from voiceguide.speech.trim import sounding
from voiceguide.support.units import to_samples

ESPEAK_PACE = 1.07
"""Words per minute espeak-ng's trimmed clips carry for each nominal word per minute: 1.05-1.10 from
80 to 300 wpm, measured on CALIBRATION_TEXT with espeak-ng 1.51."""

CALIBRATION_TEXT = (
    "Find the soft spot between your thumb and first finger. Press gently, and breathe out slowly. "
    "Let your shoulders drop, and feel the warmth spread through your hand. Now rest for a moment."
)
CALIBRATION_SCALES = (0.7, 1.0, 1.5, 2.2, 3.2)
"""Length scales a voice is measured at: from faster than anyone wants to 60 wpm and below."""


def words_per_minute(speech: Speech, text: str) -> float:
    """The pace of the words in a clip, between its first and last sound."""
    span = sounding(np.frombuffer(speech.pcm, dtype="<i2"))
    if span is None:
        return 0.0
    seconds = (span[1] - span[0]) / speech.rate
    return _words(text) / seconds * 60


def estimated_length(utterance: Utterance) -> int:
    """A clip's length in samples before it is made, from its words at the pace its rate gives every engine.

    A live session lays out lines not yet spoken at this length; it is only ever replaced
    by the real one before that part of the session plays, so it need only be sane.
    """
    return to_samples(max(_words(utterance.text), 1) * 60 / (utterance.rate * ESPEAK_PACE))


def _words(text: str) -> int:
    return len(re.findall(r"\w+(?:'\w+)?", text))


@dataclass(frozen=True)
class Pace:
    """A voice's measured pace at a few length scales, as (scale, words per minute), scale ascending."""

    points: tuple[tuple[float, float], ...]

    def length_scale(self, rate: float) -> float:
        """The length scale that speaks at espeak-ng's pace for `rate`: interpolated between the measured
        points on log-log axes, where pace is nearly a straight line, and extended past the ends along them."""
        wanted = math.log(rate * ESPEAK_PACE)
        logs = [(math.log(scale), math.log(wpm)) for scale, wpm in self.points]
        for (scale_a, pace_a), (scale_b, pace_b) in zip(logs, logs[1:]):
            if pace_b <= wanted or (scale_b, pace_b) == logs[-1]:
                break
        slope = (scale_b - scale_a) / (pace_b - pace_a)
        return round(math.exp(scale_a + (wanted - pace_a) * slope), 4)


def calibrate(speak: Callable[[str, float], Speech]) -> Pace:
    """A voice's pace, from `speak(text, length_scale)` saying CALIBRATION_TEXT at each scale."""
    return Pace(
        tuple(
            (scale, round(words_per_minute(speak(CALIBRATION_TEXT, scale), CALIBRATION_TEXT), 1))
            for scale in CALIBRATION_SCALES
        )
    )
