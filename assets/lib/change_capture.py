"""Change capture: which delivered rows are as last time, so that a nightly sync processes only what changed.

Every delivered row gets a content hash (``raw_hash``): its mapped cells as text, its manifest and export date,
and how many identical rows came before it in the partition — not where it is in the file, so a row that only
moved is the same row. (A report with totals is judged whole every time: its totals are checked against all its
lines.) The warehouse keeps each loaded row's hash. A row whose hash was loaded before, into the
record table or the review queue, under the same *fingerprint* (what a verdict depends on besides the row: the
code and rules, the manifest, the routing table and the officers' routing decisions) is *carried*: its verdict
and standard values stand, only its place in the file is updated. Everything else is processed in full:
new and changed rows, rows quarantined last time (a verdict that can depend on the day, like a birth date in
the future), and every row whose source id is missing or repeated (identity is judged across the whole file).
A row whose hash is gone was changed or removed: its record ends (history is kept) or leaves the queue.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_quality.rules import rules_for
from schemas import canonical as c
from schemas import warehouse as w
from schemas.datasets import Dataset
from schemas.manifest import SourceManifest

_ROOT = Path(__file__).resolve().parents[2]
# The code a verdict depends on: a change to any of it processes every row again.
_CODE = ("assets/lib", "data_quality", "schemas/datasets", "schemas/canonical.py", "schemas/manifest.py")


#: The frame attribute saying a partition's delivery is unchanged since its last load (nothing to do).
UNCHANGED_ATTR = "wardmerge_unchanged_delivery"
#: Rules whose verdict depends on the day of the run (a date after it): a row they quarantined is judged again.
DAY_RULE_SUFFIX = "_in_future"


def raw_hashes(frame: pd.DataFrame, dataset: Dataset) -> list[str]:
    """The content hash of each delivered row (see the module docstring), 128 bits as hex."""
    if frame.empty:
        return []
    columns = [*dataset.field_names, c.NUMERIC_FIELDS, c.MANIFEST, c.AS_OF]
    cells = frame[columns].astype("str").where(frame[columns].notna(), "\x00")
    first = pd.util.hash_pandas_object(cells, index=False, hash_key="wardmerge-raw-01")
    second = pd.util.hash_pandas_object(cells, index=False, hash_key="wardmerge-raw-02")
    base = [f"{a:016x}{b:016x}" for a, b in zip(first.tolist(), second.tolist(), strict=True)]
    repeat = pd.Series(base).groupby(base).cumcount().tolist()
    return [h if n == 0 else f"{h}-{n}" for h, n in zip(base, repeat, strict=True)]


@functools.cache
def code_digest() -> str:
    """The package version and a digest of the code that decides verdicts and standard values."""
    digest = hashlib.sha256()
    try:
        digest.update(version("wardmerge").encode())
    except PackageNotFoundError:
        pass
    for part in _CODE:
        root = _ROOT / part
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(path.relative_to(_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(
    dataset: Dataset,
    manifests: Mapping[str, SourceManifest],
    routing_table: Path | None,
    decisions: str,
) -> str:
    """What a partition's verdicts depend on besides its rows (see the module docstring)."""
    parts = {
        "code": code_digest(),
        "dataset": repr(dataset),
        "rules": repr(rules_for(dataset.name)),
        "manifests": {name: m.model_dump(mode="json") for name, m in sorted(manifests.items())},
        "routing": hashlib.sha256(routing_table.read_bytes()).hexdigest() if routing_table else None,
        "decisions": decisions,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def decisions_state(conn: Connection, former_ward: str, dataset: str) -> str:
    """The officers' routing decisions of a former ward as they stand (append-only: count and newest id)."""
    t = w.routing_decision
    mine = sa.and_(t.c.former_ward_code == former_ward, t.c.dataset == dataset)
    count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(t.c.id)).where(mine)).one()
    return f"{count}:{newest}"


def stored_fingerprint(conn: Connection, former_ward: str, dataset: str) -> str | None:
    t = w.partition_state
    return conn.execute(
        sa.select(t.c.fingerprint).where(t.c.former_ward_code == former_ward, t.c.dataset == dataset)
    ).scalar_one_or_none()


