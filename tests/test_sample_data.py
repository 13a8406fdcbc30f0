"""Sample-data generator: deterministic rosters in the former wards' real formats, with an exact, separate truth."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from assets.lib.addresses import alley_key, normalise_group, parse_address, street_key
from assets.lib.codecs import decode_bytes
from assets.lib.identity import cccd_agrees, parse_national_id
from assets.lib.phones import normalise_phone
from assets.lib.vietnamese import strip_marks
from sample_data import DefectRateError, DefectRates, SampleDataError, generate
from sample_data.defects import FLAG_RULES, QUARANTINE_RULES, REVIEW_REASONS, format_date_parts
from sample_data.identifiers import (
    UniqueNumbers,
    cccd_contradicting,
    id_bad_length,
    make_cccd,
    phone_written,
)
from sample_data.names import lookalike_given_name, restyle_tones
from sample_data.profiles import Profile, manifest_document, manifest_filename, profile_for
from schemas.admin_units import former_wards
from schemas.manifest import SourceManifest, load_manifest

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "schemas" / "sources"
ROUTING = REPO / "schemas" / "reference" / "routing_00322.csv"
FORMERS = sorted(former_wards("00322"), key=lambda f: f.code)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sample")
    report = generate(root / "landing", scale=0.02, seed=11)
    truth = pq.read_table(report.truth_dir / "residents_truth.parquet").to_pylist()
    return report, truth


def _manifest(code: str) -> SourceManifest:
    return load_manifest(SOURCES / f"{code}_residents.yaml")


def _profile(code: str) -> Profile:
    return profile_for([f.code for f in FORMERS].index(code))


def _records(landing: Path, code: str) -> list[tuple[int, dict[str, object]]]:
    """(row number as the pipeline counts it, label → cell) read without the project's readers."""
    manifest, profile = _manifest(code), _profile(code)
    (path,) = landing.glob(manifest.path)
    if manifest.format == "csv":
        text = decode_bytes(path.read_bytes(), manifest.encoding)
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=manifest.delimiter or ","))
        return [(n, dict(zip(rows[0], r, strict=True))) for n, r in enumerate(rows[1:], start=2)]
    if manifest.format == "xlsx":
        workbook = CalamineWorkbook.from_path(str(path))
        grid = workbook.get_sheet_by_name(str(manifest.sheet)).to_python(skip_empty_area=False)
        first = manifest.skip_rows + manifest.header_rows
        body = grid[first : len(grid) - manifest.footer_rows]
        return [(first + i + 1, dict(zip(profile.labels, r, strict=True))) for i, r in enumerate(body)]
    if manifest.format == "json":
        document = json.loads(path.read_text(encoding="utf-8"))
        return list(enumerate(document["data"]["nhan_khau"], start=1))
    con = sqlite3.connect(path)
    try:
        cursor = con.execute(f"SELECT * FROM {manifest.table} ORDER BY rowid")
        labels = [d[0] for d in cursor.description]
        return [(n, dict(zip(labels, r, strict=True))) for n, r in enumerate(cursor, start=1)]
    finally:
        con.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _digest(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate(tmp_path / "a" / "landing", scale=0.01, seed=3)
    second = generate(tmp_path / "b" / "landing", scale=0.01, seed=3)
    other = generate(tmp_path / "c" / "landing", scale=0.01, seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert first.rows_per_ward == second.rows_per_ward
    assert _digest(tmp_path / "a" / "landing") != _digest(tmp_path / "c" / "landing")
    rosters = [p for p in (tmp_path / "a" / "landing").glob("*/*") if p.is_file()]
    assert len(rosters) == len(FORMERS) and other.files  # one roster per former ward; other datasets in folders


def test_truth_is_written_beside_the_landing_zone_never_inside(sample, tmp_path: Path) -> None:
    report, _ = sample
    assert report.truth_dir == report.landing.parent / "truth"
    assert not any(p.suffix == ".parquet" for p in report.landing.rglob("*"))
    assert {p.name for p in report.truth_files} == {
        "residents_truth.parquet", "persons.parquet", "households.parquet", "dossiers_truth.parquet",
        "budget_truth.parquet", "petitions_truth.parquet", "business_households_truth.parquet",
    }  # fmt: skip
    with pytest.raises(SampleDataError, match="inside the landing zone"):
        generate(tmp_path / "landing", scale=0.01, truth=tmp_path / "landing" / "truth")


def test_committed_manifests_describe_what_the_generator_writes() -> None:
    for index, former in enumerate(FORMERS):
        committed = (SOURCES / manifest_filename(former)).read_text(encoding="utf-8")
        assert committed == manifest_document(profile_for(index), former), former.code
        assert load_manifest(SOURCES / manifest_filename(former)).former_ward == former.code


_MAGIC = {"xlsx": b"PK\x03\x04", "sqlite": b"SQLite format 3\x00"}


def test_every_former_ward_has_one_file_in_its_manifests_format(sample) -> None:
    report, _ = sample
    formats = Counter()
    for former in FORMERS:
        manifest = _manifest(former.code)
        files = list(report.landing.glob(manifest.path))
        assert len(files) == 1, former.code
        data = files[0].read_bytes()
        formats[manifest.format] += 1
        if manifest.format in _MAGIC:
            assert data.startswith(_MAGIC[manifest.format])
        else:
            text = decode_bytes(data, manifest.encoding)
            assert "Nam" in text or "NAM" in text
            if manifest.format == "json":
                assert json.loads(data)["data"]["nhan_khau"]
    assert formats == {"csv": 6, "xlsx": 2, "json": 1, "sqlite": 1}
    assert {_manifest(f.code).encoding for f in FORMERS} >= {"tcvn3", "vni", "cp1258", "utf-8-sig"}


def test_every_landing_record_has_exactly_one_truth_row(sample) -> None:
    report, truth = sample
    by_key = {(t["source_file"], t["source_row"]): t for t in truth}
    assert len(by_key) == len(truth)
    seen = 0
    for former in FORMERS:
        manifest = _manifest(former.code)
        id_label = next((lbl for lbl, f in manifest.columns.items() if f == "source_record_id"), None)
        name_label = next(lbl for lbl, f in manifest.columns.items() if f == "full_name")
        source_file = f"{former.code}/{next(report.landing.glob(manifest.path)).name}"
        records = _records(report.landing, former.code)
        assert len(records) == report.rows_per_ward[former.code]
        for row, cells in records:
            t = by_key[(source_file, row)]
            assert t["former_ward_code"] == former.code
            if id_label is None:
                assert t["source_record_id"] is None
            else:
                assert _cell_text(cells[id_label]) == t["source_record_id"]
            assert bool(_cell_text(cells[name_label]).strip()) == ("name_missing" not in t["expected_rules"])
            seen += 1
    assert seen == len(truth)


def test_dispositions_and_rules_come_in_realistic_proportions(sample) -> None:
    _, truth = sample
    n = len(truth)
    dispositions = Counter(t["expected_disposition"] for t in truth)
    assert 0.01 < dispositions["quarantine"] / n < 0.035
    assert 0.01 < dispositions["review"] / n < 0.045
    rules = Counter(r for t in truth if t["expected_disposition"] == "quarantine" for r in t["expected_rules"])
    assert set(QUARANTINE_RULES) <= set(rules)
    assert set(rules) <= set(QUARANTINE_RULES) | {"record_id_missing", "record_id_duplicate"}
    reasons = Counter(r for t in truth if t["expected_disposition"] == "review" for r in t["expected_rules"])
    assert set(reasons) == set(REVIEW_REASONS)
    for t in truth:
        if t["expected_disposition"] == "loaded":
            assert t["expected_rules"] == t["expected_flags"]
            assert set(t["expected_flags"]) <= set(FLAG_RULES)
        elif t["expected_disposition"] == "review":
            assert len(t["expected_rules"]) == 1
    flags = Counter(f for t in truth for f in t["expected_flags"])
    assert 0.10 < flags["phone_missing"] / n < 0.25
    assert 0.03 < flags["national_id_missing"] / n < 0.10
    assert flags["dob_year_only"] and flags["phone_unparseable"]


def test_people_listed_twice_and_lookalikes_are_in_the_truth(sample) -> None:
    _, truth = sample
    by_person = defaultdict(list)
    for t in truth:
        by_person[t["person_id"]].append(t)
    twice = {p: ts for p, ts in by_person.items() if len(ts) > 1}
    assert 0.025 < len(twice) / len(by_person) < 0.06
    for listings in twice.values():
        assert len({t["former_ward_code"] for t in listings}) == 2
        assert sorted(t["listing"] for t in listings) == ["first", "second"]
    moved = [ts for ts in twice.values() if len({t["household_id"] for t in ts}) == 1]
    assert moved, "some households moved and are listed in both former wards under one truth household"
    cmnd_here_cccd_there = [ts for ts in twice.values() if sum("id_cmnd" in t["variations"] for t in ts) == 1]
    assert cmnd_here_cccd_there, "some people listed twice have a CMND in one roster and a CCCD in the other"

    pairs = defaultdict(dict)
    for t in truth:
        if t["lookalike_group"]:
            pairs[t["lookalike_group"]][t["person_id"]] = t
    twins = [list(p.values()) for g, p in pairs.items() if g.startswith("T")]
    namesakes = [list(p.values()) for g, p in pairs.items() if g.startswith("N")]
    assert len(twins) >= 10 and len(namesakes) >= 10
    for a, b in twins:
        assert a["household_id"] == b["household_id"] and a["date_of_birth"] == b["date_of_birth"]
        assert a["full_name"].split()[-1] != b["full_name"].split()[-1]
        assert a["national_id"] != b["national_id"]
    for a, b in namesakes:
        assert a["full_name"] == b["full_name"] and a["date_of_birth"].year == b["date_of_birth"].year
        assert a["date_of_birth"] != b["date_of_birth"]
        assert a["national_id"] != b["national_id"] and a["household_id"] != b["household_id"]
    # Same-day namesakes: one full name, one birth date, two people with their own CCCDs (made, and by chance).
    same_day = [list(p.values()) for g, p in pairs.items() if g.startswith("S")]
    assert len(same_day) >= 3
    for group in same_day:
        assert len({(t["full_name"], t["date_of_birth"]) for t in group}) == 1
        assert len({t["national_id"] for t in group}) == len(group)
    assert any(len({t["former_ward_code"] for t in group}) > 1 for group in same_day)
    # Twins named alike: one letter apart without marks, or the same letters with other marks.
    given = [tuple(strip_marks(t["full_name"].split()[-1]).lower() for t in pair) for pair in twins]
    alike = [a for a, b in given if a == b or len(a) != len(b) or sum(x != y for x, y in zip(a, b, strict=False)) == 1]
    assert alike, "some twins have given names that look alike (Hạnh/Ánh, Anh/Ánh)"


@pytest.mark.parametrize(("given", "sex"), [("Hạnh", "F"), ("Anh", "F"), ("Hùng", "M"), ("Lan", "F")])
def test_lookalike_given_names_are_other_names_one_letter_or_mark_apart(given: str, sex: str) -> None:
    rng = random.Random(3)
    for _ in range(20):
        other = lookalike_given_name(rng, sex, given)
        assert other is not None and other != given
        a, b = strip_marks(other).lower(), strip_marks(given).lower()
        assert a == b or abs(len(a) - len(b)) <= 1


def _law(listings: list[dict], as_of: date) -> tuple[tuple[str, int], tuple[str, int] | None]:
    """Current and permanent (new ward, group) of one person, from the truth rows of their listings."""

    def newest(rows: list[dict]) -> dict | None:
        return max(rows, key=lambda t: t["registration_date"]) if rows else None

    permanent = [t for t in listings if t["residence_type"] == "permanent"]
    temporary = [t for t in listings if t["residence_type"] == "temporary"]
    valid = [t for t in temporary if t["registration_end_date"] >= as_of]
    current = newest(valid) or newest(permanent) or newest(temporary)
    assert current is not None
    home = newest(permanent)
    where = (current["expected_new_ward_code"], current["true_residential_group"])
    return where, (home["expected_new_ward_code"], home["true_residential_group"]) if home else None


def test_residence_registrations_and_where_each_person_lives_follow_the_law(sample) -> None:
    report, truth = sample
    as_of = date(2025, 6, 30)
    by_person = defaultdict(list)
    for t in truth:
        by_person[t["person_id"]].append(t)
        assert t["registration_date"] is not None and t["registration_date"] <= as_of
        if t["residence_type"] == "temporary":  # a term of at most two years
            assert 0 < (t["registration_end_date"] - t["registration_date"]).days <= 730
        else:
            assert t["registration_end_date"] is None
    lapsed = [t for t in truth if t["residence_type"] == "temporary" and t["registration_end_date"] < as_of]
    temporary = [t for t in truth if t["residence_type"] == "temporary"]
    assert 0.03 < len(lapsed) / len(temporary) < 0.25
    for listings in by_person.values():
        if len(listings) == 2:  # the second listing was registered after the first (moved, took lodgings)
            first, second = sorted(listings, key=lambda t: t["listing"])
            assert first["registration_date"] <= second["registration_date"]
    persons = {p["person_id"]: p for p in pq.read_table(report.truth_dir / "persons.parquet").to_pylist()}
    differs = 0
    for person_id, listings in by_person.items():
        current, permanent = _law(listings, as_of)
        person = persons[person_id]
        assert (person["current_new_ward_code"], person["current_residential_group"]) == current
        assert person["new_ward_code"] == person["current_new_ward_code"]
        found = (person["permanent_new_ward_code"], person["permanent_residential_group"])
        assert found == (permanent if permanent else (None, None))
        differs += current[0] != (permanent or ("",))[0]
    assert differs, "some people live away from their permanent residence"


def test_rosters_keep_registration_dates_where_their_systems_do(sample) -> None:
    report, truth = sample
    dates = {"registration_date", "registration_end_date"}
    kept = {f.code: dates & set(_manifest(f.code).columns.values()) for f in FORMERS}
    assert kept["00280"] == kept["00358"] == set()  # the oldest systems keep neither
    assert kept["00295"] == {"registration_date"}  # some keep only the registration date
    assert sum(k == {"registration_date", "registration_end_date"} for k in kept.values()) >= 5
    variations = Counter(v for t in truth for v in t["variations"] if v.startswith("registration"))
    assert variations["registration_date_not_kept"] and variations["registration_date_blank"]
    flags = Counter(f for t in truth for f in t["expected_flags"] if f.startswith("registration"))
    assert flags["registration_date_unparseable"]


@pytest.mark.parametrize(
    ("code", "encoding", "raw", "words"),
    [
        ("00280", "tcvn3", b"Nguy\xd4n", ("Nguyễn", "Thường trú", "Quan hệ với chủ hộ")),
        ("00295", "vni", b"Nguye\xe3n", ("Nguyễn", "Thường trú", "Ngày tháng năm sinh")),
        ("00298", "cp1258", b"Nguy\xea\xden", ("Nguyễn", "Thường trú", "Họ và tên khai sinh")),
        ("00358", "vni", b"NGUYE\xc3N", ("NGUYỄN", "THƯỜNG TRÚ", "QUAN HỆ CHỦ HỘ")),
    ],
)
def test_legacy_rosters_are_really_in_their_encodings(sample, code, encoding, raw, words) -> None:
    report, _ = sample
    data = next(report.landing.glob(_manifest(code).path)).read_bytes()
    assert _manifest(code).encoding == encoding
    assert raw in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = decode_bytes(data, encoding)
    for word in words:
        assert word in text


def test_xlsx_report_has_titles_merged_header_numeric_ids_and_totals(sample) -> None:
    report, truth = sample
    manifest = _manifest("00304")
    workbook = CalamineWorkbook.from_path(str(next(report.landing.glob(manifest.path))))
    sheet = workbook.get_sheet_by_name("DS nhan khau")
    grid = sheet.to_python(skip_empty_area=False)
    assert grid[1][0] == "DANH SÁCH NHÂN KHẨU PHƯỜNG VĨNH HƯNG"
    assert ((3, 7), (3, 10)) in sheet.merged_cell_ranges and grid[3][7] == "Địa chỉ"
    assert grid[4][7:11] == ["Số nhà", "Ngõ", "Đường phố", "Tổ dân phố"]
    rows = report.rows_per_ward["00304"]
    assert grid[-1][0] == f"Tổng cộng: {rows} người"
    by_row = {t["source_row"]: t for t in truth if t["former_ward_code"] == "00304"}
    numeric = 0
    for row, cells in _records(report.landing, "00304"):
        value = cells["Số CCCD/CMND"]
        if isinstance(value, float):
            numeric += 1
            restored = parse_national_id(str(int(value)), numeric=True).value
            t = by_row[row]
            if not {"id_typo"} & set(t["variations"]):
                assert restored == t["national_id"]
    assert numeric > rows * 0.5
    assert any(isinstance(c["Ngày sinh"], date) for _, c in _records(report.landing, "00304"))


def test_json_export_is_nfd_with_free_text_addresses_the_parser_splits(sample) -> None:
    report, truth = sample
    path = next(report.landing.glob(_manifest("00310").path))
    text = path.read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFD", text) != unicodedata.normalize("NFC", text)
    by_row = {t["source_row"]: t for t in truth if t["former_ward_code"] == "00310"}
    checked = 0
    for row, record in _records(report.landing, "00310"):
        t = by_row[row]
        parsed = parse_address(record["dia_chi"])
        if not {"no_group", "no_group_no_street", "unknown_group"} & set(t["variations"]):
            assert parsed.residential_group == str(t["true_residential_group"]), record["dia_chi"]
        if "no_group_no_street" not in t["variations"]:
            assert street_key(parsed.street) == street_key(t["true_street"]), record["dia_chi"]
            checked += 1
    assert checked > 100


def test_sqlite_roster_codes_sex_and_residence_as_integers(sample) -> None:
    report, _ = sample
    path = next(report.landing.glob(_manifest("00313").path))
    con = sqlite3.connect(path)
    try:
        types = con.execute("SELECT DISTINCT typeof(gioi_tinh), typeof(loai_cu_tru) FROM tbl_nhankhau").fetchall()
        sexes = {r[0] for r in con.execute("SELECT DISTINCT gioi_tinh FROM tbl_nhankhau")}
    finally:
        con.close()
    assert set(types) == {("integer", "integer")}
    assert {0, 1} <= sexes <= {0, 1, 2, 9}


@pytest.mark.parametrize("code", ["00280", "00298", "00319", "00322", "00325"])
def test_written_groups_streets_ids_and_phones_read_back_as_the_truth(sample, code) -> None:
    """Every spelling the generator uses is one the pipeline's helpers fold back to the true value."""
    report, truth = sample
    manifest = _manifest(code)
    label = {f: lbl for lbl, f in manifest.columns.items() if f}
    by_row = {t["source_row"]: t for t in truth if t["former_ward_code"] == code}
    for row, cells in _records(report.landing, code):
        t = by_row[row]
        if t["expected_disposition"] != "loaded":
            continue
        group = _cell_text(cells[label["residential_group"]])
        if group and "unknown_group" not in t["variations"]:
            assert normalise_group(group) == str(t["true_residential_group"]), group
        street = _cell_text(cells[label["street"]])
        if street:
            # The key of the written street is the true name, unmarked and in lower case ("Phố Đại La" → "dai la").
            assert street_key(street) == " ".join(strip_marks(t["true_street"]).lower().split()), street
        alley = _cell_text(cells[label["alley"]])
        if alley or (street and t["true_alley"]):
            # …and the key of the written alley is the true alley's number path ("ngõ số 236" → "236").
            expected = re.sub(r"^ngõ\s+", "", t["true_alley"], flags=re.IGNORECASE) if t["true_alley"] else None
            assert alley_key(alley) == (strip_marks(expected).lower() if expected else None), alley
        phone = cells[label["phone"]]
        if phone not in (None, "") and "phone_unparseable" not in t["expected_flags"]:
            assert normalise_phone(_cell_text(phone), numeric=isinstance(phone, float)).value == t["phone"]
        nid = cells[label["national_id"]]
        if nid not in (None, "") and not {"id_cmnd", "id_typo"} & set(t["variations"]):
            assert parse_national_id(_cell_text(nid), numeric=isinstance(nid, float)).value == t["national_id"]


def test_without_injected_defects_every_record_is_loaded(tmp_path: Path) -> None:
    zero = {name: 0.0 for name in QUARANTINE_RULES}
    rates = DefectRates(**zero, group_missing=0.0, group_and_street_missing=0.0, group_unknown=0.0)
    generate(tmp_path / "landing", scale=0.01, seed=5, rates=rates)
    truth = pq.read_table(tmp_path / "truth" / "residents_truth.parquet").to_pylist()
    assert {t["expected_disposition"] for t in truth} == {"loaded"}


def test_the_routing_table_drives_the_generated_geography(tmp_path: Path) -> None:
    lines = ROUTING.read_text(encoding="utf-8").splitlines()
    changed = [line.replace(",00322,", ",00292,") if line.startswith("00280,Tổ") else line for line in lines]
    routing = tmp_path / "routing.csv"
    routing.write_text("\n".join(changed) + "\n", encoding="utf-8")
    generate(tmp_path / "landing", scale=0.01, seed=5, routing=routing)
    truth = pq.read_table(tmp_path / "truth" / "residents_truth.parquet").to_pylist()
    assert {t["expected_new_ward_code"] for t in truth if t["former_ward_code"] == "00280"} == {"00292"}
    assert "00322" in {t["expected_new_ward_code"] for t in truth if t["former_ward_code"] == "00313"}


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("Nguyễn Thị Hòa", "Nguyễn Thị Hòa", "Nguyễn Thị Hoà"),
        ("Lê Thanh Thuỷ", "Lê Thanh Thủy", "Lê Thanh Thuỷ"),
        ("Trần Văn Khỏe", "Trần Văn Khỏe", "Trần Văn Khoẻ"),
        ("Phạm Quý Hoàng", "Phạm Quý Hoàng", "Phạm Quý Hoàng"),
        ("Đỗ Thúy Quỳnh", "Đỗ Thúy Quỳnh", "Đỗ Thuý Quỳnh"),
    ],
)
def test_tone_placement_styles(name: str, old: str, new: str) -> None:
    assert restyle_tones(name, "old") == old
    assert restyle_tones(name, "new") == new


