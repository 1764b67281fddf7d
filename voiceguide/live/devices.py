"""Opening a miniaudio stream, one way for each a live session opens: the speaker's, the confirmations'
and the microphone's. Each is mono; output plays float samples, the microphone hears 16-bit ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal


def opened(
    direction: Literal["playback", "capture"],
    rate: int,
    buffer_ms: int,
    unavailable: Callable[[str], Exception],
    app_name: str = "voiceguide",
) -> Any:
    """The device, not yet started; else `unavailable(reason)` is raised: when none opens, or when only
    miniaudio's last resort, its null backend (which plays into nothing and hears nothing), is left."""
    import miniaudio

    settings: dict[str, Any] = {"nchannels": 1, "sample_rate": rate, "buffersize_msec": buffer_ms, "app_name": app_name}
    try:
        if direction == "capture":
            device = miniaudio.CaptureDevice(input_format=miniaudio.SampleFormat.SIGNED16, **settings)
        else:
            device = miniaudio.PlaybackDevice(output_format=miniaudio.SampleFormat.FLOAT32, **settings)
    except miniaudio.MiniaudioError as exc:
        raise unavailable(str(exc) or f"no {direction} device") from None
    if device.backend == "Null":
        device.close()
        raise unavailable("only miniaudio's null backend is available")
    return device
