"""Running voiceguide as a user's shell would, for the tests that signal it or compare what it wrote."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from pathlib import Path


def start_voiceguide(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """`python -m voiceguide ARGS`, with Ctrl-C live as in a terminal's foreground job.

    A job started in the background of a script ignores Ctrl-C, and so would
    everything it starts: the tests would then interrupt nothing.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "voiceguide", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **popen,
    )


def finished(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    """Its exit code and standard error; one that hangs is killed and fails the test."""
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError(f"voiceguide still running after {timeout} s; its stderr: {stderr[-2000:]!r}") from None
    return process.returncode, stderr


def fingerprint(path: Path) -> str:
    """Size and hash, to compare files without pytest diffing megabytes byte by byte (which takes hours)."""
    data = path.read_bytes()
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}"
