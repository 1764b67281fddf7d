#!/usr/bin/env bash
# Installs the system programs voiceguide uses: espeak-ng (speech) and ffmpeg (MP3).
# With --for-tests, also what live playback's tests and the optional simpleaudio player
# need: a PulseAudio server with a null sink to play into and parec to record it
# (pulseaudio, pulseaudio-utils), ALSA routed to it (libasound2-plugins), and what
# simpleaudio compiles with (gcc, the Python headers, libasound2-dev), and a private
# D-Bus session bus with playerctl to press the media keys (dbus, playerctl). The voice-command
# tests (`play --listen`) need nothing more: their microphone is a second null sink of the same
# PulseAudio, and pocketsphinx and pymicro-wakeword come as wheels with their models.
# Skips the package manager entirely when everything is already there.
set -euo pipefail

debian_packages=(espeak-ng libespeak-ng1 ffmpeg python3-venv)
if [ "${1:-}" = --for-tests ]; then
    debian_packages+=(pulseaudio pulseaudio-utils libasound2-plugins libasound2-dev gcc python3-dev dbus playerctl)
fi

missing=()
for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ "$(uname -s)" = Darwin ]; then
    command -v espeak-ng >/dev/null && command -v ffmpeg >/dev/null || brew install espeak-ng ffmpeg
elif [ ${#missing[@]} -eq 0 ]; then
    exit 0
elif command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing system packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "Please install these with your package manager: ${missing[*]}" >&2
    exit 1
fi
