"""Link: one person per real resident across all former wards, with stable keys, golden records and households.

Runs once over every former ward's accepted records, in its own transaction: Splink scores candidate pairs
(assets/linkage), clerks' decisions override the model, connected components above the match threshold are
persons, and pairs in the uncertain band go to `match_review`. Person and household keys stay stable across runs
(assets/person_keys.py); attributes survive by explicit rules (assets/survivorship.py).
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
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

from assets.households import household_clusters, household_tables, households_by_record, source_household_ids
from assets.linkage import MATCH_THRESHOLD, REVIEW_THRESHOLD, LinkageRun, link_records
from assets.person_keys import assign_stable_keys, connected_components, resolve_retired
from assets.survivorship import golden_records
from assets.warehouse import Warehouse, content_hashes
from data_quality.masking import mask_record
from pipelines.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.names import CHECK_XREF_COMPLETE, GROUP_LINK, PERSONS, RESIDENT_RECORDS

RECORD_KEY = ["former_ward_code", "dataset", "source_record_id"]
REVIEW_FIELDS = ("full_name", "date_of_birth", "sex", "national_id", "phone", "street", "residential_group")
Linker = Callable[[pd.DataFrame], LinkageRun]


class LinkError(RuntimeError):
    """The person cross-reference would not cover every accepted record exactly once."""


def record_ids(records: pd.DataFrame) -> pd.Series:
    return records["former_ward_code"] + "/" + records["dataset"] + "/" + records["source_record_id"]


def cccd_numbers(records: pd.DataFrame) -> pd.Series:
    """record_id → CCCD, for the records that carry one (clustering never joins two CCCDs that disagree)."""
    is_cccd = records["national_id_kind"].eq("cccd") & records["national_id"].notna()
    return pd.Series(records.loc[is_cccd, "national_id"].to_numpy(), index=records.loc[is_cccd, "record_id"].to_numpy())


def _hashed(frame: pd.DataFrame, table: sa.Table, run_id: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["run_id"] = run_id
    content = [c.name for c in table.columns if c.name not in ("run_id", "record_hash")]
    frame["record_hash"] = content_hashes(frame, content)
    return frame[[c.name for c in table.columns]]


def _read(conn: Connection, warehouse: Warehouse, table: sa.Table) -> pd.DataFrame:
    return warehouse.read_frame(conn, sa.select(table))


def _review_rows(pairs: pd.DataFrame, records: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Uncertain pairs that the clustering left in different persons, with both records' fields masked."""
    band = pairs[(pairs["match_weight"] >= REVIEW_THRESHOLD) & (pairs["match_weight"] < MATCH_THRESHOLD)].copy()
    band["person_key_l"] = band["record_id_l"].map(keys)
    band["person_key_r"] = band["record_id_r"].map(keys)
    band = band[band["person_key_l"] != band["person_key_r"]]
    by_id = records.set_index("record_id")

    def fields(record_id: str) -> str:
        rec = by_id.loc[record_id]
        shown: dict[str, object] = dict(mask_record({f: rec[f] for f in REVIEW_FIELDS}))
        shown.update(source_file=rec["source_file"], source_row=int(rec["source_row"]))
        return json.dumps(shown, ensure_ascii=False, default=str, sort_keys=True)

    band["fields_l"] = [fields(r) for r in band["record_id_l"]]
    band["fields_r"] = [fields(r) for r in band["record_id_r"]]
    # Rounded so that floating noise in a re-run is not a change.
    band["match_weight"] = band["match_weight"].round(4)
    band["match_probability"] = band["match_probability"].round(6)
    return band


def _events_frame(events: pd.DataFrame, kind: str, run_id: str, now: dt.datetime) -> pd.DataFrame:
    out = events.rename(columns={"items": "records"}).copy()
    out["kind"], out["run_id"], out["event_at"] = kind, run_id, now
    return out[[c.name for c in w.person_key_event.columns]]


