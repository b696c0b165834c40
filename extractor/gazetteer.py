"""Place names of Vietnam: which province a province, district or commune name belongs to.

The data come from the `vietnam-provinces` package (0.6.x: the 63 provinces, 696
districts and 10,051 communes in force on 2025-01-04, i.e. just before the 2025 reform).
They are read once, on the first call, from the JSON file that the package ships, so
nothing is fetched at run time.

Names are matched on their case-folded form with the tone marks where the new spelling
puts them ("Hoà" = "Hòa", "Thuỷ" = "Thủy"); a name that matches nothing that way is tried
again without any diacritics and with "Đắc"/"Đăk"/"Đắk" read alike.

A level word narrows the match to the tier it names, and to the types the unit may have
become since the article was written (a "huyện" may be a "thị xã", "thành phố" or "quận"
by 2025, a "xã" a "thị trấn" or "phường"), since the data are newer than most articles.
A name that is in more than one province at that level gives None, never a guess.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

import regex

from .normalize import fold, normalise

__all__ = ["province_of", "province_from_places", "is_place", "deepest_tier", "LEVELS"]

# Level word (folded) -> the tiers it names, in the order they are tried
# (1 province, 2 district, 3 commune) and the types (folded) that a unit called
# so in an article may have in the data.
_LEVELS: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {
    "tinh": ((1,), frozenset({"tinh", "thanh pho"})),
    "thanh pho": ((1, 2), frozenset({"tinh", "thanh pho", "quan"})),
    "huyen": ((2,), frozenset({"huyen", "thi xa", "thanh pho", "quan"})),
    "thi xa": ((2,), frozenset({"thi xa", "thanh pho", "quan"})),
    "quan": ((2,), frozenset({"quan", "thanh pho"})),
    "xa": ((3,), frozenset({"xa", "thi tran", "phuong"})),
    "thi tran": ((3,), frozenset({"thi tran", "phuong"})),
    "phuong": ((3,), frozenset({"phuong"})),
    "dac khu": ((3,), frozenset({"dac khu"})),
}
LEVELS: tuple[str, ...] = ("tỉnh", "thành phố", "huyện", "thị xã", "quận", "xã", "phường", "thị trấn")

# Type words that start the names in the data, longest first.
_TYPE_WORDS = ("thành phố", "thị trấn", "thị xã", "đặc khu", "tỉnh", "huyện", "quận", "xã", "phường")

# Other names of provinces (key form -> the data's name, key form).
_PROVINCE_ALIASES = {
    "hcm": "hồ chí minh", "tphcm": "hồ chí minh", "sài gòn": "hồ chí minh",
    "thừa thiên huế": "huế", "thừa thiên": "huế",
    "bà rịa": "bà rịa vũng tàu", "brvt": "bà rịa vũng tàu",
}

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")
_LEADING_ZEROS = regex.compile(r"(?<!\p{N})0+(?=\p{N})")
_FINAL_K = regex.compile(r"(?<=\p{L})k\b")
_FINAL_Y = regex.compile(r"(?<=\b\p{L}*(?:qu|[^\W\daeiouy]))y\b")


@dataclass(frozen=True)
class _Unit:
    tier: int          # 1 province, 2 district, 3 commune
    kind: str          # folded type word: "huyen", "thi xa", ...
    province: str      # short name of the province, tone marks where the new spelling puts them
    era: int = 0       # 0 the data in force before the 2025 reform, 1 after it (tried second)


@dataclass(frozen=True)
class _Index:
    exact: dict[str, tuple[_Unit, ...]]
    loose: dict[str, tuple[_Unit, ...]]
    source: str


def _key(name: str) -> str:
    """Lower case, tone marks where the new spelling puts them, punctuation folded."""
    text = normalise(name).text.lower()
    return _LEADING_ZEROS.sub("", " ".join(_NOT_WORD.sub(" ", text).split()))


def _loose_key(name: str) -> str:
    """No diacritics, a final "k" read as "c" ("Đắk Lắk" = "Đắc Lắc") and a final "y"
    after a consonant as "i" ("Phú Quý" = "Phú Quí", "Kỳ" = "Kì")."""
    text = _LEADING_ZEROS.sub("", fold(name))
    return _FINAL_Y.sub("i", _FINAL_K.sub("c", text))


def _split_type(full_name: str) -> tuple[str, str]:
    """"Thị xã Điện Bàn" -> ("thi xa", "Điện Bàn")."""
    lowered = full_name.lower()
    for word in _TYPE_WORDS:
        if lowered.startswith(word + " "):
            return fold(word), full_name[len(word) + 1:].strip()
    return "", full_name.strip()


def _display(name: str) -> str:
    return " ".join(normalise(name).text.split())


def _load_entries() -> tuple[str, Iterator[tuple[int, str, str, str, int]]]:
    """(source, rows of (tier, type, name, province, era)) from the installed data package."""
    import vietnam_provinces

    path = Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    source = f"vietnam-provinces {getattr(vietnam_provinces, '__version__', '?')}"
    with path.open(encoding="utf-8") as handle:
        provinces = json.load(handle)

    def rows() -> Iterator[tuple[int, str, str, str, int]]:
        for province in provinces:
            kind, short = _split_type(province["name"])
            short = _display(short)
            # 0.6.x lists districts and their communes; 2025.x lists communes only.
            era = 0 if "districts" in province else 1
            yield 1, kind or "tinh", short, short, era
            for district in province.get("districts", ()):
                kind, name = _split_type(district["name"])
                yield 2, kind, name, short, era
                for ward in district.get("wards", ()):
                    kind, name = _split_type(ward["name"])
                    yield 3, kind, name, short, era
            for ward in province.get("wards", ()):
                kind, name = _split_type(ward["name"])
                yield 3, kind, name, short, era

    return source, rows()


def _build(source: str, rows: Iterable[tuple[int, str, str, str, int]]) -> _Index:
    exact: dict[str, list[_Unit]] = {}
    loose: dict[str, list[_Unit]] = {}
    province_keys: dict[str, str] = {}
    for tier, kind, name, province, era in rows:
        unit = _Unit(tier, kind, _display(province), era)
        for table, key in ((exact, _key(name)), (loose, _loose_key(name))):
            units = table.setdefault(key, [])
            if unit not in units:
                units.append(unit)
        if tier == 1:
            province_keys[_key(name)] = name
    for alias, target in _PROVINCE_ALIASES.items():
        if target in province_keys and alias not in exact:
            for table, key in ((exact, _key(alias)), (loose, _loose_key(alias))):
                table.setdefault(key, []).extend(u for u in exact[target] if u.tier == 1)
    return _Index({k: tuple(v) for k, v in exact.items()},
                  {k: tuple(v) for k, v in loose.items()}, source)


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    source, rows = _load_entries()
    return _build(source, rows)


def source() -> str:
    """Which data package and version the gazetteer reads."""
    return _index().source


@functools.lru_cache(maxsize=1)
def _level_words() -> tuple[regex.Pattern, dict[str, str]]:
    """A level word or abbreviation written in front of a name passed without `level` ("TP.HCM",
    "tỉnh Quảng Nam"), from the level lexicon of patterns/units.jsonl; and each written form's
    folded level word ("tp" → "thanh pho")."""
    from .rules import Level, Rules   # the lexicon the mention rules read too

    rules = Rules.load()
    levels = [level for level in rules.of(rules.units, Level) if fold(level.text) in _LEVELS]
    written = sorted({form.rstrip(".") for level in levels for form in (level.text, *level.abbreviations)},
                     key=len, reverse=True)
    pattern = regex.compile(r"^\s*(?P<l>" + "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in written)
                            + r")(?:\s+|\.\s*)", regex.IGNORECASE)
    forms = {fold(form.rstrip(".")): fold(level.text) for level in levels for form in (level.text, *level.abbreviations)}
    return pattern, forms


def deepest_tier(level: str) -> Optional[int]:
    """The lowest tier a level word names (1 province, 2 district, 3 commune; "thành phố" may be
    either of the first two: 2), or None for a word of no tier the data holds ("thôn", "xóm")."""
    entry = _LEVELS.get(fold(level))
    return max(entry[0]) if entry else None


def _parse(name: str, level: Optional[str]) -> Optional[tuple[str, Optional[str]]]:
    """(name, folded level), a level word in front of the name taken off (and taken as
    the level when none is given); None for a level that names no place ("cơ quan")."""
    leading, forms = _level_words()
    match = leading.match(name)
    if match and match.end() < len(name):
        level, name = level or match.group("l"), name[match.end():]
    if level is None:
        return name, None
    folded = fold(level).replace(".", "")
    folded = forms.get(folded, folded)
    return (name, folded) if folded in _LEVELS else None


def _candidates(name: str, level: Optional[str]) -> tuple[_Unit, ...]:
    """The units that `name` at `level` may be: the first tier (in the level's order)
    that has a match, exact spelling before loose, old data before new."""
    parsed = _parse(name, level)
    if parsed is None:
        return ()
    name, folded = parsed
    tiers, kinds = _LEVELS[folded] if folded else ((1, 2, 3), None)
    index = _index()
    for table, key in ((index.exact, _key(name)), (index.loose, _loose_key(name))):
        units = table.get(key, ())
        if not units:
            continue
        for tier in tiers:
            found = [u for u in units if u.tier == tier and (kinds is None or u.kind in kinds)]
            if found:
                oldest = min(u.era for u in found)
                return tuple(u for u in found if u.era == oldest)
    return ()


def province_of(name: str, level: Optional[str] = None) -> Optional[str]:
    """The province that the place `name` (at `level`, one of LEVELS, if given) lies in,
    when only one province has such a place; the province's own name for a province.

    >>> province_of("Điện Bàn")
    'Quảng Nam'
    >>> province_of("Tân Phú") is None     # a district in Đồng Nai and in Hồ Chí Minh
    True
    """
    provinces = {u.province for u in _candidates(name, level)}
    return provinces.pop() if len(provinces) == 1 else None


def is_place(name: str, level: Optional[str] = None) -> bool:
    """Whether some province, district or commune (at `level`, if given) has this name."""
    return bool(_candidates(name, level))


def province_from_places(names: Sequence[tuple[Optional[str], str]]) -> Optional[str]:
    """The province that an article's place mentions, (level, name) in text order, point
    to: the one that more than half of the mentions that name a single province name.
    Names found in several provinces, and unknown names, count for nothing."""
    votes: Counter[str] = Counter()
    for level, name in names:
        province = province_of(name, level)
        if province is not None:
            votes[province] += 1
    if not votes:
        return None
    (best, count), = votes.most_common(1)
    return best if 2 * count > sum(votes.values()) else None
