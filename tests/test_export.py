"""Datasets out and back in, on the team corpus: the spaCy DocBin, the CoNLL file and the Label Studio
tasks as their readers see them, and gold → Label Studio → gold giving the same gold."""
import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from spacy.tokens import DocBin
from spacy.training.converters import conll_ner_to_docs

from conftest import ROOT, TEAM_ARTICLES
from extractor.annotated import Annotated, Failed, annotated, in_input_order
from extractor.evaluate import load_documents, score
from extractor.export import DOCSTART, conll, export, spacy_doc, vietnamese_vocab
from extractor.labelstudio import config, read_export, task
from extractor.rules import Rules
from extractor.schema import Document, Mention, Record
from extractor.segment import Segmenter

CORPUS, GOLD = ROOT / "corpus", ROOT / "gold"
TAG = re.compile(r"O|[BI]-(UNIT|DATE|COUNT|PERCENT)")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def predicted() -> list[Annotated]:
    """The pipeline's output on the team corpus, with the article texts."""
    items = list(annotated([str(CORPUS)], None, 1))
    assert all(isinstance(i, Annotated) for i in items), [i for i in items if isinstance(i, str)]
    return items


@pytest.fixture(scope="module")
def gold() -> list[Annotated]:
    items = list(annotated([str(CORPUS)], GOLD, 1))
    assert all(isinstance(i, Annotated) for i in items), [i for i in items if isinstance(i, str)]
    return items


@pytest.fixture(scope="module")
def docbin_docs(predicted, tmp_path_factory) -> list:
    path = tmp_path_factory.mktemp("spacy") / "corpus.spacy"
    summary = export(iter(predicted), "spacy", path)
    assert summary.documents == TEAM_ARTICLES and not summary.errors
    return list(DocBin().from_disk(path).get_docs(vietnamese_vocab()))


def test_the_docbin_loads_back_and_every_span_is_its_mention(predicted, docbin_docs):
    assert len(docbin_docs) == len(predicted) == TEAM_ARTICLES
    spans = 0
    for item, doc in zip(predicted, docbin_docs):
        assert doc.text == item.text                       # tokens and white space give the article back
        assert doc.user_data["doc_id"] == item.doc.doc_id
        assert [Record.model_validate(r) for r in doc.user_data["records"]] == item.doc.records
        mentions = doc.spans["mentions"]
        assert [(s.start_char, s.end_char, s.label_) for s in mentions] == \
            [(m.start, m.end, m.label) for m in item.doc.mentions]
        spans += len(mentions)
        assert all(a.end <= b.start for a, b in zip(doc.ents, doc.ents[1:]))
        assert {(e.start_char, e.end_char) for e in doc.ents} <= {(m.start, m.end) for m in item.doc.mentions}
        assert len(list(doc.sents)) > 1
    assert spans > 3000


def test_tokens_are_underthesea_words_found_in_the_original_characters(predicted, docbin_docs):
    doc = docbin_docs[[i.doc.doc_id for i in predicted].index("t001")]
    sentence = next(s for s in doc.sents if s.text.startswith("Tính đến ngày 30/11/2021"))
    assert [t.text for t in sentence][:9] == ["Tính", "đến", "ngày", "30/11/2021", ",", "Đảng bộ", "thị xã",
                                              "Ninh Hòa", "có"]
    # underthesea writes "Ð" (U+00D0) as "Đ"; the token keeps the article's own character
    first = docbin_docs[0]
    assert "Ðảng" in first.text and any(t.text == "Ðảng" for t in first)


def test_a_mention_inside_a_word_splits_the_word(tmp_path):
    text = "Năm 2020, Đảng bộ xã Tân Lập đã kết nạp được 12 đảng viên mới."
    start = text.index("bộ xã")
    doc = Annotated(_document("cut", text, [("UNIT", start, start + len("bộ xã Tân Lập"))]), text)
    spacy = spacy_doc(vietnamese_vocab(), doc, Segmenter(Rules.load()))
    assert [(s.start_char, s.end_char) for s in spacy.spans["mentions"]] == [(start, start + len("bộ xã Tân Lập"))]
    assert "Đảng" in [t.text for t in spacy] and spacy.text == text


