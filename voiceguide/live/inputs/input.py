"""What an input source is, and the commands it may give the Player.

An input turns its own events (a key, a media key, a spoken word) into command
names from COMMANDS, on a thread of its own; the Player is thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from voiceguide.live.player import Player

COMMANDS: dict[str, Callable[[Player], None]] = {
    "pause": Player.pause,
    "resume": Player.resume,
    "toggle": Player.toggle_pause,
    "next": Player.next_section,
    "previous": Player.previous_section,
    "louder": Player.volume_up,
    "softer": Player.volume_down,
    "stop": Player.stop,
}
"""Everything an input can ask of a session, by name: each input maps its own events to these."""


@dataclass(frozen=True)
class InputSettings:
    """What the command line asks of the inputs, given whole to every input's factory, as black passes its
    `Mode`: each input reads what concerns it, and a new setting is one new field, not a new signature."""

    listen: bool = False
    """`play --listen`: voice commands through the default microphone."""
    wake: bool = False
    """`play --listen --wake`: a command counts only after the wake word."""
    phrases: Mapping[str, str] = field(default_factory=dict)
    """Each spoken phrase and the command in COMMANDS it gives (the routine's `words: {commands: ...}`)."""
    language: str = "en-us"
    """The language of the routine's voice, in which its command words are said."""

    def said_to_go_on(self) -> str | None:
        """The words that end a wait by voice, for the screen: the first "resume" phrase (after the wake word
        with `wake`), or None when voice commands are not asked for."""
        from voiceguide.live.listen.recognizer import WAKE_WORD

        phrase = next((phrase for phrase, command in self.phrases.items() if command == "resume"), None)
        if not self.listen or phrase is None:
            return None
        return f"{WAKE_WORD}, {phrase}" if self.wake else phrase


class Unavailable(Exception):
    """An input that cannot work here (media keys with no session bus), or was asked for and cannot
    (no microphone, an extra not installed): its message is said on one line, and the session plays on
    with the other inputs. An input that is simply not wanted here (keys with no terminal) is None instead."""


class Input(Protocol):
    def start(self, player: Player) -> None:
        """Begin listening, on the input's own thread, and give `player` commands with `obey`."""
        ...

    def stop(self) -> None:
        """Stop listening, and put back whatever was changed (a terminal's mode); called however the session ends."""
        ...


def obey(player: Player, command: str) -> None:
    """Give `player` a command from an input's thread.

    A failure there (a section's title that cannot be synthesized) would only be printed
    on that thread, so it ends the session instead, and `player.wait()` raises it where
    the program says it.
    """
    try:
        COMMANDS[command](player)
    except Exception as exc:
        player.stop(exc)
