"""The stages put together: text → normalised text → metadata → sentences → mentions → records
→ a validated `Document` whose offsets point into the original text."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator, NamedTuple, Optional

import regex

from . import gazetteer
from .candidates import CandidateFinder, Slot
from .learned import Decisions
from .mentions import Found, MentionFinder, SentenceMentions
from .metadata import Metadata, read_metadata
from .normalize import Normalised, normalise
from .records import Draft, RecordBuilder
from .rules import Rules
from .schema import DateSource, Document, Evidence, Mention, Meta, Period, Record, Unit
from .segment import Segmenter, Sentence

STAGES = ("normalise", "metadata", "sentences", "mentions", "candidates", "records", "validate")
_DATELINE_CODE = regex.compile(r"^\s*\(?(?P<code>[\p{Lu}][\p{Lu}\p{Ll}]{1,5})\)?\s*[-–:]?\s")


class StageError(Exception):
    """An article that failed, with the stage it failed in."""

    def __init__(self, stage: str, error: Exception):
        super().__init__(f"{type(error).__name__}: {error}")
        self.stage = stage


class Read(NamedTuple):
    norm: Normalised
    meta: Metadata
    article: list[SentenceMentions]
    slots: list[Slot]


class Pipeline:
    """Loads the rules once; `extract` is then cheap to call for many articles. `seconds`
    adds up the time spent in each stage, for the benchmark."""

    def __init__(self, rules: Optional[Rules] = None, decisions: Optional[Decisions] = None):
        self.rules = rules or Rules.load()
        self.segmenter = Segmenter(self.rules)
        self.finder = MentionFinder(self.rules)
        self.candidates = CandidateFinder(self.rules)
        self.builder = RecordBuilder(self.rules, decisions or Decisions.load())
        self.seconds = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except Exception as error:
            raise StageError(name, error) from error
        finally:
            self.seconds[name] += time.perf_counter() - started

    def read(self, text: str, published: Optional[str] = None, published_from: DateSource = "input") -> Read:
        """The stages up to the value slots: what the learned decisions weigh (and train on).
        `published_from` says where a given `published` came from."""
        with self._stage("normalise"):
            norm = normalise(text)
        with self._stage("metadata"):
            meta = read_metadata(norm.text, self.rules, published=published, published_from=published_from)
        with self._stage("sentences"):
            body = self.segmenter.sentences(norm.text, *meta.body)
            title_sentence = None
            if meta.title_span and meta.title_span[1] <= meta.body[0]:
                title_sentence = Sentence(*meta.title_span, norm.text[meta.title_span[0]:meta.title_span[1]])
                body = [title_sentence] + body
        with self._stage("mentions"):
            article = self.finder.in_article(norm.text, body, meta.anchor)
        with self._stage("candidates"):
            slots = self.candidates.slots(norm.text, article, title_sentence, self._province(norm.text, meta.body[0], article))
        return Read(norm, meta, article, slots)

    def extract(self, text: str, doc_id: str, published: Optional[str] = None, title: Optional[str] = None,
                url: Optional[str] = None, published_from: DateSource = "input") -> Document:
        return self.document(self.read(text, published, published_from), text, doc_id, title=title, url=url)

    def document(self, read: Read, text: str, doc_id: str, title: Optional[str] = None,
                 url: Optional[str] = None) -> Document:
        """Records from the value slots of a read article: the learned decisions, then validation."""
        norm, meta, article, slots = read
        with self._stage("records"):
            drafts = self.builder.build(slots, meta.anchor)
        with self._stage("validate"):
            return Document(
                doc_id=doc_id,
                meta=Meta(title=title or (text[slice(*norm.to_original(*meta.title_span))] if meta.title_span else None),
                          published=meta.published, author=meta.author, source=meta.source, url=url,
                          date_source=meta.date_source),
                records=[self._record(d, norm) for d in drafts],
                mentions=[m for sm in article for f in sm.found if (m := self._mention(f, norm, text)) is not None])

    def placeable(self, text: str, published: Optional[str] = None) -> list[Mention]:
        """Every mention the rules find and every number, a bare one too ("kết nạp được 4"): where
        the parts of records that come without offsets (gold) can be placed on the text."""
        norm, _, article, slots = self.read(text, published)
        found = [f for sentence in article for f in sentence.found] + [slot.value for slot in slots]
        return [m for f in found if (m := self._mention(f, norm, text)) is not None]

    def _province(self, text: str, body_start: int, article: list[SentenceMentions]) -> Optional[str]:
        """The article's province: its dateline code ("(QBĐT) -"), else where its places lie."""
        match = _DATELINE_CODE.match(text[body_start:body_start + 40])
        if match and (province := self.finder.datelines.get(match["code"])):
            return province
        return gazetteer.province_from_places([(p.level, p.rest) for m in article for p in m.places if p.level])

    @staticmethod
    def _record(draft: Draft, norm: Normalised) -> Record:
        start, end = norm.to_original(*draft.evidence)
        spans = {m: norm.to_original(*span) for m, span in draft.spans.items()}
        unit = Unit(name=draft.unit.name, kind=draft.unit.kind, level=draft.unit.level)
        period = Period(start=draft.period[0], end=draft.period[1], text=draft.period_text) \
            if draft.type == "admission" else None
        return Record(type=draft.type, unit=unit, period=period, as_of=draft.as_of, group=draft.group,
                      approx=draft.approx, evidence=Evidence(start=start, end=end, spans=spans),
                      **draft.measures)

    @staticmethod
    def _mention(found: Found, norm: Normalised, text: str) -> Optional[Mention]:
        start, end = norm.to_original(found.start, found.end)
        if found.label in ("COUNT", "PERCENT"):
            value: object = found.value
        elif found.label == "DATE":
            value = {"start": found.bounds[0], "end": found.bounds[1]}
        elif found.label == "UNIT":
            value = {"name": found.name, "kind": found.kind, "level": found.level}
        else:
            return None
        return Mention(label=found.label, text=text[start:end], start=start, end=end, value=value,
                       approx=found.approx, noun=found.noun)


_default: Optional[Pipeline] = None


def extract(text: str, doc_id: str = "doc", published: Optional[str] = None, **meta: Optional[str]) -> Document:
    """Extract with a pipeline built on first use."""
    global _default
    if _default is None:
        _default = Pipeline()
    return _default.extract(text, doc_id, published=published, **meta)
