"""Scoring predictions against gold, exactly as RECORDS.md section 5 says."""
from __future__ import annotations

import calendar
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from pydantic import ValidationError

from .normalize import fold
from .schema import MEASURES, PERCENT_MEASURES, Document, Record, Unit

# Abbreviations of level words, folded ("TX" → "thi xa").
_ABBREVIATIONS = {"tx": "thi xa", "tp": "thanh pho", "h": "huyen", "tt": "thi tran", "q": "quan"}
# Organ words, folded, with the level some of them imply ("Huyện ủy X" = "Đảng bộ huyện X").
_ORGANS = [("ban thuong vu", None), ("ban chap hanh", None), ("dang bo", None), ("dang uy", None),
           ("chi bo", None), ("chi uy", None), ("huyen uy", "huyen"), ("tinh uy", "tinh"),
           ("thanh uy", "thanh pho"), ("thi uy", "thi xa"), ("quan uy", "quan")]
_LEVELS = ["thanh pho", "thi xa", "thi tran", "tinh", "huyen", "quan", "xa", "phuong"]


class GoldError(ValueError):
    """A gold or prediction file that breaks the spec; the message names file, document, field."""


@dataclass(frozen=True)
class UnitKey:
    level: Optional[str]
    rest: str

    def matches(self, other: "UnitKey") -> bool:
        if self.rest != other.rest:
            return False
        if not self.rest or (self.level and other.level):
            return self.level == other.level
        return True


def unit_key(name: str) -> UnitKey:
    words = [_ABBREVIATIONS.get(w, w) for w in fold(name).split()]
    text = " ".join(words)
    text = text[len("toan "):] if text.startswith("toan ") else text
    level = None
    for organ, implied in _ORGANS:
        if text == organ or text.startswith(organ + " "):
            text, level = text[len(organ):].strip(), implied
            break
    if level is None:
        for word in _LEVELS:
            if text == word or text.startswith(word + " "):
                text, level = text[len(word):].strip(), word
                break
    return UnitKey(level, text)


def unit_matches(predicted: Unit, gold: Unit) -> bool:
    predicted_key = unit_key(predicted.name)
    return any(predicted_key.matches(unit_key(n)) for n in [gold.name, *gold.aliases])


def _widen(value: Optional[str], end: bool) -> Optional[str]:
    if value is None:
        return None
    parts = value.split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    day = int(parts[2]) if len(parts) > 2 else (calendar.monthrange(year, month)[1] if end else 1)
    return f"{year:04d}-{month:02d}-{day:02d}"


