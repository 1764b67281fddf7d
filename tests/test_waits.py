"""Steps that wait for the listener (`wait:`): the script, the layout an export gets, and the Player live.

Live, the Player is played through the in-memory speaker, as in test_player_positions: what
is heard is compared sample for sample with what the renderer makes of the session.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from speaking import prepared, written
from rich.console import Console
from typer.testing import CliRunner

from voiceguide.cli.app import app
from voiceguide.live.console import screen, waiting_line
from voiceguide.live.inputs import InputSettings
from voiceguide.live.player import FADE, PAUSE_CUE, WAIT_REMINDER_EVERY, Player, Status, narrator
from voiceguide.live.speakers.memory import MemorySpeaker
from voiceguide.render import Renderer
from voiceguide.script.routine import load_routine
from voiceguide.session import Options, Session
from voiceguide.support.errors import ScriptError
from voiceguide.support.units import SAMPLE_RATE, to_samples
from voiceguide.timeline import READY_WAIT, Chapter, WaitEvent

FINDING = """
    title: Finding the point
    chimes: {start: none, end: soft}
    steps:
      - section: Hand
      - say: Find the web between your thumb and finger. Press play when you have it.
        wait: 4s
      - say: Press it.
        hold: 2s
      - say: Now find the same place on the other hand.
        wait: ready
      - say: Press it.
