"""Stage 4: mentions (UNIT, DATE, COUNT, PERCENT) with normalised values, from the rules in patterns/.

Works on normalised text (see normalize.py); offsets are into that text.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator, Optional

import regex

from . import gazetteer
from .periods import RESOLVERS, Bounds
from .rules import (case_free, lowered, CountNoun, Dateline, Hedge, ImpliedNoun, PercentWord, Institution, Level, NumberWord, Organ, Rules, Scale, WholeParty,
                    Connector, alternation)
from .schema import check_iso_partial
from .segment import Sentence

_PLACEHOLDERS = {
    "Y": r"(?P<y>(?:19|20)\d{2})", "Y2": r"(?P<y2>(?:19|20)\d{2})",
    "M": r"(?P<m>1[0-2]|0?[1-9])", "D": r"(?P<d>3[01]|[12]\d|0?[1-9])",
    "S": r"\s*[-/.]\s*", "Q": r"(?P<q>IV|I{1,3}|[1-4])",
}
_TOKEN = regex.compile(r"\S+")
_DOT_THOUSANDS = regex.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")    # "6.799", "1.234,5"
_COMMA_THOUSANDS = regex.compile(r"\d{1,3}(?:,\d{3})+")
# A year, not the end of a term ("2020-2025") nor part of a number.
_YEAR = regex.compile(r"(?<![\d,.]|(?:19|20)\d{2}[ ]*[-–][ ]*)(?:19|20)\d{2}(?![\d%]|[,.]\d)")
_INTEGER = r"\d{1,3}(?:\.\d{3})+|\d+"   # "1.045", "312"
_FRACTION_BODY = rf"(?P<num>{_INTEGER})/(?P<den>{_INTEGER})(?![/\d]|[.,]\d)"   # "7/5", "312/1.045"
_FRACTION = regex.compile(rf"(?<![\p{{L}}\d.,/]){_FRACTION_BODY}")
_DIGITS = rf"{_DOT_THOUSANDS.pattern}|\d+(?:[,.]\d+)?"
_NAME_TOKEN = r"(?:\p{Lu}[\p{L}\p{M}]*(?:[-.&'/]\p{L}[\p{L}\p{M}]*)*|\d+[A-Za-z]?(?![,.]\d|[\d%]))"


# Resolvers that need only the year of the publication date.
# ("tính đến ngày 30-6" in an article that speaks of 2022 only is 2022-01-01..2022-06-30)
_YEAR_ONLY = frozenset({"first_months", "year_to_month", "this_year", "month", "year_to_day", "day"})


@dataclass
class Found:
    """A mention in normalised text; `value_span` is the surface of the value itself."""
    label: str
    start: int
    end: int
    value: Optional[float] = None
    value_span: tuple[int, int] = (0, 0)
    approx: Optional[str] = None
    noun: Optional[str] = None
    people: bool = False
    group_noun: bool = False
    fraction_target: Optional[int] = None
    target_span: tuple[int, int] = (0, 0)
    bounds: Bounds = (None, None)
    rule: str = ""
    name: str = ""            # UNIT: full name; place: "huyện X"
    kind: Optional[str] = None
    level: Optional[str] = None
    rest: str = ""            # UNIT: the proper name without organ and level words
    generic: bool = False     # UNIT: "toàn tỉnh", "Đảng bộ xã": to be resolved to a named unit
    extra: dict = field(default_factory=dict)


@dataclass
class SentenceMentions:
    """The mentions of one sentence, in article offsets; `places` are bare place names
    ("huyện X") that name a unit only when a record needs one."""
    sentence: Sentence
    found: list[Found]
    places: list[Found]
    bare: list[Found] = field(default_factory=list)   # numbers with no noun: value candidates, not mentions


class MentionFinder:
    def __init__(self, rules: Rules):
        self.rules = rules
        numbers = rules.numbers
        self.hedges = {h.text.lower(): h.approx for h in rules.of(numbers, Hedge)}
        self.scales = {s.text.lower(): s.factor for s in rules.of(numbers, Scale)}
        self.words = {w.text.lower(): w.value for w in rules.of(numbers, NumberWord)}
        self.nouns = {n.text.lower(): n for n in rules.of(numbers, CountNoun)}
        # The hedge before a number is read once the number is found: an optional word list at
        # the head of a pattern is tried at every position, and costs five times the rest.
        self.hedge_before = regex.compile(
            rf"(?<![\p{{L}}\d.,/])(?P<hedge>{alternation(list(self.hedges))})[ ]+$", regex.IGNORECASE)
        scale = f"[ ]+(?P<scale>{alternation(list(self.scales))})"
        words = alternation(list(self.words))
        number = f"(?P<num>{_DIGITS}|(?:{words})(?:[ ]+(?:{words}))*)"
        noun = f"(?P<noun>{alternation(list(self.nouns))})"
        self.count = regex.compile(
            rf"(?<![\p{{L}}\d.,/])(?:{_FRACTION_BODY}(?:[ ]+{noun})?|{number}(?:{scale})?(?:[ ]+|(?<=\d)){noun})(?!\p{{L}})",
            regex.IGNORECASE)
        self.bare_number = regex.compile(
            rf"(?<![\p{{L}}\d.,/])(?P<num>{_DIGITS})(?![\d%/]|[.,]\d|[ ]*(?:%|{self._percent_words()}))(?:{scale})?",
            regex.IGNORECASE)
        self.implied = [(regex.compile(i.left, regex.IGNORECASE), i.noun) for i in rules.of(numbers, ImpliedNoun)]
        self.bare_fraction_cue = regex.compile(f"(?:{rules.marker_patterns['admission_verb'].pattern})\\s*$", regex.IGNORECASE)
        self.percent = regex.compile(
            rf"(?<![\p{{L}}\d.,])(?P<num>{_DIGITS})[ ]*(?:%|{self._percent_words()})", regex.IGNORECASE)
        self.period_rules = []
        small = alternation([w.text for w in rules.of(numbers, NumberWord) if w.value <= 10])
        placeholders = {**_PLACEHOLDERS, "N": f"(?P<n>\\d{{1,2}}|(?:{small})(?:[ ]+(?:{small}))?)"}
        for rule in rules.periods:
            pattern = rule.pattern
            for key, value in placeholders.items():
                pattern = pattern.replace("{" + key + "}", value)
            try:
                # run on the lower-cased text (case_free): a third faster than IGNORECASE
                compiled = regex.compile(case_free(rf"(?<![\p{{L}}\d]){pattern}(?![\p{{L}}\d])"))
            except regex.error as error:
                raise ValueError(f"patterns/periods.jsonl: rule {rule.name}: {error}") from None
            self.period_rules.append((rule, compiled))
        self._build_unit_patterns()

    def _percent_words(self) -> str:
        return alternation([w.text for w in self.rules.of(self.rules.numbers, PercentWord)])

    # ---- units --------------------------------------------------------------------------
    def _build_unit_patterns(self) -> None:
        units = self.rules.units
        self.organs = {o.text.lower(): o for o in self.rules.of(units, Organ)}
        self.levels: dict[str, str] = {}
        for level in self.rules.of(units, Level):
            self.levels[level.text.lower()] = level.text
            for abbreviation in level.abbreviations:
                self.levels[abbreviation.lower()] = level.text
        self.datelines = {d.code: d.province for d in self.rules.of(units, Dateline)}
        organ = alternation(list(self.organs))
        level_words = alternation([lv.text for lv in self.rules.of(units, Level) if not lv.lower_only])
        lower_words = alternation([lv.text for lv in self.rules.of(units, Level) if lv.lower_only])
        abbreviations = alternation([a for lv in self.rules.of(units, Level) for a in lv.abbreviations])
        level = f"(?:(?i:{level_words})|(?:{lower_words})|(?:{abbreviations})(?=[\\s\\p{{Lu}}]))"
        connector = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "connector"])
        name_word = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "name_word"])
        name_word_stop = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "name_word_stop"])
        plural = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "plural"])
        whole = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "whole"])
        organ_suffix = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "organ_suffix"])
        caption = alternation([c.text for c in self.rules.of(units, Connector) if c.kind in ("caption", "job_title")])
        # a caption glued to a name ("Công ty Nhôm Lâm Đồng - Ảnh: ...") is not part of it, nor is an
        # office ("Bí thư Đảng ủy Giám đốc Học viện"), nor is
        # the organ word of the next unit ("Chi bộ 3 và Chi bộ 5": two units)
        next_unit = alternation([o.text for o in self.rules.of(units, Organ) if o.level is None])
        token = (f"(?:(?!(?:{caption}|(?i:{next_unit}))(?![\\p{{L}}])){_NAME_TOKEN}(?:[ ]+(?:{name_word})(?:[-&/]\\p{{Lu}}[\\p{{L}}\\p{{M}}]*)?(?![\\p{{L}}])(?![ ]+(?:{name_word_stop})\\b))*|(?:{connector})(?![\\p{{L}}])"
                 f"|{level}(?![\\p{{L}}]))")
        # After an institution's head ("Công ty", "Trường") lower-case words may stand between
        # capitalised ones: "Công ty TNHH Chế biến thủy sản Hồng Ngự".
        institution = alternation([i.text for i in self.rules.of(units, Institution)])
        stop = alternation([c.text for c in self.rules.of(units, Connector) if c.kind == "name_stop"])
        gap = f"(?:(?!(?:{stop})(?![\\p{{L}}]))\\p{{Ll}}[\\p{{L}}\\p{{M}}]*)"
        lower_heads = alternation([i.text.lower() for i in self.rules.of(units, Institution) if i.lower_after_organ])
        institution_tail = (f"[ ]+(?:(?:{institution})(?![\\p{{L}}])(?:(?:[ ]+{gap}){{0,3}}[ ]+{token})*"
                            f"|(?:{lower_heads})(?![\\p{{L}}])(?:(?:[ ]+{gap}){{0,3}}[ ]+{token})+)")
        # "Đảng bộ TP.Tam Kỳ": an abbreviated level may touch the name
        tail = f"(?P<tail>{institution_tail}|(?:(?:[ ]+|(?<=\\.)(?=\\p{{Lu}})){token})*)"
        # An institution named without organ word: "Trường THPT Lưu Nhân Chú", "Trung đoàn 762"
        self.institution = regex.compile(
            f"(?<![\\p{{L}}])(?P<name>(?:{institution})(?![\\p{{L}}])(?:(?:[ ]+{gap}){{0,3}}[ ]+{token})+)")
        self.unit = regex.compile(
            f"(?<![\\p{{L}}])(?<!(?i:{plural}|\\d)[ ]+)(?P<toan>(?:{whole})[ ]+)?(?P<organ>(?i:{organ}))(?![\\p{{L}}])"
            f"(?![ ]+(?:{plural})[ ]+{level})(?:[ ]+(?P<level>{level}))?{tail}")
        self.toan = regex.compile(f"(?<![\\p{{L}}])(?P<toan>(?i:{whole}))[ ]+(?P<level>{level_words})(?![\\p{{L}}])")
        self.place = regex.compile(
            f"(?<![\\p{{L}}])(?P<level>{level})(?:[ ]+|(?<=\\.)(?=\\p{{Lu}}))(?P<name>{_NAME_TOKEN}(?:[ ]+{_NAME_TOKEN})*)")
        self.whole_party = regex.compile(
            "|".join(f"(?:{regex.escape(w.text)})" for w in self.rules.of(units, WholeParty)) + f"(?![ ]*(?:{organ_suffix}))",
            regex.IGNORECASE)
        self.connectors = {c.text.lower() for c in self.rules.of(units, Connector) if c.kind == "connector"}
        self.party_words = {c.text.lower() for c in self.rules.of(units, Connector) if c.kind == "party_word"}
        self.institutions = {i.text.lower() for i in self.rules.of(units, Institution)}

    def units(self, text: str) -> list[Found]:
        found: list[Found] = []
        for match in self.unit.finditer(text):
            organ = self.organs[match["organ"].lower()]
            tokens = [(m.start() + match.start("tail"), m.end() + match.start("tail"))
                      for m in _TOKEN.finditer(match["tail"])]
            while tokens and text[tokens[-1][0]:tokens[-1][1]] in self.connectors:
                tokens.pop()   # "Đảng bộ các ..." keeps "Đảng bộ"; a capitalised "Khối" is a name
            tokens = _without_count(text, tokens)
            level = self.levels[match["level"].lower()] if match["level"] else organ.level
            tokens = _to_place(text, tokens, level)
            tokens = _before_slogan(text, tokens, self.connectors, self.party_words)
            rest = text[tokens[0][0]:tokens[-1][1]] if tokens else ""
            end = tokens[-1][1] if tokens else match.end("level") if match["level"] else match.end("organ")
            name = " ".join(filter(None, [organ.canonical, level, rest]))
            found.append(Found("UNIT", match.start(), end, name=name, kind=organ.canonical.lower(),
                               level=level, rest=rest,
                               generic=not rest or rest.lower() in self.institutions | self.party_words,
                               rule=organ.text))
        taken = [(f.start, f.end) for f in found]
        for match in self.toan.finditer(text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            level = match["level"].lower()
            found.append(Found("UNIT", match.start(), match.end(), name=f"Đảng bộ {level}", kind="đảng bộ",
                               level=level, generic=True, rule="whole"))
        for match in self.whole_party.finditer(text):
            found.append(Found("UNIT", match.start(), match.end(), name="Đảng Cộng sản Việt Nam", kind="đảng",
                               rest="Đảng Cộng sản Việt Nam", rule="whole_party"))
        return sorted(found, key=lambda f: f.start)

    def places(self, text: str) -> list[Found]:
        """Place names with a level word ("huyện Bình Xuyên", "TP Cần Thơ"): subjects and context."""
        places = []
        for m in self.place.finditer(text):
            level = self.levels[m["level"].lower()]
            tokens = _without_count(text, [t.span() for t in _TOKEN.finditer(text, m.start("name"), m.end("name"))])
            tokens = _to_place(text, tokens, level)
            name = text[tokens[0][0]:tokens[-1][1]]
            places.append(Found("PLACE", m.start(), tokens[-1][1], level=level, rest=name, name=f"{level} {name}",
                                rule="place"))
        return places + [Found("PLACE", m.start(), m.end(), rest=m["name"], name=m["name"], rule="institution")
                         for m in self.institution.finditer(text)]

    # ---- dates --------------------------------------------------------------------------
    def dates(self, text: str, published: Optional[dt.date], reference: Optional["YearsNear"] = None,
              start: int = 0, end: Optional[int] = None) -> list[Found]:
        """`reference` stands in for a missing publication date where only its year is needed
        ("6 tháng đầu năm" beside "chỉ tiêu năm 2022")."""
        candidates: list[Found] = []
        low = lowered(text)
        for order, (rule, pattern) in enumerate(self.period_rules):
            for match in pattern.finditer(low, start, len(text) if end is None else end):
                anchor = published or (reference.at(match.start()) if reference and rule.resolve in _YEAR_ONLY else None)
                groups = {k: v for k, v in match.groupdict().items()}
                if groups.get("n") and not groups["n"].isdigit():   # "sáu tháng đầu năm"
                    groups["n"] = str(int(self._words_value(groups["n"].lower().split()) or 0))
                try:   # "ngày 31/2", "13 tháng đầu năm": no date, and no lost article
                    bounds = RESOLVERS[rule.resolve](groups, anchor)
                    for bound in bounds:
                        check_iso_partial(bound)
                except (ValueError, KeyError):
                    continue
                candidates.append(Found("DATE", match.start(), match.end(), bounds=bounds, rule=rule.name,
                                        extra={"order": order, "resolve": rule.resolve}))
        return _longest_first(candidates)

    # ---- numbers ------------------------------------------------------------------------
    def number_value(self, surface: str, scale: Optional[str], integer: bool) -> Optional[float]:
        surface = surface.strip()
        if surface[0].isdigit():
            if _DOT_THOUSANDS.fullmatch(surface):
                surface = surface.replace(".", "")
            elif integer and not scale and _COMMA_THOUSANDS.fullmatch(surface):
                surface = surface.replace(",", "")   # "112,900 Đảng viên": comma used as thousands
            value = float(surface.replace(",", "."))
        else:
            value = self._words_value(surface.lower().split())
            if value is None:
                return None
        return value * (self.scales[scale.lower()] if scale else 1)

    def _words_value(self, words: list[str]) -> Optional[float]:
        total = 0
        for word in words:
            value = self.words[word]
            if word == "mươi":
                total = (total or 1) * 10
            elif word == "trăm":
                total = (total or 1) * 100
            else:
                total += value
        return float(total) if total else None

    def _hedged(self, text: str, start: int) -> tuple[int, Optional[str]]:
        """Where a number's mention starts, taking in a hedge just before it ("hơn 50"), and the hedge."""
        match = self.hedge_before.search(text, max(0, start - 24), start)
        return (match.start(), self.hedges[match["hedge"].lower()]) if match else (start, None)

    def counts(self, text: str, taken: list[tuple[int, int]]) -> list[Found]:
        found = []
        for match in self.count.finditer(text):
            if any(s < match.end("num") and match.start("num") < e for s, e in taken):
                continue
            noun = self.nouns.get((match["noun"] or "").lower())
            if match["den"] is None and noun is None:
                continue
            start, approx = self._hedged(text, match.start())
            if match["den"] is not None and noun is None and not self.bare_fraction_cue.search(text[:start]):
                continue   # "19/5" without a cue is a date, not admitted/target
            value = self.number_value(match["num"], match["scale"], integer=True)
            if value is None or value != int(value):
                continue   # "6,79 đảng viên" is no count
            found.append(Found(
                "COUNT", start, match.end(), value=round(value), value_span=match.span("num"),
                approx=approx, noun=match["noun"],
                people=noun.people if noun else True, group_noun=noun.group if noun else False,
                fraction_target=_integer(match["den"]) if match["den"] else None,
                target_span=match.span("den") if match["den"] else (0, 0)))
        return found

    def _without_noun(self, text: str, taken: list[tuple[int, int]]) -> tuple[list[Found], list[Found]]:
        """Numbers outside the spans taken with no noun after them, in one scan: those whose left
        context names what they count ("nâng tổng số đảng viên ... lên 1.609") are counts; the
        rest but years are bare values ("kết nạp được 4", "Hòa Bình 7/5"), candidates whose meaning
        the record stage weighs."""
        implied: list[Found] = []
        bare = [Found("COUNT", m.start(), m.end(), value=_integer(m["num"]), value_span=m.span("num"),
                      fraction_target=_integer(m["den"]), target_span=m.span("den"), rule="bare")
                for m in _FRACTION.finditer(text) if not any(s < m.end() and m.start() < e for s, e in taken)]
        for match, start, approx, value in self._bare(text, taken):   # a fraction's parts are no bare number
            noun = next((n for left, n in self.implied if left.search(text[max(0, start - 80):start])), None)
            if noun is not None:
                implied.append(Found("COUNT", start, match.end(), value=value, value_span=match.span("num"),
                                     approx=approx, noun=noun, people=True))
            elif not _YEAR.fullmatch(match["num"]):
                bare.append(Found("COUNT", start, match.end(), value=value, value_span=match.span("num"),
                                  approx=approx, rule="bare"))
        return implied, sorted(bare, key=lambda f: f.start)

    def _bare(self, text: str, taken: list[tuple[int, int]]) -> Iterator[tuple[regex.Match, int, Optional[str], int]]:
        """Whole numbers outside the spans taken, with their hedge and scale word ("gần 4 ngàn"):
        (match, start with the hedge, hedge, value)."""
        for match in self.bare_number.finditer(text):
            start, approx = self._hedged(text, match.start())
            value = self.number_value(match["num"], match["scale"], True)
            if value is not None and value == int(value) and not any(s < match.end() and start < e for s, e in taken):
                yield match, start, approx, int(value)

    def percents(self, text: str, taken: list[tuple[int, int]]) -> list[Found]:
        found = []
        for match in self.percent.finditer(text):
            start, approx = self._hedged(text, match.start())
            if not any(s < match.end() and start < e for s, e in taken):
                found.append(Found("PERCENT", start, match.end(), value=self.number_value(match["num"], None, False),
                                   value_span=match.span("num"), approx=approx))
        return found

    def in_article(self, text: str, sentences: list[Sentence], published: Optional[dt.date]) -> list[SentenceMentions]:
        if not sentences:
            return []
        reference = YearsNear(text, sentences) if published is None else None
        # The date rules run once over the article, not once per sentence: a call costs more
        # than the scan of a sentence. A date across a sentence boundary is none.
        dates: list[list[Found]] = [[] for _ in sentences]
        starts = [s.start for s in sentences]
        for date in self.dates(text, published, reference, sentences[0].start, sentences[-1].end):
            index = bisect.bisect_right(starts, date.start) - 1
            if index >= 0 and date.end <= sentences[index].end:
                dates[index].append(_shift(date, -sentences[index].start))
        return [self._sentence(s, found_dates) for s, found_dates in zip(sentences, dates)]

    def _sentence(self, sentence: Sentence, dates: list[Found]) -> SentenceMentions:
        found, bare = self._with_dates(sentence.text, dates)
        return SentenceMentions(sentence, [_shift(f, sentence.start) for f in found],
                                [_shift(p, sentence.start) for p in self.places(sentence.text)],
                                [_shift(b, sentence.start) for b in bare])

    def find(self, text: str, published: Optional[dt.date]) -> list[Found]:
        return self._with_dates(text, self.dates(text, published))[0]

    def _with_dates(self, text: str, dates: list[Found]) -> tuple[list[Found], list[Found]]:
        """The mentions of a sentence whose dates are known (a number inside a date is none), and
        its bare numbers."""
        taken = [(d.start, d.end) for d in dates]
        percents = self.percents(text, taken)
        taken += [(p.start, p.end) for p in percents]
        counts = self.counts(text, taken)
        implied, bare = self._without_noun(text, taken + [(c.start, c.end) for c in counts])
        return sorted(dates + percents + counts + implied + self.units(text), key=lambda f: (f.start, -f.end)), bare


