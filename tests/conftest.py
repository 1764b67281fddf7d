"""Shared fixtures: one speech cache for the whole run, and scripts written to temporary files."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real espeak-ng clips, made once per test run into a private cache (never the user's)."""
    folder = tmp_path_factory.mktemp("speech-cache")
    previous = os.environ.get("VOICEGUIDE_CACHE_DIR")
    os.environ["VOICEGUIDE_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("VOICEGUIDE_CACHE_DIR", None)
    else:
        os.environ["VOICEGUIDE_CACHE_DIR"] = previous


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str], Path]:
    """Writes a routine script (dedented) to a file and returns its path."""

    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
