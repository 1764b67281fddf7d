"""The routine script format: its models, validation and the errors a writer sees.

The pydantic models are the contract (and, through `json_schema()`, what an
editor validates against). Every step remembers its line so that later stages
(layout, speech) can point at it.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    WithJsonSchema,
)

from voiceguide.script import durations, placeholders, scalars
from voiceguide.script.pronounce import mentions
from voiceguide.script.source import Located, load_file
from voiceguide.script.texts import (
    Bed,
    Cue,
    FixedWords,
    FullText,
    Name,
    Prose,
    SHARED,
    SafetyWords,
    SectionTitle,
    Signal,
    StepWords,
    SwitchWords,
    Text,
    VoiceName,
    command_phrase,
    no_hold_words,
)
from voiceguide.support.errors import ScriptError

MIN_VOLUME = 0.02
"""The quietest volume, taper included, at which the speech engine still makes a sound (espeak-ng says nothing at 0.01)."""

Duration = Annotated[float, BeforeValidator(durations.parse_duration), WithJsonSchema(durations.json_schema())]
PositiveDuration = Annotated[
    float, BeforeValidator(durations.parse_positive_duration), WithJsonSchema(durations.json_schema(positive=True))
]
"""A time that must pass: a hold, a pause of its own, a breath, the time between reminders, a wait."""
AS_INTEGER = BeforeValidator(scalars.number(scalars.INTEGER))
AS_REAL = BeforeValidator(scalars.number(scalars.REAL))
"""Numbers as a script writes them: also in quotes, and yes/no as 1/0 (see scalars.number). Each number field
is `Annotated[int, Field(bounds), AS_INTEGER]`: bounds before the reader, so that the schema states them."""

READY = "ready"
"""`wait: ready`: wait for the listener with no limit."""


def _wait_for(value: object) -> float | str:
    """`ready`, or a duration above zero: how long a step waits for the listener before going on by itself."""
    if isinstance(value, str) and value.strip().casefold() == READY:
        return READY
    try:
        seconds = durations.parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"{exc}, or `ready` to wait with no limit") from None
    if seconds == 0:
        raise ValueError("0 waits for nothing; give it a duration above zero, or `ready`")
    return seconds


WaitFor = Annotated[
    Union[float, str],
    BeforeValidator(_wait_for),
    WithJsonSchema(
        {
            "anyOf": [
                *durations.json_schema(positive=True)["anyOf"],
                {"type": "string", "pattern": f"^{scalars.SPACE}[rR][eE][aA][dD][yY]{scalars.SPACE}$"},
            ],
            "description": f"seconds, text such as {durations.EXAMPLES}, or `ready` to wait with no limit",
        }
    ),
]


@dataclass(frozen=True)
class Utterance:
    """A line to speak with the voice settings resolved: everything that changes how it sounds."""

    text: str
    voice: str | None
    rate: int
    volume: float
    pronounce: tuple[tuple[str, str], ...] = ()
    """The routine's own pronunciations of words in this line: (written, said)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, populate_by_name=True)


class _Step(_Model):
    _line: int = PrivateAttr(1)
    _column: int = PrivateAttr(1)
    _path: tuple[str | int, ...] = PrivateAttr(())
    """Where the step is in the script's data, so an error can point at one of its keys."""

    @property
    def where(self) -> tuple[int, int]:
        """The 1-based line and column of this step in its script."""
        return (self._line, self._column)


class Taper(_Model):
    """Factors the voice reaches by the last instruction, changing evenly from the first.

    A voice that grows slower and quieter relaxes listeners more than a steady one
    (Knowlton & Larkin 2006).
    """

    rate: Annotated[float, Field(ge=0.5, le=1.0), AS_REAL] = Field(
        1.0, description="speaking rate by the end, as a fraction of the start"
    )
    volume: Annotated[float, Field(ge=0.2, le=1.0), AS_REAL] = Field(
        1.0, description="volume by the end, as a fraction of the start"
    )


