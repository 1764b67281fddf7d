"""Export: real ffmpeg, read back with mutagen, ffprobe and ffmpeg's ebur128 loudness meter."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from running import fingerprint, finished, start_voiceguide
from speaking import clip_maker
from typer.testing import CliRunner

from voiceguide.audio import levels
from voiceguide.cli.app import app
from voiceguide.export.files import ExportSettings, export
from voiceguide.export.formats import FORMATS
from voiceguide.export.transcript import webvtt
from voiceguide.render import Renderer, to_pcm16
from voiceguide.script import library
from voiceguide.script.routine import load_routine, parse_routine
from voiceguide.script.source import load_text
from voiceguide.session import Options, Session, prepare
from voiceguide.support.units import SAMPLE_RATE
from voiceguide.timeline import expand, layout

MP3_FRAME = 1152
ROUTINE = """
title: Export check
description: A short routine for the export tests.
safety: {say: Press gently., text: Press gently. Not on broken skin.}
steps:
  - {say: Sit comfortably., pause: 2s}
  - section: Right hand
  - say: Press the web of your right hand.
    hold: 12s
    remind: {every: 5s, say: Keep pressing.}
    countdown: 3
    release: true
  - section: Left hand
  - {say: Now the left hand., hold: 6s, pause: 2s}
  - say: That is all.
