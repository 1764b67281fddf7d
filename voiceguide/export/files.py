"""Blocks to a file, in the format its name asks for (see `formats`), with tags, chapters and a transcript.

The renderer's blocks stream into the format's sink as they are made, so memory
stays flat however long the session. Everything is written beside its target
and renamed into place: an interrupted or failed export leaves no partial file
and an existing file untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from voiceguide.export.formats import Format, Output, format_of
from voiceguide.export.playlist import Entry, m3u
from voiceguide.export.transcript import webvtt
from voiceguide.render import Renderer
from voiceguide.session import Session
from voiceguide.support.atomic import replacing
from voiceguide.support.errors import UsageError, VoiceguideError


@dataclass(frozen=True)
class ExportSettings:
    bitrate: int = 96
    """kbps, constant: iOS seeks variable-bitrate MP3 inaccurately."""
    transcript: bool = False
    """Also write the spoken lines as WebVTT beside the audio."""


Progress = Callable[[int], None]
"""Called with the number of samples just written."""


def ready_to_write(target: Path, settings: ExportSettings) -> Format:
    """What can be checked before any speech is made: the name, the folder, the bitrate and the tools the format needs."""
    if target.is_dir():
        raise UsageError(f"'{target}' is a folder; name the file to write, e.g. {target / 'session.mp3'}")
    file_format = format_of(target)
    if not target.parent.is_dir():
        raise UsageError(f"the folder '{target.parent}' does not exist; create it first")
    file_format.check(settings.bitrate, target.suffix)
    return file_format


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
    file_format = ready_to_write(target, settings)
    renderer = Renderer(session)
    report = progress or (lambda samples: None)
    with writing(target, committed) as temporary:
        output = Output(temporary, target, session, settings.bitrate)
        with file_format.sink(output) as sink:
            for block in renderer.blocks():
                sink.write(block)
                report(len(block))
            sink.close()
        if file_format.finish is not None:
            file_format.finish(output)
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
