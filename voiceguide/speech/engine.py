"""What voiceguide needs of a speech engine, and how a voice is found among an engine's voices.

An engine names itself twice: `name` is how a user or the registry refers to it
(`espeak`), and `identity()` names its build and version, which namespaces every
clip in the cache, so a clip one engine made is never served for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from voiceguide.script.routine import Utterance


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Speech:
    """What an engine said: 16-bit mono samples at the engine's own rate."""

    pcm: bytes
    rate: int


class SpeechEngine(Protocol):
    """What voiceguide needs of a text-to-speech engine.

    Constructing one may be slow (loading a library or a model) and may raise
    MissingToolError; `identity` must not need an instance, so a warm cache never starts one.
    """

    name: ClassVar[str]

    @classmethod
    def identity(cls) -> str:
        """The engine, its version and anything else that changes its sound: part of every clip's cache key."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def speak(self, utterance: Utterance) -> Speech:
        """The utterance spoken whole, or SpeechError; called from one thread at a time."""
        ...


def find_voice(voices: list[VoiceInfo], wanted: str) -> VoiceInfo:
    """A voice by id, by the last part of its id, by language or by name (any case)."""
    key = wanted.casefold()
    for match in (
        lambda v: v.id.casefold() == key,
        lambda v: v.id.casefold().rsplit("/", 1)[-1] == key,
        lambda v: key in (lang.casefold() for lang in v.languages),
        lambda v: v.name.casefold() == key,
    ):
        found = [v for v in voices if match(v)]
        if found:
            return found[0]
    raise LookupError(wanted)
