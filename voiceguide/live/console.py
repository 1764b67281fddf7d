"""The terminal during a live session: keys for a free hand, a screen for anyone looking.

Nothing here is needed: a session plays to its end by itself. Without a terminal
(output to a pipe or a file) there is no screen, only one line per section, and
without a terminal on input there are no keys.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from collections.abc import Callable, Iterator
from typing import IO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.text import Text

from voiceguide.live.player import Player, Status
from voiceguide.support.units import clock

KEYS: dict[str, Callable[[Player], None]] = {
    " ": Player.toggle_pause,
    "n": Player.next_section,
    "p": Player.previous_section,
    "+": Player.volume_up,
    "=": Player.volume_up,  # + without shift
    "-": Player.volume_down,
    "_": Player.volume_down,
    "q": Player.stop,
}
HELP = "space pause/resume · n/p next/previous section · +/- volume · q or Ctrl-C stop"
LOOK_EVERY = 0.1
"""Seconds between looks at the player, for keys and the screen; the session keeps its own time."""


def follow(player: Player, title: str, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> None:
    """Show the session until it is over, taking keys when there is a terminal to type in."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    with _keys(stdin) as read_key:
        if stdout.isatty():
            _screen(player, title, read_key, Console(file=stdout))
        else:
            _lines(player, read_key, stdout)


def _screen(player: Player, title: str, read_key: Callable[[float], str | None], console: Console) -> None:
    with Live(screen(player.status(), title), console=console, auto_refresh=False) as live:
        while not player.wait(0):
            _obey(player, read_key(LOOK_EVERY))
            live.update(screen(player.status(), title), refresh=True)


def _lines(player: Player, read_key: Callable[[float], str | None], stdout: IO[str]) -> None:
    shown = None
    while True:
        status = player.status()
        if status.chapter != shown:
            shown = status.chapter
            print(f"{clock(shown.start):>7}  {shown.title}", file=stdout, flush=True)
        if player.wait(0):
            return
        _obey(player, read_key(LOOK_EVERY))


def _obey(player: Player, key: str | None) -> None:
    action = KEYS.get(key or "")
    if action:
        action(player)


def screen(status: Status, title: str) -> RenderableType:
    """The session at a glance: section, words, times left, a progress bar, the keys."""
    state = "paused" if status.paused else "playing"
    volume = f" · volume {status.volume_db:+.0f} dB" if status.volume_db else ""
    times = f"session {clock(status.duration - status.position)} left{volume}"
    if status.hold_left is not None:
        times = f"hold {clock(status.hold_left)} left · {times}"
    return Group(
        Text.assemble((title, "bold"), f"  ({state})"),
        Text(f"Section {status.chapter_number} of {status.chapters}: {status.chapter.title}"),
        Text(f"“{status.instruction}”" if status.instruction else "", style="italic"),
        Text(times),
        ProgressBar(total=status.duration, completed=status.position),
        Text(HELP, style="dim"),
    )


@contextlib.contextmanager
def _keys(stdin: IO[str]) -> Iterator[Callable[[float], str | None]]:
    """Keys one at a time, unechoed (Ctrl-C still interrupts); the terminal is restored however we leave."""
    try:
        import termios
        import tty

        fd = stdin.fileno()
        saved = termios.tcgetattr(fd) if stdin.isatty() else None
    except (ImportError, OSError, ValueError):  # no termios (Windows), or no real file behind stdin
        saved = None
    if saved is None:
        yield lambda timeout: _idle(timeout)
        return
    tty.setcbreak(fd)
    try:
        yield lambda timeout: os.read(fd, 1).decode(errors="ignore") if select.select([fd], [], [], timeout)[0] else None
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _idle(timeout: float) -> None:
    select.select([], [], [], timeout)
