"""Stage 5a: candidates. Every number of the article is a value slot; each slot carries the
cues around it (for its measure), the units it may belong to and the periods it may hold for,
each with its own cues. Nothing is decided here: records.py weighs the cues with learned models.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Optional

import regex

from .features import SentenceWords, distance, log_count, next_words, optional, previous_words
from .mentions import Found, SentenceMentions
from .normalize import fold
from .periods import TERM_RELATIVE, Bounds
from .rules import Institution, Rules, alternation, case_free, lowered
from .segment import Sentence
from .units import Registry, UnitResolver

_BACK = 3   # sentences back that may hold a value's unit or period
_NUMBER = regex.compile(r"\d+(?:[.,]\d+)*")
# An item of a list: a bare name after the last "," or ";" ("... 150 đảng viên; Hội An 110"); and
# the bare name just before a value, which may stand for a unit: "Hội An 110", "Nguyễn Du (12 đảng viên)"
_BARE_NAME = r"\p{Lu}[\p{L}\p{M}]*(?:[ ]+\p{Lu}[\p{L}\p{M}]*){0,4}"
_LIST_ITEM = regex.compile(rf"[;,][ ]*{_BARE_NAME}[ ]*[(:]?[ ]*$")
_LIST_NAME = regex.compile(rf"(?<![\p{{L}}])(?P<name>{_BARE_NAME})[ ]*[(:]?[ ]*$")


@dataclass
class UnitOption:
    unit: Found
    cues: dict[str, float]
    key: str = ""      # the folded name: options with one name are one option

    @property
    def list_name(self) -> bool:
        """The bare name of a list item just before the value ("; Hội An 110")."""
        return "src=list_name" in self.cues

    @property
    def right_before(self) -> bool:
        """Named just before the value, nothing between them ("; huyện Phú Ninh 57")."""
        return "nearest_before" in self.cues and "between=0" in self.cues and "across;" not in self.cues


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
    dates: list[Found]             # of the sentence: a membership count's as-of date
    words: SentenceWords           # of the sentence, shared by its slots
    context: Optional["_Article"] = None

    @property
    def is_part(self) -> bool:
        """A part of a total ("Trong đó, nữ 38 người"): after "trong đó", "trong số", ..."""
        return bool({"breakdown_before", "breakdown_start"} & self.flags)

    @cached_property
    def units(self) -> list[UnitOption]:
        """The units the value may belong to (built when a value has a measure: most have none)."""
        return self.context.units.options(self)

    @cached_property
    def periods(self) -> list[PeriodOption]:
        return _period_options(self, self.context, "title" in self.flags)


class CandidateFinder:
    def __init__(self, rules: Rules):
        self.resolver = UnitResolver(rules)
        self.markers = rules.marker_patterns
        # the head a list's items share: "ở 3 Trường trung học phổ thông: Lê Lợi 3 đảng viên, Bạch Đằng 2"
        heads = alternation([i.text for i in rules.of(rules.units, Institution)])
        list_head = regex.compile(
            rf"(?<![\p{{L}}])(?P<head>(?:{heads})(?:[ ]+[\p{{L}}\p{{M}}]+){{0,3}})[ ]*:[^:;.]*$")
        self.item_patterns = _ItemPatterns(
            list_head, regex.compile(f"(?:{self.markers['item_open'].pattern})$", regex.IGNORECASE),
            regex.compile(f"[ ]*(?:{self.markers['subject_verb'].pattern})?[ ]*", regex.IGNORECASE),
            self.markers["list_item_lower"])
        # cues run on the lower-cased sentence (case_free): a third faster than IGNORECASE
        self.cues = {label: [(f"{n}:{c.measure}", *(regex.compile(case_free(p)) if p else None
                                                   for p in (c.left, c.right, c.before)))
                             for n, c in enumerate(rules.cues) if (c.applies == "count") == (label == "COUNT")]
                     for label in ("COUNT", "PERCENT")}

    def slots(self, text: str, article: list[SentenceMentions], title: Optional[Sentence],
              province: Optional[str]) -> list[Slot]:
        found = [f for m in article for f in m.found if f.label == "UNIT"] + [p for m in article for p in m.places]
        if title is not None:
            found += self.resolver.title_subjects(title)
        registry = self.resolver.registry(found)
        units = [self._units(m, registry, province) for m in article]
        dates = [[f for f in m.found if f.label == "DATE"] for m in article]
        flags = [self._flags(m.sentence.text, title is not None and n == 0) for n, m in enumerate(article)]
        context = _Article(article, dates, _ArticleUnits(units, province, title is not None,
                                                         [m.sentence for m in article], self.item_patterns),
                           title is not None, any("ceremony" in f for f in flags))
        # How much of the article speaks of admissions: a figure in an article about something else
        # (a congress, badges, the Youth Union) is rarely a fact.
        speaking = [f"doc_admission={min(3, sum('admission' in f for f in flags))}"]
        if title is not None and "admission" in flags[0]:
            speaking.append("title_admission")
        slots = []
        for index, mentions in enumerate(article):
            for slot in self._values(mentions, index, flags[index] | set(speaking)):
                slot.context = context
                slots.append(slot)
        return slots

    def _flags(self, text: str, is_title: bool) -> set[str]:
        """What a sentence as a whole says: it speaks of admissions, of a ceremony, it opens with
        "trong đó" (a breakdown) or "riêng" (a subset), it is the headline."""
        flags = {name for name in ("admission", "ceremony") if self.markers[name].search(text)}
        if self.markers["breakdown"].match(text):
            flags.add("breakdown_start")
        if self.markers["subset"].match(text):
            flags.add("subset")
        if is_title:
            flags.add("title")
        return flags

    def _units(self, mentions: SentenceMentions, registry: Registry,
               province: Optional[str]) -> list[tuple[Found, Found, bool]]:
        """(as written, resolved, is subject) for every unit the sentence names."""
        found = [f for f in mentions.found if f.label == "UNIT"]
        out = []
        for unit in self.resolver.units_of(mentions.sentence, found, mentions.places):
            resolved = self.resolver.resolve(unit, registry, province)
            if resolved is not None:
                out.append((unit, resolved, self.resolver.is_subject(mentions.sentence, unit)))
        return out

    def _values(self, mentions: SentenceMentions, index: int, flags: set[str]) -> list[Slot]:
        sentence = mentions.sentence
        text, base = sentence.text, sentence.start
        values = sorted([f for f in mentions.found if f.label in ("COUNT", "PERCENT")] + mentions.bare
                        + [_denominator(f) for f in mentions.found + mentions.bare if f.fraction_target is not None],
                        key=lambda f: f.value_span[0])
        if not values:
            return []
        slots = []
        words = SentenceWords(text)
        low = lowered(text)
        for n, value in enumerate(values):
            start = value.value_span[0]
            previous = values[n - 1] if n else None
            following = values[n + 1] if n + 1 < len(values) else None
            left_start = (previous.value_span[1] if previous else base) - base
            # up to the next value and its hedge ("..., gần 40%"): the hedge is the next value's
            right_end = min(following.start, following.value_span[0]) if following else base + len(text)
            # after a count's number (its noun is part of what follows); after a percent's "%"
            right_start = (value.end if value.label == "PERCENT" else value.value_span[1]) - base
            left, right, before = text[left_start:start - base], text[right_start:right_end - base], text[:start - base]
            low_left, low_right, low_before = \
                low[left_start:start - base], low[right_start:right_end - base], low[:start - base]
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
            cues = [name for name, l, r, b in self.cues[value.label]
                    if (l is None or l.search(low_left)) and (r is None or r.search(low_right))
                    and (b is None or b.search(low_before))]
            slots.append(Slot(value, sentence, index, left, left_start, right, before, own, cues,
                              _kind(previous, start), _kind(following, start),
                              [f for f in mentions.found if f.label == "DATE"], words))
        # A ';' list goes on with names not capitalised throughout ("…; Tây Giang 80; Công an 12;
        # Quân sự 29"): a bare item right after a list item is one too (markers.jsonl list_item_lower).
        for n, slot in enumerate(slots):
            if n and "list_item" not in slot.flags and "list_item" in slots[n - 1].flags \
                    and slots[n - 1].value.label == slot.value.label \
                    and self.markers["list_item_lower"].search(slot.left) \
                    and self.markers["list_item_bare_end"].match(slot.right):
                slot.flags.add("list_item")
        # A list goes on with what its head said: the cues of the values before, in the same sentence.
        for n, slot in enumerate(slots):
            earlier = {cue.split(":")[1] for other in slots[:n] if other.value.label == slot.value.label
                       for cue in other.cues}
            slot.cues = slot.cues + [f"earlier:{m}" for m in sorted(earlier)]
        return slots


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


@dataclass
class _Article:
    """What the options of an article's slots are drawn from."""
    article: list[SentenceMentions]
    dates: list[list[Found]]
    units: "_ArticleUnits"
    has_title: bool
    tells_of_ceremony: bool   # some sentence tells of a ceremony: its undated counts are that day's

    @cached_property
    def earlier(self) -> list[tuple[Optional[Bounds], Optional[Found]]]:
        """For each sentence, what the sentences before it leave behind: the last term named
        ("nhiệm kỳ 2015 - 2020") and the last date that opens a sentence ("Năm 2014, ...")."""
        out, term, leading = [], None, None
        for mentions, dates in zip(self.article, self.dates):
            out.append((term, leading))
            term = next((d.bounds for d in reversed(dates) if d.rule == "range"), term)
            if dates and dates[0].start - mentions.sentence.start < 15:
                leading = dates[0]
        return out


