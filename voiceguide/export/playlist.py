"""An M3U playlist with relative paths, titles and real durations: a folder ready to copy to a phone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    file_name: str
    title: str
    seconds: float


def m3u(entries: list[Entry]) -> str:
    lines = ["#EXTM3U"]
    for entry in entries:
        lines += [f"#EXTINF:{round(entry.seconds)},{entry.title}", entry.file_name]
    return "\n".join(lines) + "\n"