"""
SECOND = SAMPLE_RATE
BLOCK = 1000


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return prepared(written(tmp_path_factory.mktemp("routine"), FINDING, "finding.yaml"))


@pytest.fixture(scope="module")
def renderer(session: Session) -> Renderer:
    return Renderer(session)


def playing(session: Session) -> tuple[Player, MemorySpeaker]:
    speaker = MemorySpeaker(0)
    player = Player(Renderer(session), speaker, narrator(session))
    player.start()
    return player, speaker


def limited(session: Session) -> WaitEvent:
    return next(w for w in session.timeline.waits if not w.ready)


def ready(session: Session) -> WaitEvent:
    return next(w for w in session.timeline.waits if w.ready)


# --- the script and the layout -----------------------------------------------------

def test_an_export_waits_as_long_as_the_limit_or_fifteen_seconds_for_ready(session: Session) -> None:
    first, then = session.timeline.waits
    assert (first.end - first.start, first.ready) == (4 * SECOND, False)
    assert (then.end - then.start, then.ready) == (to_samples(READY_WAIT), True)
    assert READY_WAIT == 15.0
    speech_before = [e for e in session.timeline.speech if e.end <= first.start]
    assert speech_before[-1].end == first.start, "the wait begins as the words end"


def test_a_chapter_begins_right_after_each_wait_so_next_chapter_means_found_it(session: Session) -> None:
    starts = [c.start for c in session.timeline.chapters]
    assert [w.end for w in session.timeline.waits] == starts[1:]
    assert {c.title for c in session.timeline.chapters} == {"Hand"}, "the section goes on under its own title"


def test_fitting_minutes_never_changes_a_wait(tmp_path: Path) -> None:
    fitted = prepared(written(tmp_path, FINDING), Options(minutes=2))
    assert [w.end - w.start for w in fitted.timeline.waits] == [4 * SECOND, to_samples(READY_WAIT)]
    assert fitted.timeline.duration == 2 * 60 * SECOND


def test_show_prints_waits_and_show_json_gives_them_as_wait_events(tmp_path: Path) -> None:
    path = written(tmp_path, FINDING)
    shown = CliRunner().invoke(app, ["show", str(path)])
    assert "(wait until you go on, at most 0:04)" in shown.output
    assert "(wait until you go on; an export waits 0:15)" in shown.output

    events = json.loads(CliRunner().invoke(app, ["show", "--json", str(path)]).output)["events"]
    waits = [e for e in events if e["kind"] == "wait"]
    assert [(round(e["end"] - e["start"], 6), e["ready"]) for e in waits] == [(4.0, False), (15.0, True)]


def test_an_exported_chapter_starts_where_each_wait_ends(tmp_path: Path, session: Session) -> None:
    from mutagen.id3 import ID3

    target = tmp_path / "finding.mp3"
    result = CliRunner().invoke(app, ["export", str(written(tmp_path, FINDING)), "-o", str(target)])
    assert result.exit_code == 0, result.output

    tags = ID3(target)
    starts = [tags[f"CHAP:{element}"].start_time for element in tags.getall("CTOC")[0].child_element_ids]
    assert starts[1:] == [round(w.end * 1000 / SAMPLE_RATE) for w in session.timeline.waits]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("wait: soon", "4:11: `wait`: 'soon' is not a duration; write e.g. 90s, 1m30s, 2m, 1.5m or plain seconds, or `ready`"),
        ("wait: 0s", "4:11: `wait`: 0 waits for nothing"),
        ("hold: 1m\n    wait: ready", "5:11: a step waits for the listener or holds, not both"),
    ],
)
def test_a_wrong_wait_is_one_line_at_its_key(tmp_path: Path, step: str, message: str) -> None:
    path = written(tmp_path, f"title: T\nsteps:\n  - say: Find it.\n    {step}\n")
    with pytest.raises(ScriptError) as raised:
        load_routine(path)
    assert message in str(raised.value)


# --- live ---------------------------------------------------------------------------

def test_a_limited_wait_goes_on_by_itself_exactly_as_the_export_does(session: Session, renderer: Renderer) -> None:
    player, speaker = playing(session)
    speaker.play(limited(session).start + SECOND)
    assert player.status().waiting

    speaker.play(limited(session).end - limited(session).start)
    assert not player.status().waiting

    np.testing.assert_array_equal(speaker.recording, renderer.read(0, limited(session).end + SECOND))


def test_going_on_ends_a_limited_wait_at_once(session: Session, renderer: Renderer) -> None:
    wait = limited(session)
    player, speaker = playing(session)
    speaker.play(wait.start + SECOND)

    player.resume()
    heard = speaker.play(FADE + SECOND)

    np.testing.assert_array_equal(heard[FADE:], renderer.read(wait.end, SECOND))
    assert not player.status().waiting


def test_a_ready_wait_stays_quiet_until_the_listener_goes_on_with_a_soft_tone_every_half_minute(
    session: Session, renderer: Renderer
) -> None:
    wait = ready(session)
    tone = renderer.chime(PAUSE_CUE)
    player, speaker = playing(session)
    speaker.play(wait.start)

    heard = speaker.play(WAIT_REMINDER_EVERY + len(tone) + 5 * SECOND)

    assert player.status().waiting and player.status().position == wait.start
    assert not heard[:WAIT_REMINDER_EVERY].any(), "quiet while it waits"
    np.testing.assert_array_equal(heard[WAIT_REMINDER_EVERY : WAIT_REMINDER_EVERY + len(tone)], tone)
    assert not heard[WAIT_REMINDER_EVERY + len(tone) :].any()

    player.toggle_pause()  # space, or the headset's play button
    heard = speaker.play(FADE + 2 * SECOND)
    np.testing.assert_array_equal(heard[FADE:], renderer.read(wait.end, 2 * SECOND))


def test_next_at_a_wait_goes_on_with_nothing_announced(session: Session, renderer: Renderer) -> None:
    wait = ready(session)
    player, speaker = playing(session)
    speaker.play(wait.start + SECOND)

    player.next_section()
    heard = speaker.play(FADE + SECOND)

    np.testing.assert_array_equal(heard[FADE:], renderer.read(wait.end, SECOND))


def test_pause_at_a_wait_changes_nothing(session: Session) -> None:
    wait = ready(session)
    player, speaker = playing(session)
    speaker.play(wait.start + SECOND)

    player.pause()
    speaker.play(SECOND)

    status = player.status()
    assert status.waiting and not status.paused


def test_the_screen_says_the_session_is_waiting_and_how_to_go_on() -> None:
    status = Status(
        position=90 * SECOND, duration=600 * SECOND, chapter=Chapter("Hand", 60 * SECOND, 200 * SECOND),
        chapter_number=2, chapters=3, instruction="Find the web.", hold_left=None, paused=False, volume_db=0.0,
        waiting=True,
    )
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(screen(status, "Finding the point"))
    assert "Finding the point  (waiting — press space or play to go on)" in console.export_text()

    console.print(screen(status, "Finding the point", waiting_line("continue")))
    assert "Finding the point  (waiting — press space or play, or say “continue”, to go on)" in console.export_text()


def test_the_words_that_go_on_are_the_routines_own_and_follow_the_wake_word() -> None:
    german = {"pause": "pause", "weiter": "resume", "fortsetzen": "resume"}
    assert InputSettings(listen=True, phrases=german).said_to_go_on() == "weiter"
    assert InputSettings(listen=True, wake=True, phrases=german).said_to_go_on() == "hey jarvis, weiter"
    assert InputSettings(listen=False, phrases=german).said_to_go_on() is None