@dataclass
class _Named:
    """A unit the article names, with the cues that do not depend on the value."""
    written: Found
    resolved: Found
    key: str
    cues: dict[str, float]           # of the unit itself: kind, level, how often the article names it
    around: dict[str, float]         # the words around it, for values of its own sentence
    subject: bool


@dataclass(frozen=True)
class _ItemPatterns:
    """How a list's items are told, compiled once: the head the items share ("ở 3 Trường THPT:"),
    what opens an item (";", ":"), the verb a unit opening an item may have before the value, and
    an item name not capitalised throughout ("; Quân sự 29")."""
    list_head: regex.Pattern
    item_open: regex.Pattern
    item_verb: regex.Pattern
    lower_item: regex.Pattern


class _ArticleUnits:
    """The units an article names, sentence by sentence, and the options they give a value."""

    def __init__(self, units: list[list[tuple[Found, Found, bool]]], province: Optional[str], has_title: bool,
                 sentences: list[Sentence], items: _ItemPatterns):
        self.has_title = has_title
        self.items = items
        keys = [[fold(r.name) for _, r, _ in sentence] for sentence in units]
        names = [k for sentence in keys for k in sentence]
        frequency = Counter(names)
        first_seen = {n: at for at, n in reversed(list(enumerate(names)))}
        named = [(r, k) for sentence, ks in zip(units, keys) for (_, r, _), k in zip(sentence, ks) if not r.generic]
        # the article's first named unit, and the one it names most (the earliest of a tie)
        chosen = [named[0], max(named, key=lambda rk: (frequency[rk[1]], -first_seen[rk[1]]))] if named else []
        first, most = (chosen[0][1], chosen[1][1]) if named else (None, None)
        self.named = [[self._named(w, r, k, subject, sentence, frequency, most, first)
                       for (w, r, subject), k in zip(in_sentence, ks)]
                      for in_sentence, ks, sentence in zip(units, keys, sentences)]
        self.article = [self._named(r, r, k, False, None, frequency, most, first) for r, k in chosen]
        self.province = None
        if province:
            found = Found("UNIT", 0, 0, name=f"Đảng bộ tỉnh {province}", kind="đảng bộ", level="tỉnh", rest=province,
                          rule="province")
            self.province = self._named(found, found, fold(found.name), True, None, frequency, most, first)

    @staticmethod
    def _named(written: Found, resolved: Found, key: str, subject: bool, sentence: Optional[Sentence],
               frequency: dict[str, int], most: Optional[str], first: Optional[str]) -> _Named:
        cues = {f"kind={optional(resolved.kind)}": 1.0, f"level={optional(resolved.level)}": 1.0,
                f"rule={optional(written.rule)}": 1.0, f"freq={log_count(frequency.get(key, 0))}": 1.0}
        for flag, on in (("generic_written", written.generic), ("generic", resolved.generic),
                         ("most_frequent", key == most), ("first_named", key == first)):
            if on:
                cues[flag] = 1.0
        around = {}
        if sentence is not None:
            around.update({f"pw={w}": 1.0 for w in previous_words(sentence.text, written.start - sentence.start)})
            around.update({f"nw={w}": 1.0 for w in next_words(sentence.text, written.end - sentence.start)})
        return _Named(written, resolved, key, cues, around, subject)

    def _heads_item(self, slot: Slot, written: Found) -> bool:
        """The unit opens a list item and the value follows it with at most a verb: "…như: Đảng bộ
        Quân sự tỉnh đạt 61,90%; Đảng bộ Công an tỉnh đạt 42,85%"."""
        text, base = slot.sentence.text, slot.sentence.start
        return bool(self.items.item_open.search(text, 0, written.start - base)) and \
            bool(self.items.item_verb.fullmatch(text, written.end - base, slot.value.value_span[0] - base))

    def options(self, slot: Slot) -> list[UnitOption]:
        options: dict[str, UnitOption] = {}
        value_at = slot.value.value_span[0]
        own = self.named[slot.index]
        nearest_before = max((n.written.start for n in own if n.written.start < value_at), default=None)
        nearest_after = min((n.written.start for n in own if n.written.start > value_at), default=None)
        for named in own:
            where = "before" if named.written.start < value_at else "after"
            gap = value_at - named.written.end if where == "before" else named.written.start - value_at
            cues = {f"src=same_{where}": 1.0, f"dist_{where}={distance(gap)}": 1.0,
                    **_between(slot, named.written), **named.around}
            if named.written.start in (nearest_before, nearest_after):
                cues[f"nearest_{where}"] = 1.0
                if where == "before" and self._heads_item(slot, named.written):
                    cues["item_head"] = 1.0
            _add(options, named, cues)
        first_body = 1 if self.has_title else 0
        for back in range(1, _BACK + 1):
            index = slot.index - back
            if index < first_body:
                break
            for named in self.named[index]:
                _add(options, named, {f"src=prev{back}": 1.0})
        if self.has_title and slot.index != 0:
            for named in self.named[0]:
                _add(options, named, {"src=title": 1.0})
        for index in range(first_body, min(first_body + 2, len(self.named))):
            for named in self.named[index]:
                _add(options, named, {"src=lead": 1.0})
        listed = _LIST_NAME.search(slot.left)
        if listed is None and "list_item" in slot.flags:
            listed = self.items.lower_item.search(slot.left)
        if listed and not any(n.written.start <= slot.sentence.start + slot.left_start + listed.start() < n.written.end
                              for n in own):
            start = slot.sentence.start + slot.left_start + listed.start("name")
            head = self.items.list_head.search(slot.sentence.text, 0, start - slot.sentence.start)
            rest = f"{head['head']} {listed['name']}" if head else listed["name"]
            found = Found("UNIT", start, start + len(listed["name"]), name=f"Đảng bộ {rest}", kind="đảng bộ",
                          rest=rest, rule="list_name")
            named = self._named(found, found, fold(found.name), False, slot.sentence, {}, None, None)
            _add(options, named, {"src=list_name": 1.0, f"list_name_at_start={start == slot.sentence.start}": 1.0,
                                  **named.around})
        for named, src in zip(self.article, ("src=article_first", "src=article_most")):
            _add(options, named, {src: 1.0})
        if self.province is not None:
            _add(options, self.province, {"src=province": 1.0})
        return list(options.values())


