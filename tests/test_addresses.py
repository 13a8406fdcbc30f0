"""Address parts for routing: group/street/alley/house keys and free-text addresses of ward rosters."""

from __future__ import annotations

import unicodedata

import pytest

from assets.lib.addresses import Address, alley_key, house_number_key, normalise_group, parse_address, street_key


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# ------------------------------------------------------------------------------------------ groups


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tổ 5", "5"),
        ("TDP số 05", "5"),
        ("tổ dân phố 5", "5"),
        ("TDP5", "5"),
        ("T.5", "5"),
        ("T. 5", "5"),
        ("5", "5"),
        ("05", "5"),
        ("Tổ dân phố số 5", "5"),
        ("TỔ 5", "5"),
        ("To 5", "5"),
        ("TO DAN PHO SO 5", "5"),
        ("tổ số 12", "12"),
        ("Tổ DP 18", "18"),
        ("Tổ 5 cũ", "5"),
        ("Tổ 5 (cũ)", "5"),
        ("5 cũ", "5"),
        ("5.0", "5"),  # a numeric cell rendered as float
        ("5A", "5A"),
        ("tổ 5a", "5A"),
        ("TDP 12B", "12B"),
        (nfd("Tổ dân phố số 07"), "7"),
        ("tổ 5, phường Tương Mai", "5"),
        ("Tân Mai", None),
        ("Tổ dân phố", None),
        ("tổ", None),
        ("0", None),
        ("Tổ 00", None),
        ("12 Tân Mai", None),  # a house number is not a group
        ("1234", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_group(raw: str | None, expected: str | None) -> None:
    assert normalise_group(raw) == expected


# ------------------------------------------------------------------------------------------ streets


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Phố Tân Mai", "tan mai"),
        ("TAN MAI", "tan mai"),
        ("đường Tân Mai", "tan mai"),
        ("Tân  Mai ", "tan mai"),
        ("P. Tân Mai", "tan mai"),
        ("P.Tân Mai", "tan mai"),
        ("Đ. Giải Phóng", "giai phong"),
        ("Đường Giải Phóng", "giai phong"),
        ("duong giai phong", "giai phong"),
        ("PHO TRUONG DINH", "truong dinh"),
        (nfd("Phố Trương Định"), "truong dinh"),
        ("Phố Huế", "hue"),
        ("Phố 8/3", "8/3"),
        ("Ngõ 123 Tân Mai", "ngo 123 tan mai"),  # an alley is not a street
        ("Lĩnh Nam", "linh nam"),
        ("Phố", None),
        ("", None),
        (None, None),
    ],
)
def test_street_key(raw: str | None, expected: str | None) -> None:
    assert street_key(raw) == expected


def test_street_key_is_the_same_for_marked_and_unmarked_spellings_of_a_name_like_a_prefix() -> None:
    """The name "Dương Văn Bé" folds like "Đường Văn Bé": the key is lossy but identical on both sides."""
    assert street_key("Dương Văn Bé") == street_key("DUONG VAN BE") == "van be"


# ------------------------------------------------------------------------------------------ alleys


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ngõ 123", "123"),
        ("ngõ 123/45", "123/45"),
        ("Ngách 12", "12"),
        ("hẻm 5", "5"),
        ("123", "123"),
        ("123/45", "123/45"),
        ("ngõ 123 ngách 45", "123/45"),
        ("ngách 45 ngõ 123", "123/45"),
        ("ngách 91/12 ngõ 91", "91/12"),
        ("ngõ 91 ngách 12 hẻm 3", "91/12/3"),
        ("NGO 05A", "5A"),
        ("Ngõ số 8", "8"),
        ("Kiệt 42", "42"),
        ("Ngõ 123 Tân Mai", "123"),
        ("ngõ Gốc Đề", "goc de"),
        ("Gốc Đề", "goc de"),  # a name in an alley column is the alley's name
        ("NGO GOC DE", "goc de"),
        ("Số 12", "12"),  # the column says it is an alley
        ("12 Tân Mai", None),
        ("", None),
        (None, None),
    ],
)
def test_alley_key(raw: str | None, expected: str | None) -> None:
    assert alley_key(raw) == expected


# ------------------------------------------------------------------------------------------ houses


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        ("12A", 12),
        ("Số 12", 12),
        ("12B", 12),
        ("số nhà 012", 12),
        ("SN 7", 7),
        ("25/14", 25),
        ("12-14", 12),
        ("Nhà 8", 8),
        ("A12", None),
        ("", None),
        (None, None),
    ],
)
def test_house_number_key(raw: str | None, expected: int | None) -> None:
    assert house_number_key(raw) == expected


# ------------------------------------------------------------------------------------------ free text


def A(  # short: the table below reads like the addresses it builds
    house: str | None = None, alley: str | None = None, street: str | None = None, group: str | None = None
) -> Address:
    return Address(house_number=house, alley=alley, street=street, residential_group=group)


