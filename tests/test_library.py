"""The built-in routines keep their promises: valid, safe, sourced, as long as they say, and they render."""

from __future__ import annotations

import re

import numpy as np
import pytest
from speaking import clip_maker

from voiceguide.render import Renderer
from voiceguide.script import library
from voiceguide.script.routine import SayStep
from voiceguide.session import Options, prepare
from voiceguide.support.units import SAMPLE_RATE

NUMBERS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
ROUTINES = ["hand-massage", "headache", "nausea", "sleep", "sore-calves", "neck-shoulders"]


def test_the_six_routines_of_the_library_are_built_in():
    assert sorted(library.builtin_names()) == sorted(ROUTINES)


@pytest.fixture(scope="module", params=ROUTINES)
def session(request):
    return prepare(library.load(request.param), Options(), clip_maker())


def test_each_routine_carries_spoken_and_full_safety_text_and_sources(session):
    routine = session.routine
    assert routine.safety_spoken and routine.safety_text
    assert len(routine.safety_text) >= len(routine.safety_spoken)
    assert "broken" in routine.safety_text
    assert len(routine.sources) >= 2
    first_words = session.timeline.speech[0].text
    assert first_words.endswith(" ".join(routine.safety_spoken.split()))  # the session opens with it


def test_each_routine_lasts_5_to_20_minutes_and_as_long_as_its_opening_says(session):
    minutes = session.timeline.duration / SAMPLE_RATE / 60
    assert 5 <= minutes <= 20

    opening = next(step.say for step in session.routine.steps if isinstance(step, SayStep))
    stated = NUMBERS[re.search(r"about (\w+) minutes", opening).group(1)]
    assert abs(minutes - stated) <= 1.5, f"says about {stated} minutes, lasts {minutes:.1f}"


def test_each_routine_has_chapters_per_point_and_holds_with_reminders_and_countdowns(session):
    assert len(session.timeline.chapters) >= 4
    long_holds = [e for e in session.timeline.holds if e.end - e.start >= 60 * SAMPLE_RATE]
    assert long_holds
    for hold in long_holds:
        inside = [e.text for e in session.timeline.speech if hold.start < e.start < hold.end]
        assert inside[-3:] == ["three", "two", "one"] and len(inside) > 3, hold.text


def test_each_routine_renders_to_clean_audio(session):
    renderer = Renderer(session)
    peak, frames = 0.0, 0
    for block in renderer.blocks(size=1 << 16):
        assert np.isfinite(block).all()
        peak, frames = max(peak, float(np.abs(block).max())), frames + len(block)
    assert frames == session.timeline.duration
    assert 0.1 < peak < 10 ** (-1 / 20)
