"""The pipeline on real text: the team corpus against its gold, offsets, bad input."""
import json
import time
from pathlib import Path

import pytest

from extractor.evaluate import load_documents, score
from extractor.schema import Evidence

from conftest import DEV, ROOT

CORPUS = sorted((ROOT / "corpus").glob("*.txt"))


def test_corpus_has_gold_for_every_article():
    gold, errors = load_documents([ROOT / "gold"], ROOT / "corpus")
    assert errors == []
    assert {p.stem for p in CORPUS} == set(gold)
    assert len(CORPUS) >= 40 and sum(bool(d.mentions) for d in gold.values()) >= 20


def _run(pipeline, folder: Path) -> dict:
    return {p.stem: pipeline.extract(p.read_text(encoding="utf-8"), p.stem) for p in sorted(folder.glob("*.txt"))}


def _trained_on() -> set[str]:
    lines = (ROOT / "corpus" / "training.ids").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_corpus_scores_against_gold(pipeline, capsys):
    """The team articles the model trained on, and those it never saw (the honest number)."""
    gold, _ = load_documents([ROOT / "gold"])
    predictions = _run(pipeline, ROOT / "corpus")
    trained = _trained_on()
    reports = {name: score({d: predictions[d] for d in ids}, {d: gold[d] for d in ids})
               for name, ids in (("trained on", trained & set(gold)), ("never trained on", set(gold) - trained))}
    with capsys.disabled():
        for name, report in reports.items():
            print(f"\nteam corpus, {name}: strict F1 {report.strict.f1:.3f}, lenient F1 {report.lenient.f1:.3f}")
    assert reports["trained on"].strict.f1 >= 0.79 and reports["trained on"].lenient.f1 >= 0.92
    # t041-t055: lists of sub-units with bare numbers, the hardest articles the team wrote
    assert reports["never trained on"].strict.f1 >= 0.40 and reports["never trained on"].lenient.f1 >= 0.45


@pytest.mark.skipif(not (DEV / "corpus").is_dir(), reason="shared dev set not present")
def test_dev_set_scores(pipeline, capsys):
    gold, errors = load_documents([DEV / "gold"], DEV / "corpus")
    assert errors == []
    report = score(_run(pipeline, DEV / "corpus"), gold)
    with capsys.disabled():
        print(f"\ndev set: strict F1 {report.strict.f1:.3f}, lenient F1 {report.lenient.f1:.3f}")
    # a regression guard: the shipped model was trained on these articles (the honest number is
    # `evaluate --cv 5`, README)
    assert report.strict.f1 >= 0.83 and report.lenient.f1 >= 0.91


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_value_points_at_its_surface(pipeline, path):
    text = path.read_text(encoding="utf-8")
    doc = pipeline.extract(text, path.stem)
    for record in doc.records:
        evidence = record.evidence
        assert isinstance(evidence, Evidence)
        sentence = text[evidence.start:evidence.end]
        assert sentence.strip() == sentence and sentence
        for measure, (start, end) in evidence.spans.items():
            assert evidence.start <= start < end <= evidence.end
            surface = text[start:end]
            assert surface[0].isdigit() or surface.split()[0].lower() in {"một", "hai", "ba", "bốn", "năm",
                                                                         "sáu", "bảy", "tám", "chín", "mười"}
    for mention in doc.mentions:
        assert text[mention.start:mention.end] == mention.text


def test_original_offsets_survive_normalisation(pipeline):
    text = "Năm 2020, Ðảng\u00a0bộ huyện Tân Phú đã kết nạp được 215 đảng viên, đạt 107,5% kế hoạch."
    decomposed = text.replace("ạ", "a\u0323")   # NFD characters shift every later offset
    for variant in (text, decomposed):
        doc = pipeline.extract(variant, "x")
        record = doc.records[0]
        start, end = record.evidence.spans["admitted"]
        assert variant[start:end] == "215"
        start, end = record.evidence.spans["attainment_pct"]
        assert variant[start:end] == "107,5"
        assert record.unit.name == "Đảng bộ huyện Tân Phú"


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\ufeff"])
def test_empty_article_gives_no_records(pipeline, text):
    doc = pipeline.extract(text, "empty")
    assert doc.records == [] and doc.doc_id == "empty"


def test_site_chrome_after_the_article_gives_no_records(pipeline):
    text = ("Đảng bộ xã An Bình kết nạp 5 đảng viên\nThứ Hai, 07/12/2015, 11:31 [GMT+7]\n"
            "Năm 2015, Đảng bộ xã An Bình đã kết nạp được 5 đảng viên mới.\n"
            "Tin liên quan\nĐảng bộ huyện Cái Bè kết nạp 200 đảng viên mới\n")
    doc = pipeline.extract(text, "x")
    assert doc.meta.published == "2015-12-07T11:31"
    assert [(r.unit.name, r.admitted) for r in doc.records] == [("Đảng bộ xã An Bình", 5)]


@pytest.mark.parametrize("text, published", [
    ("Trong 13 tháng đầu năm 2023, Đảng bộ xã An Bình kết nạp 5 đảng viên.", "2023-06-01"),
    ("Ngày 31/2/2023, Đảng bộ xã An Bình kết nạp 5 đảng viên.", "2023-06-01"),
    ("Trong 59 tháng, Đảng bộ xã An Bình kết nạp 5 đảng viên.", "2023-06-01"),
    ("Trong 0 tháng đầu năm 2023, Đảng bộ xã An Bình kết nạp 5 đảng viên.", "2023-06-01"),
    ("Trong năm qua, Đảng bộ xã An Bình kết nạp 5 đảng viên.", "0001-01-01"),    # the year before year 1
])
def test_an_impossible_date_is_no_period_and_loses_no_fact(pipeline, text, published):
    doc = pipeline.extract(text, "x", published=published)
    assert [(r.unit.name, r.admitted) for r in doc.records] == [("Đảng bộ xã An Bình", 5)]


@pytest.mark.parametrize("piece", ["kết nạp 1 đảng viên, ", "năm 2020 - "])
def test_time_grows_in_step_with_the_length_of_text_without_punctuation(pipeline, piece):
    """8 times the text takes about 8 times as long; it took 64 times as long when a stage compared
    every unit or date with every other (100,000 characters took 6-9 s)."""
    seconds = []
    for length in (20_000, 160_000):
        text = (piece * (length // len(piece) + 1))[:length]
        started = time.perf_counter()
        pipeline.extract(text, "long")
        seconds.append(time.perf_counter() - started)
    assert seconds[1] / seconds[0] < 24, seconds
