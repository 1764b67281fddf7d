"""Sleep mode: an ambience bed under the session, a tail, a fade to silence, and a voice that tapers."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from speaking import clip_maker

from voiceguide.audio import cues, levels
from voiceguide.render import Renderer
from voiceguide.script.routine import load_routine
from voiceguide.session import Options, Session, prepare
from voiceguide.support.errors import ScriptError
from voiceguide.support.units import SAMPLE_RATE

SLEEPY = """
title: Sleepy
voice: {taper: {rate: 0.8, volume: 0.7}}
ambience: {sound: rain, volume: 1.0}
chimes: {start: none, section: none, step: none, end: none}
tail: 20s
fade_out: 10s
steps:
  - {say: Breathe in slowly., pause: 4s}
  - {say: Let your shoulders go., pause: 4s}
  - {say: Let your hands rest., pause: 4s}
  - say: Breathe in slowly.
"""


def session_of(path, **options) -> Session:
    return prepare(load_routine(path), Options(**options), clip_maker())


@pytest.mark.parametrize("bed", ["rain", "brown"])
def test_ambience_beds_loop_without_a_seam(bed):
    with wave.open(str(cues.path(cues.AMBIENCE + bed))) as loop:
        samples = np.frombuffer(loop.readframes(loop.getnframes()), dtype="<i2").astype(np.float64)
    steps = np.abs(np.diff(samples))
    seam = abs(samples[0] - samples[-1])
    curvature = np.abs(np.diff(samples, 2))
    seam_curvature = abs(samples[1] - 2 * samples[0] + samples[-1])

    assert seam <= np.percentile(steps, 99)
    assert seam_curvature <= np.percentile(curvature, 99)
    assert len(samples) % levels.GRID == 0  # whole 10 ms cells, so its loudness tiles exactly
    assert levels.loudness(samples / 32768) == pytest.approx(levels.CUE_LUFS, abs=0.2)


def test_the_timeline_states_the_ambience_and_the_fade(script):
    timeline = session_of(script(SLEEPY)).timeline
    ambience = [timeline.ambience] if timeline.ambience else []
    fade = [timeline.fade] if timeline.fade else []

    assert [(e.name, e.start, e.end) for e in ambience] == [("rain", 0, timeline.duration)]
    assert [(e.start, e.end) for e in fade] == [(timeline.duration - 10 * SAMPLE_RATE, timeline.duration)]
    json_kinds = {e["kind"] for e in timeline.as_json()["events"]}
    assert {"ambience", "fade"} <= json_kinds


def test_the_tail_follows_the_last_words_and_stretches_with_minutes(script):
    path = script(SLEEPY)
    natural = session_of(path).timeline
    last_words = max(e.end for e in natural.speech)
    assert natural.duration - last_words == 20 * SAMPLE_RATE

    fitted = session_of(path, minutes=1).timeline
    assert fitted.duration == 60 * SAMPLE_RATE
    assert fitted.duration - max(e.end for e in fitted.speech) > 20 * SAMPLE_RATE


def test_the_bed_plays_in_the_pauses_and_drops_under_the_words(script):
    session = session_of(script(SLEEPY))
    renderer = Renderer(session)
    first, second = list(session.timeline.speech)[:2]
    pause_start = first.end + SAMPLE_RATE
    in_pause = renderer.read(pause_start, 2 * SAMPLE_RATE)
    bed_under_words = renderer._bed.read(second.start, second.end - second.start)

    assert levels.loudness(in_pause) > -60  # the rain is there between the words
    assert levels.loudness(bed_under_words) < levels.loudness(renderer._bed.read(pause_start, 2 * SAMPLE_RATE)) - 8


def test_the_fade_out_ends_in_silence(script):
    session = session_of(script(SLEEPY))
    renderer = Renderer(session)
    end = session.timeline.duration
    last_moment = renderer.read(end - SAMPLE_RATE // 100, SAMPLE_RATE // 100)

    def level(seconds_before_end: int) -> float:
        window = renderer.read(end - seconds_before_end * SAMPLE_RATE, 2 * SAMPLE_RATE)
        return float(np.sqrt(np.mean(window**2)))

    assert np.abs(last_moment).max() < 10 ** (-60 / 20)
    assert abs(renderer.read(end - 1, 1)[0]) < 1e-6
    assert level(12) > level(7) > level(3) > 0  # before the fade, then ever quieter


def test_taper_measurably_slows_and_quiets_the_last_instruction(script):
    session = session_of(script(SLEEPY))
    renderer = Renderer(session)
    said = [e for e in session.timeline.speech if e.text == "Breathe in slowly."]
    first, last = said[0], said[-1]

    assert (first.utterance.rate, first.utterance.volume) == (150, 1.0)
    assert (last.utterance.rate, last.utterance.volume) == (120, 0.7)
    assert (last.end - last.start) > 1.15 * (first.end - first.start)
    loud_first = levels.loudness(renderer.read(first.start, first.end - first.start))
    loud_last = levels.loudness(renderer.read(last.start, last.end - last.start))
    assert loud_first - loud_last == pytest.approx(-20 * np.log10(0.7), abs=1.0)


def test_a_sleep_session_lands_on_its_own_quieter_level(script, tmp_path):
    from voiceguide.export.files import export

    session = session_of(script(SLEEPY.replace("title: Sleepy", "title: Sleepy\nloudness: -22")))
    export(session, tmp_path / "sleepy.wav")
    with wave.open(str(tmp_path / "sleepy.wav")) as out:
        audio = np.frombuffer(out.readframes(out.getnframes()), dtype="<i2").astype(np.float32) / 32768
    assert levels.loudness(audio) == pytest.approx(-22, abs=1)


def test_taper_belongs_to_the_whole_routine(script):
    with pytest.raises(ScriptError, match="`taper` shapes the whole session") as caught:
        load_routine(script("title: T\nsteps:\n  - say: Hi.\n    voice: {taper: {rate: 0.9}}\n"))
    assert (caught.value.line, caught.value.column) == (4, 12)


def test_an_unknown_ambience_names_the_ones_there_are(script):
    with pytest.raises(ScriptError, match="no ambience named 'waves'; available: brown, rain") as caught:
        session_of(script("title: T\nambience: {sound: waves}\nsteps:\n  - say: Hi.\n"))
    assert caught.value.line == 2


def test_a_chime_cannot_be_an_ambience_bed(script):
    with pytest.raises(ScriptError, match="no cue named 'rain'"):
        session_of(script("title: T\nsteps:\n  - say: Hi.\n  - chime: rain\n"))
