"""Review pages: a static site to check a batch by eye. `index.html` lists the documents (worst
first against gold) under pictures of the batch; one page per document shows the article with its
mentions marked, its records beside it, and with gold the facts missed and the facts spurious.

Documents come from articles (read and extracted as `extract` does) or from an `extract` output
whose lines carry their `text`: `annotated.in_input_order`. The site needs no network and runs no
script but its own: all text is escaped, and each page's Content-Security-Policy admits only the
hashes of its own script and style.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import html
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional, get_args

import regex

from .align import evidence_spans
from .annotated import Failed, Item, Tally, fact_count
from .charts import BatchFigures
from .evaluate import Counts, DocumentDiff, Fact, diff_document
from .normalize import normalise
from .schema import Document, Mention, Record

LABELS = get_args(Mention.model_fields["label"].annotation)
_HEDGES = {"over": ">", "under": "<", "about": "≈", "at_least": "≥"}
_UNSAFE_IN_NAME = regex.compile(r"[^A-Za-z0-9_.-]+")
_NAME_LENGTH = 80


# ---- the site --------------------------------------------------------------------------
@dataclass
class Summary(Tally):
    """The tally of the site, and how its documents that have gold score against it."""
    scored: int = 0                                    # documents that have gold
    strict: Counts = field(default_factory=Counts)     # over those documents

    def line(self) -> str:
        text = (f"{self.documents} documents, {self.records} records, {self.facts} facts, "
                f"{len(self.errors)} errors")
        if self.scored:
            text += (f"; strict against gold ({self.scored} documents): P {self.strict.precision:.3f} "
                     f"R {self.strict.recall:.3f} F1 {self.strict.f1:.3f}")
        return text


@dataclass
class _Row:
    """One line of the index."""
    doc_id: str
    page: Optional[str] = None
    title: str = ""
    published: str = ""
    records: int = 0
    facts: int = 0
    error: str = ""
    counts: Optional[Counts] = None


def write_site(items: Iterable[Item], folder: Path, gold: dict[str, Document]) -> Summary:
    """index.html and doc/NAME.html under `folder`; each page is written as its document comes."""
    pages = folder / "doc"
    pages.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    figures, summary = BatchFigures(), Summary()
    rows: list[_Row] = []
    for item in items:
        if isinstance(item, Failed):
            rows.append(_Row(item.doc_id, error=str(item)))
            summary.errors.append(str(item))
            continue
        doc = item.doc
        row = _Row(doc.doc_id)
        rows.append(row)
        diff = diff_document(doc, gold[doc.doc_id]) if doc.doc_id in gold else None
        row.page = page_name(doc.doc_id, taken)
        (pages / row.page).write_text(document_page(doc, item.text, diff), encoding="utf-8")
        row.title, row.published = doc.meta.title or "", doc.meta.published or ""
        row.records, row.facts = len(doc.records), fact_count(doc)
        summary.add(doc)
        for record in doc.records:
            figures.add(record)
        if diff is not None:
            row.counts = diff.counts
            summary.scored += 1
            summary.strict.add(diff.counts)
    (folder / "index.html").write_text(index_page(rows, figures, summary), encoding="utf-8")
    return summary


def page_name(doc_id: str, taken: set[str]) -> str:
    """A file name any file system takes: the doc_id's safe characters, with a hash of the doc_id
    when any were left out (so "a/b" and "a:b" stay apart), numbered when the input repeats it."""
    stem = _UNSAFE_IN_NAME.sub("_", doc_id).strip("._")[:_NAME_LENGTH] or "document"
    if stem != doc_id:
        stem += "-" + hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:8]
    name, copy = stem, 1
    while name.lower() in taken:    # lower case: a file system that ignores case must not merge two
        copy += 1
        name = f"{stem}-{copy}"
    taken.add(name.lower())
    return name + ".html"


# ---- page parts ------------------------------------------------------------------------
@functools.cache
def _asset(name: str) -> str:
    return (resources.files(__package__) / "site" / name).read_text(encoding="utf-8")


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _page(title: str, content: str, script: str) -> str:
    """A whole page: its own style and script inline, and a policy that lets nothing else run or load."""
    css, js = _asset("review.css"), _asset(script)
    policy = (f"default-src 'none'; script-src {_hash(js)}; style-src {_hash(css)}; img-src data:; "
              "base-uri 'none'; form-action 'none'")
    return (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{content}\n<script>{js}</script>\n"
            "</body>\n</html>\n")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _legend(diff: Optional[DocumentDiff]) -> str:
    keys = [f'<li><mark class="m {label}">{label}</mark></li>' for label in LABELS]
    keys += ['<li><span class="ev lit">evidence</span></li>', '<li><span class="val lit">value</span></li>']
    if diff is not None:
        keys += ['<li><span class="val matched">matched</span></li>', '<li><span class="val spurious">spurious</span></li>',
                 '<li><span class="missed">missed gold evidence</span></li>']
    return f'<ul class="legend">{"".join(keys)}</ul>'


# ---- the article with its spans --------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """A stretch of the text to mark. `rank` orders spans with the same bounds, outer first."""
    start: int
    end: int
    rank: int
    open_tag: str
    close_tag: str


_EVIDENCE, _MISSED, _MENTION, _VALUE = range(4)


def marked_text(text: str, spans: Iterable[Span]) -> str:
    """The text as HTML with every span an element. Where two spans cross, the later one is closed
    and opened again, so a span is one element or several pieces with the same data-start/data-end."""
    waiting = sorted((s for s in spans if 0 <= s.start < s.end <= len(text)), key=lambda s: (s.start, -s.end, s.rank))
    bounds = sorted({0, len(text), *(s.start for s in waiting), *(s.end for s in waiting)})
    parts: list[str] = []
    opened: list[Span] = []
    active: list[Span] = []
    next_span = 0
    for start, end in zip(bounds, bounds[1:]):
        active = [s for s in active if s.end > start]
        while next_span < len(waiting) and waiting[next_span].start == start:
            active.append(waiting[next_span])     # starts later than all before it: the order holds
            next_span += 1
        kept = 0
        while kept < min(len(opened), len(active)) and opened[kept] is active[kept]:
            kept += 1
        parts += [s.close_tag for s in reversed(opened[kept:])] + [s.open_tag for s in active[kept:]]
        opened = list(active)
        parts.append(_text_html(text[start:end]))
    parts += [s.close_tag for s in reversed(opened)]
    return "".join(parts)


def _text_html(text: str) -> str:
    # A carriage return as a reference: the HTML parser would turn a raw "\r\n" into "\n", and the
    # page's text would no longer be the article's, character for character.
    return html.escape(text, quote=False).replace("\r", "&#13;")


def _bounds(kind: str, start: int, end: int) -> str:
    return f'class="{kind}" data-start="{start}" data-end="{end}"'


def _mention_span(mention: Mention) -> Span:
    value = mention.value
    if isinstance(value, dict):
        described = " · ".join(str(v) for v in value.values() if v)
    else:
        described = " ".join(filter(None, [mention.approx, _number(value) if value is not None else "", mention.noun]))
    tag = (f'<mark class="m {_e(mention.label)}" data-label="{_e(mention.label)}" data-start="{mention.start}" '
           f'data-end="{mention.end}" title="{_e(mention.label)}: {_e(described)}">')
    return Span(mention.start, mention.end, _MENTION, tag, "</mark>")


def _token(kind: str, span: tuple[int, int]) -> str:
    """How a clickable element names a span to light: kind:start:end."""
    return f"{kind}:{span[0]}:{span[1]}"


def _fact_status(diff: Optional[DocumentDiff]) -> dict[tuple[int, str], str]:
    """(id of the record, measure) → "matched" or "spurious", as the evaluator matched them."""
    if diff is None:
        return {}
    spurious = {(id(f.record), f.measure) for f in diff.spurious}
    return {(id(f.record), f.measure): "spurious" if (id(f.record), f.measure) in spurious else "matched"
            for f in diff.predicted}


def locate(text: str, sentences: Iterable[str]) -> dict[str, Optional[tuple[int, int]]]:
    """Where each gold evidence sentence first stands in the text, found as the Label Studio export
    places gold evidence (`align.evidence_spans` on the normalised text), or None."""
    norm = normalise(text)
    found: dict[str, Optional[tuple[int, int]]] = {}
    for sentence in sentences:
        spans = evidence_spans(norm.text, sentence)
        found[sentence] = norm.to_original(*spans[0]) if spans else None
    return found


# ---- a document's page -----------------------------------------------------------------
def document_page(doc: Document, text: str, diff: Optional[DocumentDiff]) -> str:
    status = _fact_status(diff)
    spans = [_mention_span(m) for m in doc.mentions]
    value_status: dict[tuple[int, int], set[str]] = {}
    for record in doc.records:
        evidence = record.evidence
        if isinstance(evidence, str):
            continue
        spans.append(Span(evidence.start, evidence.end, _EVIDENCE, f"<span {_bounds('ev', evidence.start, evidence.end)}>",
                          "</span>"))
        for measure, span in evidence.spans.items():
            value_status.setdefault(span, set()).add(status.get((id(record), measure), ""))
    for (start, end), marks in value_status.items():
        extra = " spurious" if "spurious" in marks else " matched" if "matched" in marks else ""
        spans.append(Span(start, end, _VALUE, f"<span {_bounds('val' + extra, start, end)}>", "</span>"))
    missed_facts = diff.missed if diff else []
    where = locate(text, {f.record.evidence for f in missed_facts if isinstance(f.record.evidence, str)})
    missed = [(f, where.get(f.record.evidence) if isinstance(f.record.evidence, str) else None) for f in missed_facts]
    for located in {span for _, span in missed if span}:
        spans.append(Span(*located, _MISSED, f"<span {_bounds('missed', *located)}>", "</span>"))
    title = doc.meta.title or doc.doc_id
    header = (f'<header><p><a href="../index.html">← all documents</a></p><h1>{_e(title)}</h1>'
              f'<p class="meta">{_meta_line(doc)}</p></header>')
    aside = _legend(diff) + (_gold_panel(diff, missed) if diff else "") + _records_table(doc.records, status)
    content = (f'{header}\n<main>\n<article id="text">{marked_text(text, spans)}</article>\n'
               f'<aside>{aside}</aside>\n</main>')
    return _page(f"{title} · review", content, "document.js")


def _meta_line(doc: Document) -> str:
    parts = [f"<code>{_e(doc.doc_id)}</code>"]
    if doc.meta.published:
        parts.append(_e(doc.meta.published))
    url = doc.meta.url or ""
    if url.startswith(("https://", "http://")):   # no javascript: or data: address becomes a link
        parts.append(f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a>')
    elif url:
        parts.append(_e(url))
    parts.append(f"{len(doc.records)} records, {fact_count(doc)} facts, {len(doc.mentions)} mentions")
    return " · ".join(parts)


def _spans_of(record: Record, measures: Iterable[str]) -> str:
    evidence = record.evidence
    if isinstance(evidence, str):
        return ""
    tokens = [_token("ev", (evidence.start, evidence.end))]
    tokens += [_token("val", evidence.spans[m]) for m in measures if m in evidence.spans]
    return f' data-spans="{" ".join(tokens)}"'


def _records_table(records: list[Record], status: dict[tuple[int, str], str]) -> str:
    rows = []
    for number, record in enumerate(records, 1):
        unit = record.unit
        kind = " · ".join(filter(None, [unit.kind, unit.level]))
        if record.type == "membership":
            when = f"as of {_e(record.as_of)}" if record.as_of else "as of ?"
        else:
            period = record.period
            bounds = f"{period.start or '?'} – {period.end or '?'}" if period else "?"
            when = _e(bounds) + (f"<small>{_e(period.text)}</small>" if period and period.text else "")
        values = [_value_button(record, measure, value, status.get((id(record), measure), ""))
                  for measure, value in record.measures().items()]
        rows.append(f'<tr class="record" tabindex="0"{_spans_of(record, record.measures())}><td>{number}</td>'
                    f'<td>{_e(unit.name)}<small>{_e(kind)}</small></td><td>{when}</td><td>{_e(record.group or "")}</td>'
                    f'<td>{"".join(values)}</td></tr>')
    return ('<h2>Records</h2><table id="records"><thead><tr><th>#</th><th>unit</th><th>period</th><th>group</th>'
            f'<th>measures</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _value_button(record: Record, measure: str, value: float, mark: str) -> str:
    """A measure of a record: its value with the hedge's sign (">886" for "hơn 886"), and its
    match against gold when there is gold."""
    hedge = record.approx.get(measure)
    shown = f"{_HEDGES[hedge]}{_number(value)}" if hedge else _number(value)
    tip = measure + (f" ({hedge})" if hedge else "") + (f": {mark}" if mark else "")
    return (f'<button class="v {mark}" type="button"{_spans_of(record, [measure])} title="{_e(tip)}">'
            f"{_e(measure)} <b>{_e(shown)}</b></button>")


def _gold_panel(diff: DocumentDiff, missed: list[tuple[Fact, Optional[tuple[int, int]]]]) -> str:
    counts = diff.counts
    items = []
    for fact, span in missed:
        if span:
            items.append(f'<li><button class="fact missed-fact" type="button" data-spans="{_token("missed", span)}">'
                         f"{_e(fact.describe())}</button></li>")
        else:
            items.append(f'<li class="unlocated">{_e(fact.describe())} <small>gold evidence not found in the text: '
                         f"{_e(str(fact.record.evidence)[:120])}</small></li>")
    spurious = [f'<li><button class="fact spurious-fact" type="button"{_spans_of(f.record, [f.measure])}>'
                f"{_e(f.describe())}</button></li>" for f in diff.spurious]
    return (f'<section id="gold"><h2>Against gold</h2><p class="scores">strict P {counts.precision:.3f} · '
            f"R {counts.recall:.3f} · F1 {counts.f1:.3f} — {counts.tp} matched, {counts.fn} missed, "
            f"{counts.fp} spurious</p>"
            f'{_listed("missed", "Missed gold facts", items)}{_listed("spurious", "Spurious predicted facts", spurious)}'
            "</section>")


def _listed(name: str, heading: str, items: list[str]) -> str:
    return (f'<details open><summary>{heading} ({len(items)})</summary><ol id="{name}">{"".join(items)}</ol></details>'
            if items else f'<p id="{name}" class="none">{heading}: none</p>')


# ---- the index -------------------------------------------------------------------------
_COLUMNS = [("document", "text"), ("title", "text"), ("date", "text"), ("records", "num"), ("facts", "num"),
            ("errors", "num")]
_GOLD_COLUMNS = [("P", "num"), ("R", "num"), ("F1", "num"), ("missed", "num"), ("spurious", "num")]


def _worst_first(row: _Row) -> tuple:
    """Failed documents first, then by strict F1 from the lowest, the most errors first; no gold last.
    Ties keep the input order (the sort is stable)."""
    if row.error:
        return (0, 0.0, 0)
    if row.counts is None:
        return (2, 0.0, 0)
    return (1, row.counts.f1, -(row.counts.fp + row.counts.fn))


def _cell(sort_key: object, shown: str, numeric: bool = False) -> str:
    return f'<td data-v="{_e(sort_key)}"{" class=num" if numeric else ""}>{shown}</td>'


def _index_row(row: _Row, gold: bool) -> str:
    link = f'<a href="doc/{_e(row.page)}">{_e(row.doc_id)}</a>' if row.page else _e(row.doc_id)
    cells = [_cell(row.doc_id, link), _cell(row.title, _e(row.title)), _cell(row.published, _e(row.published)),
             _cell(row.records, str(row.records), True), _cell(row.facts, str(row.facts), True),
             _cell(int(bool(row.error)), f"<span class=error>{_e(row.error)}</span>" if row.error else "0", True)]
    if gold:
        c = row.counts
        if c is None:
            cells += [_cell("", "", True)] * len(_GOLD_COLUMNS)
        else:
            cells += [_cell(f"{v:.4f}", f"{v:.3f}", True) for v in (c.precision, c.recall, c.f1)]
            cells += [_cell(c.fn, str(c.fn), True), _cell(c.fp, str(c.fp), True)]
    return f'<tr>{"".join(cells)}</tr>'


def index_page(rows: list[_Row], figures: BatchFigures, summary: Summary) -> str:
    gold = summary.scored > 0
    columns = _COLUMNS + (_GOLD_COLUMNS if gold else [])
    heads = "".join(f'<th data-type="{kind}"{" aria-sort=ascending" if gold and name == "F1" else ""}>'
                    f'<button type="button">{name}</button></th>' for name, kind in columns)
    body_rows = "".join(_index_row(row, gold) for row in sorted(rows, key=_worst_first))
    pictures = "".join(f'<figure><img src="{uri}" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption></figure>'
                       for caption, uri in figures.pictures())
    order = "worst first: failed documents, then the lowest strict F1" if gold else "failed documents first"
    content = (f'<header><h1>Review of {len(rows)} documents</h1><p class="summary">{_e(summary.line())}</p></header>\n'
               f'<section class="pictures">{pictures}</section>\n'
               f'<p class="hint">Sorted {order}; click a header to sort by it.</p>\n'
               f'<table id="documents"><thead><tr>{heads}</tr></thead>\n<tbody>{body_rows}</tbody></table>')
    return _page("Review of the batch", content, "index.js")
