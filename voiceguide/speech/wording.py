"""Wording: a line's text as a speech engine should read it.

Engines guess at "LI4", "3m" or "2-3 min", and each guesses differently (metres or minutes?
letters or a word?). Writing such things out as words before synthesis makes every engine say
the same, intended thing. In order: the routine's own pronunciations, acupoint codes, then
numbers (ranges, units, English ordinals, plain numbers) through num2words.

Pure and fast: it runs on every line before synthesis. Every pattern is compiled once, and none
can backtrack more than linearly, so a hostile line costs no more than an ordinary one.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from num2words import CONVERTER_CLASSES, num2words

from voiceguide.script.pronounce import whole_word

MAX_DIGITS = 15
"""Longer numbers are left as written: num2words may overflow, and nobody wants them read out in words."""

_DECIMAL_COMMA = frozenset(
    ("de", "fr", "es", "it", "nl", "pt", "pl", "ru", "uk", "be", "cs", "sk", "sl", "hr", "sr", "bg", "da", "sv")
    + ("no", "nb", "nn", "fi", "is", "et", "lv", "lt", "ro", "hu", "tr", "az", "kz", "id", "ca", "eu", "el")
)
"""Families that write 1,5 for one and a half (and 1.000 for a thousand)."""
_NUM2WORDS_ALIASES = {"nb": "no", "nn": "no"}
"""Families num2words knows under another name (espeak-ng calls Norwegian Bokmål "nb")."""


def spoken(text: str, language: str, pronounce: tuple[tuple[str, str], ...] = ()) -> str:
    """The text as a speech engine should read it: pronunciations applied, codes and numbers in words.

    `language` is a voice's language code ("en", "en-us", "de_DE"); its family (the part before
    "-" or "_") picks the units, range word and number conventions. `pronounce` is the routine's
    ordered (written, said) pairs, applied first. Text with nothing to rewrite comes back unchanged.
    """
    if pronounce:
        text = _pronounced(text, pronounce)
    if not _ANY_DIGIT.search(text):
        return text
    lang = _language(language)
    text = _CODE.sub(lambda m: _code(m, lang), text)
    if lang.numbers is None:
        return text
    return lang.rules.pattern.sub(lambda m: _quantity(m, lang), text)


# Pronunciations


@lru_cache(maxsize=256)
def _pronouncing(written_forms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all the forms, so said text is never rewritten by a later pair.

    Where forms overlap, the longest wins ("Hegu point" over "Hegu"), then the earlier pair.
    A form not mentioned in a line never matches in it, so leaving such pairs out changes nothing.
    """
    order = sorted(range(len(written_forms)), key=lambda i: -len(written_forms[i]))
    alternatives = [f"(?P<p{i}>{re.escape(written_forms[i])})" for i in order if written_forms[i].strip()]
    if not alternatives:
        return None
    return re.compile(whole_word("|".join(alternatives)), re.IGNORECASE)


def _pronounced(text: str, pronounce: tuple[tuple[str, str], ...]) -> str:
    pattern = _pronouncing(tuple(written for written, _ in pronounce))
    if pattern is None:
        return text
    return pattern.sub(lambda m: pronounce[int(str(m.lastgroup)[1:])][1], text)


# Languages and their rules


class _Unit(NamedTuple):
    one: str
    many: str
    article: str | None = None
    """Said instead of the number one before this unit (German "eine Minute", not "eins Minute")."""


class _Rules(NamedTuple):
    pattern: re.Pattern[str]
    units: dict[str, _Unit]
    to: str | None
    """The word between a range's numbers; None keeps the dash as written."""
    decimal_comma: bool


class _Language(NamedTuple):
    family: str
    numbers: str | None
    """num2words's code for the language, or None when it has no words for it (digits then stay)."""
    rules: _Rules


_ENGLISH_UNITS = {
    **dict.fromkeys(("s", "sec", "secs"), _Unit("second", "seconds")),
    **dict.fromkeys(("m", "min", "mins"), _Unit("minute", "minutes")),  # routines are about time: 3m is minutes
    **dict.fromkeys(("h", "hr", "hrs"), _Unit("hour", "hours")),
    "cm": _Unit("centimetre", "centimetres"),
    "mm": _Unit("millimetre", "millimetres"),
    "%": _Unit("percent", "percent"),
}
_GERMAN_UNITS = {
    **dict.fromkeys(("s", "Sek", "Sek."), _Unit("Sekunde", "Sekunden", "eine")),
    **dict.fromkeys(("m", "min", "Min", "Min."), _Unit("Minute", "Minuten", "eine")),
    **dict.fromkeys(("h", "Std", "Std."), _Unit("Stunde", "Stunden", "eine")),
    "cm": _Unit("Zentimeter", "Zentimeter", "ein"),
    "mm": _Unit("Millimeter", "Millimeter", "ein"),
    "%": _Unit("Prozent", "Prozent", "ein"),
}

_DIGIT = "[0-9]"
_ANY_DIGIT = re.compile(_DIGIT)
_CODE = re.compile(rf"(?<!\w)([A-Z]{{1,3}})-?({_DIGIT}{{1,2}})(?!\w)")
"""An acupoint code: LI4, GB20, GB-20. All capitals, so "Yintang" or "li4" are not codes."""

