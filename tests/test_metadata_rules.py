"""The metadata phrases are data: every line of patterns/metadata.examples.jsonl must give its
publication date, month and author; every text of patterns/metadata.negative.txt must give none.
extractor/metadata.py itself spells no word of the language."""
import ast
import json
import unicodedata

import pytest
import regex

import extractor.metadata
from extractor.metadata import read_metadata
from extractor.normalize import normalise
from extractor.rules import PATTERNS_DIR, Rules

RULES = Rules.load()
KINDS = ("dateline_word", "agency", "source_label", "month_label", "byline_label")


def examples() -> list[dict]:
    lines = (PATTERNS_DIR / "metadata.examples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def negatives() -> list[str]:
    lines = (PATTERNS_DIR / "metadata.negative.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("#")]


def read(text: str):
    return read_metadata(normalise(text).text, RULES)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["text"].splitlines()[-1][:40])
def test_metadata_examples(example):
    meta = read(example["text"])
    assert meta.published == example["published"]
    assert (meta.month.isoformat() if meta.month else None) == example.get("month")
    assert meta.author == example["author"]
    if "title" in example:
        text = normalise(example["text"]).text
        assert (text[slice(*meta.title_span)] if meta.title_span else None) == example["title"]


@pytest.mark.parametrize("text", negatives())
def test_metadata_negatives(text):
    meta = read(text)
    assert (meta.published, meta.month, meta.author) == (None, None, None)


@pytest.mark.parametrize("kind", KINDS)
def test_metadata_marker_kinds_have_examples(kind):
    """Each phrase kind is loaded and some positive example uses one of its phrases."""
    pattern = RULES.marker_patterns[kind]
    flags = 0 if kind == "byline_label" else regex.IGNORECASE   # bylines keep their case
    phrase = regex.compile(rf"(?<!\w)(?:{pattern.pattern})(?!\w)", flags)
    assert any(phrase.search(e["text"]) for e in examples())


def test_metadata_module_spells_no_phrase():
    """No string in the code (docstrings aside) holds a letter beyond ASCII or a phrase of the
    metadata marker kinds: the words live in patterns/markers.jsonl."""
    tree = ast.parse(open(extractor.metadata.__file__, encoding="utf-8").read())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    strings = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
    phrases = {p.strip() for m in RULES.markers if m.kind in KINDS for p in m.pattern.split("|")}
    for string in strings:
        assert not [c for c in string if ord(c) > 127 and unicodedata.category(c).startswith("L")], string
        for phrase in phrases:
            assert not regex.search(rf"(?i)(?<![\w\\]){regex.escape(phrase)}(?!\w)", string), (phrase, string)