class Voice(_Model):
    """How the words are spoken; any field left out keeps the routine's (or engine's) default."""

    voice: VoiceName | None = Field(None, description="engine voice: an id, name or language (see `voiceguide voices`)")
    rate: Annotated[int, Field(ge=60, le=400), AS_INTEGER] | None = Field(None, description="words per minute")
    volume: Annotated[float, Field(gt=0.0, le=1.0, json_schema_extra={"minimum": MIN_VOLUME}), AS_REAL] | None = Field(
        None, description=f"{MIN_VOLUME} to 1, taper included"
    )
    taper: Taper | None = Field(None, description="routine level only: slow and soften the voice through the session")


class Ambience(_Model):
    """A sound bed under the whole session (see audio_cues/ambience), lowered while words are spoken."""

    sound: Bed
    volume: Annotated[float, Field(gt=0.0, le=1.0), AS_REAL] = Field(0.5, description="1.0 sits 20 LU under the speech; 0.5 is 6 dB quieter")


class Remind(_Model):
    every: PositiveDuration = Field(description="time between reminders, counted from the start of the hold")
    say: StepWords


class Safety(_Model):
    """A short form that is spoken at the start, and the full text that `show` prints."""

    say: SafetyWords
    text: FullText


class Chimes(_Model):
    """Which cue marks what; `none` silences one."""

    start: Signal = "bowl"
    section: Signal = Field("soft", description="plays as each section (chapter) begins")
    step: Signal = Field("soft", description="plays as each hold ends")
    end: Signal = "bowl"


class BreatheWords(_Model):
    in_: FixedWords = Field("Breathe in.", alias="in")
    hold: FixedWords = "Hold."
    out: FixedWords = "And out."


def _one_or_more(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_PHRASE = {SHARED: "Phrase"}
CommandPhrases = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=60), AfterValidator(command_phrase)]],
    BeforeValidator(_one_or_more),
    Field(min_length=1, max_length=8),
    WithJsonSchema(
        {
            "anyOf": [
                _PHRASE,
                {"type": "array", "items": _PHRASE, "minItems": 1, "maxItems": 8},
            ],
            "description": "a phrase, or a list of phrases that mean the same command",
        }
    ),
]


class Commands(_Model):
    """What `play --listen` listens for: each command's words (one phrase, or a list of phrases that mean it)."""

    pause: CommandPhrases = ["pause"]
    resume: CommandPhrases = Field(["continue", "resume"], description="goes on after a pause")
    next: CommandPhrases = Field(["next"], description="the next section")
    previous: CommandPhrases = Field(["back"], description="back to the start of this section, or the one before")
    louder: CommandPhrases = ["louder"]
    softer: CommandPhrases = ["softer"]
    stop: CommandPhrases = Field(["stop"], description="ends the session when said twice within 3 seconds")

    def phrases(self) -> dict[str, str]:
        """Every phrase and the command it gives."""
        return {phrase: command for command, phrases in self for phrase in phrases}


class Words(_Model):
    """Every word the program adds by itself, so a routine in any language contains no English."""

    numbers: list[FixedWords] = Field(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        min_length=1,
        max_length=20,
        description="countdown numbers, from one upward",
    )
    release: FixedWords = Field("And release.", description="spoken when a hold with `release: true` ends")
    safety: FixedWords | None = Field("Before we begin, a word of care.", description="spoken before the safety text")
    breathe: BreatheWords = BreatheWords()
    commands: Commands = Field(Commands(), description="the spoken commands of `play --listen`")


class HoldRange(_Model):
    """A hold's length and how far `--minutes` may take it: from `min` up to `for` and on to `max`."""

    for_: PositiveDuration = Field(alias="for", description="the hold's length when the session plays as written")
    min: PositiveDuration | None = Field(
        None, description="the shortest `--minutes` may make it; left out, it is never shortened"
    )
    max: PositiveDuration | None = Field(
        None, description="the longest `--minutes` may make it; left out, it is never lengthened"
    )


