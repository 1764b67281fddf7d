"""The terminal's screen during a live session, for anyone looking.

Nothing here is needed: a session plays to its end by itself. Without a terminal
(output to a pipe or a file) there is no screen, only one line per section. Keys
and other inputs are in `inputs/`.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.padding import Padding
from rich.progress_bar import ProgressBar
from rich.text import Text

from voiceguide.live.inputs.keys import HELP
from voiceguide.live.player import Player, Status
from voiceguide.support.environment import Environment
from voiceguide.support.units import clock

WAITING = "waiting — press space or play to go on"
"""What the screen says while a step waits for the listener."""
LOOK_EVERY = 0.1
"""Seconds between looks at the player; the session keeps its own time."""


def waiting_line(spoken: str | None) -> str:
    """What the screen says while a step waits: with voice commands on, also the words that go on."""
    return f"waiting — press space or play, or say “{spoken}”, to go on" if spoken else WAITING


def follow(
    player: Player, title: str, environment: Environment, say: Callable[[str], None], waiting: str = WAITING
) -> None:
    """Show the session until it is over: a screen on a terminal, else one line per section, written by `say`
    (the command line's, which knows what a full disk or a closed pipe means)."""
    if environment.stdout_is_terminal:
        _screen(player, title, waiting, Console(file=environment.stdout, force_terminal=True))
    else:
        _lines(player, say)


def _screen(player: Player, title: str, waiting: str, console: Console) -> None:
    with Live(screen(player.status(), title, waiting), console=console, auto_refresh=False) as live:
        while not player.wait(LOOK_EVERY):
            live.update(screen(player.status(), title, waiting), refresh=True)


def _lines(player: Player, say: Callable[[str], None]) -> None:
    shown = None
    while True:
        over = player.wait(0)  # asked first: the section under way when it ended still gets its line
        status = player.status()
        if status.chapter_number != shown:  # by number: while speech is made ahead, the section's end moves
            shown = status.chapter_number
            say(f"{clock(status.chapter.start):>7}  {status.chapter.title}")
        if over:
            return
        player.wait(LOOK_EVERY)


def screen(status: Status, title: str, waiting: str = WAITING) -> RenderableType:
    """The session at a glance: section, words, times left, a progress bar, the keys."""
    state = "paused" if status.paused else waiting if status.waiting else "playing"
    volume = f" · volume {status.volume_db:+.0f} dB" if status.volume_db else ""
    times = f"session {clock(status.duration - status.position)} left{volume}"
    if status.hold_left is not None:
        times = f"hold {clock(status.hold_left)} left · {times}"
    return Group(
        Text.assemble((title, "bold"), f"  ({state})"),
        Text(f"Section {status.chapter_number} of {status.chapters}: {status.chapter.title}"),
        Text(f"“{status.instruction}”" if status.instruction else "", style="italic"),
        Text(times),
        Padding(ProgressBar(total=status.duration, completed=status.position), 0),  # ends its line: the keys show below
        Text(HELP, style="dim"),
    )
