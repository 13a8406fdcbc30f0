"""Writers for the file formats ward offices deliver: legacy-encoded CSV, Excel reports, JSON, SQLite.

Output is byte-for-byte reproducible: fixed document timestamps, no dictionaries ordered by hash, rows in a
fixed order. Cells carry Python types on purpose (int for a number cell, ``date`` for an Excel date cell),
because that is where Excel loses leading zeros and where readers must not.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assets.lib.codecs import encode_text
from sample_data.profiles import AS_OF, Profile

Cell = str | int | date | None
_FIXED_TIME = datetime(2025, 6, 30, 17, 5, 0)


def write_csv(path: Path, profile: Profile, rows: Sequence[Sequence[Cell]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=str(profile.options.get("delimiter", ",")),
        lineterminator=profile.line_end,
        quoting=csv.QUOTE_MINIMAL,
    )
    writer.writerow(profile.labels)
    for row in rows:
        writer.writerow(["" if cell is None else str(cell) for cell in row])
    path.write_bytes(encode_text(buffer.getvalue(), profile.encoding))


def write_csv_rows(
    path: Path, labels: Sequence[str], rows: Sequence[Sequence[object]], encoding: str, delimiter: str, line_end: str
) -> None:
    """A CSV file in a (possibly legacy) encoding: header, then the rows' cells as text (empty for None)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(labels)
    for row in rows:
        writer.writerow(["" if cell is None else str(cell) for cell in row])
    path.write_bytes(encode_text(buffer.getvalue(), encoding))


def write_json(path: Path, profile: Profile, rows: Sequence[Sequence[Cell]], office: str) -> None:
    """A web portal's export: records under data.nhan_khau, text decomposed (NFD) as some browsers send it."""
    labels = profile.labels
    records = [{label: cell for label, cell in zip(labels, row, strict=True)} for row in rows]
    document = {
        "meta": {
            "don_vi": office,
            "ngay_xuat": _FIXED_TIME.isoformat() + "+07:00",
            "so_ban_ghi": len(records),
        },
        "data": {"nhan_khau": records},
    }
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if profile.nfd:
        text = unicodedata.normalize("NFD", text)
    path.write_bytes(encode_text(text, profile.encoding) if profile.encoding != "utf-8" else text.encode("utf-8"))


def write_sqlite(path: Path, profile: Profile, rows: Sequence[Sequence[Cell]], integer_columns: set[str]) -> None:
    """A ward application's database file: one table, integer codes where the application used them."""
    table = str(profile.options["table"])
    if path.exists():
        path.unlink()
    columns = []
    for label in profile.labels:
        if label == profile.label_of("_rowid"):
            columns.append(f'"{label}" INTEGER PRIMARY KEY')
        else:
            columns.append(f'"{label}" {"INTEGER" if label in integer_columns else "TEXT"}')
    con = sqlite3.connect(path)
    try:
        con.execute(f'CREATE TABLE "{table}" ({", ".join(columns)})')
        marks = ", ".join("?" for _ in profile.labels)
        con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', [tuple(r) for r in rows])
        con.execute(f'CREATE INDEX "idx_{table}_ma_ho" ON "{table}" ("{profile.label_of("household_id")}")')
        con.commit()
    finally:
        con.close()


