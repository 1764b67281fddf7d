"""Shared fixtures: one speech cache for the whole run, and scripts written to temporary files."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real clips in the default voice, made once per test run into a private cache (never the user's),
    and a private user data folder, so the user's own voices are never found."""
    folder = tmp_path_factory.mktemp("speech-cache")
    private = {"VOICEGUIDE_CACHE_DIR": str(folder), "XDG_DATA_HOME": str(tmp_path_factory.mktemp("data"))}
    previous = {name: os.environ.get(name) for name in private}
    os.environ.update(private)
    yield folder
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


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

    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