class YearsNear:
    """With no publication date, a date that needs only its year ("ngày 30-6", "6 tháng đầu năm")
    takes the year stated nearest to it in its own sentence, the two before or the one after
    ("chỉ tiêu năm 2022"); a year stated further away is no year of the same report (measured:
    this window beats the article's most-named year and narrower windows in cross-validation).
    The end of a term ("2020-2025") is no year stated."""

    BACK, AHEAD = 2, 1

    def __init__(self, text: str, sentences: list[Sentence]):
        self.years = [(m.start(), int(m.group())) for m in _YEAR.finditer(text)]
        self.at_year = [at for at, _ in self.years]
        self.starts = [s.start for s in sentences]
        self.sentences = sentences

    def at(self, offset: int) -> Optional[dt.date]:
        index = bisect.bisect_right(self.starts, offset) - 1
        lo = self.sentences[max(0, index - self.BACK)].start
        hi = self.sentences[min(len(self.sentences) - 1, index + self.AHEAD)].end
        near = self.years[bisect.bisect_left(self.at_year, lo):bisect.bisect_left(self.at_year, hi)]
        if not near:
            return None
        return dt.date(min(near, key=lambda y: abs(y[0] - offset))[1], 12, 31)


def _integer(surface: str) -> int:
    """A whole number as written: "1.045" is 1045."""
    return int(surface.replace(".", ""))


