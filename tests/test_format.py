"""The script format: each construct loads, and each mistake is reported at its line and column."""

from __future__ import annotations

import pytest

from voiceguide.script.durations import parse_duration
from voiceguide.script.schema import json_schema
from voiceguide.script.routine import (
    BreatheStep,
    ChimeStep,
    PauseStep,
    RepeatStep,
    SayStep,
    SectionStep,
    SidesStep,
    load_routine,
)
from voiceguide.support.errors import ScriptError

FULL_EXAMPLE = """
title: Help for headaches
description: Press the Hegu point in the web of each hand.
voice: {rate: 150, volume: 1.0, voice: en-us}
safety: Skip this point if you are pregnant.
chimes: {start: bowl, step: soft, end: bowl}
steps:
  - say: Sit comfortably and close your eyes.
    pause: 10s
  - section: Right hand
  - say: Pinch the fleshy web between thumb and index finger.
    hold: 2m
    remind: {every: 30s, say: Keep a steady pressure.}
    countdown: 3
    release: And release.
  - sides: [right, left]
    switch: Now switch to your {side} hand.
    steps:
      - say: Massage your {side} palm in small circles.
        hold: 1m
  - repeat: 3
    steps: [{say: Squeeze and let go., pause: 3s}]
  - breathe: {in: 4s, hold: 2s, out: 6s, cycles: 5}
  - chime: soft
  - pause: 20s
"""


def test_the_issue_example_loads_with_every_construct(script):
    routine = load_routine(script(FULL_EXAMPLE))

    kinds = [type(step) for step in routine.steps]
    assert kinds == [SayStep, SectionStep, SayStep, SidesStep, RepeatStep, BreatheStep, ChimeStep, PauseStep]
    hold = routine.steps[2]
    assert (hold.hold, hold.remind.every, hold.countdown, hold.release) == (120, 30, 3, "And release.")
    assert routine.voice.rate == 150 and routine.voice.voice == "en-us"
    assert routine.safety_spoken == routine.safety_text == "Skip this point if you are pregnant."
    assert routine.steps[5].breathe.in_ == 4 and routine.steps[5].breathe.cycles == 5


def test_steps_remember_their_line_and_column(script):
    routine = load_routine(script(FULL_EXAMPLE))

    assert routine.steps[0].where == (7, 5)
    assert routine.steps[1].where == (9, 5)
    assert routine.steps[3].steps[0].where == (18, 9)


def test_safety_can_have_a_short_spoken_form_and_a_full_text(script):
    routine = load_routine(
        script(
            """
            title: T
            safety: {say: Press gently., text: Press gently. Not on broken or bruised skin.}
            steps: [{say: Hello.}]
            """
        )
    )
    assert routine.safety_spoken == "Press gently."
    assert routine.safety_text == "Press gently. Not on broken or bruised skin."


def test_a_hold_is_a_length_or_the_range_minutes_may_take_it_within(script):
    routine = load_routine(
        script(
            """
            title: T
            steps:
              - {say: Plain., hold: 2m}
              - {say: Ranged., hold: {for: 2m, min: 1m, max: 3m}}
              - {say: Never changed by --minutes., hold: {for: 90s}}
            """
        )
    )
    plain, ranged, fixed = routine.steps
    assert (plain.hold_seconds, plain.hold_range) == (120, None)
    assert (ranged.hold_seconds, ranged.hold_range) == (120, (60, 180))
    assert (fixed.hold_seconds, fixed.hold_range) == (90, (90, 90))


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("90s", 90), ("1m30s", 90), ("2m", 120), ("1.5m", 90), (45, 45), (2.5, 2.5), ("12", 12), ("1h", 3600), ("1:30", 90)],
)
def test_durations_are_written_the_way_people_write_them(script, written, seconds):
    routine = load_routine(script(f"title: T\nsteps:\n  - pause: {written}\n"))
    assert routine.steps[0].pause == seconds


@pytest.mark.parametrize("written", ["2 minutes", "m", "-5", "", "1m70x", "ten"])
def test_bad_durations_are_refused_with_examples(written):
    with pytest.raises(ValueError, match="90s, 1m30s, 2m"):
        parse_duration(written)


