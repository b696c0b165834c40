"""Sentence boundaries: wrapped lines join, headlines and paragraphs do not, offsets are exact."""
import pytest

from extractor.rules import Rules
from extractor.segment import Segmenter

sentences = Segmenter(Rules.load()).sentences

CASES = [
    # a short wrapped line inside a paragraph: the sentence goes on
    ("Từ 2010 đến nay, tỉnh Sóc Trăng kết nạp được 950 đảng viên người\nKhmer, nâng tổng số lên 2.100.",
     ["Từ 2010 đến nay, tỉnh Sóc Trăng kết nạp được 950 đảng viên người\nKhmer, nâng tổng số lên 2.100."]),
    # a headline repeated above the lead stays its own sentence
    ("Đảng bộ xã Yên Bình kết nạp 7 đảng viên mới\nThời gian qua, Đảng bộ xã luôn coi trọng công tác phát triển đảng viên.",
     ["Đảng bộ xã Yên Bình kết nạp 7 đảng viên mới",
      "Thời gian qua, Đảng bộ xã luôn coi trọng công tác phát triển đảng viên."]),
    # a blank line always ends a sentence, however long the line before it
    ("Đoàn công tác của Ban Tổ chức Tỉnh ủy làm việc với Ban Thường vụ Huyện ủy Bảo Lâm về công tác phát triển đảng viên\n\n"
     "Huyện hiện có 3.100 đảng viên.",
     ["Đoàn công tác của Ban Tổ chức Tỉnh ủy làm việc với Ban Thường vụ Huyện ủy Bảo Lâm về công tác phát triển đảng viên",
      "Huyện hiện có 3.100 đảng viên."]),
    # a line that continues in lower case is wrapped
    ("Năm 2021, Đảng bộ huyện Yên Dũng đã kết nạp được\n120 đảng viên mới, đạt 100% kế hoạch.",
     ["Năm 2021, Đảng bộ huyện Yên Dũng đã kết nạp được\n120 đảng viên mới, đạt 100% kế hoạch."]),
    # abbreviations with a full stop do not end a sentence
    ("Đảng bộ TP. Hồ Chí Minh kết nạp 6.000 đảng viên. Toàn thành phố có 220.000 đảng viên.",
     ["Đảng bộ TP. Hồ Chí Minh kết nạp 6.000 đảng viên.", "Toàn thành phố có 220.000 đảng viên."]),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[1][0][:40] for c in CASES])
def test_sentences(text, expected):
    found = sentences(text)
    assert [s.text for s in found] == expected
    assert all(text[s.start:s.end] == s.text for s in found)


def test_an_over_long_sentence_is_cut_at_a_clause_break():
    text = "Đảng bộ xã An Bình kết nạp 5 đảng viên; " * 200     # 8,000 characters, no full stop
    found = sentences(text)
    assert len(found) >= 8 and all(len(s.text) <= 1000 for s in found)
    assert all(s.text.endswith(";") for s in found[:-1])      # cut after a ";", not inside a word
    assert all(text[s.start:s.end] == s.text for s in found)
