"""Blocks streamed as 16-bit PCM into an ffmpeg process, which encodes them as they come.

Memory stays flat however long the session: nothing waits for the whole audio.
The codecs below are the arguments that follow the input on ffmpeg's command
line; a format ffmpeg can make needs only a new one here (and its registry entry).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from voiceguide.export.sink import Sink
from voiceguide.render import to_pcm16
from voiceguide.support.errors import MissingToolError, VoiceguideError
from voiceguide.support.interruptions import held
from voiceguide.support.quiet_pydub import pydub
from voiceguide.support.units import SAMPLE_RATE

MP3 = ("-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-write_xing", "1", "-id3v2_version", "0", "-f", "mp3")
"""No ID3 from ffmpeg: mutagen writes it afterwards, with the CTOC that ffmpeg leaves out."""
OPUS_IN_OGG = ("-c:a", "libopus", "-f", "ogg")
"""Opus (it runs at 48 kHz) rather than Vorbis: better for speech, and ffmpeg writes its chapters."""
AAC_IN_M4A = ("-ar", str(SAMPLE_RATE), "-c:a", "aac", "-movflags", "+faststart", "-f", "ipod")


def find_ffmpeg() -> str:
    """ffmpeg as pydub finds it, or a message with the install command."""
    found: str | None = pydub().utils.which("ffmpeg")
    if not found:
        raise MissingToolError(
            "ffmpeg is not installed; install it with: sudo apt install ffmpeg (Debian/Ubuntu) or brew install ffmpeg "
            "(WAV export works without it: -o session.wav)"
        )
    return found


@contextmanager
def ffmpeg_sink(
    path: Path, target: Path, codec: Sequence[str], bitrate: int, metadata: str | None = None
) -> Iterator[Sink]:
    """An ffmpeg sink encoding with `codec` at `bitrate` kbps (constant) into `path`.

    `target`: the file the user asked for, named in messages (`path` is usually
    a hidden temporary file beside it). `metadata`: tags and chapters in
    ffmpeg's metadata format, for containers whose tags ffmpeg writes.
    """
    with tempfile.TemporaryDirectory(prefix="voiceguide-") as scratch:
        command = [find_ffmpeg(), "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
        command += ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
        if metadata is not None:
            tags = Path(scratch) / "metadata.txt"
            tags.write_text(metadata, encoding="utf-8")
            command += ["-i", str(tags), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        command += ["-ac", "1", "-b:a", f"{bitrate}k", *codec, str(path)]
        errors = Path(scratch) / "ffmpeg.log"
        process = None
        try:
            # Held: ffmpeg started but not yet ours to stop would write on after the cleanup.
            with errors.open("wb") as log, held():
                process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
            yield _FfmpegSink(process, errors, target)
        finally:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


class _FfmpegSink:
    def __init__(self, process: subprocess.Popen[bytes], errors: Path, target: Path) -> None:
        assert process.stdin is not None  # Popen was given stdin=PIPE
        self._process = process
        self._stdin: IO[bytes] = process.stdin
        self._errors = errors
        self._target = target

    def write(self, block: np.ndarray) -> None:
        try:
            self._stdin.write(to_pcm16(block))
        except BrokenPipeError:  # ffmpeg has stopped reading: it failed, and its log says why
            raise self._failure() from None

    def close(self) -> None:
        try:
            self._stdin.close()
        except BrokenPipeError:  # the last bytes could not be flushed: ffmpeg failed
            pass
        if self._process.wait() != 0:
            raise self._failure()

    def _failure(self) -> VoiceguideError:
        code = self._process.wait()
        lines = self._errors.read_text(errors="replace").strip().splitlines() or [f"exit status {code}"]
        return VoiceguideError(f"ffmpeg could not write '{self._target}': {lines[-1]}")
