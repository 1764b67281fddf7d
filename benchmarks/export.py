#!/usr/bin/env python3
"""Export speed and memory against the floor: ffmpeg encoding the same audio with the same settings.

    .venv/bin/python benchmarks/export.py             # three rounds: about seven minutes on 2 cores
    .venv/bin/python benchmarks/export.py --rounds 1  # quicker, noisier

Workload: a generated routine of 60 distinct spoken steps with holds, exported at
30 minutes with an empty speech cache, then with a warm cache, then fitted to
2 hours. The floor is ffmpeg encoding a same-length 44.1 kHz mono PCM file to
96 kbps CBR MP3 with the export's own ffmpeg arguments. A shared machine's speed
drifts by 10-20% from minute to minute (the same ffmpeg run took 7.5 s, then
9.0 s), so each export is compared with the mean of the floor runs just before
and just after it, and the table shows medians over the rounds. Peak memory is the voiceguide
process's own high-water mark (VmHWM), read while it runs; ffmpeg is a separate
process and not counted.
Targets (issue 3), for espeak-ng: cold <= 1.3x floor, warm <= 1.15x floor, memory <= 120 MB,
2 hours <= 4.4x the 30-minute export. The exports speak with `--voice` (espeak:en unless told
otherwise); benchmarks/piper_export.py measures Piper's cold export against Piper alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

POINTS = ["web of the hand", "inner wrist", "base of the skull", "top of the shoulder", "mid calf", "temple"]


def generated_routine(steps: int = 60) -> str:
    lines = ["title: Benchmark routine", "safety: Press gently, never so hard that it hurts.", "steps:"]
    for n in range(steps):
        if n % 10 == 0:
            lines.append(f"  - section: Part {n // 10 + 1}")
        point = POINTS[n % len(POINTS)]
        lines += [
            f"  - say: Step {n + 1}. Find the {point}, and press it with slow, small circles, breathing out as you press.",
            "    hold: 20s",
            f"    remind: {{every: 9s, say: 'Keep the circles on the {point} small and steady, number {n + 1}.'}}",
            "    countdown: 3",
            "    pause: 2s",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0
    """User and system time of the process and the children it waited for (ffmpeg)."""


def run(command: list[str], env: dict[str, str]) -> Run:
    """Wall seconds, the process's peak resident memory in MB (sampled from /proc) and its CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, high_water_kb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(elapsed, peak_kb / 1024, cpu)


def high_water_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/status").read_text().split("VmHWM:")[1].split()[0])
    except (OSError, IndexError):
        return 0


def floor(pcm: Path, out: Path) -> Run:
    """ffmpeg encoding raw PCM exactly as `voiceguide export` has it encode its stream."""
    from voiceguide.export.sinks.ffmpeg import MP3
    from voiceguide.support.units import SAMPLE_RATE

    start = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
         "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", str(pcm),
         "-ac", "1", "-b:a", "96k", *MP3, str(out)],
        check=True,
    )
    return Run(time.perf_counter() - start, 0.0)


def one_round(folder: Path, script: Path, number: int, voice: str) -> dict[str, Run]:
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(folder / f"cache-{number}")}  # empty for each round
    voiceguide = [sys.executable, "-m", "voiceguide", "export", str(script), "--voice", voice]
    runs = {
        "floor 1": floor(folder / "30.pcm", folder / "floor.mp3"),
        "cold": run(voiceguide + ["-o", str(folder / "cold.mp3"), "--minutes", "30"], env),
        "floor 2": floor(folder / "30.pcm", folder / "floor.mp3"),
        "warm": run(voiceguide + ["-o", str(folder / "warm.mp3"), "--minutes", "30"], env),
        "floor 3": floor(folder / "30.pcm", folder / "floor.mp3"),
        "long floor 1": floor(folder / "120.pcm", folder / "floor.mp3"),
        "long": run(voiceguide + ["-o", str(folder / "long.mp3"), "--minutes", "120"], env),
        "long floor 2": floor(folder / "120.pcm", folder / "floor.mp3"),
    }
    print(f"round {number}: " + ", ".join(f"{name} {r.seconds:.2f} s" for name, r in runs.items()), flush=True)
    return runs


ROWS = [  # label, run, the floor runs around it
    ("export 30 min, empty cache", "cold", ("floor 1", "floor 2")),
    ("export 30 min, warm cache", "warm", ("floor 2", "floor 3")),
    ("export 2 h, warm cache", "long", ("long floor 1", "long floor 2")),
]


def pcm(wav: Path) -> Path:
    """The WAV's samples without its header, as the export streams them to ffmpeg."""
    raw = wav.with_suffix(".pcm")
    with wav.open("rb") as source, raw.open("wb") as out:
        source.seek(44)
        shutil.copyfileobj(source, out)
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--voice", default="espeak:en", help="the voice the exports speak with")
    arguments = parser.parse_args()
    rounds = arguments.rounds
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as scratch:
        folder = Path(scratch)
        script = folder / "bench.yaml"
        script.write_text(generated_routine())
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(folder / "cache-wav")}
        voiceguide = [sys.executable, "-m", "voiceguide", "export", str(script), "--voice", arguments.voice]
        for minutes in (30, 120):
            run(voiceguide + ["-o", str(folder / f"{minutes}.wav"), "--minutes", str(minutes)], env)
            pcm(folder / f"{minutes}.wav")
        results = [one_round(folder, script, number, arguments.voice) for number in range(1, rounds + 1)]

    def median(measure: Callable[[dict[str, Run]], float]) -> float:
        return statistics.median(measure(runs) for runs in results)

    print(f"median of {rounds} round(s); x floor: against the mean of the floor runs before and after it")
    print(f"{'':38} {'seconds':>8} {'floor':>8} {'x floor':>8} {'peak MB':>8}")
    for label, name, floors in ROWS:
        seconds = median(lambda runs: runs[name].seconds)
        floor_seconds = median(lambda runs: statistics.mean(runs[f].seconds for f in floors))
        ratio = median(lambda runs: runs[name].seconds / statistics.mean(runs[f].seconds for f in floors))
        peak = median(lambda runs: runs[name].peak_mb)
        print(f"{label:38} {seconds:8.2f} {floor_seconds:8.2f} {ratio:8.2f} {peak:8.0f}")
    growth = median(lambda runs: runs["long"].seconds / runs["warm"].seconds)
    print(f"2 h export / 30 min export: {growth:.2f} (target <= 4.4)")


if __name__ == "__main__":
    main()