def test_conll_has_one_docstart_per_document_sentences_and_valid_iob(predicted, docbin_docs):
    text = "".join(conll(doc) for doc in docbin_docs)
    documents = text.split(DOCSTART + "\n")[1:]
    assert len(documents) == TEAM_ARTICLES
    for item, block in zip(predicted, documents):
        assert block.startswith("\n") and block.endswith("\n\n")
        sentences = [s for s in block.strip("\n").split("\n\n")]
        assert len(sentences) > 1 and all(sentences)
        words = []
        for sentence in sentences:
            before = "O"
            for line in sentence.split("\n"):
                word, pos, chunk, tag = line.split(" ")
                assert (pos, chunk) == ("-X-", "_") and TAG.fullmatch(tag), line
                assert not tag.startswith("I-") or before[2:] == tag[2:], f"{item.doc.doc_id}: {before} then {line}"
                before = tag
                words.append(word)
        # the words are the text, white space left out (a word's syllables joined by "_")
        assert "".join(words).replace("_", "") == "".join(item.text.split()).replace("_", "")
    read = list(conll_ner_to_docs(text, n_sents=0, no_print=True))   # spaCy's own CoNLL reader
    assert sum(len(d.ents) for d in read) == sum(len(d.ents) for d in docbin_docs)


def test_labelstudio_tasks_use_only_what_their_config_defines(predicted):
    view = ET.fromstring(config())
    text_name = view.find("Text").get("name")
    controls = {c.get("name"): (c.tag, c.get("toName"), {x.get("value") for x in c})
                for c in view.iter() if c.get("toName")}
    relations = {r.get("value") for r in view.find("Relations")}
    kinds = {"labels": "Labels", "choices": "Choices", "textarea": "TextArea"}
    facts = 0
    for item in predicted:
        made = task(item.doc, item.text, [])
        assert set(made["data"]) >= {"text", "doc_id", "published"} and made["data"]["text"] == item.text
        result = made["predictions"][0]["result"]
        ids = {r["id"] for r in result if r["type"] == "labels"}
        for r in result:
            if r["type"] == "relation":
                assert {r["from_id"], r["to_id"]} <= ids and set(r["labels"]) <= relations
                continue
            tag, to_name, values = controls[r["from_name"]]
            assert tag == kinds[r["type"]] and to_name == r["to_name"] == text_name and r["id"] in ids
            value = r["value"]
            assert 0 <= value["start"] < value["end"] <= len(item.text)
            if r["type"] != "textarea":
                assert value["text"] == item.text[value["start"]:value["end"]]
                assert set(value.get("labels", value.get("choices"))) <= values
        measures = sum(r.get("from_name") == "measure" for r in result)
        assert measures == sum(len(x.measures()) for x in item.doc.records)    # one region per fact
        facts += measures
    assert facts > 1000


def _labelstudio_export(tasks: list[dict], seed: int = 11) -> list[dict]:
    """The tasks as Label Studio exports them once annotated: ids everywhere, results in any order."""
    shuffle = random.Random(seed).shuffle
    exported = []
    for n, made in enumerate(tasks, 1):
        result = [dict(r, origin="manual") if r["type"] != "relation" else r
                  for r in made.get("annotations", made.get("predictions"))[0]["result"]]
        shuffle(result)
        exported.append({"id": n, "data": made["data"], "predictions": [],
                         "annotations": [{"id": 1000 + n, "completed_by": 1, "was_cancelled": False,
                                          "ground_truth": False, "lead_time": 12.5, "result": result}]})
    return exported


