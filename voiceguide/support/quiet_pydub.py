"""pydub, imported without its warning about ffmpeg: voiceguide says that itself, only when it matters."""

from __future__ import annotations

import warnings
from types import ModuleType


def pydub() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub
        import pydub.utils
    return pydub
