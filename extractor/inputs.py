"""Stage 0: articles from what an analyst has: .txt files, folders, glob patterns, standard
input, JSON Lines and saved HTML pages. Reading is lazy, one article at a time, so a batch
of millions never sits in memory; anything unreadable becomes an `InputError` that names
the file and the line, in its place in the stream.
"""
from __future__ import annotations

import codecs
import datetime as dt
import glob
import json
import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional, Union

import regex

from .schema import DateSource

MAX_CHARS = 2_000_000   # an article longer than this is not an article: refuse it, name it
TEXT, JSONL, HTML = {".txt"}, {".jsonl"}, {".html", ".htm"}
_GLOB_CHARS = set("*?[")


@dataclass
class Article:
    """One article to extract from: its text, or the HTML page it is still inside."""
    doc_id: str
    text: Optional[str] = None
    html: Optional[Union[str, bytes]] = None
    published: Optional[str] = None
    title: Optional[str] = None
    url: Optional[str] = None
    decoded: Optional[str] = None   # how the text was read or repaired when not plain UTF-8: offsets point into it
    published_from: DateSource = "input"   # where `published` came from, when there is one


# UTF-8 bytes of Vietnamese read as Latin-1 or Windows-1252: "Ä‘", "áº£", "á»‡", "Ã¢"
_MOJIBAKE = regex.compile(r"Ä[\u0080-\u00bf‘’]|á[º»]|Ã[\u00a0-\u00bf]")


class InputError(ValueError):
    """An article that cannot be read; `doc_id` is its name, or FILE:LINE when it has none."""

    def __init__(self, doc_id: str, message: str):
        super().__init__(message)
        self.doc_id = doc_id

    def __reduce__(self) -> tuple:   # it travels to worker processes and back
        return InputError, (self.doc_id, str(self))


def read_articles(sources: Iterable[str], stdin: Optional[BinaryIO] = None,
                  skip: Iterable[Path] = ()) -> Iterator[Union[Article, InputError]]:
    """Files, folders (recursively: .txt, .jsonl, .html), glob patterns and "-" for standard input;
    the files in `skip`, and the files under a folder in it (the run's own output), are never read."""
    skipped = {p.resolve() for p in skip}
    for source in sources:
        if source == "-":
            yield from _read_stream(stdin if stdin is not None else sys.stdin.buffer)
            continue
        path = Path(source)
        if path.is_dir():
            files: Iterable[Path] = _walk(path)
        elif path.exists():
            files = [path]
        elif _GLOB_CHARS & set(source):
            files = [Path(p) for p in sorted(glob.iglob(source, recursive=True)) if Path(p).is_file()]
            if not files:
                yield InputError(source, f"{source}: no file matches this pattern")
        else:
            yield InputError(source, f"{source}: no such file or folder")
            continue
        for file in files:
            resolved = file.resolve()
            if resolved not in skipped and skipped.isdisjoint(resolved.parents):
                yield from _read_file(file)


def _walk(folder: Path) -> Iterator[Path]:
    """The articles under a folder in a stable order, one directory listing at a time."""
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if Path(name).suffix.lower() in TEXT | JSONL | HTML:
                yield Path(root) / name


def _read_file(path: Path) -> Iterator[Union[Article, InputError]]:
    suffix = path.suffix.lower()
    try:
        if suffix in JSONL:
            with path.open("rb") as lines:
                yield from jsonl_articles(lines, str(path))
            return
        if path.stat().st_size > 4 * MAX_CHARS:
            raise InputError(path.stem, f"{path}: {path.stat().st_size} bytes, more than an article: refused")
        data = path.read_bytes()
    except OSError as error:
        yield InputError(path.stem, f"{path}: cannot read: {error.strerror}")
        return
    except InputError as error:
        yield error
        return
    if suffix in HTML:    # the page declares its own encoding: the HTML reader decodes it
        yield _binary_error(path.stem, str(path), data) or Article(path.stem, html=data)
    else:
        yield _text_article(path.stem, str(path), data)


def _read_stream(stream: BinaryIO) -> Iterator[Union[Article, InputError]]:
    """Standard input holds JSON Lines, an HTML page or one plain-text article."""
    head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower()
    if start.startswith(b"{"):
        yield from jsonl_articles(stream, "<stdin>")
        return
    data = stream.read()
    if start.startswith((b"<!doctype html", b"<html")):
        yield Article("stdin", html=data)
    else:
        yield _text_article("stdin", "<stdin>", data)


