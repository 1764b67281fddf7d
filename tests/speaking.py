"""The test run's speech: the default voice a user gets (Piper where installed), into the run's private cache
(conftest points the command line at it too), with no voices of the user's own; and routines written and
prepared with it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from voiceguide.script.routine import load_routine
from voiceguide.session import Options, Session, prepare
from voiceguide.speech.making import ClipMaker
from voiceguide.support.environment import Environment


def environment_for_tests() -> Environment:
    return Environment(cache_folder=Path(os.environ["VOICEGUIDE_CACHE_DIR"]))


def clip_maker() -> ClipMaker:
    return ClipMaker.for_environment(environment_for_tests())


def written(folder: Path, text: str, name: str = "routine.yaml") -> Path:
    """A routine script, as written in a test (indented, in triple quotes), saved in `folder`."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def prepared(path: Path, options: Options = Options()) -> Session:
    """A routine file's session, spoken in the test run's speech."""
    return prepare(load_routine(path), options, clip_maker())