def _hold_form(value: Any) -> str:
    return "range" if isinstance(value, (dict, HoldRange)) else "length"


HoldLength = Annotated[
    Union[Annotated[PositiveDuration, Tag("length")], Annotated[HoldRange, Tag("range")]],
    Discriminator(_hold_form),
]
"""`hold: 2m`, or `hold: {for: 2m, min: 1m, max: 3m}` to say how far `--minutes` may take it."""


def _without_taper(voice: Voice | None) -> Voice | None:
    if voice is not None and voice.taper is not None:
        raise ValueError("`taper` shapes the whole session; put it under the routine's `voice:`")
    return voice


NEEDS_HOLD = ("remind", "countdown", "release")
"""Keys of a say step that mean something only with its `hold:` (unless null, or `release: false`)."""


def _say_step_schema(schema: dict[str, Any]) -> None:
    """What depends on more than one key of a say step: `remind`, `countdown` and `release` need a hold,
    `wait` refuses one, and `{hold}` is filled only in a step that has one."""
    has = {key: {"required": [key], "properties": {key: {"not": {"type": "null"}}}} for key in ("hold", "wait")}
    nothing = [None, False] + [word for word, yes in scalars.YES_NO.items() if not yes]
    no_hold = {"pattern": no_hold_words()}
    schema["allOf"] = [
        *(
            {"if": {"required": [key], "properties": {key: {"not": {"enum": nothing}}}}, "then": has["hold"]}
            for key in NEEDS_HOLD
        ),
        {"if": has["wait"], "then": {"not": has["hold"]}},
        {
            "if": {"not": has["hold"]},
            "then": {"properties": {"say": no_hold, "release": no_hold, "remind": {"properties": {"say": no_hold}}}},
        },
    ]


class SayStep(_Step):
    model_config = ConfigDict(json_schema_extra=_say_step_schema)

    say: StepWords
    voice: Annotated[
        Voice | None,
        AfterValidator(_without_taper),
        Field(json_schema_extra={"properties": {"taper": {"type": "null"}}}),
    ] = Field(None, description="this step's own voice; `taper` belongs to the routine's")
    pause: Duration = Field(0.0, description="silence after the words (after the hold, if any)")
    hold: HoldLength | None = Field(
        None, description="timed hold that starts when the words end: a length, or {for, min, max}"
    )
    remind: Remind | None = None
    countdown: Annotated[int, Field(ge=1, le=20), AS_INTEGER] | None = Field(
        None, description="numbers ending exactly at the end of the hold"
    )
    release: Annotated[StepWords | bool | None, BeforeValidator(scalars.yes_no)] = Field(
        None, description="spoken when the hold ends; true (or yes) uses words.release"
    )
    wait: WaitFor | None = Field(
        None,
        description="after the words, wait for the listener to go on (space, play, or their voice): "
        "at most this long, or with no limit for `ready`; an export waits this long (15s for ready)",
    )

    @property
    def hold_seconds(self) -> float | None:
        """The hold's length as written (`for:` in the range form)."""
        return self.hold.for_ if isinstance(self.hold, HoldRange) else self.hold

    @property
    def hold_range(self) -> tuple[float, float] | None:
        """The shortest and longest `--minutes` may make the hold, for the range form; None for a plain length."""
        if not isinstance(self.hold, HoldRange):
            return None
        written = self.hold.for_
        return (written if self.hold.min is None else self.hold.min, written if self.hold.max is None else self.hold.max)


class SectionStep(_Step):
    section: SectionTitle


def _each_once(sides: list[str]) -> list[str]:
    if len(set(sides)) != len(sides):
        raise ValueError("each side may appear only once")
    return sides


class SidesStep(_Step):
    sides: Annotated[list[Name], AfterValidator(_each_once), Field(json_schema_extra={"uniqueItems": True})] = Field(
        min_length=1, max_length=4
    )
    switch: SwitchWords | None = Field(None, description="spoken before every side but the first; {side} allowed")
    steps: list[Step] = Field(min_length=1)


