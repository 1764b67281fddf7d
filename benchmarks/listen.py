"""Voice commands (`play --listen`): detection, false actions and latency, through the real recognizer process.

A virtual microphone is built sample by sample: the guide's own session leaking in at
-10 dB, a steady room noise, and commands spoken by Piper (and flite's voices, where
flite is installed) at 20 dB over that noise, each in a hold at least 2.5 s after the
guide's last sound (outside its speech, where the echo gate listens). The microphone is
fed to `voiceguide.live.listen.recognizer.Recognizer` (its own process, as in `play`),
and what it hears goes through the same `EchoGate` the live input uses, marked from the
timeline. Reported:

- detection: commands heard as themselves, quiet-room mode (gated) and wake-word mode
  ("hey jarvis" before each command, no gate);
- false actions over every built-in routine played in full, leaking in at -10 dB;
- false actions per hour of unrelated talk (sentences spoken by the same voices);
- latency, end of word to action: the microphone fed in real time, 20 ms at a time, and
  the wall time from the block holding the word's last sample to the command's arrival
  (the capture device's own 20 ms buffer comes on top);
- playback: `voiceguide play headache-quick --listen` (its 4:35) on a private PulseAudio
  (tests/sound_server.py) whose default source hears the session at -10 dB, against the
  same play without --listen: the sound server's count of underruns in each (a stream that
  was playing and ran dry; a stream's start is not one).

    .venv/bin/python benchmarks/listen.py             # about 20 minutes with a warm speech cache
    .venv/bin/python benchmarks/listen.py --quick     # two routines and fewer voices
"""

from __future__ import annotations

import argparse
import shutil
import sys
import statistics
import subprocess
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

from voiceguide.cli.environment import from_process
from voiceguide.live.listen.endpoint import RATE
from voiceguide.live.listen.gate import EchoGate
from voiceguide.live.listen.recognizer import Heard, Recognizer, Setup
from voiceguide.render import Renderer
from voiceguide.script import library
from voiceguide.script.routine import Commands, Utterance
from voiceguide.session import Options, prepare
from voiceguide.speech.making import ClipMaker
from voiceguide.support.units import SAMPLE_RATE

REPO = Path(__file__).resolve().parent.parent
WORDS = ["pause", "continue", "resume", "next", "back", "louder", "softer", "stop"]
PHRASES = Commands().phrases()
TALK = [
    "I think we should leave a little earlier tomorrow, the traffic was awful today.",
    "Did you see the message from your sister about the weekend?",
    "The soup needs more salt, but the bread is perfect.",
    "Can you pass me the remote? I want to check the weather.",
    "We could stop at the market on the way back and pick up some apples.",
    "My back has been stiff since I moved the bookshelf.",
    "Next week is going to be busy, with the meeting on Tuesday and the dentist on Friday.",
    "Turn it down a little, the music is louder than it needs to be.",
    "I paused the show at the part where they find the letter.",
    "Let us continue this conversation after dinner.",
    "The kids were softer with the new puppy than I expected.",
    "He said he would resume the work on the garden in spring.",
    "It has been raining all afternoon and the path is muddy.",
    "Remember to call the plumber about the kitchen sink.",
    "Honestly, the film was too long, but the ending was good.",
    "Where did you put the keys? They are not on the hook.",
]
"""Everyday talk, with the command words inside longer sentences now and then, as a room hears it."""


def to_16k(samples: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    length = int(len(samples) * RATE / rate)
    return np.interp(np.arange(length) * rate / RATE, np.arange(len(samples)), samples).astype(np.float32)


def pcm16(samples: np.ndarray) -> bytes:
    return np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes()


class Voices:
    """Each voice speaks a text to 16 kHz float samples: Piper through voiceguide's clip maker, flite by its CLI."""

    def __init__(self, quick: bool) -> None:
        self.maker = ClipMaker.for_environment(from_process())
        self.names = ["piper:en_US-joe-medium@130", "piper:en_US-joe-medium@160"]
        if shutil.which("flite"):
            self.names += ["flite:slt", "flite:rms"] if quick else ["flite:slt", "flite:rms", "flite:awb", "flite:kal"]

    def say(self, voice: str, text: str) -> np.ndarray:
        if voice.startswith("flite:"):
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder) / "said.wav"
                subprocess.run(["flite", "-voice", voice.split(":")[1], "-t", text, "-o", str(out)], check=True)
                with wave.open(str(out)) as w:
                    raw = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
                    said = to_16k(raw, w.getframerate())
        else:
            name, rate = voice.split("@")
            utterance = Utterance(text, name, int(rate), 1.0)
            self.maker.synthesize([utterance])
            said = to_16k(self.maker.cache.samples(utterance).astype(np.float32) / 32768)
        loud = np.flatnonzero(np.abs(said) > 0.01)
        return said[loud[0] : loud[-1] + 1] if len(loud) else said