def carried_over(conn: Connection, former_ward: str, dataset: str) -> set[str]:
    """Hashes of the rows loaded last time whose verdict can stand: in the record table or the review queue."""
    found: set[str] = set()
    for table in (w.RECORD_TABLES[dataset], w.review_queue):
        rows = conn.execute(
            sa.select(table.c.raw_hash).where(table.c.former_ward_code == former_ward, table.c.dataset == dataset)
        )
        found.update(r[0] for r in rows)
    return found


def carry_mask(raw: pd.DataFrame, loaded: set[str]) -> pd.Series:
    """Rows to carry over: loaded last time (``loaded``) and with a source id no other row of the file shares.

    A partition with report totals carries nothing: each total is checked against all the lines it covers, so
    the lines are judged together every time (reports are small).
    """
    if (raw.get(c.ROW_KIND, pd.Series(dtype="object")) == c.TOTAL).any():
        return pd.Series(False, index=raw.index)
    ids = raw["source_record_id"]
    lone_id = ids.notna() & ~ids.duplicated(keep=False) & (ids.astype(str).str.strip() != "")
    return raw[c.RAW_HASH].isin(loaded) & lone_id


def carried_rows(conn: Connection, table: sa.Table, former_ward: str, dataset: str, raw: pd.DataFrame) -> pd.DataFrame:
    """The stored rows of ``table`` that this delivery carries over, each at its place in the file now."""
    carried = raw[raw[c.CARRIED]]
    if carried.empty:
        return pd.DataFrame(columns=[col.name for col in table.columns])
    result = conn.execute(sa.select(table).where(table.c.former_ward_code == former_ward, table.c.dataset == dataset))
    stored = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    place = carried.set_index(c.RAW_HASH)[[c.SOURCE_FILE, c.SOURCE_ROW]]
    kept = stored[stored["raw_hash"].isin(place.index)].copy()
    kept["source_file"] = kept["raw_hash"].map(place[c.SOURCE_FILE])
    kept["source_row"] = kept["raw_hash"].map(place[c.SOURCE_ROW]).astype("int64")
    return kept


FINGERPRINT_ATTR = "wardmerge_fingerprint"


def mark_carried(
    conn: Connection,
    raw: pd.DataFrame,
    dataset: Dataset,
    former_ward: str,
    manifests: Mapping[str, SourceManifest],
    routing_table: Path | None,
) -> pd.DataFrame:
    """Mark the rows of an extracted partition that this sync carries over (``CARRIED``), and keep the partition's
    fingerprint with the frame (its load stores it)."""
    decisions = decisions_state(conn, former_ward, dataset.name) if dataset.routed else ""
    current = fingerprint(dataset, manifests, routing_table if dataset.routed else None, decisions)
    same = stored_fingerprint(conn, former_ward, dataset.name) == current
    loaded = carried_over(conn, former_ward, dataset.name) if same else set()
    raw[c.CARRIED] = carry_mask(raw, loaded).to_numpy()
    raw.attrs[FINGERPRINT_ATTR] = current
    raw.attrs[UNCHANGED_ATTR] = same and unchanged_files(conn, raw, dataset, former_ward)
    return raw


def unchanged_files(conn: Connection, raw: pd.DataFrame, dataset: Dataset, former_ward: str) -> bool:
    """The partition's files are byte for byte the ones its last load read, and no row of it waits in quarantine
    on a rule that depends on the day of the run: with the same fingerprint, a sync could change nothing."""
    t = w.source_delivery
    stored = conn.execute(
        sa.select(t.c.source_file, t.c.file_sha256).where(
            t.c.former_ward_code == former_ward, t.c.dataset == dataset.name
        )
    ).all()
    delivered = raw.groupby(c.SOURCE_FILE, sort=False)[c.FILE_SHA256].first()
    if not stored or {(f, h) for f, h in stored} != set(zip(delivered.index, delivered, strict=True)):
        return False
    by_day = [r.name for r in rules_for(dataset.name) if r.name.endswith(DAY_RULE_SUFFIX)]
    q = w.quarantine_rule
    waiting = conn.execute(
        sa.select(sa.func.count()).where(
            q.c.former_ward_code == former_ward, q.c.dataset == dataset.name, q.c.rule.in_(by_day)
        )
    ).scalar_one()
    return waiting == 0
