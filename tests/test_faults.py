"""Faults a laptop meets: a full disk, a read-only folder, a shared cache, a kill at any moment.

Each ends in one clear line and a clean exit code, leaves no partial file, and
keeps an existing file intact. Full and read-only disks are real: a small tmpfs
mounted for the test (skipped where this user may not mount).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from running import fingerprint, finished, start_voiceguide

from voiceguide.support import interruptions
from voiceguide.support.interruptions import held

ROUTINE = """
title: Faults
steps:
  - section: One
  - {say: Press the point gently., hold: 8s, countdown: 3}
  - section: Two
  - {say: Now let go and rest., pause: 3s}
"""


def voiceguide(*args: str, cache: Path) -> subprocess.Popen:
    return start_voiceguide(*args, env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)})


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".partial" in p.name)


@pytest.fixture
def routine(tmp_path: Path) -> Path:
    path = tmp_path / "faults.yaml"
    path.write_text(ROUTINE)
    return path


@pytest.fixture
def cache(tmp_path: Path, routine: Path) -> Path:
    """A warm cache, so the faults strike while writing audio."""
    folder = tmp_path / "cache"
    assert finished(voiceguide("show", str(routine), cache=folder))[0] == 0
    return folder


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + mounted.stderr.decode().strip())
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.parametrize("suffix", ["mp3", "wav"])
def test_a_full_disk_is_one_line_and_keeps_the_existing_file(small_disk, routine, cache, suffix):
    target = small_disk / f"session.{suffix}"
    target.write_bytes(b"the previous export")
    before = fingerprint(target)
    code, stderr = finished(voiceguide("export", str(routine), "-o", str(target), "--minutes", "5", cache=cache))

    assert code == 1
    assert stderr.count("\n") == 1 and "No space left on device" in stderr
    assert fingerprint(target) == before
    assert partials(small_disk) == []


def test_a_read_only_folder_is_one_line(small_disk, routine, cache):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, stderr = finished(voiceguide("export", str(routine), "-o", str(small_disk / "session.mp3"), cache=cache))

    assert code == 1
    assert stderr == f"voiceguide: cannot write '{small_disk / 'session.mp3'}': Read-only file system; choose a folder with space you can write to\n"


def test_two_exports_sharing_one_empty_cache_both_succeed(tmp_path, routine):
    cache = tmp_path / "shared-cache"
    first = voiceguide("export", str(routine), "-o", str(tmp_path / "a.wav"), cache=cache)
    second = voiceguide("export", str(routine), "-o", str(tmp_path / "b.wav"), cache=cache)

    assert finished(first)[0] == 0 and finished(second)[0] == 0
    assert (tmp_path / "a.wav").stat().st_size == (tmp_path / "b.wav").stat().st_size
    assert partials(cache) == []
    for clip in cache.glob("*.wav"):
        with wave.open(str(clip)) as entry:
            assert entry.getnframes() > 0


def test_twenty_exports_interrupted_at_random_moments_leave_no_trace(tmp_path, routine, cache):
    """SIGINT or SIGTERM at a random moment, sometimes while speech is being made, sometimes while encoding."""
    random.seed(20)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "session.mp3"
    target.write_bytes(b"the previous export")
    outcomes = []
    for run in range(20):
        if run % 4 == 0:
            for entry in cache.iterdir():
                entry.unlink()  # an empty cache: the kill may land during synthesis
        before = fingerprint(target)
        process = voiceguide("export", str(routine), "-o", str(target), "--minutes", str(random.choice([1, 3, 10])), cache=cache)
        time.sleep(random.uniform(0.2, 2.5))  # from the start of voiceguide's own code: Python's first moments are Python's
        process.send_signal(random.choice([signal.SIGINT, signal.SIGTERM]))
        code, stderr = finished(process)
        outcomes.append(code)

        killed_while_starting = code < 0 and stderr == ""  # before Python could install its handlers
        assert code in (0, 130) or killed_while_starting, (code, stderr)
        assert stderr.count("\n") <= 1 and "Traceback" not in stderr
        if code == 130:
            assert stderr == "voiceguide: interrupted\n"
        assert partials(out) == [] and partials(cache) == []
        if code != 0:
            assert fingerprint(target) == before, (code, stderr)
        else:
            assert target.read_bytes()[:3] == b"ID3"
        for clip in cache.glob("*.wav"):
            with wave.open(str(clip)) as entry:
                assert entry.getnframes() > 0
    assert 130 in outcomes, "no run was actually interrupted"


def test_a_damaged_cache_entry_is_detected_and_made_again(tmp_path, routine, cache):
    clips = sorted(cache.glob("*.wav"), key=lambda p: p.stat().st_size)
    clips[-1].write_bytes(clips[-1].read_bytes()[:1000])  # cut short, as by a crash or a full disk
    clips[0].write_bytes(b"not a wav file at all")
    code, stderr = finished(voiceguide("export", str(routine), "-o", str(tmp_path / "again.wav"), cache=cache))

    assert code == 0, stderr
    for clip in (clips[0], clips[-1]):
        with wave.open(str(clip)) as entry:
            assert entry.getnframes() > 1000


def test_a_read_only_speech_cache_says_where_to_put_another(small_disk, routine):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, stderr = finished(voiceguide("show", str(routine), cache=small_disk / "cache"))

    assert code == 1
    assert stderr.startswith(f"voiceguide: cannot write the speech cache in '{small_disk / 'cache'}': Read-only file system")
    assert "VOICEGUIDE_CACHE_DIR" in stderr and stderr.count("\n") == 1


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C as Python sets it up in a terminal, whatever this test run inherited."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_inside_a_held_block_takes_effect_as_the_block_ends(ctrl_c_raises):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with held():
            signal.raise_signal(signal.SIGINT)
            done.append("the temporary file is in place")
    assert done == ["the temporary file is in place"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("where", ["a-file", "a-file/under-it"])
def test_a_speech_cache_that_is_a_file_says_where_to_put_another(tmp_path, routine, where):
    (tmp_path / "a-file").write_text("not a folder")
    code, stderr = finished(voiceguide("show", str(routine), cache=tmp_path / where))

    assert code == 1
    assert stderr.startswith(f"voiceguide: cannot write the speech cache in '{tmp_path / where}'")
    assert "VOICEGUIDE_CACHE_DIR" in stderr and stderr.count("\n") == 1


CHILD = """
import os, sys, time, weakref
from voiceguide.__main__ import main
cli = sys.modules["voiceguide.cli.app"] if "voiceguide.cli.app" in sys.modules else __import__("importlib").import_module("voiceguide.cli.app")

