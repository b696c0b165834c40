"""Stage 5a: candidates. Every number of the article is a value slot; each slot carries the
cues around it (for its measure), the units it may belong to and the periods it may hold for,
each with its own cues. Nothing is decided here: decide.py weighs the cues with learned models.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import regex

from .features import distance, log_count, next_words, optional, previous_words
from .mentions import Found, SentenceMentions
from .normalize import fold
from .periods import TERM_RELATIVE, Bounds
from .rules import Rules
from .segment import Sentence
from .units import UnitResolver

_BACK = 3   # sentences back that may hold a value's unit or period
# A bare name just before a value in a list: "...; Hội An 110; Điện Bàn 150", "Nguyễn Du (12 đảng viên)"
_LIST_ITEM = regex.compile(r"^[ ]*[;,][ ]*\p{Lu}[\p{L}\p{M}]*(?:[ ]+\p{Lu}[\p{L}\p{M}]*){0,4}[ ]*[(:]?[ ]*$")
_LIST_NAME = regex.compile(r"(?<![\p{L}])(?P<name>\p{Lu}[\p{L}\p{M}]*(?:[ ]+\p{Lu}[\p{L}\p{M}]*){0,4})[ ]*[(:]?[ ]*$")


@dataclass
class UnitOption:
    unit: Found
    cues: dict[str, float]


@dataclass
class PeriodOption:
    date: Optional[Found]          # None: the value holds for no stated period
    bounds: Bounds
    cues: dict[str, float]


@dataclass
class Slot:
    value: Found
    sentence: Sentence
    index: int                     # of the sentence in the article (the headline is 0 when there is one)
    left: str                      # since the previous value
    left_start: int                # where `left` starts in the sentence
    right: str                     # up to the next value
    before: str                    # the sentence up to the value
    flags: set[str]
    cues: list[str]
    previous_kind: str
    next_kind: str
    dates: list[Found]             # of the sentence: a target's own year
    units: list[UnitOption] = field(default_factory=list)
    periods: list[PeriodOption] = field(default_factory=list)


class CandidateFinder:
    def __init__(self, rules: Rules):
        self.resolver = UnitResolver(rules)
        self.markers = rules.marker_patterns
        self.cues = [(f"{n}:{c.measure}", *(regex.compile(p, regex.IGNORECASE) if p else None
                                             for p in (c.left, c.right, c.before)))
                     for n, c in enumerate(rules.cues)]

    def slots(self, text: str, article: list[SentenceMentions], title: Optional[Sentence],
              province: Optional[str]) -> list[Slot]:
        registry = sorted([f for m in article for f in m.found if f.label == "UNIT"]
                          + [p for m in article for p in m.places], key=lambda f: f.start)
        if title is not None:
            registry += self.resolver.title_subjects(title)
        units = [self._units(m, registry, province) for m in article]
        dates = [[f for f in m.found if f.label == "DATE"] for m in article]
        article_units = _ArticleUnits(units, registry, province, title is not None)
        slots = []
        for index, mentions in enumerate(article):
            is_title = title is not None and index == 0
            for slot in self._values(mentions, index, is_title):
                slot.units = article_units.options(slot)
                slot.periods = _period_options(slot, dates, article, is_title, title is not None)
                slots.append(slot)
        return slots

    def _units(self, mentions: SentenceMentions, registry: list[Found],
               province: Optional[str]) -> list[tuple[Found, Found, bool]]:
        """(as written, resolved, is subject) for every unit the sentence names."""
        found = [f for f in mentions.found if f.label == "UNIT"]
        out = []
        for unit in self.resolver.units_of(mentions.sentence, found, mentions.places):
            resolved = self.resolver.resolve(unit, registry, province)
            if resolved is not None:
                out.append((unit, resolved, self.resolver.is_subject(mentions.sentence, unit)))
        return out

    def _values(self, mentions: SentenceMentions, index: int, is_title: bool) -> list[Slot]:
        sentence = mentions.sentence
        text, base = sentence.text, sentence.start
        values = sorted([f for f in mentions.found if f.label in ("COUNT", "PERCENT")] + mentions.bare
                        + [_denominator(f) for f in mentions.found if f.fraction_target is not None],
                        key=lambda f: f.value_span[0])
        flags = {name for name in ("admission", "ceremony") if self.markers[name].search(text)}
        if self.markers["breakdown"].match(text):
            flags.add("breakdown_start")
        if self.markers["subset"].match(text):
            flags.add("subset")
        if is_title:
            flags.add("title")
        slots = []
        for n, value in enumerate(values):
            start = value.value_span[0]
            previous = values[n - 1] if n else None
            following = values[n + 1] if n + 1 < len(values) else None
            left = text[(previous.value_span[1] if previous else base) - base:start - base]
            right = text[value.value_span[1] - base:(following.value_span[0] if following else base + len(text)) - base]
            before = text[:start - base]
            own = set(flags)
            if self.markers["breakdown"].search(before):
                own.add("breakdown_before")
            if self.markers["share_follows"].match(right):
                own.add("share_follows")
            if before.count("(") > before.count(")"):
                own.add("in_brackets")
            if _LIST_ITEM.search(left):
                own.add("list_item")
            own.add(f"nth={min(n, 3)}")
            cues = [name for name, l, r, b in self.cues
                    if (value.label == "COUNT") == (name.split(":")[1] in _COUNT_MEASURES)
                    and all(p is None or p.search(t) for p, t in ((l, left), (r, right), (b, before)))]
            slots.append(Slot(value, sentence, index, left, (previous.value_span[1] if previous else base) - base,
                              right, before, own, cues,
                              _kind(previous, start), _kind(following, start),
                              [f for f in mentions.found if f.label == "DATE"]))
        return slots


_COUNT_MEASURES = frozenset({"admitted", "target", "members", "none"})


def _denominator(fraction: Found) -> Found:
    """"7/5": the 5 is a value of its own (a target, mostly)."""
    return replace(fraction, start=fraction.target_span[0], end=fraction.target_span[1], value=fraction.fraction_target,
                   value_span=fraction.target_span, fraction_target=None, approx=None, rule="denominator",
                   extra={"denominator": True})


def _kind(value: Optional[Found], near: int) -> str:
    if value is None:
        return "none"
    kind = "PERCENT" if value.label == "PERCENT" else "bare" if value.rule == "bare" else \
        "people" if value.people else "thing"
    return f"{kind}:{'near' if abs(value.value_span[0] - near) < 40 else 'far'}"


class _ArticleUnits:
    """The units an article names, sentence by sentence, and the options they give a value."""

    def __init__(self, units: list[list[tuple[Found, Found, bool]]], registry: list[Found], province: Optional[str],
                 has_title: bool):
        self.units = units
        self.has_title = has_title
        self.province = province
        names = [fold(r.name) for sentence in units for _, r, _ in sentence]
        self.frequency = {n: names.count(n) for n in set(names)}
        named = [r for sentence in units for _, r, _ in sentence if not r.generic]
        self.first = named[0] if named else None
        counts = {fold(r.name): names.count(fold(r.name)) for r in named}
        self.most = max(named, key=lambda r: (counts[fold(r.name)], -names.index(fold(r.name)))) if named else None

    def options(self, slot: Slot) -> list[UnitOption]:
        options: dict[str, UnitOption] = {}
        value_at = slot.value.value_span[0]
        first_body = 1 if self.has_title else 0
        nearest_before = max((u.start for u, _, _ in self.units[slot.index] if u.start < value_at), default=None)
        nearest_after = min((u.start for u, _, _ in self.units[slot.index] if u.start > value_at), default=None)
        for back in range(0, _BACK + 1):
            index = slot.index - back
            if index < 0 or (self.has_title and index == 0 and slot.index != 0):
                break
            for written, resolved, subject in self.units[index]:
                if back == 0:
                    where = "before" if written.start < value_at else "after"
                    gap = value_at - written.end if where == "before" else written.start - value_at
                    cues = {f"src=same_{where}": 1.0, f"dist_{where}={distance(gap)}": 1.0,
                            f"between={_between(slot, written)}": 1.0}
                    if written.start in (nearest_before, nearest_after):
                        cues[f"nearest_{where}"] = 1.0
                else:
                    cues = {f"src=prev{back}": 1.0}
                self._add(options, resolved, written, subject, slot.sentence if back == 0 else None, cues)
        if self.has_title:
            for written, resolved, subject in self.units[0]:
                self._add(options, resolved, written, subject, None, {"src=title": 1.0})
        for index in range(first_body, min(first_body + 2, len(self.units))):
            for written, resolved, subject in self.units[index]:
                self._add(options, resolved, written, subject, None, {"src=lead": 1.0})
        listed = _LIST_NAME.search(slot.left)
        if listed and not any(u.start <= slot.sentence.start + slot.left_start + listed.start() < u.end
                              for u, _, _ in self.units[slot.index]):
            start = slot.sentence.start + slot.left_start + listed.start("name")
            name = Found("UNIT", start, start + len(listed["name"]), name=f"Đảng bộ {listed['name']}", kind="đảng bộ",
                         rest=listed["name"], rule="list_name")
            self._add(options, name, name, False, slot.sentence,
                      {"src=list_name": 1.0, f"list_name_at_start={start == slot.sentence.start}": 1.0})
        for unit, src in ((self.most, "src=article_most"), (self.first, "src=article_first")):
            if unit is not None:
                self._add(options, unit, unit, False, None, {src: 1.0})
        if self.province:
            province = Found("UNIT", 0, 0, name=f"Đảng bộ tỉnh {self.province}", kind="đảng bộ", level="tỉnh",
                             rest=self.province, rule="province")
            self._add(options, province, province, True, None, {"src=province": 1.0})
        return list(options.values())

    def _add(self, options: dict[str, UnitOption], resolved: Found, written: Found, subject: bool,
             sentence: Optional[Sentence], cues: dict[str, float]) -> None:
        key = fold(resolved.name)
        option = options.get(key)
        if option is None:
            base = {f"kind={optional(resolved.kind)}": 1.0, f"level={optional(resolved.level)}": 1.0,
                    f"rule={optional(written.rule)}": 1.0, f"freq={log_count(self.frequency.get(key, 0))}": 1.0}
            if written.generic:
                base["generic_written"] = 1.0
            if resolved.generic:
                base["generic"] = 1.0
            if key == self.most:
                base["most_frequent"] = 1.0
            if key == self.first:
                base["first_named"] = 1.0
            option = options[key] = UnitOption(resolved, base)
        for name, value in cues.items():
            option.cues.setdefault(name, value)
        src = next((name for name in cues if name.startswith("src=")), "src=?")
        if subject:
            option.cues.setdefault(f"subject|{src}", 1.0)
        if sentence is not None:
            for word in previous_words(sentence.text, written.start - sentence.start):
                option.cues.setdefault(f"pw={word}", 1.0)
            for word in next_words(sentence.text, written.end - sentence.start):
                option.cues.setdefault(f"nw={word}", 1.0)


def _between(slot: Slot, unit: Found) -> str:
    """How many other values stand between a unit and the value: the nearer one is its own."""
    lo, hi = sorted((unit.end, slot.value.value_span[0]))
    text = slot.sentence.text[lo - slot.sentence.start:hi - slot.sentence.start]
    return str(min(2, len(regex.findall(r"\d+(?:[.,]\d+)*", text))))


def _period_options(slot: Slot, dates: list[list[Found]], article: list[SentenceMentions], is_title: bool,
                    has_title: bool) -> list[PeriodOption]:
    options: dict[Bounds, PeriodOption] = {}
    value_at = slot.value.value_span[0]
    term = next((d.bounds for sentence in reversed(dates[:slot.index + 1]) for d in reversed(sentence)
                 if d.rule == "range" and d.end <= value_at), None)
    same = dates[slot.index]
    nearest_before = max((d.start for d in same if d.end <= value_at), default=None)
    for back in range(0, _BACK):
        index = slot.index - back
        if index < 0 or (has_title and index == 0 and not is_title):
            break
        sentence = article[index].sentence
        for date in dates[index]:
            if back == 0:
                where = "before" if date.end <= value_at else "after"
                gap = value_at - date.end if where == "before" else date.start - value_at
                cues = {f"src=same_{where}": 1.0, f"dist_{where}={distance(gap)}": 1.0}
                if date.start == nearest_before:
                    cues["nearest_before"] = 1.0
            else:
                cues = {f"src=prev{back}": 1.0}
            if date.start - sentence.start < 15:
                cues["leads_sentence"] = 1.0
            for word in previous_words(sentence.text, date.start - sentence.start):
                cues[f"pw={word}"] = 1.0
            _add_period(options, date, term, cues)
    carried = next((dates[i][0] for i in range(slot.index - 1, -1, -1)
                    if dates[i] and dates[i][0].start - article[i].sentence.start < 15), None)
    if carried is not None:
        _add_period(options, carried, term, {"src=carried": 1.0})
    if has_title and not is_title:
        for date in dates[0]:
            _add_period(options, date, term, {"src=title": 1.0})
    options[(None, None)] = options.get((None, None)) or PeriodOption(None, (None, None), {})
    options[(None, None)].cues.update({"null": 1.0, f"dates_in_sentence={min(2, len(same))}": 1.0})
    return list(options.values())


def _add_period(options: dict[Bounds, PeriodOption], date: Found, term: Optional[Bounds],
                cues: dict[str, float]) -> None:
    bounds = date.bounds
    resolve = date.extra.get("resolve")
    if resolve in TERM_RELATIVE and term:   # "trong nhiệm kỳ" after "nhiệm kỳ 2015 - 2020"
        bounds = (term[0], term[1] if resolve == "current_term" else bounds[1])
    option = options.get(bounds)
    if option is None:
        precision = "none" if bounds == (None, None) else \
            {4: "year", 7: "month", 10: "day"}.get(len(bounds[1] or bounds[0] or ""), "other")
        option = options[bounds] = PeriodOption(date, bounds, {
            f"rule={date.rule}": 1.0, f"resolve={resolve}": 1.0, f"precision={precision}": 1.0,
            f"open_start={bounds[0] is None}": 1.0, f"open_end={bounds[1] is None}": 1.0})
    for name, value in cues.items():
        option.cues.setdefault(name, value)


def with_last(slot: Slot, unit: Optional[Found], period: Optional[Bounds]) -> tuple[list[UnitOption], list[PeriodOption]]:
    """The options of a slot, plus the unit and period of the record before it in the article
    (the parts of a total share its period; a list goes on about the same unit)."""
    part = "part" if {"breakdown_before", "breakdown_start"} & slot.flags else "whole"
    units = list(slot.units)
    if unit is not None:
        key = fold(unit.name)
        same = next((o for o in units if fold(o.unit.name) == key), None)
        if same is None:
            units.append(UnitOption(unit, {"src=last_record": 1.0}))
            same = units[-1]
        else:
            same = UnitOption(same.unit, dict(same.cues))
            units = [same if fold(o.unit.name) == key else o for o in units]
        same.cues.update({"last_record": 1.0, f"last_record|{part}": 1.0})
    periods = list(slot.periods)
    if period is not None:
        same_period = next((o for o in periods if o.bounds == period), None)
        if same_period is None:
            periods.append(PeriodOption(None, period, {"src=last_record": 1.0}))
            same_period = periods[-1]
        else:
            same_period = PeriodOption(same_period.date, same_period.bounds, dict(same_period.cues))
            periods = [same_period if o.bounds == period else o for o in periods]
        same_period.cues.update({"last_record": 1.0, f"last_record|{part}": 1.0})
    return units, periods
