"""Readers per format on tiny fixtures, and manifest errors that name the manifest, file and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assets.lib.readers import SourceFileError, read_source_file
from schemas.manifest import load_manifest, scan_manifests

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = FIXTURES / "sources"
LANDING = FIXTURES / "landing"


def _read(manifest_name: str, landing: Path = LANDING, sources: Path = SOURCES):
    path = sources / manifest_name
    manifest = load_manifest(path)
    file = next(landing.glob(manifest.path))
    return read_source_file(file, file.name, manifest, path)


@pytest.mark.parametrize(
    "manifest_name",
    ["00280_residents.yaml", "00295_residents.yaml", "00298_residents.yaml", "00304_residents.yaml"],
)
def test_tabular_readers_decode_names_and_keep_row_numbers(manifest_name):
    frame = _read(manifest_name).frame
    assert list(frame["source_record_id"]) == ["NK001", "NK002", "NK003"]
    # TCVN3 has no toned capitals: "Ánh" arrives as "ánh" (harmonise restores title case).
    assert [n.lower() for n in frame["full_name"]] == ["nguyễn thị thủy", "đặng văn hưng", "trương quý ánh"]
    assert list(frame["street"]) == ["Tân Mai", "Trương Định", "Giải Phóng"]
    if manifest_name.startswith("00304"):
        assert list(frame["_source_row"]) == [6, 7, 8]  # Excel row numbers, after 3 title and 2 header rows
    else:
        assert list(frame["_source_row"]) == [2, 3, 4]  # spreadsheet lines: header is line 1


def test_xlsx_numeric_cells_are_marked_and_dates_are_iso():
    frame = _read("00304_residents.yaml").frame
    # Excel stored the CCCD as a number: its zeros are gone, and the cell is marked numeric (restored later).
    assert frame["national_id"].iloc[0] == "1190012345"
    assert "national_id" in frame["_numeric_fields"].iloc[0].split(",")
    assert frame["date_of_birth"].iloc[0] == "1990-07-05"
    assert frame["date_of_birth"].iloc[1] == "1985" and "date_of_birth" in frame["_numeric_fields"].iloc[1]
    assert frame["residential_group"].iloc[1] == "TDP số 05"
    assert frame["national_id"].iloc[2] is None


def test_csv_text_ids_are_not_marked_numeric():
    frame = _read("00280_residents.yaml").frame
    assert frame["national_id"].iloc[0] == "001190012345"
    assert frame["_numeric_fields"].isna().all()


def test_json_reader_follows_record_path_and_normalises_nfd():
    frame = _read("00310_residents.yaml").frame
    assert frame["full_name"].iloc[0] == "Nguyễn Thị Thủy"  # NFC, though the file is NFD
    assert frame["address"].iloc[0].startswith("Số 12, ngõ 34, phố Tân Mai")
    assert list(frame["_source_row"]) == [1, 2, 3]


def test_sqlite_reader_reads_codes_and_derives_no_ids_itself():
    frame = _read("00313_residents.yaml").frame
    assert list(frame["sex"]) == ["0", "1", "0"]
    assert "source_record_id" not in frame.columns  # derived from key fields by the extract stage
    assert list(frame["_source_row"]) == [1, 2, 3]


def _copy_sources(tmp_path: Path, name: str, text: str) -> Path:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / name).write_text(text, encoding="utf-8")
    return sources


def test_wrong_declared_encoding_is_detected(tmp_path):
    text = (SOURCES / "00295_residents.yaml").read_text(encoding="utf-8").replace("encoding: vni", "encoding: cp1258")
    sources = _copy_sources(tmp_path, "00295_residents.yaml", text)
    with pytest.raises(SourceFileError) as err:
        _read("00295_residents.yaml", sources=sources)
    message = str(err.value)
    assert "00295_residents.yaml" in message and "roster_vni.csv" in message
    assert "not Vietnamese" in message and "column 'Mã NK'" in message


def test_tcvn3_file_declared_utf8_names_the_file(tmp_path):
    text = (SOURCES / "00280_residents.yaml").read_text(encoding="utf-8").replace("encoding: tcvn3", "encoding: utf-8")
    sources = _copy_sources(tmp_path, "00280_residents.yaml", text)
    with pytest.raises(SourceFileError, match=r"roster_tcvn3\.csv.*not valid utf-8"):
        _read("00280_residents.yaml", sources=sources)


def test_missing_column_names_manifest_file_and_column(tmp_path):
    text = (
        (SOURCES / "00298_residents.yaml")
        .read_text(encoding="utf-8")
        .replace('"Mã hộ": household_id', '"Mã hộ gia đình": household_id')
    )
    sources = _copy_sources(tmp_path, "00298_residents.yaml", text)
    with pytest.raises(SourceFileError) as err:
        _read("00298_residents.yaml", sources=sources)
    assert "column 'Mã hộ gia đình'" in str(err.value) and "roster_cp1258.csv" in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("as_of: 2025-06-30", "as_of: 2025-06-30\ncolour: blue"), "key 'colour': unknown key"),
        (('Mã hộ": household_id', 'Mã hộ": household_code'), "unknown canonical field(s) ['household_code']"),
        (('former_ward: "00298"', "former_ward: 00313"), "five-digit code quoted"),  # YAML: octal 203
        (('delimiter: ";"', 'delimiter: ";"\nsheet: DS'), "option(s) ['sheet'] do not apply to format 'csv'"),
        (('"Mã NK": source_record_id', '"Mã NK": null'), "declare record_id_from"),
    ],
)
def test_manifest_errors_name_the_manifest_and_key(tmp_path, change, expected):
    text = (SOURCES / "00298_residents.yaml").read_text(encoding="utf-8").replace(*change)
    sources = _copy_sources(tmp_path, "00298_residents.yaml", text)
    scan = scan_manifests(sources)
    assert not scan.valid
    [(path, error, ward, _)] = scan.broken
    assert ward == "00298"  # it fails its own former ward alone
    assert str(sources / "00298_residents.yaml") in str(error) and expected in str(error)


def test_truncated_workbook_is_reported_by_path(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "roster.xlsx").write_bytes((LANDING / "roster.xlsx").read_bytes()[:500])
    shutil.copy(SOURCES / "00304_residents.yaml", tmp_path / "m.yaml")
    with pytest.raises(SourceFileError, match=r"roster\.xlsx: not a readable workbook"):
        _read("m.yaml", landing=landing, sources=tmp_path)