class RepeatStep(_Step):
    repeat: Annotated[int, Field(ge=1, le=100), AS_INTEGER]
    steps: list[Step] = Field(min_length=1)


class Breathe(_Model):
    in_: PositiveDuration = Field(alias="in")
    hold: Duration = 0.0
    out: PositiveDuration
    cycles: Annotated[int, Field(ge=1, le=100), AS_INTEGER]


class BreatheStep(_Step):
    breathe: Breathe


class ChimeStep(_Step):
    chime: Cue


class PauseStep(_Step):
    pause: PositiveDuration


STEP_KINDS: dict[str, type[_Step]] = {
    "say": SayStep,
    "section": SectionStep,
    "sides": SidesStep,
    "repeat": RepeatStep,
    "breathe": BreatheStep,
    "chime": ChimeStep,
    "pause": PauseStep,
}
"""A step's kind is its first key found in this order (so `say` with `pause` is a say step)."""


def step_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((kind for kind in STEP_KINDS if kind in value), None)
    if isinstance(value, BaseModel):
        return next(kind for kind, cls in STEP_KINDS.items() if isinstance(value, cls))
    return None


if TYPE_CHECKING:  # the type checker sees the union; pydantic gets it tagged by kind, from STEP_KINDS
    Step = Union[SayStep, SectionStep, SidesStep, RepeatStep, BreatheStep, ChimeStep, PauseStep]
else:
    Step = Annotated[
        Union[tuple(Annotated[cls, Tag(kind)] for kind, cls in STEP_KINDS.items())],
        Discriminator(
            step_kind,
            custom_error_type="step_kind",
            custom_error_message="a step needs one of: " + ", ".join(STEP_KINDS),
        ),
    ]


class Routine(_Model):
    title: FixedWords
    description: Prose | None = None
    voice: Voice = Voice()
    safety: SafetyWords | Safety | None = None
    sources: list[Text] = Field(default_factory=list, description="where the advice comes from")
    chimes: Chimes = Chimes()
    words: Words = Words()
    loudness: Annotated[float, Field(ge=-30, le=-16), AS_REAL] | None = Field(
        None, description="target LUFS of the session; -16 (the default) suits phones, lower is quieter"
    )
    ambience: Ambience | None = None
    pronounce: dict[Name, FixedWords] = Field(
        default_factory=dict,
        max_length=200,
        description="how to say words the voice gets wrong, e.g. Hegu: her goo (whole words, any case)",
    )
    tail: Duration | None = Field(None, description="quiet (with the ambience) after the last words, before the end chime")
    fade_out: Duration | None = Field(None, description="everything fades to silence over this time at the very end")
    steps: list[Step] = Field(min_length=1)

    _file: Path = PrivateAttr(Path("<script>"))
    _located: Located | None = PrivateAttr(None)

    @property
    def file(self) -> Path:
        return self._file

    @property
    def safety_spoken(self) -> str | None:
        return self.safety.say if isinstance(self.safety, Safety) else self.safety

    @property
    def safety_text(self) -> str | None:
        return self.safety.text if isinstance(self.safety, Safety) else self.safety

    def pronunciations(self, text: str) -> tuple[tuple[str, str], ...]:
        """The routine's own pronunciations of words in `text`: only these change how it sounds."""
        return tuple((written, said) for written, said in self.pronounce.items() if mentions(text, written))

    def speaking_with(self, voice: str) -> Routine:
        """This routine with `voice` as its default voice (`--voice`); steps that name their own keep it."""
        return self.model_copy(update={"voice": self.voice.model_copy(update={"voice": voice})})

    def error(
        self, message: str, step: _Step | None = None, key: tuple[str | int, ...] = (), written: str | None = None
    ) -> ScriptError:
        """An error pointing at `key` inside `step` (or at the step itself), else at the top-level `key` path,
        else at the top of the file; with `written`, at where those characters stand in the value at `key`."""
        if key and self._located is not None and written is not None:
            line, column = self._located.within((step._path if step is not None else ()) + key, written)
        elif key and self._located is not None:
            line, column = self._located.where((step._path if step is not None else ()) + key)
        elif step is not None:
            line, column = step.where
        else:
            line, column = (1, 1)
        return ScriptError(message, self._file, line, column)


