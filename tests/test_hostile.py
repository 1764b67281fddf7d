"""Any input ends in a one-line FILE:LINE:COL message and exit 2, never a traceback or a hang.

Property tests drive the loader and the timeline with generated scripts (random
bytes, random YAML, scripts built from the format with wrong types mixed in, and
mutations of a valid script); `tests/hostile/` holds a corpus of hand-made attacks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from voiceguide.cli.app import app
from voiceguide.script.routine import Routine, parse_routine
from voiceguide.script.source import load_file, load_text
from voiceguide.support.errors import ScriptError, UsageError
from voiceguide.timeline import Timeline, expand, layout

HOSTILE = sorted((Path(__file__).parent / "hostile").iterdir())
FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def speech_length(utterance) -> int:
    """A stand-in for measured speech: layout takes lengths as a function, so its logic runs alone."""
    return 4000 + 900 * len(utterance.text) * 150 // utterance.rate


def cue_length(name: str) -> int:
    return 44100


def load_and_lay_out(text: str, minutes: float | None = None) -> Timeline | None:
    """The loader and the timeline on one script: a timeline, or None after a proper error."""
    try:
        routine = parse_routine(load_text(text, "fuzz.yaml"))
        return layout(routine, expand(routine), speech_length, cue_length, minutes)
    except ScriptError as error:
        assert str(error).startswith("fuzz.yaml:") and "\n" not in str(error)
        assert error.line >= 1 and error.column >= 1
    except UsageError as error:
        assert "\n" not in str(error)
    return None


def assert_sound(timeline: Timeline) -> None:
    """What every laid-out session promises, whatever the script."""
    speech = list(timeline.speech)
    assert all(0 <= e.start <= e.end <= timeline.duration for e in timeline.events)
    assert all(a.end <= b.start for a, b in zip(speech, speech[1:]))
    assert timeline.chapters[0].start == 0 and timeline.chapters[-1].end == timeline.duration
    assert all(a.end == b.start for a, b in zip(timeline.chapters, timeline.chapters[1:]))


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_end_in_a_script_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "random.yaml"
    path.write_bytes(data)
    try:
        parse_routine(load_file(path))
    except ScriptError as error:
        assert str(error).startswith(f"{path}:") and "\n" not in str(error)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@FUZZ
@given(yaml_values)
def test_random_yaml_ends_in_a_timeline_or_a_script_error(value):
    timeline = load_and_lay_out(yaml.safe_dump(value))
    if timeline:
        assert_sound(timeline)


def mostly(good, bad):
    """Good values nine times in ten: scripts get far enough to exercise the timeline, and errors still come."""
    return st.integers(0, 9).flatmap(lambda roll: bad if roll == 0 else good)


anything = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.lists(st.integers(), max_size=3))
durations = mostly(
    st.one_of(st.sampled_from(["90s", "1m30s", "2m", "1.5m", "1:30", "20s", "1h"]), st.floats(0.5, 300), st.integers(1, 600)),
    st.one_of(st.sampled_from(["0", "-3s", "2 min", "7h", ".nan", ".inf"]), st.floats(), anything),
)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.", min_size=1, max_size=40).filter(str.strip)
texts = mostly(
    st.one_of(words, st.sampled_from(["Press gently.", "Breathe out slowly.", "Now let go."])),
    st.one_of(st.sampled_from(["{nope}", "", "x" * 1200, "a\x01b"]), st.text(max_size=40), anything),
)
side_texts = mostly(st.sampled_from(["Your {side} hand.", "Press the {side} wrist."]), texts)


@st.composite
def steps(draw, depth: int = 0, in_sides: bool = False) -> dict:
    kinds = ["say", "say", "say", "section", "breathe", "chime", "pause"] + (["sides", "repeat"] if depth < 2 else [])
    kind = draw(mostly(st.sampled_from(kinds), st.just("unknown")))
    step: dict = {}
    if kind == "say":
        step["say"] = draw(side_texts if in_sides else texts)
        optional = [
            ("hold", durations), ("pause", durations), ("countdown", mostly(st.integers(1, 5), st.integers(-2, 25))),
            ("release", st.one_of(st.booleans(), texts)),
            ("remind", st.fixed_dictionaries({"every": durations, "say": texts})),
            ("voice", st.fixed_dictionaries({"rate": mostly(st.integers(80, 300), st.integers(0, 500))})),
        ]
        for key, value in optional:
            if draw(st.booleans()):
                step[key] = draw(value)
    elif kind in ("sides", "repeat"):
        step[kind] = draw(st.lists(words, min_size=1, max_size=3, unique=True) if kind == "sides" else st.integers(1, 4))
        step["steps"] = draw(mostly(st.lists(steps(depth + 1, in_sides or kind == "sides"), min_size=1, max_size=3), anything))
        if kind == "sides" and draw(st.booleans()):
            step["switch"] = draw(side_texts)
    elif kind == "breathe":
        step["breathe"] = {"in": draw(durations), "out": draw(durations), "cycles": draw(mostly(st.integers(1, 4), anything))}
    elif kind == "chime":
        step["chime"] = draw(mostly(st.sampled_from(["soft", "bowl"]), st.one_of(texts, anything)))
    elif kind in ("section", "pause"):
        step[kind] = draw(texts if kind == "section" else durations)
    else:
        step[draw(st.text(min_size=1, max_size=8))] = draw(anything)
    return step


@st.composite
def scripts(draw) -> dict:
    script = {"title": draw(texts), "steps": draw(st.lists(steps(), min_size=1, max_size=6))}
    optional = [
        ("voice", st.fixed_dictionaries({"rate": mostly(st.integers(80, 300), anything)})), ("safety", texts),
        ("chimes", st.fixed_dictionaries({"end": mostly(st.sampled_from(["none", "bowl"]), st.just("Big"))})),
        ("tail", durations), ("fade_out", durations), ("loudness", mostly(st.floats(-30, -16), st.floats(-40, 0))),
    ]
    for key, value in optional:
        if draw(st.booleans()):
            script[key] = draw(value)
    return script


@settings(FUZZ, max_examples=2000)
@given(scripts(), st.one_of(st.none(), st.floats(0.05, 30)))
def test_scripts_built_from_the_format_end_in_a_sound_timeline_or_a_script_error(script, minutes):
    timeline = load_and_lay_out(yaml.safe_dump(script, allow_unicode=True), minutes)
    if timeline:
        assert_sound(timeline)
        if minutes:
            assert timeline.duration == round(minutes * 60 * 44100)


VALID = (Path(__file__).parent.parent / "scripts" / "headache.yaml").read_text()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 5), st.text(max_size=5)), min_size=1, max_size=5))
def test_a_damaged_real_routine_ends_in_a_sound_timeline_or_a_script_error(edits):
    text = VALID
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut :]
    timeline = load_and_lay_out(text)
    if timeline:
        assert_sound(timeline)


@pytest.mark.parametrize("path", HOSTILE, ids=[p.name for p in HOSTILE])
def test_every_hostile_file_is_refused_on_one_line_with_exit_2_and_quickly(path):
    started = time.monotonic()
    result = CliRunner().invoke(app, ["check", str(path)])
    elapsed = time.monotonic() - started

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"{path}:")
    line, column = result.stderr.split(":")[1:3]
    assert int(line) >= 1 and int(column) >= 1
    assert elapsed < 20, "no hang, no runaway"


def test_the_corpus_is_a_real_corpus():
    assert len(HOSTILE) >= 30


def test_a_script_cannot_construct_objects():
    with pytest.raises(ScriptError, match="tags such as !!python/object/apply:os.system are not allowed"):
        parse_routine(load_text("title: !!python/object/apply:os.system ['touch /tmp/pwned']\nsteps: [{say: x}]\n", "f"))
    assert not Path("/tmp/pwned").exists()


def test_placeholders_are_replaced_not_formatted(tmp_path):
    """`{side}` is plain text replacement: no str.format, so no attribute lookups from a script."""
    routine = parse_routine(load_text("title: T\nsteps:\n  - sides: [a]\n    steps: [{say: '{side} hand'}]\n", "f"))
    assert isinstance(routine, Routine)
    with pytest.raises(ScriptError, match="unknown placeholder"):
        parse_routine(load_text("title: T\nsteps:\n  - sides: [a]\n    steps: [{say: '{side.__class__}'}]\n", "f"))


@pytest.mark.parametrize(
    "name, line, says",
    [
        ("blank-say.yaml", 3, "has nothing to say"),
        ("zero-width-say.yaml", 3, "has nothing to say"),
        ("dots-release.yaml", 5, "has nothing to say"),
        ("dots-section.yaml", 4, "has nothing to say"),
        ("blank-side.yaml", 3, "has nothing to say"),
        ("blank-number.yaml", 2, "has nothing to say"),
        ("clipboard-description.yaml", 2, "control character (U+001B)"),
        ("escape-safety-text.yaml", 2, "control character (U+001B)"),
        ("quiet-taper.yaml", 2, "too quiet to be heard; the lowest usable volume is 0.1"),
    ],
)
def test_what_cannot_be_heard_or_would_reach_the_terminal_is_refused_where_it_stands(name, line, says):
    """Once, a blank line made every command wait three minutes for the engine, a volume tapered to nothing
    ended in a traceback, and `show` sent ESC to the terminal."""
    path = Path(__file__).parent / "hostile" / name
    result = CliRunner().invoke(app, ["show", str(path)])

    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:{line}:") and says in result.stderr
    assert "\x1b" not in result.output


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_device_or_a_pipe_as_the_routine_is_refused_at_once(kind, tmp_path):
    """Once, /dev/zero took 3.8 GB before a traceback, and a FIFO with no writer waited for ever."""
    path = Path("/dev/zero") if kind == "device" else tmp_path / "routine.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    result = subprocess.run([sys.executable, "-m", "voiceguide", "check", str(path)],
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert result.stderr == f"{path}:1:1: this is not a file (a device, pipe or socket); save the routine to a .yaml file\n"
