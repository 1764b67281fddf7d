"""The speech engines voiceguide can speak with, by name.

To add an engine: write `voiceguide/speech/engines/<name>.py` with a class that
follows `voiceguide.speech.engine.SpeechEngine` (a `name`, an `identity()` that
needs no instance, `voices()` and `speak()`), and add it to `ENGINES` below.
Its clips live in the same cache, namespaced by its identity.
"""

from __future__ import annotations

from voiceguide.speech.engine import SpeechEngine
from voiceguide.speech.engines.espeak import Pyttsx3Engine
from voiceguide.support.errors import UsageError

ENGINES: dict[str, type[SpeechEngine]] = {
    Pyttsx3Engine.name: Pyttsx3Engine,
}
DEFAULT_ENGINE = Pyttsx3Engine.name


def engine_named(name: str | None) -> type[SpeechEngine]:
    """The engine registered as `name` (None: the default)."""
    try:
        return ENGINES[name or DEFAULT_ENGINE]
    except KeyError:
        raise UsageError(f"no speech engine named '{name}'; choose one of {', '.join(ENGINES)}") from None
