"""Training labels from gold: each gold fact is tied to the value slot it was read from (a slot
in its evidence sentence with its value), once. A slot no gold fact claims is a "none" example;
a slot elsewhere that repeats a gold value (a headline, a lead) teaches nothing and is left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex

from .candidates import Slot
from .evaluate import facts_of
from .normalize import normalise
from .schema import PERCENT_MEASURES, Document, Record

_SPACE = regex.compile(r"\s+")


@dataclass
class Label:
    measure: Optional[str]          # None: leave the slot out of training
    record: Optional[Record] = None  # the gold record of the fact the slot states


def _folded(text: str) -> tuple[str, list[int]]:
    """Text with runs of white space as one space, and each folded character's offset."""
    chars, offsets = [], []
    for match in regex.finditer(r"\s+|\S", text):
        chars.append(" " if match.group().isspace() else match.group())
        offsets.append(match.start())
    return "".join(chars), offsets


def evidence_spans(text: str, evidence: str) -> list[tuple[int, int]]:
    folded, offsets = _folded(text)
    needle = _SPACE.sub(" ", normalise(evidence).text).strip()
    spans, at = [], folded.find(needle) if needle else -1
    while at >= 0:
        spans.append((offsets[at], offsets[at + len(needle) - 1] + 1))
        at = folded.find(needle, at + 1)
    return spans


def _value_matches(slot: Slot, measure: str, value: float) -> Optional[str]:
    """The label under which a slot states a gold fact's value, if it does."""
    own = slot.value.value
    if measure in PERCENT_MEASURES:
        if slot.value.label != "PERCENT":
            return None
        if abs(own - value) <= 0.05:
            return measure
        return "excess_pct" if measure == "attainment_pct" and abs(own + 100 - value) <= 0.05 else None
    return measure if slot.value.label == "COUNT" and own == value else None


def align(text: str, slots: list[Slot], gold: Document) -> tuple[list[Label], int]:
    """A label per slot, and how many gold facts found their slot."""
    labels: list[Optional[Label]] = [None] * len(slots)
    aligned = 0
    values = set()
    for fact in facts_of(gold):
        values.add(round(fact.value, 2))
        evidence = fact.record.evidence
        spans = evidence_spans(text, evidence) if isinstance(evidence, str) else [(evidence.start, evidence.end)]
        for n, slot in enumerate(slots):
            label = _value_matches(slot, fact.measure, fact.value)
            if labels[n] is None and label and any(s <= slot.value.value_span[0] < e for s, e in spans):
                labels[n] = Label(label, fact.record)
                aligned += 1
                break
    out = []
    for n, slot in enumerate(slots):
        if labels[n] is not None:
            out.append(labels[n])
        elif round(slot.value.value, 2) in values or round(slot.value.value - 100, 2) in values:
            out.append(Label(None))
        else:
            out.append(Label("none"))
    return out, aligned