_NUMBERS = {
    False: r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?",  # 1,000.5 / 1.5 / 12
    True: r"\d{1,3}(?:\.\d{3})+(?!\d)(?:,\d+)?|\d+(?:[.,]\d+)?",  # 1.000,5 / 1,5 / 1.5 / 12
}
_DASH = r"[-\u2013]"
"""A hyphen or an en dash."""
_BEFORE = rf"(?<![\w.,])(?<!\d{_DASH})"
"""Not glued to a word (x2, mp3), nor the tail of something dotted or dashed we don't read (v1.2, 2024-01-15)."""
_AFTER = rf"(?!\w|[.,]\d|{_DASH}\d)"
"""Not glued to a word (3x, 5km), nor the head of something dotted or dashed we don't read (1.2.3, 1-2-3)."""
_GROUPED_BY_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_FOLLOWING = re.compile(r"\s*(\S?)")


def _rules(units: dict[str, _Unit], to: str | None, ordinals: bool, decimal_comma: bool) -> _Rules:
    """The one pattern for a language: a number or a range, then a unit, an ordinal suffix or nothing."""
    number = _NUMBERS[decimal_comma].replace(r"\d", _DIGIT)  # ASCII digits: other scripts' are left to the engine
    unit = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True)) or "(?!)"
    ordinal = "|(?P<ordinal>st|nd|rd|th)(?!\\w)" if ordinals else ""
    pattern = (
        rf"{_BEFORE}(?P<first>{number})(?:(?P<dash>\s*{_DASH}\s*)(?P<second>{number}))?"
        rf"(?:[ \u00a0\u202f]?(?P<unit>{unit})(?!\w){ordinal}|{_AFTER})"
    )
    return _Rules(re.compile(pattern), units, to, decimal_comma)


_ENGLISH = _rules(_ENGLISH_UNITS, "to", ordinals=True, decimal_comma=False)
_GERMAN = _rules(_GERMAN_UNITS, "bis", ordinals=False, decimal_comma=True)
_OTHER = {comma: _rules({}, None, ordinals=False, decimal_comma=comma) for comma in (False, True)}


@lru_cache(maxsize=64)
def _language(language: str) -> _Language:
    family, _, region = language.strip().replace("-", "_").partition("_")
    family = family.lower()
    family = _NUM2WORDS_ALIASES.get(family, family)
    full = f"{family}_{region.upper()}"
    # num2words would itself fall back to a code's first two letters, which turns "fil" into Finnish.
    numbers = full if full in CONVERTER_CLASSES else family if family in CONVERTER_CLASSES else None
    rules = {"en": _ENGLISH, "de": _GERMAN}.get(family) or _OTHER[family in _DECIMAL_COMMA]
    return _Language(family, numbers, rules)


# Numbers


@lru_cache(maxsize=4096)
def _cardinal(number: str, numbers: str | None) -> str | None:
    """A normalised number ("1234", "1.5") in words, or None to leave the digits as written."""
    if numbers is None or len(number) > MAX_DIGITS + 1:
        return None
    try:
        value = Decimal(number) if "." in number else int(number)
        return str(num2words(value, lang=numbers))
    except Exception:  # noqa: BLE001 - unknown language, overflow, a language's quirk: a reading aid must not fail
        return None


@lru_cache(maxsize=1024)
def _ordinal(number: str, numbers: str | None) -> str | None:
    if numbers is None or len(number) > MAX_DIGITS:
        return None
    try:
        return str(num2words(int(number), lang=numbers, to="ordinal"))
    except Exception:  # noqa: BLE001 - as for cardinals
        return None


def _normalised(number: str, decimal_comma: bool) -> str | None:
    """A written number as Decimal reads it: separators of thousands gone, a point for the decimal one."""
    if len(number) - number.count(",") - number.count(".") > MAX_DIGITS:
        return None
    if not decimal_comma:
        return number.replace(",", "")
    if "," in number:
        return number.replace(".", "").replace(",", ".")
    if _GROUPED_BY_DOTS.fullmatch(number):
        return number.replace(".", "")
    return number


def _code(m: re.Match[str], lang: _Language) -> str:
    """LI4 → "L I four": letters spelled, the number in words (digits where the language has none)."""
    letters, digits = m[1], m[2]
    return f"{' '.join(letters)} {_cardinal(str(int(digits)), lang.numbers) or digits}"


def _quantity(m: re.Match[str], lang: _Language) -> str:
    rules = lang.rules
    first, second, unit_written, suffix = m["first"], m["second"], m["unit"], m.groupdict().get("ordinal")
    if suffix:
        if second is not None or not first.isdigit():
            return m[0]
        return _ordinal(first, lang.numbers) or m[0]
    firsts = _normalised(first, rules.decimal_comma)
    seconds = _normalised(second, rules.decimal_comma) if second is not None else None
    said = _cardinal(firsts, lang.numbers) if firsts is not None else None
    if said is None or firsts is None:
        return m[0]
    unit = rules.units[unit_written] if unit_written else None
    if second is not None:
        said_second = _cardinal(seconds, lang.numbers) if seconds is not None else None
        if said_second is None:
            return m[0]
        if unit is not None and unit.article is not None and Decimal(firsts) == 1:
            said = "ein"  # German: "ein bis zwei Minuten"
        said = f"{said} {rules.to} {said_second}" if rules.to else f"{said}{m['dash']}{said_second}"
    if unit is None:
        return said
    if second is None and Decimal(firsts) == 1:
        said = f"{unit.article or said} {unit.one}"
    else:
        said = f"{said} {unit.many}"
    if unit_written.endswith(".") and _may_end_sentence(m.string, m.end()):
        said += "."  # "Halte 5 Sek." : the abbreviation's full stop also ends the sentence
    return said


def _may_end_sentence(text: str, end: int) -> bool:
    """Whether an abbreviation's full stop at `end` may also end a sentence: last in the line, or before a capital."""
    following = _FOLLOWING.match(text, end)
    assert following is not None  # the pattern matches anywhere, if only emptily
    after = following[1]
    return not after or (after.isupper() and following.start(1) > end)
