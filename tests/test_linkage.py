"""Person linkage: comparison features of Vietnamese records, and a small end-to-end Splink run."""

from __future__ import annotations

import datetime as dt
import json
import random

import duckdb
import pandas as pd
import pytest

from assets.lib.linkage import (
    CANDIDATE_COLUMNS,
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    LinkageRun,
    link_records,
    model_version,
    relink,
)
from assets.lib.linkage.backend import BackendError, create_backend
from assets.lib.linkage.features import FEATURE_COLUMNS, FeatureError, build_features, split_name, toneless
from assets.lib.linkage.household_evidence import ANCHOR_WEIGHT, add_household_evidence
from assets.lib.linkage.model import settings


def record(record_id: str, full_name: str, dob: str, sex: str, **extra: object) -> dict[str, object]:
    """One resident_record row (plus record_id) with the fields linkage reads."""
    ward, _, source_id = record_id.partition("/")
    row: dict[str, object] = {
        "record_id": f"{ward}/residents/{source_id}",
        "former_ward_code": ward,
        "dataset": "residents",
        "source_record_id": source_id,
        "full_name": full_name,
        "date_of_birth": pd.Timestamp(dob),
        "dob_precision": "day",
        "sex": sex,
        "national_id": None,
        "national_id_kind": None,
        "phone": None,
        "house_number": "12",
        "alley": None,
        "street": "Phố Tân Mai",
        "residential_group": "Tổ 5",
        "household_id": None,
        "residence_type": "permanent",
    }
    row.update(extra)
    return row


def features_of(*rows: dict[str, object]) -> pd.DataFrame:
    return build_features(pd.DataFrame(rows)).set_index("unique_id")


# ------------------------------------------------------------------------------------------- features


@pytest.mark.parametrize(
    ("name_key", "expected"),
    [
        ("nguyễn văn an", ("nguyễn", "văn", "an")),
        ("hoàng hoài mỹ lan", ("hoàng", "hoài mỹ", "lan")),
        ("lê hòa", ("lê", None, "hòa")),
        ("minh huy nguyễn", ("nguyễn", "minh", "huy")),  # Western order, rotated back
        ("đàm thị mai", ("đàm", "thị", "mai")),  # Mai is a family name but also a given name: kept
        ("huy", (None, None, "huy")),
    ],
)
def test_split_name_into_family_middle_given(name_key: str, expected: tuple[str | None, ...]) -> None:
    assert split_name(name_key) == expected


@pytest.mark.parametrize(
    ("full_name", "family", "middle", "given", "family_u", "given_u", "marked"),
    [
        ("Nguyễn Thị Hoà", "nguyễn", "thị", "hòa", "nguyen", "hoa", True),  # new-style tone folded to old
        ("Nguyễn Thị Hòa", "nguyễn", "thị", "hòa", "nguyen", "hoa", True),
        ("NGUYEN THI HOA", "nguyen", "thi", "hoa", "nguyen", "hoa", False),  # old system: caps, no marks
        ("Đặng Quốc Thuỵ", "đặng", "quốc", "thụy", "dang", "thuy", True),  # đ has no mark to strip in Unicode
        ("Phạm  Quý", "phạm", None, "quý", "pham", "quy", True),  # qu- keeps its tone; two words: no middle
    ],
)
def test_name_forms(
    full_name: str, family: str, middle: str | None, given: str, family_u: str, given_u: str, marked: bool
) -> None:
    row = features_of(record("00280/A1", full_name, "1985-03-07", "F")).iloc[0]
    assert (row["family_key"], row["middle_key"], row["given_key"]) == (family, middle, given)
    assert (row["family_u"], row["given_u"]) == (family_u, given_u)
    assert bool(row["name_marked"]) is marked


def test_marked_and_unmarked_spellings_share_unmarked_forms_and_token_key() -> None:
    feats = features_of(
        record("00280/A1", "Nguyễn Thị Thu Hoà", "1985-03-07", "F"),
        record("00313/B7", "NGUYEN THI THU HOA", "1985-03-07", "F"),
        record("00325/C3", "Thị Thu Hòa Nguyễn", "1985-03-07", "F"),  # swapped order
    )
    assert feats["family_u"].nunique() == feats["middle_u"].nunique() == feats["given_u"].nunique() == 1
    assert feats["name_tokens_u"].nunique() == 1