def write_xlsx(path: Path, profile: Profile, rows: Sequence[Sequence[Cell]], titles: Sequence[str]) -> None:
    """An Excel report: title rows, a header (two rows when labels are "Group / Column"), optional totals."""
    import xlsxwriter

    skip_rows = int(profile.options.get("skip_rows", 0))  # type: ignore[call-overload]
    header_rows = int(profile.options.get("header_rows", 1))  # type: ignore[call-overload]
    footer_rows = int(profile.options.get("footer_rows", 0))  # type: ignore[call-overload]
    if len(titles) != skip_rows:
        raise ValueError(f"profile {profile.key} expects {skip_rows} title rows, got {len(titles)}")
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"title": titles[0] if titles else profile.key, "author": "UBND", "created": _FIXED_TIME})
    sheet = workbook.add_worksheet(str(profile.options.get("sheet", "Sheet1")))
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})
    title_fmt = workbook.add_format({"bold": True, "align": "center"})
    date_fmt = workbook.add_format({"num_format": "dd/mm/yyyy"})
    labels = profile.labels
    width = len(labels)
    for r, title in enumerate(titles):
        if width > 1 and skip_rows > 1:
            sheet.merge_range(r, 0, r, width - 1, title, title_fmt)
        else:
            sheet.write_string(r, 0, title, title_fmt)
    top = skip_rows
    write_header(sheet, labels, top, header_rows, bold, profile.key)
    first = top + header_rows
    for i, row in enumerate(rows):
        r = first + i
        for c, cell in enumerate(row):
            if cell is None or cell == "":
                continue
            if isinstance(cell, bool):
                raise TypeError("boolean cells are not used in rosters")
            if isinstance(cell, int):
                sheet.write_number(r, c, cell)
            elif isinstance(cell, date):
                sheet.write_datetime(r, c, datetime(cell.year, cell.month, cell.day), date_fmt)
            else:
                sheet.write_string(r, c, cell)
    if footer_rows:
        r = first + len(rows)
        sheet.merge_range(r, 0, r, min(3, width - 1), f"Tổng cộng: {len(rows)} người", bold)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, width - 1, 16)
    workbook.close()


def write_header(sheet: Any, labels: list[str], top: int, header_rows: int, bold: Any, what: str) -> None:
    """A header of one row, or of two where labels are "Group / Column" (the group cell merged over its columns;
    a label without a group merged over both rows)."""
    width = len(labels)
    if header_rows == 2:
        splits = [label.split(" / ", 1) if " / " in label else [label] for label in labels]
        c = 0
        while c < width:
            parts = splits[c]
            if len(parts) == 1:
                sheet.merge_range(top, c, top + 1, c, parts[0], bold)
                c += 1
                continue
            end = c
            while end + 1 < width and len(splits[end + 1]) == 2 and splits[end + 1][0] == parts[0]:
                end += 1
            if end > c:
                sheet.merge_range(top, c, top, end, parts[0], bold)
            else:
                sheet.write_string(top, c, parts[0], bold)
            for k in range(c, end + 1):
                sheet.write_string(top + 1, k, splits[k][1], bold)
            c = end + 1
    elif header_rows == 1:
        for c, label in enumerate(labels):
            sheet.write_string(top, c, label, bold)
    else:
        raise ValueError(f"{what}: header_rows must be 1 or 2")


def write_table_xlsx(
    path: Path,
    sheet_name: str,
    titles: Sequence[str],
    labels: list[str],
    rows: Sequence[Sequence[object]],
    header_rows: int = 1,
) -> None:
    """A formatted Excel table: title rows, a header (two rows with merged groups), typed cells (int/float as
    number cells, ``date``/``datetime`` as date cells, text as text). Reproducible: fixed document time."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"title": titles[0] if titles else sheet_name, "author": "UBND", "created": _FIXED_TIME})
    sheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})
    title_fmt = workbook.add_format({"bold": True, "align": "center"})
    date_fmt = workbook.add_format({"num_format": "dd/mm/yyyy"})
    moment_fmt = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    amount_fmt = workbook.add_format({"num_format": "#,##0"})
    width = len(labels)
    for r, title in enumerate(titles):
        if width > 1:
            sheet.merge_range(r, 0, r, width - 1, title, title_fmt)
        else:
            sheet.write_string(r, 0, title, title_fmt)
    write_header(sheet, labels, len(titles), header_rows, bold, sheet_name)
    first = len(titles) + header_rows
    for i, row in enumerate(rows):
        r = first + i
        for c, cell in enumerate(row):
            if cell is None or cell == "":
                continue
            if isinstance(cell, bool):
                raise TypeError("boolean cells are not used in these reports")
            if isinstance(cell, int | float):
                sheet.write_number(r, c, cell, amount_fmt if isinstance(cell, int) and abs(cell) >= 1000 else None)
            elif isinstance(cell, datetime):
                sheet.write_datetime(r, c, cell, moment_fmt)
            elif isinstance(cell, date):
                sheet.write_datetime(r, c, datetime(cell.year, cell.month, cell.day), date_fmt)
            else:
                sheet.write_string(r, c, str(cell))
    sheet.set_column(0, width - 1, 14)
    workbook.close()


def office_name(short_name: str) -> str:
    return f"UBND phường {short_name}"


def as_of_text() -> str:
    return f"{AS_OF:%d/%m/%Y}"
