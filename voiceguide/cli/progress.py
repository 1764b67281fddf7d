"""Progress bars on stderr, each a context manager, shown only when stderr is a terminal.

Leaving the block any way at all (done, Ctrl-C, a speech error, a full disk)
stops the bar: the cursor is shown again and the line is cleared before any message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from voiceguide.support.environment import Environment


@contextmanager
def preparing_speech(environment: Environment, total: int) -> Iterator[Callable[[], None]]:
    """A bar while `total` clips are made; gives what to call after each one."""
    with _bar(environment, "Preparing speech", total) as advance:
        yield lambda: advance(1)


@contextmanager
def writing(environment: Environment, name: str, total: int) -> Iterator[Callable[[int], None]]:
    """A bar while a file of `total` samples is written; gives what to call with each block's length."""
    with _bar(environment, f"Writing {name}", total) as advance:
        yield advance


@contextmanager
def _bar(environment: Environment, description: str, total: int) -> Iterator[Callable[[int], None]]:
    """Rich's bar (description, bar, percentage, time left), erased when it ends."""
    if not environment.stderr_is_terminal:
        yield lambda amount: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=environment.stderr, force_terminal=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda amount: progress.advance(task, amount)
