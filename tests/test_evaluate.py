"""The scorer on hand-made prediction/gold pairs with known counts."""
import json
from pathlib import Path

import pytest

from extractor.evaluate import GoldError, load_documents, score, unit_key
from extractor.schema import Document

from conftest import ROOT


def doc(doc_id: str, *records: dict) -> Document:
    return Document.model_validate({"doc_id": doc_id, "records": list(records)})


def admission(unit: str, start, end, group=None, evidence="x", **measures) -> dict:
    return {"type": "admission", "unit": {"name": unit}, "period": {"start": start, "end": end},
            "group": group, "evidence": evidence, **measures}


def test_known_precision_recall():
    gold = {"a": doc("a", admission("Đảng bộ huyện Tân Phú", "2020", "2020", admitted=215, attainment_pct=107.5),
                     admission("Đảng bộ huyện Tân Phú", "2020", "2020", group="nữ", admitted=80))}
    pred = {"a": doc("a", admission("Huyện ủy Tân Phú", "2020-01", "2020-12", admitted=215, attainment_pct=107.53),
                     admission("Đảng bộ huyện Tân Phú", "2020", "2020", group="đảng viên là nữ", admitted=81),
                     admission("Đảng bộ huyện Tân Phú", "2019", "2019", target=300))}
    report = score(pred, gold)
    assert (report.strict.tp, report.strict.fp, report.strict.fn) == (2, 2, 1)
    assert report.strict.precision == pytest.approx(0.5)
    assert report.strict.recall == pytest.approx(2 / 3)
    assert report.strict.f1 == pytest.approx(4 / 7)
    assert report.per_measure["admitted"].tp == 1 and report.per_measure["target"].fp == 1


def test_lenient_ignores_period_and_group():
    gold = {"a": doc("a", admission("Đảng bộ tỉnh Kiên Giang", None, None, group="người Khmer", admitted=871))}
    pred = {"a": doc("a", admission("Đảng bộ Kiên Giang", "2006", None, admitted=871))}
    report = score(pred, gold)
    assert report.strict.tp == 0 and report.lenient.tp == 1


def test_fact_emitted_twice_counts_once():
    gold = {"a": doc("a", admission("Chi bộ xóm 6", "2023", "2023", admitted=1))}
    pred = {"a": doc("a", admission("Chi bộ xóm 6", "2023", "2023", admitted=1),
                     admission("Chi bộ xóm 6", "2023", "2023", admitted=1))}
    report = score(pred, gold)
    assert (report.strict.tp, report.strict.fp) == (1, 1)


@pytest.mark.parametrize("predicted, gold, same", [
    ("Huyện uỷ Tân Phú", "Đảng bộ huyện Tân Phú", True),
    ("Đảng bộ TX Đông Triều", "Đảng bộ thị xã Đông Triều", True),
    ("Đảng bộ Kiên Giang", "Đảng bộ tỉnh Kiên Giang", True),
    ("Ðảng bộ tỉnh Kiên Giang", "Đảng bộ tỉnh Kiên Giang", True),
    ("Đảng bộ huyện Tân Phú", "Đảng bộ tỉnh Tân Phú", False),
    ("Đảng bộ tỉnh", "Đảng bộ huyện", False),
    ("Đảng bộ xã Khánh Nhạc", "Chi bộ xóm 6", False),
])
def test_unit_canonicalisation(predicted, gold, same):
    assert unit_key(predicted).matches(unit_key(gold)) is same


def test_gold_that_breaks_the_spec_is_rejected_with_file_document_field(tmp_path: Path):
    good = {"doc_id": "ok", "meta": {"published": None}, "records": []}
    bad = {"doc_id": "bad", "records": [{"type": "recruitment", "unit": {"name": "X"}, "evidence": "x"}]}
    (tmp_path / "ok.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    (tmp_path / "broken.jsonl").write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    documents, errors = load_documents([tmp_path])
    assert "ok" in documents
    assert any("bad.json" in e and "'bad'" in e and "records.0.type" in e for e in errors), errors
    assert any("broken.jsonl:2" in e for e in errors), errors


def test_gold_evidence_must_occur_in_the_article(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Năm 2020, Đảng bộ xã A kết nạp 5 đảng viên.", encoding="utf-8")
    gold = doc("a", admission("Đảng bộ xã A", "2020", "2020", evidence="kết nạp 6 đảng viên", admitted=6))
    (tmp_path / "a.json").write_text(gold.model_dump_json(), encoding="utf-8")
    _, errors = load_documents([tmp_path / "a.json"], corpus)
    assert errors and "records.0.evidence" in errors[0]


def test_gold_and_numbers_schema():
    with pytest.raises(Exception):
        Document.model_validate({"doc_id": "a", "records": [admission("X", "2020-13", None, admitted=1)]})
    with pytest.raises(GoldError):
        raise GoldError("named")


def _gold_line(doc_id: str, admitted: object = 5) -> str:
    return json.dumps({"doc_id": doc_id, "records": [{"type": "admission", "unit": {"name": "Đảng bộ xã An Bình"},
                                                      "admitted": admitted, "evidence": "x"}]}, ensure_ascii=False)


def test_a_bad_line_costs_that_line_only_and_duplicates_and_strings_are_errors(tmp_path: Path):
    (tmp_path / "g.jsonl").write_text("\n".join([_gold_line("a"), "{broken", _gold_line("b", "12"),
                                                 _gold_line("c", True), _gold_line("a"), _gold_line("d")]) + "\n",
                                      encoding="utf-8")
    documents, errors = load_documents([tmp_path])
    assert sorted(documents) == ["a", "d"]
    assert len(errors) == 4 and all(str(tmp_path / "g.jsonl") in e for e in errors)
    assert ":2: bad JSON" in errors[0] and ":3:" in errors[1] and ":4:" in errors[2] and "again" in errors[3]


def test_evaluate_refuses_to_score_nothing_and_names_unpredicted_documents(tmp_path: Path):
    import subprocess
    import sys
    empty = tmp_path / "empty"
    empty.mkdir()
    preds = tmp_path / "p.jsonl"
    preds.write_text(_gold_line("a") + "\n", encoding="utf-8")
    nothing = subprocess.run([sys.executable, "-m", "extractor", "evaluate", "--gold", str(empty), "--pred", str(preds)],
                             capture_output=True, text=True, cwd=ROOT)
    assert nothing.returncode == 1 and "nothing to score" in nothing.stderr and "1.000" not in nothing.stdout
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "g.jsonl").write_text(_gold_line("a") + "\n" + _gold_line("b") + "\n", encoding="utf-8")
    partly = subprocess.run([sys.executable, "-m", "extractor", "evaluate", "--gold", str(gold), "--pred", str(preds)],
                            capture_output=True, text=True, cwd=ROOT)
    assert partly.returncode == 0 and "1 gold documents have no prediction: b" in partly.stderr
