"""Text typed in a legacy Vietnamese font encoding (TCVN3, VNI, VISCII) is read as the letters it
stands for, from a file's bytes or from text that already went through a Latin-1 reading; Unicode
Vietnamese and English are left alone."""
import json
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT
from extractor.inputs import decode, repair
from test_cli import GOOD, jsonl, lines, run

SAMPLE = GOOD + " Chẳng hạn, chi bộ ấp 3 đã kết nạp 2 quần chúng ưu tú là người dân tộc Khmer."

# TCVN3 (ABC) as glibc's TCVN5712-1 charmap writes it (iconv): the 67 lowercase letters and the seven
# capitals with a glyph of their own. Its fonts have no other capitals (a .VnTimeH font draws the
# lowercase glyphs as capitals), so a text with one cannot be written in it.
TCVN3_LETTERS = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"
TCVN3_GLYPHS = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\u00adõøö÷ùúýûüþ¡¢§£¤¥¦"


def tcvn3(text: str) -> bytes:
    return unicodedata.normalize("NFC", text).translate(str.maketrans(TCVN3_LETTERS, TCVN3_GLYPHS)).encode("cp1252")


# VNI writes a vowel as its base letter and a glyph per mark: the tones alone (ù ø û õ ï), the
# circumflex (â) and breve (ê) each with a tone glyph of their own; ơ and ư are ô and ö, đ is ñ, and
# the i vowels are single glyphs. Capitals take the capital glyphs.
_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_PLAIN, _CIRCUMFLEX, _BREVE, _I = dict(zip(_TONES, "ùøûõï")), dict(zip(("",) + _TONES, "âáàåãä")), \
    dict(zip(("",) + _TONES, "êéèúüë")), dict(zip(_TONES, "íìæóò"))


def _vni_letter(char: str) -> str:
    if char in "đĐ":
        return "ñ" if char == "đ" else "Ñ"
    base, *marks = unicodedata.normalize("NFD", char)
    if not marks or base.lower() not in "aeiouy":
        return char
    tone = next((m for m in marks if m in _TONES), "")
    if base.lower() == "i":
        glyphs = _I[tone]
    elif "\u031b" in marks:    # horn
        glyphs = {"o": "ô", "u": "ö"}[base.lower()] + _PLAIN.get(tone, "")
    elif "\u0302" in marks:
        glyphs = base.lower() + _CIRCUMFLEX[tone]
    elif "\u0306" in marks:
        glyphs = base.lower() + _BREVE[tone]
    else:
        glyphs = base.lower() + _PLAIN[tone]
    return glyphs.upper() if base.isupper() else glyphs


def vni(text: str) -> bytes:
    return "".join(map(_vni_letter, unicodedata.normalize("NFC", text))).encode("cp1252")


# VISCII_TEXT as glibc's VISCII charmap writes it (iconv -t VISCII): its capitals with tone marks ("Ủ")
# lie in bytes 0x80-0x9F, where Windows-1252 has punctuation.
VISCII_TEXT = SAMPLE + " Ủy ban Mặt trận Tổ quốc xã dự lễ kết nạp."
VISCII_SAMPLE = bytes.fromhex(
    "4ee56d20323031362c20d0e46e672062b5207068dfb66e67205875e26e2053bd6e20f0e3206baa74206ed57020f0dffe63203133"
    "20f0e46e67207669ea6e206dbe692c20f0d5742031303025206368ef207469ea7520f0ab2072612e204368c66e672068d56e2c20"
    "6368692062b520a470203320f0e3206baa74206ed5702032207175a56e206368fa6e6720df752074fa206ce0206e67dfb6692064"
    "e26e2074b563204b686d65722e209c792062616e204da374207472a76e2054b1207175af632078e32064f1206cad206baa74206e"
    "d5702e")