def load_routine(path: Path, *, display_name: str | None = None) -> Routine:
    """Load and validate a script; every problem is a ScriptError naming FILE:LINE:COL."""
    located = load_file(path)
    if display_name:
        located.file = display_name
    return parse_routine(located)


def parse_routine(located: Located) -> Routine:
    if not isinstance(located.data, dict):
        raise located.error("a routine is a mapping with at least `title:` and `steps:`", ())
    try:
        routine = Routine.model_validate(located.data)
    except ValidationError as exc:
        raise _first_error(exc, located) from None
    routine._file = Path(located.file)
    routine._located = located
    _attach_positions(routine.steps, ("steps",), located)
    _check_volume(routine, routine.voice.volume, None)
    if routine.safety_spoken:
        key = ("safety", "say") if isinstance(routine.safety, Safety) else ("safety",)
        _check_placeholders(routine, None, key, routine.safety_spoken, in_sides=False, has_hold=False)
    _check_commands(routine)
    _check_steps(routine, routine.steps, in_sides=False)
    return routine


# --- positions and semantic checks -------------------------------------------------

def _attach_positions(steps: list[Any], path: tuple[str | int, ...], located: Located) -> None:
    for index, step in enumerate(steps):
        step._line, step._column = located.where(path + (index,))
        step._path = path + (index,)
        if isinstance(step, (SidesStep, RepeatStep)):
            _attach_positions(step.steps, path + (index, "steps"), located)


def _texts(step: _Step) -> list[tuple[tuple[str, ...], str]]:
    """The step's own texts that may hold placeholders, each with its key in the step."""
    if isinstance(step, SayStep):
        texts = [(("say",), step.say), (("remind", "say"), step.remind.say if step.remind else None)]
        return [(key, text) for key, text in texts + [(("release",), step.release)] if isinstance(text, str)]
    if isinstance(step, SectionStep):
        return [(("section",), step.section)]
    if isinstance(step, SidesStep):
        return [(("switch",), step.switch)] if step.switch else []
    return []


def placeholders_used(routine: Routine) -> set[str]:
    """The names of the placeholders the routine's spoken lines and titles use."""

    def texts(steps: list[Any]) -> list[str]:
        found = [text for step in steps for _, text in _texts(step)]
        return found + [text for step in steps if isinstance(step, (SidesStep, RepeatStep)) for text in texts(step.steps)]

    every = texts(routine.steps) + ([routine.safety_spoken] if routine.safety_spoken else [])
    return {name for text in every for name in placeholders.PLACEHOLDER.findall(text)}


def _check_placeholders(
    routine: Routine, step: _Step | None, key: tuple[str, ...], text: str, *, in_sides: bool, has_hold: bool
) -> None:
    """Every `{...}` in a text is one that is filled where it stands, else an error at the spot."""
    where = "section" if isinstance(step, SectionStep) else "switch" if isinstance(step, SidesStep) else "step"
    where = "safety" if step is None else where
    for match in placeholders.PLACEHOLDER.finditer(text):
        problem = placeholders.problem(match[1], where=where, in_sides=in_sides, has_hold=has_hold)
        if problem:
            raise routine.error(problem, step, key=key, written=match[0])


def _check_volume(routine: Routine, volume: float | None, step: _Step | None) -> None:
    """A volume, slowed by the taper, that still speaks: below MIN_VOLUME espeak says nothing at all."""
    taper = routine.voice.taper.volume if routine.voice.taper else 1.0
    if volume is not None and volume * taper < MIN_VOLUME:
        tapered = f" with a taper to {taper:g}" if taper < 1 else ""
        raise routine.error(
            f"a volume of {volume:g}{tapered} is too quiet to be heard; the lowest usable volume is "
            f"{math.ceil(MIN_VOLUME / taper * 100) / 100:g}",
            step,
            key=("voice", "volume"),
        )