def link_all(
    conn: Connection,
    warehouse: Warehouse,
    run_id: str,
    now: dt.datetime,
    linker: Linker = link_records,
) -> tuple[dict[str, Any], LinkageRun]:
    """Link every accepted record and write persons, keys, households, review rows; raise to roll back."""
    records = _read(conn, warehouse, w.resident_record)
    records["record_id"] = record_ids(records)
    run = linker(records)
    decisions = _read(conn, warehouse, w.match_decision)
    decisions = decisions.rename(columns={"record_id_l": "l", "record_id_r": "r"})
    edges = run.pairs[run.pairs["match_weight"] >= MATCH_THRESHOLD].rename(
        columns={"record_id_l": "l", "record_id_r": "r"}
    )
    clusters = connected_components(
        sorted(records["record_id"]),
        edges,
        must_link=decisions[decisions["decision"] == "same"],
        cannot_link=decisions[decisions["decision"] == "different"],
        cccd=cccd_numbers(records),
        households=households_by_record(records),
    )

    # Stable person keys: each record's previous key comes from the cross-reference.
    xref = _read(conn, warehouse, w.person_source_xref)
    previous = (
        pd.Series(xref["person_key"].to_numpy(), index=record_ids(xref)) if len(xref) else pd.Series(dtype="int64")
    )
    key_map = _read(conn, warehouse, w.person_key_map)
    # New keys start above every key ever issued (the map holds them all; the others guard older warehouses).
    issued = conn.execute(sa.select(sa.func.max(w.dim_person.c.person_key))).scalar_one()
    max_key = max(
        int(key_map["person_key"].max()) if len(key_map) else 0,
        int(previous.max()) if len(previous) else 0,
        int(issued or 0),
    )
    persons = assign_stable_keys(clusters, previous, max_key + 1)
    records["person_key"] = records["record_id"].map(persons.keys).astype("int64")

    golden = golden_records(records)
    golden["attributes_hash"] = content_hashes(golden, [c for c in golden.columns if c != "person_key"])
    golden["run_id"] = run_id
    person_sync = warehouse.merge_scd2(conn, w.dim_person, golden, key="person_key", now=now)

    new_map = resolve_retired(key_map, persons.events, set(golden["person_key"]))
    map_sync = warehouse.replace_scope(conn, w.person_key_map, _hashed(new_map, w.person_key_map, run_id), {})

    xref_rows = _hashed(records, w.person_source_xref, run_id)
    xref_sync = warehouse.replace_scope(conn, w.person_source_xref, xref_rows, {})

    # Households: source codes holding the same people are one household, with keys as stable as persons'.
    records["source_household"] = source_household_ids(records)
    old_households = _read(conn, warehouse, w.household_source_xref)
    household_previous = (
        pd.Series(old_households["household_key"].to_numpy(), index=old_households["source_household"])
        if len(old_households)
        else pd.Series(dtype="int64")
    )
    max_household = int(old_households["household_key"].max()) if len(old_households) else 0
    houses = assign_stable_keys(household_clusters(records), household_previous, max_household + 1)
    dim_household, members = household_tables(records, houses.keys)
    house_xref = pd.DataFrame({"source_household": houses.keys.index, "household_key": houses.keys.to_numpy()})
    household_sync = {
        "dim_household": warehouse.replace_scope(
            conn, w.dim_household, _hashed(dim_household, w.dim_household, run_id), {}
        ),
        "household_member": warehouse.replace_scope(
            conn, w.household_member, _hashed(members, w.household_member, run_id), {}
        ),
        "household_source_xref": warehouse.replace_scope(
            conn, w.household_source_xref, _hashed(house_xref, w.household_source_xref, run_id), {}
        ),
    }

    events = pd.concat(
        [_events_frame(persons.events, "person", run_id, now), _events_frame(houses.events, "household", run_id, now)]
    )
    if len(events):
        warehouse.append(conn, w.person_key_event, events)

    review = _review_rows(run.pairs, records, records.set_index("record_id")["person_key"])
    review_sync = warehouse.replace_scope(conn, w.match_review, _hashed(review, w.match_review, run_id), {})

    _check_xref(conn, len(records))
    stats = {
        "records": len(records),
        "persons": len(golden),
        "households": len(dim_household),
        "merges": int((persons.events["event"] == "merge").sum()),
        "splits": int((persons.events["event"] == "split").sum()),
        "review_pairs": len(review),
        "decisions_applied": len(decisions),
        "changes": {
            "dim_person": person_sync.__dict__,
            "person_key_map": map_sync.__dict__,
            "person_source_xref": xref_sync.__dict__,
            "match_review": review_sync.__dict__,
            **{k: v.__dict__ for k, v in household_sync.items()},
        },
    }
    return stats, run


def _check_xref(conn: Connection, expected: int) -> None:
    """Before the commit: every accepted record has exactly one person, and no cross-reference row is stray."""
    x, r = w.person_source_xref, w.resident_record
    same = [x.c[k] == r.c[k] for k in RECORD_KEY]
    orphans = conn.execute(sa.select(sa.func.count()).select_from(r).where(~sa.exists().where(*same))).scalar_one()
    stray = conn.execute(sa.select(sa.func.count()).select_from(x).where(~sa.exists().where(*same))).scalar_one()
    total = conn.execute(sa.select(sa.func.count()).select_from(x)).scalar_one()
    if orphans or stray or total != expected:
        raise LinkError(
            f"{orphans} accepted record(s) without a person, {stray} cross-reference row(s) without a record "
            f"({total} rows for {expected} records); the link was rolled back"
        )


def save_artefacts(run: LinkageRun, directory: Path) -> dict[str, Path]:
    """The trained model and its match-weight chart, kept with the run (owner-only: it describes the data)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    model = directory / "linkage_model.json"
    model.write_text(json.dumps(run.model_json, indent=2, ensure_ascii=False), encoding="utf-8")
    chart = directory / "match_weights_chart.html"
    chart.write_text(run.chart_html, encoding="utf-8")
    return {"model": model, "chart": chart}


@asset(
    name=PERSONS,
    group_name=GROUP_LINK,
    deps=[AssetDep(RESIDENT_RECORDS)],
    check_specs=[AssetCheckSpec(name=CHECK_XREF_COMPLETE, asset=PERSONS)],
    description="One person per real resident across all former wards (Splink), stable keys, golden records, "
    "households and the clerical-review queue, in one transaction.",
)
def persons(
    context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    wh = warehouse.warehouse
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        with wh.engine.begin() as conn:
            stats, run = link_all(conn, wh, context.run.run_id, now)
    except LinkError as exc:
        raise Failure(description=str(exc)) from None
    files = save_artefacts(run, Path(settings.data_dir) / "artefacts" / "linkage" / context.run.run_id)
    yield MaterializeResult(
        metadata={
            "records": stats["records"],
            "persons": stats["persons"],
            "households": stats["households"],
            "merges": stats["merges"],
            "splits": stats["splits"],
            "review_pairs": stats["review_pairs"],
            "match_threshold": MATCH_THRESHOLD,
            "review_threshold": REVIEW_THRESHOLD,
            "linkage": MetadataValue.json(run.stats),
            "changes": MetadataValue.json(stats["changes"]),
            "model": MetadataValue.path(str(files["model"])),
            "match_weights_chart": MetadataValue.path(str(files["chart"])),
        },
        check_results=[
            AssetCheckResult(check_name=CHECK_XREF_COMPLETE, passed=True, metadata={"records": stats["records"]})
        ],
    )
