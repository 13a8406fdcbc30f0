"""Linking: one person per real resident across all former wards, with stable keys, golden records and households.

Runs once over every former ward's accepted records, in one transaction the caller opens: Splink scores
candidate pairs (assets/lib/linkage), clerks' decisions override the model, connected components above the
match threshold are persons, and pairs in the uncertain band go to `match_review`. Person and household keys
stay stable across runs (assets/lib/person_keys.py); attributes survive by explicit rules
(assets/lib/survivorship.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assets.lib.households import household_clusters, household_tables, households_by_record, source_household_ids
from assets.lib.linkage import (
    CANDIDATE_COLUMNS,
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    LinkageRun,
    link_records,
    model_version,
    relink,
)
from assets.lib.person_keys import assign_stable_keys, connected_components, resolve_retired
from assets.lib.review_decisions import active_match_decisions
from assets.lib.survivorship import golden_records
from assets.lib.warehouse import Warehouse, content_hashes, with_hash
from data_quality.masking import mask_record, preview_markdown
from schemas import warehouse as w
from schemas.canonical import RECORD_KEY
from schemas.errors import WardmergeError

REVIEW_FIELDS = ("full_name", "date_of_birth", "sex", "national_id", "phone", "street", "residential_group")
#: A full link: records → scored pairs and the model it trained (assets.lib.linkage.link_records).
Linker = Callable[[pd.DataFrame], LinkageRun]
#: An incremental link: records, model, household (m, u), pairs kept, records to rescore → scored pairs
#: (assets.lib.linkage.relink).
Relinker = Callable[[pd.DataFrame, dict[str, Any], tuple[float, float], pd.DataFrame, pd.Index], LinkageRun]
#: A link trains the model again when more than this share of the records is new, changed or gone since the last
#: link, or new or changed since the model was trained: the weights were learnt on a population that has moved.
#: Below it, only the changed records' pairs are scored, under the trained model.
RETRAIN_SHARE = 0.2


class LinkError(WardmergeError, RuntimeError):
    """The person cross-reference would not cover every accepted record exactly once."""


def record_ids(records: pd.DataFrame) -> pd.Series:
    return records["former_ward_code"] + "/" + records["dataset"] + "/" + records["source_record_id"]


def cccd_numbers(records: pd.DataFrame) -> pd.Series:
    """record_id → CCCD, for the records that carry one (clustering never joins two CCCDs that disagree)."""
    is_cccd = records["national_id_kind"].eq("cccd") & records["national_id"].notna()
    return pd.Series(records.loc[is_cccd, "national_id"].to_numpy(), index=records.loc[is_cccd, "record_id"].to_numpy())


def _read(conn: Connection, warehouse: Warehouse, table: sa.Table) -> pd.DataFrame:
    return warehouse.read_frame(conn, sa.select(table))


def _review_rows(
    pairs: pd.DataFrame, records: pd.DataFrame, keys: pd.Series, waterfalls: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Uncertain pairs that the clustering left in different persons, with both records' fields masked and,
    where the linkage explained them, each comparison's level and weight."""
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
    band["former_ward_code_l"] = band["record_id_l"].map(by_id["former_ward_code"])
    band["former_ward_code_r"] = band["record_id_r"].map(by_id["former_ward_code"])
    explained: dict[tuple[str, str], str] = {}
    if waterfalls is not None:
        pair_ids = zip(waterfalls["record_id_l"], waterfalls["record_id_r"], strict=True)
        explained = dict(zip(pair_ids, waterfalls["comparisons"], strict=True))
    band["comparisons"] = [
        explained.get((left, right)) for left, right in zip(band["record_id_l"], band["record_id_r"], strict=True)
    ]
    # Rounded so that floating noise in a re-run is not a change.
    band["match_weight"] = band["match_weight"].round(4)
    band["match_probability"] = band["match_probability"].round(6)
    return band


# Fields a record corrected at its source mostly keeps: a source without an id column derives its id from some
# of them, so correcting one (a misspelt name) makes a new id for the same row.
_SUCCESSION_FIELDS = ("name_key", "date_of_birth", "household_id")


