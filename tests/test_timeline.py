"""The timeline: where every word and chime sounds, to the sample, with real espeak-ng clips."""

from __future__ import annotations

import re

import pytest
from speaking import clip_maker

from voiceguide.audio import cues
from voiceguide.script.routine import load_routine
from voiceguide.session import Options, Session, prepare
from voiceguide.support.errors import ScriptError, UsageError
from voiceguide.support.units import SAMPLE_RATE, to_samples
from voiceguide.timeline import REMINDER_GAP, ChimeEvent, SpeechEvent

QUIET = "chimes: {start: none, section: none, step: none, end: none}\n"


def session_of(path, minutes=None) -> Session:
    return prepare(load_routine(path), Options(minutes=minutes), clip_maker())


def speech(session: Session) -> list[SpeechEvent]:
    return list(session.timeline.speech)


def said(session: Session, text: str) -> list[SpeechEvent]:
    return [e for e in speech(session) if e.text == text]


def test_words_follow_each_other_with_exactly_the_pause_between(script):
    session = session_of(script("title: T\n" + QUIET + "steps:\n  - {say: First words., pause: 2s}\n  - say: Second words.\n"))

    first, second = speech(session)
    assert first.start == 0
    assert second.start == first.end + 2 * SAMPLE_RATE
    assert session.timeline.duration == second.end
    assert first.end - first.start == session.clips.length(first.utterance)


def test_a_hold_starts_when_the_words_end_and_is_followed_by_chime_and_release(script):
    session = session_of(
        script(
            """
            title: T
            chimes: {start: none, end: none, step: soft}
            steps:
              - say: Press the point.
                hold: 20s
                release: true
            """
        )
    )
    press, release = speech(session)
    hold = session.timeline.holds[0]
    chime = session.timeline.chimes[0]

    assert (hold.start, hold.end) == (press.end, press.end + 20 * SAMPLE_RATE)
    assert hold.text == "Press the point."
    assert (chime.start, chime.name) == (hold.end, "soft")
    assert release.text == "And release." and release.start == chime.end == hold.end + cues.length("soft")


def test_the_countdown_ends_exactly_when_the_hold_ends(script):
    session = session_of(script("title: T\n" + QUIET + "steps:\n  - {say: Hold it., hold: 10s, countdown: 3}\n"))
    hold = session.timeline.holds[0]
    three, two, one = said(session, "three") + said(session, "two") + said(session, "one")

    assert one.end == hold.end
    assert two.start == one.start - SAMPLE_RATE and three.start == two.start - SAMPLE_RATE
    assert three.start > hold.start


def test_reminders_come_every_interval_and_never_crowd_the_countdown(script):
    session = session_of(
        script(
            "title: T\n" + QUIET + "steps:\n"
            "  - say: Hold it.\n    hold: 40s\n    remind: {every: 10s, say: Keep going.}\n    countdown: 3\n"
        )
    )
    hold = session.timeline.holds[0]
    reminders = said(session, "Keep going.")
    three = said(session, "three")[0]

    assert [r.start for r in reminders] == [hold.start + k * 10 * SAMPLE_RATE for k in (1, 2, 3)]
    assert reminders[-1].end + to_samples(REMINDER_GAP) <= three.start


def test_no_two_spoken_lines_ever_overlap(script):
    session = session_of(
        script(
            "title: T\nsteps:\n  - sides: [right, left]\n    switch: Now your {side} hand.\n    steps:\n"
            "      - section: '{side} hand'\n"
            "      - say: Circles on your {side} palm.\n        hold: 30s\n"
            "        remind: {every: 7s, say: Small circles.}\n        countdown: 5\n"
        )
    )
    lines = speech(session)
    assert all(a.end <= b.start for a, b in zip(lines, lines[1:]))


def test_sides_fill_in_the_side_and_speak_the_switch_before_the_second(script):
    session = session_of(
        script(
            "title: T\n" + QUIET + "steps:\n  - sides: [right, left]\n    switch: Now switch to your {side} hand.\n"
            "    steps:\n      - section: '{side} hand'\n      - say: Massage your {side} palm.\n"
        )
    )
    assert [e.text for e in speech(session)] == [
        "Massage your right palm.",
        "Now switch to your left hand.",
        "Massage your left palm.",
    ]
    assert [c.title for c in session.timeline.chapters] == ["right hand", "left hand"]
    assert session.timeline.chapters[1].start == said(session, "Now switch to your left hand.")[0].end


