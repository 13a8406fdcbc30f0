"""`wardmerge inspect MANIFEST`: what a manifest reads, so onboarding a source takes minutes, not a run.

Shows, for each delivered file the manifest's glob finds in the landing zone: the decoded first rows (masked
unless asked otherwise), which canonical field each column feeds and which columns are left unmapped, the
share of valid Vietnamese syllables per text column (a wrong `encoding` shows here first), and what validation
does to those rows (the real rules and Great Expectations suite) with the totals for the whole file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from assets.lib.extraction import DeliveryError, extract_partition
from assets.lib.readers import SourceFileError
from assets.lib.validation import validate_frame
from assets.lib.vietnamese import vietnamese_share
from data_quality.masking import mask_value
from data_quality.rules import rules_for
from pipelines.settings import ENV_LANDING
from schemas import canonical as c
from schemas.datasets import Kind
from schemas.manifest import ManifestError, ManifestScan, load_manifest

_TEXT_KINDS = (Kind.PERSON_NAME, Kind.TEXT, Kind.STREET, Kind.ADDRESS, Kind.ALLEY, Kind.CATEGORY)


class InspectError(ValueError):
    """The manifest or its files cannot be read; one line naming manifest, file, row and column."""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, max_colwidth=28) if len(frame) else "(no rows)"


def inspect_manifest(path: Path, landing: Path, *, rows: int = 10, unmasked: bool = False) -> str:
    """A plain-text report of what ``path`` reads from ``landing`` (see the module docstring)."""
    try:
        manifest = load_manifest(path)
    except ManifestError as exc:
        raise InspectError(str(exc)) from None
    if not landing.is_dir():
        raise InspectError(f"--landing / {ENV_LANDING} = {landing}: does not exist")
    dataset = manifest.dataset_spec
    scan = ManifestScan(valid=((path, manifest),), broken=())
    try:
        extracted = extract_partition(landing, scan, manifest.former_ward, dataset, run_id="inspect")
    except (ManifestError, SourceFileError, DeliveryError) as exc:
        raise InspectError(str(exc)) from None
    lines = [
        f"manifest {path}: dataset {manifest.dataset}, former ward {manifest.former_ward}, format {manifest.format}, "
        f"encoding {manifest.encoding}, as of {manifest.as_of}",
        f"path {manifest.path!r} in {landing}: {len(extracted.files)} file(s)",
    ]
    if not extracted.files:
        lines.append("no delivered file matches the path; nothing to show")
        return "\n".join(lines)
    raw = extracted.frame
    mapping = pd.DataFrame(
        [(column, field or "(known, not used)") for column, field in manifest.columns.items()],
        columns=["source column", "canonical field"],
    )
    lines += ["", "columns:", _table(mapping)]
    for name, value in manifest.fixed_values.items():
        lines.append(f"  (fixed for every row) {name} = {value}")
    for meta in extracted.files:
        unmapped = ", ".join(meta["ignored_columns"]) or "none"
        lines.append(
            f"file {meta['file']}: {meta['rows']:,} rows; columns in the file but not in the manifest: {unmapped}"
        )
    shares = []
    for f in dataset.fields:
        if f.kind in _TEXT_KINDS and f.name in raw and raw[f.name].notna().any():
            sample = " ".join(raw[f.name].dropna().astype(str).head(2000))
            shares.append((f.name, f"{vietnamese_share(sample):.0%}"))
    if shares:
        lines += ["", "share of valid Vietnamese syllables (below 80% usually means a wrong `encoding`):"]
        lines += [f"  {name}: {share}" for name, share in shares]
    validated, counts = validate_frame(raw, dataset, {path.name: manifest}, dt.date.today())
    mapped = {*manifest.field_of_column.values(), *manifest.fixed_values, "source_record_id"}
    shown_fields = [f for f in dataset.field_names if f in mapped]
    head = validated.head(rows)
    first = pd.DataFrame({"row": head[c.SOURCE_ROW]})
    for name in shown_fields:
        first[name] = [v if unmasked else mask_value(name, v) for v in head[name]]
    first["verdict"] = [
        d if d != c.QUARANTINED else f"quarantine: {r}" for d, r in zip(head[c.DISPOSITION], head[c.RULES], strict=True)
    ]
    first["flags"] = [v or "" for v in head[c.FLAGS]]
    lines += ["", f"first {len(head)} rows{'' if unmasked else ' (personal values masked; --unmasked shows them)'}:"]
    lines.append(_table(first))
    quarantined = int((validated[c.DISPOSITION] == c.QUARANTINED).sum())
    aside = validated[validated[c.DISPOSITION] == c.SET_ASIDE]
    apart = ""
    if len(aside):
        kinds = ", ".join(f"{n} {kind}" for kind, n in aside[c.ROW_KIND].value_counts().sort_index().items())
        off = int((aside[c.TOTAL_CHECK] == "unbalanced").sum())
        apart = f", {len(aside):,} set apart ({kinds}; {off} total(s) unbalanced)"
    accepted = len(validated) - quarantined - len(aside)
    lines += ["", f"validation of all {len(validated):,} rows: {accepted:,} accepted, "
                  f"{quarantined:,} to quarantine{apart} (routing to new wards happens in a run)"]  # fmt: skip
    for r in rules_for(dataset.name):
        if counts.get(r.name):
            lines.append(f"  {r.name} ({r.disposition}): {counts[r.name]:,} — {r.description}")
    return "\n".join(lines)
