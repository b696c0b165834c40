"""Stage 5b: records. Each value slot gets its measure, unit and period from the learned models
(learned.py, over the cues of candidates.py) and its group from the group rules; facts that
share a key become one record. Offsets stay in normalised text; the pipeline maps them back.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, TypeVar

import numpy as np
import regex

from .candidates import PeriodOption, Slot, UnitOption, carried_from, with_carried
from .features import measure_features, period_features, unit_features
from .groups import GroupRules
from .learned import Decisions, LinearModel
from .mentions import Found
from .normalize import fold
from .periods import Bounds, whole_years
from .rules import Rules


@dataclass
class Draft:
    """A record under construction; spans are in normalised text."""
    type: str
    unit: Found
    period: Bounds
    period_text: Optional[str]
    group: Optional[str]
    evidence: tuple[int, int]
    measures: dict[str, float] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    approx: dict[str, str] = field(default_factory=dict)
    as_of: Optional[str] = None

    def key(self) -> tuple:
        return (self.type, fold(self.unit.name), self.period, fold(self.group) if self.group else None)


@dataclass
class Decision:
    """What the models and rules made of one slot."""
    slot: Slot
    measure: str
    unit: Found
    period: PeriodOption
    group: Optional[str]


COUNT_CHOICES = frozenset({"none", "admitted", "target", "members"})
PERCENT_CHOICES = frozenset({"none", "attainment_pct", "excess_pct", "rate_pct", "share_pct"})
Option = TypeVar("Option", UnitOption, PeriodOption)


def best(model: LinearModel, options: list[Option], features: Callable[[Option], dict[str, float]]
         ) -> Optional[Option]:
    """The option the ranker scores highest."""
    if not options:
        return None
    return options[int(np.argmax(model.scores_many([features(o) for o in options])[:, 0]))]


class RecordBuilder:
    def __init__(self, rules: Rules, decisions: Decisions):
        self.groups = GroupRules(rules)
        self.now = rules.marker_patterns["now"]
        self.each = rules.marker_patterns["each"]
        self.same_figure = rules.marker_patterns["same_figure"]
        self.percent_item = rules.marker_patterns["percent_item"]
        self.models = decisions
        self.overrides = {f"{n}:{c.measure}": frozenset(c.overrides) for n, c in enumerate(rules.cues) if c.overrides}
        self.learned_seconds = 0.0   # in the models (features and scores), for the benchmark

    def measures(self, slots: list[Slot]) -> list[str]:
        """The measure of every value (or "none"), in one pass of the model."""
        started = time.perf_counter()
        allowed = [COUNT_CHOICES if s.value.label == "COUNT" else PERCENT_CHOICES for s in slots]
        measures = self.models.measure.predict_many([measure_features(s) for s in slots], allowed)
        self.learned_seconds += time.perf_counter() - started
        return _lists_go_on(slots, _overruled(slots, measures, self.overrides), self.percent_item)

    def _best(self, model: LinearModel, options: list[Option], features: Callable[[Option], dict[str, float]]
              ) -> Optional[Option]:
        started = time.perf_counter()
        chosen = best(model, options, features)
        self.learned_seconds += time.perf_counter() - started
        return chosen

    def decide(self, slot: Slot, measure: str, previous: Optional[Decision],
               carried: tuple[Optional["Decision"], Optional["Decision"]] = (None, None)) -> Optional[Decision]:
        """`previous`: the decision on the value before in the sentence; `carried`: the last
        record's and the last whole-unit admission count's."""
        if measure == "none":
            return None
        last, total = carried
        units, periods = with_carried(slot, carried_from(
            (last.unit, last.period.bounds if last.measure != "members" else None) if last else None,
            total.period.bounds if total else None))
        unit = (_item_named(units) if "list_item" in slot.flags else None) or _item_head(units) or \
            self._best(self.models.unit, units, lambda o: unit_features(o, measure))
        if unit is None:
            return None
        period = self._best(self.models.period, periods, lambda o: period_features(o, measure))
        group = self._group(slot, measure, previous, unit.unit, period.bounds)
        if measure == "share_pct" and group is None:
            return None   # a share of nothing named is no fact
        return Decision(slot, measure, unit.unit, period, group)

    def build(self, slots: list[Slot], published: Optional[dt.date]) -> list[Draft]:
        measures = dict(zip(map(id, slots), self.measures(slots)))
        body = [s for s in slots if "title" not in s.flags]
        title = [s for s in slots if "title" in s.flags]
        drafts: list[Draft] = []
        previous: Optional[Decision] = None
        last: Optional[Decision] = None
        total: Optional[Decision] = None
        for slot in body:
            same = previous is not None and previous.slot.sentence == slot.sentence
            decision = self.decide(slot, measures[id(slot)], previous if same else None, (last, total))
            previous = decision
            if decision is not None:
                for each in self._for_each(decision):
                    self._add(drafts, each, published)
                last = decision
                if decision.measure == "admitted" and decision.group is None:
                    total = decision
        seen = [(m, v) for d in drafts for m, v in d.measures.items()]
        first_period = next((d.period for d in drafts if d.type == "admission"), None)
        for slot in title:   # a headline figure counts only when the body does not state it
            decision = self.decide(slot, measures[id(slot)], None)
            if decision is None:
                continue
            if _stated_in(_reported(decision.measure), _amount(decision), slot.value.approx, seen):
                continue
            if decision.period.bounds == (None, None) and first_period:
                decision.period = PeriodOption(None, first_period, {})
            self._add(drafts, decision, published)
        return _dedupe(drafts)

    def _for_each(self, decision: Decision) -> list[Decision]:
        """"A, B và C đều đạt 120%", "mỗi đơn vị kết nạp 2": the value holds for each unit named
        together before it, when the chosen unit is one of them. An attainment holds for each of
        three or more units named before it without "đều" too ("A, B và C … đạt trên 100% kế
        hoạch"): a share of a plan is no sum, where a count after several units may be."""
        slot = decision.slot
        each = bool(self.each.search(slot.left))
        if not each and decision.measure not in ("attainment_pct", "excess_pct"):
            return [decision]
        since = slot.sentence.start + slot.left_start
        named = [o.unit for o in slot.units if since <= o.unit.start < slot.value.start and o.unit.rule != "province"]
        together = len(named) >= 2 and any(u.name == decision.unit.name for u in named) if each else len(named) >= 3
        if not together:
            return [decision]
        return [replace(decision, unit=unit) for unit in named]

    def _group(self, slot: Slot, measure: str, previous: Optional[Decision], unit: Found, bounds: Bounds) -> Optional[str]:
        """A count for one day or no period is an event's (a ceremony: its people are no group),
        unless its own noun names a population ("5 chức sắc được đứng vào hàng ngũ"), no date says it was
        one day and the article tells of no ceremony."""
        event = _one_event(bounds)
        value, groups = slot.value, self.groups
        after = slot.sentence.text[value.end - slot.sentence.start:][:len(slot.right)]
        # a hedge ("hơn 50%", "gần 400 đảng viên") is the value's, not a group's word
        left = slot.left[:max(0, len(slot.left) - (value.value_span[0] - value.start))]
        # "Trong đó, Đảng bộ Quân sự tỉnh kết nạp 95": a sub-unit named in the part is no group
        named_here = slot.sentence.start + slot.left_start <= unit.start < value.start
        part = slot.is_part and not named_here
        if previous is not None and previous.measure == measure and previous.group \
                and self.same_figure.search(left):
            return previous.group   # "69 đảng viên là người có đạo thì đến năm 2016, con số này là 662"
        if measure == "members":   # "có 20 đảng viên, trong đó có 19 đảng viên là người dân tộc thiểu số"
            return groups.of_members(left, after) or (groups.after_value(after) if part else None) \
                or groups.of_class(slot.before)
        if measure == "admitted":
            following = groups.after_value(after)
            noun = value.noun if value.group_noun else None
            if part:
                return following or groups.before_value(left) or noun
            # a bare number shares the noun, so the group, of the count before it spread over units:
            # "Hà Nội kết nạp 3 chủ doanh nghiệp tư nhân, Hải Phòng kết nạp được 4"
            if value.noun is None and not following and previous is not None and previous.measure == "admitted" \
                    and previous.group and previous.unit.name != unit.name:
                return previous.group
            undated_population = bool(noun) and bounds == (None, None) and \
                not (slot.context is not None and slot.context.tells_of_ceremony)
            if "ceremony" in slot.flags or event and not undated_population:
                return None
            return f"{noun} {following}" if noun and following else noun or following
        if measure == "share_pct":
            own = groups.before_value(left)
            if own is None and previous is not None and previous.slot.value.label == "COUNT" and ";" not in left:
                return previous.group   # "125 đảng viên là nữ, chiếm 65,1%"
            item = groups.list_item(after)
            return (item or own) if item else (own or groups.after_value(after))
        # the attainment of a restricted count: "1856 đảng viên là công nhân ..., vượt 47,7% kế hoạch"
        if previous is not None and previous.group and len(left) < 40 and ";" not in left:
            return previous.group
        return None

    def _add(self, drafts: list[Draft], decision: Decision, published: Optional[dt.date]) -> None:
        slot, measure = decision.slot, decision.measure
        kind = "membership" if measure == "members" else "admission"
        measure = _reported(measure)
        period = period_bounds(slot, measure, decision.period) if kind == "admission" else (None, None)
        date = decision.period.date
        period_text = slot.sentence.text[date.start - slot.sentence.start:date.end - slot.sentence.start] \
            if date is not None and kind == "admission" and slot.sentence.start <= date.start < slot.sentence.end else None
        draft = _draft_for(drafts, kind, decision.unit, period, period_text, decision.group, measure, slot)
        if kind == "membership":
            draft.as_of = self._as_of(slot, published)
        draft.measures[measure] = _amount(decision)
        draft.spans[measure] = slot.value.value_span
        if slot.value.approx:
            draft.approx[measure] = slot.value.approx

    def _as_of(self, slot: Slot, published: Optional[dt.date]) -> Optional[str]:
        stated = [d for d in slot.dates if d.end <= slot.value.start and d.rule in ("year_to_day", "day") and d.bounds[1]]
        if stated:
            return stated[-1].bounds[1]
        if published and self.now.search(slot.before):
            return published.isoformat()
        return None


def _overruled(slots: list[Slot], measures: list[str], overrides: dict[str, frozenset[str]]) -> list[str]:
    """A cue that decides (cues.jsonl `overrides`) replaces the model's choice when that choice is
    one it overrules; the first such cue of a value decides."""
    out = list(measures)
    for n, slot in enumerate(slots):
        cue = next((c for c in slot.cues if out[n] in overrides.get(c, ())), None)
        if cue is not None:
            out[n] = cue.split(":", 1)[1]
    return out


def _lists_go_on(slots: list[Slot], measures: list[str], percent_item: regex.Pattern) -> list[str]:
    """An item of a list ("...chỉ tiêu 150 đảng viên; Hội An 110; Điện Bàn 150"; a list of shares
    "…chiếm 72,3%, nông dân 16,3%, công nhân 7,8%") states what the last value before it in the
    sentence that states anything stated: the items have no words of their own to say it."""
    out = list(measures)
    stated: dict[tuple[int, str], str] = {}   # the last measure stated in a sentence, per label
    for n, slot in enumerate(slots):
        key = (slot.sentence.start, slot.value.label)
        item = "list_item" in slot.flags or slot.value.label == "PERCENT" and n and \
            slots[n - 1].value.label == "PERCENT" and bool(percent_item.match(slot.left))
        if out[n] == "none" and item:
            out[n] = stated.get(key, "none")
        if out[n] != "none":
            stated[key] = out[n]
    return out


def _item_head(units: list[UnitOption]) -> Optional[UnitOption]:
    """A list item that opens with its unit states that unit's figure ("; Đảng bộ Công an tỉnh đạt 42,85%")."""
    return next((o for o in units if "item_head" in o.cues), None)


def _item_named(units: list[UnitOption]) -> Optional[UnitOption]:
    """A list item's unit is the one it names ("; Hội An 110", "; huyện Phú Ninh 57")."""
    return next((o for o in units if o.list_name), None) or next((o for o in units if o.right_before), None)


def _one_event(bounds: Bounds) -> bool:
    return bounds == (None, None) or bounds[0] is not None and len(bounds[0]) == 10 and bounds[0] == bounds[1]


def period_bounds(slot: Slot, measure: str, option: PeriodOption) -> Bounds:
    """A target holds for whole years: the years of its period ("8 tháng đầu năm kết nạp 60/90":
    the 90 is the year's)."""
    return whole_years(option.bounds) if measure == "target" else option.bounds


def _reported(measure: str) -> str:
    """"vượt 62% chỉ tiêu" is decided as an excess and reported as attainment (162)."""
    return "attainment_pct" if measure == "excess_pct" else measure


def _amount(decision: Decision) -> float:
    value = decision.slot.value.value
    return 100 + value if decision.measure == "excess_pct" else value


def _draft_for(drafts: list[Draft], kind: str, unit: Found, period: Bounds, period_text: Optional[str],
               group: Optional[str], measure: str, slot: Slot) -> Draft:
    """The record this fact joins: one per key and sentence (its evidence is that sentence). Only
    the drafts of the fact's own sentence, at the end of the list, need a look."""
    key = (kind, fold(unit.name), period, fold(group) if group else None)
    for draft in reversed(drafts):
        if draft.evidence[0] != slot.sentence.start:
            break
        if draft.key() == key and measure not in draft.measures:
            return draft
    draft = Draft(kind, unit, period, period_text, group, (slot.sentence.start, slot.sentence.end))
    drafts.append(draft)
    return draft


def _stated_in(measure: str, value: float, approx: Optional[str], facts: list[tuple[str, float]]) -> bool:
    """A headline figure the body states too; a hedged one ("hơn 19 nghìn") may round the body's."""
    return any(m == measure and (v == value or approx and abs(v - value) <= 0.1 * max(v, value)) for m, v in facts)


def _distinctive(measure: str, value: float) -> bool:
    """A figure unlikely to recur by chance: restated, it is the same fact."""
    return value >= 20 if measure in ("admitted", "target", "members") else value != int(value)


def _dedupe(drafts: list[Draft]) -> list[Draft]:
    """A fact stated twice (lead and body, a decision read out, a paragraph printed twice) is kept
    once; a distinctive figure in another sentence is the same fact even under another key."""
    seen: set[tuple] = set()
    restated_in: dict[tuple, Draft] = {}   # (measure, value) -> the draft that stated it first
    for draft in drafts:
        for measure, value in list(draft.measures.items()):
            fact = (fold(draft.unit.name), draft.period if draft.type == "admission" else None,
                    fold(draft.group) if draft.group else None, measure, value)
            first = restated_in.get((measure, value)) if _distinctive(measure, value) else None
            if first is not None and first.evidence[0] != draft.evidence[0] and fact not in seen \
                    and _more_precise(draft, first):
                _drop(first, measure)   # "kết nạp 162, vượt 8% kế hoạch năm 2024" then "đến ngày 22/11 ... 162"
                restated_in[(measure, value)] = draft
            elif fact in seen or first is not None and first.evidence[0] != draft.evidence[0]:
                _drop(draft, measure)
            seen.add(fact)
            restated_in.setdefault((measure, value), draft)
    return [draft for draft in drafts if draft.measures]


def _drop(draft: Draft, measure: str) -> None:
    del draft.measures[measure]
    draft.spans.pop(measure, None)
    draft.approx.pop(measure, None)


def _more_precise(draft: Draft, than: Draft) -> bool:
    """A restated admission whose period ends on a day or month, where the first statement's ends on a year."""
    if draft.type != "admission" or than.type != "admission" or fold(draft.unit.name) != fold(than.unit.name):
        return False
    return len(draft.period[1] or "") > len(than.period[1] or "") >= 4