def corrected_records(conn: Connection, warehouse: Warehouse, records: pd.DataFrame, previous: pd.Series) -> pd.Series:
    """New record id → the record it corrects: a record gone since the last link whose key fields mostly agree.

    A record is taken for the corrected form of one that disappeared when both come from the same former ward,
    dataset and file, at least two of name, date of birth and household code are equal, their CCCDs (if both have
    one) are the same, and the pairing is one to one (any doubt: no succession, the record is new). The gone
    record's fields come from the record table's history.
    """
    gone = previous.index.difference(pd.Index(records["record_id"]))
    fresh = records[~records["record_id"].isin(previous.index)]
    if gone.empty or fresh.empty:
        return pd.Series(dtype="object")
    history = w.HISTORY_TABLES["residents"]
    wards = sorted({g.split("/", 1)[0] for g in gone})
    past = warehouse.read_frame(conn, sa.select(history).where(history.c.former_ward_code.in_(wards)))
    past["record_id"] = record_ids(past)
    past = past[past["record_id"].isin(gone)].sort_values("valid_to").drop_duplicates("record_id", keep="last")
    pairs = fresh.merge(past, on=["former_ward_code", "dataset", "source_file"], suffixes=("", "_gone"))
    if pairs.empty:
        return pd.Series(dtype="object")
    agree = sum(
        (pairs[f].notna() & (pairs[f].astype(str) == pairs[f"{f}_gone"].astype(str))).astype(int)
        for f in _SUCCESSION_FIELDS
    )
    both_cccd = pairs["national_id_kind"].eq("cccd") & pairs["national_id_kind_gone"].eq("cccd")
    contradict = both_cccd & (pairs["national_id"] != pairs["national_id_gone"])
    pairs = pairs[(agree >= 2) & ~contradict]
    pairs = pairs[~pairs["record_id"].duplicated(keep=False) & ~pairs["record_id_gone"].duplicated(keep=False)]
    return pd.Series(pairs["record_id_gone"].to_numpy(), index=pairs["record_id"].to_numpy(), dtype="object")


def _events_frame(events: pd.DataFrame, kind: str, run_id: str, now: dt.datetime) -> pd.DataFrame:
    out = events.rename(columns={"items": "records"}).copy()
    out["kind"], out["run_id"], out["event_at"] = kind, run_id, now
    return out[[c.name for c in w.person_key_event.columns]]


@dataclass(frozen=True)
class StoredModel:
    """The latest model a full link trained (the ``linkage_model`` row)."""

    model_id: str
    trained_at: dt.datetime
    model_version: str
    model_json: dict[str, Any]
    estimates: tuple[float, float]


@dataclass(frozen=True)
class LinkPlan:
    """Whether this link trains a model (``full``) or rescores the changed records (``incremental``), and why."""

    mode: str
    reason: str
    changed: pd.Index
    """Records new or changed (content) since the previous link."""
    gone: pd.Index
    """Records linked before that are no longer accepted."""
    model: StoredModel | None


