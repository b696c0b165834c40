"""The gazetteer on the data of the installed `vietnam-provinces` package."""
import json

import pytest
import regex

from conftest import DEV
from extractor import gazetteer
from extractor.gazetteer import is_place, province_from_places, province_of


def test_data_come_from_the_pre_reform_package_and_load_once():
    assert gazetteer.source().startswith("vietnam-provinces 0.6")
    assert gazetteer._index() is gazetteer._index()


@pytest.mark.parametrize("name, level, province", [
    ("Điện Bàn", None, "Quảng Nam"),
    ("Điện Bàn", "thị xã", "Quảng Nam"),
    ("Điện Bàn", "huyện", "Quảng Nam"),       # a huyện until 2015: the level may have gone up since
    ("Hội An", "thành phố", "Quảng Nam"),
    ("Xuân Lộc", "huyện", "Đồng Nai"),
    ("Ninh Kiều", "quận", "Cần Thơ"),
    ("Hải Dương", "thành phố", "Hải Dương"),  # no centrally-run city of that name: the provincial one
    ("Tân Phú", "quận", "Hồ Chí Minh"),       # huyện Tân Phú is in Đồng Nai, quận Tân Phú in the city
    ("1", "quận", "Hồ Chí Minh"),
    ("Quận 01", None, "Hồ Chí Minh"),
])
def test_district_and_commune_names_give_their_province(name, level, province):
    assert province_of(name, level) == province


@pytest.mark.parametrize("name, province", [
    ("Ninh Thuận", "Ninh Thuận"),
    ("Kiên Giang", "Kiên Giang"),
    ("kiên giang", "Kiên Giang"),
    ("KIÊN GIANG", "Kiên Giang"),
    ("Hà Nội", "Hà Nội"),
    ("Hồ Chí Minh", "Hồ Chí Minh"),
    ("TP.HCM", "Hồ Chí Minh"),
    ("TP Hồ Chí Minh", "Hồ Chí Minh"),
    ("TP. Hồ Chí Minh", "Hồ Chí Minh"),
    ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
    ("tỉnh Quảng Nam", "Quảng Nam"),
    ("Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu"),
    ("Hoà Bình", "Hòa Bình"),                # the data write "Hoà": returned in the new spelling
    ("Thừa Thiên Huế", "Huế"),               # a centrally-run city, "Huế", since 2025-01-01
    ("Đắk Lắk", "Đắk Lắk"),
    ("Đắc Lắc", "Đắk Lắk"),                  # older spelling
    ("Dak Nong", "Đắk Nông"),                # no diacritics at all
])
def test_province_names_come_back_in_their_short_form(name, province):
    assert province_of(name) == province
    assert province_of(name.removeprefix("tỉnh "), "tỉnh") == province


@pytest.mark.parametrize("old, new, province, level", [
    ("Thuỷ Nguyên", "Thủy Nguyên", "Hải Phòng", "huyện"),
    ("Hoà Vang", "Hòa Vang", "Đà Nẵng", "huyện"),
    ("Kiến Thuỵ", "Kiến Thụy", "Hải Phòng", "huyện"),
    ("Phú Quí", "Phú Quý", "Bình Thuận", "huyện"),   # the data write "Quí"
    ("Đăk Glei", "Đắk Glei", "Kon Tum", "huyện"),
])
def test_spelling_variants_match(old, new, province, level):
    assert province_of(old, level) == province_of(new, level) == province
    assert is_place(old, level) and is_place(new, level)


@pytest.mark.parametrize("name, level", [
    ("Tân Phú", None),           # huyện in Đồng Nai, quận in Hồ Chí Minh, and communes elsewhere
    ("Tân Phú", "huyện"),        # the quận could have been a huyện once: no guess
    ("Phong Điền", "huyện"),     # Cần Thơ, and Thừa Thiên Huế (a thị xã since 2025)
    ("Long An", "xã"),           # a province, but as a commune name in several provinces
    ("Tân Hội", "xã"),
])
def test_names_in_several_provinces_give_none(name, level):
    assert is_place(name, level)
    assert province_of(name, level) is None


def test_a_province_name_wins_over_communes_of_the_same_name():
    assert province_of("Long An") == "Long An"


@pytest.mark.parametrize("name, level", [
    ("Atlantis", None),
    ("Atlantis", "xã"),
    ("", None),
    ("Điện Bàn", "xã"),          # a district, not a commune
    ("Điện Bàn", "phường"),
    ("Kiên Giang", "huyện"),     # a province, not a district
    ("Điện Bàn", "cơ quan"),     # not a level of place at all
])
def test_unknown_names_and_wrong_levels(name, level):
    assert province_of(name, level) is None
    assert not is_place(name, level)


