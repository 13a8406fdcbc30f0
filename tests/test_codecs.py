"""Legacy Vietnamese encodings (TCVN3, VNI-Windows, Windows-1258, UTF-8): full tables, known words, errors."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from assets.lib.codecs import SUPPORTED_ENCODINGS, EncodingError, decode_bytes, encode_text, repair_text
from assets.lib.vietnamese import LOWER_LETTERS, UPPER_LETTERS, VIETNAMESE_LETTERS

KNOWN_WORDS = (
    "Nguyễn Thị Thủy",
    "Đặng Văn Hưng",
    "quý",
    "Trương Định",
    "Phường Tương Mai",
    "Hoàng Văn Thụ",
    "Giáp Bát",
    "Lê Quý Đôn",
    "Ngõ 12 Kim Đồng, tổ 5",
)
TCVN3_UNTONED_CAPITALS = ("Ă", "Â", "Đ", "Ê", "Ô", "Ơ", "Ư")
TONED_CAPITALS = tuple(c for c in UPPER_LETTERS if c not in TCVN3_UNTONED_CAPITALS)


def test_letter_tables_cover_all_134_letters() -> None:
    assert len(LOWER_LETTERS) == 67
    assert len(UPPER_LETTERS) == 67
    assert len(set(VIETNAMESE_LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in VIETNAMESE_LETTERS)


@pytest.mark.parametrize("encoding", ["vni", "cp1258"])
@pytest.mark.parametrize("letter", VIETNAMESE_LETTERS)
def test_every_letter_round_trips(letter: str, encoding: str) -> None:
    assert decode_bytes(encode_text(letter, encoding), encoding) == letter


@pytest.mark.parametrize("letter", LOWER_LETTERS + TCVN3_UNTONED_CAPITALS)
def test_tcvn3_lowercase_and_untoned_capitals_round_trip(letter: str) -> None:
    data = encode_text(letter, "tcvn3")
    assert len(data) == 1 and data[0] >= 0xA1
    assert decode_bytes(data, "tcvn3") == letter


@pytest.mark.parametrize("capital", TONED_CAPITALS)
def test_tcvn3_toned_capitals_come_back_lowercase(capital: str) -> None:
    """The ABC fonts had no toned capitals: a caps font drew the lowercase code as a capital."""
    assert decode_bytes(encode_text(capital, "tcvn3"), "tcvn3") == capital.lower()


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv not installed")
def test_tcvn3_agrees_with_glibc_iconv_for_0xa1_to_0xfe() -> None:
    raw = b"\n".join(bytes([b]) for b in range(0xA1, 0xFF))
    result = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=raw, capture_output=True, check=True)
    expected = result.stdout.decode("utf-8").split("\n")
    assert len(expected) == 0xFF - 0xA1
    mismatches = {
        f"0x{b:02X}": (decode_bytes(bytes([b]), "tcvn3"), want)
        for b, want in zip(range(0xA1, 0xFF), expected, strict=True)
        if decode_bytes(bytes([b]), "tcvn3") != unicodedata.normalize("NFC", want)
    }
    assert mismatches == {}


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv not installed")
def test_tcvn3_combining_tone_composes_like_iconv() -> None:
    data = b"Hoa\xb0ng"  # 'a' followed by the combining grave slot 0xB0
    result = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True)
    assert result.returncode == 0
    assert decode_bytes(data, "tcvn3") == "Hoàng" == unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def test_tcvn3_byte_0xad_is_u_horn_not_soft_hyphen() -> None:
    assert decode_bytes(b"\xad", "tcvn3") == "ư"
    assert decode_bytes(b"Tr\xad\xacng \xa7\xdenh", "tcvn3") == "Trương Định"


def test_tcvn3_keeps_ascii_bytes_ascii() -> None:
    """glibc maps a few control bytes to capitals; the ABC font table does not, so tabs stay tabs."""
    ascii_bytes = bytes(range(0x80))
    assert decode_bytes(ascii_bytes, "tcvn3") == ascii_bytes.decode("ascii")


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"Nguy\xd4n Th\xde Th\xf1y", "Nguyễn Thị Thủy"),
        (b"\xa7\xc6ng V\xa8n H\xadng", "Đặng Văn Hưng"),
        (b"qu\xfd", "quý"),
        (b"Ph\xad\xeang T\xad\xacng Mai", "Phường Tương Mai"),
        (b"Ho\xb5ng V\xa8n Th\xf4", "Hoàng Văn Thụ"),
        (b"Gi\xb8p B\xb8t", "Giáp Bát"),
        (b"NGUY\xd4N TH\xde H\xdfA", "NGUYễN THị HòA"),  # caps font: tones come back lowercase
    ],
)
def test_tcvn3_known_bytes(data: bytes, text: str) -> None:
    assert decode_bytes(data, "tcvn3") == text


@pytest.mark.parametrize(
    ("vni", "text"),
    [
        ("Nguyeãn", "Nguyễn"),
        ("Ñaëng", "Đặng"),
        ("Höng", "Hưng"),
        ("Vieät", "Việt"),
        ("quyù", "quý"),
        ("Tröông Ñònh", "Trương Định"),
        ("Phöôøng Töông Mai", "Phường Tương Mai"),
        ("Thuïy Khueâ", "Thụy Khuê"),
        ("Hoaøng Vaên Thuï", "Hoàng Văn Thụ"),
        ("Giaùp Baùt", "Giáp Bát"),
        ("ñaúng", "đẳng"),  # ẳ is "aú"
        ("aû", "ả"),
        ("Lî", "Lỵ"),  # ỵ is the single character "î", not "yï"
        ("kyû", "kỷ"),
        ("NGUYEÃN THÒ THUÛY", "NGUYỄN THỊ THỦY"),
        ("TRÖÔØNG", "TRƯỜNG"),
        ("AÙnh", "Ánh"),
        ("Aùnh", "Ánh"),  # lowercase mark after a capital (a case-changed cell)
    ],
)
def test_vni_known_words(vni: str, text: str) -> None:
    assert decode_bytes(vni.encode("cp1252"), "vni") == text


@pytest.mark.parametrize("encoding", ["vni", "cp1258", "tcvn3", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("text", KNOWN_WORDS)
def test_known_words_round_trip(text: str, encoding: str) -> None:
    assert decode_bytes(encode_text(text, encoding), encoding) == text


def test_vni_encodes_quy_and_hoang_as_published() -> None:
    assert encode_text("quý", "vni") == "quyù".encode("cp1252")
    assert encode_text("Hoàng", "vni") == "Hoaøng".encode("cp1252")
    assert encode_text("Ỵ", "vni") == "Î".encode("cp1252")


def test_vni_keeps_windows_punctuation() -> None:
    text = "“Tổ 5” – Tương Mai…"
    data = encode_text(text, "vni")
    assert b"\x93" in data and b"\x96" in data
    assert decode_bytes(data, "vni") == text


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("à", b"a\xcc"),  # cp1258 has à precomposed, but Windows wrote base + combining grave
        ("ế", b"\xea\xec"),
        ("Đặng", b"\xd0\xe3\xf2ng"),
        ("Ư", b"\xdd"),
    ],
)
def test_cp1258_writes_base_letter_plus_combining_tone(text: str, data: bytes) -> None:
    assert encode_text(text, "cp1258") == data


def test_cp1258_decodes_to_nfc() -> None:
    text = decode_bytes(b"Nguy\xea\xden", "cp1258")
    assert text == "Nguyễn" and len(text) == 6


def test_utf8_inputs_come_back_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Thủy")
    assert decode_bytes(decomposed.encode("utf-8"), "utf-8") == "Nguyễn Thị Thủy"
    assert decode_bytes("\ufeffHưng".encode(), "utf-8-sig") == "Hưng"


@pytest.mark.parametrize(
    ("data", "encoding", "offset"),
    [
        (b"Ho\x85ng", "tcvn3", 2),  # VN1-only slot, and a UTF-8 continuation byte
        (b"Nguy\xffn", "tcvn3", 4),
        (b"Ph\x81\xf6\xf4ng", "vni", 2),  # undefined in cp1252
        (b"Tr\x8ang", "cp1258", 2),
        (b"Nguy\xd4n", "utf-8", 4),  # TCVN3 bytes declared as UTF-8
    ],
)
def test_undefined_bytes_raise_with_offset_and_encoding(data: bytes, encoding: str, offset: int) -> None:
    with pytest.raises(EncodingError, match=rf"offset {offset}\b.*{encoding}|{encoding}.*offset {offset}\b"):
        decode_bytes(data, encoding)


def test_replace_mode_marks_undefined_bytes() -> None:
    assert decode_bytes(b"Ho\x85ng", "tcvn3", errors="replace") == "Ho\ufffdng"


@pytest.mark.parametrize(
    ("text", "encoding", "offset"),
    [
        ("Müller", "tcvn3", 1),
        ("Müller", "vni", 1),  # ü is the VNI mark of ẵ: writing it would not read back
        ("Nguyễn 阮", "cp1258", 7),
        ("Lê €", "tcvn3", 3),
    ],
)
def test_unencodable_characters_raise_with_offset(text: str, encoding: str, offset: int) -> None:
    with pytest.raises(EncodingError, match=rf"offset {offset} cannot be encoded in {encoding}"):
        encode_text(text, encoding)


@pytest.mark.parametrize("encoding", ["latin-1", "TCVN", "utf16", ""])
def test_unknown_encoding_is_rejected_with_the_supported_list(encoding: str) -> None:
    with pytest.raises(EncodingError, match="expected one of utf-8"):
        decode_bytes(b"abc", encoding)


def test_supported_encodings_all_decode_ascii() -> None:
    for encoding in SUPPORTED_ENCODINGS:
        assert decode_bytes(b"Ngo 5, To 12", encoding) == "Ngo 5, To 12"


@pytest.mark.parametrize(
    ("cell", "encoding", "text"),
    [
        ("Nguyeãn Thò Thuûy", "vni", "Nguyễn Thị Thủy"),
        ("NguyÔn ThÞ Thñy", "tcvn3", "Nguyễn Thị Thủy"),
        ("Tr\u00ad\u00acng \u00a7\u00denh", "tcvn3", "Trương Định"),
        ("Nguyễn Thị Thủy", "utf-8", "Nguyễn Thị Thủy"),
    ],
)
def test_repair_text_decodes_legacy_font_cells(cell: str, encoding: str, text: str) -> None:
    assert repair_text(cell, encoding) == text


def test_repair_text_reads_cells_from_vietnamese_locale_windows() -> None:
    """On a cp1258 system the TCVN3 byte 0xD0 (é) shows as Đ in the cell."""
    cell = encode_text("Phạm Văn Bé", "tcvn3").decode("cp1258")
    assert "Đ" in cell
    assert repair_text(cell, "tcvn3") == "Phạm Văn Bé"


def test_repair_text_rejects_a_cell_that_is_already_unicode() -> None:
    with pytest.raises(EncodingError, match="not a vni font code"):
        repair_text("Nguyễn", "vni")
