#!/usr/bin/env python3
"""Export speed and memory against the floor: ffmpeg encoding the same audio with the same settings.

    .venv/bin/python benchmarks/export.py            # about two minutes on a 2-core machine

Workload: a generated routine of 60 distinct spoken steps with holds, exported at
30 minutes with an empty speech cache, then with a warm cache, then fitted to
2 hours. The floor is ffmpeg encoding a same-length 44.1 kHz mono WAV to
96 kbps CBR MP3. Peak memory is the voiceguide process's own high-water mark
(VmHWM), read while it runs; ffmpeg is a separate process and not counted.
Targets (issue 3): cold <= 1.3x floor, warm <= 1.15x floor, memory <= 120 MB,
2 hours <= 4.4x the 30-minute export.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
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


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and the process's peak resident memory in MB (sampled from /proc)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError):
            pass
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return elapsed, peak_kb / 1024


def floor(wav: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), "-ac", "1", "-ar", "44100",
         "-c:a", "libmp3lame", "-b:a", "96k", str(out)],
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as scratch:
        folder = Path(scratch)
        script = folder / "bench.yaml"
        script.write_text(generated_routine())
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(folder / "cache")}
        voiceguide = [sys.executable, "-m", "voiceguide", "export", str(script)]

        rows = []
        cold, cold_mb = run(voiceguide + ["-o", str(folder / "cold.mp3"), "--minutes", "30"], env)
        warm, warm_mb = run(voiceguide + ["-o", str(folder / "warm.mp3"), "--minutes", "30"], env)
        run(voiceguide + ["-o", str(folder / "30.wav"), "--minutes", "30"], env)
        floor_30 = floor(folder / "30.wav", folder / "floor30.mp3")
        long, long_mb = run(voiceguide + ["-o", str(folder / "long.mp3"), "--minutes", "120"], env)
        run(voiceguide + ["-o", str(folder / "120.wav"), "--minutes", "120"], env)
        floor_120 = floor(folder / "120.wav", folder / "floor120.mp3")

        rows += [
            ("floor: ffmpeg, 30 min WAV -> MP3", floor_30, None, None),
            ("export 30 min, empty cache", cold, cold / floor_30, cold_mb),
            ("export 30 min, warm cache", warm, warm / floor_30, warm_mb),
            ("floor: ffmpeg, 2 h WAV -> MP3", floor_120, None, None),
            ("export 2 h, warm cache", long, long / floor_120, long_mb),
        ]
        print(f"{'':38} {'seconds':>8} {'x floor':>8} {'peak MB':>8}")
        for name, seconds, ratio, mb in rows:
            print(f"{name:38} {seconds:8.2f} {ratio and f'{ratio:.2f}' or '':>8} {mb and f'{mb:.0f}' or '':>8}")
        print(f"2 h export / 30 min export: {long / warm:.2f} (target <= 4.4)")


if __name__ == "__main__":
    main()
