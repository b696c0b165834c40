"""One feature function per learned decision: each returns a dict of named cues, so a new cue
is a new key. The models (learned.py) weigh them; the names are the only contract between
training and prediction.
"""
from __future__ import annotations

import bisect
import itertools
import math
from typing import TYPE_CHECKING, Optional

import regex

if TYPE_CHECKING:   # candidates imports this module
    from .candidates import PeriodOption, Slot, UnitOption

_WORD = regex.compile(r"[\p{L}\p{M}]+|\d+(?:[.,]\d+)*|%|[;:()]")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _window(prefix: str, tokens: list[str], features: dict[str, float]) -> None:
    """Position-tagged words, their bag and syllable pairs ("kết_nạp") of one side of a value."""
    for i, token in enumerate(tokens[:3], 1):
        features[f"{prefix}{i}={token}"] = 1.0
    for token in tokens:
        features[f"{prefix}w={token}"] = 1.0
    for a, b in zip(tokens, tokens[1:]):
        features[f"{prefix}b={a}_{b}"] = 1.0
    if tokens[:2]:
        features[f"{prefix}12={'_'.join(tokens[:2])}"] = 1.0


_CONJOINED_FLAGS = frozenset({"admission", "breakdown_before", "breakdown_start", "title", "ceremony"})


def _bucket(value: float, edges: tuple[float, ...]) -> str:
    return str(next((e for e in edges if value < e), "big"))


class SentenceWords:
    """The words of a sentence with their ends, found once for all the values in it."""

    def __init__(self, text: str):
        found = list(_WORD.finditer(text))
        self.starts = [m.start() for m in found]
        self.ends = [m.end() for m in found]
        self.words = [m.group().lower() for m in found]

    def before(self, offset: int) -> int:
        """How many words end at or before `offset`."""
        return bisect.bisect_right(self.ends, offset)

    def from_(self, offset: int) -> int:
        """The first word that starts at or after `offset`."""
        return bisect.bisect_left(self.starts, offset)


def measure_features(slot: Slot) -> dict[str, float]:
    value, sentence = slot.value, slot.words
    f: dict[str, float] = {"bias": 1.0, f"label={value.label}": 1.0}
    base = slot.sentence.start
    at = sentence.before(value.value_span[0] - base)
    after = value.value_span[1] - base
    left = sentence.words[max(0, at - 8):at][::-1]
    _window("l", left, f)
    _window("r", sentence.words[sentence.from_(after):sentence.before(after + len(slot.right))][:8], f)
    for token in sentence.words[max(sentence.from_(slot.left_start), at - 12):at]:
        f[f"seg={token}"] = 1.0
    # the whole clause the value stands in (to ";" or ":"), across other values: "kết nạp 109
    # đảng viên, trong đó 12 nữ, chiếm 11%, đạt 95% kế hoạch"
    for token in _clause(sentence.words[sentence.from_(after):][:_CLAUSE]):
        f[f"clause={token}"] = 1.0
    for token in _clause(sentence.words[max(0, at - _CLAUSE):at][::-1]):
        f[f"lclause={token}"] = 1.0
    if value.label == "COUNT":
        f[f"noun={(value.noun or '-').lower()}"] = 1.0
        f[f"people={value.people}"] = 1.0
        f[f"size={_bucket(value.value, (2, 10, 100, 1000, 10000))}"] = 1.0
        if value.rule == "bare":
            f["bare"] = 1.0
        if value.fraction_target is not None:
            f["fraction"] = 1.0
        if value.extra.get("denominator"):
            f["denominator"] = 1.0
    else:
        pct = _bucket(value.value, (5, 10, 20, 50, 99.95, 100.05, 150))
        f[f"pct={pct}"] = 1.0
    if value.approx:
        f[f"approx={value.approx}"] = 1.0
    for flag in slot.flags:
        f[f"s:{flag}"] = 1.0
    for cue in slot.cues:
        f[f"cue={cue}"] = 1.0
        if cue.startswith("earlier:") and "list_item" in slot.flags:   # "...; Hội An 110; Điện Bàn 150"
            f[f"listed|{cue}"] = 1.0
    f[f"prev={slot.previous_kind}"] = 1.0
    f[f"next={slot.next_kind}"] = 1.0
    # A few pairs a linear model cannot form itself: the noun with the word before the number
    # ("cho 4 học sinh", "có 24 đồng chí"), and each cue with the kind of sentence it fires in.
    f[f"noun&l1={(value.noun or '-').lower()}|{left[0] if left else '-'}"] = 1.0
    for cue in slot.cues:
        for flag in _CONJOINED_FLAGS & slot.flags:
            f[f"{cue}&{flag}"] = 1.0
    return f


_CLAUSE = 20   # words each side (measured: 20 beat 30, and the value's own window alone)
_CLAUSE_END = frozenset({";", ":"})


def _clause(words: list[str]) -> list[str]:
    """The words up to the clause's end, in the order given (outwards from the value)."""
    return list(itertools.takewhile(lambda w: w not in _CLAUSE_END, words))


# Where a unit option stands weighs differently for counts, percents and totals; its words do
# not (crossing them too measured no better, and scoring took twice as long).
_UNIT_CROSSED = ("src=", "dist", "nearest", "last_", "subject")


def unit_features(option: UnitOption, measure: str) -> dict[str, float]:
    kind = "members" if measure == "members" else "count" if measure in ("admitted", "target") else "pct"
    return _crossed(option.cues, kind, _UNIT_CROSSED)


def period_features(option: PeriodOption, measure: str) -> dict[str, float]:
    """Every cue of a period crossed with the measure: a target's year reads unlike an admission's."""
    return _crossed(option.cues, measure, ("",))


def _crossed(cues: dict[str, float], by: str, prefixes: tuple[str, ...]) -> dict[str, float]:
    f = {"bias": 1.0, **cues}
    f.update({f"{key}|{by}": value for key, value in cues.items() if key.startswith(prefixes)})
    return f


def distance(chars: int) -> str:
    return _bucket(abs(chars), (10, 30, 80, 200)) if chars >= 0 else "-" + _bucket(-chars, (10, 30, 80, 200))


def log_count(n: int) -> str:
    return str(min(3, int(math.log2(n)) if n > 0 else 0))


def previous_words(text: str, end: int, n: int = 2) -> list[str]:
    return words(text[max(0, end - 40):end])[-n:]


def next_words(text: str, start: int, n: int = 2) -> list[str]:
    return words(text[start:start + 40])[:n]


def optional(value: Optional[str]) -> str:
    return value if value else "-"
