"""Readers: one per file format, driven only by the source manifest.

Each reader turns a delivered file into a frame of canonical fields (text, or None for empty cells), with the
row number as a person finds it in that file and which cells were stored as numbers. Nothing is interpreted
here beyond decoding: parsing dates, IDs and phones is the harmonise stage's job.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from assets.lib.codecs import EncodingError, decode_bytes
from assets.lib.vietnamese import vietnamese_share
from schemas.canonical import NUMERIC_FIELDS, SOURCE_ROW
from schemas.errors import WardmergeError
from schemas.manifest import SourceManifest

# Fields whose text must read as Vietnamese when the declared encoding is right.
_TEXT_CHECK_FIELDS = ("full_name", "street", "address")
_TEXT_CHECK_SAMPLE = 2000
_VIETNAMESE_THRESHOLD = 0.8
_SPACES = re.compile(r"\s+")


class SourceFileError(WardmergeError, ValueError):
    """A delivered file cannot be read as its manifest declares; names manifest, file, row and column."""

    def __init__(
        self,
        message: str,
        *,
        manifest: str | Path,
        file: str | Path,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = [f"manifest {manifest}", f"file {file}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.manifest, self.file, self.row, self.column = str(manifest), str(file), row, column


@dataclass
class ReadResult:
    """What a reader got from one file: canonical frame plus what it noticed along the way."""

    frame: pd.DataFrame
    ignored_columns: list[str] = field(default_factory=list)
    empty_rows_skipped: int = 0
    vietnamese_share: float | None = None


def label_key(label: str) -> str:
    """Column labels are compared in NFC, whitespace collapsed and case-folded (headings get retyped)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(label))).strip().casefold()


def _cell_text(value: Any) -> tuple[str | None, bool]:
    """Text of a cell and whether the file stored it as a number (leading zeros may be lost)."""
    if value is None:
        return None, False
    if isinstance(value, bool):
        return str(value).lower(), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        if math.isnan(value):
            return None, False
        if value.is_integer():
            return str(int(value)), True
        return repr(value), True
    if hasattr(value, "isoformat"):  # date, datetime, time cells: ISO text, unambiguous
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(
            value, "day"
        ) else value.isoformat(), False
    text = str(value).strip()
    return (text or None), False


class _Mapper:
    """Maps source labels to canonical fields for one file, with the manifest's error reporting."""

    def __init__(self, manifest: SourceManifest, manifest_path: Path, file: str) -> None:
        self.manifest, self.manifest_path, self.file = manifest, manifest_path, file
        self.declared = {label_key(col): (col, fld) for col, fld in manifest.columns.items()}

    def positions(self, labels: Sequence[str]) -> tuple[dict[str, int], list[str]]:
        """Canonical field → column index in the file; raises if a declared column is missing."""
        index = {}
        for pos, label in enumerate(labels):
            key = label_key(label)
            if key and key not in index:
                index[key] = pos
        missing = [col for key, (col, _) in self.declared.items() if key not in index]
        if missing and self.manifest.format in ("csv", "json"):
            share = vietnamese_share(" ".join(str(lbl) for lbl in labels))
            if share < _VIETNAMESE_THRESHOLD:
                raise SourceFileError(
                    f"declared encoding {self.manifest.encoding!r} yields a header that is not Vietnamese "
                    f"(only {share:.0%} of words are Vietnamese syllables); check the manifest's `encoding`",
                    manifest=self.manifest_path,
                    file=self.file,
                    column=missing[0],
                )
        if missing:
            # The labels found are not echoed: a file without its header line has a data row there.
            found = sum(1 for lbl in labels if lbl)
            raise SourceFileError(
                f"declared column(s) {missing} not found in the file's header ({found} labels there; "
                "`wardmerge inspect` shows them masked)",
                manifest=self.manifest_path,
                file=self.file,
                column=missing[0],
            )
        positions = {fld: index[key] for key, (_, fld) in self.declared.items() if fld is not None}
        ignored = [lbl for lbl in labels if lbl and label_key(lbl) not in self.declared]
        return positions, ignored

    def build(self, rows: Iterable[tuple[int, Sequence[Any]]], positions: dict[str, int]) -> pd.DataFrame:
        fields = [f for f in _field_order(self.manifest) if f in positions]
        data: dict[str, list[Any]] = {f: [] for f in fields}
        row_numbers: list[int] = []
        numeric: list[str | None] = []
        for row_no, cells in rows:
            numeric_here = []
            for f in fields:
                pos = positions[f]
                value, is_number = _cell_text(cells[pos] if pos < len(cells) else None)
                data[f].append(value)
                if is_number:
                    numeric_here.append(f)
            row_numbers.append(row_no)
            numeric.append(",".join(numeric_here) or None)
        # Object columns with None for empty cells (pandas 3 would infer its str dtype with NaN).
        frame = pd.DataFrame({SOURCE_ROW: pd.Series(row_numbers, dtype="int64")})
        for f in fields:
            frame[f] = pd.Series(data[f], dtype="object")
        frame[NUMERIC_FIELDS] = pd.Series(numeric, dtype="object")
        return frame