def test_a_sample_in_each_encoding_decodes_to_the_text_written():
    assert vni("ẳng Ẳ ư Ư ợ ĩ Ị").decode("cp1252") == "aúng AÚ ö Ö ôï ó Ò"    # the encoder itself, by hand
    for data, font in ((tcvn3(SAMPLE), "tcvn3"), (vni(SAMPLE), "vni")):
        assert decode(data) == (SAMPLE, font)


def test_viscii_bytes_decode_to_the_text_written():
    assert decode(VISCII_SAMPLE) == (VISCII_TEXT, "viscii")


def test_glyphs_already_read_as_latin1_are_decoded_from_text_too(tmp_path: Path):
    """A scraper that read the bytes as Latin-1 and saved them as UTF-8, or a JSON Lines text field."""
    assert repair(tcvn3(SAMPLE).decode("cp1252")) == (SAMPLE, "utf-8, tcvn3 glyphs decoded")
    assert decode(b"\xef\xbb\xbf" + tcvn3(SAMPLE).decode("cp1252").encode("utf-8")) == \
        (SAMPLE, "utf-8, tcvn3 glyphs decoded")      # a UTF-8 file with a BOM
    assert repair("Ñaûng boä xaõ Taân Laäp ñaõ keát naïp 9 ñaûng vieân môùi.") == \
        ("Đảng bộ xã Tân Lập đã kết nạp 9 đảng viên mới.", "utf-8, vni glyphs decoded")
    source = jsonl(tmp_path / "in.jsonl", [{"id": "vni", "text": vni(GOOD).decode("cp1252")}])
    result = run("extract", str(source), "-o", str(tmp_path / "out.jsonl"), "-j", "1")
    doc = lines(tmp_path / "out.jsonl")[0]
    assert result.returncode == 0 and doc["text"] == GOOD and doc["meta"]["encoding"] == "utf-8, vni glyphs decoded"
    assert doc["records"][0]["admitted"] == 13


def _facts(doc: dict) -> list[tuple]:
    """Each record as read, and the surface its offsets point at in the text written beside it."""
    text = doc.get("text") or (ROOT / "corpus" / "t007.txt").read_text(encoding="utf-8")
    return [(json.dumps({k: v for k, v in record.items() if k != "evidence"}, ensure_ascii=False, sort_keys=True),
             {measure: text[start:end] for measure, (start, end) in record["evidence"]["spans"].items()})
            for record in doc["records"]]


@pytest.mark.parametrize("font, encode", [("tcvn3", tcvn3), ("vni", vni)])
def test_a_whole_article_in_a_legacy_font_gives_the_records_of_the_original(tmp_path: Path, font, encode):
    original = ROOT / "corpus" / "t007.txt"        # a capital with a tone mark would not fit TCVN3: it has none
    (tmp_path / f"t007-{font}.txt").write_bytes(encode(original.read_text(encoding="utf-8")))
    result = run("extract", str(original), str(tmp_path / f"t007-{font}.txt"), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    plain, legacy = lines(tmp_path / "out.jsonl")
    assert plain["meta"]["encoding"] is None and legacy["meta"]["encoding"] == font
    assert len(plain["records"]) == 8 and _facts(legacy) == _facts(plain)


ENGLISH = ("The party committee of the commune admitted 13 new members in 2016, 100% of its target. A café owner "
           "from Zürich, a naïve reporter and a señor from Málaga were at the ceremony; © 2016 the Daily News.")


@pytest.mark.parametrize("path", sorted((ROOT / "corpus").glob("*.txt")), ids=lambda p: p.stem)
def test_unicode_vietnamese_is_left_alone(path: Path):
    data = path.read_bytes()
    assert decode(data) == (data.decode("utf-8"), None)


@pytest.mark.parametrize("text", [
    ENGLISH,
    GOOD + " «Trích dẫn» © 2016 Báo Điện tử, nhiệt độ 30°C, ½ số đảng viên là nữ.",
    "§¶ng viªn",     # too short to tell from other text: left as it is
])
def test_english_and_symbols_and_fragments_are_left_alone(text: str):
    assert repair(text) == (text, None)
    assert decode(text.encode("utf-8")) == (text, None)