@pytest.mark.parametrize(("sex", "year"), [("M", 1956), ("F", 1988), ("M", 2003), ("F", 2019)])
def test_generated_cccd_agrees_unless_a_contradiction_is_injected(sex: str, year: int) -> None:
    rng = random.Random(year)
    cccd = make_cccd(rng, UniqueNumbers(), "001", sex, year)
    assert len(cccd) == 12 and cccd_agrees(cccd, sex, year) is True
    assert cccd_agrees(cccd_contradicting(rng, cccd, sex, year), sex, year) is False
    assert parse_national_id(id_bad_length(rng, cccd)).error == "bad_length"


@pytest.mark.parametrize("style", ["plain", "spaced", "dotted", "plus84", "84", "old11"])
@pytest.mark.parametrize("phone", ["0912345678", "0388123456", "0703456789"])
def test_every_phone_style_normalises_back_to_the_ten_digit_number(style: str, phone: str) -> None:
    assert normalise_phone(phone_written(random.Random(1), phone, style)).value == phone


def test_impossible_dates_can_be_written_in_each_roster_format() -> None:
    assert format_date_parts("%d/%m/%Y", 1980, 2, 31) == "31/02/1980"
    assert format_date_parts("%m/%d/%Y", 1980, 2, 31) == "02/31/1980"
    assert format_date_parts("%Y-%m-%d", 1975, 4, 31) == "1975-04-31"


