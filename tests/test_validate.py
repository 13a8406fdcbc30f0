"""Validate and harmonise on hand-written records: every defect of the residents suite gets its disposition."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from assets.lib.harmonisation import harmonise_frame
from assets.lib.validation import validate_frame
from data_quality.rules import rules_of
from schemas import canonical as c
from schemas.canonical import ACCEPTED, DISPOSITION, MASKED, QUARANTINED, RULES
from schemas.datasets import dataset
from schemas.manifest import SourceManifest

RESIDENTS = dataset("residents")

TODAY = dt.date(2026, 11, 27)
MANIFEST = SourceManifest(
    dataset="residents",
    former_ward="00280",
    path="x.csv",
    format="csv",
    as_of=dt.date(2025, 6, 30),
    columns={"id": "source_record_id", "ten": "full_name", "ns": "date_of_birth", "gt": "sex", "cccd": "national_id"},
    date_formats=["%d/%m/%Y", "%Y"],
    value_maps={"sex": {"Nam": "M", "Nữ": "F"}},
)
GOOD = {
    "source_record_id": "R1",
    "full_name": "Nguyễn Thị Thủy",
    "date_of_birth": "05/07/1990",
    "sex": "Nữ",
    "national_id": "001190012345",
}


def _frame(records: list[dict]) -> pd.DataFrame:
    rows = []
    for i, rec in enumerate(records):
        row = {f: None for f in RESIDENTS.field_names}
        row.update(rec)
        row.update({"_row_key": i, c.SOURCE_ROW: i + 2, c.MANIFEST: "m.yaml", c.NUMERIC_FIELDS: rec.get("_numeric")})
        row.pop("_numeric", None)
        rows.append(row)
    return c.text_as_object(pd.DataFrame(rows))


@pytest.mark.parametrize(
    ("change", "rules"),
    [
        ({}, None),
        ({"full_name": "  "}, "name_missing"),
        ({"date_of_birth": None}, "dob_missing"),
        ({"date_of_birth": "không rõ"}, "dob_unparseable"),
        ({"date_of_birth": "31/02/1990"}, "dob_impossible"),
        ({"date_of_birth": "05/07/2031", "national_id": None}, "dob_in_future"),
        ({"date_of_birth": "05/07/1890", "national_id": None}, "dob_before_1900"),
        ({"national_id": "00119001234O"}, "national_id_not_digits"),
        ({"national_id": "0011900123"}, "national_id_bad_length"),  # text: zeros are never guessed
        ({"national_id": "1190012345", "_numeric": "national_id"}, None),  # an Excel number: zeros restored
        ({"national_id": "001090012345"}, "national_id_contradicts_cccd"),  # digit 4 = 0: a man, but sex Nữ
        ({"national_id": "001185012345"}, "national_id_contradicts_cccd"),  # born 1985 by the ID, 1990 by the roster
        ({"national_id": "012345678"}, None),  # a CMND: nothing to check against
        ({"sex": "Khác"}, "sex_unmapped"),
        ({"sex": None}, "sex_unmapped"),
        ({"sex": "NU"}, None),  # unmarked capitals match the value map
        ({"date_of_birth": "1990", "national_id": None}, None),  # year-only: accepted, flagged
        ({"full_name": "", "sex": "?"}, "name_missing,sex_unmapped"),
    ],
)
def test_defects_get_their_rules(change, rules):
    frame = _frame([{**GOOD, **change}])
    validated, counts = validate_frame(frame, RESIDENTS, {"m.yaml": MANIFEST}, TODAY)
    assert validated[RULES].iloc[0] == rules
    assert validated[DISPOSITION].iloc[0] == (QUARANTINED if rules else ACCEPTED)
    quarantine_rules = {r.name for r in rules_of("residents", "quarantine")}
    assert sum(n for rule, n in counts.items() if rule in quarantine_rules) == (len(rules.split(",")) if rules else 0)


def test_duplicate_and_missing_ids_are_quarantined_keeping_the_first():
    frame = _frame([GOOD, {**GOOD, "full_name": "Trần Văn An"}, {**GOOD, "source_record_id": None}])
    validated, _ = validate_frame(frame, RESIDENTS, {"m.yaml": MANIFEST}, TODAY)
    assert list(validated[RULES]) == [None, "record_id_duplicate", "record_id_missing"]


def test_quarantine_keeps_the_value_shape_not_the_value():
    frame = _frame([{**GOOD, "date_of_birth": "31/02/1990", "national_id": "0011900123"}])
    validated, _ = validate_frame(frame, RESIDENTS, {"m.yaml": MANIFEST}, TODAY)
    masked = json.loads(validated[MASKED].iloc[0])
    assert masked == {
        "dob_impossible": {"date_of_birth": "##/##/####"},
        "national_id_bad_length": {"national_id": "001#######"},
    }


def test_harmonise_standardises_accepted_records():
    frame = _frame(
        [
            {
                **GOOD,
                "full_name": "NGUYỄN THỊ HOÀ",
                "phone": "0168 345 6789",
                "address": "Số 12, ngõ 34, phố Tân Mai, tổ 5",
            },
            {
                **GOOD,
                "source_record_id": "R2",
                "full_name": "le quy don",
                "national_id": None,
                "phone": "+84 24 3864 1234",
                "date_of_birth": "1990",
                "residential_group": "TDP số 07",
                "street": "phố Giải Phóng",
            },
            {**GOOD, "source_record_id": "R3", "full_name": ""},
        ]
    )
    validated, _ = validate_frame(frame, RESIDENTS, {"m.yaml": MANIFEST}, TODAY)
    out = harmonise_frame(validated, RESIDENTS)
    first, second, rejected = out.iloc[0], out.iloc[1], out.iloc[2]
    assert first["full_name"] == "Nguyễn Thị Hoà"  # tone placement kept as the source wrote it
    assert first["name_key"] == "nguyễn thị hòa"  # …and folded for matching
    assert first["phone"] == "0383456789" and first["phone_kind"] == "mobile"
    assert (first["house_number"], first["alley"], first["street"], first["residential_group"]) == (
        "12",
        "34",
        "Tân Mai",
        "5",
    )
    assert first["date_of_birth"] == dt.date(1990, 7, 5) and first["dob_precision"] == "day"
    assert second["full_name"] == "Le Quy Don" and second["name_unmarked"] == "le quy don"
    assert second["phone"] == "02438641234" and second["phone_kind"] == "landline"
    assert second["dob_precision"] == "year" and second["dq_flags"] == "national_id_missing,dob_year_only"
    assert second["residential_group"] == "7" and second["street"] == "Phố Giải Phóng"
    assert rejected["full_name"] is None and rejected[DISPOSITION] == QUARANTINED


@pytest.mark.parametrize(
    ("registered", "ends", "numeric", "expected", "flags"),
    [
        ("10/05/2012", None, None, (dt.date(2012, 5, 10), None), None),
        ("01/09/2024", "31/08/2026", None, (dt.date(2024, 9, 1), dt.date(2026, 8, 31)), None),  # a running term
        ("45362", None, "registration_date", (dt.date(2024, 3, 11), None), None),  # an Excel date cell as a number
        ("2024-09-01 00:00:00", None, None, (dt.date(2024, 9, 1), None), None),  # a real date cell, as read
        ("??/05/2019", None, None, (None, None), "registration_date_unparseable"),
        ("2019", None, None, (None, None), "registration_date_unparseable"),  # a registration needs its day
        ("01/09/2031", None, None, (None, None), "registration_date_unparseable"),  # registered in the future
        ("01/09/2024", "chưa rõ", None, (dt.date(2024, 9, 1), None), "registration_end_date_unparseable"),
    ],
)
def test_registration_dates_are_parsed_and_an_unreadable_one_is_flagged_not_rejected(
    registered: str, ends: str | None, numeric: str | None, expected: tuple, flags: str | None
) -> None:
    record = {**GOOD, "phone": "0912345678", "registration_date": registered, "registration_end_date": ends}
    frame = _frame([{**record, "_numeric": numeric}])
    validated, _ = validate_frame(frame, RESIDENTS, {"m.yaml": MANIFEST}, TODAY)
    out = harmonise_frame(validated, RESIDENTS).iloc[0]
    assert out[DISPOSITION] == ACCEPTED
    assert (out["registration_date"], out["registration_end_date"]) == expected
    assert out["dq_flags"] == flags
