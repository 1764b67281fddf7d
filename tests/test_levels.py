"""levels.py against independent references: pyloudnorm for BS.1770 loudness, scipy for 4x oversampling."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
import scipy.signal

from voiceguide.audio import levels
from voiceguide.script.routine import Utterance
from voiceguide.speech.engines.espeak import Pyttsx3Engine
from voiceguide.support.quiet_pydub import pydub
from voiceguide.support.units import SAMPLE_RATE


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """A real espeak-ng sentence at 44.1 kHz, as the engine makes it: peaks near full scale."""
    engine = Pyttsx3Engine()
    said = engine.speak("Press between thumb and finger, and breathe out slowly.", engine.voice(None, None), 150, 1.0)
    segment = pydub().AudioSegment(data=said.pcm, sample_width=2, frame_rate=said.rate, channels=1)
    return np.frombuffer(segment.set_frame_rate(SAMPLE_RATE).raw_data, dtype="<i2").astype(np.float32) / 32768


def pyloudnorm_lufs(samples: np.ndarray) -> float:
    return pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(samples.astype(np.float64))


def oversampled_peak_db(samples: np.ndarray) -> float:
    return 20 * math.log10(np.abs(scipy.signal.resample_poly(samples.astype(np.float64), 4, 1)).max())


@pytest.mark.parametrize("gain", [1.0, 0.05])
def test_loudness_matches_pyloudnorm(speech, gain):
    assert levels.loudness(speech * gain) == pytest.approx(pyloudnorm_lufs(speech * gain), abs=0.05)


def test_k_weighting_matches_pyloudnorm_filters(speech):
    expected = speech.astype(np.float64)
    for stage in pyloudnorm.Meter(SAMPLE_RATE)._filters.values():
        expected = stage.apply_filter(expected)

    weighted = levels.k_weighted(speech)

    assert len(weighted) == len(speech) + 4095  # the filter's tail is kept
    assert np.abs(weighted[: len(speech)] - expected).max() < 1e-5 * np.abs(expected).max()


def test_true_peak_sees_the_peaks_between_samples():
    quarter_rate_sine = np.sin(np.pi / 2 * np.arange(SAMPLE_RATE) + np.pi / 4)  # samples at +-0.707

    assert 20 * math.log10(np.abs(quarter_rate_sine).max()) == pytest.approx(-3.01, abs=0.01)
    assert levels.true_peak_db(quarter_rate_sine) == pytest.approx(0.0, abs=0.1)


def test_true_peak_matches_scipys_oversampling(speech):
    assert levels.true_peak_db(speech) == pytest.approx(oversampled_peak_db(speech), abs=0.1)


def test_loud_speech_is_levelled_with_its_peaks_held_down(speech):
    levelled = levels.levelled(speech * 3, -20.0)

    assert pyloudnorm_lufs(levelled.samples) == pytest.approx(-20.0, abs=0.1)
    assert oversampled_peak_db(levelled.samples) <= -levels.PEAK_HEADROOM_DB
    assert len(levelled.samples) == len(speech)


def test_quiet_speech_is_only_made_louder(speech):
    levelled = levels.levelled(speech * 0.01, -30.0)  # its peaks stay under the ceiling: no limiting needed

    gains = levelled.samples[np.abs(speech) > 0.01] / speech[np.abs(speech) > 0.01]
    assert gains.max() == pytest.approx(gains.min(), rel=1e-5)
    assert pyloudnorm_lufs(levelled.samples) == pytest.approx(-30.0, abs=0.1)


def test_levelling_also_gives_the_cell_energies_of_its_result(speech):
    levelled = levels.levelled(speech * 3, -20.0)

    measured = levels.cell_energies(levelled.samples)
    assert levelled.cells.shape == measured.shape
    assert np.abs(levelled.cells - measured).max() < 0.01 * measured.max()
    assert levels.gated_loudness(levelled.cells) == pytest.approx(levels.gated_loudness(measured), abs=0.01)


def test_a_word_shorter_than_a_loudness_block_is_levelled_as_if_repeated(speech):
    word = speech[20000:28000]  # 0.18 s

    levelled = levels.levelled(word, -20.0)

    assert levels.loudness(levelled.samples) == pytest.approx(-20.0, abs=0.2)
    assert np.array_equal(levelled.cells, levels.cell_energies(levelled.samples))


def test_normalize_keeps_the_sample_type(speech):
    assert levels.normalize(speech.astype(np.float64), -26.0).dtype == np.float64
