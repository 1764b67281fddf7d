#!/usr/bin/env python3
"""Speech quality of the built-in routines per voice, by machine proxies: DNSMOS and a recognizer's word error rate.

    .venv/bin/python benchmarks/voice_quality.py              # default voices: piper:en_US-joe-medium and espeak:en-us
    .venv/bin/python benchmarks/voice_quality.py --voice espeak:en-us --voice en   # any voice specs
    .venv/bin/python benchmarks/voice_quality.py --routines headache,sleep --max-lines 40
    .venv/bin/python benchmarks/voice_quality.py --voice en-us --routines headache --max-lines 12 --verbose

The defaults take 12-15 minutes on 2 cores: reading the lines (`list` speaks every routine
to time it) 1.5-4, then 4-7 per voice, mostly DNSMOS and the recognizer. The last line
above takes about two minutes, and --verbose prints what the recognizer heard.

Workload: the distinct spoken lines of the built-in routines (`voiceguide show --json`),
taken round-robin across the routines up to --max-lines. For each voice they go into one
generated routine with every chime set to `none` and a one-second pause after each line,
which is exported to WAV; each line is cut out of it by its timeline times (from `show
--json` on the same routine, with the same speech cache, so the times are those of the
exported clips), padded with 0.1 s of the silence around it, and resampled to 16 kHz.
Everything goes through the command line, each voice with an empty speech cache, so the
numbers hold for what a user gets and nothing stale is reused.

Measures, per voice:
- DNSMOS (speechmos; Microsoft's P.835 predictor): mean overall (OVRL), signal (SIG) and
  background (BAK) over the lines, each line scored at the level listening tests present speech
  at (P.835/P.800: -26 dBov; here -26 LUFS by gain alone, within a dB or two of it for speech).
  DNSMOS is not level-blind: the same clips scored as exported, at -16 LUFS, lose about 0.15
  OVRL for every voice, though nothing in them changed but the gain. So OVRL@export, the mean
  overall score of the lines exactly as exported, is printed beside it. DNSMOS scores 9.01 s windows; speechmos loops a shorter
  clip until it fills one, so short lines are scored as their own repetition.
- word error rate: pocketsphinx 5 with its bundled US English model decodes each line of six
  or more words; reference and hypothesis are lowercased, numbers written out (num2words),
  punctuation stripped, apostrophes kept; WER = word edit distance / reference words, the
  mean over lines. A small general-purpose recognizer misses words a listener would not,
  so compare voices with each other, not with zero.
- wall seconds: the export alone (synthesis with an empty cache, mixing, encoding), and the
  whole voice, scoring included.

Targets for the default voice (Piper en_US-joe-medium): mean DNSMOS overall >= 3.1 and
word error rate <= 0.5.

A voice whose export fails (say, it is not installed) is reported with the export's error
and skipped. Needs speechmos (with librosa and requests, which it imports without
declaring them), pocketsphinx (>= 5) and num2words; without them it says what to pip
install and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VOICES = ["piper:en_US-joe-medium", "espeak:en-us"]
TARGET_OVRL = 3.1
TARGET_WER = 0.5
PAD = 0.1
"""Seconds of the silence around a line kept with it, so its first and last sounds are whole."""
RATE = 16000
"""DNSMOS and pocketsphinx's US English model both work at 16 kHz."""
MIN_WER_WORDS = 6
"""Shorter lines ("Breathe in.") give a recognizer too little context to say much about the voice."""
NEEDS = {
    "speechmos": "speechmos",
    "librosa": "librosa",  # speechmos imports it and requests without declaring them
    "requests": "requests",
    "pocketsphinx": "pocketsphinx>=5",
    "num2words": "num2words",
}


# --- the command line, and nothing else of voiceguide ------------------------------------------


class CommandFailed(Exception):
    """A voiceguide command exited non-zero; the message is the last line of its stderr."""


def voiceguide(args: Sequence[str], cache: Path) -> str:
    """Run `python -m voiceguide ARGS` with its own speech cache and return its stdout."""
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", *args], check=False, cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise CommandFailed(lines[-1].strip() if lines else f"exit status {done.returncode}")
    return done.stdout


