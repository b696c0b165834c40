"""Which names of a sentence stand for units of their own (units.UnitResolver.units_of)."""
import pytest

from extractor.mentions import MentionFinder
from extractor.normalize import normalise
from extractor.rules import Rules
from extractor.segment import Sentence
from extractor.units import UnitResolver

RULES = Rules.load()
FINDER = MentionFinder(RULES)
RESOLVER = UnitResolver(RULES)


def _units_of(text: str) -> list[str]:
    text = normalise(text).text
    sentence = Sentence(0, len(text), text)
    found = [f for f in FINDER.find(text, None) if f.label == "UNIT"]
    return [u.name for u in RESOLVER.units_of(sentence, found, FINDER.places(text))]


@pytest.mark.parametrize("text, units", [
    # a place of a higher tier right after a unit says where it is
    ("Chi bộ thôn Đông Hà, xã Tân Lập kết nạp 2 đảng viên.", ["Chi bộ thôn Đông Hà"]),
    ("Chi bộ Trường THCS Lê Lợi (huyện Cam Lâm) kết nạp 3 đảng viên.", ["Chi bộ Trường THCS Lê Lợi"]),
    # a peer of the same tier, or a place not right after the unit, is a unit of its own
    ("Đảng bộ huyện Cam Lâm, huyện Diên Khánh đều kết nạp 20 đảng viên.",
     ["Đảng bộ huyện Cam Lâm", "Đảng bộ huyện Diên Khánh"]),
    ("Chi bộ thôn Đông Hà kết nạp 2 đảng viên, xã Tân Lập kết nạp 9 đảng viên.",
     ["Chi bộ thôn Đông Hà", "Đảng bộ xã Tân Lập"]),
])
def test_address_is_no_unit(text, units):
    assert _units_of(text) == units


def _resolved(text: str) -> list:
    text = normalise(text).text
    found = [f for f in FINDER.find(text, None) if f.label == "UNIT"]
    registry = RESOLVER.registry(found + FINDER.places(text))
    return [r.name if r else None for r in (RESOLVER.resolve(u, registry, None) for u in found)]


@pytest.mark.parametrize("text, names", [
    # an organ word that refers back ("chi bộ") stands for the cell of its kind named nearest
    ("Chi bộ thôn Đông Hà có 30 đảng viên. Năm nay, chi bộ kết nạp 2 đảng viên.",
     ["Chi bộ thôn Đông Hà", "Chi bộ thôn Đông Hà"]),
    # one that does not ("đảng bộ") is no unit alone
    ("Đảng bộ xã Tân Lập có 300 đảng viên. Năm nay, đảng bộ kết nạp 12 đảng viên.", ["Đảng bộ xã Tân Lập", None]),
])
def test_refers_back(text, names):
    assert _resolved(text) == names


@pytest.mark.parametrize("before, head", [
    # a list's items share the institution head before its colon
    ("Huyện kết nạp 7 học sinh ở 2 Trường trung học phổ thông: ", "Trường trung học phổ thông"),
    ("trong đó, Trường THPT: Lê Lợi 3, ", "Trường THPT"),
    # no colon, or a clause ended since: no head
    ("Huyện kết nạp 7 học sinh ở 2 Trường trung học phổ thông ", None),
    ("các Trường THPT: Lê Lợi 3 đảng viên; xã ", None),
])
def test_list_head(before, head):
    from extractor.candidates import CandidateFinder
    match = CandidateFinder(RULES).item_patterns.list_head.search(before)
    assert (match["head"] if match else None) == head
