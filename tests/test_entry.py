"""The entry layer: a command takes its surroundings from one Environment and leaves the process as it found it."""

from __future__ import annotations

import io
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voiceguide.cli.app import app
from voiceguide.support.environment import Environment
from voiceguide.support.interruptions import until_done

SHORT = "title: Short\nsteps:\n  - say: Rest your hands.\n    pause: 1s\n"


def handlers() -> dict[signal.Signals, object]:
    return {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}


def test_a_python_caller_keeps_its_signal_handlers_after_an_export(script, tmp_path):
    """Once, an export left Ctrl-C ignored in the calling process."""
    before = handlers()
    result = CliRunner().invoke(app, ["export", str(script(SHORT)), "-o", str(tmp_path / "short.wav")])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "short.wav").stat().st_size > 44
    assert handlers() == before


def test_a_python_caller_keeps_its_signal_handlers_when_a_command_fails(tmp_path):
    before = handlers()
    result = CliRunner().invoke(app, ["export", "headache", "-o", str(tmp_path / "nowhere" / "x.mp3")])

    assert result.exit_code == 2
    assert handlers() == before


def test_a_command_writes_to_its_environments_streams_and_cache(script, tmp_path):
    out = io.StringIO()
    environment = Environment(cache_folder=tmp_path / "own-cache", stdout=out)
    result = CliRunner().invoke(app, ["show", str(script(SHORT)), "--json"], obj=environment)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # nothing went to the process's own stdout
    assert '"text": "Rest your hands."' in out.getvalue()
    assert len(list((tmp_path / "own-cache").glob("*.wav"))) == 1


def test_once_done_an_interruption_is_dropped_and_the_handlers_come_back(ctrl_c_raises):
    before = handlers()
    with pytest.raises(KeyboardInterrupt), until_done():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
    with until_done() as done:
        done()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)  # the signal arrives here, and is dropped
    assert handlers() == before


@pytest.fixture
def ctrl_c_raises():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_preparing_speech_shows_the_cursor_and_ends_the_line(script, tmp_path):
    """Once, the bar was never stopped: the cursor stayed hidden and the message was glued to the bar."""
    lines = "".join(f"  - say: Line number {n} of a routine long enough to watch being prepared.\n" for n in range(300))
    routine = script("title: Long\nsteps:\n" + lines)
    controller, terminal = pty.openpty()
    environ = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(tmp_path / "empty-cache"), "COLUMNS": "80"}
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "export", str(routine), "-o", str(tmp_path / "long.mp3")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal, env=environ,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(terminal)
    screen = Screen(controller)  # read all along: a terminal nobody reads fills up and stops the writer
    try:
        screen.wait_for(b"Preparing speech")
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 130
    finally:
        process.kill()
        screen.close()
    screen = screen.seen
    assert screen.rfind(b"\x1b[?25l") < screen.rfind(b"\x1b[?25h"), "the cursor is shown again"
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", screen)  # what remains once the bar's erasing is done
    assert re.split(rb"[\r\n]", text.rstrip(b"\r\n"))[-1] == b"voiceguide: interrupted", "the message on a line of its own"
    assert not (tmp_path / "long.mp3").exists()


class Screen:
    """What a program writes to a terminal, read on a thread until the program closes it."""

    def __init__(self, terminal: int) -> None:
        self._terminal = terminal
        self.seen = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._terminal, 65536)
            except OSError:  # the program closed its end
                return
            if not chunk:
                return
            self.seen += chunk

    def wait_for(self, text: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            assert time.monotonic() < deadline, f"{text!r} never appeared: {self.seen[-400:]!r}"
            time.sleep(0.05)

    def close(self) -> None:
        self._reader.join(10)
        os.close(self._terminal)