def _check_commands(routine: Routine) -> None:
    """Each phrase gives one command: heard, it must mean one thing."""
    seen: dict[str, str] = {}
    for command, phrases in routine.words.commands:
        for index, phrase in enumerate(phrases):
            if phrase in seen:
                other = "twice" if seen[phrase] == command else f"for both `{seen[phrase]}` and `{command}`"
                raise routine.error(
                    f"the command words '{phrase}' are given {other}; each phrase may mean one command",
                    key=("words", "commands", command, index),
                )
            seen[phrase] = command


def _check_steps(routine: Routine, steps: list[Any], *, in_sides: bool) -> None:
    """What depends on where a step stands, or on more than one of its keys (the schema says these too)."""
    for step in steps:
        has_hold = isinstance(step, SayStep) and step.hold is not None
        for key, text in _texts(step):
            _check_placeholders(routine, step, key, text, in_sides=in_sides or isinstance(step, SidesStep), has_hold=has_hold)
        if isinstance(step, SayStep):
            _check_hold(routine, step)
            if step.voice:
                _check_volume(routine, step.voice.volume, step)
        if isinstance(step, SidesStep) and in_sides:
            raise routine.error("`sides:` blocks cannot be nested; {side} would be ambiguous", step)
        if isinstance(step, (SidesStep, RepeatStep)):
            _check_steps(routine, step.steps, in_sides=in_sides or isinstance(step, SidesStep))


def _check_hold(routine: Routine, step: SayStep) -> None:
    if step.wait is not None and step.hold is not None:
        raise routine.error(
            "a step waits for the listener or holds, not both; put the hold in the next step", step, key=("wait",)
        )
    needs_hold = [key for key in NEEDS_HOLD if getattr(step, key) not in (None, False)]
    if step.hold is None:
        if needs_hold:
            raise routine.error(f"`{needs_hold[0]}` belongs to a hold; add `hold:` to this step", step)
        return
    if isinstance(step.hold, HoldRange):
        _check_range(routine, step, step.hold)
    if step.countdown and step.countdown > len(routine.words.numbers):
        raise routine.error(
            f"countdown {step.countdown} needs {step.countdown} numbers but `words.numbers` has "
            f"{len(routine.words.numbers)}",
            step,
        )


def _check_range(routine: Routine, step: SayStep, hold: HoldRange) -> None:
    """`min` ≤ `for` ≤ `max`: each mistake at the key to change."""

    def error(message: str, key: str) -> ScriptError:
        return routine.error(message, step, key=("hold", key))

    if hold.min is not None and hold.max is not None and hold.min > hold.max:
        raise error(f"`min` ({hold.min:g}s) is longer than `max` ({hold.max:g}s); swap them", "min")
    if hold.min is not None and hold.min > hold.for_:
        raise error(
            f"`min` ({hold.min:g}s) is longer than `for` ({hold.for_:g}s); `min` is the shortest the hold may be, "
            f"so make it {hold.for_:g}s or less",
            "min",
        )
    if hold.max is not None and hold.max < hold.for_:
        raise error(
            f"`max` ({hold.max:g}s) is shorter than `for` ({hold.for_:g}s); `max` is the longest the hold may be, "
            f"so make it {hold.for_:g}s or more",
            "max",
        )


# --- turning pydantic's errors into one line a script writer understands ------------

