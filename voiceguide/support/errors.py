"""The one family of errors a user can cause, each with what to do about it.

The CLI prints any of these on one line and exits with `exit_code`; anything
else reaching the user is a bug.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path


def one_line(text: str) -> str:
    """Control characters (a newline in a quoted key, say) shown escaped, so a message stays on one line."""
    return "".join(repr(char)[1:-1] if unicodedata.category(char) == "Cc" else char for char in text)


class VoiceguideError(Exception):
    """A problem the user can fix; the message says what is wrong and what to do."""

    exit_code = 1

    def __str__(self) -> str:
        return one_line(super().__str__())


class ScriptError(VoiceguideError):
    """A routine script is wrong; rendered as FILE:LINE:COL: message."""

    exit_code = 2

    def __init__(self, message: str, file: str | Path, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return one_line(f"{self.file}:{self.line}:{self.column}: {self.message}")


class UsageError(VoiceguideError):
    """The command line asks for something impossible (e.g. too few minutes)."""

    exit_code = 2


class DoesNotFit(UsageError):
    """The routine's words, chimes and countdowns alone take longer than the length asked for."""


class MissingToolError(VoiceguideError):
    """A system program voiceguide relies on (espeak-ng, ffmpeg) is not installed."""


class SpeechError(VoiceguideError):
    """The speech engine failed to produce audio."""


class AudioDeviceError(VoiceguideError):
    """No sound device to play on, or it is busy; the message points to `voiceguide export`."""
