"""Input sources: what gives a live session its commands (the keys; media keys and voice to come).

Adding an input is one new file and one entry here: write
`voiceguide/live/inputs/NAME.py` with a class that follows the `Input` protocol in
`input.py` (it maps its events to command names in `COMMANDS` and gives them with
`obey`, from its own thread), and add `"NAME": factory` to `INPUTS` below: a callable
given the program's Environment that returns the input, or None where it cannot
work here. `listening` starts every input that can.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from voiceguide.live.inputs.input import COMMANDS, Input, obey
from voiceguide.live.inputs.keys import Keys
from voiceguide.live.player import Player
from voiceguide.support.environment import Environment

__all__ = ["COMMANDS", "INPUTS", "Input", "listening", "obey"]

INPUTS: dict[str, Callable[[Environment], Input | None]] = {
    "keys": Keys.on,
}


@contextlib.contextmanager
def listening(player: Player, environment: Environment) -> Iterator[None]:
    """Inside the block, every input that can work here gives `player` commands; each is stopped however it ends."""
    with contextlib.ExitStack() as started:
        for open_input in INPUTS.values():
            source = open_input(environment)
            if source is not None:
                started.callback(source.stop)  # first: what start changes is put back even if it is cut short
                source.start(player)
        yield
