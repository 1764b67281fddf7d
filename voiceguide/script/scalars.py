"""Values written without quotes, read as the person meant them and as an editor reads them.

voiceguide reads scripts with PyYAML (YAML 1.1); editors, and so the JSON Schema, read
YAML 1.2. The two differ on a few plain values. The loader keeps what both agree on,
keeps the words and numbers of a plain value as written (`Unquoted`), so that each
field reads it in its own way (`yes` is true where a yes/no goes, 1 where a number goes,
and the word where text goes), and refuses at its line what YAML 1.1 read as another
number or as a date (`010` was 8, an editor says 10). The patterns here are written for
Python's `re` and JavaScript's regular expressions alike, as editors run the schema in
JavaScript.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Self

YES_NO = {word: word.lower() in ("yes", "on") for base in ("yes", "no", "on", "off") for word in (base, base.title(), base.upper())}
"""YAML 1.1's words for true and false beyond `true` and `false` (which YAML 1.2 keeps), and what each means."""

SPACE = r"[ \t\r\n]*"
INTEGER = r"[-+]?[0-9]+"
"""A whole number in quotes, where one goes (`rate: "150"`)."""
REAL = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
"""A number in quotes, where one goes (`volume: "0.5"`): YAML 1.2's decimal numbers."""

_CORE: list[tuple[re.Pattern[str], Any]] = [  # YAML 1.2's core schema, as editors read a plain value
    (re.compile(r"true|True|TRUE"), lambda text: True),
    (re.compile(r"false|False|FALSE"), lambda text: False),
    (re.compile(INTEGER), int),
    (re.compile(r"0o[0-7]+"), lambda text: int(text, 8)),
    (re.compile(r"0x[0-9a-fA-F]+"), lambda text: int(text, 16)),
    (re.compile(REAL), float),
    (re.compile(r"[-+]?\.(?:inf|Inf|INF)"), lambda text: -math.inf if text[0] == "-" else math.inf),
    (re.compile(r"\.(?:nan|NaN|NAN)"), lambda text: math.nan),
]
_CLOCK = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
"""YAML 1.1's base-60 numbers (`1:30` was 90), which YAML 1.2 reads as text, and a duration as m:ss."""


class Unquoted(str):
    """A number or a yes/no word written without quotes: its text as written, and its `value` where a
    number or a yes/no goes. Where text goes it is the text (`say: 1.50` says 1.50, `say: no` says no)."""

    value: float | bool

    def __new__(cls, text: str, value: float | bool) -> Self:
        written = super().__new__(cls, text)
        written.value = value
        return written


def plain(text: str, yaml11: Any) -> Any:
    """A plain scalar as the script means it: `text` as written, `yaml11` as PyYAML read it.

    None and true/false as both YAML versions read them, an `Unquoted` number or yes/no word, or
    text. ValueError, saying how to write it, where YAML 1.1 read a date or another number.
    """
    if yaml11 is None:
        return None
    core = next((read(text) for form, read in _CORE if form.fullmatch(text)), text)
    if isinstance(core, bool):
        return core
    if text in YES_NO:
        return Unquoted(text, YES_NO[text])
    if isinstance(yaml11, datetime.date):
        raise ValueError(f"`{text}` reads as a date in YAML 1.1 and as text in YAML 1.2 (editors); put it in quotes")
    if _CLOCK.fullmatch(text):
        return text  # a duration reads it as m:ss or h:mm:ss, as YAML 1.1 did
    numeric = isinstance(yaml11, (int, float)) and not isinstance(yaml11, bool)
    if isinstance(core, (int, float)):
        if numeric and not _same(yaml11, core):
            raise ValueError(f"`{text}` reads as {_figure(yaml11)} in YAML 1.1 and as {_figure(core)} in YAML 1.2 "
                             f"(editors); write {_figure(core)}, or put it in quotes")
        return Unquoted(text, core)
    if numeric:
        raise ValueError(f"`{text}` reads as {_figure(yaml11)} in YAML 1.1 and as text in YAML 1.2 (editors); "
                         f"write {_figure(yaml11)}, or put it in quotes")
    return text


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _figure(number: float) -> str:
    return str(number) if isinstance(number, int) or not math.isfinite(number) else f"{number:g}"


def number(form: str) -> Any:
    """A validator for a field that takes a number: a plain number or yes/no word (true is 1, as it always
    was), or a number in quotes written as `form`; anything else is left for the field to refuse."""
    pattern = re.compile(SPACE + form + SPACE)

    def read(value: Any) -> Any:
        if isinstance(value, Unquoted) and value.value != value.value:
            raise ValueError("NaN is no number a script can use; write one")
        if isinstance(value, Unquoted):
            return value.value
        if isinstance(value, str) and pattern.fullmatch(value):
            figure = float(value)  # no digit limit, unlike int(); whole numbers stay whole
            return int(figure) if figure.is_integer() else figure
        if isinstance(value, str):
            raise ValueError(f"'{value[:20]}' is not a number; write one such as {'150' if form == INTEGER else '0.5'}")
        return value

    return read


def yes_no(value: Any) -> Any:
    """Where a yes/no or text goes (`release:`): `yes` or `off` without quotes is the yes/no, and so are 1
    and 0, as they always were; any other number is text."""
    if isinstance(value, Unquoted) and (isinstance(value.value, bool) or value.value in (0, 1)):
        return bool(value.value)
    return value


def number_schema(schema: dict[str, Any], form: str) -> dict[str, Any]:
    """The JSON Schema of a number field as `number(form)` reads it: the number, the number in quotes, and
    the yes/no words that stand for 1 and 0 where those fit the field's bounds."""
    words: list[str | bool] = [word for word, yes in YES_NO.items() if _within(schema, 1 if yes else 0)]
    words += [flag for flag in (True, False) if _within(schema, int(flag))]
    text = {"type": "string", "pattern": f"^{SPACE}{form}{SPACE}$"}
    return {"anyOf": [schema, text] + ([{"enum": words}] if words else [])}


def _within(schema: dict[str, Any], value: int) -> bool:
    return (
        schema.get("minimum", -math.inf) <= value <= schema.get("maximum", math.inf)
        and schema.get("exclusiveMinimum", -math.inf) < value < schema.get("exclusiveMaximum", math.inf)
    )
