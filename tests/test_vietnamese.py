"""Vietnamese text forms: punctuation, tone placement, match keys, title case, syllables, sniffing."""

from __future__ import annotations

import itertools

import pytest

from assets.lib.codecs import EncodingError, decode_bytes, encode_text
from assets.lib.vietnamese import (
    fold_tone_placement,
    is_vietnamese_syllable,
    looks_vietnamese,
    match_key,
    nfc,
    normalise_punctuation,
    strip_marks,
    title_case_name,
    vietnamese_share,
)

ROSTER_LINES = (
    "Nguyễn Thị Thủy, số 12 ngõ 45 Trương Định, Phường Tương Mai",
    "Đặng Văn Hưng, tổ dân phố 5, Phường Hoàng Văn Thụ, quận Hoàng Mai",
    "Lê Quý Đôn, 18 Giải Phóng, Phường Giáp Bát",
    "Phạm Thị Hòa, ngách 3/41 phố Tân Mai, Hà Nội",
    "Trần Minh Quý, nhà số 7 đường Kim Đồng, tổ 12",
    "Vũ Thị Khuyên, Phường Vĩnh Hưng, quận Hoàng Mai, thành phố Hà Nội",
    "Hoàng Đức Thắng, Phố Mai Động, tổ dân phố số 8",
    "Bùi Ngọc Ánh, phường Phương Liệt, quận Thanh Xuân",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O’Brien", "O'Brien"),
        ("Nguyễn Thị  Ngọc\u00a0Ánh ", "Nguyễn Thị Ngọc Ánh"),
        ("“Tổ 5” – Tương Mai", '"Tổ 5" - Tương Mai'),
        ("K‘Bông", "K'Bông"),
        ("Ngõ\u200b 12\tKim Đồng\n", "Ngõ 12 Kim Đồng"),
        ("\ufeffTrương Định", "Trương Định"),
    ],
)
def test_normalise_punctuation(text: str, expected: str) -> None:
    assert normalise_punctuation(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Thị Hoà", "Nguyễn Thị Hòa"),
        ("Đỗ Thanh Thuỷ", "Đỗ Thanh Thủy"),
        ("khoẻ", "khỏe"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("Lê Thị Thuý", "Lê Thị Thúy"),
        ("TRẦN THỊ HOÀ", "TRẦN THỊ HÒA"),
        ("Thuỵ Khuê", "Thụy Khuê"),
        ("Nguyễn Thị Hòa", "Nguyễn Thị Hòa"),  # already old style
    ],
)
def test_fold_tone_placement_folds_open_oa_oe_uy(text: str, expected: str) -> None:
    assert fold_tone_placement(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Lê Quý Đôn", "Trần Thị Quỳnh", "giá", "giày", "Hoàng Văn Thụ", "Huỳnh", "Nguyễn Thị Thuyết", "quà",
     "ngoài", "khuỷu", "Toán", "Giáp Bát"],
)  # fmt: skip
def test_fold_tone_placement_leaves_other_syllables_alone(text: str) -> None:
    assert fold_tone_placement(text) == text


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Nguyễn Thị Hoà", "Nguyễn Thị Hòa"),
        ("NGUYỄN THỊ HÒA", "Nguyễn Thị Hoà"),
        ("Đỗ  Thanh Thuỷ ", "đỗ thanh thủy"),
        ("Phường Tương Mai", "PHƯỜNG TƯƠNG MAI"),
        ("Ngõ 12 – Trương Định", "ngõ 12 - trương định"),
        (nfc("Lê Quý Đôn"), "Le\u0302 Quy\u0301 \u0110o\u0302n"),  # NFD web export
        ("O’Brien", "o'brien"),
    ],
)
def test_match_key_equal_for_spellings_of_one_name(left: str, right: str) -> None:
    assert match_key(left) == match_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Nguyễn Thị Hòa", "Nguyễn Thị Hoa"),
        ("Lê Thị Thủy", "Lê Thị Thúy"),
        ("Trần Thị Quỳnh", "Trần Thị Quynh"),
        ("Đặng Văn Hưng", "Đặng Văn Hùng"),
    ],
)
def test_match_key_keeps_marks_that_change_the_name(left: str, right: str) -> None:
    assert match_key(left) != match_key(right)