ADDRESSES = [
    ("Số 12, ngõ 34, phố Tân Mai, tổ 5", A("12", "34", "Tân Mai", "5")),
    ("12 ngõ 34 Tân Mai, TDP số 05", A("12", "34", "Tân Mai", "5")),
    (
        "Số nhà 8 ngách 12/3 ngõ 91 Trương Định, Tổ dân phố 12, phường Tương Mai, quận Hoàng Mai, Hà Nội",
        A("8", "91/12/3", "Trương Định", "12"),
    ),
    ("25/14 Kim Đồng, tổ 7", A("25/14", None, "Kim Đồng", "7")),
    ("tổ 3 Giáp Bát", A(group="3")),  # after a group, a bare name is the ward: no street guessed
    ("Số 5 Giải Phóng", A("5", None, "Giải Phóng")),
    ("P. Mai Động", A(street="Mai Động")),
    ("SO 12 NGO 34 PHO TAN MAI TO 5", A("12", "34", "TAN MAI", "5")),
    (nfd("Số 12, ngõ 34, phố Tân Mai, tổ 5"), A("12", "34", "Tân Mai", "5")),
    (nfd("Số nhà 8 ngách 12/3 ngõ 91 Trương Định, TDP 12"), A("8", "91/12/3", "Trương Định", "12")),
    ("12 Tân Mai, P. Tương Mai, Q. Hoàng Mai, TP. Hà Nội", A("12", None, "Tân Mai")),
    ("số 10 ngõ 189 đường Giải Phóng, tổ dân phố số 15, P.Phương Liệt", A("10", "189", "Giải Phóng", "15")),
    ("Nhà 8, ngõ 12 Đại La, tổ 22 cũ", A("8", "12", "Đại La", "22")),
    ("Số 5 ngõ 260 Tam Trinh, tổ 18 (cũ), phường Mai Động", A("5", "260", "Tam Trinh", "18")),
    ("Tổ 5, phố Tân Mai", A(None, None, "Tân Mai", "5")),
    ("tổ 14 phố Vĩnh Hưng", A(None, None, "Vĩnh Hưng", "14")),
    ("TDP5 - Tương Mai", A(group="5")),
    ("T.5, Giáp Bát, Hoàng Mai", A(group="5")),
    ("Tân Mai, tổ 9", A(None, None, "Tân Mai", "9")),
    ("12A Lĩnh Nam, tổ 4, P. Vĩnh Hưng", A("12A", None, "Lĩnh Nam", "4")),
    ("số 3 ngõ 75 Giải Phóng, Đồng Tâm, Hai Bà Trưng", A("3", "75", "Giải Phóng")),
    ("SỐ 7 NGÕ 148 TRƯƠNG ĐỊNH, TỔ 28", A("7", "148", "TRƯƠNG ĐỊNH", "28")),
    (
        "so 7 ngo 148 truong dinh to 28 phuong truong dinh quan hai ba trung",
        A("7", "148", "truong dinh", "28"),
    ),
    ("SO 5 QUAN THANH", A("5", None, "QUAN THANH")),  # Quán Thánh, not quận
    ("12 TAN MAI QUAN HOANG MAI HA NOI", A("12", None, "TAN MAI")),
    ("DUONG PHUONG LIET, TO 4", A(None, None, "PHUONG LIET", "4")),
    ("12 Dương Văn Bé, tổ 2", A("12", None, "Dương Văn Bé", "2")),  # "Dương" is a name, not "đường"
    ("15 Lò Đúc", A("15", None, "Lò Đúc")),
    ("Số 18 Tô Hiến Thành, tổ 6", A("18", None, "Tô Hiến Thành", "6")),
    ("Phòng 203 nhà B5 tập thể Tân Mai, tổ 9", A(group="9")),  # a housing estate is not a street
    ("KTT Mai Động, tổ 2", A(group="2")),
    ("P203, 12 Tân Mai", A("12", None, "Tân Mai")),
    ("Số 12 (cũ), Tân Mai", A("12", None, "Tân Mai")),
    ("ngõ Gốc Đề, Minh Khai", A(None, "goc de", "Minh Khai")),
    ("Số 9 ngách 91/12 ngõ 91 Trương Định", A("9", "91/12", "Trương Định")),
    ("SN 45, Đ. Giải Phóng", A("45", None, "Giải Phóng")),
    ("Phố 8/3, tổ 1", A(None, None, "8/3", "1")),
    ("12, Tân Mai", A("12", None, "Tân Mai")),
    ("Tổ 5, 12 Tân Mai", A("12", None, "Tân Mai", "5")),
    ("Hà Nội", A()),
    ("phường Tương Mai, quận Hoàng Mai", A()),
    ("", A()),
    (None, A()),
]


@pytest.mark.parametrize(("raw", "expected"), ADDRESSES)
def test_parse_address(raw: str | None, expected: Address) -> None:
    assert parse_address(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [a for a in ADDRESSES if a[0]])
def test_parsed_parts_are_nfc_and_agree_with_the_field_keys(raw: str, expected: Address) -> None:
    parsed = parse_address(raw)
    for part in (parsed.house_number, parsed.alley, parsed.street, parsed.residential_group):
        assert part is None or unicodedata.is_normalized("NFC", part)
    if parsed.residential_group is not None:
        assert normalise_group(f"Tổ {parsed.residential_group}") == parsed.residential_group
    if parsed.alley is not None:
        assert alley_key(parsed.alley) == parsed.alley


def test_caps_nfd_and_marked_spellings_give_the_same_keys() -> None:
    forms = [
        "Số 12, ngõ 34, phố Tân Mai, tổ 5",
        nfd("Số 12, ngõ 34, phố Tân Mai, tổ 5"),
        "SO 12 NGO 34 PHO TAN MAI TO 5",
        "SỐ 12 NGÕ 34 PHỐ TÂN MAI TỔ DÂN PHỐ SỐ 05",
    ]
    keys = {(p.house_number, p.alley, street_key(p.street), p.residential_group) for p in map(parse_address, forms)}
    assert keys == {("12", "34", "tan mai", "5")}
