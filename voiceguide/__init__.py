"""voiceguide: routine scripts turned into timed spoken instructions and chimes."""

__version__ = "0.1.0"