def guide(name: str) -> tuple[np.ndarray, EchoGate, list[tuple[float, float]]]:
    """A routine's session at 16 kHz and -10 dB, its gate marked from the timeline, and its quiet stretches."""
    session = prepare(library.load(name), Options(), ClipMaker.for_environment(from_process()))
    audio = to_16k(Renderer(session).read(0, session.timeline.duration)) * 10 ** (-10 / 20)
    gate = EchoGate(kept=float("inf"))  # marked ahead for the whole session, not as it plays
    quiet, last = [], 0.0
    for event in session.timeline.sounds:
        start, end = event.start / SAMPLE_RATE, event.end / SAMPLE_RATE
        gate.sounded(start, end)
        if start - last > 6.0:
            quiet.append((last + 2.5, start - 1.0))
        last = max(last, end)
    return audio, gate, quiet


def recognize(mic: np.ndarray, wake: bool, realtime: bool = False) -> list[tuple[Heard, float]]:
    """Everything the recognizer process hears in `mic`, each with the wall time it arrived."""
    recognizer = Recognizer(Setup(tuple(PHRASES), wake=wake))
    results: list[tuple[Heard, float]] = []

    def read() -> None:
        for heard in recognizer.results():
            results.append((heard, time.monotonic()))

    reader = threading.Thread(target=read)
    reader.start()
    block = RATE // 50
    began = time.monotonic()
    fed_at: list[float] = []
    for at in range(0, len(mic), block):
        if realtime:
            time.sleep(max(0.0, began + at / RATE - time.monotonic()))
        recognizer.feed(pcm16(mic[at : at + block]))
        fed_at.append(time.monotonic())
    recognizer.finish()
    reader.join()
    recognizer.close()
    recognize.fed_at = fed_at  # type: ignore[attr-defined]
    return results


def noise(length: int, level: float, seed: int) -> np.ndarray:
    """Steady pink-ish room noise at an RMS of `level`."""
    white = np.random.default_rng(seed).standard_normal(length)
    pink = np.convolve(white, np.ones(8) / 8, mode="same")
    return (pink / np.sqrt(np.mean(pink**2)) * level).astype(np.float32)


def detection(voices: Voices, wake: bool, snr_db: float) -> tuple[int, int, list[float]]:
    """Commands placed in the headache routine's holds; returns (heard right, said, latencies)."""
    audio, gate, quiet = guide("headache")
    mic = audio.copy()
    jarvis = {v: voices.say(v, "hey jarvis") for v in voices.names}
    placed: list[tuple[str, float, float]] = []
    slots = [t for start, end in quiet for t in np.arange(start, end - 2.0, 4.0)]
    said = [(voice, word) for voice in voices.names for word in WORDS]
    level = 0.05  # the commands' RMS: a person a metre or two from the microphone
    room = noise(len(mic), level / 10 ** (snr_db / 20), seed=1)
    for (voice, word), at in zip(said, slots):
        clip = voices.say(voice, word)
        clip = clip / np.sqrt(np.mean(clip**2)) * level
        if wake:
            lead = jarvis[voice] / np.sqrt(np.mean(jarvis[voice] ** 2)) * level
            clip = np.concatenate([lead, np.zeros(int(0.3 * RATE), np.float32), clip])
        start = int(at * RATE)
        mic[start : start + len(clip)] += clip
        placed.append((word, start / RATE + (len(clip) - len(voices.say(voice, word))) / RATE, (start + len(clip)) / RATE))
    mic += room
    heard = recognize(mic, wake)
    right = 0
    for word, start, end in placed:
        if any(h.phrase == word and h.start / RATE < end + 0.3 and h.end / RATE > start - 0.3
               and (wake or gate.open(h.start / RATE, h.end / RATE)) for h, _ in heard):
            right += 1
    return right, len(placed), []


