"""Input sources: what gives a live session its commands (the keys, media keys and headset buttons, voice commands).

Adding an input is one new file and one entry here: write
`voiceguide/live/inputs/NAME.py` with a class that follows the `Input` protocol in
`input.py` (it maps its events to command names in `COMMANDS` and gives them with
`obey`, from its own thread), and add `"NAME": factory` to `INPUTS` below: a callable
given the program's Environment and the `InputSettings` (the command line's options
and the routine's command words, passed whole) that returns the input, or None where
it is not wanted here. An input that cannot work here (media keys with no session
bus) or was asked for and cannot work (no microphone) raises `Unavailable`, from its
factory or its `start`: `listening` notes that on one line and the session plays on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import ContextManager

from voiceguide.live.inputs.input import COMMANDS, Input, InputSettings, Unavailable, obey
from voiceguide.live.inputs.keys import Keys
from voiceguide.live.inputs.mpris import Mpris
from voiceguide.live.inputs.voice import VoiceCommands
from voiceguide.live.player import Player
from voiceguide.support.environment import Environment

__all__ = ["COMMANDS", "INPUTS", "Input", "InputSettings", "Unavailable", "listening", "obey"]

INPUTS: dict[str, Callable[[Environment, InputSettings], Input | None]] = {
    "keys": Keys.on,
    "mpris": Mpris.on,
    "voice": VoiceCommands.on,
}


@contextlib.contextmanager
def listening(
    player: Player,
    environment: Environment,
    note: Callable[[str], None],
    settings: InputSettings = InputSettings(),
    quietly: Callable[[], ContextManager[object]] = contextlib.nullcontext,
) -> Iterator[frozenset[str]]:
    """Inside the block, every input that can work here gives `player` commands; each is stopped however it ends.
    The block is given the names (in INPUTS) of the inputs that started.

    An input that cannot work says why through `note`, once, and the session plays on without it.
    `quietly` surrounds opening and starting each input: the command line silences the
    chatter of C libraries there (ALSA's, while a microphone is looked for).
    """
    working = set()
    with contextlib.ExitStack() as started:
        for name, open_input in INPUTS.items():
            try:
                with quietly():
                    source = open_input(environment, settings)
                    if source is not None:
                        started.callback(source.stop)  # first: what start changes is put back even if it is cut short
                        source.start(player)
                        working.add(name)
            except Unavailable as reason:
                note(str(reason))
        yield frozenset(working)
