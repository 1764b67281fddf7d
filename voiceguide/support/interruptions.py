"""Ctrl-C and SIGTERM: how they end the program, and holding them back where they must not cut.

Both raise KeyboardInterrupt (the entry point, `voiceguide.__main__`, makes SIGTERM
do so), so both clean up partial files, and both end in MESSAGE and exit code 130.
Raised between creating a temporary file and taking charge of it, a
KeyboardInterrupt would leave the file behind; raised inside a C callback (the
speech engine's), it would be printed and lost. Inside `held()` a
signal is noted instead, and raised as the block ends. Every context here puts
back the handlers it found: library code leaves the process as it was.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 130
MESSAGE = "voiceguide: interrupted"


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
