"""The review site on the team corpus, in Debian's headless Chromium: mentions marked at their
offsets, clicks that light evidence and values, gold marks, sorting, an article that tries to run
a script, and how fast the index of 1,000 documents opens. Screenshots go to tests/artifacts/."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import ROOT, TEAM_ARTICLES
from extractor import review
from extractor.annotated import in_input_order
from extractor.bench import review_inputs
from extractor.evaluate import load_documents, score
from extractor.schema import Document

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# Headless and offline: without these, Chromium waits on connections the closed network never answers.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,900"]
ARTIFACTS = ROOT / "tests" / "artifacts"
CORPUS, GOLD = ROOT / "corpus", ROOT / "gold"
FIRST = "000_b5d0040f2a01af19"
HOSTILE = {"id": '"><img src=x onerror="window.__xss=1">',
           "title": "<script>window.__xss=2</script> Tân Lập",
           "url": "javascript:window.__xss=3",
           "text": "<script>window.__xss=2</script> Tân Lập\n\nNăm 2016, Đảng bộ xã Tân Lập đã kết nạp được 13 đảng viên "
                   "mới.\r\n\"><img src=x onerror=\"window.__xss=4\"> <script>alert(1)</script> </article><b>bold</b>"}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:   # a failure, not a skip: CI installs them (the README's test command)
        pytest.fail(f"the review tests need Debian's chromium and chromium-driver; missing: {', '.join(missing)}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("review")
    hostile = folder / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run_cli("review", str(CORPUS), str(hostile), "-o", str(folder / "site"), "--gold", str(GOLD), "-j", "2")
    assert result.returncode == 0, result.stderr
    assert f"{TEAM_ARTICLES + 1} documents" in result.stderr and f"strict against gold ({TEAM_ARTICLES} documents)" in result.stderr
    return folder / "site"


@pytest.fixture(scope="module")
def predicted(pipeline) -> dict[str, Document]:
    return {p.stem: pipeline.extract(p.read_text(encoding="utf-8"), p.stem) for p in sorted(CORPUS.glob("*.txt"))}


def open_page(browser, path: Path) -> None:
    browser.get(path.as_uri())


def document_page(browser, site: Path, doc_id: str) -> None:
    open_page(browser, site / "index.html")
    href = browser.execute_script(
        "return [...document.querySelectorAll('#documents a')].find(a => a.textContent === arguments[0]).href", doc_id)
    browser.get(href)


def lit_pieces(browser, kind: str) -> dict[tuple[int, int], str]:
    """The lit elements of a kind joined into their spans: (start, end) → the text they show."""
    pieces = browser.execute_script(
        "return [...document.querySelectorAll('#text .' + arguments[0] + '.lit')]"
        ".map(e => [+e.dataset.start, +e.dataset.end, e.textContent])", kind)
    spans: dict[tuple[int, int], str] = {}
    for start, end, text in pieces:
        spans[start, end] = spans.get((start, end), "") + text
    return spans


def test_every_mention_is_marked_at_its_offsets(browser, site, predicted):
    text = (CORPUS / f"{FIRST}.txt").read_text(encoding="utf-8")
    document_page(browser, site, FIRST)
    assert browser.execute_script("return document.getElementById('text').textContent") == text
    marks = browser.execute_script(
        "return [...document.querySelectorAll('#text mark.m')]"
        ".map(e => [e.dataset.label, +e.dataset.start, +e.dataset.end, e.textContent])")
    shown: dict[tuple, str] = {}
    for label, start, end, piece in marks:     # a mention crossing another is written in pieces
        shown[label, start, end] = shown.get((label, start, end), "") + piece
    mentions = predicted[FIRST].mentions
    assert len(mentions) > 20 and set(shown) == {(m.label, m.start, m.end) for m in mentions}
    assert all(piece == text[start:end] for (_, start, end), piece in shown.items())
    colours = browser.execute_script(
        "return Object.fromEntries(['UNIT', 'DATE', 'COUNT', 'PERCENT'].map(l => "
        "[l, getComputedStyle(document.querySelector('#text mark.' + l)).backgroundColor]))")
    assert len(set(colours.values())) == 4


def test_crossing_mentions_are_written_in_pieces_that_add_up(browser, site, predicted):
    doc_id = "t027"   # "Đảng ủy Khối thành lập mới 7" crosses "7 chi bộ"
    text = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    document_page(browser, site, doc_id)
    marks = browser.execute_script(
        "return [...document.querySelectorAll('#text mark.m')].map(e => [+e.dataset.start, +e.dataset.end, e.textContent])")
    crossing = [(a, b) for a in predicted[doc_id].mentions for b in predicted[doc_id].mentions
                if a.start < b.start < a.end < b.end]
    assert crossing
    for a, b in crossing:
        later = [piece for start, end, piece in marks if (start, end) == (b.start, b.end)]
        assert len(later) >= 2 and "".join(later) == text[b.start:b.end]


def test_clicking_a_record_or_a_value_lights_its_evidence_and_values(browser, site, predicted):
    text = (CORPUS / f"{FIRST}.txt").read_text(encoding="utf-8")
    document_page(browser, site, FIRST)
    rows = browser.find_elements(By.CSS_SELECTOR, "#records tr.record")
    records = predicted[FIRST].records
    assert len(rows) == len(records)
    for row, record in zip(rows, records):
        row.click()
        evidence = record.evidence
        assert lit_pieces(browser, "ev") == {(evidence.start, evidence.end): text[evidence.start:evidence.end]}
        assert lit_pieces(browser, "val") == {tuple(span): text[span[0]:span[1]] for span in evidence.spans.values()}
    last = records[-1]
    in_view = browser.execute_script(
        "const r = document.querySelector('#text .ev.lit').getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= innerHeight")
    assert in_view, "the evidence is scrolled to"
    measure, span = next(iter(last.evidence.spans.items()))
    rows[-1].find_element(By.CSS_SELECTOR, "button.v").click()
    assert lit_pieces(browser, "val") == {tuple(span): text[span[0]:span[1]]}
    assert lit_pieces(browser, "ev") == {(last.evidence.start, last.evidence.end): text[last.evidence.start:last.evidence.end]}


def test_a_hostile_article_shows_as_text_and_runs_nothing(browser, site):
    open_page(browser, site / "index.html")
    cells = browser.execute_script(
        "const row = [...document.querySelectorAll('#documents tr')].find(r => r.cells[0].textContent === arguments[0]);"
        "return [row.cells[1].textContent, row.querySelector('a').getAttribute('href')]", HOSTILE["id"])
    assert cells[0] == HOSTILE["title"]
    assert cells[1].startswith("doc/") and set(cells[1][4:]) <= set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
    assert browser.execute_script("return [...document.images].every(i => i.src.startsWith('data:image/svg+xml'))")
    browser.find_element(By.LINK_TEXT, HOSTILE["id"]).click()
    time.sleep(0.2)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.execute_script("return window.__xss") is None
    assert browser.execute_script("return document.images.length") == 0
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE["title"]
    assert browser.execute_script("return document.getElementById('text').textContent") == HOSTILE["text"]
    tags = browser.execute_script("return [...document.querySelectorAll('#text *')].map(e => e.tagName + '.' + e.className)")
    assert tags and set(tags) <= {"MARK.m UNIT", "MARK.m DATE", "MARK.m COUNT", "SPAN.ev", "SPAN.val"}   # only ours
    assert browser.execute_script("return document.scripts.length") == 1
    assert browser.execute_script("return document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    policy = browser.execute_script(
        "return document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy


def test_the_index_puts_the_worst_first_and_sorts_by_any_column(browser, site):
    open_page(browser, site / "index.html")
    column = "return [...document.querySelectorAll('#documents tbody tr')].map(r => r.cells[arguments[0]].dataset.v)"
    heads = browser.execute_script("return [...document.querySelectorAll('#documents th')].map(h => h.textContent)")
    f1, facts = heads.index("F1"), heads.index("facts")
    scored = [float(v) for v in browser.execute_script(column, f1) if v]
    assert len(scored) == TEAM_ARTICLES and scored == sorted(scored) and scored[0] < scored[-1]
    assert browser.execute_script(column, f1)[-1] == ""            # the hostile article has no gold: last
    buttons = browser.find_elements(By.CSS_SELECTOR, "#documents th button")
    buttons[f1].click()                                             # sorted ascending already: now descending
    values = browser.execute_script(column, f1)
    assert [float(v) for v in values if v] == sorted(scored, reverse=True) and values[-1] == ""
    buttons[facts].click()
    ascending = [int(v) for v in browser.execute_script(column, facts)]
    assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
    buttons[facts].click()
    assert [int(v) for v in browser.execute_script(column, facts)] == sorted(ascending, reverse=True)


def test_missed_and_spurious_facts_are_marked_as_the_evaluator_finds_them(browser, site, predicted):
    gold = load_documents([GOLD])[0]
    report = score(predicted, gold)
    doc_id = max(set(report.missed) & set(report.spurious), key=lambda d: (len(report.missed[d]), d))
    document_page(browser, site, doc_id)
    missed = browser.execute_script("return [...document.querySelectorAll('#missed li')].map(li => li.textContent)")
    assert [m.split(" gold evidence not found")[0].strip() for m in missed] == report.missed[doc_id]
    spurious = browser.execute_script("return [...document.querySelectorAll('#spurious li')].map(li => li.textContent)")
    assert spurious == report.spurious[doc_id]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#records button.v.spurious")) == len(report.spurious[doc_id])
    assert browser.find_elements(By.CSS_SELECTOR, "#text .val.spurious")
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('#text .val.spurious')).color") == "rgb(198, 40, 40)"
    text = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    gold_evidence = {" ".join(r.evidence.split()) for r in gold[doc_id].records}
    button = browser.find_element(By.CSS_SELECTOR, "#missed button")
    button.click()
    (start, end), shown = next(iter(lit_pieces(browser, "missed").items()))
    assert shown == text[start:end] and " ".join(shown.split()) in gold_evidence
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "document-with-misses.png"))


def test_screenshots_of_a_document_and_the_index(browser, site):
    ARTIFACTS.mkdir(exist_ok=True)
    document_page(browser, site, "t005")
    browser.find_elements(By.CSS_SELECTOR, "#records tr.record")[0].click()
    browser.execute_script("window.scrollTo(0, 0)")
    shot = ARTIFACTS / "document.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes().startswith(b"\x89PNG")
    open_page(browser, site / "index.html")
    assert browser.save_screenshot(str(ARTIFACTS / "index.png"))
    print(f"screenshots in {ARTIFACTS}")


def test_the_index_of_a_thousand_documents_opens_in_under_two_seconds(browser, tmp_path):
    inputs = review_inputs(CORPUS, GOLD, 1000, tmp_path)
    started = time.perf_counter()
    summary = review.write_site(in_input_order([str(inputs["extracted"])], 1), tmp_path / "site",
                                load_documents([inputs["gold"]])[0])
    written = time.perf_counter() - started
    assert summary.documents == 1000 and summary.scored == 1000 and not summary.errors
    started = time.perf_counter()
    open_page(browser, tmp_path / "site" / "index.html")
    opened = time.perf_counter() - started
    loaded = browser.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
    rows = browser.execute_script("return document.querySelectorAll('#documents tbody tr').length")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings.txt").write_text(f"review of 1000 documents (in process, with gold): {written:.2f} s\n"
                                           f"index of 1000 documents: load event {loaded:.3f} s, "
                                           f"driver.get {opened:.3f} s\n", encoding="utf-8")
    assert rows == 1000 and loaded < 2.0


# ---- without a browser ------------------------------------------------------------------
def test_crossing_spans_are_closed_and_opened_again():
    spans = [review.Span(0, 4, 0, "<a>", "</a>"), review.Span(2, 6, 0, "<b>", "</b>"),
             review.Span(2, 3, 1, "<c>", "</c>")]
    assert review.marked_text("abcdef<", spans) == "<a>ab<b><c>c</c>d</b></a><b>ef</b>&lt;"
    assert review.marked_text("a\r\nb", [review.Span(0, 9, 0, "<x>", "</x>")]) == "a&#13;\nb"   # out of range: left out


def test_page_names_are_safe_and_distinct():
    taken: set[str] = set()
    ids = ["t001", "../../etc/passwd", "a/b", "a:b", "T001", "t001", '"><img src=x>', "x" * 300, ""]
    names = [review.page_name(doc_id, taken) for doc_id in ids]
    assert names[0] == "t001.html" and len({n.lower() for n in names}) == len(ids)
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") for n in names)
    assert all(len(n) <= 100 and not n.startswith(".") for n in names)


def test_gold_evidence_is_located_across_whitespace():
    text = "Mở đầu.\n\nNăm 2016,  Đảng bộ xã\nTân Lập kết nạp 9 đảng viên. Hết."
    where = review.locate(text, ["Năm 2016, Đảng bộ xã Tân Lập kết nạp 9 đảng viên.", "không có"])
    start, end = where["Năm 2016, Đảng bộ xã Tân Lập kết nạp 9 đảng viên."]
    assert text[start:end] == "Năm 2016,  Đảng bộ xã\nTân Lập kết nạp 9 đảng viên." and where["không có"] is None


def test_review_reads_an_extract_output_and_names_lines_without_text(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text("Năm 2016, Đảng bộ phường Xuân Sơn đã kết nạp được 13 đảng viên mới.", encoding="utf-8")
    assert run_cli("extract", str(article), "--with-text", "-o", str(tmp_path / "with.jsonl")).returncode == 0
    assert run_cli("extract", str(article), "-o", str(tmp_path / "without.jsonl")).returncode == 0
    good = run_cli("review", str(tmp_path / "with.jsonl"), "-o", str(tmp_path / "site"))
    assert good.returncode == 0, good.stderr
    page = (tmp_path / "site" / "doc" / "a.html").read_text(encoding="utf-8")
    assert 'data-label="COUNT"' in page and "admitted <b>13</b>" in page
    bad = run_cli("review", str(tmp_path / "without.jsonl"), "-o", str(tmp_path / "bad"))
    assert bad.returncode == 1
    assert f"{tmp_path / 'without.jsonl'}:1: document 'a' has no 'text'" in bad.stderr and "--with-text" in bad.stderr
    assert "has no &#x27;text&#x27;" in (tmp_path / "bad" / "index.html").read_text(encoding="utf-8")
    assert not list((tmp_path / "bad" / "doc").iterdir())
    assert run_cli("review", str(article), "-o", str(article)).returncode == 2   # -o names a file


def test_the_site_inside_its_input_folder_is_not_read_again(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Năm 2016, Đảng bộ xã Tân Lập đã kết nạp được 13 đảng viên mới.", encoding="utf-8")
    for _ in range(2):
        result = run_cli("review", str(tmp_path), "-o", str(tmp_path / "site"), "-j", "1")
        assert result.returncode == 0 and result.stderr.startswith("1 documents"), result.stderr
