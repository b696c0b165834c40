"""Stage 5: records. Each value (COUNT, PERCENT) gets a measure from the cue rules, a unit
(the subject before it, or the one carried from earlier sentences), a period (the nearest
period phrase before it, or the one carried) and a group (a "trong đó" part or a named
population). Offsets stay in normalised text; the pipeline maps them back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

import regex

from .mentions import Found, SentenceMentions
from .normalize import fold
from .periods import TERM_RELATIVE, Bounds, whole_years
from .rules import CueRule, Level, Rules
from .segment import Sentence

_DELIMITER = regex.compile(r"[,;:()]|\s-\s|\btrong đó\b|\bgồm\b", regex.IGNORECASE)
_GROUP_AFTER = regex.compile(
    r"^(?:[ ]+(?:mới|ưu tú|được kết nạp|mới được kết nạp))*[ ]*(?:là[ ]+|ở[ ]+|thuộc[ ]+)?(?P<g>[^,;().:]*?)"
    r"(?=[ ]*(?<![\p{L}])(?:trong tổng|theo|đạt|vượt|nâng|so với|tăng|giảm|được|vào|tại|cho|của|chiếm|với|đã|đều|trên tổng|và)\b|[,;().:]|$)",
    regex.IGNORECASE)
_SUBJECT_NAME = regex.compile(
    r"(?<![\p{L}])(?P<name>\p{Lu}[\p{Ll}\p{M}]+(?:[ ]+\p{Lu}[\p{Ll}\p{M}]+){1,3})[ ]+(?:(?:đã|cũng|đều|vừa)[ ]+)*(?:xét[ ]+)?(?:kết nạp|phát triển|hiện có|hiện nay có)")
# What follows a place name that is the subject: "huyện Bình Xuyên đã kết nạp", "xã Thanh Vân có".
_SUBJECT_VERB = regex.compile(
    r"^[ ]*(?:\([^)]*\)[ ]*)?(?:(?:đã|cũng|đều|vừa|trong|năm \d+|,)[ ]*)*(?:xét[ ]+)?"
    r"(?:kết nạp|phát triển|có|đạt|được giao)", regex.IGNORECASE)
# A list item whose group follows its percent: up to ";", a bracket, "và", a change or the next item.
_LIST_ITEM = regex.compile(r"^[ ]*(?:là|trong|ở)[ ]+(?P<g>[^;().:]*?)[ ,]*(?=[;().:]|$|\b(?:và|tăng|giảm|so với)\b)",
                           regex.IGNORECASE)
# What a population after a membership count starts with: "đảng viên nữ", "đảng viên đang làm việc trong ..."
_MEMBERS_GROUP_AFTER = regex.compile(r"^[ ]*(?:(?:là|(?:đang[ ]+)?(?:làm việc|công tác)[ ]+(?:trong|tại|ở))[ ]+|(?=nữ\b))",
                                     regex.IGNORECASE)
_SHARE_FOLLOWS = regex.compile(r"^[^.;()]{0,60}?,?[ ]*\(?chiếm\b", regex.IGNORECASE)
_TITLE_SUBJECT = regex.compile(
    r"^(?:\d+ tháng[^:]*:\s*)?(?P<name>\p{Lu}[\p{Ll}\p{M}]+(?:[ ]+\p{Lu}[\p{Ll}\p{M}]+){1,3})(?:[ ]*:|[ ]+(?:đạt|kết nạp|phát triển|vượt))")
_HAS = regex.compile(r"\bcó\b")
_RAISED_TOTAL_OF = regex.compile(r"tổng số (?:đảng viên|ĐV)[ ]+(?:là[ ]+)?(?P<g>.*?)[ ]+lên[ ]*$", regex.IGNORECASE)
_NOT_A_GROUP_START = regex.compile(r"^(?:trong|của|toàn|cả)\b", regex.IGNORECASE)
_NOW = regex.compile(r"\bhiện(?: nay)?\b|đến nay", regex.IGNORECASE)
_PEOPLE_NOUN_MEMBERS = {"đảng viên", "đv", "đồng chí"}


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
        return (self.type, self.unit.name, self.period, fold(self.group) if self.group else None)


@dataclass
class Context:
    """What carries from one sentence to the next."""
    period: Optional[Found] = None
    unit: Optional[Found] = None
    term: Optional[Bounds] = None
    had_values: bool = False
    total: Optional["Draft"] = None    # the last whole-unit admission count: "trong đó" parts share its period
    total_period: Optional[Found] = None
    text: str = ""


class RecordBuilder:
    def __init__(self, rules: Rules):
        self.levels = {level.text for level in rules.of(rules.units, Level)}
        self.markers = rules.marker_patterns
        self.cues = [(c, *(regex.compile(p, regex.IGNORECASE) if p else None for p in (c.left, c.right, c.before)))
                     for c in rules.cues]

    # ---- units ----------------------------------------------------------------------------
    def _resolve(self, unit: Found, registry: list[Found], context: Context, province: Optional[str]) -> Optional[Found]:
        if not unit.generic:
            return self._place_named(unit, registry, province)
        if unit.rest:   # "Đảng ủy Sở", "Đảng ủy Công ty": the institution named in full nearby
            head = fold(unit.rest) + " "
            named = [u for u in registry if u.label == "UNIT" and not u.generic and fold(u.rest).startswith(head)]
            before = [u for u in named if u.start < unit.start]
            return (before[-1:] or named[:1] or [unit])[0]
        if unit.level:
            before = [u for u in registry if u.level == unit.level and u.rest and u.start < unit.start]
            after = [u for u in registry if u.level == unit.level and u.rest and u.start >= unit.start]
            named = (before[-1:] or after[:1])
            if named:
                kind = unit.kind or "đảng bộ"
                return Found("UNIT", unit.start, unit.end, name=f"{kind.capitalize()} {unit.level} {named[0].rest}",
                             kind=kind, level=unit.level, rest=named[0].rest)
            bare = [u for u in registry if u.label == "PLACE" and u.level is None]
            if bare and unit.level in ("huyện", "thị xã", "thành phố", "quận", "xã", "phường"):
                kind = unit.kind or "đảng bộ"
                return Found("UNIT", unit.start, unit.end, name=f"{kind.capitalize()} {unit.level} {bare[0].rest}",
                             kind=kind, level=unit.level, rest=bare[0].rest)
            if unit.level == "tỉnh" and province:
                return Found("UNIT", unit.start, unit.end, name=f"Đảng bộ tỉnh {province}", kind="đảng bộ",
                             level="tỉnh", rest=province)
            return unit
        return context.unit or next((self._resolve(u, registry, Context(), province) for u in registry
                                     if u.label == "UNIT" and (u.rest or u.level)), unit)

    def _place_named(self, unit: Found, registry: list[Found], province: Optional[str]) -> Found:
        """"Đảng bộ Quân sự tỉnh" in an article about Đồng Nai is "Đảng bộ Quân sự tỉnh Đồng Nai"."""
        level = next((lv for lv in self.levels if unit.rest.endswith(" " + lv)), None)
        if level is None:
            return unit
        named = [u for u in registry if u.level == level and u.rest and not u.generic
                 and not u.rest.endswith(" " + level) and u.label == "UNIT"]
        place = named[0].rest if named else province if level == "tỉnh" else None
        if place is None:
            return unit
        return Found("UNIT", unit.start, unit.end, name=f"{unit.name} {place}", kind=unit.kind, level=unit.level,
                     rest=f"{unit.rest} {place}")

    def _subjects(self, sentence: Sentence, units: list[Found], places: list[Found]) -> list[Found]:
        """Units the sentence talks about: not those after "Ban Tổ chức", "của", "theo", ..."""
        not_subject = self.markers["not_subject"]
        subjects = [u for u in units if not not_subject.search(sentence.text[max(0, u.start - sentence.start - 25):u.start - sentence.start])]
        for place in places:
            if any(u.start <= place.start < u.end for u in units):
                continue
            if _SUBJECT_VERB.search(sentence.text[place.end - sentence.start:]) and not not_subject.search(
                    sentence.text[max(0, place.start - sentence.start - 25):place.start - sentence.start]):
                subjects.append(Found("UNIT", place.start, place.end, name=f"Đảng bộ {place.level} {place.rest}",
                                      kind="đảng bộ", level=place.level, rest=place.rest))
        for match in _SUBJECT_NAME.finditer(sentence.text):
            start = sentence.start + match.start("name")
            if any(u.start <= start < u.end for u in units + places) or match.start() == 0 and " " not in match["name"]:
                continue
            subjects.append(Found("UNIT", start, start + len(match["name"]), name=f"Đảng bộ {match['name']}",
                                  kind="đảng bộ", rest=match["name"]))
        return sorted(subjects, key=lambda u: u.start)

    # ---- measures -------------------------------------------------------------------------
    def _measure(self, value: Found, left: str, right: str, before: str) -> Optional[str]:
        applies = "count" if value.label == "COUNT" else "percent"
        for cue, left_re, right_re, before_re in self.cues:
            if cue.applies == applies and all(p is None or p.search(t) for p, t in
                                              ((left_re, left), (right_re, right), (before_re, before))):
                return cue.measure
        return None

    def _group_after(self, right: str) -> Optional[str]:
        match = _GROUP_AFTER.match(right)
        return self._clean_group(match["g"]) if match else None

    def _clean_group(self, text: str) -> Optional[str]:
        filler = self.markers["group_filler"]
        previous = None
        text = text.strip(" ,;:.-")
        while previous != text:
            previous, text = text, filler.sub("", text).strip(" ,;:.-")
        return text or None

    def _group_before(self, left: str) -> Optional[str]:
        parts = _DELIMITER.split(left)
        return self._clean_group(parts[-1]) if parts else None

    # ---- the article ----------------------------------------------------------------------
    def build(self, text: str, article: list[SentenceMentions], title: Optional[Sentence],
              published: Optional[dt.date], province: Optional[str]) -> list[Draft]:
        registry = sorted([f for m in article for f in m.found if f.label == "UNIT"]
                          + [p for m in article for p in m.places], key=lambda f: f.start)
        if title is not None:
            registry += self._title_subjects(title)
        context = Context(text=text)
        drafts: list[Draft] = []
        body = [m for m in article if title is None or m.sentence.start != title.start]
        headline = next((m for m in article if title is not None and m.sentence.start == title.start), None)
        for mentions in body:
            drafts += self._sentence(mentions, registry, context, province, published)
        if headline is not None:
            first_period = next((d.period for d in drafts if d.type == "admission"), None)
            title_context = Context(unit=context.unit, text=text)
            title_drafts = self._sentence(headline, registry, title_context, province, published)
            seen = [(m, v) for d in drafts for m, v in d.measures.items()]
            for draft in title_drafts:
                for measure in [m for m, v in draft.measures.items() if _stated_in(m, v, draft.approx.get(m), seen)]:
                    del draft.measures[measure]
                if draft.type == "admission" and draft.period == (None, None) and first_period:
                    draft.period = first_period
            drafts += [d for d in title_drafts if d.measures]
        return _dedupe(drafts)

    @staticmethod
    def _title_subjects(title: Sentence) -> list[Found]:
        """A headline's bare subject ("Hiệp Hòa: ...", "Bình Xuyên đạt ..."): the place the
        article is about, to name "toàn huyện" / "Đảng bộ huyện" when the body never does."""
        match = _TITLE_SUBJECT.match(title.text)
        if not match:
            return []
        start = title.start + match.start("name")
        return [Found("PLACE", start, start + len(match["name"]), rest=match["name"], name=match["name"])]

    def _sentence(self, mentions: SentenceMentions, registry: list[Found], context: Context,
                  province: Optional[str], published: Optional[dt.date]) -> list[Draft]:
        sentence, found, places = mentions.sentence, mentions.found, mentions.places
        text, base = sentence.text, sentence.start
        units = [f for f in found if f.label == "UNIT"]
        dates = [f for f in found if f.label == "DATE"]
        values = [f for f in found if f.label in ("COUNT", "PERCENT")]
        for d in dates:
            if d.rule == "range":
                context.term = d.bounds
        admission = self.markers["admission"]
        is_admission = bool(admission.search(text))
        subjects = self._subjects(sentence, units, places)
        breakdown = self.markers["breakdown"]
        breakdown_sentence = bool(breakdown.match(text)) and (context.had_values or context.total is not None)
        ceremony = bool(self.markers["ceremony"].search(text))
        subset = bool(self.markers["subset"].match(text))   # "Riêng năm 2008, ...": not a new total
        drafts: list[Draft] = []
        previous: Optional[Found] = None
        previous_measure: Optional[str] = None
        previous_draft: Optional[Draft] = None
        previous_part = False
        sentence_values = False
        first_period: Optional[Found] = None
        for index, value in enumerate(values):
            own_subject = [u.start for u in subjects if u.start < value.start]
            # A count of classes or cells before a value belongs to its left context: "5 lớp cho 349 ..."
            previous_end = previous.end if previous and (previous.label != "COUNT" or previous.people) \
                else previous.start if previous else base
            left_start = max([previous_end] + own_subject[-1:])
            left = text[left_start - base:value.start - base]
            next_start = values[index + 1].start if index + 1 < len(values) else base + len(text)
            right = text[value.end - base:next_start - base]
            prev_value, previous = previous, value
            if value.label == "COUNT" and not value.people:
                previous_measure, previous_draft = None, None
                continue
            before = text[:value.start - base]
            measure = self._measure(value, left, right, before)
            admission_before = bool(admission.search(before)) or bool(admission.search(right[:40]))
            if measure is None and value.label == "COUNT":
                if admission_before or breakdown_sentence:
                    measure = "admitted"
                elif _HAS.search(before) and (value.noun or "").lower() in _PEOPLE_NOUN_MEMBERS:
                    measure = "members"
            # a date between two percents ("(năm 2005 là 2,11%)") starts a comparison, not a list item
            dated = any(left_start <= d.start < value.start for d in dates)
            if measure is None and value.label == "PERCENT" and previous_measure in ("attainment_pct", "share_pct") \
                    and len(left) < 60 and not dated:
                measure = previous_measure
            part_of_total = breakdown_sentence or (context.had_values or sentence_values) and bool(breakdown.search(before))
            of_admissions = previous_draft is None or previous_draft.type == "admission"
            if measure is None and value.label == "COUNT" and context.total is not None and _SHARE_FOLLOWS.match(right):
                measure, part_of_total = "admitted", True   # "109 đảng viên có trình độ đại học, chiếm 65,7%"
            if measure == "share_pct" and context.total is not None:
                part_of_total = True   # a share is always a part of a total
            if measure is None and value.label == "PERCENT" and part_of_total and of_admissions and not dated:
                measure = "share_pct"   # "Trong đó có hơn 50% ...; 52,6% là đoàn viên; ..."
            if measure in (None, "none"):
                previous_measure = None
                continue
            if value.label == "PERCENT" and measure in ("attainment_pct", "excess_pct", "rate_pct", "share_pct"):
                if not (is_admission or part_of_total):
                    continue
                if prev_value is not None and prev_value.label == "COUNT" and not prev_value.people and len(left) < 40:
                    continue
            unit = self._unit_for(value, subjects, registry, context, province)
            if unit is None:
                continue
            period_found = self._period_for(value, dates, context)
            period = period_found.bounds if period_found else (None, None)
            resolve = period_found.extra.get("resolve") if period_found else None
            if resolve in TERM_RELATIVE and context.term:   # "trong nhiệm kỳ" after "nhiệm kỳ 2015 - 2020"
                period = (context.term[0], context.term[1] if resolve == "current_term" else period[1])
            period_text = context.text[period_found.start:period_found.end] if period_found else None
            group = None
            in_breakdown = breakdown_sentence or bool(breakdown.search(left)) or any(
                d.type != "membership" and d.group is None and "admitted" in d.measures and d.unit.name == unit.name
                for d in drafts)
            total = context.total
            if own_subject and own_subject[-1] >= previous_end and total is not None and unit.name != total.unit.name:
                in_breakdown = part_of_total = False   # "Trong đó, Đảng bộ Quân sự tỉnh kết nạp 186": a sub-unit
            # dates before "trong đó" belong to the total ("chỉ tiêu năm 2017 (...); trong đó có 14 ...")
            parts_start = base + max((m.end() for m in breakdown.finditer(before)), default=0)
            if part_of_total and total is not None and total.unit.name == unit.name and measure != "members" \
                    and not any(parts_start <= d.start and d.end <= value.start and d.bounds != (None, None)
                                for d in dates):
                period, period_text = total.period, total.period_text   # the parts of a total share its period
                period_found = context.total_period
            if measure == "admitted" and first_period is None:
                first_period = period_found
            if measure == "members":   # "nâng tổng số đảng viên là người Khmer lên", "56.880 đảng viên nữ"
                after = _MEMBERS_GROUP_AFTER.match(right)
                group = self._members_group(left) or (self._group_after(right[after.end():]) if after else None)
            elif measure == "admitted":
                after = self._group_after(right)
                if in_breakdown:
                    group = after or self._group_before(left) or (value.noun if value.group_noun else None)
                elif not ceremony:
                    group = f"{value.noun} {after}" if value.group_noun and after else value.noun if value.group_noun else after
            elif measure == "share_pct":
                own_group = self._group_before(left)
                if own_group is None and previous_draft is not None and prev_value is not None \
                        and prev_value.label == "COUNT" and ";" not in left:
                    group = previous_draft.group   # "125 đảng viên là nữ, chiếm 65,1%"
                else:
                    item = _LIST_ITEM.match(right)   # "52,6% là đoàn viên; 8,5% là cán bộ dân cử, công chức"
                    after = self._clean_group(item["g"]) if item else self._group_after(right)
                    group = (after or own_group) if item else (own_group or after)
                if group is None:
                    continue
            elif measure in ("attainment_pct", "excess_pct", "rate_pct"):
                # the attainment of a restricted count: "1856 đảng viên là công nhân ..., vượt 47,7% kế hoạch"
                group = previous_draft.group if previous_draft is not None and previous_draft.group and (
                    len(left) < 12 or not previous_part and ";" not in left) else None
            if measure == "excess_pct":
                measure, amount = "attainment_pct", 100 + value.value
            else:
                amount = value.value
            kind = "membership" if measure == "members" else "admission"
            if measure == "target":
                period = self._target_period(period, dates, (left_start, next_start))
            draft = self._draft_for(drafts, kind, unit, period, period_text, group, measure, sentence)
            if kind == "membership":
                draft.as_of = self._as_of(dates, value, published, before)
            draft.measures[measure] = amount
            draft.spans[measure] = value.value_span
            if value.approx:
                draft.approx[measure] = value.approx
            if value.label == "COUNT" and value.fraction_target is not None and measure == "admitted":
                target_period = self._target_period(period, dates, (value.start, next_start))
                target = self._draft_for(drafts, "admission", unit, target_period, period_text, group, "target", sentence)
                target.measures["target"] = value.fraction_target
                target.spans["target"] = value.target_span
            previous_measure = measure if value.label == "PERCENT" else previous_measure
            previous_draft, previous_part = draft, in_breakdown
            if draft.type == "admission" and draft.group is None and "admitted" in draft.measures and not subset:
                context.total, context.total_period = draft, period_found
            sentence_values = True
        if is_admission or sentence_values:
            self._carry(context, subjects, registry, dates, values, province, first_period)
        elif dates and dates[0].start - base <= 12 and "," not in text[:dates[0].start - base] \
                and dates[0].extra["resolve"] != "day":
            # "Trong năm qua, ..." sets the time of what follows; a day ("Ngày 14/1, ...") is an event
            context.period = dates[0]
        context.had_values = sentence_values or (context.had_values and not is_admission)
        return drafts

    def _carry(self, context: Context, subjects: list[Found], registry: list[Found], dates: list[Found],
               values: list[Found], province: Optional[str], first_period: Optional[Found]) -> None:
        first_value = values[0].start if values else None
        periods = [d for d in dates if first_value is None or d.start < first_value]
        if first_period is not None:
            context.period = first_period
        elif periods:
            context.period = periods[-1]
        if subjects:
            resolved = self._resolve(subjects[0], registry, context, province)
            if resolved is not None and not resolved.generic:
                context.unit = resolved

    def _unit_for(self, value: Found, subjects: list[Found], registry: list[Found], context: Context,
                  province: Optional[str]) -> Optional[Found]:
        before = [u for u in subjects if u.start < value.start]
        unit = before[-1] if before else (subjects[0] if subjects else context.unit)
        if unit is None:
            unit = next((u for u in registry if u.kind and u.label == "UNIT"), None)
            if unit is None:
                return None
        resolved = self._resolve(unit, registry, context, province)
        if resolved is not None and not resolved.generic and unit is not context.unit and (before or not subjects):
            context.unit = resolved
        return resolved

    @staticmethod
    def _period_for(value: Found, dates: list[Found], context: Context) -> Optional[Found]:
        before = [d for d in dates if d.end <= value.start]
        if before:
            return before[-1]
        if context.period is not None:
            return context.period
        return dates[0] if dates else None

    @staticmethod
    def _target_period(period: Bounds, dates: list[Found], window: tuple[int, int]) -> Bounds:
        """A target holds for whole years: its own "kế hoạch năm 2017" or the years of the period."""
        own = [d for d in dates if window[0] <= d.start and d.end <= window[1] and d.rule in ("year", "this_year")]
        return own[-1].bounds if own else whole_years(period)

    def _members_group(self, left: str) -> Optional[str]:
        match = _RAISED_TOTAL_OF.search(left)
        if not match:
            return None
        group = match["g"]
        if _NOT_A_GROUP_START.match(group):
            return None
        return self._clean_group(group)

    @staticmethod
    def _as_of(dates: list[Found], value: Found, published: Optional[dt.date], before: str) -> Optional[str]:
        stated = [d for d in dates if d.end <= value.start and d.rule in ("year_to_day", "day") and d.bounds[1]]
        if stated:
            return stated[-1].bounds[1]
        if published and _NOW.search(before):
            return published.isoformat()
        return None

    @staticmethod
    def _draft_for(drafts: list[Draft], kind: str, unit: Found, period: Bounds, period_text: Optional[str],
                   group: Optional[str], measure: str, sentence: Sentence) -> Draft:
        period = period if kind == "admission" else (None, None)
        key = (kind, unit.name, period, fold(group) if group else None)
        for draft in drafts:
            if draft.key() == key and measure not in draft.measures:
                return draft
        draft = Draft(kind, unit, period, period_text if kind == "admission" else None, group,
                      (sentence.start, sentence.end))
        drafts.append(draft)
        return draft


def _stated_in(measure: str, value: float, approx: Optional[str], facts: list[tuple[str, float]]) -> bool:
    """A headline figure the body states too; a hedged one ("hơn 19 nghìn") may round the body's."""
    return any(m == measure and (v == value or approx and abs(v - value) <= 0.1 * max(v, value)) for m, v in facts)


def _dedupe(drafts: list[Draft]) -> list[Draft]:
    """A fact stated twice (headline and body, or a paragraph printed twice) is kept once."""
    seen: set[tuple] = set()
    kept = []
    for draft in drafts:
        for measure, value in list(draft.measures.items()):
            fact = (fold(draft.unit.name), draft.period if draft.type == "admission" else None,
                    fold(draft.group) if draft.group else None, measure, value)
            if fact in seen:
                del draft.measures[measure]
                draft.spans.pop(measure, None)
                draft.approx.pop(measure, None)
            seen.add(fact)
        if draft.measures:
            kept.append(draft)
    return kept
