"""The export formats, keyed by file suffix: the one table every question about formats reads.

To add a format, a contributor adds two things:

1. How its audio is written. If ffmpeg can make it: one codec constant in
   `sinks/ffmpeg.py`, the ffmpeg arguments that follow the input (ending in
   `-f MUXER`). Otherwise: one new file in `sinks/` with a context manager that
   opens on a path and yields a `Sink` (`write(block)`, `close()`; see `sink.py`).
2. One entry in `FORMATS` below, keyed by the suffix (lower case, no dot):
   `Format(sink, needs_ffmpeg, finish, max_bitrate)`. `sink` opens the sink for an
   `Output`: `_encoded(CODEC, tagged_by_ffmpeg=...)` for a codec, or a one-line
   function like `_wav` for a new sink file. `finish` is only for tags and
   chapters the sink cannot write itself, added to the whole file (as MP3's ID3).
   `max_bitrate` is the highest kbps its encoder takes (None where bitrate means
   nothing), so a higher `--bitrate` is refused before any work.

No other code changes: the suffix check of `-o`, the `--format` check of
`export --all`, the early checks of bitrate and ffmpeg and the messages listing
the formats all read `FORMATS`. Two texts do not: the `--help` of `export`, which names the
formats in prose, and the codec the round-trip test expects (`CODEC_OF` in
tests/test_export.py; that test fails until the new suffix is there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from voiceguide.export import tags
from voiceguide.export.sink import Sink
from voiceguide.export.sinks.ffmpeg import AAC_IN_M4A, MP3, OPUS_IN_OGG, ffmpeg_sink, find_ffmpeg
from voiceguide.export.sinks.wav import wav_sink
from voiceguide.session import Session
from voiceguide.support.errors import UsageError


@dataclass(frozen=True)
class Output:
    """What a format is asked to write, and where."""

    path: Path
    """Where the audio goes: a temporary file beside `target`, renamed onto it once whole."""
    target: Path
    """The file the user asked for; messages name it."""
    session: Session
    bitrate: int
    """kbps, constant, for the formats that compress."""


@dataclass(frozen=True)
class Format:
    """How one format is written: what it needs, its sink, and what follows the audio."""

    sink: Callable[[Output], AbstractContextManager[Sink]]
    """Opens the sink that writes `Output.path`."""
    needs_ffmpeg: bool
    """Checked before any speech is made, so a missing ffmpeg is said at once."""
    finish: Callable[[Output], None] | None = None
    """Run on the whole file once its sink is closed: tags its sink cannot write."""
    max_bitrate: int | None = None
    """The highest constant bitrate (kbps, mono) its encoder takes; None where bitrate means nothing (WAV)."""

    def check(self, kbps: int, suffix: str) -> None:
        """What can be refused before any work: a bitrate the encoder cannot take, a missing ffmpeg.

        Either would otherwise fail only after the speech is made and the audio rendered.
        """
        if self.max_bitrate is not None and kbps > self.max_bitrate:
            raise UsageError(f"{suffix} files take at most {self.max_bitrate} kbps; lower --bitrate")
        if self.needs_ffmpeg:
            find_ffmpeg()


def _wav(output: Output) -> AbstractContextManager[Sink]:
    return wav_sink(output.path)


def _encoded(codec: Sequence[str], tagged_by_ffmpeg: bool) -> Callable[[Output], AbstractContextManager[Sink]]:
    """`tagged_by_ffmpeg`: the title, comment and chapters go to ffmpeg as a metadata file, for its muxer to write."""

    def sink(output: Output) -> AbstractContextManager[Sink]:
        session = output.session
        metadata = tags.ffmetadata(session.routine, session.timeline) if tagged_by_ffmpeg else None
        return ffmpeg_sink(output.path, output.target, codec, output.bitrate, metadata)

    return sink


def _id3(output: Output) -> None:
    """ID3v2.3 with CTOC and CHAP frames, which ffmpeg's MP3 writer does not make."""
    tags.write_id3(output.path, output.session.routine, output.session.timeline)


_OGG_OPUS = Format(_encoded(OPUS_IN_OGG, tagged_by_ffmpeg=True), needs_ffmpeg=True, max_bitrate=256)

FORMATS: dict[str, Format] = {
    "mp3": Format(_encoded(MP3, tagged_by_ffmpeg=False), needs_ffmpeg=True, finish=_id3, max_bitrate=320),
    "wav": Format(_wav, needs_ffmpeg=False),
    "ogg": _OGG_OPUS,
    "opus": _OGG_OPUS,
    "m4a": Format(_encoded(AAC_IN_M4A, tagged_by_ffmpeg=True), needs_ffmpeg=True, max_bitrate=320),
}


def format_of(target: Path) -> Format:
    """The format its suffix names, or a message listing the suffixes there are."""
    found = FORMATS.get(target.suffix.lower().lstrip("."))
    if found is None:
        raise UsageError(f"cannot tell the format of '{target}'; end the name with .{', .'.join(FORMATS)}")
    return found