def wait_for_the_signal():
    print("ready", flush=True)
    while not os.path.exists(sys.argv[1]):  # the test writes it once the signal is sent
        pass

def rest_of_the_command():
    for _ in range(100):
        time.sleep(0.05)

{command}

cli.app = command
main()
print("the interruption was lost", file=sys.stderr)
"""

IN_A_CALLBACK = """
class Thing:
    pass

def command():
    thing = Thing()
    reference = weakref.ref(thing, lambda reference: wait_for_the_signal())
    del thing  # the callback runs now, as the import system's ran when Python dropped a module lock
    rest_of_the_command()
"""

IN_SET_NAME = """
class Slow:
    def __set_name__(self, owner, name):
        wait_for_the_signal()

def command():
    class Made:  # as dataclasses, pydantic and functools.cached_property make classes, at import
        attribute = Slow()
    rest_of_the_command()
"""


@pytest.mark.parametrize("command", [IN_A_CALLBACK, IN_SET_NAME], ids=["weakref-callback", "set-name"])
def test_an_interruption_where_python_would_lose_or_change_it_still_ends_the_program(tmp_path, command):
    """Once, about one interrupted start in 150 went on as if nothing had happened, after
    "Exception ignored in: <function _get_module_lock.<locals>.cb>": the KeyboardInterrupt was raised
    in a weakref callback, where Python can only print it. In __set_name__, Python 3.11 turned it into
    a RuntimeError and a traceback."""
    sent = tmp_path / "sent"
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(command=command), str(sent)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGTERM)
    sent.touch()
    code, stderr = finished(process)

    assert (code, stderr) == (130, "voiceguide: interrupted\n")


def test_an_interruption_in_the_import_systems_own_code_is_sent_again_for_outside_it():
    """Raised between `_imp.acquire_lock()` and its `try:` in the import system's weakref callback, a
    KeyboardInterrupt left the global import lock taken: the next import on another thread waited for
    ever, and an interrupted export hung past 120 s."""
    frames = []

    class Spy:
        def find_spec(self, name, path, target=None):
            frames.append(sys._getframe(1))  # the import system's own frame that asks the finders
            return None

    sys.meta_path.insert(0, Spy())
    try:
        with pytest.raises(ImportError):
            import voiceguide_no_such_module  # noqa: F401
    finally:
        sys.meta_path.pop(0)
    assert frames[0].f_code.co_filename.startswith("<frozen importlib.")

    arrived = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: arrived.append(frame))
    try:
        interruptions.interrupt(signal.SIGTERM, frames[0])  # no KeyboardInterrupt there...
        while not arrived:
            time.sleep(0.01)  # ...but the signal again, a moment later, answered here
        assert arrived[0].f_code.co_filename == __file__
        with pytest.raises(KeyboardInterrupt):
            interruptions.interrupt(signal.SIGTERM, sys._getframe())
    finally:
        signal.signal(signal.SIGTERM, previous)