def _field_order(manifest: SourceManifest) -> list[str]:
    order = {f: i for i, f in enumerate(manifest.dataset_spec.field_names)}
    return sorted(set(manifest.field_of_column.values()), key=order.__getitem__)


def _is_empty(cells: Sequence[Any]) -> bool:
    return all(_cell_text(c)[0] is None for c in cells)


def _decode(data: bytes, manifest: SourceManifest, manifest_path: Path, file: str) -> str:
    try:
        return decode_bytes(data, manifest.encoding)
    except (EncodingError, UnicodeDecodeError) as exc:
        raise SourceFileError(
            f"bytes are not valid {manifest.encoding} as declared ({exc}); check the manifest's `encoding`",
            manifest=manifest_path,
            file=file,
        ) from None


def _read_csv(data: bytes, manifest: SourceManifest, mapper: _Mapper) -> ReadResult:
    text = _decode(data, manifest, mapper.manifest_path, mapper.file)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=manifest.delimiter or ",",
        quotechar=manifest.quotechar or '"',
    )
    try:
        header = next(reader)
    except StopIteration:
        raise SourceFileError("file is empty", manifest=mapper.manifest_path, file=mapper.file) from None
    positions, ignored = mapper.positions(header)
    rows, skipped = [], 0
    # Line numbers as a spreadsheet shows them: header is line 1, so the first record is line 2.
    for line_no, cells in enumerate(reader, start=2):
        if _is_empty(cells):
            skipped += 1
            continue
        if len(cells) != len(header):
            raise SourceFileError(
                f"expected {len(header)} fields (as in the header) but found {len(cells)}; "
                "check `delimiter`/`quotechar`",
                manifest=mapper.manifest_path,
                file=mapper.file,
                row=line_no,
            )
        rows.append((line_no, cells))
    return ReadResult(mapper.build(rows, positions), ignored, skipped)


def _xlsx_header(grid: list[list[Any]], first: int, count: int, merged: list[Any]) -> list[str]:
    """Labels of a (multi-row) header: a merged group cell over sub-columns gives "Group / Sub"."""
    width = max((len(r) for r in grid[first : first + count]), default=0)
    rows = [
        [(_cell_text(c)[0] or "") for c in grid[r]] + [""] * (width - len(grid[r])) for r in range(first, first + count)
    ]
    # A horizontally merged cell holds its text in its first column only: spread it over the columns it covers.
    # (A vertically merged cell needs nothing: the rows below it are empty and drop out of the label.)
    for (r1, c1), (_r2, c2) in merged:
        if first <= r1 < first + count and c2 > c1:
            row = rows[r1 - first]
            for c in range(c1 + 1, min(c2, width - 1) + 1):
                row[c] = row[c] or row[c1]
    labels = []
    for c in range(width):
        parts: list[str] = []
        for r in range(count):
            part = rows[r][c].strip()
            if part and part not in parts:
                parts.append(part)
        labels.append(" / ".join(parts))
    return labels


def _read_xlsx(path: Path, manifest: SourceManifest, mapper: _Mapper) -> ReadResult:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise SourceFileError(
            f"not a readable workbook ({type(exc).__name__})", manifest=mapper.manifest_path, file=mapper.file
        ) from None
    try:
        sheet_ref = manifest.sheet if manifest.sheet is not None else 0
        try:
            if isinstance(sheet_ref, int):
                sheet = workbook.get_sheet_by_index(sheet_ref)
            else:
                sheet = workbook.get_sheet_by_name(sheet_ref)
        except Exception:
            raise SourceFileError(
                f"sheet {sheet_ref!r} not found (sheets: {workbook.sheet_names})",
                manifest=mapper.manifest_path,
                file=mapper.file,
            ) from None
        # From cell A1, so that list index + 1 is the Excel row number people see.
        grid = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    finally:
        workbook.close()
    first = manifest.skip_rows
    if len(grid) < first + manifest.header_rows:
        raise SourceFileError("sheet ends before its header", manifest=mapper.manifest_path, file=mapper.file)
    header = _xlsx_header(grid, first, manifest.header_rows, merged)
    positions, ignored = mapper.positions(header)
    body = list(enumerate(grid, start=1))[first + manifest.header_rows :]
    while body and _is_empty(body[-1][1]):
        body.pop()
    if manifest.footer_rows:
        body = body[: -manifest.footer_rows]
    rows = [(n, cells) for n, cells in body if not _is_empty(cells)]
    return ReadResult(mapper.build(rows, positions), ignored, len(body) - len(rows))