def built_in_routines(cache: Path) -> list[str]:
    """The names `voiceguide list` prints, first column of each row."""
    return [line.split()[0] for line in voiceguide(["list"], cache).splitlines() if line.strip()]


def speech_events(routine: str | Path, cache: Path) -> list[dict[str, Any]]:
    """The timeline's speech events (start, end in seconds, text) from `show --json`."""
    timeline = json.loads(voiceguide(["show", "--json", str(routine)], cache))
    return [event for event in timeline["events"] if event["kind"] == "speech"]


def chime_fields(cache: Path) -> list[str]:
    """Every field of the script's `chimes`, read from the schema, so each can be set to `none`."""
    schema = json.loads(voiceguide(["schema"], cache))
    return list(schema["$defs"]["Chimes"]["properties"])


def pick_lines(per_routine: Sequence[Sequence[str]], limit: int) -> list[str]:
    """Distinct lines, one from each routine in turn, so a small cap still samples every routine."""
    picked: list[str] = []
    seen: set[str] = set()
    for depth in range(max((len(lines) for lines in per_routine), default=0)):
        for lines in per_routine:
            if len(picked) == limit:
                return picked
            if depth < len(lines) and lines[depth] not in seen:
                seen.add(lines[depth])
                picked.append(lines[depth])
    return picked


def routine_yaml(voice: str, lines: Sequence[str], chimes: Sequence[str]) -> str:
    """A routine speaking each line in `voice`, a second apart, with every chime silenced.

    It opens with a second of silence too, so the first line has silence to pad it like the
    others. JSON strings are YAML double-quoted strings, so json.dumps quotes any text safely."""
    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    out = [
        "title: Voice quality",
        f"voice: {{voice: {quoted(voice)}}}",
        "chimes: {" + ", ".join(f"{name}: none" for name in chimes) + "}",
        "steps:",
        "  - pause: 1",
    ]
    for line in lines:
        out += [f"  - say: {quoted(line)}", "    pause: 1"]
    return "\n".join(out) + "\n"


# --- audio ------------------------------------------------------------------------------------


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples as floats in [-1, 1] (channels averaged) and the sample rate."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path.name}: expected 16-bit samples, got {8 * wav.getsampwidth()}-bit")
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768
    return samples.reshape(-1, channels).mean(axis=1), rate


def cut(audio: np.ndarray, rate: int, start: float, end: float) -> np.ndarray:
    """One line of the export, with PAD seconds either side."""
    first = max(0, round((start - PAD) * rate))
    return audio[first:min(len(audio), round((end + PAD) * rate))]


LISTENING_LEVEL = -26.0
"""LUFS each line is brought to before DNSMOS scores it: the -26 dBov of P.835 and P.800 listening tests."""


def at_listening_level(clip: np.ndarray) -> np.ndarray:
    """The clip by gain alone at LISTENING_LEVEL (measured at the export's 44.1 kHz, which the meter assumes)."""
    from voiceguide.audio.levels import db_to_gain, loudness

    return clip * db_to_gain(LISTENING_LEVEL - loudness(clip))


