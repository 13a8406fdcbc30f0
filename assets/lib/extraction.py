"""Extraction: every delivered file of a former ward's dataset, read as its manifest declares, with lineage.

Nothing is dropped or interpreted here: rows keep their text, their row number in the file, the file's
checksum and the run. Files are found by the manifest's glob *inside* the landing zone only; a file that
cannot be read fails its partition with the manifest, file, row and column (never a value).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from assets.lib.change_capture import raw_hashes
from assets.lib.readers import SourceFileError, file_sha256, read_source_file
from schemas import canonical as c
from schemas.datasets import Dataset
from schemas.errors import WardmergeError
from schemas.manifest import ManifestError, ManifestScan, SourceManifest

# Where a staged frame keeps the manifests it was read with (resolved once per partition; see manifests_of).
MANIFESTS_ATTR = "wardmerge_manifests"


class DeliveryError(WardmergeError, ValueError):
    """A delivery breaks the landing zone's rules (a file outside it, the same file twice); names the files."""


@dataclass(frozen=True)
class Delivery:
    """One manifest of a former ward and the files in the landing zone that match its glob."""

    manifest_path: Path
    manifest: SourceManifest
    files: tuple[Path, ...]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def deliveries(landing: Path, scan: ManifestScan, former_ward: str, dataset: str) -> list[Delivery]:
    """The manifests for this former ward and dataset, with their delivered files (possibly none).

    Raises the error of a broken manifest declaring this former ward (it fails alone), and
    :class:`DeliveryError` for a matched file whose real path leaves the landing zone (a symbolic link).
    """
    broken = scan.broken_for(former_ward, dataset)
    if broken:
        raise broken[0]
    root = landing.resolve()
    found = []
    for path, manifest in scan.for_ward(former_ward, dataset):
        files = []
        for candidate in sorted(landing.glob(manifest.path)):
            if not candidate.is_file():
                continue
            if not _inside(candidate.resolve(), root):
                raise DeliveryError(
                    f"manifest {path.name}: file {candidate.relative_to(landing).as_posix()} links outside the "
                    "landing zone; refused"
                )
            files.append(candidate)
        found.append(Delivery(path, manifest, tuple(files)))
    return found


def derived_record_id(values: list[str | None], optional: list[bool] | None = None) -> str | None:
    """A stable id from declared key fields (never the row number, which shifts when a file is corrected).

    An empty key field means no id (the record is quarantined), unless the manifest declares that field
    optional (``record_id_optional``: a revenue line has no loại-khoản where an expenditure line has one).
    """
    parts = []
    for i, value in enumerate(values):
        text = " ".join(unicodedata.normalize("NFC", value).split()).casefold() if value else ""
        if not text and not (optional and optional[i]):
            return None
        parts.append(text)
    return "k" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


@dataclass
class Extracted:
    """A partition's raw rows and what was read: files (no personal data), manifests by file name."""

    frame: pd.DataFrame
    files: list[dict[str, Any]] = field(default_factory=list)
    manifests: dict[str, SourceManifest] = field(default_factory=dict)


def _check_copies(delivery: Delivery, landing: Path, checksums: dict[Path, str]) -> None:
    """A manifest's glob matching several files is a named failure unless it declares `multiple_files`
    (a source delivered in parts); the same content delivered twice ("… (1).csv") always is."""
    names = [f.relative_to(landing).as_posix() for f in delivery.files]
    by_sum: dict[str, str] = {}
    for file, name in zip(delivery.files, names, strict=True):
        first = by_sum.setdefault(checksums[file], name)
        if first != name:
            raise DeliveryError(
                f"manifest {delivery.manifest_path.name}: file {name} has the same content as {first} "
                "(delivered twice); remove one copy"
            )
    if len(names) > 1 and not delivery.manifest.multiple_files:
        raise DeliveryError(
            f"manifest {delivery.manifest_path.name}: {len(names)} files match path {delivery.manifest.path!r} "
            f"({', '.join(names)}); remove the stale one, or declare `multiple_files: true` if the source is "
            "delivered in parts"
        )