"""


def prepared(path: Path, **options) -> Session:
    return prepare(load_routine(path), Options(**options), clip_maker())


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness and true peak as ffmpeg's ebur128 filter measures them."""
    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr
    summary = log[log.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return integrated, peak


def decoded(path: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters", "-show_streams", "-show_format", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Session, Path]:
    folder = tmp_path_factory.mktemp("export")
    script = folder / "routine.yaml"
    script.write_text(textwrap.dedent(ROUTINE))
    session = prepared(script)
    target = folder / "session.mp3"
    export(session, target, ExportSettings(transcript=True))
    return session, target


def test_the_mp3_is_44k_mono_constant_bitrate(exported):
    from mutagen.mp3 import MP3, BitrateMode

    _, path = exported
    stream = ffprobe(path)["streams"][0]
    info = MP3(path).info

    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("mp3", "44100", 1)
    assert info.bitrate_mode == BitrateMode.CBR and info.bitrate == 96000


def test_loudness_is_minus_16_lufs_with_peaks_under_minus_1_dbtp(exported):
    integrated, peak = ebur128(exported[1])
    assert integrated == pytest.approx(-16, abs=1)
    assert peak <= -1.0


def test_a_quieter_level_can_be_asked_for(tmp_path, script):
    path = script(ROUTINE)
    export(prepared(path, loudness=-23), tmp_path / "quiet.wav")
    integrated, _ = ebur128(tmp_path / "quiet.wav")
    assert integrated == pytest.approx(-23, abs=1)


def test_a_routine_can_ask_for_its_own_level(tmp_path, script):
    path = script(ROUTINE.replace("title: Export check", "title: Export check\nloudness: -20"))
    export(prepared(path), tmp_path / "routine-level.wav")
    assert ebur128(tmp_path / "routine-level.wav")[0] == pytest.approx(-20, abs=1)


def test_tags_name_the_routine_and_carry_description_and_safety(exported):
    from mutagen.id3 import ID3

    session, path = exported
    tags = ID3(path)

    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == "Export check"
    assert str(tags["TPE1"]) == str(tags["TALB"]) == "voiceguide"
    comment = str(tags.getall("COMM")[0])
    assert "A short routine for the export tests." in comment and "Not on broken skin." in comment


def test_chapters_are_ctoc_and_chap_in_time_order_covering_the_file(exported):
    from mutagen.id3 import ID3, CTOCFlags

    session, path = exported
    tags = ID3(path)
    toc = tags.getall("CTOC")[0]
    chapters = [tags[f"CHAP:{element}"] for element in toc.child_element_ids]

    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == ["Export check", "Right hand", "Left hand"]
    assert chapters[0].start_time == 0
    assert all(a.end_time == b.start_time for a, b in zip(chapters, chapters[1:]))
    assert chapters[-1].end_time == round(session.timeline.duration * 1000 / SAMPLE_RATE)

    probed = ffprobe(path)["chapters"]
    assert [c["tags"]["title"] for c in probed] == ["Export check", "Right hand", "Left hand"]
    assert [float(c["start_time"]) for c in probed] == sorted(float(c["start_time"]) for c in probed)


def test_length_and_every_speech_onset_match_show_within_one_mp3_frame(exported):
    session, path = exported
    audio = decoded(path)
    assert abs(len(audio) - session.timeline.duration) <= MP3_FRAME

    threshold = 10 ** (-40 / 20)
    for event in session.timeline.speech:
        window = audio[event.start - 2 * MP3_FRAME : event.start + 2 * MP3_FRAME]
        onset = event.start - 2 * MP3_FRAME + int(np.argmax(np.abs(window) > threshold))
        assert abs(onset - event.start) <= MP3_FRAME, event.text


def test_the_transcript_has_every_spoken_line_at_its_time(exported):
    session, path = exported
    vtt = path.with_suffix(".vtt").read_text()
    speech = list(session.timeline.speech)

    assert vtt.startswith("WEBVTT\n\n")
    cues = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> [\d:.]+\n(.+)", vtt)
    assert [text for *_, text in cues] == [e.text for e in speech]
    starts = [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms, _ in cues]
    assert starts == pytest.approx([e.start / SAMPLE_RATE for e in speech], abs=0.001)


def test_a_wav_export_is_exactly_the_rendered_audio(tmp_path, script):
    session = prepared(script(ROUTINE))
    export(session, tmp_path / "exact.wav")
    with wave.open(str(tmp_path / "exact.wav")) as wav:
        written = wav.readframes(wav.getnframes())
    assert written == b"".join(to_pcm16(block) for block in Renderer(session).blocks())


def test_every_clip_fades_in_and_out_without_a_click(exported):
    session, _ = exported
    renderer = Renderer(session)
    for event in session.timeline.sounds:
        sound = renderer.read(event.start, event.end - event.start)
        assert abs(sound[0]) < 0.01 and abs(sound[-1]) < 0.01
        assert np.abs(sound[:40]).max() < np.abs(sound).max() / 4


def test_no_chime_is_louder_than_the_speech_around_it(exported):
    session, _ = exported
    renderer = Renderer(session)

    loudest_chime = max(levels.loudness(renderer.read(e.start, e.end - e.start)) for e in session.timeline.chimes)
    assert loudest_chime < min(
        levels.loudness(renderer.read(e.start, e.end - e.start))
        for e in session.timeline.speech
        if e.end - e.start > SAMPLE_RATE
    )


@pytest.mark.parametrize("suffix", ["ogg", "opus", "m4a"])
def test_ogg_opus_and_m4a_carry_the_title_and_chapters_too(tmp_path, exported, suffix):
    session, _ = exported
    target = tmp_path / f"session.{suffix}"
    export(session, target)
    probed = ffprobe(target)

    tags = {**probed["format"].get("tags", {}), **probed["streams"][0].get("tags", {})}  # Ogg tags the stream
    assert {key.lower(): value for key, value in tags.items()}["title"] == "Export check"
    assert [c["tags"]["title"] for c in probed["chapters"]] == ["Export check", "Right hand", "Left hand"]


CODEC_OF = {"mp3": "mp3", "wav": "pcm_s16le", "ogg": "opus", "opus": "opus", "m4a": "aac"}
"""The codec ffprobe should find in each registered format; a new format must say its own here."""


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_cli_export_writes_the_file_and_says_where(tmp_path, script, suffix):
    path = script(ROUTINE)
    target = tmp_path / f"out.{suffix}"
    result = CliRunner().invoke(app, ["export", str(path), "-o", str(target), "--minutes", "1", "--bitrate", "64"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{target}  (1:00, 3 chapters)")
    assert ffprobe(target)["streams"][0]["codec_name"] == CODEC_OF[suffix]
    assert abs(len(decoded(target)) - 60 * SAMPLE_RATE) <= MP3_FRAME
    assert [p.name for p in tmp_path.iterdir() if p.name != path.name] == [target.name]  # no temporary left over


def test_an_unknown_extension_is_refused_before_any_work(tmp_path, script):
    result = CliRunner().invoke(app, ["export", str(script(ROUTINE)), "-o", str(tmp_path / "out.flac")])
    assert result.exit_code == 2
    assert "end the name with .mp3, .wav, .ogg, .opus, .m4a" in result.stderr


def test_an_unknown_format_for_all_is_refused_with_the_known_ones(tmp_path):
    result = CliRunner().invoke(app, ["export", "--all", "-o", str(tmp_path / "phone"), "--format", "flac"])
    assert result.exit_code == 2
    assert result.stderr == "voiceguide: --format must be one of mp3, wav, ogg, opus, m4a\n"
    assert not (tmp_path / "phone").exists()


def test_a_folder_that_does_not_exist_is_refused_before_any_speech_is_made(tmp_path, script, monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path / "empty-cache"))
    target = tmp_path / "no-such-folder" / "out.mp3"
    result = CliRunner().invoke(app, ["export", str(script(ROUTINE)), "-o", str(target)])

    assert result.exit_code == 2
    assert result.stderr == f"voiceguide: the folder '{target.parent}' does not exist; create it first\n"
    assert not (tmp_path / "empty-cache").exists()


def test_export_all_writes_every_builtin_and_a_relative_playlist(tmp_path):
    folder = tmp_path / "phone"
    result = CliRunner().invoke(app, ["export", "--all", "-o", str(folder), "--format", "ogg", "--bitrate", "48"])

    assert result.exit_code == 0, result.output
    playlist = (folder / "playlist.m3u").read_text().splitlines()
    files = sorted(p.name for p in folder.glob("*.ogg"))
    assert files == sorted(f"{name}.ogg" for name in library.builtin_names())
    assert playlist[0] == "#EXTM3U"
    assert sorted(playlist[2::2]) == files and all("/" not in name for name in playlist[2::2])
    for info, name in zip(playlist[1::2], playlist[2::2]):
        seconds = int(re.match(r"#EXTINF:(\d+),.+", info).group(1))
        assert abs(float(ffprobe(folder / name)["format"]["duration"]) - seconds) < 1  # each at its own length


def test_without_ffmpeg_mp3_export_says_how_to_install_it_before_making_speech_and_wav_still_works(tmp_path, script):
    path = script(ROUTINE)
    cache = tmp_path / "empty-cache"
    env = {**os.environ, "PATH": str(tmp_path), "VOICEGUIDE_CACHE_DIR": str(cache)}  # a PATH with no ffmpeg on it
    command = [sys.executable, "-m", "voiceguide", "export", str(path), "-o"]

    mp3 = subprocess.run(command + [str(tmp_path / "a.mp3")], capture_output=True, text=True, env=env)
    assert mp3.returncode == 1
    assert "ffmpeg is not installed" in mp3.stderr and "apt install ffmpeg" in mp3.stderr
    assert mp3.stderr.count("\n") == 1 and not (tmp_path / "a.mp3").exists()
    every = subprocess.run(command[:4] + ["--all", "-o", str(tmp_path / "phone")], capture_output=True, text=True, env=env)
    assert every.returncode == 1 and "ffmpeg is not installed" in every.stderr
    assert not cache.exists()  # said at once, not after making the speech

    wav = subprocess.run(command + [str(tmp_path / "a.wav")], capture_output=True, text=True, env=env)
    assert wav.returncode == 0, wav.stderr
    assert (tmp_path / "a.wav").stat().st_size > 0


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def long_export_under_way(script_path: Path, target: Path) -> subprocess.Popen:
    """A four-hour export, returned once it has begun writing its file."""
    CliRunner().invoke(app, ["show", str(script_path)])  # warm the cache so the export starts at once
    process = start_voiceguide("export", str(script_path), "-o", str(target), "--minutes", "240")
    deadline = time.monotonic() + 60
    while not leftovers(target.parent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(target.parent), "the export never started writing"
    time.sleep(0.5)
    return process


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_export_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, script, how):
    target = tmp_path / "session.mp3"
    target.write_bytes(b"the previous export")
    before = fingerprint(target)
    process = long_export_under_way(script(ROUTINE), target)
    process.send_signal(how)
    code, stderr = finished(process, timeout=60)

    assert code == 130
    assert stderr.strip() == "voiceguide: interrupted"
    assert leftovers(tmp_path) == []
    assert fingerprint(target) == before


def test_an_ffmpeg_failure_is_one_line_and_leaves_nothing_behind(tmp_path, script):
    target = tmp_path / "session.mp3"
    process = long_export_under_way(script(ROUTINE), target)
    encoders = subprocess.run(["pgrep", "-P", str(process.pid), "ffmpeg"], capture_output=True, text=True).stdout.split()
    assert encoders, "no ffmpeg child to stop"
    for pid in encoders:
        os.kill(int(pid), signal.SIGKILL)  # ffmpeg dies mid-encode, as on a full disk or a crash
    code, stderr = finished(process, timeout=60)

    assert code == 1
    assert stderr.startswith("voiceguide: ffmpeg could not write") and stderr.count("\n") == 1
    assert leftovers(tmp_path) == [] and not target.exists()


def test_the_transcript_escapes_what_webvtt_would_read_as_markup():
    routine = parse_routine(load_text("title: T\nsteps:\n  - say: 'Press <b>gently</b> & slowly --> then rest.'\n", "t.yaml"))
    timeline = layout(routine, expand(routine), lambda utterance: SAMPLE_RATE, lambda cue: SAMPLE_RATE)

    cue = webvtt(timeline).split("\n\n")[1].splitlines()
    assert cue[1] == "00:00:01.000 --> 00:00:02.000"
    assert cue[2] == "Press &lt;b&gt;gently&lt;/b&gt; &amp; slowly --&gt; then rest."
