"""Stage 2: article metadata (title, publication date, author, source) and where the body lies.

Works on normalised text; site chrome before the title and after the body end marker
("Tin liên quan", "Ý kiến của bạn", ...) is outside the body, so it yields no records.

The words of the language come from marker lines of `patterns/markers.jsonl`; this module only
holds the shapes around them (dates, times, addresses):
  dateline_word  words that may stand beside the date on a dateline ("Thứ Sáu", "GMT+7", "Lượt xem")
  agency         news agencies that sign "(TTXVN 2/2/2001)"
  source_label   the label of a dated source line ("Nguồn: ..., ngày 12/01/2001")
  month_label    the label before an ISO date or month at a line's start ("date 2025-09-01 ...",
                 "Ngày đăng: 2020-12")
  byline_label   the label before the byline ("Bài, ảnh: ..."), matched in the case written
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Optional

import regex

from .periods import MonthOnly
from .rules import Rules
from .schema import DateSource

_DATE = r"(?P<d>3[01]|[12]\d|0?[1-9])\s*[-/.]\s*(?P<m>1[0-2]|0?[1-9])\s*[-/.]\s*(?P<y>(?:19|20)\d{2})"
_TIME = r"(?P<h>[01]?\d|2[0-3])\s*[:hg]\s*(?P<min>[0-5]\d)(?::(?P<s>[0-5]\d))?"
_DATE_RE = regex.compile(rf"(?<!\d){_DATE}(?!\d)")
_YEAR = regex.compile(r"(?:19|20)\d\d")
_TIME_RE = regex.compile(rf"(?<![\d:]){_TIME}(?![\d:])")
# A date with its time beside it ("15:24 | 25/09/2025", "02/02/2023 15:12") is a page's time
# stamp even inside a longer line; body text writes times as "14h" or "14 giờ".
_CLOCK = r"(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)(?::(?P<s>[0-5]\d))?"
_STAMP_RE = regex.compile(rf"(?<![\d:]){_CLOCK}[\s,|\-–]*(?<!\d){_DATE}(?!\d)|(?<!\d){_DATE}[\s,|\-–]*{_CLOCK}(?![\d:])")
# Words glued by a scraper: "ClockThứ Năm", "Cập nhật lúc19:55"
_GLUED = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})|(?<=\p{L})(?=\d)")
_URL_DATE = regex.compile(r"https?://\S*?[/-]d?(?P<y>20\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)\d{0,12}\.html?")
_URL_MONTH = regex.compile(r"https?://\S*?/(?P<y>20\d{2})(?P<m>0[1-9]|1[0-2])/")
_NAME = r"(?P<name>[\p{Lu}][\p{L}.]*(?:[ ]+[\p{Lu}][\p{L}.]*){0,4})"


@dataclass(frozen=True)
class _Patterns:
    """The metadata patterns: shapes from this module around the phrases of the rules."""
    dateline_words: regex.Pattern   # what a dateline may hold besides its date: words, digits, punctuation
    agency_date: regex.Pattern
    iso_date: regex.Pattern
    source_date: regex.Pattern
    month_line: regex.Pattern
    author: regex.Pattern


def _patterns(rules: Rules) -> _Patterns:
    phrases = rules.marker_patterns
    return _compile(*(phrases[kind].pattern for kind in
                      ("dateline_word", "agency", "source_label", "month_label", "byline_label")))


@lru_cache(maxsize=16)
def _compile(dateline_word: str, agency: str, source_label: str, month_label: str, byline_label: str) -> _Patterns:
    return _Patterns(
        # A dateline: a short line that is mostly a date ("Thứ Sáu, 24/02/2017, 06:59 [GMT+7]").
        dateline_words=regex.compile(rf"(?i)\b(?:{dateline_word})\b|[\d\W_]+"),
        # "(TTXVN 2/2/2001)", and a paper's code signing its dateline: "(BVBNĐ-22/6/2017)"
        agency_date=regex.compile(rf"\((?:(?i:{agency})[^)]{{0,12}}?\s|\p{{Lu}}{{2,12}}\s*[-–]\s*){_DATE}\)"),
        # a scraper's "date 2025-09-01 <headline>" at the top of the text
        iso_date=regex.compile(rf"^(?i:{month_label})?\s*:?\s*(?P<y>(?:19|20)\d{{2}})-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)(?!\d)"),
        source_date=regex.compile(rf"\b(?i:{source_label})\s*:[^\n]{{0,80}}?(?<!\d){_DATE}(?!\d)"),
        month_line=regex.compile(rf"^(?i:{month_label})?\s*:?\s*(?P<y>(?:19|20)\d{{2}})-(?P<m>0[1-9]|1[0-2])$"),
        # The label keeps its case: "BÀI: ..." is no byline.
        author=regex.compile(rf"^(?:(?:{byline_label})\s*:\s*)?{_NAME}(?:\s*[-–|(].*)?$"))


@dataclass(frozen=True)
class Metadata:
    title_span: Optional[tuple[int, int]]
    published: Optional[str]
    author: Optional[str]
    source: Optional[str]
    body: tuple[int, int]
    month: Optional[MonthOnly] = None   # the publication month, when only that is known
    date_source: Optional[DateSource] = None

    @property
    def anchor(self) -> Optional[dt.date]:
        """What relative periods resolve against: the publication date, else its month."""
        return dt.date.fromisoformat(self.published[:10]) if self.published else self.month


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            offset = start + len(line) - len(line.lstrip())
            spans.append((offset, start + len(line.rstrip())))
        start += len(line) + 1
    return spans


def _split_iso_lines(text: str, lines: list[tuple[int, int]], iso_date: regex.Pattern) -> list[tuple[int, int]]:
    """"date 2025-09-01 Giấc mơ ..." is a dateline and a headline a scraper joined: two lines."""
    split = []
    for s, e in lines[:12]:
        match = iso_date.match(text[s:e])
        end = s + match.end() if match else e
        rest = len(text[end:e]) - len(text[end:e].lstrip())
        split += [(s, end), (end + rest, e)] if rest and end + rest < e else [(s, e)]
    return split + lines[12:]


def _dateline(line: str, patterns: _Patterns) -> Optional[str]:
    """The ISO date-time of a line that is a dateline ("Thứ Sáu, 24/02/2017, 06:59"), or that ends
    with a news agency's dated signature ("(TTXVN 2/2/2001)"), else None."""
    if not _YEAR.search(line):   # every date shape here writes its year in four digits
        return None
    date = ("(" in line and patterns.agency_date.search(line)) or patterns.iso_date.match(line)
    if not date:
        date = _DATE_RE.search(line)
        if not date or len(line) > 90:
            return None
        if patterns.dateline_words.sub("", _GLUED.sub(" ", line)).strip():
            return _stamp(line)   # a short line with a time stamp: "ClockThứ Năm, 02/02/2023 15:12"
    return _with_time(line, date)


