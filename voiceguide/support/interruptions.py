"""Ctrl-C and SIGTERM: how they end the program, and holding them back where they must not cut.

Both raise KeyboardInterrupt (the entry point, `voiceguide.__main__`, makes them
do so with `answer_signals`), so both clean up partial files, and both end in MESSAGE
and exit code 130. Raised between creating a temporary file and taking charge of it, a
KeyboardInterrupt would leave the file behind; raised inside a C callback (the
speech engine's), it would be printed and lost. Inside `held()` a
signal is noted instead, and raised as the block ends. Every context here puts
back the handlers it found: library code leaves the process as it was.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 130
MESSAGE = "voiceguide: interrupted"


def answer_signals() -> None:
    """Make Ctrl-C and SIGTERM interrupt the program, where the interruption cannot be lost.

    Process-wide, so for the entry point alone, as its first act. A Ctrl-C the process was
    started ignoring (a background job's) stays ignored.
    """
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    sys.unraisablehook = _redelivering(sys.unraisablehook)


def interrupt(signum: int, frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt, unless the code running now would lose it or be broken by it.

    Python runs a handler between two bytecodes, wherever the main thread is. In the import
    system's own code, a KeyboardInterrupt can fall between taking a lock and the `try:` that
    gives it back: in `_get_module_lock`'s weakref callback it leaves the global import lock
    taken, and, raised in a callback, it is only printed ("Exception ignored in ... cb") and
    lost. The command then runs on, and the next import on another thread waits for that lock
    for ever: about one interrupted start in 150 on a busy machine, and once an export that
    hung. Python 3.11 also turns a KeyboardInterrupt raised under `__set_name__` (class
    creation calls it) into a RuntimeError. There the interruption is put off: the signal
    comes again a moment later, and this handler decides again.
    """
    if frame is not None and _fragile(frame):
        _again_soon(signum)
        return
    raise KeyboardInterrupt


def _again_soon(signum: int) -> None:
    """The signal again, from another thread, once this handler has returned: sent from here, Python
    would answer it at once, in this handler (signal.raise_signal and _thread.interrupt_main alike)."""

    def later() -> None:
        time.sleep(AGAIN_AFTER)
        _thread.interrupt_main(signal.Signals(signum))  # to its handler then (held() notes it; after done(), dropped)

    _thread.start_new_thread(later, ())


AGAIN_AFTER = 0.01
"""Seconds before an interruption put off is sent again."""


def _fragile(frame: FrameType) -> bool:
    """Inside the import system's own code (not a module it runs), or under a `__set_name__`."""
    caller: FrameType | None = frame
    while caller is not None and caller.f_code is interrupt.__code__:
        caller = caller.f_back  # sent again while this handler still ran: judge where it was called
    if caller is not None and caller.f_code.co_filename.startswith("<frozen importlib."):
        return True
    while caller is not None:
        if caller.f_code.co_name == "__set_name__":
            return True
        caller = caller.f_back
    return False


def _redelivering(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """A sys.unraisablehook that sends again an interruption Python could only print and drop: a
    KeyboardInterrupt raised in a `__del__`, a weakref callback, or C code that cannot pass it on."""

    def redeliver(unraisable: Any) -> object:
        if not (isinstance(unraisable.exc_type, type) and issubclass(unraisable.exc_type, KeyboardInterrupt)):
            return hook(unraisable)
        signum = next((s for s in (signal.SIGTERM, signal.SIGINT) if callable(signal.getsignal(s))), None)
        if signum is not None:
            _again_soon(signum)
        return None

    return redeliver


@contextmanager
def held() -> Iterator[None]:
    """Interruptions arriving inside the block take effect when it ends.

    Python runs signal handlers on the main thread only, so elsewhere there is
    nothing to hold back. A signal the program ignores stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[signal.Signals] = []
    previous = {}
    for signum in SIGNALS:
        handler = signal.getsignal(signum)
        if callable(handler):
            previous[signum] = handler
            signal.signal(signum, lambda number, frame: arrived.append(signal.Signals(number)))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if arrived:
            previous[arrived[0]](arrived[0], None)


@contextmanager
def until_done() -> Iterator[Callable[[], None]]:
    """Interruptions work as before inside the block until the function it gives is called; then they are dropped.

    For a command whose output is in place: from then on Ctrl-C is too late to undo
    anything, and an exit status other than 0 must keep meaning the old file is still
    there. The handlers found are put back when the block ends. Main thread only;
    elsewhere signals cannot be handled and nothing changes.
    """
    done = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield done.set
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}

    def unless_done(signum: int, frame: FrameType | None) -> None:
        handler = previous[signal.Signals(signum)]
        if not done.is_set() and callable(handler):
            handler(signum, frame)

    for signum, handler in previous.items():
        if callable(handler):
            signal.signal(signum, unless_done)
    try:
        yield done.set
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)
