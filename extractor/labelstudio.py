"""Label Studio out and back in: documents as labelling tasks whose regions carry the mentions and
records (the pipeline's as `predictions`, gold's as `annotations`), the labelling config that
matches them, and a Label Studio export back to gold files (RECORDS.md section 4).

How a record lies on the text (the README's "Datasets out and back in" shows it):
- regions (control `label`): UNIT, DATE, COUNT, PERCENT are the mentions; GROUP and EVIDENCE are
  the parts of records that no mention holds;
- a COUNT or PERCENT region with a `measure` choice is a fact: its `value` text area holds the
  number ("vượt 62%" is 162), its `approx` choice the hedge;
- the fact's relations lead to its UNIT region (`value`: the unit's full name, `aliases`: other
  names), its DATE region (`value`: the period as START/END, ".." for a bound not known, or the
  date a membership count holds on), its GROUP region (`value`: the group as written in gold) and
  its EVIDENCE region (the sentence); a relation is read by the label of the region it reaches;
- the record type follows from the measure (`members`: membership); the facts that share unit,
  period, group and evidence make one record;
- a region made only to hold a part of a record, where the source has no mention, is marked
  `mention` = "not a mention", so that it does not come back as a mention.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Union, get_args

import regex

from .align import evidence_spans
from .evaluate import GoldError, check_evidence, parse_document, unit_matches
from .normalize import normalise
from .schema import MEASURES, PERCENT_MEASURES, Approx, Document, Mention, Record, Unit

Span = tuple[int, int]
LABELS = {"UNIT": "#4e79a7", "DATE": "#f28e2b", "COUNT": "#59a14f", "PERCENT": "#e15759",
          "GROUP": "#b07aa1", "EVIDENCE": "#d4d4d4"}
MENTION_LABELS = get_args(Mention.model_fields["label"].annotation)
PART_OF = {"UNIT": "unit", "DATE": "period", "GROUP": "group", "EVIDENCE": "evidence"}   # a fact's relation to such a region
APPROX = get_args(Approx)
NOT_A_MENTION = "not a mention"
OPEN = ".."       # a period bound that is not known
TEXT, LABEL, MEASURE, HEDGE, VALUE, ALIASES, ATTRIBUTES, MENTION = (
    "text", "label", "measure", "approx", "value", "aliases", "attributes", "mention")
ATTRIBUTE_KEYS = {"UNIT": ("kind", "level"), "COUNT": ("noun",)}   # a mention's attributes, "key: value" a line
CHOICES = {MEASURE: MEASURES, HEDGE: APPROX, MENTION: (NOT_A_MENTION,)}


def config() -> str:
    """The labelling config the tasks are made for: import it with them."""
    view = ET.Element("View")
    ET.SubElement(view, "Style").text = ".htx-text { white-space: pre-wrap; }"   # offsets count every space
    ET.SubElement(view, "Header", value="$title")
    labels = ET.SubElement(view, "Labels", name=LABEL, toName=TEXT)
    for label, colour in LABELS.items():
        ET.SubElement(labels, "Label", value=label, background=colour)
    ET.SubElement(view, "Text", name=TEXT, value="$text")
    relations = ET.SubElement(view, "Relations")
    for part in PART_OF.values():
        ET.SubElement(relations, "Relation", value=part)
    region = ET.SubElement(view, "View", visibleWhen="region-selected")
    for name, header in ((MEASURE, "Measure: a COUNT or PERCENT with one is a fact"), (HEDGE, "Hedge")):
        ET.SubElement(region, "Header", value=header)
        choices = ET.SubElement(region, "Choices", name=name, toName=TEXT, perRegion="true", showInline="true")
        for value in CHOICES[name]:
            ET.SubElement(choices, "Choice", value=value)
    ET.SubElement(region, "Header", value="Value: the number, START/END of a period, the unit's full name, the group")
    ET.SubElement(region, "TextArea", name=VALUE, toName=TEXT, perRegion="true", editable="true", maxSubmissions="1")
    ET.SubElement(region, "Header", value="Other names of the unit")
    ET.SubElement(region, "TextArea", name=ALIASES, toName=TEXT, perRegion="true", editable="true")
    ET.SubElement(region, "Header", value="Mention attributes: kind: …, level: … of a UNIT; noun: … of a COUNT")
    ET.SubElement(region, "TextArea", name=ATTRIBUTES, toName=TEXT, perRegion="true", editable="true")
    choices = ET.SubElement(region, "Choices", name=MENTION, toName=TEXT, perRegion="true", showInline="true")
    ET.SubElement(choices, "Choice", value=NOT_A_MENTION)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


# ---- out: documents to tasks ----------------------------------------------------------------
@dataclass
class Region:
    id: str
    label: str
    start: int
    end: int
    value: Optional[str] = None
    aliases: Optional[tuple[str, ...]] = None
    attributes: tuple[str, ...] = ()
    approx: Optional[str] = None
    measure: Optional[str] = None
    mention: bool = True


def _agrees(region: Region, parts: dict) -> bool:
    """Whether a part may share the region: a mention's value and names may be filled in (they are
    notes), but a hedge must be the same, and a region that holds a fact holds no other."""
    if parts.get("measure") and region.measure or "approx" in parts and parts["approx"] != region.approx:
        return False
    return all(getattr(region, key) in (None, parts[key]) for key in ("value", "aliases") if parts.get(key) is not None)


class _Regions:
    """The regions of one task. A region is shared by every part that agrees with it, so a mention
    that is a fact's value or unit is one region; a region holds one fact at most."""

    def __init__(self, text: str):
        self.text = text
        self.regions: list[Region] = []
        self.relations: list[tuple[str, str, str]] = []   # (from id, to id, label)
        self._at: dict[tuple[str, int, int], list[Region]] = {}

    def add(self, label: str, span: Span, mention: bool = False, **parts: Optional[object]) -> Region:
        for region in self._at.get((label, *span), []):
            if _agrees(region, parts):
                for key, value in parts.items():
                    if value is not None:
                        setattr(region, key, value)
                return region
        region = Region(f"r{len(self.regions) + 1}", label, *span, mention=mention, **parts)
        self.regions.append(region)
        self._at.setdefault((label, *span), []).append(region)
        return region

    def has_fact(self, label: str, span: Span) -> bool:
        return any(r.measure for r in self._at.get((label, *span), []))

    def relate(self, fact: Region, part: Region) -> None:
        self.relations.append((fact.id, part.id, PART_OF[part.label]))

    def results(self) -> list[dict]:
        out = []
        for region in self.regions:
            where = {"start": region.start, "end": region.end}
            said = {**where, "text": self.text[region.start:region.end]}
            out.append(_result(region.id, LABEL, "labels", {**said, "labels": [region.label]}))
            for name, content in ((VALUE, region.value and [region.value]), (ALIASES, region.aliases and list(region.aliases)),
                                  (ATTRIBUTES, list(region.attributes))):
                if content:
                    out.append(_result(region.id, name, "textarea", {**where, "text": content}))
            for name, choice in ((MEASURE, region.measure), (HEDGE, region.approx),
                                 (MENTION, None if region.mention or region.label not in MENTION_LABELS else NOT_A_MENTION)):
                if choice:
                    out.append(_result(region.id, name, "choices", {**said, "choices": [choice]}))
        out += [{"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]}
                for a, b, label in self.relations]
        return out


def _result(region_id: str, control: str, kind: str, value: dict) -> dict:
    return {"id": region_id, "from_name": control, "to_name": TEXT, "type": kind, "value": value}


def task(doc: Document, text: str, finder_mentions: list[Mention], as_annotation: bool = False) -> dict:
    """A Label Studio task for one document: its mentions and records as regions, in `predictions`
    (the pipeline's output, to correct) or `annotations` (gold). `finder_mentions` are mentions that
    only help to place the parts of records (the pipeline's, for gold without mentions)."""
    regions = _Regions(text)
    for mention in doc.mentions:
        regions.add(mention.label, (mention.start, mention.end), mention=True, value=_mention_value(mention),
                    attributes=_attributes(mention), approx=mention.approx)
    places = _Places(text, [*doc.mentions, *finder_mentions])
    for n, record in enumerate(doc.records):
        evidence = places.evidence(record, f"document {doc.doc_id!r}: records.{n}.evidence")
        for measure, value in record.measures().items():
            fact = places.fact(regions, record, measure, value, evidence)
            for part in places.parts(regions, record, fact, evidence):
                regions.relate(fact, part)
    meta = doc.meta
    data = {"text": text, "doc_id": doc.doc_id, "published": meta.published, "title": meta.title or "",
            "author": meta.author, "source": meta.source, "url": meta.url, "notes": doc.notes}
    result = {"result": regions.results()}
    return {"data": data, **({"annotations": [result]} if as_annotation else
                             {"predictions": [{"model_version": "extractor", **result}]})}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _period_text(start: Optional[str], end: Optional[str]) -> str:
    return f"{start or OPEN}/{end or OPEN}" if start != end or start is None else start


def _mention_value(mention: Mention) -> Optional[str]:
    value = mention.value
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, dict) and mention.label == "DATE":
        return _period_text(value.get("start"), value.get("end"))
    if isinstance(value, dict) and mention.label == "UNIT":
        return value.get("name")
    return None


