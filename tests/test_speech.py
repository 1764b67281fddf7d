"""Speech clips: made by an engine (here espeak-ng through pyttsx3), trimmed, levelled and cached atomically."""

from __future__ import annotations

import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio import levels
from voiceguide.script.routine import Utterance, load_routine
from voiceguide.session import Options, prepare
from voiceguide.speech.engine import Speech, VoiceInfo, find_voice
from voiceguide.speech.engines import ENGINES
from voiceguide.speech.engines.espeak import Pyttsx3Engine
from voiceguide.speech.engines.piper import PiperEngine
from voiceguide.speech.making import LEVELLERS, ClipMaker
from voiceguide.speech.voices import Casting
from voiceguide.support.errors import MissingToolError


class CountingEngine(Pyttsx3Engine):
    """The real engine, counting how often it is asked to speak."""

    calls: list[str] = []

    def speak(self, text: str, voice: VoiceInfo, rate: int, volume: float) -> Speech:
        CountingEngine.calls.append(text)
        return super().speak(text, voice, rate, volume)


class AnotherEngine(CountingEngine):
    """Another engine (here espeak again, under another name and identity), as a plug-in would be."""

    name = "another"

    @classmethod
    def identity(cls) -> str:
        return "another-engine-1.0"


def speaking_with(folder: Path, engine: type[Pyttsx3Engine]) -> ClipMaker:
    """Clips made by this engine alone, as if it were the only one installed."""
    return ClipMaker(folder, Casting(None, engines={engine.name: engine}))


@pytest.fixture
def counting_speech(tmp_path: Path) -> ClipMaker:
    CountingEngine.calls = []
    return speaking_with(tmp_path / "cache", CountingEngine)


def test_a_second_preparation_of_the_same_routine_synthesizes_nothing(script, counting_speech):
    routine = load_routine(script("title: T\nsteps:\n  - repeat: 2\n    steps: [{say: Squeeze., pause: 1s}]\n  - say: Let go.\n"))

    first = prepare(routine, Options(), counting_speech)
    assert sorted(CountingEngine.calls) == ["Let go.", "Squeeze."]  # repeated words are made once

    CountingEngine.calls = []
    warm = speaking_with(counting_speech.cache.folder, CountingEngine)
    second = prepare(routine, Options(), warm)
    assert CountingEngine.calls == []
    assert second.timeline == first.timeline


def test_everything_that_changes_the_sound_changes_the_cache_key(counting_speech):
    base = Utterance("Press gently.", None, 150, 1.0)
    variants = [
        Utterance("Press firmly.", None, 150, 1.0),
        Utterance("Press gently.", "en-us", 150, 1.0),
        Utterance("Press gently.", None, 120, 1.0),
        Utterance("Press gently.", None, 150, 0.5),
    ]
    paths = {counting_speech.cache.path(u) for u in [base, *variants]}
    assert len(paths) == 5
    other_engine = speaking_with(counting_speech.cache.folder, AnotherEngine)
    assert other_engine.cache.path(base) not in paths


def test_another_engine_is_never_served_the_first_engines_clips(counting_speech):
    line = Utterance("Press gently.", None, 150, 1.0)
    counting_speech.synthesize([line])
    another = speaking_with(counting_speech.cache.folder, AnotherEngine)

    assert another.cache.missing([line]) == [line]
    CountingEngine.calls = []
    another.synthesize([line])
    assert CountingEngine.calls == ["Press gently."]
    assert another.cache.missing([line]) == counting_speech.cache.missing([line]) == []


def test_engines_are_registered_by_name_piper_first_then_espeak():
    assert list(ENGINES.values()) == [PiperEngine, Pyttsx3Engine]
    assert all(engine.name == name for name, engine in ENGINES.items())


def test_a_clip_starts_and_ends_on_sound_at_the_reference_level(counting_speech):
    utterance = Utterance("Breathe in slowly.", None, 150, 1.0)
    counting_speech.synthesize([utterance])
    samples = counting_speech.cache.samples(utterance).astype(np.float32) / 32768

    threshold = 10 ** (-50 / 20)
    assert abs(samples[0]) > threshold and abs(samples[-1]) > threshold
    assert levels.loudness(samples) == pytest.approx(levels.SPEECH_LUFS, abs=0.3)
    assert levels.true_peak_db(samples) <= -levels.PEAK_HEADROOM_DB + 0.1
    with wave.open(str(counting_speech.cache.path(utterance))) as clip:
        assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth()) == (44100, 1, 2)


def test_a_quieter_volume_stays_quieter_after_levelling(counting_speech):
    loud, soft = Utterance("Let go.", None, 150, 1.0), Utterance("Let go.", None, 150, 0.5)
    counting_speech.synthesize([loud, soft])

    def lufs(u: Utterance) -> float:
        return levels.loudness(counting_speech.cache.samples(u).astype(np.float32) / 32768)

    assert lufs(loud) - lufs(soft) == pytest.approx(6.0, abs=0.5)