def to_16k(clip: np.ndarray, rate: int) -> np.ndarray:
    """Resampled to RATE; scipy's polyphase filter when there is scipy, else linear interpolation.

    Clipped to [-1, 1] because speechmos refuses anything outside, and a filter can overshoot."""
    if rate != RATE:
        try:
            from scipy.signal import resample_poly

            common = gcd(RATE, rate)
            clip = resample_poly(clip, RATE // common, rate // common)
        except ImportError:
            times = np.arange(round(len(clip) * RATE / rate)) * (rate / RATE)
            clip = np.interp(times, np.arange(len(clip)), clip)
    return np.clip(clip, -1.0, 1.0).astype(np.float32)


# --- the judges -------------------------------------------------------------------------------

Mos = tuple[float, float, float]
"""OVRL, SIG, BAK."""


def missing_tools() -> list[str]:
    """The pip requirements of the tools that cannot be imported."""
    missing = []
    for module, requirement in NEEDS.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(requirement)
    return missing


def load_dnsmos() -> Callable[[np.ndarray], Mos]:
    """speechmos's DNSMOS scorer: overall, signal and background, P.835."""
    from speechmos import dnsmos

    def score(clip: np.ndarray) -> Mos:
        result = dnsmos.run(clip, sr=RATE)
        return float(result["ovrl_mos"]), float(result["sig_mos"]), float(result["bak_mos"])

    return score


def load_recognizer() -> Callable[[np.ndarray], str]:
    """pocketsphinx's default decoder (its bundled en-us acoustic model, language model and dictionary)."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=RATE, loglevel="FATAL")

    def recognize(clip: np.ndarray) -> str:
        pcm = (np.clip(clip, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)  # the whole line at once: normalizes over all of it
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr if hypothesis else ""

    return recognize


NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)(?:(st|nd|rd|th)\b)?")


def words(text: str) -> list[str]:
    """Lowercase words, numbers written out, punctuation gone but apostrophes kept.

    Engines read "30" as "thirty" and the recognizer writes words, so both sides are compared
    as words. Hyphens and number words' commas split words ("twenty-one" is two words to
    pocketsphinx's dictionary)."""
    from num2words import num2words

    def spoken(match: re.Match[str]) -> str:
        digits = match.group(1).replace(",", "")
        if match.group(2):
            return " " + num2words(int(float(digits)), to="ordinal") + " "
        return " " + num2words(float(digits) if "." in digits else int(digits)) + " "

    text = re.sub(r"\(\d+\)|<[^>]*>|\[[^\]]*\]", " ", text)  # pocketsphinx's "read(2)", "<sil>", "[NOISE]"
    text = NUMBER.sub(spoken, text.replace("\u2019", "'").replace("\u2018", "'")).lower()
    text = re.sub(r"[^\w']|_", " ", text)
    return [word.strip("'") for word in text.split() if word.strip("'")]


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions, insertions and deletions turning the reference into the hypothesis (Levenshtein)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


# --- one voice --------------------------------------------------------------------------------


@dataclass
class Row:
    voice: str
    mos: list[Mos] = field(default_factory=list)
    """At the listening-test level, -26 LUFS."""
    ovrl_as_exported: list[float] = field(default_factory=list)
    wers: list[float] = field(default_factory=list)
    export_seconds: float = 0.0
    wall_seconds: float = 0.0
    note: str = ""


@dataclass
class Judges:
    dnsmos: Callable[[np.ndarray], Mos]
    recognize: Callable[[np.ndarray], str]


def score_voice(voice: str, lines: Sequence[str], chimes: Sequence[str], judges: Judges, folder: Path,
                verbose: bool) -> Row:
    """Export the lines in this voice, cut them out and score each; a failed export skips the voice."""
    row = Row(voice)
    started = time.perf_counter()
    folder.mkdir()
    script, out, cache = folder / "voice-quality.yaml", folder / "voice-quality.wav", folder / "cache"
    script.write_text(routine_yaml(voice, lines, chimes), encoding="utf-8")
    try:
        voiceguide(["export", str(script), "-o", str(out)], cache)
        row.export_seconds = time.perf_counter() - started
        events = speech_events(script, cache)  # the same cache: the times of the exported clips
    except CommandFailed as failure:
        print(f"{voice}: {failure}", flush=True)
        row.note = "skipped: export failed"
        row.wall_seconds = time.perf_counter() - started
        return row
    spoken_by = sorted({event["voice"] for event in events if event.get("voice")} - {voice})
    if spoken_by:  # newer timelines name the voice a spec resolved to: "en-us" may be any engine's
        row.note = f"spoken by {', '.join(spoken_by)}"
    audio, rate = read_wav(out)
    events_by_text: dict[str, dict[str, Any]] = {}
    for event in events:
        events_by_text.setdefault(event["text"], event)
    for line in lines:
        spoken = events_by_text.get(line)
        if spoken is None:
            print(f"{voice}: no speech event for {line!r}", flush=True)
            row.note = "some lines not found in the timeline"
            continue
        exported = cut(audio, rate, spoken["start"], spoken["end"])
        clip = to_16k(at_listening_level(exported), rate)
        row.mos.append(judges.dnsmos(clip))
        row.ovrl_as_exported.append(judges.dnsmos(to_16k(exported, rate))[0])
        reference = words(line)
        if len(reference) >= MIN_WER_WORDS:
            heard = judges.recognize(clip)
            row.wers.append(word_errors(reference, words(heard)) / len(reference))
            if verbose:
                print(f"  WER {row.wers[-1]:.2f}  said: {' '.join(reference)}\n            heard: {heard}")
    row.wall_seconds = time.perf_counter() - started
    print(f"{voice}: {len(row.mos)} lines in {row.wall_seconds:.1f} s", flush=True)
    return row


# --- the table --------------------------------------------------------------------------------


def mean(values: Sequence[float]) -> str:
    return f"{statistics.mean(values):.2f}" if values else "-"


def print_table(rows: Sequence[Row]) -> None:
    width = max(len("voice"), *(len(row.voice) for row in rows))
    print(f"{'voice':{width}} {'lines':>5} {'OVRL':>5} {'SIG':>5} {'BAK':>5} {'OVRL@export':>11} {'WER n':>5} "
          f"{'WER':>5} {'export s':>8} {'wall s':>7}  note")
    for row in rows:
        ovrl, sig, bak = ([mos[n] for mos in row.mos] for n in range(3))
        export = f"{row.export_seconds:.1f}" if row.export_seconds else "-"
        print(f"{row.voice:{width}} {len(row.mos):5} {mean(ovrl):>5} {mean(sig):>5} {mean(bak):>5} "
              f"{mean(row.ovrl_as_exported):>11} {len(row.wers):5} {mean(row.wers):>5} {export:>8} "
              f"{row.wall_seconds:7.1f}  {row.note}")
    print(f"Targets for the default voice (Piper en_US-joe-medium): mean DNSMOS overall >= {TARGET_OVRL} "
          f"(OVRL, at {LISTENING_LEVEL:g} LUFS) and word error rate <= {TARGET_WER}")
    print("These are machine proxies, not ears: DNSMOS predicts what listeners would rate, and a small "
          "recognizer's errors are only partly the voice's; listen before deciding.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", action="append", dest="voices", metavar="SPEC",
                        help="a voice for a script's `voice:`; repeat for more "
                             f"(default: {' and '.join(DEFAULT_VOICES)})")
    parser.add_argument("--routines", help="comma-separated built-in routine names (default: all of them)")
    parser.add_argument("--max-lines", type=int, default=60, help="distinct lines in all, round-robin across routines")
    parser.add_argument("--verbose", action="store_true", help="print what the recognizer heard for each line")
    options = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"voice_quality.py needs {', '.join(missing)}: {sys.executable} -m pip install "
              + " ".join(f"'{need}'" for need in missing))
        sys.exit(2)
    judges = Judges(load_dnsmos(), load_recognizer())

    with tempfile.TemporaryDirectory(prefix="voiceguide-voice-quality-") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        try:
            cache = folder / "cache-lines"  # one fresh cache for reading the routines' lines
            # `list` times every routine, so it speaks them all: skipped when the routines are named
            routines = options.routines.split(",") if options.routines else built_in_routines(cache)
            per_routine = [list(dict.fromkeys(event["text"] for event in speech_events(name, cache)))
                           for name in routines]
            chimes = chime_fields(cache)
        except CommandFailed as failure:
            sys.exit(f"reading the routines failed: {failure}")
        lines = pick_lines(per_routine, options.max_lines)
        print(f"{len(lines)} distinct lines from {', '.join(routines)}, read in {time.perf_counter() - started:.0f} s",
              flush=True)
        rows = [score_voice(voice, lines, chimes, judges, folder / f"voice-{n}", options.verbose)
                for n, voice in enumerate(options.voices or DEFAULT_VOICES)]
    print_table(rows)
    if not any(row.mos for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
