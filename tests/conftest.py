"""Shared fixtures: one speech cache for the whole run, a private sound server, and scripts written to temporary files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sound_server import SoundServer, SoundServerUnavailable
from speaking import written


@pytest.fixture(scope="session", autouse=True)
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real clips in the default voice, made once per test run into a private cache (never the user's),
    a private user data folder, so the user's own voices are never found, and no session bus, so a session
    never appears in a desktop's sound menu (the tests that want one start their own)."""
    folder = tmp_path_factory.mktemp("speech-cache")
    private = {
        "VOICEGUIDE_CACHE_DIR": str(folder),
        "XDG_DATA_HOME": str(tmp_path_factory.mktemp("data")),
        "DBUS_SESSION_BUS_ADDRESS": None,
    }
    previous = {name: os.environ.get(name) for name in private}
    _set(private)
    yield folder
    _set(previous)


def _set(variables: dict[str, str | None]) -> None:
    for name, value in variables.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def sound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoundServer]:
    """A private PulseAudio with a null sink, for this module's tests; this process plays into it too."""
    server = SoundServer(tmp_path_factory.mktemp("pulse"))
    try:
        server.start()
    except SoundServerUnavailable as exc:
        pytest.skip(f"no PulseAudio to play into: {exc}")
    with pytest.MonkeyPatch.context() as environment:
        for name, value in server.env.items():
            environment.setenv(name, value)
        yield server
    server.stop()


@pytest.fixture
def user_voices() -> Path:
    """The user data folder's `voices/`, where a user puts Piper voices of their own; emptied afterwards."""
    folder = Path(os.environ["XDG_DATA_HOME"]) / "voiceguide" / "voices"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str], Path]:
    """Writes a routine script (dedented) to a file and returns its path."""

    return lambda text, name="routine.yaml": written(tmp_path, text, name)
