"""Unit candidates: the party units an article names, resolved to full names. A generic form
("toàn tỉnh", "Đảng ủy Sở", "Đảng bộ Quân sự tỉnh") takes its place from the units, places and
dateline of the article. Which candidate a value belongs to is decided later, by a model.
"""
from __future__ import annotations

from typing import Optional

import regex

from .mentions import Found
from .normalize import fold
from .rules import Level, Rules
from .segment import Sentence

# A capitalised name of two to four syllables (a place or institution named without organ word).
_NAME = r"\p{Lu}[\p{Ll}\p{M}]+(?:[ ]+\p{Lu}[\p{Ll}\p{M}]+){1,3}"


class UnitResolver:
    def __init__(self, rules: Rules):
        self.levels = {level.text for level in rules.of(rules.units, Level)}
        markers = rules.marker_patterns
        self.not_subject = markers["not_subject"]
        self.joined_party = markers["joined_party"]
        self.subject_verb = regex.compile(f"^[ ]*(?:\\([^)]*\\)[ ]*)?(?:{markers['subject_verb'].pattern})",
                                          regex.IGNORECASE)
        self.named_subject = regex.compile(f"(?<![\\p{{L}}])(?P<name>{_NAME})[ ]+(?i:{markers['subject_verb'].pattern})")
        self.title_subject = regex.compile(
            f"^(?:\\d+[^:]*:\\s*)?(?P<name>{_NAME})(?:[ ]*:|[ ]+(?i:{markers['title_verb'].pattern}))")

    def resolve(self, unit: Found, registry: list[Found], province: Optional[str]) -> Optional[Found]:
        """The full name of a unit mention, or None for a bare "Đảng bộ" with nothing to name it."""
        if not unit.generic:
            return self._place_named(unit, registry, province)
        if unit.rest:   # "Đảng ủy Sở", "Đảng ủy Công ty": the institution named in full nearby
            head = fold(unit.rest) + " "
            named = [u for u in registry if u.label == "UNIT" and not u.generic and fold(u.rest).startswith(head)]
            before = [u for u in named if u.start < unit.start]
            found = (before[-1:] or named[:1])
            return found[0] if found else None
        if unit.level:
            before = [u for u in registry if u.level == unit.level and u.rest and u.start < unit.start]
            after = [u for u in registry if u.level == unit.level and u.rest and u.start >= unit.start]
            named = (before[-1:] or after[:1])
            kind = unit.kind or "đảng bộ"
            if named:
                return _named(unit, kind, unit.level, named[0].rest)
            bare = [u for u in registry if u.label == "PLACE" and u.rule == "title"]   # a headline's subject
            if bare and unit.level not in ("tỉnh", "thành phố"):
                return _named(unit, kind, unit.level, bare[0].rest)
            if unit.level == "tỉnh" and province:
                return _named(unit, "đảng bộ", "tỉnh", province)
            return unit
        return None

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
                     rest=f"{unit.rest} {place}", rule=unit.rule)

    def units_of(self, sentence: Sentence, units: list[Found], places: list[Found]) -> list[Found]:
        """Unit mentions of a sentence, and the places, institutions and bare names that may stand
        for a unit ("huyện Bình Xuyên đã kết nạp", "Trường THPT Lê Lợi có", "Phú Ninh kết nạp")."""
        # "kết nạp vào Đảng Cộng sản Việt Nam": the party one joins is no unit that admits
        found = [u for u in units if not (u.rule == "whole_party" and self.joined_party.search(
            sentence.text[max(0, u.start - sentence.start - 30):u.start - sentence.start]))]
        for place in places:
            if any(u.start <= place.start < u.end for u in units):
                continue
            name = f"Đảng bộ {place.level} {place.rest}" if place.level else f"Đảng bộ {place.rest}"
            found.append(Found("UNIT", place.start, place.end, name=name, kind="đảng bộ", level=place.level,
                               rest=place.rest, rule=place.rule))
        for match in self.named_subject.finditer(sentence.text):
            start = sentence.start + match.start("name")
            if any(u.start <= start < u.end for u in units + places):
                continue
            found.append(Found("UNIT", start, start + len(match["name"]), name=f"Đảng bộ {match['name']}",
                               kind="đảng bộ", rest=match["name"], rule="name"))
        return sorted(found, key=lambda u: u.start)

    def is_subject(self, sentence: Sentence, unit: Found) -> bool:
        """Followed by its verb, and not named after "Ban Tổ chức", "của", "theo", ..."""
        offset = unit.start - sentence.start
        if self.not_subject.search(sentence.text[max(0, offset - 25):offset]):
            return False
        return unit.label == "UNIT" and unit.rule not in ("place", "institution") or \
            bool(self.subject_verb.search(sentence.text[unit.end - sentence.start:]))

    def title_subjects(self, title: Sentence) -> list[Found]:
        """A headline's bare subject ("Hiệp Hòa: ...", "Bình Xuyên đạt ..."): the place the
        article is about, to name "toàn huyện" / "Đảng bộ huyện" when the body never does."""
        match = self.title_subject.match(title.text)
        if not match:
            return []
        start = title.start + match.start("name")
        return [Found("PLACE", start, start + len(match["name"]), rest=match["name"], name=match["name"], rule="title")]


def _named(unit: Found, kind: str, level: str, place: str) -> Found:
    return Found("UNIT", unit.start, unit.end, name=f"{kind.capitalize()} {level} {place}", kind=kind, level=level,
                 rest=place, rule=unit.rule)