def stored_model(conn: Connection, warehouse: Warehouse) -> StoredModel | None:
    m = w.linkage_model
    row = conn.execute(sa.select(m).order_by(m.c.trained_at.desc(), m.c.model_id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    return StoredModel(
        model_id=row["model_id"],
        trained_at=row["trained_at"],
        model_version=row["model_version"],
        model_json=json.loads(row["model_json"]),
        estimates=(float(row["household_m"]), float(row["household_u"])),
    )


def plan_link(
    conn: Connection, warehouse: Warehouse, records: pd.DataFrame, xref: pd.DataFrame, *, retrain: bool = False
) -> LinkPlan:
    """Full or incremental (see :data:`RETRAIN_SHARE`); changes are told by content (``record_hash`` against the
    hash the cross-reference kept when the record was linked), not by load times."""
    linked = (
        pd.Series(xref["linked_hash"].to_numpy(), index=record_ids(xref)) if len(xref) else pd.Series(dtype="object")
    )
    changed = pd.Index(records.loc[records["record_id"].map(linked).ne(records["record_hash"]), "record_id"])
    gone = linked.index.difference(pd.Index(records["record_id"]))
    model = stored_model(conn, warehouse)
    share = (len(changed) + len(gone)) / max(len(records), 1)
    # trained_at is kept to the second (as dim_person's versions are), so a record loaded in the second the model
    # was trained counts as known to it; one loaded later was not.
    since_training = (
        float((records["valid_from"] >= model.trained_at + dt.timedelta(seconds=1)).mean())
        if model is not None and len(records)
        else 0.0
    )
    has_pairs = conn.execute(sa.select(sa.func.count()).select_from(w.match_pair)).scalar_one() > 0

    def full(reason: str) -> LinkPlan:
        return LinkPlan("full", reason, changed, gone, model)

    if retrain:
        return full("asked to train the model again")
    if model is None or not has_pairs:
        return full("no trained model yet")
    if model.model_version != model_version():
        return full("the model's code changed since it was trained")
    if share > RETRAIN_SHARE:
        return full(f"{share:.0%} of the records are new, changed or gone since the last link")
    if since_training > RETRAIN_SHARE:
        return full(f"{since_training:.0%} of the records are new or changed since the model was trained")
    return LinkPlan(
        "incremental",
        f"{len(changed)} record(s) new or changed and {len(gone)} gone since the last link",
        changed,
        gone,
        model,
    )


def _score(
    conn: Connection, warehouse: Warehouse, records: pd.DataFrame, plan: LinkPlan, linker: Linker, relinker: Relinker
) -> tuple[LinkageRun, str]:
    """Score the candidate pairs as ``plan`` says; the run and the id of the model that scored them."""
    if plan.mode == "full" or plan.model is None:
        return linker(records), ""
    touched = plan.changed.union(plan.gone)
    stored = _read(conn, warehouse, w.match_pair)
    kept = stored[~stored["record_id_l"].isin(touched) & ~stored["record_id_r"].isin(touched)]
    model = plan.model
    return relinker(records, model.model_json, model.estimates, kept[list(CANDIDATE_COLUMNS)], plan.changed), (
        model.model_id
    )


def _save_scoring(
    conn: Connection,
    warehouse: Warehouse,
    run: LinkageRun,
    plan: LinkPlan,
    model_id: str,
    run_id: str,
    now: dt.datetime,
    seconds: float,
) -> dict[str, Any]:
    """The model (when trained), every scored candidate pair, and the link's audit row."""
    if plan.mode == "full":
        model_id = run_id
        household = (float(run.stats.get("household_m", 0.5)), float(run.stats.get("household_u", 0.5)))
        row = {
            "model_id": run_id,
            "trained_at": now,
            "records": int(run.stats.get("records", 0)),
            "model_version": run.model_version,
            "model_json": json.dumps(run.model_json, ensure_ascii=False, sort_keys=True),
            "household_m": household[0],
            "household_u": household[1],
        }
        conn.execute(sa.insert(w.linkage_model).values(row))
    pairs = run.candidates.copy()
    # Rounded so that floating noise in a rescoring is not a change.
    pairs["splink_weight"] = pairs["splink_weight"].astype(float).round(6)
    pair_sync = warehouse.replace_scope(conn, w.match_pair, with_hash(pairs, w.match_pair, run_id), {})
    audit = {
        "run_id": run_id,
        "linked_at": now,
        "mode": plan.mode,
        "reason": plan.reason,
        "model_id": model_id,
        "records": int(run.stats.get("records", 0)),
        "records_changed": len(plan.changed),
        "records_gone": len(plan.gone),
        "records_scored": int(run.stats.get("records_scored", 0)),
        "candidate_pairs": len(run.candidates),
        "pairs_rescored": int(run.stats.get("pairs_rescored", len(run.candidates))),
        "seconds": round(seconds, 2),
    }
    conn.execute(sa.insert(w.link_run).values(audit))
    return {"match_pair": pair_sync.__dict__, "link": audit}


def link_all(
    conn: Connection,
    warehouse: Warehouse,
    run_id: str,
    now: dt.datetime,
    linker: Linker = link_records,
    relinker: Relinker = relink,
    *,
    retrain: bool = False,
) -> tuple[dict[str, Any], LinkageRun]:
    """Link every accepted record and write persons, keys, households, review rows; raise to roll back.

    The model is trained and every candidate pair scored (a full link) the first time, when asked (``retrain``),
    when the model's code changed, or when many records changed (:data:`RETRAIN_SHARE`); otherwise only the pairs
    of records new or changed since the last link are scored, under the stored model, and the other pairs are
    taken as scored before (an incremental link). Clustering, keys, golden records and households are always
    computed over all records.
    """
    started = time.perf_counter()
    records = _read(conn, warehouse, w.resident_record)
    records["record_id"] = record_ids(records)
    xref = _read(conn, warehouse, w.person_source_xref)
    plan = plan_link(conn, warehouse, records, xref, retrain=retrain)
    run, model_id = _score(conn, warehouse, records, plan, linker, relinker)
    decisions = active_match_decisions(_read(conn, warehouse, w.match_decision))
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
    previous = (
        pd.Series(xref["person_key"].to_numpy(), index=record_ids(xref)) if len(xref) else pd.Series(dtype="int64")
    )
    key_map = _read(conn, warehouse, w.person_key_map)
    # New keys start above every key ever issued (the map holds them all; the others guard older warehouses).
    issued: Any = conn.execute(sa.select(sa.func.max(w.dim_person.c.person_key))).scalar_one()
    max_key = max(
        int(key_map["person_key"].max()) if len(key_map) else 0,
        int(previous.max()) if len(previous) else 0,
        int(issued or 0),
    )
    # A record corrected at its source (a new id for the same row) keeps its person's key.
    corrected = corrected_records(conn, warehouse, records, previous)
    inherited = pd.Series(corrected.map(previous).to_numpy(), index=corrected.index)
    persons = assign_stable_keys(clusters, pd.concat([previous, inherited]), max_key + 1)
    records["person_key"] = records["record_id"].map(persons.keys).astype("int64")
    kept = records.set_index("record_id").loc[corrected.index, "person_key"] if len(corrected) else pd.Series()
    corrections = (
        pd.DataFrame({"event": "corrected", "from_key": kept.to_numpy(), "to_key": kept.to_numpy(), "items": 1})
        .groupby(["event", "from_key", "to_key"], as_index=False)["items"]
        .sum()
    )

    golden = golden_records(records)
    golden["attributes_hash"] = content_hashes(golden, [c for c in golden.columns if c != "person_key"])
    golden["run_id"] = run_id
    person_sync = warehouse.merge_scd2(conn, w.dim_person, golden, key="person_key", now=now)

    new_map = resolve_retired(key_map, persons.events, set(golden["person_key"]))
    map_sync = warehouse.replace_scope(conn, w.person_key_map, with_hash(new_map, w.person_key_map, run_id), {})

    xref_rows = with_hash(records.assign(linked_hash=records["record_hash"]), w.person_source_xref, run_id)
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
            conn, w.dim_household, with_hash(dim_household, w.dim_household, run_id), {}
        ),
        "household_member": warehouse.replace_scope(
            conn, w.household_member, with_hash(members, w.household_member, run_id), {}
        ),
        "household_source_xref": warehouse.replace_scope(
            conn, w.household_source_xref, with_hash(house_xref, w.household_source_xref, run_id), {}
        ),
    }

    events = pd.concat(
        [
            _events_frame(persons.events, "person", run_id, now),
            _events_frame(corrections, "person", run_id, now),
            _events_frame(houses.events, "household", run_id, now),
        ]
    )
    if len(events):
        warehouse.append(conn, w.person_key_event, events)

    review = _review_rows(run.pairs, records, records.set_index("record_id")["person_key"], run.waterfalls)
    review_sync = warehouse.replace_scope(conn, w.match_review, with_hash(review, w.match_review, run_id), {})
    scoring = _save_scoring(conn, warehouse, run, plan, model_id, run_id, now, time.perf_counter() - started)

    _check_xref(conn, len(records))
    stats = {
        "records": len(records),
        "persons": len(golden),
        "households": len(dim_household),
        "merges": int((persons.events["event"] == "merge").sum()),
        "records_corrected": len(corrected),
        "splits": int((persons.events["event"] == "split").sum()),
        "review_pairs": len(review),
        "preview": preview_markdown(golden[["person_key", "full_name", "date_of_birth", "sex", "new_ward_code"]]),
        "decisions_applied": len(decisions),
        "link": scoring["link"],
        "changes": {
            "match_pair": scoring["match_pair"],
            "dim_person": person_sync.__dict__,
            "person_key_map": map_sync.__dict__,
            "person_source_xref": xref_sync.__dict__,
            "match_review": review_sync.__dict__,
            **{k: v.__dict__ for k, v in household_sync.items()},
        },
    }
    return stats, run


