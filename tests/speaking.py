"""The test run's speech: the default voice a user gets (Piper where installed), into the run's private cache
(conftest points the command line at it too), with no voices of the user's own."""

from __future__ import annotations

import os
from pathlib import Path

from voiceguide.speech.making import ClipMaker
from voiceguide.support.environment import Environment


def environment_for_tests() -> Environment:
    return Environment(cache_folder=Path(os.environ["VOICEGUIDE_CACHE_DIR"]))


def clip_maker() -> ClipMaker:
    return ClipMaker.for_environment(environment_for_tests())