@pytest.mark.parametrize(
    ("dob", "precision", "dob_value", "year", "month", "day"),
    [
        ("1985-03-07", "day", "1985-03-07", 1985, 3, 7),
        ("1950-01-01", "year", None, 1950, None, None),  # "1950" accepted with a flag, stored as 1 Jan
    ],
)
def test_date_of_birth_parts(
    dob: str, precision: str, dob_value: str | None, year: int, month: int | None, day: int | None
) -> None:
    row = features_of(record("00280/A1", "Trần Văn Nam", dob, "M", dob_precision=precision)).iloc[0]
    assert (row["dob"] if pd.notna(row["dob"]) else None) == dob_value
    assert row["dob_year"] == year
    assert (None if pd.isna(row["dob_month"]) else row["dob_month"]) == month
    assert (None if pd.isna(row["dob_day"]) else row["dob_day"]) == day
    assert bool(row["dob_year_only"]) is (precision == "year")
    assert pd.isna(row["dob_days"]) is (precision == "year")


@pytest.mark.parametrize(
    ("national_id", "kind", "sex", "dob", "id_code", "own_code"),
    [
        ("001185012345", "cccd", "F", "1985-03-07", "185", "185"),
        ("036203004512", "cccd", "M", "2003-11-30", "203", "203"),
        ("012922603", "cmnd", "M", "1962-05-01", None, "062"),  # a CMND carries no sex/year digits
        (None, None, "F", "2019-08-15", None, "319"),
    ],
)
def test_national_id_features(
    national_id: str | None, kind: str | None, sex: str, dob: str, id_code: str | None, own_code: str
) -> None:
    row = features_of(record("00298/X9", "Lê Thị Mai", dob, sex, national_id=national_id, national_id_kind=kind)).iloc[
        0
    ]
    assert (row["id_kind"] if pd.notna(row["id_kind"]) else None) == kind
    assert (row["id_code"] if pd.notna(row["id_code"]) else None) == id_code
    assert row["own_code"] == own_code


def test_address_keys_fold_street_prefixes_and_scope_groups_by_former_ward() -> None:
    feats = features_of(
        record(
            "00280/A1",
            "Trần Văn Nam",
            "1980-01-02",
            "M",
            street="Phố Tân Mai",
            alley="Ngõ 45",
            house_number="Số 12",
        ),
        record(
            "00319/B2",
            "Trần Văn Nam",
            "1980-01-02",
            "M",
            street="đường Tân Mai",
            alley="45",
            house_number="12A",
        ),
    )
    assert feats["street_key"].tolist() == ["tan mai", "tan mai"]
    assert feats["alley_key"].tolist() == ["45", "45"]
    assert feats["house_key"].tolist() == ["12", "12"]
    # "Tổ 5" exists in every former ward: the same number in two wards is not the same place.
    assert feats["group_key"].tolist() == ["00280/5", "00319/5"]


def test_features_name_the_missing_columns() -> None:
    frame = pd.DataFrame([record("00280/A1", "Trần Văn Nam", "1980-01-02", "M")]).drop(columns=["phone", "sex"])
    with pytest.raises(FeatureError, match=r"\['sex', 'phone'\]"):
        build_features(frame)


def test_the_model_uses_every_feature_and_only_features() -> None:
    """Every column the comparisons and blocking rules name is built, and nothing else leaves the records."""
    import re

    feats = build_features(pd.DataFrame([record("00280/A1", "Trần Văn Nam", "1980-01-02", "M")]))
    rendered = json.dumps(settings().get_settings("duckdb").as_dict())
    named = set(re.findall(r'\\?"?([a-z_]+)_[lr]\\?"', rendered)) | set(re.findall(r'l\.\\?"([a-z_]+)\\?"', rendered))
    used = {column for column in named if not column.startswith(("unique_id", "match", "gamma", "bf", "tf"))}
    assert used <= set(feats.columns), used - set(feats.columns)
    assert set(feats.columns) - {"unique_id"} <= used, set(feats.columns) - used


