"""Making speech reuses freed memory instead of faulting in fresh pages for every clip."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

AS_USUAL = "from voiceguide.__main__ import main; main()"
WITHOUT_KEEPING = "import voiceguide.support.memory as m; m.keep_freed_memory = lambda: None; " + AS_USUAL


def page_faults(program: str, args: list[str], cache: Path) -> int:
    """Minor page faults of one run of `program` (a child's are counted once it is waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    subprocess.run(
        [sys.executable, "-c", program, *args], env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)},
        check=True, capture_output=True,
    )
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before


def test_the_command_line_makes_clips_without_faulting_in_fresh_memory_for_each(script, tmp_path):
    lines = "".join(f"  - say: Line {n}. Press between thumb and finger, and breathe out slowly.\n" for n in range(24))
    routine = script("title: Many lines\nvoice: {voice: 'espeak:en'}\nsteps:\n" + lines)  # Piper's own memory aside
    args = ["check", str(routine)]

    usual = page_faults(AS_USUAL, args, tmp_path / "cache-1")
    without = page_faults(WITHOUT_KEEPING, args, tmp_path / "cache-2")

    assert usual < without / 2, f"{usual} page faults keeping freed memory, {without} without"
