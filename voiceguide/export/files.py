"""Blocks to a file: MP3 (constant bitrate, for phones), WAV, Ogg or M4A, with tags, chapters and a transcript.

The renderer's blocks stream into an ffmpeg process as they are made, so memory
stays flat however long the session. Everything is written beside its target
and renamed into place: an interrupted or failed export leaves no partial file
and an existing file untouched. WAV needs no ffmpeg at all.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from voiceguide.export import tags as tagging
from voiceguide.support.atomic import replacing
from voiceguide.support.errors import MissingToolError, UsageError, VoiceguideError
from voiceguide.support.interruptions import held
from voiceguide.export.playlist import Entry, m3u
from voiceguide.support.quiet_pydub import pydub
from voiceguide.render import Renderer, to_pcm16
from voiceguide.session import Session
from voiceguide.export.transcript import webvtt
from voiceguide.support.units import SAMPLE_RATE

CODECS = {
    "mp3": ["-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-write_xing", "1", "-id3v2_version", "0", "-f", "mp3"],
    # Opus (it runs at 48 kHz) rather than Vorbis: better for speech, and ffmpeg writes its chapters.
    "ogg": ["-c:a", "libopus", "-f", "ogg"],
    "opus": ["-c:a", "libopus", "-f", "ogg"],
    "m4a": ["-ar", str(SAMPLE_RATE), "-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"],
}
FORMATS = ("mp3", "wav", "ogg", "opus", "m4a")


@dataclass(frozen=True)
class ExportSettings:
    bitrate: int = 96
    """kbps, constant: iOS seeks variable-bitrate MP3 inaccurately."""
    transcript: bool = False
    """Also write the spoken lines as WebVTT beside the audio."""


Progress = Callable[[int], None]
"""Called with the number of samples just written."""


def format_of(target: Path) -> str:
    kind = target.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise UsageError(f"cannot tell the format of '{target}'; end the name with .{', .'.join(FORMATS)}")
    return kind


def ready_to_write(target: Path) -> str | None:
    """What can be checked before any speech is made: the format, the folder, and ffmpeg if the format needs it.

    Returns the ffmpeg to encode with, or None for WAV.
    """
    kind = format_of(target)
    if not target.parent.is_dir():
        raise UsageError(f"the folder '{target.parent}' does not exist; create it first")
    return ffmpeg_for(kind)


def ffmpeg_for(kind: str) -> str | None:
    """The ffmpeg to encode `kind` with; None for WAV, which needs none."""
    return None if kind == "wav" else find_ffmpeg()


def find_ffmpeg() -> str:
    """ffmpeg as pydub finds it, or a message with the install command."""
    found = pydub().utils.which("ffmpeg")
    if not found:
        raise MissingToolError(
            "ffmpeg is not installed; install it with: sudo apt install ffmpeg (Debian/Ubuntu) or brew install ffmpeg "
            "(WAV export works without it: -o session.wav)"
        )
    return found


def export(
    session: Session,
    target: Path,
    settings: ExportSettings = ExportSettings(),
    progress: Progress | None = None,
    committed: Callable[[], None] | None = None,
) -> None:
    """Write the session to `target` (format from its extension), and its transcript if asked.

    `committed`: see `writing`.
    """
    ffmpeg, kind = ready_to_write(target), format_of(target)
    renderer = Renderer(session)
    report = progress or (lambda samples: None)
    with writing(target, committed) as temporary:
        if ffmpeg is None:
            _write_wav(renderer, temporary, report)
        else:
            _encode(renderer, session, ffmpeg, temporary, kind, settings, report)
        if kind == "mp3":
            tagging.write_id3(temporary, session.routine, session.timeline)
        if settings.transcript:  # put in place just before the audio, so the two go together
            with writing(target.with_suffix(".vtt")) as transcript:
                transcript.write_text(webvtt(session.timeline), encoding="utf-8")


def write_playlist(folder: Path, entries: list[Entry], committed: Callable[[], None] | None = None) -> Path:
    playlist = folder / "playlist.m3u"
    with writing(playlist, committed) as temporary:
        temporary.write_text(m3u(entries), encoding="utf-8")
    return playlist


@contextmanager
def writing(target: Path, committed: Callable[[], None] | None = None) -> Iterator[Path]:
    """`atomic.replacing`, with the file system's refusals (full, read-only, no permission) said plainly.

    `committed` is called the moment the file is in place, before an interruption
    held back meanwhile takes effect: the caller decides what a late Ctrl-C means.
    """
    try:
        with replacing(target, committed) as temporary:
            yield temporary
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise VoiceguideError(f"cannot write '{target}': {reason}; choose a folder with space you can write to")


def _write_wav(renderer: Renderer, path: Path, report: Progress) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        for block in renderer.blocks():
            out.writeframes(to_pcm16(block))
            report(len(block))


def _encode(
    renderer: Renderer, session: Session, ffmpeg: str, path: Path, kind: str, settings: ExportSettings, report: Progress
) -> None:
    with tempfile.TemporaryDirectory(prefix="voiceguide-") as scratch:
        command = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
        command += ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
        if kind != "mp3":  # MP3 gets its ID3 chapters from mutagen afterwards
            metadata = Path(scratch) / "metadata.txt"
            metadata.write_text(tagging.ffmetadata(session.routine, session.timeline), encoding="utf-8")
            command += ["-i", str(metadata), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        command += ["-ac", "1", "-b:a", f"{settings.bitrate}k", *CODECS[kind], str(path)]
        errors = Path(scratch) / "ffmpeg.log"
        process = None
        try:
            # Held: ffmpeg started but not yet ours to stop would write on after the cleanup.
            with errors.open("wb") as log, held():
                process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
            for block in renderer.blocks():
                process.stdin.write(to_pcm16(block))
                report(len(block))
            process.stdin.close()
            code = process.wait()
        except BrokenPipeError:
            code = process.wait()
        finally:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        if code != 0:
            lines = errors.read_text(errors="replace").strip().splitlines() or [f"exit status {code}"]
            raise VoiceguideError(f"ffmpeg could not write '{path.name}': {lines[-1]}")