def _attributes(mention: Mention) -> tuple[str, ...]:
    values = {**(mention.value if isinstance(mention.value, dict) else {}), "noun": mention.noun}
    return tuple(f"{key}: {values[key]}" for key in ATTRIBUTE_KEYS.get(mention.label, ()) if values.get(key))


class _Places:
    """Where the parts of a record are put: on a mention (the source's, or one that only helps to
    place), on the phrase itself, nearest to the value and in its sentence if it can; else on the
    evidence sentence, with the part's value in the region's text area all the same."""

    def __init__(self, text: str, mentions: list[Mention]):
        self.text = text
        self.mentions = mentions
        self._norm = normalise(text)

    def evidence(self, record: Record, where: str) -> Span:
        evidence = record.evidence
        if not isinstance(evidence, str):
            return evidence.start, evidence.end
        spans = evidence_spans(self._norm.text, evidence)
        if not spans:
            raise ValueError(f"{where}: not found in the article: {evidence[:60]!r}")
        return self._norm.to_original(*spans[0])

    def fact(self, regions: _Regions, record: Record, measure: str, value: float, evidence: Span) -> Region:
        label = "PERCENT" if measure in PERCENT_MEASURES else "COUNT"
        own = record.evidence.spans.get(measure) if not isinstance(record.evidence, str) else None
        containing = [(m.start, m.end) for m in self.mentions if own and m.label == label
                      and m.start <= own[0] and own[1] <= m.end and _states(m, measure, value)]
        # a number in the sentence that states the value: a mention of the measure's kind first, then
        # any number ("48,6" in a table is a percentage with no sign)
        said = [(m.start, m.end) for m in sorted(self.mentions, key=lambda m: m.label != label)
                if _states(m, measure, value) and evidence[0] <= m.start and m.end <= evidence[1]]
        spans = [*containing, *([tuple(own)] if own else []), *said]
        # a number that states the value for several facts ("đều đạt 100%") carries one region each
        spans = [s for s in spans if not regions.has_fact(label, s)] + spans
        return regions.add(label, spans[0] if spans else evidence, value=_number(value),
                           approx=record.approx.get(measure), measure=measure)

    def parts(self, regions: _Regions, record: Record, fact: Region, evidence: Span) -> Iterator[Region]:
        at = (fact.start, fact.end)
        unit = record.unit
        unit_spans = [(m.start, m.end) for m in self.mentions if m.label == "UNIT" and _names(m, unit)]
        unit_spans += [s for name in (unit.name, *unit.aliases) for s in self._said(name)]
        yield self._part(regions, "UNIT", unit_spans, at, evidence, value=unit.name, aliases=tuple(unit.aliases))
        if record.type == "admission" and record.period is not None:
            period = record.period
            bounds = _period_text(period.start, period.end)
            said = [s for s in self._said(period.text) if self.text[s[0]:s[1]] == period.text]   # the phrase comes back as written
            spans = said or [(m.start, m.end) for m in self.mentions if m.label == "DATE" and _mention_value(m) == bounds]
            yield self._part(regions, "DATE", spans, at, evidence, value=bounds)
        if record.type == "membership" and record.as_of is not None:
            # "tính đến ngày 30/11/2021" runs up to the date the count holds on
            spans = [(m.start, m.end) for m in self.mentions if m.label == "DATE" and isinstance(m.value, dict)
                     and m.value.get("end") == record.as_of]
            yield self._part(regions, "DATE", spans, at, evidence, value=record.as_of)
        if record.group is not None:
            yield self._part(regions, "GROUP", self._said(record.group), at, evidence, value=record.group)
        yield regions.add("EVIDENCE", evidence)

    def _said(self, phrase: Optional[str]) -> list[Span]:
        if not phrase:
            return []
        return [m.span() for m in regex.finditer(regex.escape(phrase), self.text, flags=regex.IGNORECASE)]

    @staticmethod
    def _part(regions: _Regions, label: str, spans: list[Span], at: Span, evidence: Span, **parts: object) -> Region:
        return regions.add(label, min(spans, key=lambda s: _distance(s, at, evidence)) if spans else evidence, **parts)


