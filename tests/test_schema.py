"""The editor's schema accepts and refuses what `voiceguide check` does, but for the listed exceptions.

An editor reads a script as YAML 1.2 and checks that reading against `voiceguide schema`;
voiceguide reads it with its own loader and checks it. Both verdicts are compared on the
built-in routines, on every hostile file and on generated scripts: the schema may never
refuse what `check` accepts, and may accept what `check` refuses only for a reason listed
in BEYOND_SCHEMA (and in the README).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from voiceguide.audio import cues
from voiceguide.cli.app import app
from voiceguide.script.routine import parse_routine
from voiceguide.script.schema import BEYOND_SCHEMA, json_schema
from voiceguide.script.source import load_text
from voiceguide.session import _check_cues
from voiceguide.support.errors import ScriptError
from voiceguide.timeline import expand, layout

ROOT = Path(__file__).parent.parent
HOSTILE = sorted((ROOT / "tests" / "hostile").iterdir())
BUILTIN = sorted((ROOT / "scripts").glob("*.yaml"))
SCHEMA = json_schema(cues.names(), cues.beds())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


class EditorLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml where there is one: faster
    """YAML as an editor reads it: the YAML 1.2 core schema (yes is text, 010 is ten, 1:30 is text)."""


EditorLoader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("null", r"^(?:null|Null|NULL|~|)$", ["n", "N", "~", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
]:
    EditorLoader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), first)
EditorLoader.add_constructor(
    "tag:yaml.org,2002:int",
    lambda loader, node: int(node.value[2:], {"o": 8, "x": 16}[node.value[1]]) if node.value[1:2] in ("o", "x")
    else int(node.value),
)


class TooBig(Exception):
    """Aliases that expand past what an editor's YAML library allows (JavaScript's `yaml` limits them too)."""


def as_editor_reads(text: str) -> Any:
    """The data an editor validates: YAML 1.2, keys as JSON has them (text)."""
    expanded = 0

    def count(node: yaml.Node) -> None:
        nonlocal expanded
        expanded += 1
        if expanded > 100_000:
            raise TooBig
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                count(child)
        elif isinstance(node, yaml.MappingNode):
            keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):
                raise yaml.YAMLError("map keys must be unique")  # as editors say it
            for key, value in node.value:
                count(key)
                count(value)

    def keys_as_text(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(key): keys_as_text(item) for key, item in value.items()}
        if isinstance(value, list):
            return [keys_as_text(item) for item in value]
        return value

    node = yaml.compose(text, Loader=EditorLoader)
    if node is None:
        return None
    count(node)
    return keys_as_text(EditorLoader(text).get_single_data())


def check(text: str, folder: Path) -> str | None:
    """What `voiceguide check` says of a script (None: fine), short of making its speech: lines are
    laid out at stand-in lengths, so a refusal from the layout is of the kind that needs real lengths."""
    try:
        routine = parse_routine(load_text(text, str(folder / "routine.yaml")))
        plan = expand(routine)
        _check_cues(routine, plan, cues.CueSet(folder))
        layout(routine, plan, lambda utterance: 4000 + 900 * len(utterance.text), cues.length)
    except ScriptError as error:
        return error.message
    return None


EXCEPTIONS: dict[str, Callable[[str], bool]] = {
    name: re.compile(says).search
    for name, says in {
        "yaml": r"in YAML 1\.1 and as|'(?i:yes|no|on|off)' is not a number|`release` belongs to a hold",
        "nan": r"NaN",
        "sum": r"is too long; the limit is 6 hours",
        "quoted": r"input should be (greater|less) than",
        "range": r"`(min|max)` \(.*\) is (longer|shorter) than",
        "countdown": r"countdown \d+ needs \d+ numbers",
        "taper": r"too quiet to be heard",
        "sides": r"each side may appear only once",
        "commands": r"the command words '.*' are given",
        "sound": r"sound file|beside the script|outside the script's folder|absolute path|cues last|cues may last|is silent|MB;",
        "voice": r"voice",
        "fit": r"takes longer to say|too short for a countdown|the reminder takes|no reminder fits|the session would last",
        "size": r"more than \d+ (parts|events|values)|nested|over 256 KB",
    }.items()
}
"""How each exception in BEYOND_SCHEMA shows in what `check` says."""


def exception_for(message: str) -> str | None:
    return next((key for key, says in EXCEPTIONS.items() if says(message)), None)


def assert_agree(schema_accepts: bool, check_says: str | None, text: str) -> None:
    if check_says is None:
        assert schema_accepts, f"the schema refuses what check accepts:\n{text}\n{schema_errors(text)}"
    elif schema_accepts:
        assert exception_for(check_says), f"the schema accepts what check refuses ({check_says}):\n{text}"


def schema_errors(text: str) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(as_editor_reads(text))]


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_the_schema_and_check_accept_every_built_in_routine(path, tmp_path):
    text = path.read_text()
    assert check(text, path.parent) is None
    assert VALIDATOR.is_valid(as_editor_reads(text)), schema_errors(text)


@pytest.mark.parametrize("path", HOSTILE, ids=[p.name for p in HOSTILE])
def test_the_schema_refuses_every_hostile_file_check_refuses_but_for_the_listed_exceptions(path):
    said = CliRunner().invoke(app, ["check", str(path)]).stderr
    assert said.startswith(f"{path}:"), said
    try:
        reading = as_editor_reads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError, TooBig):
        return  # no editor reads it as data either
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # the validator recurses some twenty frames a level; deep-block.yaml has 41
    try:
        accepted = VALIDATOR.is_valid(reading)
    finally:
        sys.setrecursionlimit(limit)
    if accepted:
        assert exception_for(said), f"the schema accepts {path.name}, which check refuses: {said}"


@pytest.mark.parametrize(
    "text",
    [
        "title: T\nsteps:\n  - say: \"Hello\\e]52;c;cm0gLXJmIH4=\\a\"\n",  # a terminal escape (OSC 52)
        "title: T\ndescription: \"\\e[2J\"\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - say: x\n    hold: 0\n",
        "title: T\nsteps:\n  - say: x\n    hold: 0s\n",
        "title: T\nsteps:\n  - pause: 0\n",
        "title: T\nsteps:\n  - breathe: {in: 0, out: 4, cycles: 2}\n",
        "title: T\nsteps:\n  - say: x\n    hold: 1m\n    remind: {every: 0, say: y}\n",
        "title: T\nsteps:\n  - say: x\n    hold: 21601\n",
        "title: T\nsteps:\n  - say: x\n    hold: 7h\n",
        "title: T\nsteps:\n  - say: x\n    hold: 6:00:01\n",
        "title: T\nsteps:\n  - say: x\n    hold: \"\"\n",
        "title: T\nsteps:\n  - sides: [left, left]\n    steps: [{say: x}]\n",
        "title: T\nsteps:\n  - say: x\n    voice: {taper: {rate: 0.9}}\n",
        "title: T\nsteps:\n  - say: x\n    hold: 1m\n    countdown: no\n",
        "title: T\nvoice: {rate: \"fast\"}\nsteps:\n  - say: x\n",
        "title: T\nvoice: {rate: \"150.0\"}\nsteps:\n  - say: x\n",
        "title: T\nvoice: {rate: 2:30}\nsteps:\n  - say: x\n",
        "title: T\nvoice: {rate: yes}\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - say: x\n    hold: {for: 0}\n",
        "title: T\nsteps:\n  - say: x\n    hold: {for: 1m, min: 0s}\n",
        "title: T\nsteps:\n  - say: x\n    wait: 0\n",
        "title: T\nsteps:\n  - say: x\n    wait: soon\n",
        "title: T\nsteps:\n  - say: x\n    wait: ready\n    hold: 1m\n",
        "title: T\nsteps:\n  - say: Press for {hold}.\n",
        "title: T\nsteps:\n  - say: x\n    hold: 1m\n    remind: {every: 20s, say: '{hold} more'}\n    wait: 5s\n",
        "title: T\nsteps:\n  - section: About {minutes} minutes\n",
        "title: T\nsteps:\n  - sides: [a, b]\n    switch: Now {hold}.\n    steps: [{say: x}]\n",
        "title: T\nsafety: Takes {minutes} minutes.\nsteps:\n  - say: x\n",
        "title: T\nsafety: {say: '{side}', text: x}\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - say: '{minute}'\n",
        "title: T\nwords: {release: 'Let go after {hold}.'}\nsteps:\n  - say: x\n",
        "title: About {minutes} minutes\nsteps:\n  - say: x\n",
        "title: T\npronounce: {Hegu: '{side} goo'}\nsteps:\n  - say: x\n",
        "title: T\nwords: {commands: {pause: pause now 2}}\nsteps:\n  - say: x\n",
        "title: T\nwords: {commands: {pause: [a, b, c, d, e, f, g, h, i]}}\nsteps:\n  - say: x\n",
        "title: T\nwords: {commands: {stop: one two three four five}}\nsteps:\n  - say: x\n",
        "title: T\nwords: {commands: {stop: \"halt\\e\"}}\nsteps:\n  - say: x\n",
        "title: T\nwords: {commands: {stop: true}}\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - say: true\n",
        "title: T\nvoice: {volume: 0.01}\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - say: your {side} hand\n",
        "title: T\nsteps:\n  - say: x {name}\n",
        "title: T\nsteps:\n  - sides: [a]\n    steps: [{sides: [b], steps: [{say: x}]}]\n",
        "title: T\nsteps:\n  - say: x\n    remind: {every: 3s, say: y}\n",
        "title: T\nsteps:\n  - say: \"...\"\n",
        "title: T\nsteps:\n  - chime: gong\n",
        "title: T\nambience: {sound: bowl}\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - chime: \"bowl\\n\"\n",
        "title: T\nsteps:\n  - say: x\n    voice: {voice: \"\\e[31m\"}\n",
    ],
)
def test_what_the_schema_used_to_let_through_is_refused_by_both(text, tmp_path):
    said = check(text, tmp_path)
    assert said is not None
    assert not VALIDATOR.is_valid(as_editor_reads(text)), said


@pytest.mark.parametrize(
    "text",
    [
        "title: T\nsteps:\n  - say: x\n    hold: 1:30\n",  # 90 s, as YAML 1.1 read it and a duration reads the text
        "title: T\nsteps:\n  - say: x\n    hold: 1:30:00\n    release: false\n",
        "title: T\nsteps:\n  - say: x\n    hold: 6h\n    countdown: 3.0\n",
        "title: T\nsteps:\n  - say: x\n    hold: 1m\n    countdown: yes\n    release: yes\n",
        "title: T\nsteps:\n  - say: x\n    hold: 1m\n    countdown: true\n    release: '1'\n",
        "title: T\nvoice: {rate: \"150\", volume: ' 0.5 '}\nloudness: '-20'\nsteps:\n  - say: x\n",
        "title: T\nsteps:\n  - say: yes\n  - section: 2024\n  - say: 1.50\n    release: off\n  - say: 1e3\n",
        "title: T\nsteps:\n  - repeat: '2'\n    steps: [{say: x, hold: 1e3, pause: 0o17}]\n",
        "title: T\nsteps:\n  - say: x\n    hold: {for: 2m, min: 1:30, max: 3m}\n    countdown: 3\n",
        "title: T\nsteps:\n  - say: About {minutes} minutes, this one {hold}.\n    hold: {for: 1m}\n    release: '{hold} done'\n",
        "title: T\nsteps:\n  - say: x\n    wait: ' Ready '\n  - say: y\n    wait: 20s\n    hold: null\n",
        "title: T\nsteps:\n  - sides: [a, b]\n    switch: '{side} for {minutes}'\n    steps: [{section: '{side}'}]\n",
        "title: '{anything}'\nwords: {commands: {pause: [Pause-Now, \"it's over\"], resume: yes}}\nsteps:\n  - say: x\n",
        "title: T\nvoice: {volume: 0.02, rate: 150.0}\nsteps:\n  - say: x\n    voice: {taper: null}\n",
        "title: T\nsteps:\n  - sides: [left, right]\n    switch: Now the {side} one.\n    steps: [{say: 'Your {side} hand.', hold: 5s}]\n",
        "title: T\nsteps:\n  - sides: [a]\n    steps: [{repeat: 2, steps: [{section: '{side}'}]}]\n",
        "title: T\nchimes: {start: none}\nambience: {sound: rain}\nsteps:\n  - chime: bowl\n  - say: '{not a placeholder'\n",
    ],
)
def test_what_check_accepts_the_schema_accepts(text, tmp_path):
    assert check(text, tmp_path) is None
    assert VALIDATOR.is_valid(as_editor_reads(text)), schema_errors(text)


@pytest.mark.parametrize(
    ("value", "says"),
    [("010", "write 10, or put it in quotes"), ("1_000", "write 1000"), ("0b11", "write 3"), ("+0x1F", "write 31"),
     ("2024-01-01", "reads as a date in YAML 1.1")],
)
def test_a_value_that_yaml_1_1_reads_as_another_number_or_a_date_is_refused_at_its_line(value, says, tmp_path):
    """A person writing `hold: 010` means 10 s; YAML 1.1 made it 8. Such values are refused, saying how to write them."""
    said = check(f"title: T\nsteps:\n  - say: x\n    pause: {value}\n", tmp_path)
    assert said is not None and says in said


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("say: x\n    hold: 1m\n    countdown: yes", {"countdown": 1}),
        ("say: x\n    hold: 1m\n    release: yes", {"release": True}),
        ("say: x\n    hold: 1m\n    release: 'yes'", {"release": "yes"}),
        ("say: x\n    hold: 1m\n    release: 1", {"release": True}),
        ("say: x\n    hold: 1m\n    release: 2", {"release": "2"}),
        ("say: no", {"say": "no"}),
        ("say: 1.50", {"say": "1.50"}),
        ("say: x\n    voice: {rate: '150'}", {"voice": {"rate": 150}}),
        ("say: x\n    hold: 1:30", {"hold": 90}),
        ("say: x\n    hold: '010'", {"hold": 10}),
        ("say: x\n    hold: 1e3", {"hold": 1000}),
    ],
)
def test_a_plain_value_means_what_its_field_takes(text, reads, tmp_path):
    """`yes` is true where a yes/no goes, 1 where a number goes and the word where text goes; numbers in quotes are numbers."""
    step = parse_routine(load_text(f"title: T\nsteps:\n  - {text}\n", "routine.yaml")).steps[0]
    assert step.model_dump(include=set(reads), exclude_unset=True, exclude_defaults=True) == reads


class Plain(str):
    """A value written into the YAML as it is, unquoted, as a person would (`yes`, `010`, `1:30`)."""


class Dumper(yaml.SafeDumper):
    pass


Dumper.add_representer(
    Plain, lambda dumper, value: dumper.represent_scalar(dumper.resolve(yaml.ScalarNode, str(value), (True, False)), str(value))
)


def mostly(good, bad):
    """Good values 14 times in 15: about a third of the scripts are sound, and the rest wrong in one or two places."""
    return st.integers(0, 14).flatmap(lambda roll: bad if roll == 0 else good)


durations = mostly(
    st.one_of(st.sampled_from(["90s", "1m 30s", "2m", "1.5m", "1h", "6h", "360m", "5:59:59"]), st.integers(1, 600),
              st.floats(0.5, 21600), st.builds(Plain, st.sampled_from(["1:30", "0:30", "45"]))),
    st.one_of(
        st.sampled_from(["0", "0s", "0:00", "", " ", "6h1s", "21600.5", "5h 90m", "7h", "-3s", "2 min", "1:75", "٣s", "90s\n"]),
        st.sampled_from([0, 0.0, -1, 21600, 21601, 1e300, True, None, [], {}]),
        st.builds(Plain, st.sampled_from(["010", "yes", ".nan", ".inf", "1e3", "0b11", "1_0", "2024-01-01"])),
    ),
)
texts = mostly(
    st.one_of(st.sampled_from(["Press gently.", "Breathe out.", "Ça va.", "按压", "𝐋𝐞𝐭 𝐠𝐨", "٣"]),
              st.text(alphabet="abc ,.{}", min_size=1, max_size=12).filter(lambda t: any(c.isalpha() for c in t))),
    st.one_of(
        st.sampled_from(["", " ", "...", "\u200b", "\u00a0", "x\x01", "x\x1b[2J", "x\x85", "x\t\ny", "{side}", "{nope}", "{}",
                         "{{side}}", "x" * 1001, "{minutes} min", "for {hold}", "{minute}"]),
        st.text(max_size=6),
        st.builds(Plain, st.sampled_from(["yes", "no", "On", "010", "08", "1e3", "2024-01-01", "1:30", "~", "true", "1_0"])),
        st.sampled_from([1, 1.5, True, None, [], {}]),
    ),
)
numbers = mostly(st.integers(1, 20), st.one_of(
    st.integers(-5, 500), st.sampled_from([3.0, 2.5, True, False, "3", "150", " 2 ", "2.0", "yes", "1e1", None]),
    st.builds(Plain, st.sampled_from(["yes", "no", "On", "off", "010", "0x1F", "0o7", "1:30", ".nan", "1e1", "2.0"]))))
rates = mostly(st.integers(60, 400), numbers)
volumes = mostly(st.floats(0.2, 1), st.one_of(st.floats(0, 1.2), st.sampled_from([0.019, 0.02, 0.03, 1, 0, True, "0.5", ".5", "5e-1", None]),
                                            st.builds(Plain, st.sampled_from([".nan", ".5", "-.5", "yes", "off", "5e-1"]))))
cue_names = mostly(st.sampled_from(["bowl", "soft", "none"]),
                   st.sampled_from(["rain", "brown", "gong", "Bowl", "bowl\n", "gong.wav", "../x.wav", "/tmp/x.mp3", "", 3]))
bed_names = mostly(st.sampled_from(["rain", "brown"]), st.sampled_from(["none", "bowl", "sea.ogg", "Rain", ""]))


yes_no = st.one_of(st.builds(Plain, st.sampled_from(["yes", "No", "ON", "off"])), st.sampled_from(["yes", "off"]))
holds = st.fixed_dictionaries({"for": durations}, optional={"min": durations, "max": durations})
phrases = mostly(st.sampled_from(["pause", "weiter", "Hold on", "it's-over"]),
                 st.sampled_from(["", "2", "go 2", "a b c d e", "x\x1b", "x\x1c", "İstanbul", "Pause"]))
commands = st.dictionaries(st.sampled_from(["pause", "resume", "next", "stop"]),
                           st.one_of(phrases, st.lists(phrases, max_size=3), yes_no), max_size=3)


def optional(draw, into: dict, choices: list[tuple[str, Any]]) -> None:
    for key, value in choices:
        if draw(st.booleans()):
            into[key] = draw(value)


@st.composite
def voices(draw, routine_level: bool = False) -> dict:
    voice: dict = {}
    optional(draw, voice, [("rate", rates), ("volume", volumes), ("voice", mostly(st.just("en"), texts))])
    if routine_level and draw(st.booleans()) or draw(st.integers(0, 14)) == 0:
        taper = {}
        optional(draw, taper, [("rate", volumes), ("volume", volumes)])
        voice["taper"] = draw(st.one_of(st.just(taper), st.none()))
    return voice


@st.composite
def steps(draw, depth: int = 0) -> Any:
    kinds = ["say", "say", "say", "section", "breathe", "chime", "pause"] + (["sides", "repeat"] if depth < 3 else [])
    kind = draw(mostly(st.sampled_from(kinds), st.sampled_from(["nothing", "not a mapping"])))
    if kind == "not a mapping":
        return draw(st.sampled_from(["say", 3, None, []]))
    step: dict = {}
    if kind == "say":
        step["say"] = draw(texts)
        optional(draw, step, [
            ("hold", st.one_of(durations, st.none(), holds)), ("pause", durations), ("countdown", numbers),
            ("release", st.one_of(st.booleans(), st.none(), texts, yes_no)), ("voice", st.one_of(voices(), st.none())),
            ("wait", mostly(st.one_of(durations, st.sampled_from(["ready", "Ready", " READY "])), st.sampled_from([0, "0s", "soon"]))),
            ("remind", st.one_of(st.fixed_dictionaries({"every": durations, "say": texts}), st.none())),
        ])
    elif kind == "sides":
        step["sides"] = draw(mostly(st.lists(st.sampled_from(["left", "right", "upper"]), min_size=1, max_size=3, unique=True),
                                    st.lists(texts, max_size=5)))
        step["steps"] = draw(mostly(st.lists(steps(depth + 1), min_size=1, max_size=3), st.sampled_from([[], None])))
        optional(draw, step, [("switch", texts)])
    elif kind == "repeat":
        step["repeat"] = draw(mostly(st.integers(1, 3), numbers))
        step["steps"] = draw(mostly(st.lists(steps(depth + 1), min_size=1, max_size=3), st.sampled_from([[], None])))
    elif kind == "breathe":
        step["breathe"] = {"in": draw(durations), "out": draw(durations), "cycles": draw(mostly(st.integers(1, 3), numbers))}
        optional(draw, step["breathe"], [("hold", durations)])
    elif kind == "chime":
        step["chime"] = draw(cue_names)
    elif kind == "section":
        step["section"] = draw(texts)
    elif kind == "pause":
        step["pause"] = draw(durations)
    if draw(st.integers(0, 29)) == 0:  # a second kind's key, or a key no step has
        step[draw(st.sampled_from(["pause", "chime", "say", "steps", "hodl"]))] = draw(st.sampled_from(["2s", "soft", "x", 1]))
    return step


@st.composite
def scripts(draw) -> dict:
    script = {"title": draw(texts), "steps": draw(mostly(st.lists(steps(), min_size=1, max_size=4), st.just([])))}
    optional(draw, script, [
        ("voice", voices(routine_level=True)), ("safety", st.one_of(texts, st.fixed_dictionaries({"say": texts, "text": texts}))),
        ("description", texts), ("sources", st.lists(texts, max_size=2)),
        ("loudness", mostly(st.floats(-30, -16), st.one_of(st.floats(-31, -15), numbers))),
        ("chimes", st.dictionaries(st.sampled_from(["start", "section", "step", "end"]), cue_names, max_size=2)),
        ("ambience", st.fixed_dictionaries({"sound": bed_names})),
        ("words", st.fixed_dictionaries({}, optional={"numbers": mostly(st.lists(texts, min_size=1, max_size=4), st.just([])),
                                                      "commands": commands})),
        ("pronounce", st.dictionaries(mostly(st.sampled_from(["Hegu", "LI4"]), texts.filter(lambda t: isinstance(t, str))),
                                      texts, max_size=2)),
        ("tail", durations), ("fade_out", durations),
    ])
    return script


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(scripts())
def test_generated_scripts_get_the_same_verdict_from_the_schema_and_from_check(tmp_path, script):
    text = yaml.dump(script, Dumper=Dumper, allow_unicode=True, sort_keys=False)
    assert_agree(VALIDATOR.is_valid(as_editor_reads(text)), check(text, tmp_path), text)


def test_a_side_written_as_a_number_and_again_in_quotes_is_refused_by_check_alone(tmp_path):
    text = "title: T\nsteps:\n  - sides: [1, '1']\n    steps: [{say: x}]\n"
    said = check(text, tmp_path)
    assert said is not None and exception_for(said) == "sides"
    assert VALIDATOR.is_valid(as_editor_reads(text))


def test_the_schema_is_a_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_exception_is_in_the_readme_and_known_here():
    assert set(EXCEPTIONS) == set(BEYOND_SCHEMA)
    readme = " ".join((ROOT / "README.md").read_text().split())
    for what, why in BEYOND_SCHEMA.values():
        assert what in readme and why in readme, what


def references_followed(data: Any) -> int:
    """How many `$ref`s a validator follows to check `data`: the work, counted instead of timed."""
    followed = 0

    def ref(validator, reference, instance, schema):
        nonlocal followed
        followed += 1
        yield from jsonschema.Draft202012Validator.VALIDATORS["$ref"](validator, reference, instance, schema)

    counting = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"$ref": ref})
    assert counting(SCHEMA).is_valid(data)
    return followed


def nested(depth: int) -> dict:
    step: dict = {"say": "x"}
    for _ in range(depth):
        step = {"repeat": 2, "steps": [step]}
    return {"title": "T", "steps": [step]}


def test_a_deeply_nested_block_is_checked_in_linear_time():
    """Once, the steps were a oneOf: every level tried every branch, and deep-block.yaml took check-jsonschema
    over 9 minutes. Now each step is sent to one branch by its key."""
    assert "oneOf" not in json.dumps(SCHEMA)
    shallow, deep = references_followed(nested(10)), references_followed(nested(30))
    assert deep - shallow == 2 * (references_followed(nested(20)) - shallow)  # each level adds the same work


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the patterns as editors do (JavaScript)")
def test_every_pattern_is_a_javascript_regular_expression_that_agrees_with_python():
    patterns = sorted({value for key, value in walk(SCHEMA) if key == "pattern"})
    samples = ["", "x", "{side}", "{nope}", "90s", "1:30", "0", "bowl", "x.wav", "x.wav\n", "𝐋", "...", "a\x1bb", "5h 90m", "6:00:00", "Pause-Now", "it's over", "İstanbul", "a b c d e", " 150 ", "-.5e3", "Ready", "{hold}", "{minutes} {side}"]
    script = (
        "const [patterns, samples] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(patterns.map(p => samples.map(s => new RegExp(p, 'u').test(s)))));"
    )
    result = subprocess.run(["node", "-e", script], input=json.dumps([patterns, samples]), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    javascript = json.loads(result.stdout)
    python = [[re.search(p, s) is not None for s in samples] for p in patterns]
    assert javascript == python


def walk(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)
