"""Files a script names: resolved against its own folder, never outside it, as scripts are shared."""

from __future__ import annotations

from pathlib import Path


def beside_script(script_folder: Path, reference: str, kind: str) -> Path:
    """The file `reference` names inside the script's folder; ValueError says why it may not be used.

    An absolute path, `..` or a symbolic link that leads out of the folder is
    refused, so a stranger's script cannot read other files. `kind` names the
    file in the message ("sound", "voice").
    """
    folder = script_folder.resolve()
    relative = Path(reference)
    if relative.is_absolute():
        raise ValueError(f"'{reference}' is an absolute path; give a path inside the script's folder")
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder):
        raise ValueError(f"'{reference}' leads outside the script's folder; keep {kind}s beside the script")
    if not target.is_file():
        raise ValueError(f"there is no {kind} file '{reference}' beside the script")
    return target
