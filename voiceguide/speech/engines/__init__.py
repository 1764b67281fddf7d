"""The speech engines voiceguide can speak with, by name, in order of preference.

To add an engine: write `voiceguide/speech/engines/<name>.py` with a class that
follows `voiceguide.speech.engine.SpeechEngine`, and add it to `ENGINES` below.
The first installed engine speaks every line a script does not pin to a voice;
its clips live in the same cache, namespaced by its identity.
"""

from __future__ import annotations

from voiceguide.speech.engine import SpeechEngine
from voiceguide.speech.engines.espeak import Pyttsx3Engine
from voiceguide.speech.engines.piper import PiperEngine

ENGINES: dict[str, type[SpeechEngine]] = {
    PiperEngine.name: PiperEngine,
    Pyttsx3Engine.name: Pyttsx3Engine,
}
