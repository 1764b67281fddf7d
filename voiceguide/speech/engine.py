"""What voiceguide needs of a speech engine, and how a voice is found among an engine's voices.

An engine names itself twice: `name` is how a user or the registry refers to it
(`espeak`, `piper`, and so `piper:en_US-joe-medium` in a script), and
`identity()` names its build and version, which namespaces every clip in the
cache, so a clip one engine made is never served for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol


@dataclass(frozen=True)
class VoiceInfo:
    engine: str
    id: str
    name: str
    languages: tuple[str, ...]
    source: str = ""
    """Where the voice is installed from: an engine, a package, a folder."""
    file: Path | None = None
    """The voice's model, for engines whose voices are files: its content is part of the cache key."""

    @property
    def spec(self) -> str:
        """How a script or `--voice` names exactly this voice."""
        return f"{self.engine}:{self.id}"

    @property
    def language(self) -> str:
        """The voice's first language, as `en` or `de`: the language its text is normalized for."""
        first = self.languages[0] if self.languages else "en"
        return first.replace("_", "-").split("-")[0].casefold()


@dataclass(frozen=True)
class Speech:
    """What an engine said: 16-bit mono samples at the engine's own rate."""

    pcm: bytes
    rate: int


class SpeechEngine(Protocol):
    """What voiceguide needs of a text-to-speech engine.

    Everything a session needs before any speech is made is a class method, so a
    warm cache never starts an engine; constructing one may be slow (loading a
    library or a model) and may raise MissingToolError.
    """

    name: ClassVar[str]
    INSTALL_HINT: ClassVar[str]
    """How to install the engine, for a message."""
    CONCURRENT: ClassVar[int]
    """How many lines one engine can speak at once, each on its own thread (1: one thread at a time)."""
    FILE_SUFFIX: ClassVar[str | None]
    """The suffix of a voice file this engine reads (`.onnx`), or None if its voices are not files."""

    @classmethod
    def identity(cls) -> str:
        """The engine, its version and anything else that changes its sound: part of every clip's cache key."""
        ...

    @classmethod
    def installed(cls, voices_folder: Path | None) -> bool:
        """Whether the engine and at least one voice are here, found without starting it."""
        ...

    @classmethod
    def voice(cls, wanted: str | Path | None, voices_folder: Path | None) -> VoiceInfo:
        """The voice `wanted` names (an id, a language, a voice file; None: the engine's default), found
        without starting the engine. LookupError if the engine surely has no such voice; an engine that
        can only tell once started returns it unverified, and `speak` refuses it."""
        ...

    def __init__(self, voices_folder: Path | None) -> None: ...

    def voices(self) -> list[VoiceInfo]: ...

    def unusable(self) -> list[str]:
        """Why each voice file the engine found but cannot use is left out of `voices`."""
        ...

    def speak(self, text: str, voice: VoiceInfo, rate: int, volume: float) -> Speech:
        """The text spoken whole at `rate` words per minute, or SpeechError; called from up to CONCURRENT threads."""
        ...

    def rest(self) -> None:
        """Let go of what speaking holds (a model and its working memory) until the next line: no more
        speech is wanted for a while, as when an export has all its clips and begins to encode."""
        ...


def find_voice(voices: list[VoiceInfo], wanted: str) -> VoiceInfo:
    """A voice by id, by the last part of its id, by language or by name (any case)."""
    key = wanted.casefold()
    language = key.replace("_", "-")  # en_US and en-us are one language
    for match in (
        lambda v: v.id.casefold() == key,
        lambda v: v.id.casefold().rsplit("/", 1)[-1] == key,
        lambda v: language in (lang.casefold().replace("_", "-") for lang in v.languages),
        lambda v: v.name.casefold() == key,
    ):
        found = [v for v in voices if match(v)]
        if found:
            return found[0]
    raise LookupError(wanted)