def _add(options: dict[str, UnitOption], named: _Named, cues: dict[str, float]) -> None:
    option = options.get(named.key)
    if option is None:
        option = options[named.key] = UnitOption(named.resolved, dict(named.cues), named.key)
    for name, value in cues.items():
        option.cues.setdefault(name, value)
    if named.subject:
        src = next((name for name in cues if name.startswith("src=")), "src=?")
        option.cues.setdefault(f"subject|{src}", 1.0)


def _between(slot: Slot, found: Found) -> dict[str, float]:
    """What stands between a unit or date and the value: other values (the nearer one is its
    own), and clause breaks (a ";" ends a list item, a "," a clause)."""
    lo, hi = sorted((found.end, slot.value.value_span[0]))
    text = slot.sentence.text[max(0, lo - slot.sentence.start):max(0, hi - slot.sentence.start)]
    cues = {f"between={min(2, len(_NUMBER.findall(text)))}": 1.0}
    cues.update({f"across{mark}": 1.0 for mark in ";,(" if mark in text})
    return cues


def _period_options(slot: Slot, context: _Article, is_title: bool) -> list[PeriodOption]:
    options: dict[Bounds, PeriodOption] = {}
    dates, article = context.dates, context.article
    value_at = slot.value.value_span[0]
    same = dates[slot.index]
    earlier_term, carried = context.earlier[slot.index]
    term = next((d.bounds for d in reversed(same) if d.rule == "range" and d.end <= value_at), earlier_term)
    nearest_before = max((d.start for d in same if d.end <= value_at), default=None)
    for back in range(0, _BACK):
        index = slot.index - back
        if index < 0 or (context.has_title and index == 0 and not is_title):
            break
        sentence = article[index].sentence
        for date in dates[index]:
            if back == 0:
                where = "before" if date.end <= value_at else "after"
                gap = value_at - date.end if where == "before" else date.start - value_at
                cues = {f"src=same_{where}": 1.0, f"dist_{where}={distance(gap)}": 1.0, **_between(slot, date)}
                if date.start == nearest_before:
                    cues["nearest_before"] = 1.0
            else:
                cues = {f"src=prev{back}": 1.0}
            if date.start - sentence.start < 15:
                cues["leads_sentence"] = 1.0
            for word in previous_words(sentence.text, date.start - sentence.start):
                cues[f"pw={word}"] = 1.0
            _add_period(options, date, term, cues)
    if carried is not None:
        _add_period(options, carried, term, {"src=carried": 1.0})
    if context.has_title and not is_title:
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
        bounds = (term[0], term[1] if resolve in ("current_term", "past_term") else bounds[1])
    option = options.get(bounds)
    if option is None:
        precision = "none" if bounds == (None, None) else \
            {4: "year", 7: "month", 10: "day"}.get(len(bounds[1] or bounds[0] or ""), "other")
        option = options[bounds] = PeriodOption(date, bounds, {
            f"rule={date.rule}": 1.0, f"resolve={resolve}": 1.0, f"precision={precision}": 1.0,
            f"open_start={bounds[0] is None}": 1.0, f"open_end={bounds[1] is None}": 1.0})
    for name, value in cues.items():
        option.cues.setdefault(name, value)