def widened(start: Optional[str], end: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """A period's bounds as days: "2023" as a start is 2023-01-01, as an end 2023-12-31."""
    return _widen(start, False), _widen(end, True)


def period_key(record: Record) -> Optional[tuple[Optional[str], Optional[str]]]:
    if record.type == "membership":
        return None
    period = record.period
    return widened(period.start, period.end) if period else (None, None)


def group_matches(a: Optional[str], b: Optional[str]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    fa, fb = f" {fold(a)} ", f" {fold(b)} "
    return fa in fb or fb in fa


@dataclass(frozen=True)
class Fact:
    doc_id: str
    record: Record
    measure: str
    value: float

    def describe(self) -> str:
        r = self.record
        period = "" if r.type == "membership" else f" [{period_key(r)[0]}..{period_key(r)[1]}]"
        group = f" group={r.group!r}" if r.group else ""
        return f"{self.measure}={self.value:g} | {r.unit.name}{period}{group}"


def facts_of(doc: Document) -> list[Fact]:
    return [Fact(doc.doc_id, r, m, v) for r in doc.records for m, v in r.measures().items()]


def fact_matches(pred: Fact, gold: Fact, lenient: bool) -> bool:
    if pred.measure != gold.measure:
        return False
    tolerance = 0.05 + 1e-9 if gold.measure in PERCENT_MEASURES else 0
    if abs(pred.value - gold.value) > tolerance or not unit_matches(pred.record.unit, gold.record.unit):
        return False
    return lenient or (period_key(pred.record) == period_key(gold.record)
                       and group_matches(pred.record.group, gold.record.group))


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def match_facts(pred: list[Fact], gold: list[Fact], lenient: bool) -> tuple[list[Fact], list[Fact]]:
    """Each gold fact takes at most one predicted fact; returns (missed gold, spurious predictions)."""
    free = list(pred)
    missed = []
    for g in gold:
        hit = next((p for p in free if fact_matches(p, g, lenient)), None)
        if hit is None:
            missed.append(g)
        else:
            free.remove(hit)
    return missed, free


@dataclass
class DocumentDiff:
    """One document's facts matched: the gold facts missed and the predicted facts spurious."""
    predicted: list[Fact]
    gold: list[Fact]
    missed: list[Fact]
    spurious: list[Fact]

    @property
    def counts(self) -> Counts:
        return Counts(len(self.gold) - len(self.missed), len(self.spurious), len(self.missed))


def diff_document(pred: Document, gold: Document, lenient: bool = False) -> DocumentDiff:
    pred_facts, gold_facts = facts_of(pred), facts_of(gold)
    return DocumentDiff(pred_facts, gold_facts, *match_facts(pred_facts, gold_facts, lenient))


def _record_keys(doc: Document) -> list[Record]:
    keys: list[Record] = []
    for r in doc.records:
        if not any(_same_key(r, k) for k in keys):
            keys.append(r)
    return keys


def _same_key(a: Record, b: Record) -> bool:
    return (a.type == b.type and unit_matches(a.unit, b.unit) and period_key(a) == period_key(b)
            and group_matches(a.group, b.group))


@dataclass
class Report:
    strict: Counts = field(default_factory=Counts)
    lenient: Counts = field(default_factory=Counts)
    per_measure: dict[str, Counts] = field(default_factory=lambda: {m: Counts() for m in MEASURES})
    per_document: dict[str, Counts] = field(default_factory=dict)
    record_keys: Counts = field(default_factory=Counts)
    mentions_exact: Counts = field(default_factory=Counts)
    mentions_overlap: Counts = field(default_factory=Counts)
    mention_docs: int = 0
    missed: dict[str, list[str]] = field(default_factory=dict)
    spurious: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "strict": self.strict.as_dict(), "lenient": self.lenient.as_dict(),
            "per_measure": {m: c.as_dict() for m, c in self.per_measure.items()},
            "per_document": {d: c.as_dict() for d, c in self.per_document.items()},
            "record_keys": self.record_keys.as_dict(),
            "mentions": {"documents": self.mention_docs, "exact": self.mentions_exact.as_dict(),
                         "overlap": self.mentions_overlap.as_dict()},
            "missed": self.missed, "spurious": self.spurious,
        }


def _score_mentions(pred: Document, gold: Document, report: Report) -> None:
    report.mention_docs += 1
    for counts, same in ((report.mentions_exact, lambda p, g: (p.start, p.end) == (g.start, g.end)),
                         (report.mentions_overlap, lambda p, g: p.start < g.end and g.start < p.end)):
        free = list(pred.mentions)
        for g in gold.mentions:
            hit = next((p for p in free if p.label == g.label and same(p, g)), None)
            if hit is None:
                counts.fn += 1
            else:
                free.remove(hit)
                counts.tp += 1
        counts.fp += len(free)


def score(predictions: dict[str, Document], gold: dict[str, Document]) -> Report:
    """Score every gold document; a gold document without a prediction counts as all missed."""
    report = Report()
    for doc_id, gold_doc in sorted(gold.items()):
        pred_doc = predictions.get(doc_id, Document(doc_id=doc_id))
        strict = diff_document(pred_doc, gold_doc)
        missed, spurious = strict.missed, strict.spurious
        report.strict.add(strict.counts)
        report.per_document[doc_id] = strict.counts
        for measure, counts in report.per_measure.items():
            counts.add(Counts(sum(f.measure == measure for f in strict.gold if f not in missed),
                              sum(f.measure == measure for f in spurious),
                              sum(f.measure == measure for f in missed)))
        report.lenient.add(diff_document(pred_doc, gold_doc, lenient=True).counts)
        gold_keys, pred_keys = _record_keys(gold_doc), _record_keys(pred_doc)
        hits = sum(any(_same_key(p, g) for p in pred_keys) for g in gold_keys)
        report.record_keys.add(Counts(hits, len(pred_keys) - hits, len(gold_keys) - hits))
        if gold_doc.mentions:
            _score_mentions(pred_doc, gold_doc, report)
        if missed:
            report.missed[doc_id] = [f.describe() for f in missed]
        if spurious:
            report.spurious[doc_id] = [f.describe() for f in spurious]
    return report


def format_report(report: Report) -> str:
    def row(name: str, c: Counts) -> str:
        return f"{name:<28}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.tp:>6}{c.fp:>6}{c.fn:>6}"

    header = f"{'':<28}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"
    lines = ["Missed and spurious facts per document:"]
    for doc_id in sorted(set(report.missed) | set(report.spurious)):
        lines.append(f"  {doc_id}")
        lines += [f"    - missed   {d}" for d in report.missed.get(doc_id, [])]
        lines += [f"    + spurious {d}" for d in report.spurious.get(doc_id, [])]
    lines += ["", "Per document:", header]
    lines += [row(d, c) for d, c in report.per_document.items()]
    lines += ["", "Per measure (strict):", header]
    lines += [row(m, c) for m, c in report.per_measure.items()]
    if report.mention_docs:
        lines += ["", f"Mentions ({report.mention_docs} documents with gold mentions):", header,
                  row("mentions exact", report.mentions_exact), row("mentions overlap", report.mentions_overlap)]
    lines += ["", header, row("record keys", report.record_keys),
              row("facts lenient", report.lenient), row("facts strict", report.strict)]
    return "\n".join(lines)


# ---- reading gold and prediction files -------------------------------------------------

def _fold_space(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_document(path: Path, where: str, raw: object) -> Document:
    """A document of a gold or prediction file; GoldError names the file, line, document and field."""
    doc_id = raw.get("doc_id", "?") if isinstance(raw, dict) else "?"
    try:
        return Document.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field_path = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise GoldError(f"{path}{where}: document {doc_id!r}: field {field_path}: {first['msg']}") from None


def read_documents(path: Path) -> Iterator[Union[Document, GoldError]]:
    """Documents of one .json file (one document) or .jsonl file (one per line); a line that
    breaks the spec is its own error and the lines after it are still read."""
    try:
        content = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        yield GoldError(f"{path}: cannot read: {error}")
        return
    if path.suffix == ".jsonl":
        chunks = [(f":{n}", line) for n, line in enumerate(content.splitlines(), 1) if line.strip()]
    else:
        chunks = [("", content)]
    for where, chunk in chunks:
        try:
            yield parse_document(path, where, json.loads(chunk))
        except json.JSONDecodeError as error:
            yield GoldError(f"{path}{where}: bad JSON: {error}")
        except RecursionError:
            yield GoldError(f"{path}{where}: JSON nested too deep")
        except GoldError as error:
            yield error


def check_evidence(doc: Document, text: str, where: Union[Path, str]) -> None:
    """Gold evidence must occur in the article; prediction offsets must lie inside it. `where` (the
    file, or FILE:LINE) names the document in the error."""
    folded = _fold_space(text)
    for n, record in enumerate(doc.records):
        evidence = record.evidence
        if isinstance(evidence, str):
            if _fold_space(evidence) not in folded:
                raise GoldError(f"{where}: document {doc.doc_id!r}: field records.{n}.evidence: "
                                f"not found in the article: {evidence[:60]!r}")
        elif evidence.end > len(text):
            raise GoldError(f"{where}: document {doc.doc_id!r}: field records.{n}.evidence.end: "
                            f"beyond the article's {len(text)} characters")


def load_documents(paths: Iterable[Path], corpus: Optional[Path] = None) -> tuple[dict[str, Document], list[str]]:
    """All documents under the given files or folders, and the errors of the documents that broke
    the spec (each named by file and line); a doc_id seen twice keeps its first document."""
    documents: dict[str, Document] = {}
    where: dict[str, str] = {}
    errors: list[str] = []
    files = [f for p in paths for f in (sorted(p.glob("*.json*")) if p.is_dir() else [p])]
    for file in files:
        if not file.exists():
            errors.append(f"{file}: no such file or folder")
            continue
        for doc in read_documents(file):
            if isinstance(doc, GoldError):
                errors.append(str(doc))
                continue
            if doc.doc_id in documents:
                errors.append(f"{file}: document {doc.doc_id!r} again (first in {where[doc.doc_id]}); the first is kept")
                continue
            try:
                if corpus is not None and (corpus / f"{doc.doc_id}.txt").exists():
                    check_evidence(doc, (corpus / f"{doc.doc_id}.txt").read_text(encoding="utf-8"), file)
            except GoldError as error:
                errors.append(str(error))
                continue
            documents[doc.doc_id] = doc
            where[doc.doc_id] = str(file)
    return documents, errors
