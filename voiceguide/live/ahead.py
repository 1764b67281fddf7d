"""Speech made while a live session plays, so that it starts without waiting for every clip.

A session prepared with estimates (`session.prepare`) names its lines not made yet in
`unmade`. A thread makes them in the order they are heard; after each one the session is
laid out again (`session.relaid`), final a little further on, and the Player goes on with
the new layout. Every layout keeps the first one's loudness correction, so the level never
moves while the session plays.
"""

from __future__ import annotations

import threading
from types import TracebackType

from voiceguide.live.player import Player
from voiceguide.render import Renderer
from voiceguide.script.routine import Utterance
from voiceguide.session import Session, relaid


class SpeechAhead:
    """Makes a session's unmade clips from the moment the block is entered, until they are all made or it ends.

    The making starts before there is a Player (loading a voice takes most of a second, which
    the rest of the start-up can overlap); `play_into` says which Player gets the layouts.
    A failure (an engine's error, or a real length the script cannot take) stops that Player
    with the error, so the command reports it as it would have before playing.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        """The latest layout."""
        self._lock = threading.Lock()
        self._player: Player | None = None
        self._correction = 1.0
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._make, name="voiceguide-ahead")

    def __enter__(self) -> SpeechAhead:
        if self._session.unmade:
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Begins no new line and waits for the one being spoken: a thread cut off at exit could leave half a clip."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def play_into(self, player: Player, correction: float) -> None:
        """From now on `player` goes on with every newer layout, at the loudness `correction` it started with."""
        with self._lock:
            self._player, self._correction = player, correction
            if self._error is not None:
                player.stop(self._error)
            else:  # clips may have come before the player
                player.extend(Renderer(self._session, correction))

    def _make(self) -> None:
        try:
            self._session.speech.synthesize(self._session.unmade, self._stored, self._stop)
        except BaseException as exc:  # on this thread it would only be printed: the Player reports it
            with self._lock:
                self._error = exc
                if self._player is not None:
                    self._player.stop(exc)

    def _stored(self, utterance: Utterance) -> None:
        with self._lock:
            self._session = relaid(self._session, {utterance})
            if self._player is not None:
                self._player.extend(Renderer(self._session, self._correction))
