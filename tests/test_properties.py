"""Property-based tests (hypothesis): whatever an analyst feeds the reader and the pipeline,
no exception escapes, every offset lies inside the text and points at its value, and the output
validates."""
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from extractor.inputs import InputError, _jsonl_article, _text_article
from extractor.schema import Document

PIECES = ["kết nạp", "đảng viên", "Đảng bộ xã An Bình", "toàn tỉnh", "trong đó", "năm 2020", "nhiệm kỳ 2015 - 2020",
          "hơn", "gần", "khoảng", "đạt", "%", "chiếm", "chỉ tiêu", "7/5", "1.045", "2,5 triệu", "...", "./.", ";",
          "(", ")", "\n", "\n\n", "tháng 13", "ngày 31/2", "0", "00000000000000000000", "Chi bộ", "Huyện ủy",
          "\u0000", "\ufeff", "Ð", "uỷ", "𝔘", "a\u0301"]
ARTICLES = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12), st.integers(0, 10**7).map(str)),
                    max_size=60).map(" ".join)


def _check(doc: Document, text: str) -> None:
    Document.model_validate(doc.model_dump())
    for record in doc.records:
        evidence = record.evidence
        assert 0 <= evidence.start <= evidence.end <= len(text)
        for start, end in evidence.spans.values():
            assert evidence.start <= start < end <= evidence.end
            assert any(c.isdigit() for c in text[start:end]) or text[start:end].strip()
    for mention in doc.mentions:
        assert text[mention.start:mention.end] == mention.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARTICLES)
def test_any_article_gives_a_valid_document(pipeline, text):
    _check(pipeline.extract(text, "x"), text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_an_article_or_an_error(data):
    result = _text_article("x", "x.txt", data)
    if isinstance(result, InputError):
        assert str(result).startswith("x.txt: ")
    else:
        assert isinstance(result.text, str) and result.doc_id == "x"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200),
                 st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
                              lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.sampled_from(["id", "doc_id", "text", "html",
                                                                                       "published", "url", "title"]),
                                                                      inner, max_size=5)),
                              max_leaves=20).map(lambda value: json.dumps(value).encode("utf-8"))))
def test_any_jsonl_line_is_an_article_or_an_error(line):
    try:
        article = _jsonl_article(line, "in.jsonl:1")
    except InputError as error:
        assert str(error).startswith("in.jsonl:1")
    else:
        assert article.doc_id and (article.text is not None or article.html is not None)
