"""Resolving a matched period phrase to ISO bounds, against the publication date.

Each rule of patterns/periods.jsonl names one resolver here; the resolver reads the
rule's named groups (y, y2, m, d, n, q) and returns (start, end), either possibly None.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

Bounds = tuple[Optional[str], Optional[str]]
Groups = dict[str, Optional[str]]

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Resolvers relative to the party term: the records stage prefers a term the article names.
TERM_RELATIVE = frozenset({"current_term", "term_to_now", "past_term"})


class MonthOnly(dt.date):
    """A publication date known to the month only (a source URL with "/202109/", a leading
    "date 2024-05" line): a period that runs "until now" ends in that month."""

    def isoformat(self) -> str:   # type: ignore[override]
        return f"{self.year:04d}-{self.month:02d}"


def small_number(text: str) -> int:
    text = text.lower().strip()
    return int(text)


def _year(groups: Groups, key: str, published: Optional[dt.date]) -> Optional[int]:
    if groups.get(key):
        return int(groups[key])
    return published.year if published else None


def _month(year: Optional[int], month: int) -> Optional[str]:
    return f"{year:04d}-{month:02d}" if year else None


def year_to_now(g: Groups, pub: Optional[dt.date]) -> Bounds:
    year = _year(g, "y", pub)
    end = pub.isoformat() if pub and (not g.get("y") or int(g["y"]) == pub.year) else None
    return (f"{year:04d}-01-01" if year else None, end)


def year_to_day(g: Groups, pub: Optional[dt.date]) -> Bounds:
    year = _year(g, "y", pub)
    if year is None:
        return None, None
    return f"{year:04d}-01-01", dt.date(year, int(g["m"]), int(g["d"])).isoformat()


def year_to_month(g: Groups, pub: Optional[dt.date]) -> Bounds:
    year = _year(g, "y", pub)
    return _month(year, 1), _month(year, int(g["m"]))


def since_to_now(g: Groups, pub: Optional[dt.date]) -> Bounds:
    return g["y"], pub.isoformat() if pub else None


def year_range(g: Groups, pub: Optional[dt.date]) -> Bounds:
    return g["y"], g["y2"]


def first_months(g: Groups, pub: Optional[dt.date]) -> Bounds:
    year = _year(g, "y", pub)
    return _month(year, 1), _month(year, small_number(g["n"]))


def quarter(g: Groups, pub: Optional[dt.date]) -> Bounds:
    q, year = _ROMAN[g["q"].lower()], _year(g, "y", pub)
    return _month(year, 3 * q - 2), _month(year, 3 * q)


def month(g: Groups, pub: Optional[dt.date]) -> Bounds:
    year = _year(g, "y", pub)
    return _month(year, int(g["m"])), _month(year, int(g["m"]))


def day(g: Groups, pub: Optional[dt.date]) -> Bounds:
    year = _year(g, "y", pub)
    if year is None:
        return None, None
    iso = dt.date(year, int(g["m"]), int(g["d"])).isoformat()
    return iso, iso


def year(g: Groups, pub: Optional[dt.date]) -> Bounds:
    return g["y"], g["y"]


def past_years(g: Groups, pub: Optional[dt.date]) -> Bounds:
    if pub is None:
        return None, None
    n = small_number(g["n"]) if g.get("n") else 1
    return str(pub.year - n), str(pub.year - 1)


def unresolved(g: Groups, pub: Optional[dt.date]) -> Bounds:
    return None, None


def this_year(g: Groups, pub: Optional[dt.date]) -> Bounds:
    return (str(pub.year), str(pub.year)) if pub else (None, None)


def _term_of(pub: dt.date) -> tuple[int, int]:
    """Party terms run five years from the congresses held in the autumn of years divisible by 5."""
    start = pub.year - pub.year % 5
    if pub.year % 5 == 0 and pub.month < 10:
        start -= 5
    return start, start + 5


def current_term(g: Groups, pub: Optional[dt.date]) -> Bounds:
    if pub is None:
        return None, None
    start, end = _term_of(pub)
    return str(start), str(end)


def term_to_now(g: Groups, pub: Optional[dt.date]) -> Bounds:
    return (str(_term_of(pub)[0]), pub.isoformat()) if pub else (None, None)


RESOLVERS: dict[str, Callable[[Groups, Optional[dt.date]], Bounds]] = {
    "year_to_now": year_to_now, "year_to_day": year_to_day, "year_to_month": year_to_month,
    "since_to_now": since_to_now, "range": year_range, "first_months": first_months, "quarter": quarter,
    "month": month, "day": day, "year": year, "past_years": past_years, "unresolved": unresolved,
    "past_term": unresolved,   # "nhiệm kỳ qua": the term the article names (candidates fill it in), else unknown
    "this_year": this_year, "current_term": current_term, "term_to_now": term_to_now,
}


def whole_years(bounds: Bounds) -> Bounds:
    """The calendar years a period lies in: the span of a plan or target stated for it."""
    start, end = bounds
    return (start[:4] if start else None, end[:4] if end else (start[:4] if start else None))
