"""Media keys, headset buttons and the desktop's sound menu: an MPRIS2 player on the D-Bus session bus.

A Bluetooth headset's buttons, a keyboard's media keys, the sound menu and `playerctl`
all speak MPRIS (https://specifications.freedesktop.org/mpris-spec/latest/) to whichever
player is on the session bus. This input is that player for a live session: their
method calls become commands, and what they show (playing or paused, the section, the
position, the volume) is read from the Player's status. Every change is announced
with PropertiesChanged (and a jump with Seeked) as it happens, so no one needs to poll.

D-Bus is spoken by jeepney, pure Python: nothing to compile, and nothing at all is
needed where there is no session bus (macOS, Windows, a plain SSH login).
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageFlag,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.threading import DBusConnection, DBusRouter, Proxy, open_dbus_connection

from voiceguide.live.inputs.input import InputSettings, Unavailable, obey
from voiceguide.live.player import VOLUME_RANGE_DB, VOLUME_STEP_DB, Player, Status
from voiceguide.support.environment import Environment
from voiceguide.support.units import SAMPLE_RATE

BUS_NAME = "org.mpris.MediaPlayer2.voiceguide"
"""A second session at once takes BUS_NAME.instance<pid>, as the specification says."""
PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
LOOK_EVERY = 0.1
"""Seconds between looks at the Player for changes to announce, when no call comes in."""
SEEKED_BEYOND = 0.5
"""Seconds the position may stray from the clock before it counts as a jump (Seeked)."""
UNAVAILABLE = "no D-Bus session bus here, so media keys and headset buttons cannot reach this session"

METHODS: dict[tuple[str, str], str] = {
    (PLAYER, "PlayPause"): "toggle",
    (PLAYER, "Play"): "resume",
    (PLAYER, "Pause"): "pause",
    (PLAYER, "Next"): "next",
    (PLAYER, "Previous"): "previous",
    (PLAYER, "Stop"): "stop",
    (ROOT, "Quit"): "stop",
}
"""MPRIS methods that are commands; Play ends a pause or a wait, and Next at a wait goes on from it."""
IGNORED = {(ROOT, "Raise"), (PLAYER, "Seek"), (PLAYER, "SetPosition"), (PLAYER, "OpenUri")}
"""Methods a client may call that a session cannot do (CanRaise and CanSeek are false): answered, nothing done."""

INTROSPECTION = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{INTROSPECTABLE}"><method name="Introspect"><arg direction="out" type="s"/></method></interface>
  <interface name="{PROPERTIES}">
    <method name="Get"><arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="out" type="v"/></method>
    <method name="GetAll"><arg direction="in" type="s"/><arg direction="out" type="a{{sv}}"/></method>
    <method name="Set"><arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="in" type="v"/></method>
    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{{sv}}"/><arg type="as"/></signal>
  </interface>
  <interface name="{ROOT}">
    <method name="Raise"/><method name="Quit"/>
    <property name="CanQuit" type="b" access="read"/><property name="CanRaise" type="b" access="read"/>
    <property name="HasTrackList" type="b" access="read"/><property name="Identity" type="s" access="read"/>
    <property name="SupportedUriSchemes" type="as" access="read"/>
    <property name="SupportedMimeTypes" type="as" access="read"/>
  </interface>
  <interface name="{PLAYER}">
    <method name="Next"/><method name="Previous"/><method name="Pause"/><method name="PlayPause"/>
    <method name="Stop"/><method name="Play"/>
    <method name="Seek"><arg direction="in" type="x"/></method>
    <method name="SetPosition"><arg direction="in" type="o"/><arg direction="in" type="x"/></method>
    <method name="OpenUri"><arg direction="in" type="s"/></method>
    <signal name="Seeked"><arg type="x"/></signal>
    <property name="PlaybackStatus" type="s" access="read"/><property name="Rate" type="d" access="read"/>
    <property name="Metadata" type="a{{sv}}" access="read"/><property name="Volume" type="d" access="readwrite"/>
    <property name="Position" type="x" access="read"/>
    <property name="MinimumRate" type="d" access="read"/><property name="MaximumRate" type="d" access="read"/>
    <property name="CanGoNext" type="b" access="read"/><property name="CanGoPrevious" type="b" access="read"/>
    <property name="CanPlay" type="b" access="read"/><property name="CanPause" type="b" access="read"/>
    <property name="CanSeek" type="b" access="read"/><property name="CanControl" type="b" access="read"/>
  </interface>
</node>
"""