def false_actions_over_routines(names: list[str], wake: bool) -> tuple[int, float]:
    total, seconds = 0, 0.0
    for name in names:
        audio, gate, _ = guide(name)
        mic = audio + noise(len(audio), 10 ** (-60 / 20), seed=2)
        heard = recognize(mic, wake)
        total += sum(1 for h, _ in heard if wake or gate.open(h.start / RATE, h.end / RATE))
        seconds += len(audio) / RATE
    return total, seconds


def talk(voices: Voices) -> np.ndarray:
    parts = []
    rng = np.random.default_rng(4)
    for voice in voices.names:
        for sentence in TALK:
            said = voices.say(voice, sentence)
            parts += [said / np.sqrt(np.mean(said**2)) * 0.05, np.zeros(int(rng.uniform(0.4, 1.5) * RATE), np.float32)]
    speech = np.concatenate(parts)
    return speech + noise(len(speech), 0.005, seed=5)


def latency(voices: Voices) -> list[float]:
    """Real-time feeding of eight Piper commands in quiet: wall time from the word's last sample fed to the answer."""
    voice = voices.names[0]
    parts, ends = [np.zeros(RATE, np.float32)], []
    for word in WORDS:
        clip = voices.say(voice, word)
        parts.append(clip / np.sqrt(np.mean(clip**2)) * 0.05)
        ends.append(sum(len(p) for p in parts))
        parts.append(np.zeros(int(1.5 * RATE), np.float32))
    mic = np.concatenate(parts) + noise(sum(len(p) for p in parts), 0.0005, seed=6)
    heard = recognize(mic, wake=False, realtime=True)
    fed_at = recognize.fed_at  # type: ignore[attr-defined]
    block = RATE // 50
    out = []
    for h, arrived in heard:
        end = min(ends, key=lambda e: abs(e - h.end))
        out.append(arrived - fed_at[min(end // block, len(fed_at) - 1)])
    return out


def underruns(routine: str, listen: bool) -> tuple[int, int]:
    """(underruns, exit status) of a real play into a private sound server, the guide leaking into its microphone."""
    sys.path.insert(0, str(REPO / "tests"))
    from sound_server import SoundServer

    with tempfile.TemporaryDirectory(prefix="voiceguide-listen-") as folder:
        server = SoundServer(Path(folder), log_underruns=True, microphone=True)
        server.start()
        try:
            server.leak_into_microphone(-10.0)
            command = [sys.executable, "-m", "voiceguide", "play", routine]
            run = subprocess.run(command + (["--listen"] if listen else []), env=server.environ(),
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True)
        finally:
            server.stop()
        return server.underruns(), run.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two routines and fewer voices")
    parser.add_argument("--played", default="headache-quick", help="the routine played live for underruns")
    args = parser.parse_args()
    voices = Voices(args.quick)
    print(f"voices: {', '.join(voices.names)}")
    for snr in (20.0, 10.0):
        for wake in (False, True):
            mode = "wake-word" if wake else "quiet-room"
            right, said, _ = detection(voices, wake, snr)
            print(f"{mode}: detection at {snr:g} dB SNR, outside the guide's speech: {right}/{said} = {right / said:.0%}",
                  flush=True)
    routines = library.builtin_names()[:2] if args.quick else library.builtin_names()
    for wake in (False, True):
        mode = "wake-word" if wake else "quiet-room"
        count, seconds = false_actions_over_routines(routines, wake)
        print(f"{mode}: false actions over {len(routines)} built-in routines ({seconds / 60:.0f} min, -10 dB): {count}",
              flush=True)
    conversation = talk(voices)
    hours = len(conversation) / RATE / 3600
    for wake in (False, True):
        mode = "wake-word" if wake else "quiet-room"
        count = len(recognize(conversation, wake))
        print(f"{mode}: false actions in {hours * 60:.1f} min of unrelated talk: {count} ({count / hours:.0f} an hour)",
              flush=True)
    delays = latency(voices)
    print(f"latency, end of word to command (quiet-room, {len(delays)} commands): median {statistics.median(delays):.2f} s,"
          f" max {max(delays):.2f} s", flush=True)
    for listen in (False, True):
        count, status = underruns(args.played, listen)
        print(f"playback underruns, play {args.played}{' --listen' if listen else ''}: {count}"
              f" (exit {status})")


if __name__ == "__main__":
    main()