def _first_error(exc: ValidationError, located: Located) -> ScriptError:
    """The error a writer should fix first: an unknown key (usually a typo), else the earliest."""
    def rank(error: Any) -> tuple[bool, tuple[int, int], int]:
        path = _data_path(error, located.data)
        return (error["type"] != "extra_forbidden", located.where(path), -len(error["loc"]))

    errors = exc.errors(include_url=False)
    paths = [_data_path(e, located.data) for e in errors]

    def mapping_taken_for_text(error: Any, path: tuple[str | int, ...]) -> bool:
        """Where a field takes text or a mapping (`safety`), the mapping's own errors say more than "not text"."""
        nested = any(len(other) > len(path) and other[: len(path)] == path for other in paths)
        return error["type"] == "string_type" and isinstance(error["input"], dict) and nested

    error = min([e for e, path in zip(errors, paths) if not mapping_taken_for_text(e, path)] or errors, key=rank)
    path = _data_path(error, located.data)
    name = str(path[-1]) if path and isinstance(path[-1], str) else None
    kind = error["type"]
    if kind == "extra_forbidden":
        return located.error(_unknown_key(name or "?", path, located.data), path, key=True)
    if kind == "missing":
        return located.error(f"missing required key `{name}`", path[:-1])
    if kind == "step_kind":
        return located.error(error["msg"], path)
    if kind == "value_error":
        message = str(error["ctx"]["error"])
    elif kind == "string_type" and not isinstance(error["input"], (dict, list)):
        message = "expected text; put it in quotes if it is the word true or false"
    elif kind == "string_type" and isinstance(error["input"], dict):
        message = "expected text, but a colon followed by a space made it a mapping; put the text in quotes"
    elif kind == "too_short" and isinstance(error["input"], list):
        message = "is empty; it needs at least one entry"
    elif kind == "string_pattern_mismatch" and "a-z0-9" in str(error["ctx"].get("pattern")):
        message = (
            f"'{error['input']}' is not a cue: use a lowercase name such as soft or bowl, none, "
            "or a sound file beside the script such as sounds/gong.wav"
        )
    else:
        message = error["msg"][:1].lower() + error["msg"][1:]
    where = f"`{name}` " if name and kind in ("too_short",) else f"`{name}`: " if name else ""
    return located.error(f"{where}{message}", path)


def _data_path(error: Any, data: Any) -> tuple[str | int, ...]:
    """Pydantic's error location as a path into the data: union tags and branch names dropped."""
    loc = error["loc"]
    path: list[str | int] = []
    node = data
    for position, part in enumerate(loc):
        at_step = len(path) >= 2 and path[-2] == "steps" and isinstance(path[-1], int)
        if at_step and part in STEP_KINDS and loc[position - 1] == path[-1]:
            continue  # the discriminator's tag, right after a step's index
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.rstrip("_") in node:
            part = part.rstrip("_")
            node = node[part]
        elif position == len(loc) - 1 and isinstance(node, dict) and error["type"] == "missing":
            node = None  # a missing key: the path names it, the position is its mapping's
        else:
            continue  # a union branch name such as 'Safety' or 'constrained-str'
        path.append(part)
    return tuple(path)


def _unknown_key(name: str, path: tuple[str | int, ...], data: Any) -> str:
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    model = _model_for(path[:-1], data)
    allowed = [f.alias or n for n, f in model.model_fields.items()] if model else []
    if " " in name.strip():
        return f"unknown key `{name}`: a comma or colon inside {{...}} splits the text; put the text in quotes"
    hint = difflib.get_close_matches(name, allowed, n=1)
    if hint:
        return f"unknown key `{name}`; did you mean `{hint[0]}`?"
    return f"unknown key `{name}`" + (f"; expected one of: {', '.join(allowed)}" if allowed else "")


def _model_for(path: tuple[str | int, ...], data: Any) -> type[BaseModel] | None:
    """Which model validates the mapping at `path`, to list the keys it allows."""
    model: type[BaseModel] | None = Routine
    node = data
    for part in path:
        node = node[part]
        if model is None:
            return None
        if isinstance(part, int):
            kind = step_kind(node)
            model = STEP_KINDS.get(kind) if kind else None
            continue
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        model = _nested_model(field.annotation) if field else None
        if part == "steps":
            model = _ListMarker  # the next part is an index
    return None if model is _ListMarker else model


class _ListMarker(BaseModel):
    pass


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _nested_model(arg)
        if found:
            return found
    return None


for _cls in (SidesStep, RepeatStep, Routine):
    _cls.model_rebuild()