@pytest.mark.parametrize("field", ["name_missing", "listed_twice", "phone_plus84"])
def test_defect_rates_outside_zero_to_one_are_refused(field: str) -> None:
    with pytest.raises(DefectRateError, match=field):
        DefectRates(**{field: 1.5})


# ---- the other datasets and the age structure ------------------------------------------------------------------


def test_committed_manifests_of_the_other_datasets_describe_what_the_generator_writes() -> None:
    from sample_data.datasets import manifest_documents

    documents = manifest_documents(FORMERS)
    assert len(documents) == 4 * len(FORMERS)
    for name, text in documents.items():
        assert (SOURCES / name).read_text(encoding="utf-8") == text, name
        assert "former_ward: '" in text  # quoted: YAML would read 00304 as a number
        assert load_manifest(SOURCES / name).former_ward == name[:5]


def test_age_structure_follows_the_2019_census_for_urban_hanoi(sample) -> None:
    report, _ = sample
    persons = pq.read_table(report.truth_dir / "persons.parquet").to_pandas()
    born = pd.to_datetime(persons["date_of_birth"])
    age = (pd.Timestamp("2025-06-30") - born).dt.days / 365.25
    assert 0.21 <= (age < 15).mean() <= 0.25  # census: 0–14 about 23% in urban Hanoi
    assert 0.11 <= (age >= 60).mean() <= 0.14  # 60 and over about 12–13%


