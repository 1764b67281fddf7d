"""Where rendered audio goes: one small interface, so a new output is one new file.

A sink takes the renderer's blocks one at a time (float32, mono, 44.1 kHz) and
never holds the session, so memory stays flat however long it is. Sinks are
opened as context managers on the path they write: `close()` is the one way to
a whole output, and leaving the block without it (an error, Ctrl-C) abandons
the output and releases what the sink holds (a process, a file handle).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Sink(Protocol):
    def write(self, block: np.ndarray) -> None:
        """Take the next block.

        A failure of the output raises a VoiceguideError naming the target, not
        the temporary file; the file system's refusals may stay OSError, which
        `files.writing` says plainly.
        """

    def close(self) -> None:
        """Finish: once this returns the output is whole."""