def _folded(doc) -> tuple:
    records = sorted(json.dumps(dict(r.model_dump(mode="json"), evidence=" ".join(r.evidence.split())),
                                sort_keys=True, ensure_ascii=False) for r in doc.records)
    return doc.meta, doc.notes, records, [m.model_dump() for m in doc.mentions]


def test_gold_out_to_labelstudio_and_back_is_the_same_gold(tmp_path):
    tasks = tmp_path / "gold-tasks.json"
    result = run("export", "--format", "labelstudio", "--from-gold", str(GOLD), str(CORPUS), "-o", str(tasks), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "gold-tasks.config.xml").read_text(encoding="utf-8") == config()
    made = json.loads(tasks.read_text(encoding="utf-8"))
    assert len(made) == TEAM_ARTICLES and all("annotations" in t and "predictions" not in t for t in made)
    exported = tmp_path / "project-1.json"
    exported.write_text(json.dumps(_labelstudio_export(made), ensure_ascii=False), encoding="utf-8")

    result = run("import-labelstudio", str(exported), "-o", str(tmp_path / "back"))
    assert result.returncode == 0, result.stderr
    assert f"{TEAM_ARTICLES} gold files written" in result.stderr
    back, errors = load_documents([tmp_path / "back"], CORPUS)     # the evaluator's own checks of gold
    original, _ = load_documents([GOLD])
    assert not errors and back.keys() == original.keys()
    assert all(_folded(back[d]) == _folded(original[d]) for d in original)

    report = json.loads(run("evaluate", "--pred", str(tmp_path / "back"), "--gold", str(GOLD), "--json").stdout)
    assert report["strict"]["f1"] == report["record_keys"]["f1"] == report["mentions"]["exact"]["f1"] == 1.0
    assert report["strict"]["tp"] > 1300


def test_predictions_accepted_as_they_are_come_back_as_the_same_facts(predicted, tmp_path):
    exported = tmp_path / "accepted.json"
    exported.write_text(json.dumps(_labelstudio_export([task(i.doc, i.text, []) for i in predicted])),
                        encoding="utf-8")
    back, errors, unlabelled = read_export(exported)
    assert not errors and unlabelled == 0
    report = score({i.doc.doc_id: i.doc for i in predicted}, {d.doc_id: d for d in back})
    assert report.strict.f1 == report.record_keys.f1 == report.mentions_exact.f1 == 1.0
    assert report.strict.tp > 1000


def _broken(tasks: list[dict], n: int, change) -> list[dict]:
    tasks = json.loads(json.dumps(tasks))
    change(tasks[n])
    return tasks


def _results(task: dict, **match) -> list[dict]:
    return [r for r in task["annotations"][0]["result"] if all(r.get(k) == v for k, v in match.items())]


BREAKS = {
    "a measure not in the config": (lambda t: _results(t, from_name="measure")[0]["value"].update(choices=["admited"]),
                                    "field result.\\d+.value.choices: one of admitted"),
    "a label not in the config": (lambda t: _results(t, from_name="label")[0]["value"].update(labels=["UNITS"]),
                                  "field result.\\d+.value.labels"),
    "a relation to no region": (lambda t: _results(t, type="relation")[0].update(to_id="nowhere"),
                                "field result.\\d+: a relation from"),
    "a fact with no unit": (lambda t: t["annotations"][0].update(result=[
        r for r in t["annotations"][0]["result"] if r.get("labels") != ["unit"]]),
                            "region r\\d+: field relations: fact \\w+ has no relation to a UNIT region"),
    "a value that is no number": (lambda t: next(r for r in _results(t, from_name="value")
                                                 if r["id"] in {m["id"] for m in _results(t, from_name="measure")})
                                  ["value"].update(text=["nhiều"]), "region r\\d+: field value: the \\w+ as a number"),
    "a span that is not the text's": (lambda t: _results(t, from_name="label")[0]["value"].update(text="khác"),
                                      "field result.\\d+.value.text: 'khác' is not the text at"),
    "a period that is no date": (lambda t: next(r for r in _results(t, from_name="value") if "/" in r["value"]["text"][0])
                                 ["value"].update(text=["2015/2020-13"]), "field records.\\d+.period.end"),
    "a doc_id that is no file name": (lambda t: t["data"].update(doc_id="../t001"), "field data.doc_id"),
}


