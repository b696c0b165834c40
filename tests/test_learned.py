"""The learned decisions: value slots and their options, labels from gold, the model file,
training and cross-validation by website."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.align import align
from extractor.evaluate import load_documents, score
from extractor.learned import Decisions, LinearModel, MODEL_PATH, untrained
from extractor.pipeline import Pipeline
from extractor.schema import Document
from extractor.train import Example, folds, load_examples

from conftest import ROOT

READER = Pipeline(decisions=untrained())


def _slots(text: str):
    return READER.read(text).slots


def test_every_number_is_a_value_slot():
    text = ("Năm 2022, Đảng bộ xã Tân Lập kết nạp được 4, đạt 50% kế hoạch. "
            "Các xã Hòa An 12 đảng viên, Hòa Bình 7/5.")
    values = sorted(s.value.value for s in _slots(text))
    assert values == [4, 5, 7, 12, 50]   # the bare 4, the percent, the count, and both sides of 7/5
    denominator = next(s for s in _slots(text) if s.value.value == 5)
    assert text[slice(*denominator.value.value_span)] == "5"


def test_a_bare_name_before_a_value_is_a_unit_option():
    slots = _slots("Năm 2021, chỉ tiêu kết nạp của các huyện: Hội An 110; Điện Bàn 150.")
    last = next(s for s in slots if s.value.value == 150)
    options = {o.unit.name: o.cues for o in last.units}
    assert "Đảng bộ Điện Bàn" in options and options["Đảng bộ Điện Bàn"].get("src=list_name")


def test_a_place_name_ends_where_the_official_name_begins():
    slots = _slots("Đảng ủy xã Tân Hòa Nguyễn Văn An cho biết, năm 2023 xã kết nạp được 9 đảng viên.")
    assert "Đảng ủy xã Tân Hòa" in {o.unit.name for o in slots[-1].units}


def test_the_values_before_in_a_list_lend_their_cues():
    slots = _slots("Chỉ tiêu năm 2023: Đảng bộ TP Tam Kỳ 150 đảng viên; Hội An 110; Điện Bàn 90.")
    assert any(c == "earlier:target" for c in slots[-1].cues)


ARTICLE = ("Tân Lập kết nạp 12 đảng viên mới\n"
           "Năm 2022, Đảng bộ xã Tân Lập đã kết nạp được 12 đảng viên mới, đạt 120% kế hoạch. "
           "Xã có 5 thôn.")
GOLD = {"doc_id": "a", "meta": {"published": None}, "records": [
    {"type": "admission", "unit": {"name": "Đảng bộ xã Tân Lập"}, "period": {"start": "2022", "end": "2022"},
     "admitted": 12, "attainment_pct": 120,
     "evidence": "Năm 2022, Đảng bộ xã Tân Lập đã kết nạp được 12 đảng viên mới, đạt 120% kế hoạch."}]}


def test_gold_facts_align_to_the_value_in_their_evidence():
    read = READER.read(ARTICLE)
    labels, aligned = align(read.norm.text, read.slots, Document.model_validate(GOLD))
    assert aligned == 2
    by_value = {(s.value.value, "title" in s.flags): l.measure for s, l in zip(read.slots, labels)}
    assert by_value[(12, False)] == "admitted" and by_value[(120, False)] == "attainment_pct"
    assert by_value[(12, True)] is None    # the headline repeats a gold value: left out of training
    assert by_value[(5, False)] == "none"


def test_model_round_trip_and_allowed_classes(tmp_path: Path):
    measure = LinearModel(["none", "admitted", "share_pct"], [0.0, 0.0, 0.0],
                          {"noun=đảng viên": [0.0, 2.0, 3.0]})
    ranker = LinearModel(["yes"], [-1.0], {"src=same_before": [2.5]})
    path = tmp_path / "m.json.gz"
    Decisions(measure, ranker, ranker).save(path)
    loaded = Decisions.load(path)
    features = {"noun=đảng viên": 1.0}
    assert loaded.measure.predict_many([features], [frozenset({"none", "admitted"})]) == ["admitted"]
    assert loaded.measure.predict_many([features], [frozenset({"none", "share_pct"})]) == ["share_pct"]
    assert loaded.unit.scores_many([{"src=same_before": 1.0}, {}]).tolist() == [[1.5], [-1.0]]


def test_a_bad_model_file_is_named(tmp_path: Path):
    bad = tmp_path / "broken.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="broken.json.gz"):
        Decisions.load(bad)


def test_the_shipped_model_loads_and_is_small():
    assert MODEL_PATH.stat().st_size < 5_000_000
    decisions = Decisions.load()
    assert "none" in decisions.measure.classes and decisions.unit.classes == ["yes"]


def test_folds_never_split_a_website():
    examples = [Example(f"d{n}", "", None, [], Document(doc_id=f"d{n}"), f"site{n % 7}") for n in range(40)]
    buckets = folds(examples, 5)
    assert sorted(e.doc_id for b in buckets for e in b) == sorted(e.doc_id for e in examples)
    sites = [{e.site for e in bucket} for bucket in buckets]
    assert all(not (a & b) for i, a in enumerate(sites) for b in sites[i + 1:])


def test_training_labels_cover_the_team_gold():
    examples, aligned, total = load_examples(READER, ROOT / "corpus", ROOT / "gold")
    assert len(examples) >= 40 and aligned >= 0.95 * total


def _small_dev(tmp_path: Path) -> Path:
    """A dev set in the shape of ../shared/dev, made of team articles from four 'sites'."""
    dev = tmp_path / "dev"
    (dev / "corpus").mkdir(parents=True)
    (dev / "gold").mkdir()
    ids = [f"t{n:03d}" for n in range(41, 53)]
    lines = ["doc_id\turl"]
    for n, doc_id in enumerate(ids):
        (dev / "corpus" / f"{doc_id}.txt").write_bytes((ROOT / "corpus" / f"{doc_id}.txt").read_bytes())
        (dev / "gold" / f"{doc_id}.json").write_bytes((ROOT / "gold" / f"{doc_id}.json").read_bytes())
        lines.append(f"{doc_id}\thttps://www.site{n % 4}.vn/a/{doc_id}.html")
    (dev / "urls.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dev


def test_cross_validation_reports_folds_and_saves_predictions(tmp_path: Path):
    dev = _small_dev(tmp_path)
    saved = tmp_path / "oof.jsonl"
    run = subprocess.run([sys.executable, "-m", "extractor", "evaluate", "--cv", "2", "--dev", str(dev), "--json",
                          "--save-predictions", str(saved)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert len(report["folds"]) == 2 and sum(len(f["documents"]) for f in report["folds"]) == 12
    assert report["aligned"]["aligned"] <= report["aligned"]["facts"]
    # the saved out-of-fold predictions score exactly as the report says
    predictions, errors = load_documents([saved])
    gold, _ = load_documents([dev / "gold"])
    assert errors == [] and set(predictions) == set(gold)
    assert round(score(predictions, gold).strict.f1, 4) == report["strict"]["f1"]


def test_train_writes_a_model_the_pipeline_uses(tmp_path: Path):
    model = tmp_path / "model.json.gz"
    run = subprocess.run([sys.executable, "-m", "extractor", "train", "--dev", str(tmp_path / "none"), "-o", str(model)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "gold facts aligned" in run.stderr
    doc = Pipeline(decisions=Decisions.load(model)).extract(ARTICLE, "a")
    assert ("admitted", 12) in [(m, v) for r in doc.records for m, v in r.measures().items()]


def _facts(pipeline: Pipeline, text: str) -> list[tuple]:
    doc = pipeline.extract(text, "x")
    return [(m, v, r.unit.name, (r.period.start, r.period.end) if r.period else None, r.group)
            for r in doc.records for m, v in r.measures().items()]


@pytest.mark.parametrize("text, expected", [
    # the subject's count, for the stated year; the comparison's year and difference are no fact
    ("Năm 2021, Đảng bộ huyện Tân Phú kết nạp được 215 đảng viên mới, tăng 30 đảng viên so với năm 2020.",
     [("admitted", 215, "Đảng bộ huyện Tân Phú", ("2021", "2021"), None)]),
    # a goal word makes a target
    ("Năm 2023, Đảng bộ xã An Bình phấn đấu kết nạp 12 đảng viên mới.",
     [("target", 12, "Đảng bộ xã An Bình", ("2023", "2023"), None)]),
    # a total of members; its period is no part of the key
    ("Tính đến ngày 31/12/2022, Đảng bộ huyện Cái Bè có 6.120 đảng viên.",
     [("members", 6120, "Đảng bộ huyện Cái Bè", None, None)]),
    # a part of a total takes the total's period and names its group
    ("Trong 6 tháng đầu năm 2022, toàn tỉnh kết nạp 1.200 đảng viên, đạt 52% kế hoạch. Trong đó, nữ chiếm 45%.",
     [("admitted", 1200, "Đảng bộ tỉnh", ("2022-01", "2022-06"), None),
      ("attainment_pct", 52, "Đảng bộ tỉnh", ("2022-01", "2022-06"), None),
      ("share_pct", 45, "Đảng bộ tỉnh", ("2022-01", "2022-06"), "nữ")]),
    # badges are no admission
    ("Ban Thường vụ Huyện ủy trao Huy hiệu 30 năm tuổi Đảng cho 38 đảng viên.", []),
], ids=["comparison", "target", "members", "parts", "badges"])
def test_the_shipped_decisions_on_plain_sentences(pipeline, text, expected):
    assert _facts(pipeline, text) == expected


def test_each_listed_unit_keeps_its_own_count(pipeline):
    text = ("Năm 2022, các đảng bộ trực thuộc đều hoàn thành chỉ tiêu. Trong đó, Đảng bộ huyện Định Quán "
            "kết nạp 95 đảng viên, Đảng bộ huyện Trảng Bom kết nạp 120 đảng viên.")
    assert [(v, unit) for _, v, unit, _, _ in _facts(pipeline, text)] == [
        (95, "Đảng bộ huyện Định Quán"), (120, "Đảng bộ huyện Trảng Bom")]


def test_the_party_one_joins_is_no_unit_option():
    slots = _slots("Năm 2023, Chi bộ thôn Đông kết nạp 3 quần chúng ưu tú vào Đảng Cộng sản Việt Nam.")
    names = {o.unit.name for o in slots[-1].units}
    assert "Chi bộ thôn Đông" in names and "Đảng Cộng sản Việt Nam" not in names
    national = _slots("Năm 2006, toàn Đảng kết nạp được 186.000 đảng viên.")
    assert "Đảng Cộng sản Việt Nam" in {o.unit.name for o in national[-1].units}


def test_bare_numbers_with_scale_words_and_dotted_fractions_are_slots():
    assert [(s.value.value, s.value.approx) for s in _slots("Năm 2020, toàn tỉnh kết nạp gần 4 ngàn.")] == [(4000, "under")]
    ended = _slots("Năm 2002, tổng số đảng viên lên gần 2,5 triệu./.")     # a scale word before "./." (t011)
    assert [(s.value.value, s.value.approx) for s in ended] == [(2500000, "under")]
    slots = _slots("Năm 2021, huyện kết nạp được 312/1.045 đảng viên.")
    assert sorted(s.value.value for s in slots) == [312, 1045]


def test_a_fractional_count_is_no_value_and_no_fact(pipeline):
    text = "Năm 2020, Đảng bộ xã An Bình đã kết nạp 6,79 đảng viên mới."    # never rounded to 7
    assert _slots(text) == [] and pipeline.extract(text, "x").records == []


def test_a_value_shared_by_units_named_together_holds_for_each(pipeline):
    """LABELING: "A và B cùng/đều kết nạp được N" gives N to each unit."""
    text = "Năm 2021, Đảng bộ xã An Bình và Đảng bộ xã Hòa An cùng kết nạp được 25 đảng viên mới."
    assert [(unit, v) for _, v, unit, _, _ in _facts(pipeline, text)] == [
        ("Đảng bộ xã An Bình", 25), ("Đảng bộ xã Hòa An", 25)]
    alone = "Năm 2021, Đảng bộ xã An Bình kết nạp được 25 đảng viên mới, Đảng bộ xã Hòa An được khen thưởng."
    assert [(unit, v) for _, v, unit, _, _ in _facts(pipeline, alone)] == [("Đảng bộ xã An Bình", 25)]
