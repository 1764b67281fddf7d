"""The built-in routines keep their promises: valid, safe, sourced, as long as they say, and they render."""

from __future__ import annotations

import json

import numpy as np
import pytest
from speaking import clip_maker
from typer.testing import CliRunner

from voiceguide.cli.app import app
from voiceguide.render import Renderer
from voiceguide.script import library
from voiceguide.session import Options, Session, prepare
from voiceguide.speech.wording import spoken
from voiceguide.support.errors import DoesNotFit
from voiceguide.support.units import SAMPLE_RATE, to_samples
from voiceguide.timeline import Hold, expand

QUICK = ["headache-quick", "nausea-quick"]
ROUTINES = ["hand-massage", "headache", "motion-sickness", "nausea", "neck-shoulders", "sleep", "sore-calves",
            "stress-anxiety"] + QUICK

PREGNANCY = "If you are pregnant, check with your midwife or doctor before using acupressure."
"""One line, the same in every routine (UMN: ask a trained professional first), spoken in its safety."""

HEART_ATTACK = ["chest pain or pressure", "breathlessness", "sweating", "arm, jaw or back", "heart attack",
                "call emergency services now"]
NAUSEA = HEART_ATTACK + [
    "poisoned", "blood in your vomit", "coffee grounds", "not kept fluids down for twelve hours",
    "no urine for eight hours", "vomiting for more than a day", "three or more times in a day", "severe belly pain",
    "headache with a stiff neck",
]
HEADACHE = [
    "came on suddenly", "worst you have ever had", "after exertion", "blow to the head", "fever and a stiff neck",
    "slurred speech", "change in vision", "weakness", "loss of balance", "confusion", "seizure",
    "worse over a day", "new kind of headache", "over fifty", "blood thinners", "leave out the point on the hand",
]
DANGER_SIGNS = {
    "nausea": NAUSEA,
    "nausea-quick": NAUSEA,
    "headache": HEADACHE,
    "headache-quick": HEADACHE,
    "motion-sickness": HEART_ATTACK + ["passengers only", "coffee grounds", "not kept fluids down for twelve hours"],
    "sore-calves": [
        "blood clot", "throbbing or cramping pain in one leg", "swelling", "warm skin", "red or darkened skin",
        "hard or sore to touch", "do not massage: get medical help today", "short of breath or have chest pain",
        "call emergency services now", "after surgery", "a long journey", "an earlier clot", "in pregnancy",
        "the pill or hormone therapy", "with cancer", "smoking", "a pull or a strain", "first few days",
        "not easing after several days",
    ],
    "neck-shoulders": [
        "neck, shoulder, jaw or arm", "chest pain or pressure", "breathlessness", "sweating", "feeling sick",
        "heart attack", "call emergency services now", "a fall, a blow or another injury", "fever and a stiff neck",
        "severe headache", "numbness, tingling or weakness", "leave out the point on top of the shoulder",
    ],
    "sleep": ["while driving", "poor sleep goes on for weeks", "very sleepy during the day"],
    "hand-massage": ["painful, swollen or numb", "swollen or hot", "blood thinners", "web between thumb and index"],
    "stress-anxiety": [
        "chest pain that spreads to your arm, jaw, neck or back", "breathlessness", "sweating",
        "tight or heavy", "more than fifteen minutes", "cannot keep yourself safe", "call emergency services now",
        "affecting your daily life",
    ],
}


