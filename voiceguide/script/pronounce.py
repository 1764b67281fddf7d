"""How a routine's `pronounce:` map finds its words in a line: whole words, any case.

One rule for both uses: the routine keeps only the pairs a line mentions (so
editing one entry re-makes only the lines that hold it), and the speech layer
rewrites the text by the same rule before synthesis.
"""

from __future__ import annotations

import re
from functools import lru_cache


def whole_word(pattern: str) -> str:
    """A pattern as a whole word: lookarounds, since `\\b` fails beside forms that start or end with a non-word char."""
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def mentions(text: str, written: str) -> bool:
    """Whether `text` holds `written` as a whole word, in any case. A blank form is never mentioned."""
    if not written.strip():
        return False
    return _written_pattern(written).search(text) is not None


@lru_cache(maxsize=1024)
def _written_pattern(written: str) -> re.Pattern[str]:
    return re.compile(whole_word(re.escape(written)), re.IGNORECASE)
