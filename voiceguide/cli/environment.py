"""The Environment of this process: the one place that reads the real streams and variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from voiceguide.support.environment import Environment

CACHE_VARIABLE = "VOICEGUIDE_CACHE_DIR"


def from_process() -> Environment:
    """Streams as they are now (a test runner may have swapped them), the cache and voices folders, the session bus."""
    return Environment(
        cache_folder=_cache_folder(),
        voices_folder=_voices_folder(),
        session_bus=os.environ.get("DBUS_SESSION_BUS_ADDRESS") or None,
        stdin=sys.stdin,
        stdout=sys.stdout,
        stderr=sys.stderr,
        stdin_is_terminal=_is_terminal(sys.stdin),
        stdout_is_terminal=_is_terminal(sys.stdout),
        stderr_is_terminal=_is_terminal(sys.stderr),
    )


def _cache_folder() -> Path:
    override = os.environ.get(CACHE_VARIABLE)
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path("voiceguide", appauthor=False) / "clips"


def _voices_folder() -> Path:
    from platformdirs import user_data_path

    return user_data_path("voiceguide", appauthor=False) / "voices"


def _is_terminal(stream: object) -> bool:
    """False for a closed or missing stream too (stdin may be None when a parent closed it)."""
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (ValueError, OSError):
        return False
