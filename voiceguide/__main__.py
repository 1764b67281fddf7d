"""The program's entry, as `voiceguide` and as `python -m voiceguide`: the process-wide policy lives here.

Ctrl-C and SIGTERM are answered from the first moment, before the command line is imported:
on a busy machine the command line's imports take a noticeable time, and an interruption
then must end like one during the work (a message and exit 130), never in a traceback,
and never be lost (see interruptions.interrupt). Freed memory is kept for reuse from the
start too (see support.memory). Nothing below this module changes signal handlers for
good, redirects file descriptors or reads the process's environment except through
voiceguide.cli.
"""

import signal
import sys

from voiceguide.support import interruptions


def main() -> None:
    try:
        interruptions.answer_signals()
        from voiceguide.support import memory

        memory.keep_freed_memory()
        from voiceguide.cli.app import app

        app()
    except KeyboardInterrupt:  # while starting; a command's own are answered in cli
        print(interruptions.MESSAGE, file=sys.stderr)
        sys.exit(interruptions.EXIT_CODE)
    finally:
        _ignore_interruptions_from_now()


def _ignore_interruptions_from_now() -> None:
    """The work is over: a late Ctrl-C must not turn a finished command into a traceback.

    Python also remembers a KeyboardInterrupt raised inside code it compiled from
    a string (dataclasses, typing and pydantic make classes that way) as never
    handled, even when it was, and would end the process by SIGINT instead of with
    its exit code; running a string resets that memory.
    """
    for signum in interruptions.SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    exec("")


if __name__ == "__main__":
    main()
