"""Datasets out: documents as spaCy `Doc`s (a `DocBin` file), as CoNLL-2003-style IOB text, or as
Label Studio tasks (`labelstudio.py`).

A `Doc`'s text is the article's text exactly: its tokens are underthesea's words (`words.py`),
with the white space between them as spaCy keeps it (a trailing space, or a token of its own), so
character offsets carry over unchanged. The mentions are `doc.spans["mentions"]`, the longest of
overlapping ones `doc.ents`, and the document's id, meta and records `doc.user_data`.
The CoNLL file is read off the same `Doc`: one token a line, `WORD -X- _ TAG` (the four columns
of CoNLL-2003, with placeholders for part of speech and chunk; syllables of a word joined by "_"
as underthesea and the VLSP corpora write them), a blank line after each sentence and
`-DOCSTART- -X- -X- O` before each document; the tags come from spaCy's own BILUO→IOB conversion.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, TypeVar

import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.training import biluo_to_iob, offsets_to_biluo_tags
from spacy.util import filter_spans
from spacy.vocab import Vocab

from . import labelstudio
from .annotated import Annotated, Failed, Item, Tally
from .pipeline import Pipeline
from .rules import Rules
from .segment import Segmenter
from .words import sentences_of_tokens

DOCSTART = "-DOCSTART- -X- -X- O"
T = TypeVar("T")


def vietnamese_vocab() -> Vocab:
    """The vocabulary of a blank Vietnamese pipeline. Its tokenizer is never run (underthesea gives
    the words), so it is set not to need pyvi, which spaCy's Vietnamese tokenizer imports by default."""
    return spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}}).vocab


def spacy_doc(vocab: Vocab, item: Annotated, segmenter: Segmenter) -> Doc:
    doc, text = item.doc, item.text
    spans = [(m.start, m.end) for m in doc.mentions]
    words: list[str] = []
    spaces: list[bool] = []
    starts: list[bool] = []
    at = 0
    for sentence in sentences_of_tokens(text, segmenter, spans):
        for n, (start, end) in enumerate(sentence):
            _white_space(text[at:start], words, spaces, starts)
            words.append(text[start:end])
            spaces.append(False)
            starts.append(n == 0)
            at = end
    _white_space(text[at:], words, spaces, starts)
    out = Doc(vocab, words=words, spaces=spaces, sent_starts=starts)
    mentions = [_span(out, m.start, m.end, m.label, doc.doc_id) for m in doc.mentions]
    out.spans["mentions"] = mentions
    out.ents = filter_spans(mentions)
    out.user_data.update({"doc_id": doc.doc_id, "meta": doc.meta.model_dump(mode="json"),
                          "records": [r.model_dump(mode="json") for r in doc.records]})
    return out


def _white_space(gap: str, words: list[str], spaces: list[bool], starts: list[bool]) -> None:
    """White space before a token: one space is the last token's trailing space, anything more a
    token of its own (in the sentence before it, or opening the text)."""
    if not gap:
        return
    if words and gap[0] == " ":
        spaces[-1], gap = True, gap[1:]
    if gap:
        words.append(gap)
        spaces.append(False)
        starts.append(not words[:-1])


def _span(doc: Doc, start: int, end: int, label: str, doc_id: str) -> Span:
    span = doc.char_span(start, end, label=label)
    if span is None:   # only a mention that starts or ends in white space can miss the token bounds
        raise ValueError(f"document {doc_id!r}: mention {label} at {start}-{end} ({doc.text[start:end]!r}) "
                         f"starts or ends in white space")
    return span


def write_docbin(docs: Iterable[Doc], path: Path) -> int:
    """Writes the Docs with their user data; returns how many."""
    docbin = DocBin(store_user_data=True)
    for doc in docs:
        docbin.add(doc)
    docbin.to_disk(path)
    return len(docbin)


def conll(doc: Doc) -> str:
    """One document in CoNLL-2003 shape, -DOCSTART- line first."""
    entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    tags = biluo_to_iob(offsets_to_biluo_tags(doc, entities))
    lines = [DOCSTART, ""]
    for sentence in doc.sents:
        rows = [f"{'_'.join(t.text.split())} -X- _ {tags[t.i]}" for t in sentence if not t.is_space]
        if rows:
            lines += rows + [""]
    return "\n".join(lines) + "\n"


FORMATS = ("spacy", "conll", "labelstudio")


def export(items: Iterable[Item], format: str, output: Path, gold: bool = False) -> Tally:
    """Writes the documents to `output` in one of FORMATS (Label Studio: the tasks, with gold as their
    annotations and anything else as predictions, and the labelling config beside them as
    NAME.config.xml); a document that fails is counted as an error and the rest goes on."""
    summary = Tally()
    if format == "labelstudio":
        config_path(output).write_text(labelstudio.config(), encoding="utf-8")
        with output.open("w", encoding="utf-8") as out:
            out.write("[")
            for n, task in enumerate(_converted(items, _Tasks(gold), summary)):
                out.write(("," if n else "") + "\n" + json.dumps(task, ensure_ascii=False))
            out.write("\n]\n")
        return summary
    segmenter, vocab = Segmenter(Rules.load()), vietnamese_vocab()
    docs = _converted(items, lambda item: spacy_doc(vocab, item, segmenter), summary)
    if format == "spacy":
        write_docbin(docs, output)
    else:
        with output.open("w", encoding="utf-8") as out:
            for doc in docs:
                out.write(conll(doc))
    return summary


def config_path(output: Path) -> Path:
    return output.with_name(output.stem + ".config.xml")


def _converted(items: Iterable[Item], convert: Callable[[Annotated], T], summary: Tally) -> Iterator[T]:
    for item in items:
        if isinstance(item, Failed):
            summary.errors.append(str(item))
            continue
        try:
            converted = convert(item)
        except ValueError as error:
            summary.errors.append(str(error))
            continue
        summary.add(item.doc)
        yield converted


class _Tasks:
    """Label Studio tasks. Predictions carry every offset; gold records come without, and are placed
    with the help of every mention and number the rules find (the pipeline is loaded only then)."""

    def __init__(self, gold: bool):
        self.gold = gold
        self.pipeline: Optional[Pipeline] = None

    def __call__(self, item: Annotated) -> dict:
        unplaced = any(isinstance(r.evidence, str) for r in item.doc.records)
        if unplaced and self.pipeline is None:
            self.pipeline = Pipeline()
        places = self.pipeline.placeable(item.text, item.doc.meta.published) if unplaced else []
        return labelstudio.task(item.doc, item.text, places, as_annotation=self.gold)
