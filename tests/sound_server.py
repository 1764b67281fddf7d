"""A real sound server for tests and benchmarks: a private PulseAudio with a null sink, and a recorder.

The server runs as the current user (root in CI, hence --system=false) with its own
runtime folder, so it never meets a desktop's server. ALSA programs reach it through
an asoundrc in a private HOME; miniaudio through PULSE_SERVER. A silent stream is
kept playing into the sink, because a null sink with no input stops its clock and
its monitor records nothing: with it, the recording runs on one unbroken clock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

SINK = "voiceguide_test"
MICROPHONE = "voiceguide_mic"
"""With `microphone=True`, a second null sink whose monitor is the default source: what is played into it is
what a program hears from "the microphone"."""
RATE = 44100
AUDIBLE = 1e-3
"""A recorded sample louder than this (-60 dBFS) is sound; the sink's silence is exactly zero."""


class SoundServerUnavailable(RuntimeError):
    """PulseAudio is not installed or would not start here."""


class SoundServer:
    """Start with `start()`, stop with `stop()`; `env` points sound programs at it."""

    def __init__(self, folder: Path, log_underruns: bool = False, microphone: bool = False) -> None:
        self.folder = folder
        self.microphone = microphone
        self._log_level = "debug" if log_underruns else "notice"
        runtime = folder / "runtime"
        home = folder / "home"
        self.env = {
            "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_RUNTIME_PATH": str(runtime),
            "PULSE_STATE_PATH": str(folder / "state"),
            "PULSE_SERVER": f"unix:{runtime / 'native'}",
            "HOME": str(home),  # for ALSA's ~/.asoundrc
        }
        self._processes: list[subprocess.Popen] = []

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for program in ("pulseaudio", "pactl", "parec", "pacat"):
            if shutil.which(program) is None:
                raise SoundServerUnavailable(f"{program} is not installed (tools/install-system-deps.sh installs it)")
        for name in ("runtime", "home", "state"):
            (self.folder / name).mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.folder / "home" / ".asoundrc").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
        script = self.folder / "default.pa"
        script.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.folder / 'runtime' / 'native'}\n"
            f"load-module module-null-sink sink_name={SINK} rate={RATE} channels=1 format=float32le\n"
            f"set-default-sink {SINK}\n"
            + (
                f"load-module module-null-sink sink_name={MICROPHONE} rate={RATE} channels=1 format=float32le\n"
                f"set-default-source {MICROPHONE}.monitor\n"
                if self.microphone
                else ""
            )
        )
        log = (self.folder / "pulseaudio.log").open("wb")
        self._spawn(
            ["pulseaudio", "-n", "-F", str(script), "--daemonize=no", "--system=false", "--exit-idle-time=-1",
             "--realtime=no", "--high-priority=no", "--use-pid-file=no", "--log-target=stderr",
             f"--log-level={self._log_level}"],
            stderr=log,
        )
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=self.environ(), capture_output=True).returncode != 0:
            if self._processes[0].poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / "pulseaudio.log").read_text(errors="replace")[-500:]
                raise SoundServerUnavailable(f"pulseaudio did not start: {tail}")
            time.sleep(0.1)
        for sink in [SINK, MICROPHONE] if self.microphone else [SINK]:
            with open("/dev/zero", "rb") as silence:
                self._spawn(["pacat", "--playback", "-d", sink, "--format=float32le", f"--rate={RATE}", "--channels=1"],
                            stdin=silence)
        self._keep_sink_running()

    def _keep_sink_running(self) -> None:
        """Wait until the keeper stream is connected, so the sink's clock runs from now on."""
        deadline = time.monotonic() + 10
        while not subprocess.run(["pactl", "list", "short", "sink-inputs"], env=self.environ(),
                                 capture_output=True, text=True).stdout.strip():
            if time.monotonic() > deadline:
                raise SoundServerUnavailable("the silent keeper stream did not connect")
            time.sleep(0.05)

    def _spawn(self, command: list[str], **kwargs) -> None:
        self._processes.append(subprocess.Popen(command, env=self.environ(), stdout=subprocess.DEVNULL, **kwargs))

    def environ(self) -> dict[str, str]:
        """The process environment with the server's variables in it, for subprocesses."""
        return {**os.environ, **self.env}

    def underruns(self) -> int:
        """How often a stream that was playing ran dry (a gap in what it played); counted with log_underruns.

        PulseAudio logs that as "Implicit underrun of 'NAME'" (or "Actual ..."). Its "end of underrun"
        lines are not counted: every new stream starts out "in underrun" until its first data arrives,
        so they count streams opened, not gaps heard.
        """
        return (self.folder / "pulseaudio.log").read_text(errors="replace").count(" underrun of '")

    def say_into_microphone(self, samples: np.ndarray) -> None:
        """Play 44.1 kHz float samples into the microphone's sink; returns once they have been played."""
        subprocess.run(["pacat", "--playback", "-d", MICROPHONE, "--format=float32le", f"--rate={RATE}", "--channels=1",
                        "--latency-msec=20"], input=samples.astype("<f4").tobytes(), env=self.environ(), check=True,
                       timeout=60)

    def leak_into_microphone(self, gain_db: float) -> None:
        """Everything played from now on is also heard by the microphone, `gain_db` quieter: the guide's own
        voice from the speakers, as a microphone in the room hears it."""
        subprocess.run(["pactl", "load-module", "module-loopback", f"source={SINK}.monitor", f"sink={MICROPHONE}",
                        "latency_msec=30"], env=self.environ(), check=True, capture_output=True)
        deadline = time.monotonic() + 10
        while True:
            inputs = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=self.environ(), capture_output=True,
                                    text=True, check=True).stdout
            loops = [line.split()[0] for line in inputs.splitlines() if "module-loopback" in line]
            if loops:
                break
            if time.monotonic() > deadline:
                raise SoundServerUnavailable("the loopback into the microphone did not start")
            time.sleep(0.05)
        subprocess.run(["pactl", "set-sink-input-volume", loops[0], f"{gain_db}dB"], env=self.environ(), check=True)

    def record(self) -> Recorder:
        return Recorder(self)

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
        for process in self._processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes.clear()


