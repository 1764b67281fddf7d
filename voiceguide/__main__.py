"""The program's entry, as `voiceguide` and as `python -m voiceguide`.

Ctrl-C and SIGTERM are answered from the first moment: on a busy machine the
command line's imports take a noticeable time, and an interruption then must end
like one during the work (a message and exit 130), never in a traceback.
Freed memory is kept for reuse from the start too (see memory).
"""

import sys

from voiceguide.support import interruptions
from voiceguide.support import memory


def main() -> None:
    interruptions.answer_sigterm_like_ctrl_c()
    memory.keep_freed_memory()
    try:
        from voiceguide.cli.app import app

        app()
    except KeyboardInterrupt:  # while starting; a command's own are answered in cli
        print(interruptions.MESSAGE, file=sys.stderr)
        sys.exit(interruptions.EXIT_CODE)
    finally:
        interruptions.ignored_from_now()


if __name__ == "__main__":
    main()
