"""Extract: read every delivered file of a former ward as its manifest declares, with lineage per row.

Nothing is dropped or interpreted here: rows keep their text, their row number in the file, the file's
checksum and the run. A file that cannot be read fails its partition with the manifest, file, row and column.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, MetadataValue, Output, StaticPartitionsDefinition, asset

from assets.lib.readers import file_sha256, read_source_file
from assets.resources import DeploymentSettings
from schemas import canonical as c
from schemas.manifest import SourceManifest, load_manifests
from schemas.names import DATASET_RESIDENTS, GROUP_EXTRACT, RAW_RESIDENTS

ROW_KEY = "_row_key"


@dataclass(frozen=True)
class Delivery:
    """One manifest of a former ward and the files in the landing zone that match its glob."""

    manifest_path: Path
    manifest: SourceManifest
    files: tuple[Path, ...]


def deliveries(settings: DeploymentSettings, former_ward: str, dataset: str) -> list[Delivery]:
    """The manifests for this former ward and dataset, with their delivered files (possibly none)."""
    found = []
    for path, manifest in load_manifests(settings.sources, dataset):
        if manifest.former_ward != former_ward:
            continue
        files = tuple(sorted(p for p in settings.landing.glob(manifest.path) if p.is_file()))
        found.append(Delivery(path, manifest, files))
    return found


def derived_record_id(values: list[str | None]) -> str | None:
    """A stable id from declared key fields (never the row number, which shifts when a file is corrected)."""
    parts = []
    for value in values:
        text = " ".join(unicodedata.normalize("NFC", value).split()).casefold() if value else ""
        if not text:
            return None
        parts.append(text)
    return "k" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def extract_partition(
    settings: DeploymentSettings, former_ward: str, dataset: str, run_id: str
) -> tuple[pd.DataFrame, dict]:
    """Read all of a former ward's delivered files into one frame; empty frame and no files if none."""
    frames, files_meta = [], []
    for delivery in deliveries(settings, former_ward, dataset):
        for file in delivery.files:
            display = file.relative_to(settings.landing).as_posix()
            result = read_source_file(file, display, delivery.manifest, delivery.manifest_path)
            frame = result.frame
            if not delivery.manifest.has_record_id:
                key_fields = delivery.manifest.record_id_from or []
                frame["source_record_id"] = c.object_column(
                    (derived_record_id(list(vals)) for vals in zip(*(frame[f] for f in key_fields), strict=True)),
                    frame.index,
                )
            frame[c.SOURCE_FILE] = display
            frame[c.FILE_SHA256] = file_sha256(file)
            frame[c.MANIFEST] = delivery.manifest_path.name
            frame[c.AS_OF] = delivery.manifest.as_of
            frame[c.RUN_ID] = run_id
            frames.append(frame)
            files_meta.append(
                {
                    "file": display,
                    "manifest": delivery.manifest_path.name,
                    "format": delivery.manifest.format,
                    "encoding": delivery.manifest.encoding,
                    "rows": len(frame),
                    "empty_rows_skipped": result.empty_rows_skipped,
                    "ignored_columns": len(result.ignored_columns),
                    "vietnamese_share": round(result.vietnamese_share, 3) if result.vietnamese_share else None,
                }
            )
    if not frames:
        return pd.DataFrame(), {"files": []}
    raw = pd.concat(frames, ignore_index=True)
    for field in c.RESIDENT_FIELDS:  # every canonical column exists downstream, empty when not delivered
        if field not in raw.columns:
            raw[field] = pd.array([None] * len(raw), dtype="object")
    raw.insert(0, ROW_KEY, range(len(raw)))
    return raw, {"files": files_meta}


def build(partitions_def: StaticPartitionsDefinition):
    @asset(
        name=RAW_RESIDENTS,
        group_name=GROUP_EXTRACT,
        partitions_def=partitions_def,
        output_required=False,
        description="Resident rosters of one former ward as delivered: text fields plus lineage "
        "(file, row, checksum, run).",
    )
    def raw_residents(context: AssetExecutionContext, settings: DeploymentSettings):
        former_ward = context.partition_key
        raw, meta = extract_partition(settings, former_ward, DATASET_RESIDENTS, context.run.run_id)
        if not meta["files"]:
            context.log.warning(
                f"former ward {former_ward}: no manifest or no delivered file for {DATASET_RESIDENTS}; skipped"
            )
            return
        yield Output(
            raw,
            metadata={
                "rows": len(raw),
                "files": MetadataValue.json(meta["files"]),
            },
        )

    return raw_residents
