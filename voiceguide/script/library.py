"""Finding routines: built-in names (files in `scripts/`) or paths to a user's .yaml file."""

from __future__ import annotations

from pathlib import Path

from voiceguide.script.routine import Routine, load_routine
from voiceguide.support.errors import UsageError
from voiceguide.support.resources import data_folder


def builtin_folder() -> Path:
    return data_folder("scripts")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_folder().glob("*.yaml"))


def locate(reference: str) -> Path:
    """A built-in name such as `headache`, or a path to a .yaml file."""
    as_path = Path(reference)
    if as_path.suffix in (".yaml", ".yml") or len(as_path.parts) > 1 or as_path.is_file():
        return as_path
    builtin = builtin_folder() / f"{reference}.yaml"
    if builtin.is_file():
        return builtin
    raise UsageError(
        f"no built-in routine named '{reference}'; choose one of {', '.join(builtin_names())} "
        "(`voiceguide list`) or give a path to a .yaml file"
    )


def load(reference: str) -> Routine:
    return load_routine(locate(reference))