Variant = tuple[str, Any]
"""A D-Bus variant as jeepney writes it: (signature, value)."""


def root_properties() -> dict[str, Variant]:
    return {
        "CanQuit": ("b", True),
        "CanRaise": ("b", False),
        "HasTrackList": ("b", False),
        "Identity": ("s", "voiceguide"),
        "SupportedUriSchemes": ("as", []),
        "SupportedMimeTypes": ("as", []),
    }


def player_properties(status: Status, routine_title: str, over: bool) -> dict[str, Variant]:
    """The Player interface's properties for a status: a wait counts as paused, as the listener is to go on."""
    playback = "Stopped" if over else "Paused" if status.paused or status.waiting else "Playing"
    return {
        "PlaybackStatus": ("s", playback),
        "Rate": ("d", 1.0),
        "MinimumRate": ("d", 1.0),
        "MaximumRate": ("d", 1.0),
        "Metadata": ("a{sv}", metadata(status, routine_title)),
        "Volume": ("d", 10 ** (status.volume_db / 20)),
        "Position": ("x", microseconds(status.position)),
        "CanGoNext": ("b", status.chapter_number < status.chapters or status.waiting),
        "CanGoPrevious": ("b", True),
        "CanPlay": ("b", True),
        "CanPause": ("b", True),
        "CanSeek": ("b", False),
        "CanControl": ("b", True),
    }


def metadata(status: Status, routine_title: str) -> dict[str, Variant]:
    """The section is the track, the routine the album; the length is the whole session's."""
    return {
        "mpris:trackid": ("o", f"/org/voiceguide/section/{status.chapter_number}"),
        "mpris:length": ("x", microseconds(status.duration)),
        "xesam:title": ("s", status.chapter.title),
        "xesam:album": ("s", routine_title),
        "xesam:trackNumber": ("i", status.chapter_number),
    }


def microseconds(samples: int) -> int:
    return samples * 1_000_000 // SAMPLE_RATE


def volume_db(volume: float) -> float:
    """An MPRIS volume (1.0 is as made) as the Player's nearest step in dB, within its range."""
    if not math.isfinite(volume) or volume <= 0:
        return VOLUME_RANGE_DB[0]
    steps = round(20 * math.log10(volume) / VOLUME_STEP_DB)
    return min(max(steps * VOLUME_STEP_DB, VOLUME_RANGE_DB[0]), VOLUME_RANGE_DB[1])


