"""Live start (issue 11): how soon `voiceguide play` sounds, and whether every line is still on time.

Every number comes from a recording of a private PulseAudio null sink (tests/sound_server.py)
while `voiceguide play ROUTINE` runs as a user would start it:

- launch to first sound: from launching the command to its first audible sample, with an
  empty speech cache (cold: the speech is made while the session plays) and a warm one;
- onset error: where each spoken line of the cold run is heard, against its time in the
  session laid out from the finished cache (what `show --json` says), after aligning the
  session's first sound. Only the first `--seconds` are played: by then every line has been
  made, and a line can only be late if playing waited for speech, which would delay all after it.

Targets: cold <= 1.5 s, warm <= 0.5 s, every line within 50 ms.

    .venv/bin/python benchmarks/live_start.py                       # headache, 3 rounds, 90 s each
    .venv/bin/python benchmarks/live_start.py --rounds 5 --seconds 0   # 0: play each session to its end
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402
from alignment import find, ms  # noqa: E402
from playback import launched_until_sound  # noqa: E402  (beside this file)
from sound_server import SoundServer  # noqa: E402

from voiceguide.render import Renderer  # noqa: E402
from voiceguide.script import library  # noqa: E402
from voiceguide.session import Options, prepare  # noqa: E402
from voiceguide.speech.making import ClipMaker  # noqa: E402
from voiceguide.support.environment import Environment  # noqa: E402
from voiceguide.support.units import SAMPLE_RATE  # noqa: E402

SEARCH = 5 * SAMPLE_RATE
"""Each onset is looked for this far either side of its time: wide enough to measure a wait for speech."""


def play(server: SoundServer, routine: str, cache: Path, seconds: float) -> tuple[float, np.ndarray]:
    """Launch to first sound, and the recording of the first `seconds` (0: all) of `voiceguide play`."""
    argv = [sys.executable, "-m", "voiceguide", "play", routine]
    with server.record() as recording:
        process, launched = launched_until_sound(server, recording, argv, cache)
        try:
            process.wait(seconds or None)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        time.sleep(0.2)  # the recorder's last fragment
    return recording.first_sound - launched, recording.samples


def onset_errors(routine: str, cache: Path, heard: np.ndarray) -> list[tuple[str, float | None]]:
    """Each line heard in the recording, in ms from its time in the session laid out from the finished cache
    (None: not heard within SEARCH of it)."""
    session = prepare(library.load(routine), Options(), ClipMaker.for_environment(Environment(cache_folder=cache)))
    renderer = Renderer(session)
    lag = find(heard, renderer.read(0, SAMPLE_RATE // 2)).at  # the session's first sound: its start chime
    errors = []
    for event in session.timeline.speech:
        if event.start + lag + SAMPLE_RATE // 3 > len(heard):
            break
        excerpt = renderer.read(event.start, min(event.end - event.start, SAMPLE_RATE // 3))
        found = find(heard, excerpt, start=event.start + lag - SEARCH, end=event.start + lag + SEARCH)
        errors.append((event.text, ms(found.at - lag - event.start) if found.score > 0.9 else None))
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routine", default="headache")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=90.0, help="how much of each cold session to play; 0: all")
    args = parser.parse_args()
    cold, warm, worst = [], [], []
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as folder:
        server = SoundServer(Path(folder) / "pulse")
        server.start()
        try:
            for round_ in range(args.rounds):
                cache = Path(folder) / f"cache-{round_}"
                started, heard = play(server, args.routine, cache, args.seconds)
                errors = onset_errors(args.routine, cache, heard)
                found = [(text, error) for text, error in errors if error is not None]
                late = max(found, key=lambda e: abs(e[1]))
                cold.append(started)
                worst.append(abs(late[1]))
                print(f"round {round_ + 1}: cold start {started:.3f} s; {len(found)} of {len(errors)} lines found, "
                      f"worst {late[1]:+.1f} ms ('{late[0][:40]}'); each: "
                      + " ".join("?" if e is None else f"{e:+.0f}" for _, e in errors), flush=True)
                warm.append(play(server, args.routine, cache, 1.0)[0])
        finally:
            server.stop()
    print(f"\n`voiceguide play {args.routine}`, launch to first sound, median of {args.rounds}:")
    print(f"  empty cache  {statistics.median(cold):.3f} s  ({', '.join(f'{t:.3f}' for t in cold)})")
    print(f"  warm cache   {statistics.median(warm):.3f} s  ({', '.join(f'{t:.3f}' for t in warm)})")
    print(f"  worst line onset vs the finished layout, empty cache: {max(worst):.1f} ms "
          f"(per round: {', '.join(f'{w:.1f}' for w in worst)})")


if __name__ == "__main__":
    main()