def _binary_error(doc_id: str, where: str, data: bytes) -> Optional[InputError]:
    return InputError(doc_id, f"{where}: binary file, not text") if b"\x00" in data[:4096] else None


def decode(data: bytes) -> tuple[str, Optional[str]]:
    """Text of a file and how it was read when not as UTF-8: a BOM, UTF-16 without one, a code
    page such as Windows-1258 (charset-normalizer), a legacy Vietnamese font encoding (TCVN3, VNI,
    VISCII: viparse), or UTF-8 once misread as Latin-1 (ftfy). Raises ValueError for bytes that
    are no text."""
    for bom, codec in ((codecs.BOM_UTF8, None), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return repair(data.decode(codec or "utf-8-sig"), codec)
    try:
        text, how = data.decode("utf-8"), None
    except UnicodeDecodeError:
        text, how = _code_page(data)
    if "\x00" in text[:4096]:
        raise ValueError("binary file, not text")
    return repair(text, how)


def _code_page(data: bytes) -> tuple[str, str]:
    """Bytes that are not UTF-8, read in the code page or legacy font encoding that gives the most
    Vietnamese: short texts fool charset-normalizer, and it knows no Vietnamese font encoding."""
    import charset_normalizer   # only a file that is not UTF-8 pays for it

    best = charset_normalizer.from_bytes(data).best()
    if b"\x00" in data[:4096] and (best is None or not best.encoding.startswith("utf_16")):
        raise ValueError("binary file, not text")
    if best is not None and best.encoding.startswith("utf"):
        return str(best), best.encoding
    readings = [(str(best), best.encoding)] if best is not None else []
    latin1 = data.decode("latin-1")
    font = _legacy_font(latin1)
    if font is not None:   # TCVN3 and VNI fonts kept Windows-1252's quotes and dashes; VISCII has letters there
        surface = latin1 if font == "viscii" else data.decode("cp1252", errors="replace")
        readings.append((_from_legacy_font(surface, font), font))
    if not readings:
        raise ValueError("binary file, not text")
    readings.append((data.decode("cp1258", errors="replace"), "cp1258"))
    return max(readings, key=lambda reading: _vietnamese_score(reading[0]))


def repair(text: str, how: Optional[str] = None) -> tuple[str, Optional[str]]:
    """Text read as Unicode that is still not Vietnamese as written: UTF-8 once misread as Latin-1
    ("Ä‘áº£ng", ftfy reverses the misreading), or a legacy font's glyphs ("§¶ng viªn" in TCVN3,
    "ñaûng vieân" in VNI) decoded to the letters they stand for. `how` says what was done."""
    if _MOJIBAKE.search(text):
        import ftfy

        repaired = ftfy.fix_encoding(text)
        if repaired != text:
            text, how = repaired, f"{how or 'utf-8'}, mojibake repaired"
    font = _legacy_font(text)
    if font is not None:
        text, how = _from_legacy_font(text, font), f"{how or 'utf-8'}, {font} glyphs decoded"
    return text, how


_VIETNAMESE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0306", "\u0302", "\u031b"}


def _vietnamese_score(text: str) -> int:
    """Letters with Vietnamese marks, less letters with marks Vietnamese does not use."""
    score = 0
    for char in text:
        if char.isalpha() and not char.isascii():
            marks = set(unicodedata.normalize("NFD", char)[1:])
            score += 1 if marks and marks <= _VIETNAMESE_MARKS or char in "đĐ" else -1
    return score


def _vietnamese_latin1(char: str) -> bool:
    """A vowel with the marks Latin-1 has that Vietnamese writes (à á â ã è é ê ì í ò ó ô õ ù ú ý)."""
    base, *marks = unicodedata.normalize("NFD", char)
    return base in "aeiouyAEIOUY" and set(marks) <= _VIETNAMESE_MARKS


# What a legacy Vietnamese font's letters look like once its bytes are read as Windows-1252 or
# Latin-1: the characters of that block Vietnamese never writes ("§¶ng viªn", "ñaûng vieân").
_LEGACY_GLYPH = regex.compile("[" + "".join(c for c in map(chr, range(0xA1, 0x100)) if not _vietnamese_latin1(c)) + "]")
# Letters viparse's VNI table leaves out because its corpus never showed them (ă with a hook: "chẳng").
_VNI_LEFT_OUT = {"a\u00fa": "\u1eb3", "A\u00da": "\u1eb2"}


def _legacy_font(text: str) -> Optional[str]:
    """The legacy font encoding ("tcvn3", "vni", "viscii") text is typed in, as viparse tells it
    from the letters each would decode to; None for Unicode Vietnamese, other languages and
    fragments too short to tell."""
    glyphs = len(_LEGACY_GLYPH.findall(text))
    if glyphs < 3 or glyphs * 50 < len(text):   # a cheap look first: viparse weighs every character
        return None
    import viparse   # only text that looks like a legacy font pays for it

    return viparse.detect_text_encoding(text)


def _from_legacy_font(text: str, font: str) -> str:
    """The Unicode letters a legacy font's glyphs stand for."""
    import viparse

    if font == "vni":
        for glyphs, letter in _VNI_LEFT_OUT.items():
            text = text.replace(glyphs, letter)
    return viparse.fix(text, encoding=font)


def _text_article(doc_id: str, where: str, data: bytes) -> Union[Article, InputError]:
    try:
        text, how = decode(data)
    except ValueError as error:
        return InputError(doc_id, f"{where}: {error}")
    if len(text) > MAX_CHARS:
        return InputError(doc_id, f"{where}: {len(text)} characters, more than {MAX_CHARS}: not an article")
    return Article(doc_id, text=text, decoded=how)


def jsonl_articles(lines: Iterable[bytes], where: str) -> Iterator[Union[Article, InputError]]:
    """An article, or the error that names its FILE:LINE, for each line that is not blank."""
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield _jsonl_article(line, f"{where}:{number}")
            except InputError as error:
                yield error


def _jsonl_article(line: bytes, where: str) -> Article:
    """One line: {"id" or "doc_id", "text" or "html", "url"?, "published"?, "title"?}."""
    try:
        row = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise InputError(where, f"{where}: not UTF-8 (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise InputError(where, f"{where}: bad JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:   # "[[[[…" thousands deep: no article, and no reason to stop the batch
        raise InputError(where, f"{where}: JSON nested too deep to be an article") from None
    if not isinstance(row, dict):
        raise InputError(where, f"{where}: not a JSON object")
    doc_id = row.get("doc_id", row.get("id"))
    if not isinstance(doc_id, (str, int)) or str(doc_id) == "":
        raise InputError(where, f"{where}: needs 'id' or 'doc_id'")
    doc_id = str(doc_id)
    text, html = row.get("text"), row.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        raise InputError(doc_id, f"{where}: needs 'text' or 'html' (a string)")
    body = text if isinstance(text, str) else html
    if len(body) > MAX_CHARS * (1 if body is text else 5):   # a page carries markup around its text
        raise InputError(doc_id, f"{where}: {len(body)} characters: not an article")
    for field in ("published", "title", "url"):
        if row.get(field) is not None and not isinstance(row[field], str):
            raise InputError(doc_id, f"{where}: '{field}' must be a string")
    if row.get("published"):
        try:
            dt.datetime.fromisoformat(row["published"])
        except ValueError:
            raise InputError(doc_id, f"{where}: 'published' is not an ISO date: {row['published']!r}") from None
    text, decoded = repair(text) if isinstance(text, str) else (None, None)
    return Article(doc_id, text, None if text is not None else html, row.get("published") or None,
                   row.get("title"), row.get("url"), decoded=decoded)


def with_text(article: Article) -> Article:
    """The article as text: itself, or the one inside its saved page (body, title, date and
    address by trafilatura, htmldate for the date). A date or title given with the page wins
    over the page's own."""
    if article.html is None:
        return article
    import trafilatura   # imported here: only HTML input pays for it

    # No extensive date search: a year in the body ("năm 2015") is no publication date; only the
    # page's metadata and markup are (htmldate's fast mode).
    page = trafilatura.bare_extraction(article.html, url=article.url, with_metadata=True, include_comments=False,
                                       date_extraction_params={"extensive_search": False, "original_date": True})
    if page is None or not page.text:
        raise InputError(article.doc_id, f"{article.doc_id}: no article text found in the HTML page")
    title = article.title or page.title
    body = page.text.replace("\n", "\n\n")    # one line per block: paragraphs, as in scraped text
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    return Article(article.doc_id, text=text, published=article.published or page.date, title=title,
                   url=article.url or page.url, published_from="input" if article.published else "page")