class Mpris:
    """The session as a media player on the session bus, answering on a thread of its own."""

    def __init__(self, connection: DBusConnection) -> None:
        self._connection = connection
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._router: DBusRouter | None = None
        self.name = BUS_NAME

    @classmethod
    def on(cls, environment: Environment, settings: InputSettings) -> Mpris | None:
        """Connected to the session bus; None off Linux (not supported yet there), Unavailable with no bus."""
        import sys

        if not sys.platform.startswith("linux"):
            return None
        if not environment.session_bus:
            raise Unavailable(UNAVAILABLE)
        try:
            return cls(open_dbus_connection(environment.session_bus))
        except (OSError, RuntimeError, ValueError, KeyError) as exc:  # no socket there, a transport jeepney lacks
            raise Unavailable(f"{UNAVAILABLE} ({exc})") from None

    def start(self, player: Player) -> None:
        router = self._router = DBusRouter(self._connection)
        calls: queue.Queue[Message] = queue.Queue(maxsize=256)
        router.filter(MatchRule(type="method_call"), queue=calls)
        self.name = _claim_name(router)
        self._thread = threading.Thread(target=self._serve, args=(player, calls), name="voiceguide mpris", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """The thread ends within LOOK_EVERY (or once the command it is giving is done); then the bus is left."""
        self._stopping.set()
        try:
            if self._thread is not None:
                self._thread.join()
        finally:
            if self._router is not None:
                self._router.close()
            self._connection.close()

    def _serve(self, player: Player, calls: queue.Queue[Message]) -> None:
        router = self._router
        assert router is not None
        announced = _Announced.now(player)
        while not self._stopping.is_set():
            try:
                call = calls.get(timeout=LOOK_EVERY)
            except queue.Empty:
                call = None
            if call is not None:
                reply = self._answer(player, call)
                if reply is not None and not call.header.flags & MessageFlag.no_reply_expected:
                    router.send(reply)
            for signal in announced.changes(player):
                router.send(signal)

    def _answer(self, player: Player, call: Message) -> Message | None:
        """The reply to a method call (after doing what it asks); None when the session is over mid-call."""
        fields = call.header.fields
        path = fields.get(HeaderFields.path)
        interface, member = fields.get(HeaderFields.interface, ""), fields.get(HeaderFields.member, "")
        if path != PATH:
            return new_error(call, "org.freedesktop.DBus.Error.UnknownObject", "s", (f"no object at {path}",))
        if (interface, member) in METHODS:
            obey(player, METHODS[interface, member])
            return new_method_return(call)
        if (interface, member) in IGNORED:
            return new_method_return(call)
        if (interface, member) == (INTROSPECTABLE, "Introspect"):
            return new_method_return(call, "s", (INTROSPECTION,))
        if interface == PROPERTIES:
            return self._properties(player, call, member)
        return new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"no method {interface}.{member}",))

    def _properties(self, player: Player, call: Message, member: str) -> Message:
        every = {ROOT: root_properties(), PLAYER: _current(player)}
        wanted = call.body[0] if call.body else ""
        if wanted not in every:
            return new_error(call, "org.freedesktop.DBus.Error.UnknownInterface", "s", (f"no interface {wanted}",))
        if member == "GetAll":
            return new_method_return(call, "a{sv}", (every[wanted],))
        name = call.body[1] if len(call.body) > 1 else ""
        if name not in every[wanted]:
            return new_error(call, "org.freedesktop.DBus.Error.UnknownProperty", "s", (f"no property {name}",))
        if member == "Get":
            return new_method_return(call, "v", (every[wanted][name],))
        if member == "Set" and (wanted, name) == (PLAYER, "Volume"):
            signature, value = call.body[2]
            if signature != "d":
                return new_error(call, "org.freedesktop.DBus.Error.InvalidArgs", "s", ("Volume is a double",))
            player.set_volume(volume_db(value))
            return new_method_return(call)
        return new_error(call, "org.freedesktop.DBus.Error.PropertyReadOnly", "s", (f"{name} cannot be set",))


_EMITTER = DBusAddress(PATH, interface=PROPERTIES)


def _current(player: Player) -> dict[str, Variant]:
    return player_properties(player.status(), player.timeline.title, player.over)


def _claim_name(router: DBusRouter) -> str:
    """BUS_NAME, or BUS_NAME.instance<pid> if another session has it."""
    bus = Proxy(message_bus, router, timeout=5)
    for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):
        if bus.RequestName(name, 4)[0] == 1:  # DO_NOT_QUEUE; 1: the primary owner now
            return name
    raise Unavailable("the session bus gave no name to this session's media player")


class _Announced:
    """What clients were last told, to tell them each change once: PropertiesChanged, and Seeked on a jump."""

    def __init__(self, properties: dict[str, Variant], position: int, at: float) -> None:
        self._properties = {k: v for k, v in properties.items() if k != "Position"}
        self._position = position
        self._at = at

    @classmethod
    def now(cls, player: Player) -> _Announced:
        properties = _current(player)
        return cls(properties, properties["Position"][1], time.monotonic())

    def changes(self, player: Player) -> list[Message]:
        properties, at = _current(player), time.monotonic()
        position = properties.pop("Position")[1]  # never in PropertiesChanged: clients work it out from Rate
        changed = {k: v for k, v in properties.items() if self._properties.get(k) != v}
        playing = self._properties.get("PlaybackStatus") == ("s", "Playing")
        expected = self._position + (round((at - self._at) * 1_000_000) if playing else 0)
        self._properties, self._position, self._at = properties, position, at
        signals = []
        if changed:
            signals.append(new_signal(_EMITTER, "PropertiesChanged", "sa{sv}as", (PLAYER, changed, [])))
        if abs(position - expected) > SEEKED_BEYOND * 1_000_000:
            signals.append(new_signal(DBusAddress(PATH, interface=PLAYER), "Seeked", "x", (position,)))
        return signals