ERRORS = [
    # (script, line, column, message fragment)
    ("title: T\nsteps:\n  - say: Hi\n    hodl: 2m\n", 4, 5, "unknown key `hodl`; did you mean `hold`?"),
    ("title: T\nsteps:\n  - say: Hi\n    hold: 2 minutes\n", 4, 11, "'2 minutes' is not a duration"),
    ("steps:\n  - say: Hi\n", 1, 1, "missing required key `title`"),
    ("title: T\nsteps: []\n", 2, 8, "`steps` is empty"),
    ("title: T\nsteps:\n  - hello: 1\n", 3, 5, "a step needs one of: say, section"),
    ("title: T\nsteps:\n  - say: true\n", 3, 10, "put it in quotes if it is the word true or false"),
    ("title: T\nsteps:\n  - say: your {side} hand\n", 3, 15, "{side} is used outside a `sides:` block"),
    ("title: T\nsteps:\n  - say: x {name}\n", 3, 12, "unknown placeholder {name}"),
    ("title: T\nsteps:\n  - say: >\n      About {minute}\n      minutes.\n", 4, 13, "did you mean {minutes}?"),
    ("title: T\nsteps:\n  - say: Press for {hold}.\n", 3, 20, "{hold} is the length of this step's own hold"),
    ("title: T\nsteps:\n  - section: '{minutes} minutes'\n", 3, 15, "a section title is not spoken"),
    ("title: T\nsafety: 'About {minutes} minutes.'\nsteps:\n  - say: x\n", 2, 16, "safety text is also shown"),
    ("title: T\nwords: {release: 'Let go after {hold}.'}\nsteps:\n  - say: x\n", 2, 18, "{hold} is not filled in here"),
    ("title: T\nsteps:\n  - say: x\n    hold: {for: 2m, min: 3m}\n", 4, 26, "`min` (180s) is longer than `for` (120s)"),
    ("title: T\nsteps:\n  - say: x\n    hold: {for: 2m, max: 1m}\n", 4, 26, "`max` (60s) is shorter than `for` (120s)"),
    ("title: T\nsteps:\n  - say: x\n    hold: {for: 2m, min: 3m, max: 1m}\n", 4, 26, "longer than `max` (60s); swap them"),
    ("title: T\nsteps:\n  - say: x\n    hold: {for: 2m, min: 0}\n", 4, 26, "`min`: needs a duration above zero"),
    ("title: T\nsteps:\n  - say: x\n    hold: {for: soon}\n", 4, 17, "`for`: 'soon' is not a duration"),
    ("title: T\nsteps:\n  - say: x\n    hold: {min: 1m, max: 3m}\n", 4, 11, "missing required key `for`"),
    ("title: T\nsteps:\n  - say: x\n    hold: {for: 2m, mx: 3m}\n", 4, 21, "unknown key `mx`; did you mean `max`?"),
    ("title: T\nvoice: {rate: fast}\nsteps:\n  - say: x\n", 2, 15, "`rate`: 'fast' is not a number"),
    ("title: T\nvoice: {rate: 150.5}\nsteps:\n  - say: x\n", 2, 15, "`rate`: input should be a valid integer"),
    ("title: T\nsteps:\n  - breathe: {in: 4s, out: 6s, cycls: 2}\n", 3, 32, "unknown key `cycls`; did you mean `cycles`?"),
    ("title: T\nsteps:\n  - sides: [a]\n    steps:\n      - say: x\n        holdd: 1\n", 6, 9, "did you mean `hold`?"),
    ("title: T\nchimes: {start: Big Bowl}\nsteps:\n  - say: x\n", 2, 17, "'Big Bowl' is not a cue: use a lowercase name"),
    ("title: T\nsteps:\n  - say: x\n    hold: 87600h\n", 4, 11, "too long; the limit is 6 hours"),
    ("title: T\nsteps:\n  - say: x\n    remind: {every: 3s, say: y}\n", 3, 5, "`remind` belongs to a hold"),
    ("title: T\nsteps:\n  - say: x\n    hold: 1m\n    countdown: 11\n", 3, 5, "countdown 11 needs 11 numbers"),
    ("title: T\nsteps:\n  - repeat: 1000\n    steps: [{say: x}]\n", 3, 13, "less than or equal to 100"),
    ("title: T\nsteps:\n  - sides: [a, a]\n    steps: [{say: x}]\n", 3, 12, "each side may appear only once"),
    ("title: T\nsteps:\n  - sides: [a]\n    steps:\n      - sides: [b]\n        steps: [{say: x}]\n", 5, 9, "cannot be nested"),
    ("title: T\nsteps:\n  - pause: 0\n", 3, 12, "`pause`: needs a duration above zero"),
    ("title: T\nsteps:\n  - say: x\n    hold: ''\n", 4, 11, "'' is not a duration"),
    ("title: T\nsteps:\n  - say: x\n    hold: 0s\n", 4, 11, "`hold`: needs a duration above zero"),
    ("title: T\nsteps:\n  - say: x\n    hold: 010\n", 4, 11, "`010` reads as 8 in YAML 1.1 and as 10 in YAML 1.2 (editors); write 10"),
    ("title: T\nsteps:\n  - say: x\n    hold: 1_000\n", 4, 11, "write 1000, or put it in quotes"),
    ("title: T\nsteps:\n  - say: 2024-01-01\n", 3, 10, "reads as a date in YAML 1.1"),
    ("title: T\nvoice: {rate: 2:30}\nsteps:\n  - say: x\n", 2, 15, "`rate`: '2:30' is not a number"),
    ("title: T\nsteps:\n  - say: x\n    release: 'no'\n", 3, 5, "`release` belongs to a hold"),
    ("title: T\nsteps:\n  - say: x\n    hold: 1m\n    countdown: 'yes'\n", 5, 16, "'yes' is not a number"),
    ("title: T\nsteps:\n  - say: x\n    hold: .nan\n", 4, 11, "not NaN"),
    ("title: T\nvoice: {volume: .nan}\nsteps:\n  - say: x\n", 2, 17, "NaN is no number"),
    ("title: T\nsteps:\n  - say: x\n    voice: {taper: {rate: 0.9}}\n", 4, 12, "`taper` shapes the whole session"),
    ("title: T\nsteps:\n  - say: [x\n", 4, 1, "invalid YAML"),
    ("title: T\ntitle: U\nsteps:\n  - say: x\n", 2, 1, "'title' appears twice"),
    ("title: !!python/object:os.system x\nsteps:\n  - say: x\n", 1, 8, "tags such as !!python/object:os.system are not allowed"),
    ("- a\n", 1, 1, "a routine is a mapping"),
    ("title: T\nsteps:\n  - say: x\n    remind: {every: 30s, say: Firm, but gentle.}\n", 4, 37, "put the text in quotes"),
    ("", 1, 1, "the file is empty"),
    ("title: T\nsources:\n  - Lai 2017 (one trial: sleep)\nsteps:\n  - say: x\n", 3, 5, "a colon followed by a space"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), ERRORS, ids=[e[3][:40] for e in ERRORS])
