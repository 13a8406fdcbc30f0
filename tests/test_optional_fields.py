"""The whole pipeline on sources that each lack optional canonical fields, on DuckDB and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from schemas import warehouse as w

# Canonical field → the column label the rosters below use for it.
LABELS = {
    "source_record_id": "Mã NK",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "sex": "Giới tính",
    "national_id": "Số CCCD",
    "phone": "Điện thoại",
    "house_number": "Số nhà",
    "alley": "Ngõ",
    "street": "Đường phố",
    "residential_group": "Tổ dân phố",
    "address": "Địa chỉ",
    "household_id": "Mã hộ",
    "relation_to_head": "Quan hệ với chủ hộ",
    "residence_type": "Loại cư trú",
}
PARTS = ["house_number", "alley", "street", "residential_group"]
EVERYTHING = [f for f in LABELS if f != "address"]
REQUIRED = ["source_record_id", "full_name", "date_of_birth", "sex"]
# Each former ward's roster lacks something: one optional field in turn, only a free-text address, no id
# column, and finally every optional field at once (its records can be placed nowhere: all go to review).
VARIANTS: dict[str, list[str]] = {
    "00280": EVERYTHING,
    "00295": [f for f in EVERYTHING if f != "household_id"],
    "00298": [f for f in EVERYTHING if f != "relation_to_head"],
    "00304": [f for f in EVERYTHING if f != "residence_type"],
    "00310": [f for f in EVERYTHING if f != "phone"],
    "00313": [f for f in EVERYTHING if f != "national_id"],
    "00319": [f for f in EVERYTHING if f not in ("street", "alley", "house_number")],
    "00322": [f for f in EVERYTHING if f not in PARTS] + ["address"],
    "00325": [f for f in EVERYTHING if f != "source_record_id"],
    "00358": REQUIRED,
}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
GIVEN = ["An", "Bình", "Chi", "Dung", "Giang", "Hà", "Khánh", "Lan", "Minh", "Ngọc", "Phúc", "Quang"]
ROWS = 12


def _person(i: int) -> dict[str, str]:
    year, female = 1950 + (i * 7) % 55, i % 2 == 0
    century_sex = (1 if female else 0) + (2 if year >= 2000 else 0)
    return {
        "full_name": f"{FAMILY[i % 8]} {'Thị' if female else 'Văn'} {GIVEN[i % 12]}",
        "date_of_birth": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{year}",
        "sex": "Nữ" if female else "Nam",
        "national_id": f"001{century_sex}{year % 100:02d}{100000 + i:06d}",
        "phone": f"09{12345600 + i:08d}",
        "house_number": str(10 + i),
        "alley": str(40 + i % 3),
        "street": "Tân Mai",
        "residential_group": f"Tổ {1 + i % 3}",
        "address": f"Số {10 + i}, ngõ {40 + i % 3}, phố Tân Mai, tổ {1 + i % 3}",
        "household_id": f"H{i // 3:03d}",
        "relation_to_head": "Chủ hộ" if i % 3 == 0 else "Con",
        "residence_type": "Thường trú",
    }


def _deployment(base: Path) -> tuple[Path, Path, Path]:
    landing, sources = base / "landing", base / "sources"
    sources.mkdir(parents=True)
    routing = base / "routing.csv"
    with routing.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["former_ward_code", "residential_group", "street", "new_ward_code"])
        for ward in VARIANTS:
            out.writerows([[ward, str(g), "", "00322"] for g in (1, 2, 3)] + [[ward, "", "Tân Mai", "00322"]])
    for n, (ward, fields) in enumerate(VARIANTS.items()):
        (landing / ward).mkdir(parents=True)
        with (landing / ward / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow([LABELS[f] for f in fields])
            for i in range(ROWS):
                # Neighbouring rosters share half their people, so linkage has people listed twice.
                person = {**_person(n * ROWS // 2 + i), "source_record_id": f"{ward}-{i:03d}"}
                out.writerow([person[f] for f in fields])
        columns = "\n".join(f'  "{LABELS[f]}": {f}' for f in fields)
        id_from = "" if "source_record_id" in fields else "record_id_from: [full_name, date_of_birth]\n"
        (sources / f"{ward}_residents.yaml").write_text(
            f'dataset: residents\nformer_ward: "{ward}"\npath: "{ward}/*.csv"\nformat: csv\nas_of: 2025-06-30\n'
            f"columns:\n{columns}\n{id_from}",
            encoding="utf-8",
        )
    return landing, sources, routing


def _frame(url: str, statement: sa.Select):
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        frame = wh.read_frame(conn, statement)
    wh.engine.dispose()
    return frame


def test_every_optional_field_may_be_missing(tmp_path, warehouse_url, capsys):
    landing, sources, routing = _deployment(tmp_path)
    code = cli.main(
        ["run", "--landing", str(landing), "--sources", str(sources), "--routing", str(routing),
         "--warehouse", warehouse_url, "--data-dir", str(tmp_path / "data")]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK, out
    records = _frame(warehouse_url, sa.select(w.resident_record))
    review = _frame(warehouse_url, sa.select(w.review_queue))
    quarantine = _frame(warehouse_url, sa.select(w.quarantine))
    # Every row of every roster is in exactly one place.
    for ward in VARIANTS:
        placed = sum((frame["former_ward_code"] == ward).sum() for frame in (records, review, quarantine))
        assert placed == ROWS, ward
    assert quarantine.empty
    by_ward = {ward: records[records["former_ward_code"] == ward] for ward in VARIANTS}
    assert by_ward["00295"]["household_id"].isna().all() and by_ward["00280"]["household_id"].notna().all()
    assert by_ward["00298"]["relation_to_head"].isna().all()
    assert by_ward["00304"]["residence_type"].isna().all()
    assert (by_ward["00280"]["residence_type"] == "permanent").all()
    assert by_ward["00310"]["dq_flags"].str.contains("phone_missing").all()
    assert by_ward["00313"]["dq_flags"].str.contains("national_id_missing").all()
    assert (by_ward["00319"]["route_method"] == "group").all()
    # Only a free-text address: its parts are parsed out and the record is placed by its group.
    free = by_ward["00322"]
    assert len(free) == ROWS and free["street"].eq("Tân Mai").all() and free["house_number"].notna().all()
    # No id column: ids derived from the declared key fields, never the row number.
    assert by_ward["00325"]["source_record_id"].str.match(r"^k[0-9a-f]{20}$").all()
    # Nothing to place a record by: every one of them is waiting for review, with the reason.
    assert (review["former_ward_code"] == "00358").sum() == ROWS
    assert set(review.loc[review["former_ward_code"] == "00358", "reason"]) == {"no_group_or_street"}
    # People listed by two rosters became one person, whatever each roster lacked.
    xref = _frame(warehouse_url, sa.select(w.person_source_xref))
    assert len(xref) == len(records)
    assert xref["person_key"].nunique() < len(xref)


@pytest.mark.parametrize("missing", ["household_id", "relation_to_head", "residence_type", "phone", "national_id"])
def test_a_roster_lacking_a_field_is_read_like_one_with_it_empty(tmp_path, missing):
    """Stage by stage: absent and empty columns give the same records (pandas 3 types empty frames as text)."""
    from assets.lib.extraction import extract_partition, manifests_of
    from assets.lib.harmonisation import harmonise_frame
    from assets.lib.validation import validate_frame
    from schemas.datasets import dataset
    from schemas.manifest import scan_manifests

    landing, sources, _ = _deployment(tmp_path)
    residents = dataset("residents")
    scan = scan_manifests(sources)
    ward = next(w for w, fields in VARIANTS.items() if fields == [f for f in EVERYTHING if f != missing])
    raw = extract_partition(landing, scan, ward, residents, "r1").frame
    assert raw[missing].isna().all()
    validated, _ = validate_frame(raw, residents, manifests_of(raw), dt.date(2026, 12, 1))
    harmonised = harmonise_frame(validated, residents)
    assert harmonised[missing].isna().all() and (harmonised["_disposition"] == "accepted").all()


@pytest.mark.parametrize(
    "codes",
    [[], [None, None, None], ["H1", "H9", None]],
    ids=["no records", "no household codes", "no household shares a person"],
)
def test_households_form_when_no_source_household_shares_anyone(codes):
    """The crash of a roster without household codes: the records come from the warehouse with text columns
    (pandas 3), and an empty pairing frame must still compare its sizes as numbers."""
    import pandas as pd

    from assets.lib.households import household_clusters, source_household_ids

    records = pd.DataFrame(
        {
            "former_ward_code": pd.Series(["00280"] * len(codes), dtype="str"),
            "dataset": pd.Series(["residents"] * len(codes), dtype="str"),
            "household_id": pd.Series(codes, dtype="str"),
            "person_key": pd.Series(range(1, len(codes) + 1), dtype="int64"),
        }
    )
    records["source_household"] = source_household_ids(records)
    clusters = household_clusters(records)
    assert sorted(clusters.index) == sorted(f"00280/residents/{c}" for c in codes if c)
    assert list(clusters.index) == list(clusters.to_numpy())  # each its own household