def test_match_key_with_marks_stripped_meets_unmarked_caps() -> None:
    assert strip_marks(match_key("Nguyễn Văn An")) == match_key("NGUYEN VAN AN") == "nguyen van an"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NGUYỄN THỊ THỦY", "Nguyễn Thị Thủy"),
        ("đặng văn hưng", "Đặng Văn Hưng"),
        ("NGUYEN VAN AN", "Nguyen Van An"),
        ("NGUYễN THị HòA", "Nguyễn Thị Hòa"),  # TCVN3 caps font decoded
        ("lê quý đôn", "Lê Quý Đôn"),
        ("ĐỖ THANH THUỶ", "Đỗ Thanh Thuỷ"),  # tone placement kept as given
        ("phường  tương mai", "Phường Tương Mai"),
        ("bà rịa-vũng tàu", "Bà Rịa-Vũng Tàu"),
        ("o'brien", "O'Brien"),
        ("ngõ 12A kim đồng", "Ngõ 12A Kim Đồng"),
        ("Nguye\u0302\u0303n thi\u0323 hoa\u0300", "Nguyễn Thị Hoà"),  # NFD input
    ],
)
def test_title_case_name(text: str, expected: str) -> None:
    assert title_case_name(text) == expected


@pytest.mark.parametrize(
    "word",
    ["Nguyễn", "Thị", "Thủy", "Thuỷ", "Đặng", "Hưng", "quý", "Quỳnh", "Trương", "Định", "Phường", "giếng",
     "người", "khuỷu", "nghiêng", "gì", "giường", "quốc", "xuân", "khuya", "hoạch", "huỳnh", "thuở", "NGUYEN",
     "Thuy", "ngo", "Ánh", "ủy", "yêu", "xoong", "NGUYễN"],
)  # fmt: skip
def test_is_vietnamese_syllable_accepts_real_syllables(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    ["Nguyeón", "Thuỷy", "ẹaởng", "Trửụng", "NguyÔn", "Th\u0303", "Hoµng", "Brien", "Hanoi", "Street",
     "ce", "ghua", "kan", "bac\u0301h", "bàc", "Nguy\ufffdn", "", "Tr\u00ad\u00acng", "hoăi"],
)  # fmt: skip
def test_is_vietnamese_syllable_rejects_impossible_words(word: str) -> None:
    assert not is_vietnamese_syllable(word)


@pytest.mark.parametrize("line", ROSTER_LINES)
def test_correctly_decoded_lines_score_high(line: str) -> None:
    assert vietnamese_share(line) > 0.9
    assert looks_vietnamese(line)


@pytest.mark.parametrize(
    "line",
    ["NGUYEN VAN AN", "Nguyen Thi Thuy, so 12 ngo 45 Truong Dinh", "P. Tuong Mai, Q. Hoang Mai, TP HN"],
)
def test_unmarked_lines_count_as_vietnamese(line: str) -> None:
    assert looks_vietnamese(line)


def test_text_without_words_is_not_evidence_against() -> None:
    assert vietnamese_share("12/05/1987 - 0912345678") == 1.0


ENCODINGS = ("utf-8", "cp1258", "tcvn3", "vni")


@pytest.mark.parametrize(("written", "declared"), list(itertools.permutations(ENCODINGS, 2)))
def test_wrongly_declared_encoding_is_detected(written: str, declared: str) -> None:
    """Each line, written in one encoding and read as another, either fails to decode or scores low."""
    for line in ROSTER_LINES:
        data = encode_text(line, written)
        misread = decode_bytes(data, declared, errors="replace")
        assert vietnamese_share(misread) < 0.6, misread
        assert not looks_vietnamese(misread)
        try:
            strict = decode_bytes(data, declared)
        except EncodingError:
            continue
        assert not looks_vietnamese(strict)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_rightly_declared_encoding_reads_as_vietnamese(encoding: str) -> None:
    for line in ROSTER_LINES:
        assert looks_vietnamese(decode_bytes(encode_text(line, encoding), encoding))