def test_repeat_runs_its_steps_that_many_times(script):
    session = session_of(script("title: T\n" + QUIET + "steps:\n  - repeat: 3\n    steps: [{say: Squeeze., pause: 3s}]\n"))
    squeezes = said(session, "Squeeze.")

    assert len(squeezes) == 3
    assert squeezes[1].start == squeezes[0].end + 3 * SAMPLE_RATE


def test_breathing_phases_start_on_a_steady_beat(script):
    session = session_of(script("title: T\n" + QUIET + "steps:\n  - breathe: {in: 4s, hold: 2s, out: 6s, cycles: 2}\n"))

    assert [(e.text, e.start) for e in speech(session)] == [
        ("Breathe in.", 0),
        ("Hold.", 4 * SAMPLE_RATE),
        ("And out.", 6 * SAMPLE_RATE),
        ("Breathe in.", 12 * SAMPLE_RATE),
        ("Hold.", 16 * SAMPLE_RATE),
        ("And out.", 18 * SAMPLE_RATE),
    ]
    assert session.timeline.duration == 24 * SAMPLE_RATE


def test_chimes_and_the_spoken_safety_open_the_session(script):
    session = session_of(script("title: T\nsafety: Not on broken skin.\nsteps:\n  - say: Begin.\n"))
    events = session.timeline.events

    assert events[0] == ChimeEvent(0, cues.length("bowl"), "bowl")
    assert events[1].text == "Before we begin, a word of care. Not on broken skin."
    assert events[1].start == cues.length("bowl")
    assert events[-1] == ChimeEvent(session.timeline.duration - cues.length("bowl"), session.timeline.duration, "bowl")


def test_every_word_the_program_adds_can_be_set_so_a_routine_contains_no_english(script):
    session = session_of(
        script(
            """
            title: Kopfschmerzen
            safety: Nicht bei Schwangerschaft.
            words:
              numbers: [eins, zwei, drei]
              release: Und loslassen.
              safety: Zuerst ein Hinweis.
              breathe: {in: Einatmen., hold: Halten., out: Ausatmen.}
            steps:
              - sides: [rechte, linke]
                switch: Jetzt die {side} Hand.
                steps:
                  - say: Drücken Sie die {side} Hand.
                    hold: 10s
                    countdown: 3
                    release: true
              - breathe: {in: 4s, hold: 1s, out: 4s, cycles: 1}
            """
        )
    )
    texts = {e.text for e in speech(session)}
    assert texts == {
        "Zuerst ein Hinweis. Nicht bei Schwangerschaft.",
        "Drücken Sie die rechte Hand.",
        "Jetzt die linke Hand.",
        "Drücken Sie die linke Hand.",
        "drei",
        "zwei",
        "eins",
        "Und loslassen.",
        "Einatmen.",
        "Halten.",
        "Ausatmen.",
    }


def test_chapters_cover_the_whole_session_without_gaps(script):
    session = session_of(
        script("title: My routine\nsteps:\n  - say: Welcome.\n  - section: Part one\n  - say: One.\n  - section: Part two\n  - say: Two.\n")
    )
    chapters = session.timeline.chapters

    assert [c.title for c in chapters] == ["My routine", "Part one", "Part two"]
    assert chapters[0].start == 0 and chapters[-1].end == session.timeline.duration
    assert all(a.end == b.start for a, b in zip(chapters, chapters[1:]))


def test_a_first_section_before_any_words_starts_at_zero(script):
    session = session_of(script("title: T\nsteps:\n  - section: Only part\n  - say: Hello.\n"))
    assert [(c.title, c.start) for c in session.timeline.chapters] == [("Only part", 0)]


# --- fitting to a length -----------------------------------------------------------

FITTABLE = """
title: T
steps:
  - {say: Press the point., hold: 60s, remind: {every: 15s, say: Keep pressing.}, countdown: 3}
  - pause: 20s
  - {say: Now rest., pause: 10s}
"""


