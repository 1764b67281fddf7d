"""Sinks on their own: blocks written straight into a file and read back (real ffmpeg)."""

from __future__ import annotations

import os
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from test_export import MP3_FRAME, decoded, ffprobe

from voiceguide.export.sinks.ffmpeg import AAC_IN_M4A, MP3, OPUS_IN_OGG, ffmpeg_sink
from voiceguide.export.sinks.wav import wav_sink
from voiceguide.render import to_pcm16
from voiceguide.support.errors import VoiceguideError
from voiceguide.support.units import SAMPLE_RATE


def tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def blocks(audio: np.ndarray, sizes: tuple[int, ...] = (8192, 1000, 1, 4097)) -> list[np.ndarray]:
    """Uneven blocks, as a renderer's last block is: a sink must not care where they are cut."""
    cuts, position = [], 0
    while position < len(audio):
        size = sizes[len(cuts) % len(sizes)]
        cuts.append(audio[position : position + size])
        position += size
    return cuts


def test_a_wav_sink_writes_exactly_the_samples_it_is_given(tmp_path):
    audio = tone(1.5)
    with wav_sink(tmp_path / "out.wav") as sink:
        for block in blocks(audio):
            sink.write(block)
        sink.close()

    with wave.open(str(tmp_path / "out.wav")) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        assert wav.getnframes() == len(audio)
        assert wav.readframes(wav.getnframes()) == to_pcm16(audio)


@pytest.mark.parametrize(
    ("codec", "suffix", "codec_name"), [(MP3, "mp3", "mp3"), (OPUS_IN_OGG, "ogg", "opus"), (AAC_IN_M4A, "m4a", "aac")]
)
def test_an_ffmpeg_sink_encodes_the_blocks_it_is_given(tmp_path, codec, suffix, codec_name):
    audio = tone(2.0)
    target = tmp_path / f"out.{suffix}"
    with ffmpeg_sink(target, target, codec, bitrate=96) as sink:
        for block in blocks(audio):
            sink.write(block)
        sink.close()

    assert ffprobe(target)["streams"][0]["codec_name"] == codec_name
    heard = decoded(target)
    assert abs(len(heard) - len(audio)) <= MP3_FRAME
    middle = heard[SAMPLE_RATE // 2 : SAMPLE_RATE // 2 + SAMPLE_RATE]  # one second, clear of the encoders' edges
    assert np.argmax(np.abs(np.fft.rfft(middle))) == 440  # one-hertz bins: the tone, not noise or silence
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_an_ffmpeg_failure_names_the_target_not_the_temporary_file(tmp_path):
    target = tmp_path / "session.mp3"
    hidden = tmp_path / "no-such-folder" / ".session.partial.mp3"  # ffmpeg cannot open it
    with pytest.raises(VoiceguideError, match=f"^ffmpeg could not write '{target}': .*No such file or directory"):
        with ffmpeg_sink(hidden, target, MP3, bitrate=96) as sink:
            for block in blocks(tone(30.0)):
                sink.write(block)
            sink.close()


def test_leaving_an_ffmpeg_sink_without_close_stops_ffmpeg(tmp_path):
    target = tmp_path / "session.mp3"
    with pytest.raises(KeyboardInterrupt):
        with ffmpeg_sink(target, target, MP3, bitrate=96) as sink:
            sink.write(tone(1.0))
            raise KeyboardInterrupt  # as Ctrl-C would, mid-export

    children = subprocess.run(["pgrep", "-P", str(os.getpid()), "ffmpeg"], capture_output=True, text=True).stdout
    assert children == ""
