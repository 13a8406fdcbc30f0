"""The next night's delivery: a share of residents change their phone number in their former ward's roster.

Used by the benchmark (a 1%-change night against a full run) and by anyone rehearsing nightly operation on
generated data. Each residents file is edited in its own format and encoding, as the ward's software would
export it the next night, so the pipeline reads it the way it reads a real re-delivery: only the edited rows
differ (their hashes change), every other row is the same row. Deterministic for a seed.

The phone column is found through the manifest (the label mapped to ``phone``); a roster without one gets its
house number edited instead. Spreadsheets are assumed to list their columns in the manifest's order (the
generator writes them so).
"""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
from pathlib import Path

from assets.lib.codecs import decode_bytes, encode_text
from schemas.manifest import SourceManifest, scan_manifests

EDITED_FIELDS = ("phone", "house_number")


def _new_value(rng: random.Random, value: object) -> str:
    """Another phone (or house number): the last digit turned, or a fresh mobile number where there was none."""
    text = "" if value is None else str(value)
    if text and text[-1].isdigit():
        return text[:-1] + str((int(text[-1]) + 1 + rng.randrange(8)) % 10)
    return "09" + "".join(rng.choice("0123456789") for _ in range(8))


def _label(manifest: SourceManifest) -> tuple[str, int] | None:
    """The source label of the edited field and its position among the mapped columns."""
    labels = list(manifest.columns)
    for field in EDITED_FIELDS:
        for position, label in enumerate(labels):
            if manifest.columns[label] == field:
                return label, position
    return None


def _pick(rng: random.Random, count: int, share: float) -> list[int]:
    return sorted(rng.sample(range(count), round(count * share))) if count else []


def _edit_csv(path: Path, manifest: SourceManifest, label: str, rng: random.Random, share: float) -> int:
    text = decode_bytes(path.read_bytes(), manifest.encoding)
    line_end = "\r\n" if "\r\n" in text[:2000] else "\n"
    delimiter = manifest.delimiter or ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    column = rows[0].index(label)
    picked = _pick(rng, len(rows) - 1, share)
    for index in picked:
        row = rows[index + 1]
        row[column] = _new_value(rng, row[column])
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    path.write_bytes(encode_text(buffer.getvalue(), manifest.encoding))
    return len(picked)


def _edit_json(path: Path, manifest: SourceManifest, label: str, rng: random.Random, share: float) -> int:
    document = json.loads(path.read_text(encoding="utf-8"))
    records = document
    for part in (manifest.record_path or "").split("."):
        records = records[part] if part else records
    picked = _pick(rng, len(records), share)
    for index in picked:
        records[index][label] = _new_value(rng, records[index].get(label))
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(picked)


def _edit_sqlite(path: Path, manifest: SourceManifest, label: str, rng: random.Random, share: float) -> int:
    if manifest.table is None:  # a query-defined source: its rows are not one table's
        return 0
    with sqlite3.connect(path) as con:
        rowids = [r[0] for r in con.execute(f'select rowid from "{manifest.table}" order by rowid')]  # noqa: S608
        picked = _pick(rng, len(rowids), share)
        for index in picked:
            (old,) = con.execute(
                f'select "{label}" from "{manifest.table}" where rowid = ?',  # noqa: S608 - names from our manifest
                (rowids[index],),
            ).fetchone()
            con.execute(
                f'update "{manifest.table}" set "{label}" = ? where rowid = ?',  # noqa: S608
                (_new_value(rng, old), rowids[index]),
            )
    return len(picked)


def _edit_xlsx(path: Path, manifest: SourceManifest, position: int, rng: random.Random, share: float) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book[manifest.sheet] if isinstance(manifest.sheet, str) else book.worksheets[manifest.sheet or 0]
    first = manifest.skip_rows + manifest.header_rows + 1
    last = sheet.max_row - manifest.footer_rows
    picked = _pick(rng, max(last - first + 1, 0), share)
    for index in picked:
        cell = sheet.cell(row=first + index, column=position + 1)
        cell.value = _new_value(rng, cell.value)
    book.save(path)
    return len(picked)


def change_residents(landing: Path, sources: Path, share: float = 0.01, seed: int = 1) -> dict[str, int]:
    """Edit ``share`` of every residents roster's rows in place; returns rows edited per manifest file name."""
    edited: dict[str, int] = {}
    for manifest_path, manifest in scan_manifests(sources).valid:
        found = _label(manifest)
        if manifest.dataset != "residents" or found is None:
            continue
        label, position = found
        for path in sorted(landing.glob(manifest.path)):
            rng = random.Random(f"{seed}/{path.name}")
            if manifest.format == "csv":
                count = _edit_csv(path, manifest, label, rng, share)
            elif manifest.format == "json":
                count = _edit_json(path, manifest, label, rng, share)
            elif manifest.format == "sqlite":
                count = _edit_sqlite(path, manifest, label, rng, share)
            else:
                count = _edit_xlsx(path, manifest, position, rng, share)
            edited[manifest_path.name] = edited.get(manifest_path.name, 0) + count
    return edited
