"""Live playback on a real sound server: what is heard is the rendered session, on time, and the controls work.

Each test plays into a private PulseAudio null sink (tests/sound_server.py) and
finds the rendered audio in the recording of the sink's monitor.
"""

from __future__ import annotations

import contextlib
import io
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from alignment import find, ms, placed, similarity
from rich.console import Console
from sound_server import AUDIBLE, SoundServer
from speaking import prepared, written

from voiceguide.live.console import screen
from voiceguide.live.inputs.mpris import UNAVAILABLE
from voiceguide.live.player import AFTER_CHIME, AFTER_TITLE, PAUSE_CUE, Player, Status, narrator
from voiceguide.live.speakers import SPEAKERS, open_speaker
from voiceguide.render import Renderer
from voiceguide.script.routine import load_routine
from voiceguide.session import Options, Session, prepare
from voiceguide.speech.making import ClipMaker
from voiceguide.support.environment import Environment
from voiceguide.support.units import SAMPLE_RATE, clock, to_samples
from voiceguide.timeline import SpeechEvent

TWO_PALMS = """
    title: Two palms
    chimes: {start: none, end: soft}
    steps:
      - say: Rest your hands in your lap.
      - section: Left palm
      - say: Press the middle of your left palm with your right thumb, slowly and firmly.
        hold: 3s
        countdown: 2
        release: true
      - section: Right palm
      - say: Now the right palm.
        hold: 2s
      - say: Well done.
"""
"""About 21 seconds: three sections, a hold with a countdown, and one long instruction to interrupt."""
ONSET_TOLERANCE = to_samples(0.020)
SECOND = SAMPLE_RATE


@pytest.fixture(scope="module")
def routine_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return written(tmp_path_factory.mktemp("routine"), TWO_PALMS, "two-palms.yaml")


@pytest.fixture(scope="module")
def session(routine_file: Path) -> Session:
    return prepared(routine_file)


@pytest.fixture(scope="module")
def rendered(session: Session) -> np.ndarray:
    return Renderer(session).read(0, session.timeline.duration)


@contextlib.contextmanager
def playing(session: Session, player: str, start: int = 0) -> Iterator[Player]:
    speaker = open_speaker(player)
    live = Player(Renderer(session), speaker, narrator(session))
    try:
        live.start(start)
        yield live
    finally:
        live.stop()
        speaker.close()


