"""A script may bring its own sounds, from its own folder and nowhere else."""

from __future__ import annotations

import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from speaking import clip_maker

from voiceguide.audio import levels
from voiceguide.render import Renderer
from voiceguide.script.routine import load_routine
from voiceguide.session import Options, Session, prepare
from voiceguide.support.errors import ScriptError


def tone(path: Path, seconds: float = 1.5, rate: int = 22050, channels: int = 2, level: float = 0.3) -> Path:
    """A decaying bell-like tone, written at a rate and layout unlike voiceguide's own."""
    t = np.arange(round(seconds * rate)) / rate
    sound = level * np.sin(2 * np.pi * 523 * t) * np.exp(-t * 3)
    frames = np.repeat(sound[:, None], channels, axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.round(frames * 32767).astype("<i2").tobytes())
    return path


def crafted_wav(path: Path, rate: int = 22050, channels: int = 1, bits: int = 16) -> Path:
    """A WAV header that lies, as a stranger's file may, over a second of real samples."""
    data = np.zeros(22050, "<i2").tobytes()
    block = channels * bits // 8
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, (rate * block) % 2**32, block, bits
    ) + b"data" + struct.pack("<I", len(data))
    path.write_bytes(header + data)
    return path


def session_of(folder: Path, script: str) -> Session:
    path = folder / "routine.yaml"
    path.write_text(script)
    return prepare(load_routine(path), Options(), clip_maker())


def test_a_sound_file_beside_the_script_can_be_a_chime(tmp_path):
    tone(tmp_path / "sounds" / "ding.wav", seconds=1.5)
    session = session_of(tmp_path, "title: T\nchimes: {start: sounds/ding.wav}\nsteps:\n  - say: Hello.\n")
    chime = session.timeline.events[0]

    assert chime == session.timeline.chimes[0]
    assert (chime.name, chime.start) == ("sounds/ding.wav", 0)
    assert abs(chime.end - 66150) <= 1  # 1.5 s at 44.1 kHz, though the file is 22.05 kHz stereo
    sound = session.cues.samples("sounds/ding.wav").astype(np.float32) / 32768
    assert levels.loudness(sound) == pytest.approx(levels.CUE_LUFS, abs=0.3)
    assert np.isfinite(np.concatenate(list(Renderer(session).blocks()))).all()


def test_compressed_sounds_are_read_through_ffmpeg(tmp_path):
    wav = tone(tmp_path / "bell.wav")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(wav), str(tmp_path / "bell.mp3")], check=True)
    session = session_of(tmp_path, "title: T\nsteps:\n  - say: Hello.\n  - chime: bell.mp3\n")
    assert [e.name for e in session.timeline.chimes] == ["bowl", "bell.mp3", "bowl"]


def test_a_sound_file_can_be_the_ambience(tmp_path):
    tone(tmp_path / "hum.wav", seconds=4, level=0.1)
    session = session_of(tmp_path, "title: T\nambience: {sound: hum.wav}\nsteps:\n  - {say: Hello., pause: 5s}\n")
    renderer = Renderer(session)
    assert levels.loudness(renderer.read(session.timeline.duration - 4 * 44100, 3 * 44100)) > -70


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("../outside.wav", "leads outside the script's folder"),
        ("sounds/../../outside.wav", "leads outside the script's folder"),
        ("/tmp/outside.wav", "is an absolute path"),
        ("escape.wav", "leads outside the script's folder"),  # a symbolic link pointing out
        ("missing.wav", "there is no sound file 'missing.wav'"),
        ("notes.wav", "is not a sound file voiceguide can read"),
        ("silence.wav", "is silent"),
        ("long.wav", "cues may last 60s at most"),
        ("three-minutes.flac", "lasts over 60s"),  # decoded no further than 61 s
        ("one-sample.wav", "is too short to hear"),
        ("rate-zero.wav", "is not a sound file voiceguide can read"),  # once, tracebacks
        ("rate-4ghz.wav", "says it has 1 channels of 16-bit samples at 4000000000 Hz"),
        ("no-channels.wav", "is not a sound file voiceguide can read"),
        ("no-bits.wav", "is not a sound file voiceguide can read"),
    ],
)
def test_sounds_that_cannot_be_used_are_refused_at_their_line(tmp_path, reference, message):
    folder = tmp_path / "routine"
    tone(tmp_path / "outside.wav")
    tone(Path("/tmp/outside.wav"))
    folder.mkdir()
    (folder / "escape.wav").symlink_to(tmp_path / "outside.wav")
    (folder / "notes.wav").write_text("not audio at all")
    tone(folder / "silence.wav", level=0.0)
    tone(folder / "long.wav", seconds=61, channels=1)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=220:r=8000:d=180", "-ac", "1",
                    str(folder / "three-minutes.flac")], check=True)
    tone(folder / "one-sample.wav", seconds=1 / 22050)
    crafted_wav(folder / "rate-zero.wav", rate=0)
    crafted_wav(folder / "rate-4ghz.wav", rate=4_000_000_000)
    crafted_wav(folder / "no-channels.wav", channels=0)
    crafted_wav(folder / "no-bits.wav", bits=0)

    with pytest.raises(ScriptError, match=message) as caught:
        session_of(folder, f"title: T\nsteps:\n  - say: Hello.\n  - chime: {reference}\n")
    assert (caught.value.line, caught.value.column) == (4, 5)