def test_other_datasets_truth_is_consistent_with_itself(sample) -> None:
    report, _ = sample
    dossiers = pd.read_parquet(report.truth_dir / "dossiers_truth.parquet")
    done = dossiers[dossiers["finished_at"].notna() & dossiers["due_at"].notna()]
    by_date = [
        "early" if f.date() < d.date() else "on_time" if f.date() == d.date() else "late"
        for f, d in zip(done["finished_at"], done["due_at"], strict=True)
    ]
    assert by_date == list(done["expected_timeliness"])
    classes = {"early", "on_time", "late", "overdue", "open", "refused", "withdrawn"}
    assert set(dossiers["expected_timeliness"]) <= classes
    copies = dossiers[dossiers["expected_row_kind"] == "exact_copy"]
    assert len(copies) and (copies["expected_disposition"] == "set_aside").all()
    per_ward = dossiers.groupby("former_ward_code").size()
    assert len(per_ward) == len(FORMERS)
    budget = pd.read_parquet(report.truth_dir / "budget_truth.parquet")
    for (ward, flow), lines in budget[budget["expected_row_kind"] == "record"].groupby(["former_ward_code", "flow"]):
        total = budget[(budget["former_ward_code"] == ward) & (budget["flow"] == flow)
                       & (budget["expected_row_kind"] == "total") & budget["item_group"].isna()]  # fmt: skip
        assert len(total) == 1 and int(total["estimate_amount"].item()) == int(lines["estimate_amount"].sum())
    assert {"1001", "1003", "1601", "1602", "2801"} <= set(budget["item"].dropna())
    households = pd.read_parquet(report.truth_dir / "business_households_truth.parquet")
    residents = pq.read_table(report.truth_dir / "residents_truth.parquet").num_rows
    assert 0.008 <= len(households) / residents <= 0.02  # about 1.5% of residents own a business household
