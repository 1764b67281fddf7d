"""Media keys and headset buttons: a session as an MPRIS2 player, driven by `playerctl` on a private session bus.

Most tests hear the session through the in-memory speaker (the test says when time
passes), so what playerctl sees can be checked to the sample. The last one drives a
real `voiceguide play` on the test sound server, as a headset would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from alignment import find, similarity
from sound_server import AUDIBLE, SoundServer
from speaking import prepared, written

from voiceguide.live.inputs import listening
from voiceguide.live.inputs.mpris import BUS_NAME, PATH, UNAVAILABLE, volume_db
from voiceguide.live.player import FADE, PAUSE_CUE, Player, narrator
from voiceguide.live.speakers.memory import MemorySpeaker
from voiceguide.render import Renderer
from voiceguide.session import Session
from voiceguide.support.environment import Environment
from voiceguide.support.units import SAMPLE_RATE

ROUTINE = """
    title: Two palms
    chimes: {start: none, end: soft}
    steps:
      - say: Rest your hands in your lap.
      - section: Left palm
      - say: Press the middle of your left palm with your right thumb, slowly and firmly.
        hold: 3s
      - section: Right palm
      - say: Find the middle of your right palm. Press play when you have it.
        wait: ready
      - say: Press it.
        hold: 2s
