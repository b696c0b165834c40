"""Stage 1: normalise the text for matching while keeping a map back to the original.

Every later stage works on `Normalised.text` and turns its offsets back into the
original article's offsets with `Normalised.to_original`.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import regex

# One character for one character, so the offset map stays a plain list.
_CHAR_MAP = str.maketrans({
    "\u00d0": "Đ", "\u0110": "Đ", "\u00f0": "đ",       # Icelandic eth used for Vietnamese Đ
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200b": " ", "\ufeff": " ",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
    "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'",
    "\r": "\n", "\t": " ",
})
# Old tone placement ("hoá", "uỷ") moved to the new one ("hóa", "ủy") at a syllable end,
# so that rules are written once. "qu" is a consonant, so "quý" stays as it is.
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")
_GRAPHEME = regex.compile(r"\X")
_OLD_TONE = regex.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ])(?!\p{L})")


def _move_tone(match: regex.Match) -> str:
    first, toned = match.group(1), unicodedata.normalize("NFD", match.group(2))
    tone = next(c for c in toned if c in _TONES)
    bare = toned.replace(tone, "")
    return unicodedata.normalize("NFC", first + tone) + unicodedata.normalize("NFC", bare)


@dataclass(frozen=True)
class Normalised:
    text: str
    offsets: Sequence[int]   # offsets[i] = index in the original of normalised char i; one extra at the end

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the normalised span [start, end)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def normalise(original: str) -> Normalised:
    composed, offsets = _nfc(original)
    # Both replacements keep the length, so the offset map stays as it is.
    text = _OLD_TONE.sub(_move_tone, composed.translate(_CHAR_MAP))
    return Normalised(*_single_spaced(text, offsets))


_SPACES = regex.compile(r"(?<= ) +")


def _single_spaced(text: str, offsets: Sequence[int]) -> tuple[str, Sequence[int]]:
    """A run of spaces as one ("Ngày 16  tháng 03"): rules write one space between words."""
    if "  " not in text:
        return text, offsets
    keep = [True] * len(text)
    for run in _SPACES.finditer(text):
        keep[run.start():run.end()] = [False] * (run.end() - run.start())
    return "".join(c for c, k in zip(text, keep) if k), [o for o, k in zip(offsets, keep + [True]) if k]


def _nfc(original: str) -> tuple[str, Sequence[int]]:
    if unicodedata.is_normalized("NFC", original):   # most articles: nothing moves
        return original, range(len(original) + 1)
    chars: list[str] = []
    offsets: list[int] = []
    # NFC one grapheme cluster at a time keeps the map exact when combining marks merge.
    for cluster in _GRAPHEME.finditer(original):
        composed = unicodedata.normalize("NFC", cluster.group())
        chars.extend(composed)
        offsets.extend([cluster.start()] * len(composed))
    offsets.append(len(original))
    return "".join(chars), tuple(offsets)


@functools.lru_cache(maxsize=65536)   # names and groups come back again and again
def fold(text: str) -> str:
    """Canonical form for comparing names and groups: NFC, lower case, no diacritics,
    "Ð" read as "Đ", punctuation and whitespace folded (RECORDS.md section 5)."""
    text = unicodedata.normalize("NFD", text.translate(_CHAR_MAP).lower())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("đ", "d")
    return " ".join(_NOT_WORD.sub(" ", text).split())