def test_slower_speech_makes_a_longer_clip(counting_speech):
    fast, slow = Utterance("Find the point between the tendons.", None, 200, 1.0), Utterance(
        "Find the point between the tendons.", None, 100, 1.0
    )
    counting_speech.synthesize([fast, slow])
    assert counting_speech.cache.length(slow) > 1.5 * counting_speech.cache.length(fast)


@pytest.mark.parametrize("markup", ["<speak>Hello</speak>", "[[h@l'oU]]"])
def test_markup_in_a_script_is_read_as_text_never_obeyed(counting_speech, markup):
    """Obeyed, SSML or phonemes would say just "hello"; read as text, the signs are spoken too."""
    plain, marked = Utterance("Hello", None, 150, 1.0), Utterance(markup, None, 150, 1.0)
    counting_speech.synthesize([plain, marked])
    assert counting_speech.cache.length(marked) > 1.5 * counting_speech.cache.length(plain)


def test_a_line_without_a_voice_of_its_own_gets_the_default_not_the_last_one_used(tmp_path):
    """"Thursday" takes a tenth less time in the German voice; espeak itself varies by a few samples."""
    english, german = Utterance("Thursday", None, 150, 1.0), Utterance("Thursday", "de", 150, 1.0)
    alone, after_german = speaking_with(tmp_path / "alone", Pyttsx3Engine), speaking_with(tmp_path / "after-german", Pyttsx3Engine)
    alone.synthesize([english])
    after_german.synthesize([german, english])

    assert after_german.cache.length(english) == pytest.approx(alone.cache.length(english), rel=0.01)
    assert after_german.cache.length(german) < 0.95 * alone.cache.length(english)


def test_cache_writes_leave_no_temporary_files(counting_speech):
    counting_speech.synthesize([Utterance(f"Word {n}.", None, 150, 1.0) for n in range(5)])
    assert sorted(p.name.split(".", 1)[1] for p in counting_speech.cache.folder.iterdir()) == sorted(["cells.npy", "wav"] * 5)


def test_nothing_is_printed_on_the_users_terminal_by_either_engine(tmp_path):
    code = (
        "from pathlib import Path\nfrom voiceguide.speech.making import ClipMaker\n"
        "from voiceguide.support.environment import Environment\nfrom voiceguide.script.routine import Utterance\n"
        f"ClipMaker.for_environment(Environment(Path({str(tmp_path)!r}))).synthesize(\n"
        "    [Utterance(f'Line {n}.', voice, 150, 1.0) for n in range(10) for voice in ('espeak:en', None)]\n)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == ""
    assert len(list(tmp_path.glob("*.wav"))) == 20


def test_voices_are_found_by_id_language_or_name():
    voices = Pyttsx3Engine(None).voices()

    assert find_voice(voices, "en-us").languages == ("en-us",)
    assert find_voice(voices, "gmw/en-US").id == "gmw/en-us"
    assert find_voice(voices, "German").id == "gmw/de"
    with pytest.raises(LookupError):
        find_voice(voices, "no-such-voice")


def test_a_missing_espeak_library_gives_the_install_command(tmp_path):
    # espeak-ng cannot be uninstalled inside a test, so the library is hidden from ctypes.
    (tmp_path / "sitecustomize.py").write_text(
        "import ctypes\n_load = ctypes.cdll.LoadLibrary\n"
        "def refuse(name, *a, **k):\n"
        "    if 'espeak' in str(name):\n        raise OSError(name + ': cannot open shared object file')\n"
        "    return _load(name, *a, **k)\n"
        "ctypes.cdll.LoadLibrary = refuse\n"
    )
    code = (
        "from voiceguide.speech.engines.espeak import Pyttsx3Engine\nfrom voiceguide.support.errors import MissingToolError\n"
        "try:\n    Pyttsx3Engine(None)\nexcept MissingToolError as e:\n    print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)}, check=True
    )
    assert "espeak-ng is not installed" in result.stdout
    assert "apt install espeak-ng" in result.stdout
    assert MissingToolError.exit_code == 1


def test_once_stopped_only_the_lines_being_spoken_are_finished(tmp_path):
    """A live session that ends while its speech is made ahead waits for the lines being spoken, not for the
    lines queued behind them: before, quitting a first play waited about ten seconds for sixteen of them."""
    maker = ClipMaker(tmp_path, Casting(None))
    lines = [Utterance(f"Press the point, then count to {n}.", None, 150, 1.0) for n in range(30)]
    stop = threading.Event()

    maker.synthesize(lines, on_clip=lambda utterance: stop.set(), stop=stop)

    made = len(lines) - len(maker.cache.missing(lines))
    assert 1 <= made <= PiperEngine.CONCURRENT + LEVELLERS
