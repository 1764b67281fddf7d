"""Timeline to PCM: mixing, fades and loudness, read at any sample position.

`Renderer.read(position, frames)` is stateless random access, so export can
stream blocks from the start while the live player seeks, pauses and jumps
through the same code: both hear the same samples. Memory holds only the few
clips in use (an LRU of decoded clips), never the session.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from voiceguide.audio import levels
from voiceguide.audio.bed import BELOW_SPEECH_DB, Bed
from voiceguide.script.routine import Utterance
from voiceguide.session import Session
from voiceguide.support.units import to_samples
from voiceguide.timeline import FadeEvent, SoundEvent, SpeechEvent

BLOCK = 8192
"""Samples per block (about 0.19 s): small enough for a player, large enough to be cheap."""
FADE_SECONDS = 0.004
"""Every clip fades in and out this quickly: no clicks, and the onset stays where it is."""
CLIPS_IN_MEMORY = 24


CHIME_BELOW_SPEECH_DB = 6.0
"""Chimes sit this far under the speech, so they never startle."""


class Renderer:
    """The audio of one prepared session, at its loudness target.

    A session still making its clips (a live start) reads correctly only before its
    `final_until`: later events may move, and their clips may not exist yet.
    """

    def __init__(self, session: Session, correction: float | None = None) -> None:
        """`correction`: the loudness correction to use instead of measuring the session (a live session that
        starts before its clips are made keeps the one its first layout gave, so its level never jumps)."""
        timeline = session.timeline
        self.timeline = timeline
        self.duration = timeline.duration
        self.final_until = session.final_until
        self._clips = session.clips
        self._cues = session.cues
        self._speech_gain = levels.db_to_gain(session.loudness - levels.SPEECH_LUFS)
        self._chime_gain = levels.db_to_gain(session.loudness - CHIME_BELOW_SPEECH_DB - levels.CUE_LUFS)
        self._sounds = timeline.sounds
        self._starts = [e.start for e in self._sounds]
        self._longest = max((e.end - e.start for e in self._sounds), default=0)
        self._decoded: OrderedDict[Utterance | str, np.ndarray] = OrderedDict()
        fade = max(to_samples(FADE_SECONDS), 1)
        self._fade_in = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))).astype(np.float32)
        self._bed = self._ambience(session)
        self._fade_out = timeline.fade
        self.correction = self._measured_correction(session) if correction is None else correction
        """The gain that brings the session to its loudness target, applied to every sound."""
        self._speech_gain *= self.correction
        self._chime_gain *= self.correction
        if self._bed:
            self._bed.louder(self.correction)

    def _ambience(self, session: Session) -> Bed | None:
        bed = session.timeline.ambience
        if bed is None or session.routine.ambience is None:
            return None
        level = session.loudness - BELOW_SPEECH_DB - levels.CUE_LUFS
        words = [(e.start, e.end) for e in session.timeline.speech]
        loop, energies = session.cues.samples(bed.name, bed=True), session.cues.energies(bed.name, bed=True)
        return Bed(loop, energies, levels.db_to_gain(level) * session.routine.ambience.volume, words)

    def _measured_correction(self, session: Session) -> float:
        """Measure the whole session once: the gain that makes it land on its loudness target.

        Clips are each at the reference level, but pauses inside 400 ms loudness blocks
        lower the session's measure a little. Each distinct sound's K-weighted energy is
        measured once and added at every place it plays (sounds never overlap, so their
        energies add), which costs the same for a ten-minute or a two-hour session. A line
        not made yet counts as steady speech at the level its clip will be levelled to,
        over its estimated length.
        """
        target, unmade = session.loudness, set(session.unmade)
        cells = np.zeros(self.duration // levels.GRID + 2 * levels.STEPS_PER_BLOCK * levels.CELLS_PER_STEP)
        by_sound: dict[Utterance | str, list[SoundEvent]] = {}
        for event in self._sounds:
            by_sound.setdefault(_sound_key(event), []).append(event)
        for key, events in by_sound.items():
            if isinstance(key, str):
                energy = self._cues.energies(key) * self._chime_gain**2
            elif key in unmade:
                level = levels.SPEECH_LUFS + 20 * math.log10(key.volume)
                energy = levels.steady_cells(level, events[0].end - events[0].start) * self._speech_gain**2
            else:
                energy = self._clips.energies(key) * self._speech_gain**2
            for event in events:
                first = event.start // levels.GRID
                span = energy[: len(cells) - first]
                cells[first : first + len(span)] += span
        if self._bed:
            audible = -(-self.duration // levels.GRID)
            cells[:audible] += self._bed.cell_energies(audible)
        if self._fade_out:
            cells *= self._fade_gains(self._fade_out, np.arange(len(cells)) * levels.GRID + levels.GRID // 2) ** 2
        measured = levels.gated_loudness(cells)
        if measured == float("-inf"):
            return 1.0
        room = levels.PEAK_LIMIT_DB + levels.PEAK_HEADROOM_DB - (target - levels.SPEECH_LUFS)  # before peaks pass
        return levels.db_to_gain(min(target - measured, room))

    @staticmethod
    def _fade_gains(fade: FadeEvent, positions: np.ndarray) -> np.ndarray:
        """1 before the fade-out, easing (a quarter cosine) to 0 at its end and after."""
        start, end = fade.start, fade.end
        progress = np.clip((positions - start) / max(end - start, 1), 0.0, 1.0)
        return np.cos(progress * np.pi / 2).astype(np.float32)

    def read(self, position: int, frames: int) -> np.ndarray:
        """`frames` float32 samples from `position`; silence past the end."""
        out = np.zeros(frames, dtype=np.float32)
        end = position + frames
        first = bisect.bisect_left(self._starts, position - self._longest)
        last = bisect.bisect_left(self._starts, end)
        for event in self._sounds[first:last]:
            if event.end <= position:
                continue
            sound = self.sound(event)
            lo, hi = max(event.start, position), min(event.start + len(sound), end)
            if hi > lo:
                out[lo - position : hi - position] += sound[lo - event.start : hi - event.start]
        if self._bed:
            out += self._bed.read(position, frames)
        if self._fade_out and end > self._fade_out.start:
            out *= self._fade_gains(self._fade_out, np.arange(position, end))
        return out

    def blocks(self, start: int = 0, size: int = BLOCK) -> Iterator[np.ndarray]:
        """The session from `start` to its end in blocks of `size` (the last may be shorter)."""
        for position in range(start, self.duration, size):
            yield self.read(position, min(size, self.duration - position))

    def sound(self, event: SoundEvent) -> np.ndarray:
        """One speech clip or cue at this session's level, faded, as `read` mixes it; do not modify it."""
        return self._decoded_sound(_sound_key(event))

    def spoken(self, utterance: Utterance) -> np.ndarray:
        """A line's clip as `read` mixes it; the live player also uses it for words outside the timeline (a section's title)."""
        return self._decoded_sound(utterance)

    def chime(self, name: str) -> np.ndarray:
        """A cue as `read` mixes it; the live player also uses it for its pause tone."""
        return self._decoded_sound(name)

    def _decoded_sound(self, key: Utterance | str) -> np.ndarray:
        sound = self._decoded.get(key)
        if sound is None:
            if isinstance(key, Utterance):
                raw, gain = self._clips.samples(key), self._speech_gain
            else:
                raw, gain = self._cues.samples(key), self._chime_gain
            sound = self._faded(raw.astype(np.float32) * (gain / 32768))
            self._decoded[key] = sound
            if len(self._decoded) > CLIPS_IN_MEMORY:
                self._decoded.popitem(last=False)
        else:
            self._decoded.move_to_end(key)
        return sound

    def _faded(self, sound: np.ndarray) -> np.ndarray:
        n = min(len(self._fade_in), len(sound) // 2)
        sound[:n] *= self._fade_in[:n]
        sound[len(sound) - n :] *= self._fade_in[:n][::-1]
        return sound


def _sound_key(event: SoundEvent) -> Utterance | str:
    """A clip is named by its utterance, a cue by its name: each is decoded and measured once."""
    return event.utterance if isinstance(event, SpeechEvent) else event.name


def to_pcm16(block: np.ndarray) -> bytes:
    """Float samples as little-endian 16-bit PCM, the form files and sound devices take."""
    return np.clip(np.round(block * 32767), -32768, 32767).astype("<i2").tobytes()