def _states(mention: Mention, measure: str, value: float) -> bool:
    """Whether a COUNT or PERCENT mention states a fact's value ("vượt 62%" states 162%)."""
    if not isinstance(mention.value, (int, float)):
        return False
    own = float(mention.value)
    if measure in PERCENT_MEASURES:
        return abs(own - value) <= 0.05 or (measure == "attainment_pct" and abs(own + 100 - value) <= 0.05)
    return own == value


def _names(mention: Mention, unit: Unit) -> bool:
    name = mention.value.get("name") if isinstance(mention.value, dict) else None
    return any(unit_matches(Unit(name=n), unit) for n in (name, mention.text) if n)


def _distance(span: Span, at: Span, evidence: Span) -> tuple[bool, bool, int]:
    """Inside the sentence first, then before the value, then nearest."""
    outside = not (evidence[0] <= span[0] and span[1] <= evidence[1])
    after = span[0] >= at[1]
    return outside, after, span[0] - at[1] if after else max(0, at[0] - span[1])


# ---- back in: a Label Studio export to gold ---------------------------------------------------
@dataclass
class _Read:
    """A region as read back: its label and span, and what its per-region controls say."""
    id: str
    label: str
    start: int
    end: int
    value: Optional[str] = None
    aliases: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    approx: Optional[str] = None
    measure: Optional[str] = None
    mention: bool = True
    parts: dict[str, "_Read"] = field(default_factory=dict)