def test_levels_are_read_loosely():
    assert province_of("Điện Bàn", "Thị xã") == province_of("Điện Bàn", "TX") == "Quảng Nam"
    assert province_of("Hội An", "TP") == "Quảng Nam"
    assert is_place("Hội An", "thanh pho")


def test_province_from_places_takes_the_clear_majority():
    assert province_from_places([
        ("thị xã", "Điện Bàn"), ("xã", "Tân Phú"), ("thành phố", "Hội An"),
        ("tỉnh", "Quảng Nam"), ("huyện", "Xuân Lộc"),
    ]) == "Quảng Nam"                      # 3 of the 4 that resolve; Tân Phú counts for nothing
    assert province_from_places([(None, "Điện Bàn"), (None, "TP.HCM"), (None, "Duy Xuyên")]) == "Quảng Nam"


def test_province_from_places_gives_none_without_clear_evidence():
    assert province_from_places([]) is None
    assert province_from_places([("xã", "Tân Phú"), ("huyện", "Phong Điền"), (None, "Atlantis")]) is None
    assert province_from_places([("tỉnh", "Quảng Nam"), ("huyện", "Xuân Lộc")]) is None       # a tie
    assert province_from_places([("tỉnh", "Quảng Nam"), ("huyện", "Xuân Lộc"), (None, "Hà Nội")]) is None


# On the shared dev set: level word + capitalised words, as a reader of the text finds them.
_NAME = r"(?:\p{Lu}[\p{L}\p{M}’']*|\d+)"
_GOLD_UNIT = regex.compile(rf"\b(?P<lv>[Hh]uyện|[Tt]hị xã|[Qq]uận|[Tt]hành phố|[Xx]ã|[Pp]hường)\s+(?P<n>{_NAME}(?:\s+{_NAME})*)$")
_GOLD_PROVINCE = regex.compile(rf"\btỉnh\s+(?P<n>{_NAME}(?:\s+{_NAME})*)")
_TEXT_PLACE = regex.compile(
    r"(?<!\p{L})(?:(?P<uy>Tỉnh|Huyện|Thị|Thành|Quận)\s+[uủ][ỷy]|(?P<lv>[Tt]ỉnh|[Tt]hành\s+phố|T[Pp]\b\.?|[Hh]uyện"
    rf"|[Tt]hị\s+xã|TX\b\.?|[Qq]uận|[Xx]ã|[Pp]hường|[Tt]hị\s+trấn))\s*(?P<n>{_NAME}(?:[ ]+{_NAME}){{0,4}}|HCM)")
_UY = {"Tỉnh": "tỉnh", "Huyện": "huyện", "Thị": "thị xã", "Thành": "thành phố", "Quận": "quận"}


def _places(text):
    for match in _TEXT_PLACE.finditer(text):
        level = _UY[match.group("uy")] if match.group("uy") else match.group("lv")
        words = match.group("n").split()
        # The longest run of capitalised words that is a place: "huyện Tân Phú Đông" before "Tân Phú".
        name = next((" ".join(words[:k]) for k in range(len(words), 0, -1)
                     if is_place(" ".join(words[:k]), level)), None)
        if name:
            yield level, name


def _dev_gold():
    for path in sorted((DEV / "gold").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        yield doc, (DEV / "corpus" / f"{doc['doc_id']}.txt").read_text(encoding="utf-8")


@pytest.mark.skipif(not (DEV / "gold").is_dir(), reason="shared dev set not present")
def test_dev_gold_unit_places_are_known():
    names = {(m["lv"], m["n"]) for doc, _ in _dev_gold() for record in doc["records"]
             if (m := _GOLD_UNIT.search(record["unit"]["name"]))}
    known = [n for n in names if is_place(n[1], n[0])]
    assert len(names) >= 50
    assert len(known) >= 0.95 * len(names)       # 90 of 92 on 2025-01 data


@pytest.mark.skipif(not (DEV / "gold").is_dir(), reason="shared dev set not present")
def test_dev_article_places_point_to_the_gold_province():
    right = wrong = 0
    for doc, text in _dev_gold():
        expected = {province_of(m["n"], "tỉnh") for record in doc["records"]
                    for m in _GOLD_PROVINCE.finditer(record["unit"]["name"])} - {None}
        if expected:
            found = province_from_places(list(_places(text)))
            right += found in expected
            wrong += found is not None and found not in expected
    assert wrong == 0
    assert right >= 18                              # 21 of 34, and 12 of the rest name no place