def _before_slogan(text: str, tokens: list[tuple[int, int]], connectors: set[str], party_words: set[str]
                   ) -> list[tuple[int, int]]:
    """A spaced dash after a name with no proper part ("Chi bộ Đảng - Hạt nhân lãnh đạo", a
    headline's slogan) ends the name; so does a dash the name ends on ("Đảng bộ xã A - Điểm sáng")."""
    words = [text[a:b] for a, b in tokens]
    dash = next((n for n, w in enumerate(words) if w in connectors and not w.isalpha()), None)
    if dash is not None and all(w.lower() in party_words for w in words[:dash]):
        tokens = tokens[:dash]
    while tokens and text[tokens[-1][0]:tokens[-1][1]] in connectors and not text[tokens[-1][0]].isalpha():
        tokens = tokens[:-1]
    return tokens


def _without_count(text: str, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A number after a capitalised name is a value, not part of the name: "huyện Phú Ninh 57, ..."
    ("xóm 6", "Trung đoàn 762" keep theirs: no capitalised word stands before the number)."""
    while len(tokens) > 1 and text[tokens[-1][0]].isdigit() and text[tokens[-2][0]].isupper() \
            and not text[tokens[-2][0]:tokens[-2][1]].isupper():
        tokens = tokens[:-1]
    return tokens


def _to_place(text: str, tokens: list[tuple[int, int]], level: Optional[str]) -> list[tuple[int, int]]:
    """A place name that runs on into an official's name ("xã Tân Hòa Nguyễn Văn An") ends where
    the gazetteer's place does; names the gazetteer knows, or does not know at all, stay whole."""
    if level not in gazetteer.LEVELS or len(tokens) < 3 or gazetteer.is_place(_span(text, tokens), level):
        return tokens
    for end in range(len(tokens) - 1, 1, -1):
        if gazetteer.is_place(_span(text, tokens[:end]), level):
            return tokens[:end]
    return tokens


def _span(text: str, tokens: list[tuple[int, int]]) -> str:
    return text[tokens[0][0]:tokens[-1][1]]


def _shift(found: Found, offset: int) -> Found:
    """Sentence offsets to article offsets, value spans included."""
    found.start, found.end = found.start + offset, found.end + offset
    found.value_span = (found.value_span[0] + offset, found.value_span[1] + offset)
    found.target_span = (found.target_span[0] + offset, found.target_span[1] + offset)
    return found


def _longest_first(candidates: list[Found]) -> list[Found]:
    """Overlapping matches: the longest wins, then the earlier rule. The chosen spans never
    overlap, so a candidate need only be checked against its neighbours among them."""
    starts: list[int] = []
    chosen: list[Found] = []
    for c in sorted(candidates, key=lambda f: (-(f.end - f.start), f.extra["order"], f.start)):
        at = bisect.bisect_left(starts, c.start)
        if (at > 0 and chosen[at - 1].end > c.start) or (at < len(chosen) and chosen[at].start < c.end):
            continue
        starts.insert(at, c.start)
        chosen.insert(at, c)
    return chosen