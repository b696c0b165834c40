"""Sentences and words of an article with exact character offsets, for the datasets (spaCy, CoNLL).

Sentences come from the pipeline's segmenter, run over the whole text (site chrome too), and never
cut a given span. Words come from underthesea's word segmentation, one sentence at a time. It
rewrites some characters ("Ð" → "Đ") and could drop others, so its words are found again in the
text from a moving cursor, syllable by syllable, and characters no word claims become tokens of
their own: the tokens cover every non-space character of the text exactly once, whatever
underthesea did. Tokens are cut where a given span starts or ends, so that every span is a whole
number of tokens.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Optional, Sequence

import regex
from underthesea import word_tokenize

from .normalize import normalise
from .segment import Segmenter

Span = tuple[int, int]
_NON_SPACE = regex.compile(r"\S+")
_PUNCTUATION = regex.compile(r"[^\p{L}\p{N}]+")
_LOOK_AHEAD = 8   # characters underthesea may have left out before a syllable that is still found


def sentences_of_tokens(text: str, segmenter: Segmenter, spans: Sequence[Span]) -> list[list[Span]]:
    """The article's sentences, each a list of token spans into `text`."""
    norm = normalise(text)
    sentences: list[list[Span]] = []
    by_start = iter(sorted(spans))
    reach, pending = 0, next(by_start, None)   # the furthest end of the spans started so far
    for sentence in segmenter.sentences(norm.text):
        words = [norm.to_original(*w) for w in _words(norm.text, sentence.start, sentence.end)]
        tokens = _with_gaps(text, *norm.to_original(sentence.start, sentence.end), words)
        while pending is not None and sentences and pending[0] < sentences[-1][-1][1]:
            reach, pending = max(reach, pending[1]), next(by_start, None)
        if sentences and reach > tokens[0][0]:
            sentences[-1].extend(tokens)   # a span that crosses a sentence break joins the two sentences
        else:
            sentences.append(tokens)
    cuts = sorted({offset for span in spans for offset in span})
    return [[piece for token in sentence for piece in _cut(text, token, cuts)] for sentence in sentences]


def _words(text: str, start: int, end: int) -> list[Span]:
    """underthesea's words of text[start:end] (syllables joined by spaces) as spans of the text."""
    spans, cursor = [], start
    for word in word_tokenize(text[start:end], use_token_normalize=False):
        for syllables in _unglued(word.split()):
            first: Optional[int] = None
            for syllable in syllables:
                found = _find(text, syllable, cursor, end)
                if found is None:
                    continue    # not in the text as written: its characters become tokens of their own
                first = found[0] if first is None else first
                cursor = found[1]
            if first is not None:
                spans.append((first, cursor))
    return spans


def _unglued(syllables: list[str]) -> list[list[str]]:
    """A word's syllables, with punctuation that the tagger glued to a word ("chủ |") a word of its own."""
    groups: list[list[str]] = []
    for syllable in syllables:
        if groups and _PUNCTUATION.fullmatch(syllable) is None and _PUNCTUATION.fullmatch(groups[-1][-1]) is None:
            groups[-1].append(syllable)
        else:
            groups.append([syllable])
    return groups


def _find(text: str, syllable: str, cursor: int, end: int) -> Optional[Span]:
    """Where a syllable stands at the cursor: as written, a few characters on (some were left out),
    or rewritten letter for letter ("Ð" for "Đ")."""
    at = cursor
    while at < end and text[at].isspace():
        at += 1
    found = text.find(syllable, at, min(end, at + len(syllable) + _LOOK_AHEAD))
    if found >= 0 and not any(c.isspace() for c in text[at:found]):
        return found, found + len(syllable)
    stop = min(end, at + len(syllable))
    if stop > at and not any(c.isspace() for c in text[at:stop]):
        return at, stop
    return None


def _with_gaps(text: str, start: int, end: int, words: list[Span]) -> list[Span]:
    """The words, and every run of non-space characters between them as a token of its own."""
    tokens, at = [], start
    for word_start, word_end in words + [(end, end)]:
        tokens += [(m.start(), m.end()) for m in _NON_SPACE.finditer(text, at, word_start)]
        if word_end > word_start:
            tokens.append((word_start, word_end))
        at = word_end
    return tokens


def _cut(text: str, token: Span, cuts: list[int]) -> list[Span]:
    """The token in pieces at the cuts inside it, white space trimmed off each piece."""
    start, end = token
    inside = cuts[bisect_right(cuts, start):bisect_left(cuts, end)]
    if not inside:
        return [token]
    pieces = []
    for piece_start, piece_end in zip([start, *inside], [*inside, end]):
        while piece_start < piece_end and text[piece_start].isspace():
            piece_start += 1
        while piece_end > piece_start and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > piece_start:
            pieces.append((piece_start, piece_end))
    return pieces