def _stamp(line: str) -> Optional[str]:
    """The date-time of a time stamp anywhere in a line ("... địa phương. 15:24 | 25/09/2025")."""
    stamp = _STAMP_RE.search(line)
    return _with_time(line, stamp) if stamp else None


def _with_time(line: str, date: regex.Match) -> Optional[str]:
    """The ISO date of a match, with the time written beside it (within 20 characters)."""
    day = _iso_date(date)
    if day is None:
        return None
    start, end = min(date.start(g) for g in "dmy"), max(date.end(g) for g in "dmy")
    near = line[max(0, start - 20):start] + " " * (end - start) + line[end:end + 20]
    time = _TIME_RE.search(near)
    if time:
        day += f"T{int(time['h']):02d}:{time['min']}" + (f":{time['s']}" if time["s"] else "")
    return day


def read_metadata(text: str, rules: Rules, published: Optional[str] = None,
                  published_from: DateSource = "input") -> Metadata:
    """`published_from` says where a given `published` came from (the article's input, or its page)."""
    patterns = _patterns(rules)
    lines = _split_iso_lines(text, _lines(text), patterns.iso_date)
    if not lines:
        return Metadata(None, published, None, None, (0, 0), date_source=published_from if published else None)
    chrome = rules.marker_patterns["chrome_line"]
    datelines = [(i, day) for i, (s, e) in enumerate(lines[:12]) if (day := _dateline(text[s:e], patterns))]
    # A site's header may carry today's date above the headline; the article's is under it.
    dateline_index, found = next((d for d in datelines if _is_headline(text, lines, d[0] - 1, chrome)),
                                 datelines[0] if datelines else (None, None))
    if found is None:
        found = next(filter(None, (_stamp(text[s:e]) for s, e in lines[:12])), None)
    if found is None:   # a dated source line ("Nguồn: Báo Quảng Nam, ngày 12/01/2001"), a dated URL
        dated = (patterns.source_date.search(text), _URL_DATE.search(text))
        found = next(filter(None, (_iso_date(m) for m in dated if m)), None)
    month = None if found or published else _month_marker(text, lines, patterns.month_line)
    title_index = _title_index(text, lines, dateline_index, chrome)
    title_span = lines[title_index] if title_index is not None else None
    start_index = max(i for i in (dateline_index, title_index, -1) if i is not None) + 1
    # Lines of running text before the headline are the article's lead, not site chrome.
    start_index = next((i for i in range(start_index) if lines[i][1] - lines[i][0] > 150), start_index)
    end_pattern = rules.marker_patterns["body_end"]
    end_index = next((i for i in range(start_index, len(lines))
                      if end_pattern.search(text[lines[i][0]:lines[i][1]])), len(lines))
    if start_index >= end_index:   # a text that is all title: read it all
        start_index = 0
    body = (lines[start_index][0], lines[end_index - 1][1]) if end_index > start_index else (0, len(text))
    return Metadata(
        title_span=title_span, published=published or found,
        author=_author(text, lines[start_index:end_index], patterns.author), source=None, body=body, month=month,
        date_source=published_from if published else "text" if found else None)


