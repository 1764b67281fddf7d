"""The kinds of text in a script: each type checks a value and says the same in the JSON Schema.

A type whose schema is shared names one of the `definitions()`; the schema module puts them
under `$defs` and points the type at it. Where text goes, a number written without quotes
is text as written (`say: 1.50`), so every kind of text allows a number in the schema.
Patterns are written for Python's `re` and JavaScript's regular expressions alike, as
editors run the schema in JavaScript.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema

from voiceguide.script import placeholders

MAX_TEXT = 1000
"""Characters in one spoken text; a paragraph is plenty for an instruction."""

SHARED = "voiceguide-definition"
"""Marks, in the schema pydantic writes, a type whose schema is one of the definitions() (see schema.py)."""

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
"""Control characters but tab, newline and carriage return, as a pattern's character class."""


def shared(name: str, **beside: Any) -> WithJsonSchema:
    """The schema of a kind of text, defined once: it becomes `{"$ref": ..., **beside}`."""
    return WithJsonSchema({SHARED: name, **beside})


def plain(text: str) -> str:
    """Refuse control characters: espeak reads \x01 as the start of an embedded command (speed, pitch...),
    and `show` would hand ESC sequences (clear screen, window title, clipboard writes) to the terminal."""
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            raise ValueError(f"the text holds a control character (U+{ord(char):04X}) at position {index + 1}; remove it")
    return text


def speakable(text: str) -> str:
    """Plain text with something to say: a line of spaces, dots or invisible characters would be
    spoken as nothing, and engines wait on an empty phrase until they time out."""
    plain(text)
    if not any(_sayable(char) for char in text):
        raise ValueError(f"{text[:20]!r} has nothing to say (no letters or digits); write the words")
    return text


def _sayable(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


SIDE_FILLED = r"(?!side\})"
"""The part of a placeholders_only() pattern that lets `{side}` through (removed outside `sides:`)."""


def placeholders_only(names: tuple[str, ...]) -> str:
    """A pattern for text with no `{...}` but these (no lookbehind: JavaScript engines differ)."""
    known = "".join(rf"(?!{re.escape(name)}\}})" for name in names)
    return rf"^(?![\s\S]*\{{{known}[^{{}}]*\}})"


def _words(where: str, *, has_hold: bool = True) -> WithJsonSchema:
    """Spoken words at `where`, with the placeholders filled there inside `sides:` (placeholders.py checks them)."""
    names = placeholders.filled_in(where, in_sides=True, has_hold=has_hold)
    return shared("Speakable", maxLength=MAX_TEXT, pattern=placeholders_only(names))


def no_hold_words() -> str:
    """The pattern of a step's words when it has no hold: no `{hold}`."""
    return placeholders_only(placeholders.filled_in("step", in_sides=True, has_hold=False))


def unfilled(text: str) -> str:
    """Words spoken as written: a placeholder there would be read out, not filled, so it is refused."""
    for name in placeholders.NAMES:
        if placeholders.uses(text, name):
            raise ValueError(
                f"{{{name}}} is not filled in here, only in a step's words, its reminder, release and switch; "
                "write the words"
            )
    return text


_NO_FILLS = rf"^(?![\s\S]*\{{(?:{'|'.join(placeholders.NAMES)})\}})"
"""A pattern for unfilled(): no `{minutes}`, `{hold}` or `{side}` (any other `{...}` is text)."""

_Spoken = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(speakable)]
Text = Annotated[_Spoken, shared("Speakable", maxLength=MAX_TEXT)]
"""Words that are shown (a source), where `{...}` is text."""
FixedWords = Annotated[_Spoken, AfterValidator(unfilled), shared("Speakable", maxLength=MAX_TEXT, pattern=_NO_FILLS)]
"""Words spoken as written, the same every time: the routine's title, `words:`, breathing words, pronunciations."""
StepWords = Annotated[_Spoken, _words("step")]
"""A step's words, its reminder's and its release: {minutes}, {hold} with a hold, {side} inside `sides:`."""
SwitchWords = Annotated[_Spoken, _words("switch")]
SectionTitle = Annotated[_Spoken, _words("section")]
SafetyWords = Annotated[_Spoken, _words("safety")]
"""Also shown as written, so no placeholder is filled in it."""
Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(speakable), shared("Speakable", maxLength=100)]
"""A side, or a word the routine pronounces its own way."""
Prose = Annotated[str, Field(max_length=10 * MAX_TEXT), AfterValidator(plain), shared("Plain", maxLength=10 * MAX_TEXT)]
"""Text that is shown and written into files, never spoken: a description."""
FullText = Annotated[
    str, Field(min_length=1, max_length=10 * MAX_TEXT), AfterValidator(plain), shared("Plain", minLength=1, maxLength=10 * MAX_TEXT)
]
"""The full safety text, which `show` prints."""
VoiceName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(plain), shared("Plain", minLength=1, maxLength=100)]