def test_minutes_scales_holds_and_pauses_to_the_exact_length_and_never_speech(script):
    path = script(FITTABLE)
    natural = session_of(path)
    fitted = session_of(path, minutes=3)

    assert fitted.timeline.duration == 3 * 60 * SAMPLE_RATE
    natural_lines = [(e.text, e.end - e.start) for e in speech(natural) if e.text != "Keep pressing."]
    fitted_lines = [(e.text, e.end - e.start) for e in speech(fitted) if e.text != "Keep pressing."]
    assert natural_lines == fitted_lines

    def hold_and_pause(session: Session) -> tuple[int, int]:
        hold = session.timeline.holds[0]
        rest = said(session, "Now rest.")[0]
        return hold.end - hold.start, rest.start - said(session, "Press the point.")[0].end - (hold.end - hold.start)

    fitted_hold, _ = hold_and_pause(fitted)
    budget = 3 * 60 * SAMPLE_RATE - (natural.timeline.duration - to_samples(60 + 20 + 10))
    assert fitted_hold == pytest.approx(budget * 60 / 90, abs=2)
    assert len(said(fitted, "Keep pressing.")) > len(said(natural, "Keep pressing."))


def test_minutes_too_short_for_the_words_says_how_many_are_needed(script):
    with pytest.raises(UsageError, match=r"0.1 minutes is too short: the words.*ask for at least \d+ minutes"):
        session_of(script(FITTABLE), minutes=0.1)


def test_a_routine_with_nothing_to_stretch_says_so(script):
    with pytest.raises(UsageError, match="no holds or pauses to stretch"):
        session_of(script("title: T\nsteps:\n  - say: Only words.\n"), minutes=5)


# --- what cannot fit is a script error with its line ------------------------------------

def test_a_reminder_that_cannot_fit_in_its_hold_is_reported_at_its_line(script):
    path = script("title: T\nsteps:\n  - say: Intro.\n  - say: Press.\n    hold: 20s\n    remind: {every: 30s, say: Keep going.}\n")
    with pytest.raises(ScriptError, match="no reminder fits") as caught:
        session_of(path)
    assert (caught.value.line, caught.value.column) == (6, 13)


def test_a_reminder_longer_than_its_interval_is_reported(script):
    path = script(
        "title: T\nsteps:\n  - say: Press.\n    hold: 1m\n"
        "    remind: {every: 2s, say: Keep a steady and gentle pressure on the point all the while.}\n"
    )
    with pytest.raises(ScriptError, match="so `every` must be at least") as caught:
        session_of(path)
    assert (caught.value.line, caught.value.column) == (5, 21)


def test_a_hold_too_short_for_its_countdown_is_reported(script):
    with pytest.raises(ScriptError, match="too short for a countdown of 5") as caught:
        session_of(script("title: T\nsteps:\n  - say: Press.\n    hold: 3s\n    countdown: 5\n"))
    assert (caught.value.line, caught.value.column) == (5, 16)


def test_breathing_words_longer_than_their_phase_are_reported(script):
    path = script("title: T\nwords: {breathe: {in: Breathe in slowly and deeply through your nose.}}\nsteps:\n  - breathe: {in: 1s, out: 4s, cycles: 1}\n")
    with pytest.raises(ScriptError, match="takes longer to say than its 1s breathing phase") as caught:
        session_of(path)
    assert (caught.value.line, caught.value.column) == (4, 14)


def test_unknown_chime_names_are_reported_where_they_are_written(script):
    with pytest.raises(ScriptError, match="no cue named 'gong'; available: bowl, soft") as caught:
        session_of(script("title: T\nsteps:\n  - say: Hi.\n  - chime: gong\n"))
    assert caught.value.line == 4

    with pytest.raises(ScriptError, match="no cue named 'gong'") as caught:
        session_of(script("title: T\nchimes: {end: gong}\nsteps:\n  - say: Hi.\n"))
    assert (caught.value.line, caught.value.column) == (2, 15)


def test_unknown_voices_are_reported_where_they_are_written(script):
    with pytest.raises(ScriptError, match="no voice 'no-such-voice'; `voiceguide voices` lists them") as caught:
        session_of(script("title: T\nsteps:\n  - say: Hi.\n  - say: There.\n    voice: {voice: no-such-voice}\n"))
    assert (caught.value.line, caught.value.column) == (5, 20)  # at the voice, not at the step's first line


def test_the_json_of_show_has_the_documented_shape(script):
    session = session_of(script("title: Shape\nsteps:\n  - section: One\n  - {say: Press., hold: 5s}\n"))
    data = session.timeline.as_json()

    assert set(data) == {"title", "duration", "chapters", "events"}
    assert data["title"] == "Shape"
    assert data["duration"] == round(session.timeline.duration / SAMPLE_RATE, 6)
    assert data["chapters"] == [{"title": "One", "start": 0.0, "end": data["duration"]}]
    kinds = [e["kind"] for e in data["events"]]
    assert kinds == ["chime", "chime", "speech", "hold", "chime", "chime"]
    assert set(data["events"][2]) == {"kind", "start", "end", "text"}
    assert set(data["events"][0]) == {"kind", "start", "end", "name"}