def test_mistakes_are_reported_at_their_line_and_column(script, text, line, column, message):
    path = script(text)
    with pytest.raises(ScriptError) as caught:
        load_routine(path)

    error = caught.value
    assert message in error.message
    assert (error.line, error.column) == (line, column)
    assert str(error).startswith(f"{path}:{line}:{column}: ")
    assert "\n" not in str(error)


def test_alias_bombs_are_stopped_by_the_value_budget(script):
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdef", "bcdefg")
    )
    with pytest.raises(ScriptError, match="more than 20000 values"):
        load_routine(script(bomb))


def test_files_that_are_not_utf8_are_refused_with_their_position(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Caf\xe9\nsteps: [{say: x}]\n".encode("latin-1"))
    with pytest.raises(ScriptError, match="not UTF-8") as caught:
        load_routine(path)
    assert (caught.value.line, caught.value.column) == (1, 11)


def test_huge_files_are_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("title: T\nsteps:\n" + "  - say: words words words\n" * 20000)
    with pytest.raises(ScriptError, match="limited to 256 KB"):
        load_routine(path)


def test_a_megabyte_of_text_in_one_line_is_refused(script):
    with pytest.raises(ScriptError, match="at most 1000 characters"):
        load_routine(script("title: T\nsteps:\n  - say: " + "word " * 1000 + "\n"))


def test_the_json_schema_describes_the_format_for_editors():
    schema = json_schema()

    assert schema["title"] == "voiceguide routine script"
    assert set(schema["required"]) == {"title", "steps"}
    assert schema["additionalProperties"] is False
    assert {"say", "hold", "remind", "countdown", "release"} <= set(schema["$defs"]["SayStep"]["properties"])
    assert "in" in schema["$defs"]["Breathe"]["properties"]