def test_comparisons_render_for_spark_unchanged() -> None:
    """The national deployment switches backend only: the same settings render in Spark SQL."""
    spark = settings().create_settings_dict("spark")
    conditions = [lv["sql_condition"] for c in spark["comparisons"] for lv in c["comparison_levels"]]
    typo = next(c for c in conditions if "DAMERAU_LEVENSHTEIN" in c)
    assert typo.startswith("`id_kind_l` = 'cccd' AND `id_kind_r` = 'cccd' AND (SUBSTRING(`national_id_l`, 1, 6)")
    assert typo.endswith("DAMERAU_LEVENSHTEIN(`national_id_l`, `national_id_r`) <= 1")
    assert "`given_t_l` = `given_t_r`" in conditions
    assert "ABS(`dob_days_l` - `dob_days_r`) <= 2" in conditions


def test_unknown_backend_is_refused_with_the_choices() -> None:
    with pytest.raises(BackendError, match="expected 'duckdb' or 'spark'"):
        create_backend("oracle")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("hường", "hương"), ("ánh", "anh"), ("hưng", "hưng"), ("đức", "đưc"), ("thụy", "thuy"), ("quý", "quy")],
)
def test_toneless_drops_the_tone_mark_and_keeps_the_vowel_marks(word: str, expected: str) -> None:
    assert toneless(word) == expected


def level_of(comparison: str, left: dict[str, object], right: dict[str, object]) -> str:
    """The level (chart label) a pair of records falls in, by the model's own SQL run in DuckDB."""
    feats = build_features(pd.DataFrame([left, right]))
    pair = {f"{c}_l": feats.iloc[0][c] for c in FEATURE_COLUMNS} | {f"{c}_r": feats.iloc[1][c] for c in FEATURE_COLUMNS}
    frame = pd.DataFrame([pair]).astype(object)
    frame = frame.where(frame.notna(), None)
    comparisons = settings().create_settings_dict("duckdb")["comparisons"]
    spec = next(c for c in comparisons if c["output_column_name"] == comparison)
    con = duckdb.connect()
    try:
        con.register("pair", frame)
        for level in spec["comparison_levels"]:
            if level["sql_condition"] == "ELSE":
                return level["label_for_charts"]
            if con.execute(f"SELECT coalesce(({level['sql_condition']}), false) FROM pair").fetchone()[0]:
                return "null" if level.get("is_null_level") else level["label_for_charts"]
    finally:
        con.close()
    raise AssertionError("no level matched")


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        # Twins: one letter apart without marks is another name, not a typo.
        ("Nguyễn Thị Hạnh", "Nguyễn Thị Ánh", "given name: different"),
        ("Trần Văn Khang", "Trần Văn Khánh", "given name: different"),
        ("Lê Thị Lan", "Lê Thị Loan", "given name: different"),
        # One slipped tone mark still links (its own, positive level) …
        ("Phạm Thị Hương", "Phạm Thị Hường", "given name: only the tone mark differs"),
        ("Vũ Minh Anh", "Vũ Minh Ánh", "given name: only the tone mark differs"),
        # … other vowel marks mostly mean another name
        ("Đỗ Văn Hùng", "Đỗ Văn Hưng", "given name: same letters, vowel marks differ"),
        # A lost mark (an unmarked system) and the other tone placement are the same name.
        ("NGUYEN THI HANH", "Nguyễn Thị Hạnh", "given name: exact, one side without marks"),
        ("Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "given name: exact, with marks"),
    ],
)
def test_given_name_levels(left: str, right: str, level: str) -> None:
    a, b = record("00280/A", left, "2010-05-01", "F"), record("00295/B", right, "2010-05-01", "F")
    assert level_of("given_name", a, b) == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("001310123456", "001310123456", "ID: same number"),
        ("001310123456", "001310123486", "ID: CCCD one digit or one swap off"),  # one digit mistyped
        ("001310123456", "001310124356", "ID: CCCD one digit or one swap off"),  # neighbours swapped
        ("001310123456", "001311023456", "ID: CCCD one digit or one swap off"),  # …across the middle
        ("001310123456", "101310123456", "ID: CCCD one digit or one swap off"),  # …the first digit
        ("001310123456", "001310654321", "ID: two CCCDs, more than a typo apart"),  # twins' numbers
        ("001310123456", "001310523416", "ID: two CCCDs, more than a typo apart"),  # a swap across the number
    ],
)
def test_national_id_levels_for_two_cccds(left: str, right: str, level: str) -> None:
    a = record("00280/A", "Lê Thu Hà", "2010-05-01", "F", national_id=left, national_id_kind="cccd")
    b = record("00295/B", "Lê Thu Hà", "2010-05-01", "F", national_id=right, national_id_kind="cccd")
    assert level_of("national_id", a, b) == level


