"""Live playback: start latency (cold and warm speech cache) and drift over a long session, per player.

Every number comes from a recording of a private PulseAudio null sink (tests/sound_server.py)
while `voiceguide play` runs as a user would start it:

- start latency: from launching the command to the first audible sample in the recording,
  with an empty speech cache (cold) and again with the clips cached (warm);
- drift: where each speech onset of a long session is heard, against its time in the
  timeline, after aligning the first one. Drift is the error of the last onset. Underruns
  are the times PulseAudio found a stream dry: each of simpleaudio's chunks ends in one
  by design; for miniaudio any is a glitch.

Targets (issue 4): start <= 1 s cold, <= 0.5 s warm, drift <= 20 ms over 10 minutes (headache at 11, its shortest since content v2).

    .venv/bin/python benchmarks/playback.py                # both players, headache fitted to 11 minutes (its shortest)
    .venv/bin/python benchmarks/playback.py --routine headache-quick --minutes 5 --players miniaudio   # quicker
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from alignment import find, ms  # noqa: E402
from sound_server import Recorder, SoundServer  # noqa: E402

from voiceguide.live.speakers import SPEAKERS  # noqa: E402
from voiceguide.render import Renderer  # noqa: E402
from voiceguide.script import library  # noqa: E402
from voiceguide.session import Options, Session, prepare  # noqa: E402
from voiceguide.speech.making import ClipMaker  # noqa: E402
from voiceguide.support.environment import Environment  # noqa: E402
from voiceguide.support.errors import VoiceguideError  # noqa: E402
from voiceguide.support.units import SAMPLE_RATE  # noqa: E402

WARM_RUNS = 3
SEARCH = SAMPLE_RATE // 4
"""Each onset is looked for this far either side of where the timeline puts it."""


def command(routine: str, player: str, minutes: float | None = None) -> list[str]:
    extra = ["--minutes", str(minutes)] if minutes else []
    return [sys.executable, "-m", "voiceguide", "play", routine, "--player", player, *extra]


def launched_until_sound(
    server: SoundServer, recording: Recorder, argv: list[str], cache: Path
) -> tuple[subprocess.Popen, float]:
    """`argv` started with `cache` as its speech cache, once `recording` has heard it: the process and its launch time."""
    launched = time.monotonic()
    process = subprocess.Popen(argv, env={**server.environ(), "VOICEGUIDE_CACHE_DIR": str(cache)},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while recording.first_sound is None:
        if process.poll() is not None:
            raise RuntimeError(f"{argv} ended without a sound: {process.stderr.read().decode()}")
        time.sleep(0.005)
    return process, launched


def time_to_first_sound(server: SoundServer, argv: list[str], cache: Path) -> float:
    """Seconds from launching `argv` to its first audible sample; the process is stopped right after."""
    with server.record() as recording:
        process, launched = launched_until_sound(server, recording, argv, cache)
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    return recording.first_sound - launched


def start_latency(player: str, routine: str) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as folder:
        server = SoundServer(Path(folder) / "pulse")
        server.start()
        try:
            cache = Path(folder) / "cache"
            cold = time_to_first_sound(server, command(routine, player), cache)
            warm = [time_to_first_sound(server, command(routine, player), cache) for _ in range(WARM_RUNS)]
        finally:
            server.stop()
    return cold, warm


def drift(player: str, routine: str, session: Session, results: dict[str, object]) -> None:
    """Plays the whole session and records, per speech event, how far from its time it was heard."""
    minutes = session.options.minutes
    renderer = Renderer(session)
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as folder:
        server = SoundServer(Path(folder), log_underruns=True)
        server.start()
        try:
            with server.record() as recording:
                run = subprocess.run(command(routine, player, minutes), env=server.environ(),
                                     stdin=subprocess.DEVNULL, capture_output=True, text=True)
                time.sleep(0.3)
        finally:
            server.stop()
        underruns = server.underruns()
    if run.returncode:
        results[player] = f"failed: {run.stderr.strip()}"
        return
    heard = recording.samples
    events = session.timeline.speech
    excerpt = lambda e: renderer.read(e.start, min(e.end - e.start, SAMPLE_RATE // 3))  # noqa: E731
    lag = find(heard, excerpt(events[0])).at - events[0].start
    errors = []
    for event in events:
        found = find(heard, excerpt(event), start=event.start + lag - SEARCH, end=event.start + lag + SEARCH)
        errors.append((event.start, ms(found.at - lag - event.start), found.score))
    results[player] = errors
    results[f"{player} underruns"] = underruns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routine", default="headache")
    parser.add_argument("--minutes", type=float, default=11.0)
    parser.add_argument("--players", nargs="+", choices=list(SPEAKERS), default=list(SPEAKERS))
    args = parser.parse_args()
    os.environ.setdefault("VOICEGUIDE_CACHE_DIR", tempfile.mkdtemp(prefix="voiceguide-bench-cache-"))
    speech = ClipMaker.for_environment(Environment(cache_folder=Path(os.environ["VOICEGUIDE_CACHE_DIR"])))
    try:  # a length the routine cannot fit is said before minutes of measuring, not after
        session = prepare(library.load(args.routine), Options(minutes=args.minutes), speech)
    except VoiceguideError as problem:
        sys.exit(f"playback.py: {problem}")

    print(f"start latency, `voiceguide play {args.routine}` to its first audible sample:")
    for player in args.players:
        cold, warm = start_latency(player, args.routine)
        print(f"  {player:<11}  cold {cold:.3f} s   warm {statistics.median(warm):.3f} s "
              f"(median of {', '.join(f'{w:.3f}' for w in warm)})")

    print(f"\ndrift over {args.routine} fitted to {args.minutes:g} minutes (players in parallel, one server each):")
    results: dict[str, object] = {}
    # Made once, above: pyttsx3 must not synthesize on two threads (shared/DESIGN.md), and the players share the clips.
    threads = [threading.Thread(target=drift, args=(p, args.routine, session, results)) for p in args.players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for player in args.players:
        errors = results[player]
        if isinstance(errors, str):
            print(f"  {player:<11}  {errors}")
            continue
        worst = max(errors, key=lambda e: abs(e[1]))
        weakest = min(score for _, _, score in errors)
        print(f"  {player:<11}  drift {errors[-1][1]:+.1f} ms at {errors[-1][0] / SAMPLE_RATE / 60:.1f} min, "
              f"worst onset {worst[1]:+.1f} ms at {worst[0] / SAMPLE_RATE / 60:.1f} min, "
              f"{len(errors)} onsets, weakest match {weakest:.3f}, {results[f'{player} underruns']} underruns")
        minutes = {}
        for start, error, _ in errors:
            minutes.setdefault(int(start / SAMPLE_RATE // 60), error)
        print(f"  {'':<11}  first onset of each minute, ms: " + "  ".join(f"{m}:{e:+.1f}" for m, e in minutes.items()))


if __name__ == "__main__":
    main()
