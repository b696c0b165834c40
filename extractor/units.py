"""Unit candidates: the party units an article names, resolved to full names. A generic form
("toàn tỉnh", "Đảng ủy Sở", "Đảng bộ Quân sự tỉnh") takes its place from the units, places and
dateline of the article. Which candidate a value belongs to is decided later, by a model.
"""
from __future__ import annotations

import bisect
from typing import Optional

import regex

from . import gazetteer
from .mentions import Found
from .normalize import fold
from .rules import Level, Organ, Rules
from .segment import Sentence

# A capitalised name of two to four syllables (a place or institution named without organ word).
_NAME = r"\p{Lu}[\p{Ll}\p{M}]+(?:[ ]+\p{Lu}[\p{Ll}\p{M}]+){1,3}"
# Below the gazetteer's three tiers (province, district, commune): a village's level word (xóm,
# thôn, bon, ...), then a unit with no place level at all.
_VILLAGE, _NO_PLACE = 4, 5
# What stands between a unit and the place that says where it is: "Chi bộ thôn X, xã Y", "Chi bộ Trường X (huyện Y)"
_ADDRESS_GAP = regex.compile(r"[ ]*[,(][ ]*")


class UnitResolver:
    def __init__(self, rules: Rules):
        self.levels = {level.text for level in rules.of(rules.units, Level)}
        self.refers_back = {o.canonical.lower() for o in rules.of(rules.units, Organ) if o.refers_back}
        markers = rules.marker_patterns
        self.not_subject = markers["not_subject"]
        self.joined_party = markers["joined_party"]
        self.subject_verb = regex.compile(f"^[ ]*(?:\\([^)]*\\)[ ]*)?(?:{markers['subject_verb'].pattern})",
                                          regex.IGNORECASE)
        self.named_subject = regex.compile(f"(?<![\\p{{L}}])(?P<name>{_NAME})[ ]+(?i:{markers['subject_verb'].pattern})")
        self.title_subject = regex.compile(
            f"^(?:\\d+[^:]*:\\s*)?(?P<name>{_NAME})(?:[ ]*:|[ ]+(?i:{markers['title_verb'].pattern}))")

    def resolve(self, unit: Found, registry: "Registry", province: Optional[str]) -> Optional[Found]:
        """The full name of a unit mention, or None for a bare "Đảng bộ" with nothing to name it."""
        if not unit.generic:
            return self._place_named(unit, registry, province)
        if unit.rest:   # "Đảng ủy Sở", "Đảng ủy Công ty": the institution named in full nearby
            return registry.nearest(registry.by_head.get(fold(unit.rest), []), unit.start)
        if unit.level:
            named = registry.nearest(registry.by_level.get(unit.level, []), unit.start)
            kind = unit.kind or "đảng bộ"
            if named:
                return _named(unit, kind, unit.level, named.rest)
            if registry.title_places and unit.level not in ("tỉnh", "thành phố"):   # a headline's subject
                return _named(unit, kind, unit.level, registry.title_places[0].rest)
            if unit.level == "tỉnh" and province:
                return _named(unit, "đảng bộ", "tỉnh", province)
            return unit
        if unit.kind in self.refers_back:   # "chi bộ đã kết nạp": the unit of that kind named nearest
            return registry.nearest(registry.by_kind.get(unit.kind, []), unit.start)
        return None

    def _place_named(self, unit: Found, registry: "Registry", province: Optional[str]) -> Found:
        """"Đảng bộ Quân sự tỉnh" in an article about Đồng Nai is "Đảng bộ Quân sự tỉnh Đồng Nai"."""
        level = next((lv for lv in self.levels if unit.rest.endswith(" " + lv)), None)
        if level is None:
            return unit
        named = registry.first_named.get(level)
        place = named.rest if named else province if level == "tỉnh" else None
        if place is None:
            return unit
        return Found("UNIT", unit.start, unit.end, name=f"{unit.name} {place}", kind=unit.kind, level=unit.level,
                     rest=f"{unit.rest} {place}", rule=unit.rule)

    def registry(self, found: list[Found]) -> Registry:
        return Registry(found, self.levels)

    def units_of(self, sentence: Sentence, units: list[Found], places: list[Found]) -> list[Found]:
        """Unit mentions of a sentence, and the places, institutions and bare names that may stand
        for a unit ("huyện Bình Xuyên đã kết nạp", "Trường THPT Lê Lợi có", "Phú Ninh kết nạp")."""
        # "kết nạp vào Đảng Cộng sản Việt Nam": the party one joins is no unit that admits
        found = [u for u in units if not (u.rule == "whole_party" and self.joined_party.search(
            sentence.text[max(0, u.start - sentence.start - 30):u.start - sentence.start]))]
        for place in places:
            if any(u.start <= place.start < u.end for u in units) or _address_of(sentence, units, place):
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


class Registry:
    """The units and places an article names, indexed once so that resolving each generic unit
    costs a lookup, not a scan of the article."""

    def __init__(self, found: list[Found], levels: set[str]):
        found = sorted(found, key=lambda f: f.start)
        self.by_level: dict[str, list[Found]] = {}    # named units and places of each level, in text order
        self.by_head: dict[str, list[Found]] = {}     # named units by each prefix of their folded name
        self.first_named: dict[str, Found] = {}       # the first named unit of each level ("tỉnh Đồng Nai")
        self.by_kind: dict[str, list[Found]] = {}     # named units of each kind ("chi bộ"), in text order
        self.title_places = [f for f in found if f.label == "PLACE" and f.rule == "title"]
        for f in found:
            if f.level and f.rest:
                self.by_level.setdefault(f.level, []).append(f)
            if f.label == "UNIT" and not f.generic and f.rest:
                if f.kind:
                    self.by_kind.setdefault(f.kind, []).append(f)
                words = fold(f.rest).split()
                for n in range(1, len(words)):
                    self.by_head.setdefault(" ".join(words[:n]), []).append(f)
                if f.level and not any(f.rest.endswith(" " + lv) for lv in levels):
                    self.first_named.setdefault(f.level, f)

        self._starts = {id(group): [f.start for f in group]
                        for group in [*self.by_level.values(), *self.by_head.values(), *self.by_kind.values()]}

    def nearest(self, found: list[Found], start: int) -> Optional[Found]:
        """The last one before `start`, else the first after it."""
        if not found:
            return None
        at = bisect.bisect_left(self._starts[id(found)], start)
        return found[at - 1] if at > 0 else found[0]


def _named(unit: Found, kind: str, level: str, place: str) -> Found:
    return Found("UNIT", unit.start, unit.end, name=f"{kind.capitalize()} {level} {place}", kind=kind, level=level,
                 rest=place, rule=unit.rule)


def _tier(level: Optional[str]) -> int:
    return _NO_PLACE if not level else gazetteer.deepest_tier(level) or _VILLAGE


def _address_of(sentence: Sentence, units: list[Found], place: Found) -> bool:
    """A place of a higher tier right after a unit ("Chi bộ thôn X, xã Y", "Chi bộ Trường X (huyện
    Y)") says where that unit is: it is no unit of its own. A place of the same tier is a peer
    ("Đảng bộ huyện A, huyện B")."""
    if place.rule != "place":
        return False
    before = next((u for u in reversed(units) if u.end <= place.start and u.rule != "whole_party"), None)
    return before is not None and before.label == "UNIT" and _tier(place.level) < _tier(before.level) and \
        bool(_ADDRESS_GAP.fullmatch(sentence.text[before.end - sentence.start:place.start - sentence.start]))
