"""Training the decisions from gold, and the honest number: cross-validation by website.

`python -m extractor train` fits the three models on the team corpus and, when present, the
real articles of ../shared/dev, and writes them into the package. `evaluate --cv K` trains on
K-1 folds of the real articles (plus the team corpus) and scores the held-out fold; folds
group articles by website, so no site is both trained and scored on.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

from .align import Label, align
from .candidates import Carried, Slot, carried_from, with_carried
from .evaluate import load_documents, period_key, unit_matches, widened
from .features import measure_features, period_features, unit_features
from .learned import Decisions, LinearModel
from .mentions import Found
from .pipeline import Pipeline, Read
from .records import RecordBuilder, period_bounds
from .schema import Document, Record, Unit


@dataclass
class Example:
    """One article read up to its slots, with the gold labels of its slots."""
    doc_id: str
    text: str
    read: Read
    labels: list[Label]
    gold: Document
    site: str


def load_examples(pipeline: Pipeline, corpus: Path, gold_dir: Path, sites: Optional[dict[str, str]] = None
                  ) -> tuple[list[Example], int, int]:
    """Examples of every article with gold (those `corpus/training.ids` lists, when there is one);
    and how many gold facts aligned to a value, of how many."""
    gold, errors = load_documents([gold_dir], corpus)
    if errors:
        raise ValueError("; ".join(errors))
    chosen = corpus / "training.ids"
    if chosen.exists():
        listed = {line.strip() for line in chosen.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")}
        gold = {doc_id: doc for doc_id, doc in gold.items() if doc_id in listed}
    examples, aligned, total = [], 0, 0
    for doc_id, doc in sorted(gold.items()):
        path = corpus / f"{doc_id}.txt"
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        read = pipeline.read(text)
        labels, found = align(read.norm.text, read.slots, doc)
        aligned, total = aligned + found, total + sum(len(r.measures()) for r in doc.records)
        examples.append(Example(doc_id, text, read, labels, doc, (sites or {}).get(doc_id, doc_id)))
    return examples, aligned, total


def sites_of(urls: Path) -> dict[str, str]:
    """doc_id → website (host without "www."), from a urls.tsv of doc_id and url."""
    sites = {}
    for line in urls.read_text(encoding="utf-8").splitlines()[1:]:
        doc_id, _, url = line.partition("\t")
        host = urlparse(url.strip()).netloc.lower()
        sites[doc_id] = host[4:] if host.startswith("www.") else host or doc_id
    return sites


# The inverse regularisation strength of each model (measure, unit, period), chosen by
# cross-validation by site: measure 0.5/1/2/4/8 gave 0.687/0.689/0.694/0.694/0.693 strict.
STRENGTHS = (2.0, 0.1, 0.1)


def fit(examples: list[Example], c: tuple[float, float, float] = STRENGTHS) -> Decisions:
    """The three models; `c`: the inverse regularisation strength of each (measure, unit, period)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    measure_x, measure_y, unit_x, unit_y, period_x, period_y = [], [], [], [], [], []
    for example in examples:
        last: Optional[Record] = None   # the gold records of the last fact and last total: what prediction carries
        total: Optional[Record] = None
        for slot, label in zip(example.read.slots, example.labels):
            if label.measure is None:
                continue
            measure_x.append(measure_features(slot))
            measure_y.append(label.measure)
            if label.record is None or "title" in slot.flags:
                continue
            _rank_examples(slot, label, carried_from(
                (Found("UNIT", 0, 0, name=last.unit.name), _period(last)) if last else None,
                _period(total) if total else None), unit_x, unit_y, period_x, period_y)
            last = label.record
            if label.measure == "admitted" and label.record.group is None:
                total = label.record

    def model(x: list[dict], y: list, c: float) -> LinearModel:
        vectorizer = DictVectorizer()
        estimator = LogisticRegression(C=c, max_iter=3000)
        estimator.fit(vectorizer.fit_transform(x), y)
        return LinearModel.from_sklearn(vectorizer, estimator)

    return Decisions(model(measure_x, measure_y, c[0]), model(unit_x, unit_y, c[1]), model(period_x, period_y, c[2]))


def _period(record: Record) -> Optional[tuple[Optional[str], Optional[str]]]:
    return (record.period.start, record.period.end) if record.type == "admission" and record.period else None


def _rank_examples(slot: Slot, label: Label, carried: list[Carried], unit_x: list, unit_y: list,
                   period_x: list, period_y: list) -> None:
    measure, record = label.measure, label.record
    unit_options, period_options = with_carried(slot, carried)
    units = [unit_matches(Unit(name=o.unit.name), record.unit) for o in unit_options]
    if any(units):
        unit_x += [unit_features(o, measure) for o in unit_options]
        unit_y += units
    if record.type != "admission":
        return
    gold = period_key(record)
    periods = [widened(*period_bounds(slot, measure, o)) == gold for o in period_options]
    if any(periods):
        period_x += [period_features(o, measure) for o in period_options]
        period_y += periods


def predict(pipeline: Pipeline, decisions: Decisions, examples: list[Example]) -> dict[str, Document]:
    pipeline.builder = RecordBuilder(pipeline.rules, decisions)
    return {e.doc_id: pipeline.document(e.read, e.text, e.doc_id) for e in examples}


def folds(examples: list[Example], k: int) -> list[list[Example]]:
    """K folds with no website in two of them, balanced by article count (largest site first)."""
    by_site: dict[str, list[Example]] = {}
    for example in examples:
        by_site.setdefault(example.site, []).append(example)
    buckets: list[list[Example]] = [[] for _ in range(k)]
    for site in sorted(by_site, key=lambda s: (-len(by_site[s]), s)):
        min(buckets, key=len).extend(by_site[site])
    return buckets


def cross_validate(pipeline: Pipeline, examples: list[Example], extra: list[Example], k: int,
                   c: tuple[float, float, float] = STRENGTHS) -> tuple[dict[str, Document], list[list[str]]]:
    """Out-of-fold predictions for every example (trained on the other folds and `extra`), and
    the doc_ids of each fold."""
    predictions: dict[str, Document] = {}
    buckets = folds(examples, k)
    # the seed articles are in the team corpus and in the dev set: never train on a scored one
    scored = {e.doc_id for e in examples}
    extra = [e for e in extra if e.doc_id not in scored]
    for held_out in buckets:
        training = [e for bucket in buckets if bucket is not held_out for e in bucket] + extra
        predictions.update(predict(pipeline, fit(training, c), held_out))
    return predictions, [[e.doc_id for e in bucket] for bucket in buckets]


Source = tuple[Path, Path, Optional[Path]]   # articles, their gold, and their urls.tsv


def default_sources(dev: Optional[Path]) -> tuple[list[Source], Optional[Source]]:
    """(team corpus and its gold), and the real articles of the dev set when it is there."""
    root = Path(__file__).resolve().parent.parent
    team = (root / "corpus", root / "gold", None)
    if dev is not None and (dev / "corpus").is_dir():
        return [team], (dev / "corpus", dev / "gold", dev / "urls.tsv")
    return [team], None


def examples_of(pipeline: Pipeline, source: Source) -> tuple[list[Example], int, int]:
    corpus, gold, urls = source
    return load_examples(pipeline, corpus, gold, sites_of(urls) if urls and urls.exists() else None)