def _read_json(data: bytes, manifest: SourceManifest, mapper: _Mapper) -> ReadResult:
    text = _decode(data, manifest, mapper.manifest_path, mapper.file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFileError(
            f"not valid JSON at line {exc.lineno} column {exc.colno}",
            manifest=mapper.manifest_path,
            file=mapper.file,
        ) from None
    records = document
    for part in (manifest.record_path or "").split("."):
        if not part:
            continue
        if not isinstance(records, dict) or part not in records:
            raise SourceFileError(
                f"record_path {manifest.record_path!r}: key {part!r} not found",
                manifest=mapper.manifest_path,
                file=mapper.file,
            )
        records = records[part]
    if not isinstance(records, list):
        raise SourceFileError(
            f"record_path {manifest.record_path!r} does not lead to a list of records",
            manifest=mapper.manifest_path,
            file=mapper.file,
        )
    labels: list[str] = []
    for rec in records:
        if isinstance(rec, dict):
            labels.extend(k for k in rec if k not in labels)
    # JSON keys of a declared column may be absent from a record (null); only a key absent everywhere is missing.
    positions, ignored = mapper.positions(labels)
    rows = []
    for index, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise SourceFileError("record is not an object", manifest=mapper.manifest_path, file=mapper.file, row=index)
        rows.append((index, [_json_scalar(rec.get(lbl)) for lbl in labels]))
    return ReadResult(mapper.build(rows, positions), ignored)


def _json_scalar(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def _read_sqlite(path: Path, manifest: SourceManifest, mapper: _Mapper) -> ReadResult:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SourceFileError(
            f"cannot open SQLite file ({exc})", manifest=mapper.manifest_path, file=mapper.file
        ) from None
    try:
        # Text comes back as bytes so the declared (possibly legacy) encoding decides how it reads.
        con.text_factory = bytes
        sql = manifest.query or f'SELECT * FROM "{manifest.table}" ORDER BY rowid'
        try:
            cursor = con.execute(sql)
        except sqlite3.Error as exc:
            raise SourceFileError(f"query failed ({exc})", manifest=mapper.manifest_path, file=mapper.file) from None
        labels = [d[0] for d in cursor.description]
        positions, ignored = mapper.positions(labels)
        rows = []
        for index, record in enumerate(cursor, start=1):
            cells = [
                _decode(v, manifest, mapper.manifest_path, mapper.file) if isinstance(v, bytes) else v for v in record
            ]
            rows.append((index, cells))
    finally:
        con.close()
    return ReadResult(mapper.build(rows, positions), ignored)


def read_source_file(path: Path, display_path: str, manifest: SourceManifest, manifest_path: Path) -> ReadResult:
    """Read one delivered file as its manifest declares, and check the decoded text reads as Vietnamese."""
    mapper = _Mapper(manifest, manifest_path, display_path)
    if manifest.format in ("csv", "json"):
        with path.open("rb") as fh:
            data = fh.read()
        result = (_read_csv if manifest.format == "csv" else _read_json)(data, manifest, mapper)
    elif manifest.format == "xlsx":
        result = _read_xlsx(path, manifest, mapper)
    else:
        result = _read_sqlite(path, manifest, mapper)
    result.vietnamese_share = _check_vietnamese(result.frame, manifest, mapper)
    return result


def _check_vietnamese(frame: pd.DataFrame, manifest: SourceManifest, mapper: _Mapper) -> float | None:
    """A wrongly declared encoding decodes without error but yields non-words: detect it by syllable share."""
    for fld in _TEXT_CHECK_FIELDS:
        if fld not in frame.columns:
            continue
        values = frame[fld].dropna()
        if values.empty:
            continue
        sample = " ".join(values.iloc[:_TEXT_CHECK_SAMPLE].astype(str))
        share = vietnamese_share(sample)
        if share < _VIETNAMESE_THRESHOLD:
            column = next(c for c, f in manifest.field_of_column.items() if f == fld)
            raise SourceFileError(
                f"declared encoding {manifest.encoding!r} yields text that is not Vietnamese "
                f"(only {share:.0%} of words are Vietnamese syllables, expected ≥ {_VIETNAMESE_THRESHOLD:.0%}); "
                "check the manifest's `encoding`",
                manifest=mapper.manifest_path,
                file=mapper.file,
                column=column,
            )
        return share
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