@dataclass
class Carried:
    """A unit and period an earlier record had, offered to the values after it under a name:
    "last_record" (the record before), "last_total" (the last whole-unit admission count)."""
    name: str
    unit: Optional[Found]
    period: Optional[Bounds]


def carried_from(last: Optional[tuple[Found, Optional[Bounds]]], total: Optional[Bounds]) -> list[Carried]:
    """What the records before a value lend it: the record before, its unit and period (a membership
    count has none: pass None); the last whole-unit admission count, its period (to its parts)."""
    return ([Carried("last_record", *last)] if last else []) + ([Carried("last_total", None, total)] if total else [])


def with_carried(slot: Slot, carried: list[Carried]) -> tuple[list[UnitOption], list[PeriodOption]]:
    """The options of a slot, plus the units and periods of the records before it in the article
    (the parts of a total share its period; a list goes on about the same unit)."""
    part = "part" if slot.is_part else "whole"
    units, periods = list(slot.units), list(slot.periods)
    # the value's own sentence states a period before it: what the record before had weighs less
    own = {"own_date_before": 1.0} if any(d.end <= slot.value.value_span[0] and d.bounds != (None, None) for d in slot.dates) else {}
    for carry in carried:
        cues = {carry.name: 1.0, f"{carry.name}|{part}": 1.0}
        if carry.unit is not None:
            key = fold(carry.unit.name)
            at = next((n for n, o in enumerate(units) if o.key == key), None)
            if at is None:
                units.append(UnitOption(carry.unit, {f"src={carry.name}": 1.0, **cues}, key))
            else:
                units[at] = UnitOption(units[at].unit, {**units[at].cues, **cues}, key)
        if carry.period is not None:
            at = next((n for n, o in enumerate(periods) if o.bounds == carry.period), None)
            if at is None:
                periods.append(PeriodOption(None, carry.period, {f"src={carry.name}": 1.0, **cues, **own}))
            else:
                periods[at] = PeriodOption(periods[at].date, periods[at].bounds, {**periods[at].cues, **cues, **own})
    return units, periods
