"""Voice commands (`play --listen`): words spoken by Piper and espeak-ng into a virtual microphone change a real session.

The end-to-end tests play into a private PulseAudio (tests/sound_server.py) with a second
null sink whose monitor is the default source: what is played into that sink is what
`voiceguide play --listen` hears. The recording of the output sink shows what the
command did. The recognizer's own tests feed it the same words directly.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from alignment import find
from sound_server import AUDIBLE, SoundServer, SoundServerUnavailable
from speaking import clip_maker, prepared, written

pytest.importorskip("pocketsphinx", reason="the listen extra is not installed: pip install 'voiceguide[listen]'")

from voiceguide.audio import cues  # noqa: E402
from voiceguide.live.inputs.mpris import UNAVAILABLE  # noqa: E402
from voiceguide.live.inputs.voice import AGAIN_CUE, CUE_GAIN, HEARD_CUE  # noqa: E402
from voiceguide.live.listen.endpoint import FRAME, RATE, Endpointer  # noqa: E402
from voiceguide.live.listen.gate import EchoGate  # noqa: E402
from voiceguide.live.listen.recognizer import Heard, Listener, Recognizer, Setup  # noqa: E402
from voiceguide.live.player import narrator  # noqa: E402
from voiceguide.render import Renderer  # noqa: E402
from voiceguide.script.routine import Commands, Utterance, load_routine  # noqa: E402
from voiceguide.session import Session  # noqa: E402
from voiceguide.support.units import SAMPLE_RATE  # noqa: E402

PIPER = "piper:en_US-joe-medium"
ESPEAK = "espeak:en-us"
ENGLISH = Commands().phrases()
SECOND = SAMPLE_RATE

PALMS = """
    title: Listening
    chimes: {start: none, section: bowl, step: none, end: none}
    steps:
      - pause: 3s                       # the recognizer starts meanwhile, on a busy machine too
      - say: Press the middle of your palm.
        hold: 14s
      - section: Second part
      - say: Now the other palm.
        hold: 8s
      - say: Well done.
"""
"""About 31 seconds, with a long hold to speak into."""
ECHO = """
    title: Echo
    chimes: {start: none, end: none}
    steps:
      - pause: 3s
      - say: Pause.
        pause: 3s
      - say: Stop.
        pause: 2.5s
      - say: Next.
        pause: 3s
      - say: Stop.
        pause: 2.5s
      - say: Go back.
        pause: 3s
"""
"""The guide itself says the commands."""


def spoken(text: str, voice: str) -> np.ndarray:
    """A command as the voice says it, at 44.1 kHz, float."""
    utterance = Utterance(text, voice, 150, 1.0)
    maker = clip_maker()
    maker.synthesize([utterance])
    return maker.cache.samples(utterance).astype(np.float32) / 32768


def to_16k(samples: np.ndarray) -> np.ndarray:
    """44.1 kHz float to the recognizer's 16 kHz 16-bit (speech has little above 8 kHz to alias)."""
    length = int(len(samples) * RATE / SAMPLE_RATE)
    resampled = np.interp(np.arange(length) * SAMPLE_RATE / RATE, np.arange(len(samples)), samples)
    return np.round(np.clip(resampled, -1, 1) * 32767).astype(np.int16)


def in_noise(words: list[np.ndarray], snr_db: float, seed: int = 0) -> np.ndarray:
    """The words a second apart in steady white noise `snr_db` under their level, 16 kHz 16-bit."""
    parts = [np.zeros(RATE, np.float32)]
    for word in words:
        parts += [to_16k(word).astype(np.float32) / 32768, np.zeros(RATE, np.float32)]
    clean = np.concatenate(parts)
    level = np.sqrt(np.mean(np.concatenate([to_16k(w).astype(np.float32) / 32768 for w in words]) ** 2))
    noise = np.random.default_rng(seed).standard_normal(len(clean)) * level / 10 ** (snr_db / 20)
    return np.round(np.clip(clean + noise, -1, 1) * 32767).astype(np.int16)


