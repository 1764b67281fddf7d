"""Titles, comments and chapters inside the exported file, so phones and podcast players show them.

MP3 gets ID3v2.3 written by mutagen: CTOC + CHAP frames in time order (podcast
players need the CTOC to show CHAP chapters). Other containers get the same
information through an ffmpeg metadata file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voiceguide.script.routine import Routine
from voiceguide.support.units import SAMPLE_RATE
from voiceguide.timeline import Timeline

ARTIST = "voiceguide"


def comment(routine: Routine) -> str:
    """The routine's description and full safety text, for the file's comment."""
    parts = [routine.description, f"Safety: {routine.safety_text}" if routine.safety_text else None]
    return "\n\n".join(p.strip() for p in parts if p)


def _milliseconds(samples: int) -> int:
    return round(samples * 1000 / SAMPLE_RATE)


def write_id3(path: Path, routine: Routine, timeline: Timeline) -> None:
    """Tags and chapters on an MP3 file, as ID3v2.3, chapters in time order."""
    from mutagen.id3 import CHAP, COMM, CTOC, TALB, TCON, TIT2, TPE1, CTOCFlags

    tags = _ordered_id3()
    tags.add(TIT2(encoding=3, text=routine.title))
    tags.add(TPE1(encoding=3, text=ARTIST))
    tags.add(TALB(encoding=3, text=ARTIST))
    tags.add(TCON(encoding=3, text="Speech"))
    if comment(routine):
        tags.add(COMM(encoding=3, lang="eng", desc="", text=comment(routine)))
    ids = [f"chp{index}" for index in range(len(timeline.chapters))]
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=routine.title)],
        )
    )
    for element_id, chapter in zip(ids, timeline.chapters):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=_milliseconds(chapter.start),
                end_time=_milliseconds(chapter.end),
                start_offset=0xFFFFFFFF,  # "unknown": players seek by time
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    tags.save(path, v2_version=3)


def _ordered_id3() -> Any:
    """An ID3 tag that writes its frames in the order they were added.

    mutagen sorts frames by size when saving, which scatters CHAP frames out of
    time order; players and ffprobe that read chapters in file order then list
    them shuffled. The tests read the chapters back, so a mutagen change shows.
    """
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class OrderedID3(ID3):
        def _write(self, config: Any) -> bytearray:
            return bytearray().join(save_frame(frame, config=config) for frame in self.values())

    return OrderedID3()


def ffmetadata(routine: Routine, timeline: Timeline) -> str:
    """The same tags and chapters in ffmpeg's metadata format, for Ogg and M4A."""

    def escape(text: str) -> str:
        for char in "\\=;#\n":
            text = text.replace(char, "\\" + char)
        return text

    lines = [";FFMETADATA1", f"title={escape(routine.title)}", f"artist={ARTIST}", f"album={ARTIST}", "genre=Speech"]
    if comment(routine):
        lines.append(f"comment={escape(comment(routine))}")
    for chapter in timeline.chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={_milliseconds(chapter.start)}",
            f"END={_milliseconds(chapter.end)}",
            f"title={escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"
