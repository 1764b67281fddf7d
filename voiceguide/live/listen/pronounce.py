"""Spelling a word in the phones of pocketsphinx's US English model, from espeak-ng's IPA.

The model's dictionary knows English words. A routine in another language names its
commands in that language (`words: {commands: {resume: weiter}}`), so those words are
spoken by espeak-ng in the routine's language, as IPA, and each sound is mapped to the
nearest of the model's 39 phones ("zurück" → T S UW R UH K). The closed grammar only has
to tell a few such words apart, which a rough spelling does well enough.
"""

from __future__ import annotations

import shutil
import subprocess

IPA_TO_PHONES: dict[str, tuple[str, ...]] = {
    # two letters first: diphthongs and affricates
    "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",), "əʊ": ("OW",), "ɔɪ": ("OY",), "ɔʏ": ("OY",),
    "tʃ": ("CH",), "dʒ": ("JH",), "ts": ("T", "S"), "pf": ("P", "F"), "ɛɪ": ("EY",), "œy": ("OY",),
    "a": ("AA",), "ɑ": ("AA",), "æ": ("AE",), "ɐ": ("AH",), "ʌ": ("AH",), "ə": ("AH",), "ɜ": ("ER",), "ɚ": ("ER",),
    "ɝ": ("ER",), "e": ("EY",), "ɛ": ("EH",), "i": ("IY",), "ɪ": ("IH",), "o": ("OW",), "ɔ": ("AO",), "ɒ": ("AA",),
    "u": ("UW",), "ʊ": ("UH",), "y": ("UW",), "ʏ": ("UH",), "ø": ("ER",), "œ": ("ER",), "ɨ": ("IH",), "ɯ": ("UW",),
    "b": ("B",), "d": ("D",), "f": ("F",), "g": ("G",), "ɡ": ("G",), "h": ("HH",), "j": ("Y",), "k": ("K",),
    "l": ("L",), "ɫ": ("L",), "m": ("M",), "n": ("N",), "ŋ": ("NG",), "p": ("P",), "r": ("R",), "ɾ": ("R",),
    "ʁ": ("R",), "ɹ": ("R",), "ʀ": ("R",), "s": ("S",), "ʃ": ("SH",), "t": ("T",), "θ": ("TH",), "ð": ("DH",),
    "v": ("V",), "w": ("W",), "z": ("Z",), "ʒ": ("ZH",), "x": ("HH",), "χ": ("HH",), "ç": ("HH",), "ɲ": ("N", "Y"),
    "ʎ": ("L", "Y"), "β": ("B",), "ɣ": ("G",), "ʝ": ("Y",), "c": ("K",), "ɟ": ("G",), "ʋ": ("V",), "ɦ": ("HH",),
}
"""IPA as espeak-ng writes it, to the phones of the CMU dictionary; stress, length and ties are left out."""


class NotPronounceable(ValueError):
    """A word that cannot be spelled in the model's phones; the message says why."""


def ipa_to_phones(ipa: str) -> list[str]:
    phones: list[str] = []
    at = 0
    while at < len(ipa):
        for size in (2, 1):
            found = IPA_TO_PHONES.get(ipa[at : at + size])
            if found:
                phones += found
                at += size
                break
        else:
            at += 1  # stress marks, length, ties, syllable breaks, and sounds the model has no phone for
    return phones


def espeak_phones(word: str, language: str) -> list[str]:
    """The word as espeak-ng says it in `language`, in the model's phones."""
    program = shutil.which("espeak-ng") or shutil.which("espeak")
    if program is None:
        raise NotPronounceable(f"'{word}' is not in the English dictionary, and espeak-ng, which would spell it, is not installed")
    result = subprocess.run([program, "-q", "--ipa", "-v", language, word], capture_output=True, text=True, timeout=10)
    phones = ipa_to_phones(result.stdout.strip())
    if result.returncode != 0 or not phones:
        raise NotPronounceable(f"espeak-ng cannot say '{word}' in the language '{language}'")
    return phones