def recognized(pcm: np.ndarray, setup: Setup) -> list[Heard]:
    listener = Listener(setup)
    return list(listener.hear(pcm.tobytes())) + list(listener.finish())


# --- the script's words -----------------------------------------------------------------------


def test_a_routine_names_its_commands_in_its_own_language(script) -> None:
    path = script("""
        title: Hände
        words:
          commands: {resume: [weiter, fortsetzen], previous: zurück, stop: Halt}
        steps: [{say: Hallo.}]
    """)
    phrases = load_routine(path).words.commands.phrases()
    assert phrases["weiter"] == phrases["fortsetzen"] == "resume"
    assert phrases["zurück"] == "previous" and phrases["halt"] == "stop"
    assert phrases["pause"] == "pause", "commands not named keep their English words"


@pytest.mark.parametrize(
    ("commands", "where", "message"),
    [
        ("{pause: [halt], stop: [halt]}", ":3:36:", "'halt' are given for both `pause` and `stop`"),
        ("{pause: 'pause 3'}", ":3:21:", "'pause 3' is not a spoken command"),
        ("{pause: []}", ":3:21:", "`pause` is empty"),
        ("{pasue: [halt]}", ":3:14:", "did you mean `pause`?"),
    ],
)
def test_bad_command_words_are_one_line_at_their_place_and_exit_2(script, commands: str, where: str, message: str) -> None:
    path = script(f"""
        title: Bad
        words:
          commands: {commands}
        steps: [{{say: Hello.}}]
    """)
    run = subprocess.run([sys.executable, "-m", "voiceguide", "check", str(path)], capture_output=True, text=True)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert f"{path}{where}" in run.stderr and message in run.stderr


# --- hearing: the endpointer and the recognizer ---------------------------------------------


def test_the_endpointer_finds_words_in_steady_noise_and_not_the_noise() -> None:
    rng = np.random.default_rng(3)
    noise = rng.standard_normal(8 * RATE) * 300  # steady, about -40 dBFS
    noise[4 * RATE :] *= 3  # and 10 dB louder from the middle on
    signal = noise.copy()
    burst = np.sin(2 * np.pi * 300 * np.arange(int(0.4 * RATE)) / RATE) * 6000
    for at in (1.5, 6.0):  # a "word" in each half
        signal[int(at * RATE) : int(at * RATE) + len(burst)] += burst

    def segments(samples: np.ndarray) -> list[tuple[float, float]]:
        endpointer = Endpointer()
        found = []
        pcm = samples.astype(np.int16)
        for at in range(0, len(pcm) - FRAME + 1, FRAME):
            event = endpointer.frame(pcm[at : at + FRAME])
            if event and event[0] == "start":
                start = endpointer.speech_start / RATE
            if event and event[0] == "end":
                found.append((start, endpointer.last_loud / RATE))
        return found

    found = [(round(s, 1), round(e, 1)) for s, e in segments(signal)]
    assert found[0] == (1.3, 1.9) and found[-1] == (5.8, 6.4), "each word, from its start to its end"
    assert [e for e in segments(noise) if e[1] < 4 or e[0] > 4.5] == [], "steady noise is not speech"
    step = segments(noise)
    assert len(step) <= 1 and all(3.5 <= start <= 4.5 and end - start < 2 for start, end in step), (
        "...though a sudden step up may be, briefly"
    )


@pytest.mark.parametrize("voice", [PIPER, ESPEAK])
def test_the_recognizer_hears_every_command_in_its_own_process(voice: str) -> None:
    words = ["pause", "continue", "resume", "next", "back", "louder", "softer", "stop"]
    pcm = in_noise([spoken(word, voice) for word in words], snr_db=20)
    recognizer = Recognizer(Setup(tuple(ENGLISH)))
    results: list[Heard] = []
    reader = threading.Thread(target=lambda: results.extend(recognizer.results()))
    reader.start()
    for at in range(0, len(pcm), 320):  # 20 ms at a time, as the microphone gives it
        recognizer.feed(pcm[at : at + 320].tobytes())
    recognizer.finish()
    reader.join(60)
    recognizer.close()
    assert [heard.phrase for heard in results] == words
    for heard in results:
        assert heard.start < heard.end <= heard.decided


