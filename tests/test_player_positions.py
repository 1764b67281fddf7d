"""The Player's clock of samples, heard through the in-memory speaker: every control, to the sample.

No sound server and no thread: the test plays the speaker (`speaker.play(frames)` is a
device asking for `frames` samples) and compares what it heard with what the renderer
makes of the session. Where a speaker can take back what it was handed (`ahead`, like a
device's buffer), the result is the same, sample for sample.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from speaking import prepared, written

from voiceguide.live.inputs import COMMANDS, obey
from voiceguide.live.inputs.keys import KEYS
from voiceguide.live.player import (
    AFTER_CHIME,
    AFTER_TITLE,
    FADE,
    PAUSE_CUE,
    RESTART_WITHIN,
    VOLUME_RANGE_DB,
    VOLUME_STEP_DB,
    Player,
    narrator,
)
from voiceguide.live.speakers.memory import MemorySpeaker
from voiceguide.render import Renderer
from voiceguide.script.routine import Utterance
from voiceguide.session import Options, Session, prepare, relaid
from voiceguide.speech.making import ClipMaker
from voiceguide.speech.pace import estimated_length
from voiceguide.support.environment import Environment
from voiceguide.support.errors import SpeechError
from voiceguide.support.units import SAMPLE_RATE
from voiceguide.timeline import ChimeEvent, SpeechEvent

HANDS = """
    title: Hands at rest
    chimes: {start: none, end: soft}
    steps:
      - say: Rest your hands in your lap.
      - section: Left palm
      - say: Press the middle of your left palm with your right thumb, slowly and firmly.
        hold: 3s
      - section: Right palm
      - say: Now the right palm.
        hold: 2s
      - say: Well done.
