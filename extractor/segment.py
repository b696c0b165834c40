"""Stage 3: sentences, with exact offsets.

Sentences come from a rule (line breaks and sentence-final punctuation, not after an
abbreviation such as "TP." or an initial). No stage needs words: the mention and record rules
read characters, so word segmentation (underthesea) is not on the path at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex

from .rules import Rules


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


class Segmenter:
    """The abbreviations that a full stop does not end come from the `abbreviation` markers."""

    def __init__(self, rules: Rules):
        abbreviations = rules.marker_patterns["abbreviation"].pattern
        self.boundary = regex.compile(
            rf"(?<=[.!?…])(?<!\b(?:{abbreviations}|\p{{Lu}})\.)[\"”']?\s+(?=[\"“'(\p{{Lu}}\d-])|\s*\n\s*")

    def sentences(self, text: str, start: int = 0, end: Optional[int] = None) -> list[Sentence]:
        end = len(text) if end is None else end
        found, cursor = [], start
        for match in self.boundary.finditer(text, start, end):
            if "\n" in match.group() and _wrapped(text, match.start(), match.group()):
                continue
            _append(found, text, cursor, match.start())
            cursor = match.end()
        _append(found, text, cursor, end)
        return found


_FINAL = (".", "!", "?", ":", ";", "…", '"', "”", ")")


def _wrapped(text: str, position: int, boundary: str) -> bool:
    """A line that stops mid-sentence was wrapped by the page: the sentence goes on, unless a
    blank line follows. A long line is wrapped; so is a line of eight words or more whose next
    line starts in lower case, or that has a clause (a comma, unlike a headline) and whose next
    line closes the sentence."""
    if boundary.count("\n") > 1:
        return False
    line = text[text.rfind("\n", 0, position) + 1:position].rstrip()
    if not line or line.endswith(_FINAL):
        return False
    if len(line) > 80:
        return True
    after = position + len(boundary)
    line_end = text.find("\n", after)
    following = text[after:line_end if line_end >= 0 else len(text)].rstrip()
    return len(line.split()) >= 8 and (following[:1].islower() or "," in line and following.endswith(_FINAL))


# A "sentence" longer than this is a flattened table or a list with no full stops: it is cut at
# the last ";", "," or space before the limit, so that no stage's work grows with its square.
MAX_SENTENCE = 1000


def _append(found: list[Sentence], text: str, start: int, end: int) -> None:
    while end - start > MAX_SENTENCE:
        cut = max(text.rfind(mark, start + MAX_SENTENCE // 2, start + MAX_SENTENCE) for mark in (";", ",", " "))
        cut = cut + 1 if cut > start else start + MAX_SENTENCE
        _append_one(found, text, start, cut)
        start = cut
    _append_one(found, text, start, end)


def _append_one(found: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        offset = start + len(chunk) - len(chunk.lstrip())
        found.append(Sentence(offset, offset + len(stripped), stripped))