def test_a_german_routine_takes_german_commands() -> None:
    words = ["weiter", "zurück", "lauter", "nächster", "halt"]
    pcm = in_noise([spoken(word, "espeak:de") for word in words], snr_db=30)
    heard = recognized(pcm, Setup(tuple(words), language="de"))
    assert [h.phrase for h in heard] == words


def test_the_guide_s_own_words_would_be_obeyed_without_the_gate_and_are_not_with_it(script) -> None:
    session = prepared(script(ECHO))
    guide = Renderer(session).read(0, session.timeline.duration) * 10 ** (-10 / 20)  # leaking in at -10 dB
    heard = [h for h in recognized(to_16k(guide), Setup(tuple(ENGLISH))) if h.phrase in ENGLISH]
    assert {ENGLISH[h.phrase] for h in heard} >= {"pause", "stop", "next"}, "the guide says its commands"

    gate = EchoGate()  # marked as the live input marks it: each sound of the timeline, in seconds
    for event in session.timeline.sounds:
        gate.sounded(event.start / SAMPLE_RATE, event.end / SAMPLE_RATE)
    assert [h for h in heard if gate.open(h.start / RATE, h.end / RATE)] == []


def test_with_no_microphone_the_input_says_why_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.live.inputs import InputSettings, Unavailable
    from voiceguide.live.inputs.voice import VoiceCommands
    from voiceguide.support.environment import Environment

    (tmp_path / ".asoundrc").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
    monkeypatch.setenv("HOME", str(tmp_path))  # ALSA's default is a sound server that is not there
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    environment = Environment(cache_folder=tmp_path)
    assert VoiceCommands.on(environment, InputSettings()) is None, "not asked to listen: not there, silently"
    with pytest.raises(Unavailable, match=r"^no microphone to listen with \(.+\); playing on without listening$"):
        VoiceCommands.on(environment, InputSettings(listen=True, phrases=ENGLISH))


# --- a real session on a sound server, with a virtual microphone --------------------------