def test_a_cmnd_and_a_cccd_that_fits_are_no_evidence_and_two_cmnds_stay_trainable() -> None:
    cccd = record("00280/A", "Lê Văn Hải", "1962-05-01", "M", national_id="001062123456", national_id_kind="cccd")
    cmnd = record("00295/B", "Lê Văn Hải", "1962-05-01", "M", national_id="012922603", national_id_kind="cmnd")
    other = record("00298/C", "Lê Văn Hải", "1962-05-01", "M", national_id="013456789", national_id_kind="cmnd")
    assert level_of("national_id", cccd, cmnd) == "null"
    assert level_of("national_id", cmnd, other) == "ID: different numbers (a CMND involved)"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("permanent", "temporary", "residence: one permanent, one temporary"),
        ("permanent", "permanent", "residence: both permanent"),
        ("temporary", "temporary", "residence: both temporary"),
        (None, "temporary", "null"),
    ],
)
def test_residence_levels(left: str | None, right: str, level: str) -> None:
    a = record("00280/A", "Lê Thu Hà", "2010-05-01", "F", residence_type=left)
    b = record("00295/B", "Lê Thu Hà", "2010-05-01", "F", residence_type=right)
    assert level_of("residence", a, b) == level


def test_household_evidence_lifts_a_pair_whose_housemates_are_the_same_people() -> None:
    """A family listed by two former wards: the parents link on IDs; the child (no ID, no phone) gains."""
    others = {f"{side}/{i}": f"00310/residents/{side}{i}" for side in "XY" for i in range(200)}
    households = pd.Series(
        {
            **others,
            "A/mother": "00280/residents/H1",
            "A/father": "00280/residents/H1",
            "A/child": "00280/residents/H1",
            "B/mother": "00295/residents/K7",
            "B/father": "00295/residents/K7",
            "B/child": "00295/residents/K7",
            "C/namesake": "00298/residents/T2",
            "D/alone": None,
        }
    )
    strong = ANCHOR_WEIGHT + 20
    pairs = pd.DataFrame(
        [
            ("A/mother", "B/mother", strong),
            ("A/father", "B/father", strong),
            ("A/child", "B/child", 3.0),  # name and birth date only
            ("A/child", "C/namesake", 3.0),  # the same, but nobody else in the two households matches
            ("A/child", "A/mother", -30.0),  # one household: no household comparison
            ("A/child", "D/alone", 3.0),  # no household on one side
        ]
        + [(f"X/{i}", f"Y/{i}", -25.0) for i in range(200)],  # clearly different pairs (they estimate u)
        columns=["record_id_l", "record_id_r", "match_weight"],
    )
    scored, stats = add_household_evidence(pairs, households)
    keys = zip(scored["record_id_l"], scored["record_id_r"], strict=True)
    weight = dict(zip(keys, scored["match_weight"], strict=True))
    assert weight[("A/child", "B/child")] > 3.0 + 5  # supported: a strong positive
    assert weight[("A/child", "C/namesake")] < 3.0  # not supported: a little against
    assert weight[("A/child", "A/mother")] == -30.0 and weight[("A/child", "D/alone")] == 3.0
    assert stats["household_weight_support"] > 0 > stats["household_weight_no_support"]
    assert stats["pairs_with_household_support"] == 3  # both parents' pairs support each other, and the child


# ------------------------------------------------------------------------------------------ end to end

FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + ["Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE_M = ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Quốc", "Thanh"]
MIDDLE_F = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Hồng", "Kim"]
GIVEN_M = [
    "An",
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Đức",
    "Hải",
    "Hùng",
    "Huy",
    "Long",
    "Nam",
    "Sơn",
    "Tuấn",
    "Tùng",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Hà",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Thảo",
    "Trang",
    "Yến",
]
STREETS = ["Phố Tân Mai", "Phố Trương Định", "Phố Vọng", "Đường Giải Phóng", "Phố Minh Khai", "Phố Đại La"]
WARDS = ["00280", "00295", "00298", "00304", "00313", "00319"]

