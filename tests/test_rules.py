"""Every example line beside a rule file is a test: positives must give exactly one mention
spanning the whole phrase with the expected value; negatives must give none."""
import datetime as dt
import json
from pathlib import Path

import pytest

from extractor.mentions import MentionFinder
from extractor.normalize import normalise
from extractor.rules import PATTERNS_DIR, RuleFileError, Rules, load_jsonl, CueRule

RULES = Rules.load()
FINDER = MentionFinder(RULES)


def examples(name: str) -> list[dict]:
    lines = (PATTERNS_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def negatives(name: str) -> list[str]:
    lines = (PATTERNS_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def only_mention(text: str, label: str, published=None):
    normalised = normalise(text).text
    found = [m for m in FINDER.find(normalised, published) if m.label == label]
    assert len(found) == 1, f"{text!r}: {[(normalised[m.start:m.end]) for m in found]}"
    assert (found[0].start, found[0].end) == (0, len(normalised)), normalised[found[0].start:found[0].end]
    return found[0]


@pytest.mark.parametrize("example", examples("numbers.examples.jsonl"), ids=lambda e: e["text"])
def test_number_examples(example):
    mention = only_mention(example["text"], example["label"])
    assert mention.value == pytest.approx(example["value"])
    assert mention.approx == example.get("approx")


@pytest.mark.parametrize("text", negatives("numbers.negative.txt"))
def test_number_negatives(text):
    assert [m for m in FINDER.find(normalise(text).text, None) if m.label in ("COUNT", "PERCENT")] == []


@pytest.mark.parametrize("example", examples("periods.examples.jsonl"), ids=lambda e: e["text"])
def test_period_examples(example):
    published = dt.date.fromisoformat(example["published"]) if example["published"] else None
    mention = only_mention(example["text"], "DATE", published)
    assert mention.bounds == (example["start"], example["end"])


@pytest.mark.parametrize("text", negatives("periods.negative.txt"))
def test_period_negatives(text):
    assert [m for m in FINDER.find(normalise(text).text, None) if m.label == "DATE"] == []


@pytest.mark.parametrize("example", examples("units.examples.jsonl"), ids=lambda e: e["text"])
def test_unit_examples(example):
    mention = only_mention(example["text"], "UNIT")
    assert (mention.name, mention.kind, mention.level) == (example["name"], example["kind"], example["level"])


@pytest.mark.parametrize("text", negatives("units.negative.txt"))
def test_unit_negatives(text):
    assert [m for m in FINDER.find(normalise(text).text, None) if m.label == "UNIT"] == []


@pytest.mark.parametrize("example", examples("records.examples.jsonl"), ids=lambda e: e["text"][:50])
def test_record_examples(example, pipeline):
    doc = pipeline.extract(example["text"], "example", published=example["published"])
    facts = [(m, v, r) for r in doc.records for m, v in r.measures().items()]
    assert len(facts) == len(example["facts"]), [(m, v, r.group) for m, v, r in facts]
    for expected in example["facts"]:
        hits = [r for m, v, r in facts if m == expected["measure"] and v == pytest.approx(expected["value"])]
        assert hits, expected
        record = hits[0]
        if "unit" in expected:
            assert record.unit.name == expected["unit"]
        if "group" in expected:
            assert record.group == expected["group"]
        if "period" in expected:
            assert [record.period.start, record.period.end] == expected["period"]
        if "approx" in expected:
            assert record.approx.get(expected["measure"]) == expected["approx"]


def test_bad_rule_file_names_file_and_line(tmp_path: Path):
    bad = tmp_path / "cues.jsonl"
    bad.write_text('{"measure": "admitted", "applies": "count", "left": "kết nạp"}\n'
                   '{"measure": "admitted", "applies": "count", "left": "(unclosed"}\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"cues.jsonl:2"):
        load_jsonl(bad, CueRule)
    bad.write_text('{"measure": "admitted", "applies": "count", "typo": 1}\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"cues.jsonl:1"):
        load_jsonl(bad, CueRule)