@pytest.fixture(scope="module")
def sound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoundServer]:
    server = SoundServer(tmp_path_factory.mktemp("pulse"), microphone=True)
    try:
        server.start()
    except SoundServerUnavailable as exc:
        pytest.skip(f"no PulseAudio to play into: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def palms(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Session]:
    path = written(tmp_path_factory.mktemp("routine"), PALMS, "palms.yaml")
    return path, prepared(path)


NO_BUS = f"voiceguide: {UNAVAILABLE}"
"""The tests' sessions run with no session bus, so media keys say on one line that they cannot work."""


def listened(
    server: SoundServer, routine: Path, said: list[tuple[float, np.ndarray]], *options: str, env: dict | None = None
) -> tuple[subprocess.CompletedProcess[str], np.ndarray]:
    """`voiceguide play ROUTINE --listen` with each (seconds after the first sound, words) said into the microphone."""
    with server.record() as recording:
        play = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "play", str(routine), "--listen", *options],
            env=env or server.environ(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while recording.first_sound is None:
                assert time.monotonic() < deadline and play.poll() is None, "the session never sounded"
                time.sleep(0.01)
            for after, words in said:
                time.sleep(max(0.0, recording.first_sound + after - time.monotonic()))
                server.say_into_microphone(words)
            out, err = play.communicate(timeout=120)
        finally:
            if play.poll() is None:
                play.kill()
        time.sleep(0.2)
    return subprocess.CompletedProcess(play.args, play.returncode, out, err), recording.samples


def session_start(recording: np.ndarray, session: Session) -> int:
    """The recording's sample where the session began, found from the end of its first words (their start
    can be hurt while the recognizer's process starts up on a busy machine)."""
    words = session.timeline.speech[0]
    piece = Renderer(session).read(words.end - SECOND // 2, SECOND // 2)
    return onset(recording, piece) - (words.end - SECOND // 2)


def in_first_hold(session: Session, seconds: float) -> float:
    """Seconds after the first sound that are `seconds` into the first hold."""
    return (session.timeline.holds[0].start - session.timeline.speech[0].start) / SAMPLE_RATE + seconds


def cue(name: str) -> np.ndarray:
    return cues.samples(name).astype(np.float32) / 32768 * CUE_GAIN


def onset(recording: np.ndarray, piece: np.ndarray, start: int = 0) -> int:
    """Where `piece` is first heard from `start` on (a cue may be heard more than once)."""
    step = 2 * SECOND
    for at in range(max(start, 0), len(recording), step):
        match = find(recording, piece, start=at, end=at + step)
        if match.score > 0.85:  # a confirmation may ring over the start of what it confirms
            return find(recording, piece, start=match.at - len(piece), end=match.at + len(piece)).at
    raise AssertionError(f"not in the recording after {start / SAMPLE_RATE:.1f} s "
                         f"(best match {find(recording, piece, start=start).score:.2f})")


@pytest.mark.parametrize("voice", [PIPER])  # espeak-ng's "pause" comes through the sound server as "stop"
def test_pause_then_continue_said_into_the_microphone_pause_and_resume_the_session(
    voice: str, sound_server: SoundServer, palms: tuple[Path, Session]
) -> None:
    path, session = palms
    renderer = Renderer(session)
    run, heard = listened(sound_server, path, [(in_first_hold(session, 3), spoken("pause", voice)),
                                               (in_first_hold(session, 6), spoken("continue", voice))])
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [NO_BUS], "nothing said of listening"
    first = session_start(heard, session)
    confirmed = onset(heard, cue(HEARD_CUE), start=first)
    hold = session.timeline.holds[0]
    assert np.abs(heard[confirmed + 2 * SECOND : confirmed + 3 * SECOND]).max() < AUDIBLE, "silence while paused"
    second = session.timeline.speech[1]
    went_on = onset(heard, renderer.read(second.start, SECOND // 2), start=confirmed)
    assert went_on - first > second.start + 2 * SECOND, "the session waited while it was paused, then went on"
    assert hold.end < second.start
    assert onset(heard, renderer.read(session.timeline.speech[-1].start, SECOND // 2), start=went_on)


def test_next_said_into_the_microphone_goes_to_the_next_section(
    sound_server: SoundServer, palms: tuple[Path, Session]
) -> None:
    path, session = palms
    renderer = Renderer(session)
    run, heard = listened(sound_server, path, [(in_first_hold(session, 3), spoken("next", PIPER))])
    assert run.returncode == 0, run.stderr
    first = session_start(heard, session)  # (its confirmation rings under the section's chime: not looked for)
    title = onset(heard, renderer.spoken(narrator(session)("Second part")), start=first)
    second = session.timeline.speech[1]
    assert title - first < second.start - 5 * SECOND, "announced long before the first hold would have ended"
    assert onset(heard, renderer.read(second.start, SECOND // 2), start=title)


def test_with_wake_a_command_after_hey_jarvis_counts_even_right_after_the_guide_s_words_and_alone_none_does(
    sound_server: SoundServer, palms: tuple[Path, Session]
) -> None:
    pytest.importorskip("pymicro_wakeword", reason="pymicro-wakeword has wheels for Linux and Windows only")
    path, session = palms
    renderer = Renderer(session)
    woken = np.concatenate([spoken("hey jarvis", PIPER), np.zeros(SECOND // 4, np.float32), spoken("next", PIPER)])
    second_hold = session.timeline.holds[1]
    into_second = (second_hold.start - session.timeline.speech[1].start) / SAMPLE_RATE + 2  # after the jump
    said = [(in_first_hold(session, 0.3), woken), (in_first_hold(session, 3.0) + into_second, spoken("pause", PIPER))]
    run, heard = listened(sound_server, path, said, "--wake")
    assert run.returncode == 0, run.stderr  # "pause" alone, obeyed, would have held the session until the timeout
    first = session_start(heard, session)
    title = onset(heard, renderer.spoken(narrator(session)("Second part")), start=first)
    early = session.timeline.holds[0].start + 9 * SECOND  # the words, then the 4-second bowl before the title
    assert title - first < early < session.timeline.speech[1].start, "'hey jarvis, next' right after the words"
    last = session.timeline.speech[-1]
    ended = onset(heard, renderer.read(last.start, SECOND // 2), start=title)
    said_last = ended - title  # from the announcement to the last words, as rendered: nothing paused in between
    assert said_last < last.start - session.timeline.chapters[1].start + 4 * SECOND



@pytest.mark.parametrize("voice", [PIPER, ESPEAK])
def test_stop_said_once_asks_again_and_said_twice_ends_the_session(
    voice: str, sound_server: SoundServer, palms: tuple[Path, Session]
) -> None:
    path, session = palms
    stop = spoken("stop", voice)
    once, twice = in_first_hold(session, 3), in_first_hold(session, 8)
    run, heard = listened(sound_server, path, [(once, stop), (twice, stop), (twice + 1.2, stop)])
    assert run.returncode == 0, run.stderr
    first = session_start(heard, session)
    asked = onset(heard, cue(AGAIN_CUE), start=first)
    asked_again = onset(heard, cue(AGAIN_CUE), start=asked + len(cue(AGAIN_CUE)))
    assert asked_again - asked > 4 * SECOND, "a stop 5 s after the first one asks again"
    ended = onset(heard, cue(HEARD_CUE), start=asked_again)
    assert np.abs(heard[ended + len(cue(HEARD_CUE)) :]).max() < AUDIBLE, "nothing of the session after the stop"
    assert len(heard) - first < session.timeline.duration - 5 * SECOND


def test_the_guide_leaking_into_the_microphone_triggers_nothing(
    sound_server: SoundServer, tmp_path: Path
) -> None:
    path = written(tmp_path, ECHO, "echo.yaml")
    session = prepared(path)
    rendered = Renderer(session).read(0, session.timeline.duration)
    server = SoundServer(tmp_path / "pulse", microphone=True)  # its own server: the loopback stays in it
    try:
        server.start()
    except SoundServerUnavailable as exc:
        pytest.skip(f"no PulseAudio to play into: {exc}")
    try:
        server.leak_into_microphone(-10.0)
        run, heard = listened(server, path, [])
    finally:
        server.stop()
    assert run.returncode == 0, run.stderr
    first = session_start(heard, session)
    for event in session.timeline.speech:  # every line where it belongs: nothing paused, skipped or stopped
        at = onset(heard, rendered[event.start : event.end], start=first + event.start - SECOND // 10)
        assert abs(at - first - event.start) < SECOND // 20, f"'{event.text}' moved"
    assert find(heard, cue(HEARD_CUE)).score < 0.9 and find(heard, cue(AGAIN_CUE)).score < 0.9, "nothing confirmed"


def test_without_the_extra_it_says_so_in_one_line_and_plays_on(
    sound_server: SoundServer, tmp_path: Path, script
) -> None:
    hidden = tmp_path / "hidden" / "pocketsphinx"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    path = script("""
        title: Short
        chimes: {start: none, end: none}
        steps: [{say: Just one line.}]
    """)
    env = sound_server.environ() | {"PYTHONPATH": f"{hidden.parent}:{':'.join(sys.path)}"}
    run, heard = listened(sound_server, path, [], env=env)
    assert run.returncode == 0
    assert run.stderr.splitlines() == [
        NO_BUS, "voiceguide: listening needs its extra: pip install 'voiceguide[listen]'; playing on without it"
    ]
    assert np.abs(heard).max() > AUDIBLE