def xref_problems(conn: Connection) -> dict[str, int]:
    """Accepted records without a person, and cross-reference rows without a record (both must be 0)."""
    x, r = w.person_source_xref, w.resident_record
    same = [x.c[k] == r.c[k] for k in RECORD_KEY]
    orphans = conn.execute(sa.select(sa.func.count()).select_from(r).where(~sa.exists().where(*same))).scalar_one()
    stray = conn.execute(sa.select(sa.func.count()).select_from(x).where(~sa.exists().where(*same))).scalar_one()
    total = conn.execute(sa.select(sa.func.count()).select_from(x)).scalar_one()
    records = conn.execute(sa.select(sa.func.count()).select_from(r)).scalar_one()
    return {"records_without_person": int(orphans), "xref_without_record": int(stray), "xref_rows": int(total),
            "records": int(records)}  # fmt: skip


def _check_xref(conn: Connection, expected: int) -> None:
    """Before the commit: every accepted record has exactly one person, and no cross-reference row is stray."""
    found = xref_problems(conn)
    if found["records_without_person"] or found["xref_without_record"] or found["xref_rows"] != expected:
        raise LinkError(
            f"{found['records_without_person']} accepted record(s) without a person, {found['xref_without_record']} "
            f"cross-reference row(s) without a record ({found['xref_rows']} rows for {expected} records); "
            "the link was rolled back"
        )


def save_artefacts(run: LinkageRun, directory: Path) -> dict[str, Path]:
    """The trained model and its match-weight chart, kept with the run (owner-only: it describes the data)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = {}
    for key, name, text in (
        ("model", "linkage_model.json", json.dumps(run.model_json, indent=2, ensure_ascii=False)),
        ("chart", "match_weights_chart.html", run.chart_html),
    ):
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        written[key] = path
    return written