def read_export(path: Path) -> tuple[list[Document], list[str], int]:
    """The gold documents of a Label Studio JSON export, the errors of the tasks that break the
    mapping or the spec (each naming file, task and field), and how many tasks had no annotation."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        return [], [f"{path}: not a Label Studio JSON export: {error}"], 0
    if not isinstance(tasks, list):
        return [], [f"{path}: not a Label Studio JSON export: a list of tasks expected, not {type(tasks).__name__}"], 0
    documents: list[Document] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    unlabelled = 0
    for index, item in enumerate(tasks):
        where = f": task {index}" + (f" (id {item.get('id')})" if isinstance(item, dict) and "id" in item else "")
        try:
            doc = gold_of_task(item, path, where)
        except GoldError as error:
            errors.append(str(error))
            continue
        if doc is None:
            unlabelled += 1
        elif doc.doc_id in seen:
            errors.append(f"{path}{where}: document {doc.doc_id!r} again (first in{seen[doc.doc_id]}); the first is kept")
        else:
            seen[doc.doc_id] = where
            documents.append(doc)
    return documents, errors, unlabelled


def gold_of_task(item: object, path: Path, where: str) -> Optional[Document]:
    """One task's gold document (None when no annotation was submitted); GoldError names the field."""
    data = item.get("data") if isinstance(item, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data.get("doc_id"):
        raise GoldError(f"{path}{where}: field data: needs 'text' and 'doc_id'")
    text, doc_id = data["text"], str(data["doc_id"])
    if Path(doc_id).name != doc_id or doc_id.startswith("."):   # it names the gold file written
        raise GoldError(f"{path}{where}: field data.doc_id: {doc_id!r} cannot be a file name")
    place = f"{path}{where}: document {doc_id!r}"
    annotation = _annotation(item.get("annotations"), place)
    if annotation is None:
        return None
    regions = _regions(annotation, text, place)
    raw = {"doc_id": doc_id,
           "meta": {k: data.get(k) or None for k in ("title", "published", "author", "source", "url")},
           "records": _records(regions, text, place),
           "mentions": [_mention(r, text) for r in regions.values() if r.label in MENTION_LABELS and r.mention],
           "notes": data.get("notes")}
    doc = parse_document(path, where, raw)
    check_evidence(doc, text, Path(f"{path}{where}"))
    return doc


def _annotation(annotations: object, place: str) -> Optional[list]:
    """The result of the annotation to read: a ground-truth one, else the first not cancelled."""
    if annotations is None:
        return None
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise GoldError(f"{place}: field annotations: a list of annotations expected")
    kept = [a for a in annotations if not a.get("was_cancelled")]
    chosen = next((a for a in kept if a.get("ground_truth")), kept[0] if kept else None)
    if chosen is None:
        return None
    if not isinstance(chosen.get("result"), list):
        raise GoldError(f"{place}: field annotations.{annotations.index(chosen)}.result: a list of results expected")
    return chosen["result"]


def _regions(result: list, text: str, place: str) -> dict[str, _Read]:
    """The labelled regions of an annotation with their per-region controls and relations."""
    regions: dict[str, _Read] = {}
    for n, item in enumerate(result):
        if isinstance(item, dict) and item.get("type") == "labels":
            region = _labelled(item, text, f"{place}: field result.{n}")
            regions[region.id] = region
    relations = []
    for n, item in enumerate(result):
        here = f"{place}: field result.{n}"
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "labels":
            continue
        if kind == "relation":
            relations.append((item.get("from_id"), item.get("to_id"), here))
            continue
        region = regions.get(item.get("id")) if kind in ("textarea", "choices") else None
        if region is None:
            raise GoldError(f"{here}: a {kind!r} result that belongs to no labelled region")
        _control(region, item, here)
    for from_id, to_id, here in relations:
        _relate(regions, from_id, to_id, here)
    return dict(sorted(regions.items(), key=lambda item: (item[1].start, item[1].end)))   # text order, as written


def _labelled(item: dict, text: str, here: str) -> _Read:
    value = item.get("value")
    if not isinstance(value, dict) or item.get("from_name") != LABEL or not isinstance(item.get("id"), str):
        raise GoldError(f"{here}: a labels result needs an 'id', from_name {LABEL!r} and a 'value'")
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise GoldError(f"{here}.value: start {start!r} and end {end!r} are no span of the {len(text)}-character text")
    if not (isinstance(labels, list) and len(labels) == 1 and labels[0] in LABELS):
        raise GoldError(f"{here}.value.labels: one of {', '.join(LABELS)} expected, not {labels!r}")
    if "text" in value and value["text"] != text[start:end]:
        raise GoldError(f"{here}.value.text: {value['text']!r} is not the text at {start}-{end} "
                        f"({text[start:end]!r}): the task's text changed?")
    return _Read(item["id"], labels[0], start, end)


def _control(region: _Read, item: dict, here: str) -> None:
    name, value = item.get("from_name"), item.get("value")
    key = "text" if item["type"] == "textarea" else "choices"
    said = value.get(key) if isinstance(value, dict) else None
    if not (isinstance(said, list) and all(isinstance(s, str) for s in said)):
        raise GoldError(f"{here}.value.{key}: a list of strings expected")
    if item["type"] == "textarea" and name in (VALUE, ALIASES, ATTRIBUTES):
        lines = [s.strip() for s in said if s.strip()]
        if name == VALUE:
            region.value = lines[0] if lines else None
        elif name == ALIASES:
            region.aliases = tuple(lines)
        else:
            region.attributes = _attributes_read(lines, region.label, here)
    elif item["type"] == "choices" and name in CHOICES:
        if len(said) != 1 or said[0] not in CHOICES[name]:
            raise GoldError(f"{here}.value.choices: one of {', '.join(CHOICES[name])} expected, not {said!r}")
        if name == MEASURE:
            region.measure = said[0]
        elif name == HEDGE:
            region.approx = said[0]
        else:
            region.mention = False
    else:
        raise GoldError(f"{here}.from_name: {name!r} is no control of the config for a {item['type']} result")


def _attributes_read(lines: list[str], label: str, here: str) -> dict[str, str]:
    keys = ATTRIBUTE_KEYS.get(label, ())
    attributes = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() not in keys or not value.strip():
            raise GoldError(f"{here}.value.text: {line!r}: a {label} region's attributes are "
                            f"{', '.join(f'{k}: …' for k in keys) or 'none'}")
        attributes[key.strip()] = value.strip()
    return attributes


def _relate(regions: dict[str, _Read], from_id: object, to_id: object, here: str) -> None:
    """A relation between a fact and a part of its record, drawn either way."""
    ends = [regions.get(i) if isinstance(i, str) else None for i in (from_id, to_id)]
    if None in ends:
        raise GoldError(f"{here}: a relation from {from_id!r} to {to_id!r}, not between two labelled regions")
    facts = [r for r in ends if r.measure]
    parts = [r for r in ends if not r.measure and r.label in PART_OF]
    if len(facts) != 1 or len(parts) != 1:
        raise GoldError(f"{here}: a relation must join a fact (a region with a measure) to its UNIT, DATE, GROUP "
                        f"or EVIDENCE region; this one joins {ends[0].label} {ends[0].id} and {ends[1].label} {ends[1].id}")
    fact, part = facts[0], parts[0]
    if part.label in fact.parts and fact.parts[part.label] is not part:
        raise GoldError(f"{here}: fact {fact.id} has two {part.label} regions ({fact.parts[part.label].id}, {part.id})")
    fact.parts[part.label] = part


def _records(regions: dict[str, _Read], text: str, place: str) -> list[dict]:
    records: list[dict] = []
    keys: list[tuple] = []
    for fact in regions.values():
        if not fact.measure:
            continue
        here = f"{place}: region {fact.id}"
        if fact.label not in ("COUNT", "PERCENT"):
            raise GoldError(f"{here}: field measure: a measure belongs on a COUNT or PERCENT region, not {fact.label}")
        for label in ("UNIT", "EVIDENCE"):
            if label not in fact.parts:
                raise GoldError(f"{here}: field relations: fact {fact.measure} has no relation to a {label} region")
        record = _record_of(fact, text, here)
        key = tuple(json.dumps(record[k], ensure_ascii=False, sort_keys=True) for k in sorted(record))
        target = next((r for r, k in zip(records, keys) if k == key and fact.measure not in r), None)
        if target is None:
            records.append(target := record)
            keys.append(key)
        target[fact.measure] = _fact_value(fact, here)
        if fact.approx:
            target.setdefault("approx", {})[fact.measure] = fact.approx
    return records


def _record_of(fact: _Read, text: str, here: str) -> dict:
    """The record a fact belongs to, without its measures: type, unit, period or as_of, group, evidence."""
    unit, date, group, evidence = (fact.parts.get(label) for label in ("UNIT", "DATE", "GROUP", "EVIDENCE"))
    record: dict = {"type": "membership" if fact.measure == "members" else "admission",
                    "unit": {"name": unit.value or text[unit.start:unit.end], "aliases": list(unit.aliases)},
                    "group": (group.value or text[group.start:group.end]) if group else None,
                    "evidence": text[evidence.start:evidence.end]}
    if date is not None:
        if not date.value:
            raise GoldError(f"{here}: field value of DATE region {date.id}: give the period as START/END "
                            f"(\"{OPEN}\" for a bound not known) or the date")
        start, end = _bounds(date.value)
        if record["type"] == "admission":
            record["period"] = {"start": start, "end": end, "text": text[date.start:date.end]}
        elif start != end:
            raise GoldError(f"{here}: field value of DATE region {date.id}: a membership count holds on one date, "
                            f"not {date.value!r}")
        else:
            record["as_of"] = start
    return record


def _bounds(value: str) -> tuple[Optional[str], Optional[str]]:
    """START/END, or one date for both; ".." is a bound not known."""
    start, _, end = value.partition("/")
    return tuple(None if bound == OPEN else bound for bound in (start, end or start))


def _fact_value(fact: _Read, here: str) -> float:
    try:
        value = float((fact.value or "").replace(",", "."))
    except ValueError:
        raise GoldError(f"{here}: field value: the {fact.measure} as a number, not {fact.value!r}") from None
    if fact.measure not in PERCENT_MEASURES:
        if not value.is_integer():
            raise GoldError(f"{here}: field value: a count is a whole number, not {fact.value!r}")
        return int(value)
    return value


def _mention(region: _Read, text: str) -> dict:
    value: Union[float, dict, None] = None
    if region.value and region.label in ("COUNT", "PERCENT"):
        try:
            value = float(region.value.replace(",", "."))
        except ValueError:
            value = None   # a mention's value is a note, not scored: a region's text area may hold anything
    elif region.value and region.label == "DATE":
        start, end = _bounds(region.value)
        value = {"start": start, "end": end}
    elif region.value and region.label == "UNIT":
        value = {"name": region.value, "kind": region.attributes.get("kind"), "level": region.attributes.get("level")}
    return {"label": region.label, "text": text[region.start:region.end], "start": region.start,
            "end": region.end, "value": value, "approx": region.approx, "noun": region.attributes.get("noun")}


def gold_json(doc: Document) -> str:
    """A gold file as RECORDS.md section 4 writes it (fields left at their defaults left out)."""
    return json.dumps(doc.model_dump(mode="json", exclude_defaults=True, exclude={"text"}),
                      ensure_ascii=False, indent=2) + "\n"
