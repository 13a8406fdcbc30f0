"""Link: recognise one person across the former wards' records and keep their key stable across runs.

For now a person is one record, or all records sharing one CCCD (exact national-ID match); probabilistic record
linkage replaces `cluster_records` later. Keys are ours, not the clustering's: a record keeps the person key it
had; when a cluster holds records of several old keys the oldest (smallest) survives; when an old key's
records fall into several clusters, the cluster with most records keeps it.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from sqlalchemy.engine import Connection

from assets.warehouse import Warehouse, content_hashes
from pipelines.resources import WarehouseResource
from schemas import warehouse as w
from schemas.names import CHECK_XREF_COMPLETE, GROUP_LINK, PERSONS, RESIDENT_RECORDS

RECORD_KEY = ["former_ward_code", "dataset", "source_record_id"]
PERSON_ATTRIBUTES = [
    "full_name",
    "date_of_birth",
    "dob_precision",
    "sex",
    "national_id",
    "phone",
    "new_ward_code",
]


class LinkError(RuntimeError):
    """The person cross-reference would not cover every accepted record exactly once."""


def cluster_records(records: pd.DataFrame) -> pd.Series:
    """A cluster label per record: records sharing a CCCD are one person, every other record its own."""
    own = records["former_ward_code"] + "/" + records["dataset"] + "/" + records["source_record_id"]
    cccd = records["national_id_kind"].eq("cccd") & records["national_id"].notna()
    return ("id:" + records["national_id"]).where(cccd, "rec:" + own)


def assign_keys(clusters: pd.Series, previous: pd.Series, next_key: int) -> tuple[pd.Series, int]:
    """Stable person keys per record from cluster labels and each record's previous key (NaN if new)."""
    frame = pd.DataFrame({"cluster": clusters, "old": previous})
    size = frame.groupby("cluster").size()
    claims = frame.dropna(subset=["old"]).groupby("cluster")["old"].apply(lambda s: sorted(set(s.astype("int64"))))
    taken: dict[int, str] = {}
    # Bigger clusters choose first, so the part of a split with more records keeps the key.
    order = sorted(claims.index, key=lambda cl: (-size[cl], cl))
    chosen: dict[str, int] = {}
    for cl in order:
        for key in claims[cl]:
            if key not in taken:
                taken[key] = cl
                chosen[cl] = key
                break
    for cl in sorted(set(frame["cluster"]) - set(chosen)):
        chosen[cl] = next_key
        next_key += 1
    return frame["cluster"].map(chosen).astype("int64"), next_key


def _rank(records: pd.DataFrame) -> pd.DataFrame:
    """Most trustworthy record first: full date, CCCD, marked name, latest export."""
    return records.assign(
        _day=records["dob_precision"].eq("day"),
        _cccd=records["national_id_kind"].eq("cccd"),
        _marked=records["full_name"].str.lower() != records["name_unmarked"],
    ).sort_values(
        ["person_key", "_day", "_cccd", "_marked", "as_of", "former_ward_code", "source_record_id"],
        ascending=[True, False, False, False, False, True, True],
    )


def golden_records(records: pd.DataFrame) -> pd.DataFrame:
    """One row of attributes per person from its best record (full survivorship rules come with linkage)."""
    best = _rank(records).drop_duplicates("person_key", keep="first")
    persons = best[["person_key", *PERSON_ATTRIBUTES]].copy()
    persons["source_records"] = persons["person_key"].map(records.groupby("person_key").size()).astype("int64")
    persons["attributes_hash"] = content_hashes(persons, [*PERSON_ATTRIBUTES, "source_records"])
    return persons.reset_index(drop=True)


def link_all(conn: Connection, warehouse: Warehouse, run_id: str, now: dt.datetime) -> dict[str, Any]:
    """Cluster every accepted record, keep keys stable, merge dim_person (SCD2) and replace the xref."""
    records = warehouse.read_frame(conn, sa.select(w.resident_record))
    previous = warehouse.read_frame(
        conn, sa.select(*(w.person_source_xref.c[k] for k in RECORD_KEY), w.person_source_xref.c.person_key)
    )
    max_key = conn.execute(sa.select(sa.func.max(w.dim_person.c.person_key))).scalar_one()
    records = records.merge(previous.rename(columns={"person_key": "_old"}), on=RECORD_KEY, how="left")
    keys, _ = assign_keys(cluster_records(records), records["_old"], (max_key or 0) + 1)
    records["person_key"] = keys.to_numpy()
    persons = golden_records(records)
    persons["run_id"] = run_id
    person_sync = warehouse.merge_scd2(conn, w.dim_person, persons, key="person_key", now=now)
    xref = records[[col.name for col in w.person_source_xref.columns if col.name != "record_hash"]].copy()
    xref["run_id"] = run_id
    content = [col.name for col in w.person_source_xref.columns if col.name not in ("run_id", "record_hash")]
    xref["record_hash"] = content_hashes(xref, content)
    xref_sync = warehouse.replace_scope(conn, w.person_source_xref, xref, {})
    orphans = conn.execute(
        sa.select(sa.func.count())
        .select_from(w.resident_record)
        .where(~sa.exists().where(*(w.person_source_xref.c[k] == w.resident_record.c[k] for k in RECORD_KEY)))
    ).scalar_one()
    xref_rows = conn.execute(sa.select(sa.func.count()).select_from(w.person_source_xref)).scalar_one()
    if orphans or xref_rows != len(records):
        raise LinkError(
            f"{orphans} accepted record(s) have no person and the cross-reference has {xref_rows} rows for "
            f"{len(records)} records; the link was rolled back"
        )
    merged = int(records.dropna(subset=["_old"]).groupby("person_key")["_old"].nunique().gt(1).sum())
    return {
        "records": len(records),
        "persons": len(persons),
        "persons_changed": person_sync.__dict__,
        "xref_changed": xref_sync.__dict__,
        "persons_with_merged_keys": merged,
    }


@asset(
    name=PERSONS,
    group_name=GROUP_LINK,
    deps=[AssetDep(RESIDENT_RECORDS)],
    check_specs=[AssetCheckSpec(name=CHECK_XREF_COMPLETE, asset=PERSONS)],
    description="One person per real resident across all former wards: dim_person (SCD2) and person_source_xref, "
    "in one transaction; keys stable across runs.",
)
def persons(context: AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
    wh = warehouse.warehouse
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        with wh.engine.begin() as conn:
            stats = link_all(conn, wh, context.run.run_id, now)
    except LinkError as exc:
        raise Failure(description=str(exc)) from None
    yield MaterializeResult(
        metadata={
            "records": stats["records"],
            "persons": stats["persons"],
            "persons_changed": MetadataValue.json(stats["persons_changed"]),
            "xref_changed": MetadataValue.json(stats["xref_changed"]),
        },
        check_results=[
            AssetCheckResult(check_name=CHECK_XREF_COMPLETE, passed=True, metadata={"records": stats["records"]})
        ],
    )
