"""Which engine and voice speak a line, decided without starting an engine.

A voice is named as `ENGINE:ID` (`piper:en_US-joe-medium`, `espeak:de`), as a bare
id, language or name, or as a voice file beside the script (`voices/alba.onnx`).
A bare name goes to the first installed engine that has it, in the registry's
order, so `en` is the natural voice where Piper is installed, and a language no
Piper voice covers (`de`) is spoken by espeak-ng. No name at all means the first
installed engine's default voice.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from pathlib import Path

from voiceguide.speech.engine import SpeechEngine, VoiceInfo
from voiceguide.speech.engines import ENGINES
from voiceguide.support.errors import MissingToolError
from voiceguide.support.paths import beside_script


class Casting:
    """The voices of one session: every name resolved once, every engine started at most once."""

    def __init__(
        self,
        voices_folder: Path | None,
        script_folder: Path | None = None,
        engines: Mapping[str, type[SpeechEngine]] = ENGINES,
    ) -> None:
        self.voices_folder = voices_folder
        self._script_folder = script_folder
        self._engines = engines
        self._resolved: dict[str | None, VoiceInfo] = {}
        self._started: dict[str, SpeechEngine] = {}
        self._starting = threading.Lock()
        """Two threads (a live session's lines ahead, a section's title) may want an engine at once."""

    @functools.cached_property
    def _present(self) -> dict[str, bool]:
        """Which engines are installed, asked once: Piper's answer reads every voice's settings."""
        return {name: engine.installed(self.voices_folder) for name, engine in self._engines.items()}

    def installed(self) -> list[type[SpeechEngine]]:
        return [engine for name, engine in self._engines.items() if self._present[name]]

    def missing(self) -> list[type[SpeechEngine]]:
        return [engine for name, engine in self._engines.items() if not self._present[name]]

    def voice(self, spec: str | None) -> VoiceInfo:
        """The voice a name means; LookupError says why there is none."""
        if spec not in self._resolved:
            self._resolved[spec] = self._resolve(spec)
        return self._resolved[spec]

    def engine_class(self, name: str) -> type[SpeechEngine]:
        return self._engines[name]

    def engine(self, name: str) -> SpeechEngine:
        """The engine, started on first use: a warm cache never needs it."""
        with self._starting:
            if name not in self._started:
                self._started[name] = self._engines[name](self.voices_folder)
            return self._started[name]

    def rest(self) -> None:
        """Every started engine lets go of what speaking holds (see SpeechEngine.rest)."""
        with self._starting:
            for engine in self._started.values():
                engine.rest()

    def _resolve(self, spec: str | None) -> VoiceInfo:
        engine_name, _, rest = (spec or "").partition(":")
        if spec is not None and rest and engine_name in self._engines:
            engine = self._engines[engine_name]
            if not self._present[engine_name]:
                raise LookupError(
                    f"the voice '{spec}' needs {engine_name}, which is not installed: {engine.INSTALL_HINT}"
                )
            return engine.voice(self._file(engine, rest), self.voices_folder)
        installed = self.installed()
        if not installed:
            raise MissingToolError(
                f"no speech engine is installed: {' or '.join(e.INSTALL_HINT for e in self._engines.values())}"
            )
        if spec is None:
            return installed[0].voice(None, self.voices_folder)
        readers = [e for e in self._engines.values() if e.FILE_SUFFIX and spec.casefold().endswith(e.FILE_SUFFIX)]
        if readers:
            if readers[0] not in installed:
                raise LookupError(
                    f"the voice file '{spec}' needs {readers[0].name}, which is not installed: {readers[0].INSTALL_HINT}"
                )
            return readers[0].voice(self._file(readers[0], spec), self.voices_folder)
        for engine in installed:
            try:
                return engine.voice(spec, self.voices_folder)
            except LookupError:
                continue
        raise LookupError(f"no installed engine has a voice '{spec}'; `voiceguide voices` lists them")

    def _file(self, engine: type[SpeechEngine], reference: str) -> str | Path:
        """A voice file's path inside the script's folder, or the name as it is if it is not a file."""
        if not engine.FILE_SUFFIX or not reference.casefold().endswith(engine.FILE_SUFFIX):
            return reference
        if self._script_folder is None:
            raise LookupError(f"'{reference}' is a voice file; name it in a script, beside the script")
        try:
            return beside_script(self._script_folder, reference, "voice")
        except ValueError as problem:
            raise LookupError(str(problem)) from None