def _iso_date(match: regex.Match) -> Optional[str]:
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


def _month_marker(text: str, lines: list[tuple[int, int]], month_line: regex.Pattern) -> Optional[MonthOnly]:
    match = next((m for s, e in lines[:3] if (m := month_line.match(text[s:e].strip()))), None) \
        or _URL_MONTH.search(text)
    return MonthOnly(int(match["y"]), int(match["m"]), 1) if match else None


def _title_index(text: str, lines: list[tuple[int, int]], dateline_index: Optional[int],
                 chrome: regex.Pattern) -> Optional[int]:
    """The headline: a line of 4 to 40 words with no final stop, not site chrome, just before
    the dateline or among the first lines."""
    def is_chrome(i: int) -> bool:
        return chrome.search(text[lines[i][0]:lines[i][1]]) is not None

    def headline(i: int) -> bool:
        return _is_headline(text, lines, i, chrome)

    if dateline_index is not None:
        for i in range(dateline_index - 1, max(dateline_index - 4, -1), -1):
            if headline(i):
                return i
    leading = list(islice((i for i in range(len(lines)) if not is_chrome(i) and i != dateline_index), 4))
    first = [i for i in leading if headline(i)]
    # A site's name sits above its menu ("Trang chủ › Tin tức"), often in capitals; the headline
    # is in running case.
    first = [i for i in first if i + 1 >= len(lines) or not is_chrome(i + 1)] or first
    running = [i for i in first if not text[lines[i][0]:lines[i][1]].isupper()]
    return (running or first or [None])[0]


def _is_headline(text: str, lines: list[tuple[int, int]], i: int, chrome: regex.Pattern) -> bool:
    """A line of 4 to 40 words with no final stop (or in capitals), not site chrome."""
    if i < 0:
        return False
    line = text[lines[i][0]:lines[i][1]]
    if chrome.search(line):
        return False
    words = line.split()
    return 4 <= len(words) <= 40 and not line.rstrip().endswith((".", "!", "?")) or line.isupper() and len(words) >= 4


def _author(text: str, lines: list[tuple[int, int]], byline: regex.Pattern) -> Optional[str]:
    """The byline: a short line of capitalised words near the end of the body."""
    for s, e in reversed(lines[-4:]):
        line = text[s:e].strip()
        match = byline.match(line)
        if match and len(line) <= 60 and not line.endswith("."):
            return match["name"].strip()
    return None
