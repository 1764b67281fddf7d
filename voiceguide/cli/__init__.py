"""The command line: the entry layer, where streams, signals and exit codes are decided."""

from voiceguide.cli.app import app

__all__ = ["app"]