# --- holds with a range, and lengths said in words ------------------------------------

RANGED = """
title: T
chimes: {start: none, section: none, step: none, end: none}
steps:
  - say: Press the wrist point.
    hold: {for: 2m, min: 1m, max: 3m}
    countdown: 3
  - pause: 10s
  - say: Press the hand point.
    hold: {for: 1m, min: 30s, max: 90s}
  - say: Rest your hands.
    hold: 20s
"""


def hold_seconds(session: Session) -> list[float]:
    return [(h.end - h.start) / SAMPLE_RATE for h in session.timeline.holds]


def test_minutes_keeps_every_hold_within_its_range_and_leaves_pauses_and_plain_holds_alone(script):
    path = script(RANGED)
    natural, longer = session_of(path), session_of(path, minutes=5)

    assert hold_seconds(natural) == [120, 60, 20]
    assert longer.timeline.duration == 5 * 60 * SAMPLE_RATE
    wrist, hand, rest = hold_seconds(longer)
    assert 120 < wrist <= 180 and 60 < hand <= 90 and rest == 20
    assert said(longer, "Press the hand point.")[0].start - said(longer, "three")[0].start == pytest.approx(
        said(natural, "Press the hand point.")[0].start - said(natural, "three")[0].start, abs=1
    )  # the 10-second pause after the countdown is still 10 seconds


def test_minutes_out_of_reach_of_the_ranges_says_what_the_routine_can_take(script):
    path = script(RANGED)
    natural = session_of(path).timeline.duration / SAMPLE_RATE
    shortest, longest = natural - 60 - 30, natural + 60 + 30

    with pytest.raises(UsageError, match=r"^10 minutes is too long: with every hold within its range, this routine "
                                         r"takes \d:\d\d to \d:\d\d; ask for \d to \d minutes$") as caught:
        session_of(path, minutes=10)
    clock = re.search(r"takes (\d):(\d\d) to (\d):(\d\d)", str(caught.value)).groups()
    assert int(clock[0]) * 60 + int(clock[1]) == pytest.approx(shortest, abs=1)
    assert int(clock[2]) * 60 + int(clock[3]) == pytest.approx(longest, abs=1)
    with pytest.raises(UsageError, match="1 minutes is too short: with every hold within its range"):
        session_of(path, minutes=1)


def test_a_hold_range_too_short_for_its_countdown_is_reported_at_min(script):
    path = script("title: T\nsteps:\n  - say: Press.\n    hold: {for: 20s, min: 2s}\n    countdown: 3\n")
    with pytest.raises(ScriptError, match=r"`min` \(2s\) is too short for a countdown of 3") as caught:
        session_of(path)
    assert (caught.value.line, caught.value.column) == (4, 27)


def test_minutes_and_hold_are_said_as_the_session_is_laid_out(script):
    path = script(
        """
        title: T
        chimes: {start: none, section: none, step: none, end: none}
        steps:
          - say: This session takes about {minutes} minutes.
          - say: Press the point for {hold}.
            hold: {for: 2m, min: 1m, max: 6m}
            remind: {every: 1m, say: "{hold} in all."}
        """
    )
    natural, fitted = session_of(path), session_of(path, minutes=4)

    assert [e.text for e in speech(natural)] == [
        "This session takes about 2 minutes.", "Press the point for 2 min.", "2 min in all."
    ]
    hold = fitted.timeline.holds[0]
    assert 3 * 60 + 50 < (hold.end - hold.start) / SAMPLE_RATE < 4 * 60 - 2  # four minutes less the words
    assert [e.text for e in speech(fitted)] == [
        "This session takes about 4 minutes.", "Press the point for 4 min."] + ["4 min in all."] * 3


def test_lengths_are_said_as_figures_the_voice_reads_in_its_language():
    from voiceguide.speech.wording import spoken

    assert spoken("This session takes about 12 minutes.", "en") == "This session takes about twelve minutes."
    assert spoken("Press for 2 min 30 s.", "en") == "Press for two minutes thirty seconds."
    assert spoken("Drücken Sie 1 min.", "de") == "Drücken Sie eine Minute."
