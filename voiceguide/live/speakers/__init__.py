"""Speakers: where a live session's samples go, chosen by name with `voiceguide play --player NAME`.

Adding a speaker is one new file and one entry here: write
`voiceguide/live/speakers/NAME.py` with a class that follows the `Speaker` protocol
in `speaker.py` (its constructor opens the device, raising `no_device(...)` when there
is none), and add `"NAME": ThatClass` to `SPEAKERS` below. The first entry is the
default; `--player` accepts every entry and its error message lists them (its
help text in cli/app.py names them in prose for people, as the README does).
`memory.py` is a complete speaker to copy from; it is not listed, as it plays to no device.
"""

from __future__ import annotations

from collections.abc import Callable

from voiceguide.live.speakers.miniaudio import MiniaudioSpeaker
from voiceguide.live.speakers.simpleaudio import SimpleaudioSpeaker
from voiceguide.live.speakers.speaker import Speaker

__all__ = ["SPEAKERS", "Speaker", "open_speaker"]

SPEAKERS: dict[str, Callable[[], Speaker]] = {
    "miniaudio": MiniaudioSpeaker,
    "simpleaudio": SimpleaudioSpeaker,
}


def open_speaker(name: str) -> Speaker:
    """The named speaker on the default sound device; AudioDeviceError when there is none, or it is busy."""
    return SPEAKERS[name]()
