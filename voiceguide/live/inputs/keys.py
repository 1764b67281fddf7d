"""The keyboard: one key, one command, for a free hand at the terminal the session was started in."""

from __future__ import annotations

import contextlib
import os
import select
import threading
from typing import Any

from voiceguide.live.inputs.input import InputSettings, obey
from voiceguide.live.player import Player
from voiceguide.support.environment import Environment

KEYS = {
    " ": "toggle",
    "n": "next",
    "p": "previous",
    "+": "louder",
    "=": "louder",  # + without shift
    "-": "softer",
    "_": "softer",
    "q": "stop",
}
HELP = "space pause/resume · n/p next/previous section · +/- volume · q or Ctrl-C stop"
POLL = 0.1
"""Seconds the reader waits for a key before it looks again whether it is to stop."""


class Keys:
    """Keys one at a time, unechoed (Ctrl-C still interrupts), read on a thread of their own."""

    def __init__(self, fd: int, saved: list[Any]) -> None:
        self._fd = fd
        self._saved = saved
        """The terminal's mode before, put back on stopping."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def on(cls, environment: Environment, settings: InputSettings) -> Keys | None:
        """The keys of the terminal stdin is; None if it is none (a pipe, a file, closed, or no termios, as on Windows)."""
        stdin = environment.stdin
        if stdin is None or not environment.stdin_is_terminal:
            return None
        try:
            import termios

            fd = stdin.fileno()
            return cls(fd, termios.tcgetattr(fd))
        except (ImportError, OSError, ValueError):  # no termios, or no real file behind stdin
            return None

    def start(self, player: Player) -> None:
        import tty

        tty.setcbreak(self._fd)
        self._thread = threading.Thread(target=self._read, args=(player,), name="voiceguide keys", daemon=True)
        self._thread.start()

    def _read(self, player: Player) -> None:
        while not self._stopping.is_set():
            if select.select([self._fd], [], [], POLL)[0]:
                key = os.read(self._fd, 1)
                if not key:
                    return  # the terminal hung up: no more keys, and no busy loop
                command = KEYS.get(key.decode(errors="ignore"))
                if command and not self._stopping.is_set():
                    obey(player, command)

    def stop(self) -> None:
        """The reader ends within POLL, or once the command it is giving is done.

        It is waited for before the terminal is restored (restored under a pending select,
        a key could wait for Enter), and the terminal is restored even if Ctrl-C cuts the wait.
        """
        import termios

        self._stopping.set()
        try:
            if self._thread is not None:
                self._thread.join()
        finally:
            with contextlib.suppress(termios.error):  # a terminal that hung up has no mode to put back
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
