"""Documents with the text their offsets point into, for the review pages and the dataset exports:
the pipeline's output on articles (through the batch runner, as `extract --with-text` writes it), or
documents already made (an `extract` output, gold files) whose text comes with them (`extract
--with-text`, HTML pages, re-encoded files) or from their articles given beside them.

A document that cannot be had with its text is a `Failed` in its place, naming the file, line or
document, so a command can report it and go on with the rest.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Optional, Sequence, Union

from .batch import Options, run
from .evaluate import GoldError, check_evidence, load_documents, parse_document
from .inputs import JSONL, Article, InputError, read_articles, with_text
from .schema import Document


@dataclass(frozen=True)
class Annotated:
    """A document and the text its offsets point into."""
    doc: Document
    text: str


@dataclass(frozen=True)
class Failed:
    """A document that cannot be had with its text: its doc_id (FILE:LINE when it has none), the stage
    that failed as `extract` names it (`read`, `html`, a pipeline stage, `timeout`) and why."""
    doc_id: str
    stage: str
    message: str

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}"


Item = Union[Annotated, Failed]   # what the readers below yield, one per document, in order


@dataclass
class Tally:
    """What a command made of the documents: how many it wrote, with their mentions, records and
    facts, and the errors of those it could not write, each naming its file, line or document."""
    documents: int = 0
    mentions: int = 0
    records: int = 0
    facts: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, doc: Document) -> None:
        self.documents += 1
        self.mentions += len(doc.mentions)
        self.records += len(doc.records)
        self.facts += fact_count(doc)


def fact_count(doc: Document) -> int:
    return sum(len(r.measures()) for r in doc.records)


def is_document_file(source: str) -> bool:
    """An `extract` output: JSON Lines whose first line is a document (it has `records`) or an error
    line (it has `error`); an article line has neither."""
    path = Path(source)
    if path.suffix.lower() not in JSONL or not path.is_file():
        return False
    with path.open("rb") as lines:
        first = next((line for line in lines if line.strip()), b"")
    try:
        row = json.loads(first)
    except (ValueError, RecursionError):
        return False   # the article reader names what is wrong with it
    return isinstance(row, dict) and ("records" in row or "error" in row)


def in_input_order(sources: Sequence[str], workers: int, skip: Sequence[Path] = ()) -> Iterator[Item]:
    """What `review` shows: each source in its place, a document file's documents with the texts they
    carry and every other source through the pipeline (a run of article sources shares the workers).
    Nothing under `skip` is read (the command's own output)."""
    articles: list[str] = []
    for source in sources:
        if is_document_file(source):
            yield from _extracted(articles, workers, skip)
            articles = []
            yield from _with_texts(_file_documents(Path(source)), {})
        else:
            articles.append(source)
    yield from _extracted(articles, workers, skip)


def annotated(sources: Sequence[str], gold: Optional[Path], workers: int) -> Iterator[Item]:
    """What `export` writes: with document files or gold among the sources, those documents (the gold
    first), the articles given only supplying the texts they lack; otherwise the articles, extracted
    in input order."""
    files = [s for s in sources if is_document_file(s)]
    if gold is None and not files:
        yield from _extracted(sources, workers)
        return
    given = [*_gold_documents(gold), *(d for file in files for d in _file_documents(Path(file)))]
    wanted = {g.doc.doc_id for g in given if isinstance(g, _Given) and g.doc.text is None}
    texts = _texts(read_articles([s for s in sources if s not in files]), wanted) if wanted else {}
    yield from _with_texts(given, texts)


def _extracted(sources: Sequence[str], workers: int, skip: Sequence[Path] = ()) -> Iterator[Item]:
    """The pipeline's output on the articles, with their texts, as `extract --with-text` writes it."""
    if not sources:   # no workers started for nothing
        return
    for outcome in run(read_articles(sources, skip=skip), Options(with_text=True), workers):
        if outcome.error:
            yield Failed(outcome.doc_id, outcome.error["stage"], outcome.error["message"])
        else:
            doc = Document.model_validate_json(outcome.output)
            yield Annotated(doc, doc.text or "")


@dataclass(frozen=True)
class _Given:
    """A document already made, and where it was read (FILE or FILE:LINE), to name it by."""
    doc: Document
    where: str


def _gold_documents(gold: Optional[Path]) -> Iterator[Union[_Given, Failed]]:
    if gold is None:
        return
    found, errors = load_documents([gold])
    for error in errors:
        yield Failed(str(gold), "read", error)
    for doc_id in sorted(found):
        yield _Given(found[doc_id], str(gold / f"{doc_id}.json"))


def _file_documents(path: Path) -> Iterator[Union[_Given, Failed]]:
    """The documents of an `extract` output, one a line; its error lines are passed on as they are."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield _file_document(path, number, line)


def _file_document(path: Path, number: int, line: bytes) -> Union[_Given, Failed]:
    where = f"{path}:{number}"
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as error:
        return Failed(where, "read", f"{where}: not a JSON document: {error}")
    if isinstance(row, dict) and isinstance(row.get("error"), dict):
        return Failed(str(row.get("doc_id", where)), str(row["error"].get("stage")), str(row["error"].get("message")))
    try:
        return _Given(parse_document(path, f":{number}", row), where)
    except GoldError as error:
        return Failed(where, "read", str(error))


def _texts(articles: Iterable[Union[Article, InputError]], wanted: set[str]) -> dict[str, Union[str, Failed]]:
    """The texts of the wanted articles, or why an article could not give its text."""
    texts: dict[str, Union[str, Failed]] = {}
    for article in articles:
        if article.doc_id not in wanted or isinstance(texts.get(article.doc_id), str):
            continue
        if isinstance(article, InputError):
            texts[article.doc_id] = Failed(article.doc_id, "read", str(article))
            continue
        try:
            texts[article.doc_id] = with_text(article).text or ""
        except InputError as error:
            texts[article.doc_id] = Failed(article.doc_id, "html", str(error))
    return texts


def _with_texts(given: Iterable[Union[_Given, Failed]], texts: Mapping[str, Union[str, Failed]]) -> Iterator[Item]:
    """The documents with the texts they carry, or else with the texts of their articles (by doc_id)."""
    for item in given:
        yield item if isinstance(item, Failed) else _with_text(item, texts.get(item.doc.doc_id))


def _with_text(given: _Given, beside: Union[str, Failed, None]) -> Item:
    """The document with its text, once its offsets are seen to point into it."""
    doc = given.doc
    text = doc.text if doc.text is not None else beside
    if isinstance(text, Failed):
        return text
    if text is None:
        return Failed(doc.doc_id, "read", f"{given.where}: document {doc.doc_id!r} has no 'text' for its offsets to "
                                          "point into: write the output with `extract --with-text`, or give the "
                                          "article itself")
    problem = _misplaced(doc, text, given.where)
    return Failed(doc.doc_id, "read", problem) if problem else Annotated(doc, text)


def _misplaced(doc: Document, text: str, where: str) -> Optional[str]:
    """Why the document's offsets cannot point into this text (another article, another encoding)."""
    try:
        check_evidence(doc, text, where)
    except GoldError as error:
        return str(error)
    for n, mention in enumerate(doc.mentions):
        if text[mention.start:mention.end] != mention.text:
            return (f"{where}: document {doc.doc_id!r}: field mentions.{n}: {mention.text!r} is not the text at "
                    f"{mention.start}-{mention.end}; is this the document's article?")
    return None