class Recorder:
    """parec on the sink's monitor, read as it arrives, so when the first sound came is known too.

    Use as a context manager; afterwards `samples` holds the recording and `first_sound`
    the time.monotonic() at which its first audible sample was recorded.
    """

    def __init__(self, server: SoundServer) -> None:
        self._server = server
        self._parts: list[np.ndarray] = []
        self.first_sound: float | None = None
        self.samples = np.zeros(0, np.float32)

    def __enter__(self) -> Recorder:
        self._process = subprocess.Popen(
            ["parec", "-d", f"{SINK}.monitor", "--format=float32le", f"--rate={RATE}", "--channels=1",
             "--latency-msec=10"],
            env=self._server.environ(),
            stdout=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_for_data()
        return self

    def _wait_for_data(self) -> None:
        deadline = time.monotonic() + 10
        while not self._parts:
            if time.monotonic() > deadline:
                raise SoundServerUnavailable("parec recorded nothing")
            time.sleep(0.01)

    def _read(self) -> None:
        pending = b""
        while chunk := self._process.stdout.read1(16384):
            arrived = time.monotonic()
            pending += chunk
            whole = len(pending) // 4 * 4
            part = np.frombuffer(pending[:whole], np.float32)
            pending = pending[whole:]
            if self.first_sound is None:
                loud = np.flatnonzero(np.abs(part) > AUDIBLE)
                if loud.size:
                    self.first_sound = arrived - (len(part) - loud[0]) / RATE
            self._parts.append(part)

    def __exit__(self, *exc_info: object) -> None:
        self._process.terminate()
        self._process.wait(5)
        self._reader.join(5)
        self.samples = np.concatenate(self._parts) if self._parts else self.samples
