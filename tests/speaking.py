"""The test run's speech: real espeak-ng, into the run's private cache (conftest points the command line at it too)."""

from __future__ import annotations

import os
from pathlib import Path

from voiceguide.speech.engines.espeak import Pyttsx3Engine
from voiceguide.speech.making import ClipMaker
from voiceguide.support.environment import Environment


def environment_for_tests() -> Environment:
    return Environment(cache_folder=Path(os.environ["VOICEGUIDE_CACHE_DIR"]))


def clip_maker() -> ClipMaker:
    return ClipMaker.for_environment(environment_for_tests())
