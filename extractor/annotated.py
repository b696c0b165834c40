"""Documents with the text their offsets point into, for the dataset exports: the pipeline's output
on articles, or documents already made (an `extract` output, gold files) whose text comes with them
(`extract --with-text`, HTML pages, re-encoded files) or from their articles given beside them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from .batch import Options, run
from .evaluate import GoldError, check_evidence, load_documents, read_documents
from .inputs import InputError, read_articles, with_text
from .schema import Document


@dataclass(frozen=True)
class Annotated:
    doc: Document
    text: str


def is_document_file(source: str) -> bool:
    """An `extract` output: JSON Lines whose first line is a document (it has `records`), not an article."""
    path = Path(source)
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                try:
                    first = json.loads(line.decode("utf-8-sig"))
                except (UnicodeDecodeError, ValueError, RecursionError):
                    return False   # the article reader names what is wrong with it
                return isinstance(first, dict) and "records" in first
    return False


def annotated(sources: list[str], gold: Optional[Path], workers: int) -> Iterator[Union[Annotated, str]]:
    """Documents with their texts, in input order; a string is an error that names the file, line or
    document. With document files or gold among the sources, the articles given only supply the texts
    those documents lack; otherwise the articles are extracted."""
    document_files = [s for s in sources if is_document_file(s)]
    articles = [s for s in sources if s not in document_files]
    if gold is None and not document_files:
        yield from _extracted(articles, workers)
    else:
        yield from _with_texts(list(_documents(document_files, gold)), articles)


def _extracted(sources: list[str], workers: int) -> Iterator[Union[Annotated, str]]:
    for outcome in run(read_articles(sources), Options(with_text=True), workers):
        if outcome.error:
            yield f"{outcome.error['message']} ({outcome.error['stage']})"
        else:
            doc = Document.model_validate_json(outcome.output)
            yield Annotated(doc, doc.text or "")


def _documents(files: list[str], gold: Optional[Path]) -> Iterator[Union[tuple[Document, Path], str]]:
    if gold is not None:
        found, errors = load_documents([gold])
        yield from errors
        for doc_id in sorted(found):
            yield found[doc_id], gold / f"{doc_id}.json"
    for file in files:
        for doc in read_documents(Path(file)):
            yield str(doc) if isinstance(doc, GoldError) else (doc, Path(file))


def _with_texts(documents: list[Union[tuple[Document, Path], str]], articles: list[str]) -> Iterator[Union[Annotated, str]]:
    wanted = {d[0].doc_id for d in documents if not isinstance(d, str) and d[0].text is None}
    texts, failed = _texts(read_articles(articles), wanted) if wanted else ({}, {})
    for item in documents:
        if isinstance(item, str):
            yield item
            continue
        doc, path = item
        text = doc.text if doc.text is not None else texts.get(doc.doc_id)
        if text is None:
            yield failed.get(doc.doc_id) or (f"{path}: document {doc.doc_id!r}: no text: the document carries none "
                                             f"and no article given has its doc_id")
            continue
        problem = _misplaced(doc, text, path)
        if problem:
            yield problem
        else:
            yield Annotated(doc, text)


def _texts(articles: Iterable, wanted: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The texts of the wanted articles, and why those that could not be read could not."""
    texts: dict[str, str] = {}
    failed: dict[str, str] = {}
    for article in articles:
        if article.doc_id not in wanted or article.doc_id in texts:
            continue
        try:
            if isinstance(article, InputError):
                raise article
            texts[article.doc_id] = with_text(article).text or ""
        except InputError as error:
            failed[article.doc_id] = str(error)
    return texts, failed


def _misplaced(doc: Document, text: str, path: Path) -> Optional[str]:
    """Why the document's offsets cannot point into this text (another article, another encoding)."""
    try:
        check_evidence(doc, text, path)
    except GoldError as error:
        return str(error)
    for n, mention in enumerate(doc.mentions):
        if text[mention.start:mention.end] != mention.text:
            return (f"{path}: document {doc.doc_id!r}: field mentions.{n}: {mention.text!r} is not the text at "
                    f"{mention.start}-{mention.end}; is this the document's article?")
    return None