DUPLICATE = ("00280/DUP1", "00313/DUP2")  # one woman listed by two former wards
TWINS = ("00295/TW1", "00295/TW2")  # twin brothers: same household, same birth date
LOOKALIKE_TWINS = ("00298/TW3", "00298/TW4")  # twin sisters Hạnh and Ánh, each with her own CCCD
SAME_DAY_NAMESAKES = ("00280/SD1", "00319/SD2")  # two women: one name, one birth date, own CCCDs
CCCD_TYPO = ("00304/TY1", "00313/TY2")  # one man; one digit of his CCCD mistyped in one roster
CCCD_SWAP = ("00280/SW1", "00298/SW2")  # one woman; two neighbouring digits swapped in one roster


def unmarked_caps(name: str) -> str:
    from assets.lib.vietnamese import strip_marks

    return strip_marks(name).upper()


def sample_records(n_persons: int = 360, seed: int = 7) -> pd.DataFrame:
    """Residents of a few former wards; about one in eight listed again elsewhere with spelling changes."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(n_persons):
        sex = rng.choice("MF")
        name = " ".join(
            (
                rng.choice(FAMILY),
                rng.choice(MIDDLE_M if sex == "M" else MIDDLE_F),
                rng.choice(GIVEN_M if sex == "M" else GIVEN_F),
            )
        )
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(80 * 365))
        code = f"{2 * (born.year // 100 - 19) + (sex == 'F')}{born.year % 100:02d}"
        cccd = f"001{code}{rng.randrange(10**6):06d}"
        adult = born.year < 2007
        phone = f"09{rng.randrange(10**8):08d}" if adult and rng.random() < 0.85 else None
        ward = rng.choice(WARDS)
        extra = {
            "national_id": cccd if rng.random() < 0.93 else None,
            "national_id_kind": "cccd",
            "phone": phone,
            "street": rng.choice(STREETS),
            "house_number": str(rng.randrange(1, 300)),
            "residential_group": f"Tổ {rng.randrange(1, 30)}",
        }
        if extra["national_id"] is None:
            extra["national_id_kind"] = None
        rows.append(record(f"{ward}/P{i:04d}", name, born.isoformat(), sex, **extra))
        if rng.random() < 0.125:  # listed again in another former ward
            again = dict(extra, street=rng.choice(STREETS), house_number=str(rng.randrange(1, 300)))
            variant = rng.random()
            if variant < 0.4:
                name = unmarked_caps(name)
            elif variant < 0.6:
                again.update(national_id=None, national_id_kind=None)
            other = rng.choice([w for w in WARDS if w != ward])
            rows.append(record(f"{other}/Q{i:04d}", name, born.isoformat(), sex, **again))
    # The known duplicate: capitals without marks in one roster, day and month swapped, no ID there.
    rows.append(
        record("00280/DUP1", "Nguyễn Thị Thu Hoà", "1985-03-07", "F", national_id="001185760341",
               national_id_kind="cccd", phone="0912345678")
    )  # fmt: skip
    rows.append(record("00313/DUP2", "NGUYEN THI THU HOA", "1985-07-03", "F", phone="0912345678", street="Phố Vọng"))
    # The known twins: children without ID or phone, same house and birth date, given names differ.
    for rid, given in zip(TWINS, ("Khang", "Khôi"), strict=True):
        rows.append(record(rid, f"Trần Minh {given}", "2016-05-20", "M", street="Phố Minh Khai", house_number="88"))
    # Look-alikes that merged on unseen rosters: twins one letter apart without marks, and namesakes born
    # the same day; every one of them has a valid CCCD of her own.
    for rid, given, cccd in zip(LOOKALIKE_TWINS, ("Hạnh", "Ánh"), ("001309246801", "001309775312"), strict=True):
        rows.append(
            record(rid, f"Nguyễn Thị {given}", "2009-03-14", "F", national_id=cccd, national_id_kind="cccd",
                   household_id="TD-H77", street="Phố Trương Định", house_number="17")
        )  # fmt: skip
    for rid, cccd, street in zip(
        SAME_DAY_NAMESAKES, ("001190123456", "001190789012"), ("Phố Vọng", "Phố Đại La"), strict=True
    ):
        rows.append(
            record(rid, "Trần Thị Thu Trang", "1990-08-12", "F", national_id=cccd, national_id_kind="cccd",
                   street=street)
        )  # fmt: skip
    # One person each, listed twice with a mistyped CCCD (no phone to help).
    rows.append(record("00304/TY1", "Lê Văn Quang", "1975-02-03", "M", national_id="001075246810",
                       national_id_kind="cccd"))  # fmt: skip
    rows.append(record("00313/TY2", "LE VAN QUANG", "1975-02-03", "M", national_id="001075246610",
                       national_id_kind="cccd", residence_type="temporary", street="Phố Vọng"))  # fmt: skip
    rows.append(record("00280/SW1", "Phạm Thị Hoa", "1988-11-21", "F", national_id="001188135790",
                       national_id_kind="cccd"))  # fmt: skip
    rows.append(record("00298/SW2", "Phạm Thị Hoa", "1988-11-21", "F", national_id="001188137590",
                       national_id_kind="cccd", residence_type="temporary", street="Phố Đại La"))  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def linkage() -> LinkageRun:
    return link_records(sample_records(), seed=42)


def weight(run: LinkageRun, pair: tuple[str, str]) -> float | None:
    left, right = sorted(f"{ward}/residents/{sid}" for ward, _, sid in (p.partition("/") for p in pair))
    hit = run.pairs[(run.pairs["record_id_l"] == left) & (run.pairs["record_id_r"] == right)]
    return float(hit["match_weight"].iloc[0]) if len(hit) else None


def test_known_duplicate_links(linkage: LinkageRun) -> None:
    found = weight(linkage, DUPLICATE)
    assert found is not None and found >= MATCH_THRESHOLD


def test_known_twins_do_not_link(linkage: LinkageRun) -> None:
    found = weight(linkage, TWINS)
    assert found is None or found < MATCH_THRESHOLD
    # Control: had the second twin the first one's given name, the two records would link. So the pair is a
    # candidate, and it is the given name (not blocking) that keeps the twins apart.
    records = sample_records()
    records.loc[records["record_id"] == "00295/residents/TW2", "full_name"] = "Trần Minh Khang"
    same = weight(link_records(records, seed=42), TWINS)
    assert same is not None and same >= MATCH_THRESHOLD


@pytest.mark.parametrize("pair", [LOOKALIKE_TWINS, SAME_DAY_NAMESAKES], ids=["twins Hạnh/Ánh", "same-day namesakes"])
def test_lookalikes_with_their_own_cccds_stay_apart(linkage: LinkageRun, pair: tuple[str, str]) -> None:
    found = weight(linkage, pair)
    assert found is None or found < MATCH_THRESHOLD


@pytest.mark.parametrize("pair", [CCCD_TYPO, CCCD_SWAP], ids=["one digit mistyped", "neighbouring digits swapped"])
def test_a_mistyped_cccd_still_links(linkage: LinkageRun, pair: tuple[str, str]) -> None:
    found = weight(linkage, pair)
    assert found is not None and found >= MATCH_THRESHOLD


def test_pairs_are_ordered_and_above_the_review_threshold(linkage: LinkageRun) -> None:
    pairs = linkage.pairs
    assert list(pairs.columns) == ["record_id_l", "record_id_r", "match_weight", "match_probability"]
    assert (pairs["record_id_l"] < pairs["record_id_r"]).all()
    assert (pairs["match_weight"] >= REVIEW_THRESHOLD).all()


def test_model_and_chart_are_artefacts_that_work_offline(linkage: LinkageRun) -> None:
    levels = [lv for c in linkage.model_json["comparisons"] for lv in c["comparison_levels"]]
    assert all(lv.get("m_probability", 0) > 0 for lv in levels if not lv.get("is_null_level"))
    assert "<script src=" not in linkage.chart_html  # Vega is inlined, nothing loaded at view time
    assert "vega" in linkage.chart_html and "cdn.jsdelivr" not in linkage.chart_html


def test_training_is_deterministic_for_a_seed(linkage: LinkageRun) -> None:
    again = link_records(sample_records(), seed=42)
    pd.testing.assert_frame_equal(again.pairs, linkage.pairs, check_exact=False, rtol=1e-9)


def test_a_ward_without_shared_id_numbers_still_links_and_says_which_round_was_skipped() -> None:
    records = sample_records(n_persons=120, seed=11).assign(national_id=None, national_id_kind=None)
    run = link_records(records, seed=42)
    assert run.stats["em_rounds_skipped"] == ['l."national_id" = r."national_id"']
    found = weight(run, DUPLICATE)
    assert found is not None and found >= MATCH_THRESHOLD


# ------------------------------------------------------------------------------------------- incremental link


def test_an_incremental_link_scores_the_changed_records_as_a_full_scoring_would(linkage: LinkageRun) -> None:
    """A night's changes: phones corrected on five records, a new listing of a known person, one record gone.
    Rescoring only those records under the trained model must give exactly the pairs a scoring of every record
    under that model gives (same pairs, same weights); every other pair is kept as it was."""
    records = sample_records()
    ids = records["record_id"]
    changed_phone = ids[records["phone"].notna()].iloc[[3, 40, 77, 120, 200]].tolist()
    records.loc[ids.isin(changed_phone), "phone"] = "0987000111"  # one number on five records: they now pair
    dup1 = records.loc[ids == "00280/residents/DUP1"].iloc[0]
    new = dup1.copy()
    new["record_id"], new["former_ward_code"], new["source_record_id"] = "00325/residents/NEW1", "00325", "NEW1"
    gone = "00298/residents/SW2"
    records = pd.concat([records[ids != gone], new.to_frame().T], ignore_index=True)
    records["date_of_birth"] = pd.to_datetime(records["date_of_birth"])
    focus = pd.Index([*changed_phone, "00325/residents/NEW1"])

    estimates = (linkage.stats["household_m"], linkage.stats["household_u"])
    before = linkage.candidates
    touched = focus.union([gone])
    kept = before[~before["record_id_l"].isin(touched) & ~before["record_id_r"].isin(touched)]
    incremental = relink(records, linkage.model_json, estimates, kept, focus)
    everything = relink(records, linkage.model_json, estimates, kept.iloc[:0], pd.Index(records["record_id"]))

    def touching(pairs: pd.DataFrame) -> pd.DataFrame:
        hit = pairs["record_id_l"].isin(focus) | pairs["record_id_r"].isin(focus)
        return pairs[hit].reset_index(drop=True)

    assert incremental.stats["mode"] == "incremental" and incremental.stats["records_changed"] == len(focus)
    assert incremental.stats["records_scored"] < len(records) / 4  # the neighbourhood, not every record
    # Same candidate pairs as scoring everything; the changed records' pairs with the same weights.
    pd.testing.assert_frame_equal(
        incremental.candidates[["record_id_l", "record_id_r"]], everything.candidates[["record_id_l", "record_id_r"]]
    )
    pd.testing.assert_frame_equal(touching(incremental.candidates), touching(everything.candidates), rtol=1e-9)
    assert not incremental.candidates.isin([gone]).any().any()
    # The five records that now share a phone became candidates of each other, and the new listing links.
    shared = touching(incremental.candidates)
    assert ((shared["record_id_l"].isin(changed_phone)) & (shared["record_id_r"].isin(changed_phone))).sum() == 10
    assert weight(incremental, ("00280/DUP1", "00325/NEW1")) >= MATCH_THRESHOLD
    # Nothing changed: nothing is scored, and the pairs are the same.
    same = relink(records, linkage.model_json, estimates, incremental.candidates, pd.Index([]))
    assert same.stats["pairs_rescored"] == 0
    pd.testing.assert_frame_equal(same.pairs, incremental.pairs)


def test_a_full_link_keeps_what_an_incremental_link_needs(linkage: LinkageRun) -> None:
    candidates = linkage.candidates
    assert list(candidates.columns) == list(CANDIDATE_COLUMNS)
    assert (candidates["record_id_l"] < candidates["record_id_r"]).all()
    assert len(candidates) == linkage.stats["candidate_pairs"] >= len(linkage.pairs)
    # Every pair of the review band is explained, comparison by comparison, household evidence included.
    band = linkage.pairs[linkage.pairs["match_weight"] < MATCH_THRESHOLD]
    assert len(band) and len(linkage.waterfalls) == len(band)
    first = json.loads(linkage.waterfalls["comparisons"].iloc[0])
    assert first["comparisons"][-1]["comparison"] == "household"
    assert linkage.model_version == model_version() and len(linkage.model_version) == 16
