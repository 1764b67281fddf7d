"""Finding routines: built-in names (files in `scripts/`) or paths to a user's .yaml file."""

from __future__ import annotations

import os
from pathlib import Path

from voiceguide.script.routine import Routine, load_routine
from voiceguide.support.errors import UsageError
from voiceguide.support.resources import data_folder


def builtin_folder() -> Path:
    return data_folder("scripts")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_folder().glob("*.yaml"))


def locate(reference: str) -> Path:
    """A built-in name such as `headache`, or a path to a .yaml file.

    A reference is a path only when it looks like one (a folder or a dot in it, as in
    `./sleep` or `mine.yaml`; built-in names have neither): a file that happens to be
    called `sleep` in the current folder never hides the built-in.
    """
    as_path = Path(reference)
    if any(mark in reference for mark in {"/", ".", os.sep}):
        return as_path
    builtin = builtin_folder() / f"{reference}.yaml"
    if builtin.is_file():
        return builtin
    own = f"; for the file '{reference}' here, write ./{reference}" if as_path.is_file() else ""
    raise UsageError(
        f"no built-in routine named '{reference}'; choose one of {', '.join(builtin_names())} "
        f"(`voiceguide list`) or give a path to a .yaml file{own}"
    )


def load(reference: str) -> Routine:
    return load_routine(locate(reference))
