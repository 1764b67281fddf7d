"""What the program runs in: its streams, which of them are terminals, the cache and voices folders, the session bus.

Built once at the entry point (`voiceguide.cli.environment.from_process`) and passed
down, as httpie does; tests build their own. Nothing below the command line reads
`os.environ` or asks a stream whether it is a terminal: it asks this object.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Environment:
    cache_folder: Path
    """Where speech clips are kept (`VOICEGUIDE_CACHE_DIR`, else the user cache folder)."""
    voices_folder: Path | None = None
    """The user's own Piper voices (the user data folder's `voices/`); None for none."""
    session_bus: str | None = None
    """The D-Bus session bus's address (`DBUS_SESSION_BUS_ADDRESS`): where media keys reach a session; None for none."""
    stdin: IO[str] | None = None
    """None when there is no input at all (stdin closed)."""
    stdout: IO[str] = field(default_factory=io.StringIO)
    stderr: IO[str] = field(default_factory=io.StringIO)
    stdin_is_terminal: bool = False
    stdout_is_terminal: bool = False
    stderr_is_terminal: bool = False