"""
SECOND = SAMPLE_RATE


@pytest.fixture(scope="module")
def bus() -> Iterator[str]:
    """A private D-Bus session bus, as a desktop has: its address."""
    try:
        started = subprocess.run(
            ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
            capture_output=True, text=True, timeout=10, check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"no dbus-daemon to start a session bus: {exc}")
    address, pid = started.stdout.split()
    yield address
    os.kill(int(pid), 15)


@pytest.fixture(scope="module")
def routine_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return written(tmp_path_factory.mktemp("routine"), ROUTINE, "two-palms.yaml")


@pytest.fixture(scope="module")
def session(routine_file: Path) -> Session:
    return prepared(routine_file)


class Headset:
    """`playerctl` on the private bus: what a headset's buttons and a sound menu do."""

    def __init__(self, bus: str) -> None:
        self.env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus}

    def __call__(self, *arguments: str) -> str:
        done = subprocess.run(["playerctl", "--player=voiceguide", *arguments], env=self.env,
                              capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def position(self) -> int:
        """Position as a client reads it from the bus: playerctl's own adds the time since it last asked."""
        from jeepney import DBusAddress, Properties
        from jeepney.io.blocking import open_dbus_connection

        player = DBusAddress(PATH, BUS_NAME, "org.mpris.MediaPlayer2.Player")
        with open_dbus_connection(self.env["DBUS_SESSION_BUS_ADDRESS"]) as connection:
            return connection.send_and_get_reply(Properties(player).get("Position")).body[0][1]

    def follow(self, *arguments: str) -> subprocess.Popen[str]:
        return subprocess.Popen(["playerctl", "--player=voiceguide", "--follow", *arguments], env=self.env,
                                stdout=subprocess.PIPE, text=True)

    def until(self, reached: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not reached():
            assert time.monotonic() < deadline, "it never got there"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def headset(bus: str) -> Headset:
    if subprocess.run(["which", "playerctl"], capture_output=True).returncode:
        pytest.skip("playerctl is not installed")
    return Headset(bus)


class Published:
    """A live session on the in-memory speaker, published on the bus for as long as the test runs."""

    def __init__(self, session: Session, bus: str | None, notes: list[str]) -> None:
        self.speaker = MemorySpeaker()
        self.player = Player(Renderer(session), self.speaker, narrator(session))
        self.environment = Environment(cache_folder=Path(os.environ["VOICEGUIDE_CACHE_DIR"]), session_bus=bus)
        self.notes = notes

    def heard_until(self, sample: int) -> None:
        """Time passes until the session has been heard up to `sample`."""
        self.speaker.play(sample - self.player.status().position)


@pytest.fixture
def published(session: Session, bus: str) -> Iterator[Published]:
    live = Published(session, bus, [])
    live.player.start()
    with listening(live.player, live.environment, live.notes.append):
        yield live


def words(session: Session, starting: str) -> int:
    return next(e.start for e in session.timeline.speech if e.text.startswith(starting))


def microseconds(samples: int) -> int:
    return samples * 1_000_000 // SAMPLE_RATE


def test_the_section_is_the_title_the_routine_the_album_and_the_session_the_length(
    published: Published, headset: Headset, session: Session
) -> None:
    left = session.timeline.chapters[1]
    published.heard_until(left.start + SECOND)

    assert headset("metadata", "--format", "{{xesam:title}}|{{xesam:album}}|{{mpris:length}}") == (
        f"Left palm|Two palms|{microseconds(session.timeline.duration)}"
    )
    assert headset("status") == "Playing"
    assert headset.position() == microseconds(left.start + SECOND), "to the sample (as far as microseconds go)"
    assert published.notes == []


def test_the_buttons_pause_play_go_next_and_back_and_set_the_volume(
    published: Published, headset: Headset, session: Session
) -> None:
    press = words(session, "Press the middle")
    published.heard_until(press + SECOND)

    headset("pause")
    headset.until(lambda: published.player.status().paused)
    assert headset("status") == "Paused"
    assert published.player.status().position == press, "paused at the start of the words it cut"

    headset("play")
    headset.until(lambda: not published.player.status().paused)

    headset("next")
    published.speaker.play(SECOND)
    assert published.player.status().chapter.title == "Right palm"
    headset.until(lambda: headset("metadata", "xesam:title") == "Right palm")

    headset("previous")
    published.speaker.play(SECOND)
    assert published.player.status().chapter.title == "Left palm", "within 3 s of a section: the one before"

    headset("volume", "0.5")
    headset.until(lambda: published.player.status().volume_db == -6.0)
    assert headset("volume") == f"{10 ** (-6 / 20):.6f}"

    headset("stop")
    headset.until(lambda: published.player.over)


def test_every_change_is_announced_as_it_happens_not_only_when_asked(
    published: Published, headset: Headset, session: Session
) -> None:
    titles = headset.follow("metadata", "xesam:title")
    statuses = headset.follow("status")
    try:
        time.sleep(1)  # both are listening
        published.heard_until(session.timeline.chapters[1].start + SECOND)  # no call: the session moved on
        time.sleep(0.5)
        published.player.pause()  # the keys, not the bus
        published.speaker.play(1000)
        time.sleep(0.5)
        published.player.resume()
        published.speaker.play(1000)
        time.sleep(0.5)
    finally:
        titles.terminate()
        statuses.terminate()
    assert titles.communicate()[0].split("\n")[:2] == ["Two palms", "Left palm"]
    assert statuses.communicate()[0].split() == ["Playing", "Paused", "Playing"]


def test_a_step_that_waits_shows_as_paused_and_play_goes_on(
    published: Published, headset: Headset, session: Session
) -> None:
    wait = session.timeline.waits[0]
    published.heard_until(wait.start + SECOND)
    headset.until(lambda: headset("status") == "Paused")
    assert published.player.status().waiting

    headset("play")
    published.speaker.play(SECOND)
    assert published.player.status().position == wait.end + SECOND - FADE, "on from the end of the wait, after a fade"
    headset.until(lambda: headset("status") == "Playing")


def test_a_second_session_at_once_takes_a_name_of_its_own(session: Session, bus: str, headset: Headset) -> None:
    first, second = Published(session, bus, []), Published(session, bus, [])
    first.player.start()
    second.player.start()
    with listening(first.player, first.environment, first.notes.append) as working:
        with listening(second.player, second.environment, second.notes.append):
            names = subprocess.run(["playerctl", "--list-all"], env=headset.env, capture_output=True, text=True).stdout
    assert working == {"mpris"}  # no terminal for keys, no --listen for the microphone
    assert sorted(names.split()) == ["voiceguide", f"voiceguide.instance{os.getpid()}"]


def test_with_no_session_bus_one_line_says_so_and_the_session_plays_on(session: Session) -> None:
    live = Published(session, None, [])
    live.player.start()
    with listening(live.player, live.environment, live.notes.append) as working:
        live.speaker.play(SECOND)
    assert live.notes == [UNAVAILABLE]
    assert working == set()
    assert live.player.status().position == SECOND


@pytest.mark.parametrize(
    ("volume", "db"), [(1.0, 0.0), (0.5, -6.0), (0.7, -3.0), (2.0, 6.0), (10.0, 6.0), (0.0, -30.0), (-1.0, -30.0)]
)
def test_a_volume_from_the_sound_menu_becomes_the_nearest_3_db_step(volume: float, db: float) -> None:
    assert volume_db(volume) == db


def test_a_headset_drives_a_real_session_to_its_end(
    sound_server: SoundServer, headset: Headset, bus: str, routine_file: Path, session: Session
) -> None:
    renderer = Renderer(session)
    press = next(e for e in session.timeline.speech if e.text.startswith("Press the middle"))
    tone = renderer.chime(PAUSE_CUE)
    environment = {**sound_server.environ(), "DBUS_SESSION_BUS_ADDRESS": bus}
    with sound_server.record() as recording:
        play = subprocess.Popen([sys.executable, "-m", "voiceguide", "play", str(routine_file)], env=environment,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            headset.until(lambda: subprocess.run(["playerctl", "--player=voiceguide", "status"], env=headset.env,
                                                 capture_output=True, text=True).stdout.strip() == "Playing")
            assert headset("metadata", "xesam:album") == "Two palms"
            headset.until(lambda: float(headset("position")) >= (press.start + SECOND) / SAMPLE_RATE)
            headset("pause")
            time.sleep(len(tone) / SAMPLE_RATE + 1.0)
            assert headset("status") == "Paused"
            assert float(headset("position")) == pytest.approx(press.start / SAMPLE_RATE, abs=1e-5)
            headset("play")
            headset.until(lambda: float(headset("position")) >= (press.end + SECOND) / SAMPLE_RATE)
            headset("next")
            headset.until(lambda: headset("metadata", "xesam:title") == "Right palm")
            headset.until(lambda: headset("status") == "Paused")  # the wait for the listener
            headset("stop")
            assert play.wait(10) == 0, play.stderr.read() if play.stderr else ""
        finally:
            play.kill()

    heard = recording.samples
    said = renderer.read(press.start, press.end - press.start)
    first = find(heard, said[: SECOND // 2])
    rang = find(heard, tone, start=first.at + SECOND // 2, end=first.at + 4 * SECOND)
    again = find(heard, said[: SECOND // 2], start=rang.at + len(tone))
    assert first.score > 0.99 and rang.score > 0.99 and again.score > 0.99
    assert np.abs(heard[rang.at + len(tone) : again.at]).max() < AUDIBLE, "silence while paused"
    assert similarity(heard, again.at, said) >= 0.95, "after play, the words are heard whole from their start"
    title = renderer.spoken(narrator(session)("Right palm"))
    assert find(heard, title, start=again.at).score > 0.99, "next announced the section"