@pytest.mark.parametrize("name", BREAKS)
def test_import_errors_name_the_file_the_task_and_the_field(gold, tmp_path, name):
    change, message = BREAKS[name]
    tasks = _labelstudio_export([task(i.doc, i.text, [], as_annotation=True) for i in gold[5:8]])
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(_broken(tasks, 1, change), ensure_ascii=False), encoding="utf-8")
    back, errors, _ = read_export(exported)
    assert [d.doc_id for d in back] == [gold[5].doc.doc_id, gold[7].doc.doc_id]    # the others are still read
    assert len(errors) == 1 and errors[0].startswith(f"{exported}: task 1 (id 2)"), errors
    assert re.search(message, errors[0]), errors[0]


def test_export_of_an_extract_output_takes_texts_from_the_articles_beside_it(tmp_path):
    records = tmp_path / "records.jsonl"
    assert run("extract", str(CORPUS / "t001.txt"), str(CORPUS / "t002.txt"), "-o", str(records), "-j", "1").returncode == 0
    out = tmp_path / "two.conll"
    result = run("export", "--format", "conll", str(records), str(CORPUS / "t001.txt"), "-o", str(out), "-j", "1")
    assert result.returncode == 1
    assert "document 't002' has no 'text'" in result.stderr and "1 documents" in result.stderr
    assert out.read_text(encoding="utf-8").count(DOCSTART) == 1
    carried = tmp_path / "with-text.jsonl"        # extract --with-text: the documents carry their texts
    assert run("extract", "--with-text", str(CORPUS / "t002.txt"), "-o", str(carried), "-j", "1").returncode == 0
    result = run("export", "--format", "conll", str(carried), "-o", str(out), "-j", "1")
    assert result.returncode == 0 and "1 documents" in result.stderr, result.stderr


def test_review_and_export_read_an_extract_output_alike(tmp_path):
    """Its error lines passed on, its documents with the texts they carry, a document without one named."""
    text = "Năm 2016, Đảng bộ xã Tân Lập đã kết nạp được 13 đảng viên mới."
    shown = _document("a", text, [("COUNT", text.index("13"), text.index("13") + 2)]).model_copy(update={"text": text})
    error = {"stage": "read", "message": "articles.jsonl:1: bad JSON"}
    output = tmp_path / "records.jsonl"       # its first line an error: still an extract output
    output.write_text("\n".join([json.dumps({"doc_id": "bad", "error": error}), shown.model_dump_json(),
                                 _document("b", text, []).model_dump_json()]) + "\n", encoding="utf-8")
    for items in (list(annotated([str(output)], None, 1)), list(in_input_order([str(output)], 1))):
        assert items[:2] == [Failed("bad", "read", error["message"]), Annotated(shown, text)]
        assert isinstance(items[2], Failed) and items[2].message.startswith(f"{output}:3: document 'b' has no 'text'")


@pytest.mark.parametrize("arguments, message", [
    (["export", "--format", "spacy", "corpus", "-o", "missing/x.spacy"], "does not exist"),
    (["export", "--format", "conll", "corpus", "-o", "x.conll", "--from-gold", "nowhere"], "not a folder"),
    (["import-labelstudio", "nowhere.json", "-o", "g"], "no such file"),
])
def test_bad_arguments_exit_2(arguments, message):
    result = run(*arguments)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def _document(doc_id: str, text: str, mentions: list[tuple[str, int, int]]) -> Document:
    return Document(doc_id=doc_id, mentions=[Mention(label=label, text=text[s:e], start=s, end=e)
                                             for label, s, e in mentions])