def show_json(*args: str) -> dict:
    result = CliRunner().invoke(app, ["show", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def spoken_lines(data: dict) -> list[str]:
    return [e["text"] for e in data["events"] if e["kind"] == "speech"]


def test_the_routines_of_the_library_are_built_in():
    assert sorted(library.builtin_names()) == sorted(ROUTINES)


@pytest.fixture(scope="module", params=ROUTINES)
def session(request) -> Session:
    return prepare(library.load(request.param), Options(), clip_maker())


def test_each_routine_carries_spoken_and_full_safety_text_and_sources(session):
    routine = session.routine
    assert routine.safety_spoken and routine.safety_text
    assert len(routine.safety_text) >= len(routine.safety_spoken)
    assert "broken" in routine.safety_text
    assert len(routine.sources) >= 2
    first_words = session.timeline.speech[0].text
    assert first_words.endswith(" ".join(routine.safety_spoken.split()))  # the session opens with it


def test_each_routine_speaks_the_same_pregnancy_line_in_its_safety(session):
    assert PREGNANCY in " ".join(session.routine.safety_spoken.split())
    assert PREGNANCY.rstrip(".") in " ".join(session.routine.safety_text.split())


@pytest.mark.parametrize("name", ROUTINES)
def test_each_routine_speaks_every_danger_sign_it_knows(name):
    heard = " ".join(spoken_lines(show_json(name)))

    missing = [sign for sign in DANGER_SIGNS[name] if sign not in heard]
    assert not missing, f"{name} never says: {missing}"


def test_each_routine_lasts_as_long_as_its_kind_and_as_its_opening_says(session):
    minutes = session.timeline.duration / SAMPLE_RATE / 60
    shortest, longest = (3, 5) if session.routine.file.stem in QUICK else (5, 20)
    assert shortest <= minutes <= longest

    opening = session.timeline.speech[1].text  # right after the safety
    assert f"This takes about {round(minutes)} minutes" in opening


def test_each_routine_gets_to_the_first_point_after_its_warnings_and_one_line(session):
    warnings, opening = session.timeline.speech[:2]
    first_point = session.timeline.chapters[1]  # the opening is the routine's own chapter; then the first point

    assert opening.end - opening.start < 18 * SAMPLE_RATE  # one line, with the length in it
    assert first_point.start - warnings.end < 25 * SAMPLE_RATE  # the opening line and its pause, nothing more
    assert first_point.start < 90 * SAMPLE_RATE, f"first point at {first_point.start / SAMPLE_RATE:.0f} s"


def test_each_routine_has_chapters_per_point_and_holds_with_reminders_and_countdowns(session):
    assert len(session.timeline.chapters) >= 3
    long_holds = [e for e in session.timeline.holds if e.end - e.start >= 60 * SAMPLE_RATE]
    assert long_holds
    if session.routine.file.stem == "sleep":
        return  # see test_sleep_has_no_countdowns_and_fewer_reminders_as_it_goes
    for hold in long_holds:
        inside = [e.text for e in session.timeline.speech if hold.start < e.start < hold.end]
        assert inside[-3:] == ["three", "two", "one"] and len(inside) > 3, hold.text


def test_sleep_has_no_countdowns_and_fewer_reminders_as_it_goes():
    timeline = prepare(library.load("sleep"), Options(), clip_maker()).timeline

    assert not {"three", "two", "one"} & {e.text.lower().strip(".") for e in timeline.speech}
    assert not [c for c in timeline.chimes if c.start > 0]  # nothing rings after the first soft chime
    reminders = [sum(h.start < e.start < h.end for e in timeline.speech) for h in timeline.holds]
    per_minute = [n / ((h.end - h.start) / SAMPLE_RATE / 60) for n, h in zip(reminders, timeline.holds)]
    assert per_minute == sorted(per_minute, reverse=True) and per_minute[-1] == 0


def ranged_holds(session: Session) -> list[tuple[float, float, float]]:
    """Each hold as laid out, in seconds, with the shortest and longest its step allows."""
    plan = [s for s in expand(session.routine, session.fill) if isinstance(s, Hold)]
    return [
        ((event.end - event.start) / SAMPLE_RATE, *segment.span)
        for segment, event in zip(plan, session.timeline.holds)
        if segment.span is not None
    ]


@pytest.mark.parametrize("name", ROUTINES)
def test_minutes_keeps_every_hold_within_its_range_at_the_shortest_and_longest_length(name):
    natural = prepare(library.load(name), Options(), clip_maker())
    shortest, longest = natural.fitting_range
    assert longest is not None, "every hold of a built-in routine gives its range"
    assert any(low < high for _, low, high in ranged_holds(natural)), "--minutes can change at least one hold"

    for end, inward in ((shortest, 3), (longest, -3)):
        minutes = (end / SAMPLE_RATE + inward) / 60
        fitted = prepare(library.load(name), Options(minutes=minutes), clip_maker())
        assert fitted.timeline.duration == to_samples(minutes * 60)
        for length, low, high in ranged_holds(fitted):
            assert low - 0.001 <= length <= high + 0.001
        at = [length - (low if inward > 0 else high) for length, low, high in ranged_holds(fitted)]
        assert max(abs(a) for a in at) < 10, "at either end, every hold is near its end of its range"

    with pytest.raises(DoesNotFit, match=r"too long: with every hold within its range, this routine takes"):
        prepare(library.load(name), Options(minutes=longest / SAMPLE_RATE / 60 + 1), clip_maker())


def test_minutes_is_filled_from_the_session_as_laid_out():
    twelve = spoken_lines(show_json("nausea", "--minutes", "12"))
    eleven = spoken_lines(show_json("nausea", "--minutes", "11"))

    assert "This takes about 12 minutes. Sit or lie down, with your forearms supported." in twelve
    assert "This takes about 11 minutes. Sit or lie down, with your forearms supported." in eleven
    assert spoken(twelve[1], "en").startswith("This takes about twelve minutes.")  # what the voice says
    assert any("slow circles for 2 min 30 s." in line for line in twelve)  # each wrist's hold, as fitted
    assert any("slow circles for 2 min 15 s." in line for line in eleven)


def test_each_routine_renders_to_clean_audio(session):
    renderer = Renderer(session)
    peak, frames = 0.0, 0
    for block in renderer.blocks(size=1 << 16):
        assert np.isfinite(block).all()
        peak, frames = max(peak, float(np.abs(block).max())), frames + len(block)
    assert frames == session.timeline.duration
    assert 0.1 < peak < 10 ** (-1 / 20)