_SOUND_FILE = r"[^\x00-\x1f\x7f-\x9f]+\.([wW][aA][vV]|[mM][pP]3|[oO][gG][gG]|[oO][pP][uU][sS]|[fF][lL][aA][cC]|[mM]4[aA])"
_CUE_NAME = "[a-z0-9][a-z0-9_-]*"
_CUE = Field(
    pattern=f"^({_CUE_NAME}|{_SOUND_FILE})$",
    max_length=200,
    description="a built-in cue (`voiceguide schema` lists them), or a sound file beside the script",
)
Cue = Annotated[str, _CUE, shared("Cue")]
"""A chime: a built-in cue or a sound file beside the script."""
Signal = Annotated[str, _CUE, shared("Signal")]
"""What marks a moment of the session (`chimes:`): a cue, or `none` for silence."""
Bed = Annotated[str, _CUE, shared("Bed")]
"""An ambience: a built-in bed, or a sound file beside the script."""


def command_phrase(text: str) -> str:
    """A spoken command: a few words of letters, said the same in any case."""
    words = plain(text).casefold().replace("-", " ").split()
    if not words or any(not all(_in_word(c) for c in word) for word in words):
        raise ValueError(f"'{text}' is not a spoken command: use words of letters only, e.g. weiter")
    if len(words) > 4:
        raise ValueError(f"'{text}' is too long for a command: at most four words")
    return " ".join(words)


def _in_word(char: str) -> bool:
    return char.isalpha() or char == "'"


def _command_pattern() -> str:
    """What command_phrase() takes: one to four words of characters whose case folds to letters."""
    word = _class_of(lambda char: char != "-" and all(_in_word(c) for c in char.casefold())) + "+"
    space = _class_of(lambda char: char.isspace() and unicodedata.category(char) != "Cc" or char in "\t\n\r", also=r"\-")
    return f"^{space}*{word}(?:{space}+{word}){{0,3}}{space}*$"


def definitions(cues: Sequence[str] | None, beds: Sequence[str] | None) -> dict[str, Any]:
    """The shared definitions; the built-in cues and beds as lists where the caller knows them (the audio layer)."""

    def names(known: Sequence[str] | None, description: str) -> dict[str, Any]:
        name = {"enum": list(known)} if known is not None else {"type": "string", "pattern": f"^{_CUE_NAME}$"}
        file = {"type": "string", "maxLength": 200, "pattern": rf"^{_SOUND_FILE}(?![\s\S])"}
        return {"anyOf": [name, file], "description": description}

    return {
        "Plain": {
            "type": ["string", "number"],
            "pattern": f"^[^{_CONTROL}]*$",
            "description": "text without control characters (tab and line breaks are fine), or a number",
        },
        "Speakable": {
            "allOf": [{"$ref": "#/$defs/Plain"}],
            "minLength": 1,
            "pattern": _class_of(_sayable),
            "description": "text with something to say: at least one letter or digit, in any script",
        },
        "Phrase": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": _command_pattern(),
                   "description": "one to four words of letters"},
        "Cue": names(cues, "a built-in cue, or a sound file beside the script"),
        "Signal": {"anyOf": [{"const": "none"}, {"$ref": "#/$defs/Cue"}], "description": "a cue, or `none` for silence"},
        "Bed": names(beds, "a built-in ambience, or a sound file beside the script"),
    }


def _class_of(test: Callable[[str], bool], also: str = "") -> str:
    """A character class of every character passing `test`, as literal characters (no escapes, so that
    Python and JavaScript read characters beyond U+FFFF alike), and `also` as written."""
    ranges, start = [], None
    for code in range(sys.maxunicode + 2):
        inside = code <= sys.maxunicode and test(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append(chr(start) if start == code - 1 else f"{chr(start)}-{chr(code - 1)}")
            start = None
    return "[" + also + "".join(ranges) + "]"
