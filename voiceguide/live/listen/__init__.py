"""Hearing spoken commands, offline: the machinery behind `play --listen` (the input itself is inputs/voice.py).

- `microphone.py`: the default capture device through miniaudio, 16 kHz mono 16-bit.
- `endpoint.py`: an energy endpointer that finds where speech starts and ends against a
  steady noise floor (WebRTC's VAD takes steady noise for speech).
- `recognizer.py`: pocketsphinx in grammar mode (and pymicro-wakeword for `--wake`), run in
  a process of its own, fed the microphone's audio through a pipe: pocketsphinx holds the
  GIL while it decodes, and the session's playback must never wait for it.
- `pronounce.py`: words the US English dictionary lacks (a German routine's commands) are
  spelled in its phones from espeak-ng's IPA in the routine's language.
- `gate.py`: the echo gate, which drops what is heard near the guide's own sound.

Nothing heard is kept or sent anywhere: audio lives in the pipe and the decoder's
buffers only until the next utterance.
"""
