"""Amounts, date-times, code patterns, report totals and repeated export rows: read, judged and set apart as the
manifest declares, on real files through the real readers and the Great Expectations suite."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from assets.lib.amounts import parse_amount
from assets.lib.dates import parse_date
from assets.lib.extraction import extract_partition, manifests_of
from assets.lib.party_links import AMBIGUOUS, NAME_AND_BIRTH_DATE, NATIONAL_ID, NO_IDENTIFIER, NO_MATCH, PersonIndex
from assets.lib.validation import validate_frame
from sample_data.writers import write_csv_rows, write_table_xlsx
from schemas import canonical as c
from schemas.datasets import dataset
from schemas.manifest import ManifestError, load_manifest, scan_manifests

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "numeric", "mark", "expected"),
    [
        ("1.234.567", False, "none", Decimal(1234567)),  # Vietnamese thousands
        ("1,234,567", False, "none", Decimal(1234567)),  # English thousands, same file
        ("1234567", False, "none", Decimal(1234567)),
        ("1234567", True, "none", Decimal(1234567)),  # a number cell
        ("1234567.5", True, "none", Decimal("1234567.5")),
        ("1.234.567,5", False, "none", Decimal("1234567.5")),  # both separators: the last one is decimal
        ("1,234,567.50", False, "none", Decimal("1234567.50")),
        ("12,5", False, ",", Decimal("12.5")),  # Vietnamese decimal comma, when the manifest says so
        ("1.234", False, ",", Decimal(1234)),  # …a dot then groups thousands
        ("1.234", False, ".", Decimal("1.234")),
        ("(1.234.567)", False, "none", Decimal(-1234567)),  # accountants' negative
        ("1.234.567 đ", False, "none", Decimal(1234567)),
        ("50.000.000 VNĐ", False, "none", Decimal(50000000)),
    ],
)
def test_amounts_in_either_style_read_exactly(text, numeric, mark, expected):
    result = parse_amount(text, numeric=numeric, decimal_mark=mark)
    assert result.error is None and result.value == expected


@pytest.mark.parametrize("text", ["12,5 tr", "1.234.56", "1,23,456", "50 triệu", "1.234,567,8", "12tr", "abc"])
def test_what_is_no_amount_is_unparseable(text):
    assert parse_amount(text, decimal_mark="none").error == "unparseable"


@pytest.mark.parametrize("text", [None, "", "  ", "-", "—"])
def test_empty_cells_and_the_accountants_dash_are_missing(text):
    assert parse_amount(text).error == "missing"


def test_a_single_separator_is_decimal_only_where_the_manifest_says_so():
    assert parse_amount("12,5", decimal_mark="none").error == "unparseable"  # whole amounts: 12,5 is no group
    assert parse_amount("12,500", decimal_mark="none").value == Decimal(12500)


@pytest.mark.parametrize(
    ("text", "numeric", "time"),
    [
        ("2025-03-04 08:15:30", False, dt.time(8, 15, 30)),  # portal timestamp
        ("04/03/2025 17:00", False, dt.time(17, 0)),  # typed with the manifest's day format
        ("04/03/2025", False, None),  # a date alone: no time
        ("45720.75", True, dt.time(18, 0)),  # an Excel date-time serial: the fraction is the time of day
    ],
)
def test_date_times_keep_the_time_of_day(text, numeric, time):
    result = parse_date(text, ["%d/%m/%Y"], numeric=numeric, today=TODAY, not_after_today=False)
    assert result.ok and result.time == time


# ---- reports with totals, exports that repeat rows ------------------------------------------------------------
BUDGET_LABELS = ["STT", "Thu/Chi", "Mã số / Mục", "Mã số / Tiểu mục", "Mã số / Chương", "Nội dung", "Dự toán",
                 "Thực hiện / Tháng 1"]  # fmt: skip


def _budget_manifest(tmp_path: Path) -> Path:
    manifest = {
        "dataset": "budget", "former_ward": "00280", "path": "00280/*.xlsx", "format": "xlsx", "as_of": "2025-06-30",
        "skip_rows": 1, "header_rows": 2,
        "columns": {"STT": None, "Thu/Chi": "flow", "Mã số / Mục": "item_group", "Mã số / Tiểu mục": "item",
                    "Mã số / Chương": "chapter", "Nội dung": "item_name", "Dự toán": "estimate_amount",
                    "Thực hiện / Tháng 1": "executed_m01"},
        "record_id_from": ["flow", "chapter", "item"],
        "total_rows": {"when_empty": ["item"], "label_field": "item_name", "label_pattern": "^cộng",
                       "scope": ["flow", "item_group"], "sums": ["estimate_amount", "executed_m01"]},
        "value_maps": {"flow": {"Thu": "revenue", "Chi": "expenditure"}},
    }  # fmt: skip
    path = tmp_path / "sources" / "00280_budget.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    return path


def test_report_totals_are_set_apart_labelled_and_checked_never_added(tmp_path):
    manifest = _budget_manifest(tmp_path)
    rows = [
        ["A", "Thu", "", "", "", "TỔNG THU", 3_500_000, "1.500.000"],  # grand total: every revenue line
        ["I", "Thu", "1000", "", "", "Thuế thu nhập cá nhân", 3_000_000, 1_300_000],  # subtotal of mục 1000: wrong
        [1, "Thu", "1000", "1001", "757", "Thuế TNCN từ tiền lương", 2_000_000, "1,000,000"],
        [2, "Thu", "1000", "1003", "757", "Thuế TNCN hộ kinh doanh", 1_000_000, 200_000],
        [3, "Thu", "2800", "2801", "757", "Lệ phí trước bạ nhà, đất", "500.000", "12,5 tr"],  # amount is no amount
        ["", "Thu", "2800", "9999", "757", "Cộng mục 2800", 500_000, 300_000],  # a total by its label
    ]
    (tmp_path / "landing" / "00280").mkdir(parents=True)
    write_table_xlsx(tmp_path / "landing" / "00280" / "bao_cao.xlsx", "NS", ["BÁO CÁO"], BUDGET_LABELS, rows, 2)
    spec = dataset("budget")
    raw = extract_partition(tmp_path / "landing", scan_manifests(manifest.parent), "00280", spec, "run").frame
    frame, counts = validate_frame(raw, spec, manifests_of(raw), TODAY)
    by_row = frame.set_index(c.SOURCE_ROW)
    # Excel rows: title 1, header 2–3, body from 4.
    assert list(by_row[c.DISPOSITION]) == [c.SET_ASIDE, c.SET_ASIDE, c.ACCEPTED, c.ACCEPTED, c.QUARANTINED,
                                           c.SET_ASIDE]  # fmt: skip
    assert by_row.loc[[4, 5, 9], c.ASIDE_LABEL].tolist() == ["TỔNG THU", "Thuế thu nhập cá nhân", "Cộng mục 2800"]
    # The grand total lacks the unreadable 12,5 tr; mục 1000 states 1,300,000 for 1,200,000; mục 2800 likewise.
    assert by_row.loc[[4, 5, 9], c.TOTAL_CHECK].tolist() == ["unbalanced", "unbalanced", "unbalanced"]
    assert json.loads(by_row.loc[5, c.TOTAL_DETAIL]) == {"executed_m01": {"reported": "1300000", "records": "1200000"}}
    assert by_row.loc[8, c.RULES] == "executed_m01_unparseable" and counts["executed_m01_unparseable"] == 1
    assert counts["record_id_missing"] == 0  # totals have no id and are not judged as records
    assert by_row.loc[6, checked("executed_m01")] == Decimal(1_000_000)  # "1,000,000" beside number cells
    assert by_row.loc[8, checked("estimate_amount")] == Decimal(500_000)  # "500.000"


def checked(field: str) -> str:
    return c.checked(field, "value")


def test_rows_an_export_repeats_are_set_apart_once_and_a_changed_repeat_is_a_duplicate(tmp_path):
    labels = ["MaHoSo", "MaTTHC", "NgayTiepNhan", "TrangThai"]
    manifest = {
        "dataset": "dossiers", "former_ward": "00280", "path": "00280/*.csv", "format": "csv", "as_of": "2025-06-30",
        "multiple_files": True, "exact_copies": "set_aside",
        "columns": {"MaHoSo": "source_record_id", "MaTTHC": "procedure_code", "NgayTiepNhan": "received_at",
                    "TrangThai": "status"},
        "date_formats": ["%Y-%m-%d %H:%M:%S"],
        "value_maps": {"status": {"4": "processing", "10": "returned"}},
    }  # fmt: skip
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "00280_dossiers.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    landing = tmp_path / "landing" / "00280"
    landing.mkdir(parents=True)
    page1 = [["HS1", "1.005129", "2025-03-04 08:15:30", "10"], ["HS2", "2.000815", "2025-03-05 09:00:00", "10"]]
    page2 = [
        ["HS2", "2.000815", "2025-03-05 09:00:00", "10"],  # the last row of page 1 again: an exact copy
        ["HS1", "1.005129", "2025-03-04 08:15:30", "4"],  # HS1 again, fetched before it was returned: a conflict
        ["HS3", "1.00512", "2025-03-06 10:00:00", "4"],  # a procedure code without its last digit
    ]
    write_csv_rows(landing / "trang1.csv", labels, page1, "utf-8", ",", "\n")
    write_csv_rows(landing / "trang2.csv", labels, page2, "utf-8", ",", "\n")
    spec = dataset("dossiers")
    raw = extract_partition(tmp_path / "landing", scan_manifests(sources), "00280", spec, "run").frame
    frame, _ = validate_frame(raw, spec, manifests_of(raw), TODAY)
    result = {(f, r): (d, rules) for f, r, d, rules in
              frame[[c.SOURCE_FILE, c.SOURCE_ROW, c.DISPOSITION, c.RULES]].itertuples(index=False)}  # fmt: skip
    assert result[("00280/trang2.csv", 2)] == (c.SET_ASIDE, None)
    assert frame.loc[frame[c.SOURCE_ROW].eq(2) & frame[c.SOURCE_FILE].eq("00280/trang2.csv"), c.COPY_OF].item() == (
        "00280/trang1.csv row 3"
    )
    assert result[("00280/trang2.csv", 3)] == (c.QUARANTINED, "record_id_duplicate")
    assert result[("00280/trang2.csv", 4)] == (c.QUARANTINED, "procedure_code_malformed")
    accepted = frame[frame[c.DISPOSITION] == c.ACCEPTED]
    assert sorted(accepted["source_record_id"]) == ["HS1", "HS2"]  # each dossier once
    first = accepted.set_index("source_record_id").loc["HS1"]
    assert first[checked("received_at")] == pd.Timestamp("2025-03-04 08:15:30")
    assert first[c.checked("received_at", "precision")] == "time"


def test_manifest_keys_for_reports_are_checked_with_the_file_and_key(tmp_path):
    path = _budget_manifest(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["total_rows"]["sums"] = ["item_name"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"00280_budget.yaml.*total_rows.sums names field\(s\) \['item_name'\]"):
        load_manifest(path)
    data["total_rows"] = {"scope": ["flow"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ManifestError, match="when_empty"):
        load_manifest(path)
    data.pop("total_rows")
    data["record_id_optional"] = ["sector"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"record_id_optional names field\(s\) \['sector'\]"):
        load_manifest(path)
    data.pop("record_id_optional")
    data["decimal_mark"] = ";"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ManifestError, match="decimal_mark"):
        load_manifest(path)


def test_a_person_is_linked_only_when_the_identifiers_name_exactly_one():
    born = dt.date(1985, 3, 30)
    index = PersonIndex(pd.DataFrame(
        [(1, "001085012345", "nguyen van an", born, "day"), (1, "012345678", "nguyen van an", born, "day"),
         (2, "001090000001", "tran thi binh", dt.date(1990, 1, 1), "year"),
         (3, "001070000003", "le van cuong", born, "day"), (4, "001070000004", "le van cuong", born, "day")],
        columns=["person_key", "national_id", "name_key", "date_of_birth", "dob_precision"]))  # fmt: skip
    assert index.find("012345678", None, None, None) == (1, NATIONAL_ID, 1)  # a CMND in one roster is enough
    assert index.find(None, "nguyen van an", born, "day") == (1, NAME_AND_BIRTH_DATE, 1)
    assert index.find("099999999", "nguyen van an", born, "day") == (1, NAME_AND_BIRTH_DATE, 1)  # unknown CMND
    assert index.find(None, "le van cuong", born, "day") == (None, AMBIGUOUS, 2)  # namesakes born the same day
    assert index.find(None, "tran thi binh", dt.date(1990, 1, 1), "day") == (None, NO_MATCH, 0)  # year-only record
    assert index.find(None, "nguyen van an", None, None) == (None, NO_IDENTIFIER, 0)


def test_a_cccd_that_is_not_the_persons_rules_out_a_name_and_birth_date_match():
    born = dt.date(1985, 3, 30)
    index = PersonIndex(pd.DataFrame([(1, "001085012345", "nguyen van an", born, "day")],
                                     columns=["person_key", "national_id", "name_key", "date_of_birth",
                                              "dob_precision"]))  # fmt: skip
    assert index.find("038085099999", "nguyen van an", born, "day") == (None, NO_MATCH, 0)  # another CCCD: another man
    assert index.find("123456789", "nguyen van an", born, "day") == (1, NAME_AND_BIRTH_DATE, 1)  # a CMND nobody has