def extract_partition(landing: Path, scan: ManifestScan, former_ward: str, dataset: Dataset, run_id: str) -> Extracted:
    """Read all of a former ward's delivered files of one dataset into one frame (empty if none)."""
    frames: list[pd.DataFrame] = []
    out = Extracted(pd.DataFrame())
    for delivery in deliveries(landing, scan, former_ward, dataset.name):
        checksums = {file: file_sha256(file) for file in delivery.files}
        _check_copies(delivery, landing, checksums)
        manifest = delivery.manifest
        for file in delivery.files:
            display = file.relative_to(landing).as_posix()
            result = read_source_file(file, display, manifest, delivery.manifest_path)
            frame = result.frame
            if not manifest.has_record_id:
                key_fields = manifest.record_id_from or []
                optional = [f in manifest.record_id_optional for f in key_fields]
                frame["source_record_id"] = c.object_column(
                    (
                        derived_record_id(list(vals), optional)
                        for vals in zip(*(frame[f] for f in key_fields), strict=True)
                    ),
                    frame.index,
                )
            for name, value in manifest.fixed_values.items():
                frame[name] = c.object_column([value] * len(frame), frame.index)
            frame[c.ROW_KIND] = c.object_column(row_kinds(frame, manifest), frame.index)
            frame[c.COPY_OF] = c.object_column([None] * len(frame), frame.index)
            frame[c.SOURCE_FILE] = display
            frame[c.FILE_SHA256] = checksums[file]
            frame[c.MANIFEST] = delivery.manifest_path.name
            frame[c.AS_OF] = manifest.as_of
            frame[c.RUN_ID] = run_id
            frames.append(frame)
            out.manifests[delivery.manifest_path.name] = manifest
            out.files.append(
                {
                    "file": display,
                    "manifest": delivery.manifest_path.name,
                    "format": manifest.format,
                    "encoding": manifest.encoding,
                    "rows": len(frame),
                    "empty_rows_skipped": result.empty_rows_skipped,
                    "total_rows": int((frame[c.ROW_KIND] == c.TOTAL).sum()),
                    "ignored_columns": result.ignored_columns,
                    "vietnamese_share": round(result.vietnamese_share, 3) if result.vietnamese_share else None,
                }
            )
    if not frames:
        return out
    raw = pd.concat(frames, ignore_index=True)
    mark_exact_copies(raw, out.manifests)
    copies = raw[raw[c.ROW_KIND] == c.EXACT_COPY].groupby(c.SOURCE_FILE).size()
    for described in out.files:
        described["exact_copies"] = int(copies.get(described["file"], 0))
    for name in dataset.field_names:  # every canonical column exists downstream, empty when not delivered
        if name not in raw.columns:
            raw[name] = pd.array([None] * len(raw), dtype="object")
    raw.insert(0, c.ROW_KEY, range(len(raw)))
    raw[c.RAW_HASH] = raw_hashes(raw, dataset)
    raw[c.CARRIED] = False
    out.frame = attach_manifests(raw, out.manifests)
    return out


def row_kinds(frame: pd.DataFrame, manifest: SourceManifest) -> list[str]:
    """Per row of one file: a record, or a total row by the manifest's ``total_rows`` (never added to records)."""
    spec = manifest.total_rows
    if spec is None or frame.empty:
        return [c.RECORD] * len(frame)
    total = pd.Series(False, index=frame.index)
    if spec.when_empty:
        total |= frame[spec.when_empty].isna().all(axis=1)
    if spec.label_pattern and spec.label_field:
        pattern = re.compile(spec.label_pattern, re.IGNORECASE)
        labels = frame[spec.label_field]
        total |= pd.Series(
            [isinstance(v, str) and pattern.search(unicodedata.normalize("NFC", v)) is not None for v in labels],
            index=frame.index,
        )
    return [c.TOTAL if t else c.RECORD for t in total]


def mark_exact_copies(raw: pd.DataFrame, manifests: Mapping[str, SourceManifest]) -> None:
    """Rows that repeat an earlier record of the same source cell for cell (an export that repeats rows across
    its pages) become ``exact_copy`` rows, pointing at the row they repeat, where the manifest sets them aside
    (``exact_copies: set_aside``); otherwise a repeated id is quarantined as a duplicate."""
    for name, manifest in manifests.items():
        if manifest.exact_copies != "set_aside":
            continue
        rows = raw[(raw[c.MANIFEST] == name) & (raw[c.ROW_KIND] == c.RECORD)]
        content = [col for col in rows.columns if not col.startswith("_")] + [c.NUMERIC_FIELDS]
        keys = rows[content].astype(object).where(rows[content].notna(), None).itertuples(index=False, name=None)
        first: dict[tuple, int] = {}
        for index, key in zip(rows.index, keys, strict=True):
            seen = first.setdefault(key, index)
            if seen != index:
                raw.at[index, c.ROW_KIND] = c.EXACT_COPY
                raw.at[index, c.COPY_OF] = f"{raw.at[seen, c.SOURCE_FILE]} row {raw.at[seen, c.SOURCE_ROW]}"


def attach_manifests(frame: pd.DataFrame, manifests: Mapping[str, SourceManifest]) -> pd.DataFrame:
    """Keep the manifests a frame was read with beside it (staging stores them with the frame)."""
    frame.attrs[MANIFESTS_ATTR] = {name: m.model_dump(mode="json", exclude_unset=True) for name, m in manifests.items()}
    return frame


def manifests_of(frame: pd.DataFrame) -> dict[str, SourceManifest]:
    """The manifests a staged frame was read with, as they were when it was read (never re-read from disk)."""
    stored = frame.attrs.get(MANIFESTS_ATTR)
    if stored is None:
        raise ManifestError("(staging)", "the staged frame carries no manifests; re-run its extract stage")
    return {name: SourceManifest.model_validate(data) for name, data in stored.items()}


__all__ = [
    "DeliveryError",
    "Delivery",
    "Extracted",
    "SourceFileError",
    "attach_manifests",
    "deliveries",
    "derived_record_id",
    "extract_partition",
    "manifests_of",
]