def voiceguide_play(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`voiceguide play ...` as a user runs it, with no terminal on input or output."""
    return subprocess.run([sys.executable, "-m", "voiceguide", "play", *arguments], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def wait_until(live: Player, reached: Callable[[Status], bool], timeout: float = 30.0) -> Status:
    deadline = time.monotonic() + timeout
    while not reached(status := live.status()):
        assert time.monotonic() < deadline, f"the session never got there; it is at {status}"
        time.sleep(0.01)
    return status


def speech(session: Session, starting: str) -> SpeechEvent:
    return next(e for e in session.timeline.speech if e.text.startswith(starting))


@pytest.mark.parametrize("player", SPEAKERS)
def test_the_command_plays_the_session_as_rendered_and_on_time(
    player: str, sound_server: SoundServer, routine_file: Path, session: Session, rendered: np.ndarray, record_property
) -> None:
    with sound_server.record() as recording:
        launched = time.monotonic()
        run = voiceguide_play(str(routine_file), "--player", player, env=sound_server.environ())
        time.sleep(0.2)  # the recorder's last fragment
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"{clock(c.start):>7}  {c.title}" for c in session.timeline.chapters]
    assert run.stderr.splitlines() == [f"voiceguide: {UNAVAILABLE}"], "no session bus here: one quiet line, no more"
    assert [c.title for c in session.timeline.chapters] == ["Two palms", "Left palm", "Right palm"]

    heard = recording.samples
    events = list(session.timeline.speech)
    first = find(heard, rendered[events[0].start : events[0].start + SECOND // 2])
    assert first.score > 0.99
    lag = first.at - events[0].start
    for event in events:
        onset = find(heard, rendered[event.start : min(event.end, event.start + SECOND // 3)],
                     start=event.start + lag - 5 * ONSET_TOLERANCE, end=event.start + lag + 5 * ONSET_TOLERANCE)
        assert onset.score > 0.9, f"'{event.text}' not found in the recording"
        assert abs(onset.at - lag - event.start) <= ONSET_TOLERANCE, (
            f"'{event.text}' heard {ms(onset.at - lag - event.start):+.1f} ms from its time"
        )
    pieces = placed(heard, rendered, lag, piece=SECOND // 10, tolerance=ONSET_TOLERANCE)
    assert similarity(pieces, 0, rendered) >= 0.99, "every 100 ms is heard as rendered, within 20 ms of its time"
    if player == "miniaudio":  # the device pulls one stream: the recording is the session, with no join at all
        assert similarity(heard, lag, rendered) >= 0.99

    started = recording.first_sound - launched
    record_property(f"{player}_launch_to_first_sound_seconds", round(started, 3))
    print(f"\n{player}: launch to first audible sample {started:.3f} s (warm speech cache)")


@pytest.mark.parametrize("player", SPEAKERS)
def test_pause_plays_a_tone_and_resume_starts_the_interrupted_words_again(
    player: str, sound_server: SoundServer, session: Session
) -> None:
    renderer = Renderer(session)
    words = speech(session, "Press the middle")
    tone = renderer.chime(PAUSE_CUE)
    with sound_server.record() as recording, playing(session, player) as live:
        wait_until(live, lambda s: s.position >= words.start + SECOND)
        live.pause()
        time.sleep(len(tone) / SAMPLE_RATE + 0.5)
        paused = live.status()
        live.resume()
        wait_until(live, lambda s: s.position >= words.end + SECOND)

    assert paused.paused and paused.position == words.start
    heard = recording.samples
    said = renderer.read(words.start, words.end - words.start)
    begun = find(heard, renderer.read(0, SECOND // 2))
    cut = begun.at + words.start  # where the words were first heard
    rang = find(heard, tone, start=cut + SECOND // 2, end=cut + 3 * SECOND)
    again = find(heard, said[: SECOND // 2], start=rang.at + len(tone))
    assert begun.score > 0.99 and rang.score > 0.99 and again.score > 0.99
    assert similarity(heard, cut, said[: SECOND // 2]) > 0.99 and similarity(heard, cut, said) < 0.9, "cut by the pause"
    assert np.abs(heard[rang.at + len(tone) : again.at]).max() < AUDIBLE, "silence while paused"
    whole = placed(heard, said, again.at, piece=SECOND // 10, tolerance=ONSET_TOLERANCE)
    assert similarity(whole, 0, said) >= 0.99, "after resuming, the words are heard whole from their start"


@pytest.mark.parametrize("player", SPEAKERS)
def test_next_section_is_announced_by_its_chime_and_title(player: str, sound_server: SoundServer, session: Session) -> None:
    renderer = Renderer(session)
    right = session.timeline.chapters[2]
    chime = next(e for e in session.timeline.chimes if e.start == right.start)
    with sound_server.record() as recording, playing(session, player) as live:
        wait_until(live, lambda s: s.chapter.title == "Left palm" and s.position >= s.chapter.start + 2 * SECOND)
        live.next_section()
        wait_until(live, lambda s: s.position >= chime.end + 2 * SECOND)

    heard = recording.samples
    title = renderer.spoken(narrator(session)("Right palm"))
    announced = find(heard, title)
    rang = find(heard, renderer.sound(chime), start=announced.at - 3 * SECOND, end=announced.at)
    section = renderer.read(chime.end, SECOND)
    went_on = find(heard, section[: SECOND // 2], start=announced.at + len(title))
    assert announced.score > 0.99 and rang.score > 0.99 and went_on.score > 0.99
    assert abs(rang.at + len(renderer.sound(chime)) + AFTER_CHIME - announced.at) <= ONSET_TOLERANCE
    assert abs(announced.at + len(title) + AFTER_TITLE - went_on.at) <= ONSET_TOLERANCE
    assert similarity(heard, went_on.at, section) >= 0.99


def test_previous_section_restarts_this_one_then_goes_back_a_section(sound_server: SoundServer, session: Session) -> None:
    left, right = session.timeline.chapters[1:3]
    with playing(session, "miniaudio", start=right.start) as live:
        wait_until(live, lambda s: s.position >= right.start + 4 * SECOND)
        live.previous_section()
        restarted = wait_until(live, lambda s: s.position < right.start + 4 * SECOND)
        live.previous_section()
        back = wait_until(live, lambda s: s.chapter != right)
    assert restarted.chapter == right
    assert back.chapter == left


@pytest.mark.parametrize("leave, status", [(b"q", 0), (signal.SIGTERM, 130)])
def test_keys_work_in_a_terminal_and_it_is_restored_on_leaving(
    leave: bytes | int, status: int, sound_server: SoundServer, routine_file: Path
) -> None:
    controller, terminal = pty.openpty()
    before = termios.tcgetattr(terminal)
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", str(routine_file)],
        env=sound_server.environ(), stdin=terminal, stdout=terminal, stderr=terminal,
    )
    try:
        read_until(controller, b"Section 1 of 3: Two palms")
        os.write(controller, b" ")
        read_until(controller, b"(paused)")
        if isinstance(leave, bytes):
            os.write(controller, leave)
        else:
            process.send_signal(leave)
        assert process.wait(10) == status
        assert termios.tcgetattr(terminal) == before
    finally:
        process.kill()
        os.close(controller)
        os.close(terminal)


def read_until(terminal: int, text: bytes, timeout: float = 20.0) -> None:
    """Reads the program's screen until `text` shows (it keeps drawing, so reading must keep up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, f"{text!r} never appeared on the screen: {seen[-400:]!r}"
        if select.select([terminal], [], [], 0.1)[0]:
            seen += os.read(terminal, 65536)


def starting_line(session: Session, title: str) -> str:
    """The line `play --from` prints: where the section starts, and its title."""
    chapter = next(c for c in session.timeline.chapters if c.title == title)
    return f"{clock(chapter.start):>7}  {title}"


def test_starting_at_a_section_by_its_title_in_any_case(
    sound_server: SoundServer, routine_file: Path, session: Session
) -> None:
    run = voiceguide_play(str(routine_file), "--from", "RIGHT palm", env=sound_server.environ())
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [starting_line(session, "Right palm")]


def test_an_unknown_section_lists_the_sections(routine_file: Path) -> None:
    run = voiceguide_play(str(routine_file), "--from", "Feet")
    assert run.returncode == 2
    assert run.stderr == 'voiceguide: no section called "Feet"; the sections are "Two palms", "Left palm", "Right palm"\n'


@pytest.mark.parametrize("player", SPEAKERS)
def test_without_a_sound_device_one_line_suggests_export(player: str, tmp_path: Path, routine_file: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
    nowhere = {"PULSE_SERVER": f"unix:{tmp_path / 'no-server'}", "HOME": str(home), "XDG_RUNTIME_DIR": str(tmp_path)}
    elsewhere = {name: value for name, value in os.environ.items() if not name.startswith("PULSE_")}
    run = voiceguide_play(str(routine_file), "--player", player, env={**elsewhere, **nowhere})
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("voiceguide: no sound device")
    assert "voiceguide export" in run.stderr


def test_the_screen_shows_section_words_times_and_keys() -> None:
    from voiceguide.timeline import Chapter

    status = Status(
        position=90 * SECOND, duration=600 * SECOND, chapter=Chapter("Base of the skull", 60 * SECOND, 200 * SECOND),
        chapter_number=3, chapters=6, instruction="Press gently upward.", hold_left=75 * SECOND, paused=True,
        volume_db=-3.0,
    )
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(screen(status, "Help for headaches"))
    shown = console.export_text()
    assert "Help for headaches  (paused)" in shown
    assert "Section 3 of 6: Base of the skull" in shown
    assert "“Press gently upward.”" in shown
    assert "hold 1:15 left · session 8:30 left · volume -3 dB" in shown
    assert shown.splitlines()[-1].startswith("space pause/resume"), "the keys on a line of their own, under the bar"


def test_a_session_plays_to_its_end_with_standard_input_closed(
    sound_server: SoundServer, routine_file: Path, session: Session
) -> None:
    """Started from a service or `< &-`, there is no stdin at all: no keys, and nothing else missing."""
    run = subprocess.run([sys.executable, "-m", "voiceguide", "play", str(routine_file), "--from", "right palm"],
                         env=sound_server.environ(), preexec_fn=lambda: os.close(0),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [starting_line(session, "Right palm")]


LIVE_START = """
    title: Live start
    chimes: {start: bowl, section: soft, step: soft, end: soft}
    steps:
      - say: Sit comfortably, and rest your hands in your lap.
      - say: Breathe in slowly through your nose, and let the breath go.
        pause: 1s
      - section: Left palm
      - say: Press the middle of your left palm with your right thumb.
        hold: 3s
        countdown: 2
        release: true
      - section: Right palm
      - say: Now the right palm, in small and gentle circles.
        hold: 2s
      - say: Well done. That is the end of the session.
"""
"""About 30 seconds, eight clips to make: long enough that the speech is still being made when it starts."""
LIVE_TOLERANCE = to_samples(0.050)


def made_at(cache: Path) -> list[float]:
    """When each clip in the cache was written, on the wall clock."""
    return sorted(clip.stat().st_mtime for clip in cache.glob("*.wav"))


def first_sound_on_the_wall_clock(recording) -> float:
    return recording.first_sound + time.time() - time.monotonic()


def test_with_an_empty_cache_it_sounds_at_once_and_every_line_is_heard_at_its_time(
    sound_server: SoundServer, script, tmp_path: Path
) -> None:
    routine = script(LIVE_START)
    cache = tmp_path / "cache"
    with sound_server.record() as recording:
        run = voiceguide_play(str(routine), env={**sound_server.environ(), "VOICEGUIDE_CACHE_DIR": str(cache)})
        time.sleep(0.2)  # the recorder's last fragment
    assert run.returncode == 0, run.stderr
    sounded = first_sound_on_the_wall_clock(recording)

    warm = prepare(load_routine(routine), Options(), ClipMaker.for_environment(Environment(cache)))
    assert not warm.unmade
    rendered = Renderer(warm).read(0, warm.timeline.duration)
    heard = recording.samples
    start = find(heard, rendered[: SECOND // 2])  # the start chime: the session's first sound
    assert start.score > 0.99
    first_audible = int(np.flatnonzero(np.abs(heard) > AUDIBLE)[0])
    assert abs(first_audible - start.at) < SECOND // 10, "the first sound heard is the session's start"
    assert first_audible < 20 * SECOND, "it starts while the recorder is still young (a generous bound)"
    assert sounded < made_at(cache)[-1], "it sounded while its speech was still being made"
    for event in warm.timeline.speech:
        excerpt = rendered[event.start : min(event.end, event.start + SECOND // 3)]
        onset = find(heard, excerpt, start=start.at + event.start - SECOND, end=start.at + event.start + SECOND)
        assert onset.score > 0.9, f"'{event.text}' not found in the recording"
        assert abs(onset.at - start.at - event.start) <= LIVE_TOLERANCE, (
            f"'{event.text}' heard {ms(onset.at - start.at - event.start):+.1f} ms from its time with a warm cache"
        )


def test_fitting_minutes_with_an_empty_cache_makes_all_the_speech_before_it_sounds(
    sound_server: SoundServer, script, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with sound_server.record() as recording:
        run = voiceguide_play(str(script(LIVE_START)), "--minutes", "0.6",
                              env={**sound_server.environ(), "VOICEGUIDE_CACHE_DIR": str(cache)})
    assert run.returncode == 0, run.stderr
    assert len(made_at(cache)) == 8
    assert made_at(cache)[-1] < first_sound_on_the_wall_clock(recording), "every clip was made before the first sound"
