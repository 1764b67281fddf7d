"""Input sources: what gives a live session its commands (the keys, media keys and headset buttons).

Adding an input is one new file and one entry here: write
`voiceguide/live/inputs/NAME.py` with a class that follows the `Input` protocol in
`input.py` (it maps its events to command names in `COMMANDS` and gives them with
`obey`, from its own thread), and add `"NAME": factory` to `INPUTS` below: a callable
given the program's Environment that returns the input, None where it is not
wanted here, or raises `Unavailable` with the reason where it cannot work.
`listening` starts every input that can and notes each reason.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from voiceguide.live.inputs.input import COMMANDS, Input, Unavailable, obey
from voiceguide.live.inputs.keys import Keys
from voiceguide.live.inputs.mpris import Mpris
from voiceguide.live.player import Player
from voiceguide.support.environment import Environment

__all__ = ["COMMANDS", "INPUTS", "Input", "Unavailable", "listening", "obey"]

INPUTS: dict[str, Callable[[Environment], Input | None]] = {
    "keys": Keys.on,
    "mpris": Mpris.on,
}


@contextlib.contextmanager
def listening(player: Player, environment: Environment, note: Callable[[str], None]) -> Iterator[None]:
    """Inside the block, every input that can work here gives `player` commands; each is stopped however it ends.
    An input that cannot work says why through `note`, once, and the session plays on without it."""
    with contextlib.ExitStack() as started:
        for open_input in INPUTS.values():
            try:
                source = open_input(environment)
            except Unavailable as reason:
                note(str(reason))
                continue
            if source is not None:
                started.callback(source.stop)  # first: what start changes is put back even if it is cut short
                source.start(player)
        yield