"""
"""About 20 seconds: a first section without a chime, two with one, a long instruction and holds."""
SECOND = SAMPLE_RATE
BLOCK = 1000
"""What the speaker asks for at a time: not a divisor of anything in the session."""
DEVICE_BUFFER = SAMPLE_RATE // 10
"""Samples a device holds beyond what is heard, and can take back."""
FADE_OUT = (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, FADE))).astype(np.float32)
"""A raised-cosine fade of FADE samples: how what was playing ends when a control cuts in."""

either_speaker = pytest.mark.parametrize("ahead", [0, DEVICE_BUFFER], ids=["handed-is-heard", "takes-back-its-buffer"])


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return prepared(written(tmp_path_factory.mktemp("routine"), HANDS, "hands.yaml"))


@pytest.fixture(scope="module")
def renderer(session: Session) -> Renderer:
    """The session as export hears it: what the player must play when nothing is pressed."""
    return Renderer(session)


def playing(session: Session, at: int = 0, ahead: int = 0) -> tuple[Player, MemorySpeaker]:
    speaker = MemorySpeaker(ahead)
    player = Player(Renderer(session), speaker, narrator(session))
    player.start(at)
    return player, speaker


def play_to_end(player: Player, speaker: MemorySpeaker) -> np.ndarray:
    """What is heard from now until the session is over."""
    heard = []
    while not player.wait(0):
        heard.append(speaker.play(BLOCK))
        assert sum(map(len, heard)) < 60 * SECOND, "the session never ended"
    return np.concatenate(heard)


def rest(renderer: Renderer, start: int) -> np.ndarray:
    """The session from `start` to its end."""
    return renderer.read(start, renderer.duration - start)


def announced(renderer: Renderer, session: Session, title: str, opening: np.ndarray) -> np.ndarray:
    """A jump's announcement: the section's chime (or the pause tone), a silence, its title, a silence."""
    spoken = renderer.spoken(narrator(session)(title))
    return np.concatenate([opening, np.zeros(AFTER_CHIME, np.float32), spoken, np.zeros(AFTER_TITLE, np.float32)])


def words(session: Session, starting: str) -> SpeechEvent:
    return next(e for e in session.timeline.speech if e.text.startswith(starting))


def chime_at(session: Session, start: int) -> ChimeEvent:
    return next(e for e in session.timeline.chimes if e.start == start)


@either_speaker
def test_untouched_it_plays_the_session_as_rendered(ahead: int, session: Session, renderer: Renderer) -> None:
    player, speaker = playing(session, ahead=ahead)
    speaker.play(SECOND + 123)
    assert player.status().position == SECOND + 123, "where it is comes from what was heard, not handed over"

    play_to_end(player, speaker)
    np.testing.assert_array_equal(speaker.recording, renderer.read(0, session.timeline.duration))


def test_starting_at_a_section_plays_from_its_first_sample(session: Session, renderer: Renderer) -> None:
    right = session.timeline.chapters[2]
    player, speaker = playing(session, at=right.start)
    assert player.status().chapter == right
    np.testing.assert_array_equal(play_to_end(player, speaker), rest(renderer, right.start))


@either_speaker
def test_pause_fades_out_plays_the_tone_then_silence_and_stands_at_the_words_start(
    ahead: int, session: Session, renderer: Renderer
) -> None:
    press = words(session, "Press the middle")
    cut = press.start + SECOND
    tone = renderer.chime(PAUSE_CUE)
    player, speaker = playing(session, ahead=ahead)
    speaker.play(cut)

    player.pause()
    heard = speaker.play(FADE + len(tone) + 2 * SECOND)

    np.testing.assert_array_equal(heard[:FADE], renderer.read(cut, FADE) * FADE_OUT)
    np.testing.assert_array_equal(heard[FADE : FADE + len(tone)], tone)
    assert not heard[FADE + len(tone) :].any(), "exact silence while paused"
    status = player.status()
    assert status.paused and status.position == press.start


@either_speaker
def test_resume_starts_the_interrupted_words_again_from_their_first_sample(
    ahead: int, session: Session, renderer: Renderer
) -> None:
    press = words(session, "Press the middle")
    player, speaker = playing(session, ahead=ahead)
    speaker.play(press.start + SECOND)
    player.pause()
    speaker.play(5 * SECOND)

    player.resume()
    heard = play_to_end(player, speaker)

    assert not heard[:FADE].any(), "the silence of the pause fades out: nothing"
    np.testing.assert_array_equal(heard[FADE:], rest(renderer, press.start))
    assert not player.status().paused


@either_speaker
def test_resuming_during_the_pause_tone_fades_the_tone_out(ahead: int, session: Session, renderer: Renderer) -> None:
    press = words(session, "Press the middle")
    tone = renderer.chime(PAUSE_CUE)
    player, speaker = playing(session, ahead=ahead)
    speaker.play(press.start + SECOND)
    player.toggle_pause()  # the space key
    speaker.play(FADE + 2000)

    player.toggle_pause()
    heard = speaker.play(FADE + SECOND)

    np.testing.assert_array_equal(heard[:FADE], tone[2000 : 2000 + FADE] * FADE_OUT)
    np.testing.assert_array_equal(heard[FADE:], renderer.read(press.start, SECOND))


def test_pausing_between_words_goes_on_from_where_it_paused(session: Session, renderer: Renderer) -> None:
    hold = session.timeline.holds[0]
    cut = hold.start + SECOND
    player, speaker = playing(session)
    speaker.play(cut)
    player.pause()
    speaker.play(3 * SECOND)
    assert player.status().position == cut

    player.resume()
    heard = play_to_end(player, speaker)
    np.testing.assert_array_equal(heard[FADE:], rest(renderer, cut))


def test_pausing_twice_or_resuming_while_playing_changes_nothing(session: Session, renderer: Renderer) -> None:
    player, speaker = playing(session)
    speaker.play(SECOND)
    player.resume()
    np.testing.assert_array_equal(speaker.play(SECOND), renderer.read(SECOND, SECOND))

    player.pause()
    speaker.play(FADE + len(renderer.chime(PAUSE_CUE)))
    player.pause()
    assert not speaker.play(3 * SECOND).any(), "no second tone"


@either_speaker
def test_next_section_is_announced_by_its_chime_and_title_then_plays_from_the_chimes_end(
    ahead: int, session: Session, renderer: Renderer
) -> None:
    left, right = session.timeline.chapters[1:3]
    chime = chime_at(session, right.start)
    at = left.start + 2 * SECOND
    player, speaker = playing(session, ahead=ahead)
    speaker.play(at)

    player.next_section()
    heard = speaker.play(FADE + SECOND)
    status = player.status()
    heard = np.concatenate([heard, play_to_end(player, speaker)])

    assert status.chapter == right and status.position == chime.end, "while announced, it stands where it goes on"
    expected = np.concatenate([
        renderer.read(at, FADE) * FADE_OUT,
        announced(renderer, session, "Right palm", renderer.sound(chime)),
        rest(renderer, chime.end),
    ])
    np.testing.assert_array_equal(heard, expected)


@either_speaker
def test_pausing_during_an_announcement_fades_it_out_and_resumes_where_the_section_goes_on(
    ahead: int, session: Session, renderer: Renderer
) -> None:
    left, right = session.timeline.chapters[1:3]
    chime = chime_at(session, right.start)
    at = left.start + 2 * SECOND
    tone = renderer.chime(PAUSE_CUE)
    player, speaker = playing(session, ahead=ahead)
    speaker.play(at)
    player.next_section()
    speaker.play(FADE + 5000)

    player.pause()
    heard = speaker.play(FADE + len(tone) + SECOND)
    assert player.status().position == chime.end
    player.resume()
    heard = np.concatenate([heard, play_to_end(player, speaker)])

    np.testing.assert_array_equal(heard[:FADE], renderer.sound(chime)[5000 : 5000 + FADE] * FADE_OUT)
    np.testing.assert_array_equal(heard[FADE : FADE + len(tone)], tone)
    resumed = FADE + len(tone) + SECOND
    assert not heard[FADE + len(tone) : resumed + FADE].any()
    np.testing.assert_array_equal(heard[resumed + FADE :], rest(renderer, chime.end))


def test_next_section_in_the_last_one_does_nothing(session: Session, renderer: Renderer) -> None:
    right = session.timeline.chapters[2]
    player, speaker = playing(session, at=right.start)
    speaker.play(SECOND)
    player.next_section()
    np.testing.assert_array_equal(play_to_end(player, speaker), rest(renderer, right.start + SECOND))


def test_previous_section_after_its_first_seconds_restarts_this_one(session: Session, renderer: Renderer) -> None:
    right = session.timeline.chapters[2]
    chime = chime_at(session, right.start)
    player, speaker = playing(session, at=right.start)
    speaker.play(RESTART_WITHIN)

    player.previous_section()
    heard = play_to_end(player, speaker)

    expected = np.concatenate([
        renderer.read(right.start + RESTART_WITHIN, FADE) * FADE_OUT,
        announced(renderer, session, "Right palm", renderer.sound(chime)),
        rest(renderer, chime.end),
    ])
    np.testing.assert_array_equal(heard, expected)


def test_previous_section_within_its_first_seconds_goes_to_the_one_before(session: Session, renderer: Renderer) -> None:
    left, right = session.timeline.chapters[1:3]
    chime = chime_at(session, left.start)
    player, speaker = playing(session, at=right.start)
    speaker.play(RESTART_WITHIN - 1)

    player.previous_section()
    heard = play_to_end(player, speaker)

    expected = np.concatenate([
        renderer.read(right.start + RESTART_WITHIN - 1, FADE) * FADE_OUT,
        announced(renderer, session, "Left palm", renderer.sound(chime)),
        rest(renderer, chime.end),
    ])
    np.testing.assert_array_equal(heard, expected)


def test_a_section_without_a_chime_is_announced_by_the_pause_tone(session: Session, renderer: Renderer) -> None:
    first, left = session.timeline.chapters[:2]
    assert not any(c.start == first.start for c in session.timeline.chimes)
    player, speaker = playing(session, at=left.start)
    speaker.play(SECOND)

    player.previous_section()
    heard = play_to_end(player, speaker)

    expected = np.concatenate([
        renderer.read(left.start + SECOND, FADE) * FADE_OUT,
        announced(renderer, session, "Hands at rest", renderer.chime(PAUSE_CUE)),
        rest(renderer, first.start),
    ])
    np.testing.assert_array_equal(heard, expected)


def test_previous_section_in_the_first_seconds_of_the_first_does_nothing(session: Session, renderer: Renderer) -> None:
    player, speaker = playing(session)
    speaker.play(SECOND)
    player.previous_section()
    np.testing.assert_array_equal(play_to_end(player, speaker), rest(renderer, SECOND))


def test_pressing_previous_twice_during_an_announcement_goes_back_two_sections(
    session: Session, renderer: Renderer
) -> None:
    first, left, right = session.timeline.chapters
    player, speaker = playing(session, at=right.start + 5 * SECOND)
    player.previous_section()
    speaker.play(SECOND)
    assert player.status().chapter == right

    player.previous_section()
    speaker.play(SECOND)
    player.previous_section()
    status = player.status()
    assert status.chapter == first and status.position == first.start


def test_volume_steps_ramp_over_one_block_then_scale_every_sample(session: Session, renderer: Renderer) -> None:
    louder = 10 ** (VOLUME_STEP_DB / 20)
    at = words(session, "Press the middle").start
    player, speaker = playing(session)
    speaker.play(at)

    player.volume_up()
    ramp = speaker.play(BLOCK)
    steady = speaker.play(SECOND)

    expected_ramp = renderer.read(at, BLOCK) * np.linspace(1.0, louder, BLOCK, dtype=np.float32)
    np.testing.assert_array_equal(ramp, np.clip(expected_ramp, -1, 1))
    np.testing.assert_array_equal(steady, np.clip(renderer.read(at + BLOCK, SECOND) * np.float32(louder), -1, 1))
    assert player.status().volume_db == VOLUME_STEP_DB

    player.volume_down()
    speaker.play(BLOCK)
    back = at + 2 * BLOCK + SECOND
    np.testing.assert_array_equal(speaker.play(SECOND), renderer.read(back, SECOND), err_msg="at 0 dB, untouched")


@pytest.mark.parametrize("press, end", [("louder", VOLUME_RANGE_DB[1]), ("softer", VOLUME_RANGE_DB[0])])
def test_volume_stops_at_the_ends_of_its_range(press: str, end: float, session: Session, renderer: Renderer) -> None:
    at = words(session, "Press the middle").start
    player, speaker = playing(session)
    speaker.play(at)

    for _ in range(20):
        obey(player, press)
    speaker.play(BLOCK)

    assert player.status().volume_db == end
    scaled = renderer.read(at + BLOCK, SECOND) * np.float32(10 ** (end / 20))
    heard = speaker.play(SECOND)
    np.testing.assert_array_equal(heard, np.clip(scaled, -1, 1))
    if end > 0:
        assert (np.abs(heard) == 1).any(), "at the top the loudest syllables clip, and no further"


def test_stop_ends_the_stream_at_once(session: Session) -> None:
    player, speaker = playing(session)
    speaker.play(SECOND)
    player.stop()
    assert player.wait(0)
    assert not len(speaker.play(SECOND))
    assert len(speaker.recording) == SECOND


def test_a_failure_while_playing_is_raised_by_wait(session: Session, tmp_path: Path) -> None:
    shutil.copytree(session.clips.folder, tmp_path / "cache")
    copy = prepare(session.routine, Options(), ClipMaker.for_environment(Environment(tmp_path / "cache")))
    player, speaker = playing(copy)
    for clip in (tmp_path / "cache").glob("*.wav"):
        clip.unlink()  # the speech cache cleared while the session plays

    speaker.play(BLOCK)
    with pytest.raises(FileNotFoundError):
        player.wait(0)


def test_a_command_failing_on_an_inputs_thread_ends_the_session_and_wait_raises_it(session: Session) -> None:
    def cannot_speak(text: str) -> Utterance:
        raise SpeechError(f"espeak-ng made no audio for “{text}”")

    speaker = MemorySpeaker()
    player = Player(Renderer(session), speaker, cannot_speak)
    player.start()
    speaker.play(SECOND)

    obey(player, "next")
    with pytest.raises(SpeechError):
        player.wait(0)


def test_every_key_gives_a_command_the_player_knows() -> None:
    assert set(KEYS.values()) <= set(COMMANDS)
    assert {KEYS[" "], KEYS["n"], KEYS["p"], KEYS["q"]} == {"toggle", "next", "previous", "stop"}


# --- a live start: speech made while the session plays --------------------------------


def test_with_speech_still_being_made_it_plays_up_to_where_the_layout_is_final_waits_there_then_goes_on(
    session: Session, tmp_path: Path
) -> None:
    """Played by hand as the clips arrive: the session as rendered from a warm cache, with silence
    inserted where it waited, and never a sample from past where its layout was final."""
    speech = ClipMaker.for_environment(Environment(tmp_path / "cache"))
    routine = session.routine
    speech.synthesize(prepare(routine, Options(), speech, estimate=estimated_length).unmade[:1])
    draft = prepare(routine, Options(), speech, estimate=estimated_length)
    assert draft.unmade and 0 < draft.final_until < draft.timeline.duration
    first = Renderer(draft)
    speaker = MemorySpeaker()
    player = Player(first, speaker, narrator(draft))
    player.start()

    heard = [speaker.play(draft.final_until + 2 * SECOND)]
    assert player.status().position == draft.final_until, "it waits where the layout stops being final"
    assert not heard[0][draft.final_until :].any(), "and plays nothing from beyond it"

    speech.synthesize(draft.unmade[:1])
    further = relaid(draft, draft.unmade[:1])
    assert draft.final_until < further.final_until < further.timeline.duration
    player.extend(Renderer(further, first.correction))
    heard.append(speaker.play(further.final_until - draft.final_until + SECOND))
    assert player.status().position == further.final_until

    speech.synthesize(further.unmade)
    done = relaid(further, further.unmade)
    player.extend(Renderer(done, first.correction))
    heard.append(play_to_end(player, speaker))

    warm = prepare(routine, Options(), speech)
    assert not done.unmade and done.timeline == warm.timeline == session.timeline
    expected = Renderer(warm, first.correction).read(0, warm.timeline.duration)
    pieces = [
        expected[: draft.final_until], np.zeros(2 * SECOND, np.float32),
        expected[draft.final_until : further.final_until], np.zeros(SECOND, np.float32),
        expected[further.final_until :],
    ]
    np.testing.assert_array_equal(np.concatenate(heard), np.concatenate(pieces))
    gap_db = 20 * np.log10(first.correction / Renderer(warm).correction)
    assert abs(gap_db) < 0.5, f"the level a live start keeps is {gap_db:+.2f} dB from the finished session's"
