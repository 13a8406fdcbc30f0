"""Every query the desk runs: SQLAlchemy Core with bound parameters, each scoped to the officer's former wards.

Queue pages count with GROUP BY on indexed columns and page with LIMIT/OFFSET; nothing loads a whole table
into Python. Decisions are read per former ward (a few thousand rows at most) to tell which are in force.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assets.lib.review_decisions import (
    DIFFERENT,
    GROUP_METHOD,
    RECORD,
    REVOKE,
    RULE,
    SAME,
    DecidedRule,
    RoutingOverrides,
    active_mask,
    routing_overrides,
)
from schemas import warehouse as w

RQ = w.review_queue
RR = w.resident_record
MR = w.match_review
RD = w.routing_decision
MD = w.match_decision
NONE = "-"  # a null group key in URLs (no street key or group is ever "-")
REASONS = ("street_ambiguous", "unknown_group_and_street", "no_group_or_street")


# ---------------------------------------------------------------------------------------- routing queue


@dataclass(frozen=True)
class QueueFilter:
    wards: tuple[str, ...]
    reason: str | None = None
    street_key: str | None = None  # substring of the routing key
    group: str | None = None


@dataclass(frozen=True)
class GroupKey:
    """One routing review group: former ward, reason, street (routing key) and residential group."""

    ward: str
    reason: str
    street_key: str | None
    group: str | None

    def params(self) -> dict[str, str]:
        return {
            "ward": self.ward,
            "reason": self.reason,
            "skey": self.street_key or NONE,
            "grp": self.group or NONE,
        }


def _queue_where(f: QueueFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [RQ.c.former_ward_code.in_(f.wards)]
    if f.reason:
        where.append(RQ.c.reason == f.reason)
    if f.street_key:
        where.append(RQ.c.street_key.contains(f.street_key, autoescape=True))
    if f.group:
        where.append(RQ.c.residential_group == f.group)
    return where


def _is(column: sa.ColumnElement[Any], value: object) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def group_where(table: sa.Table, g: GroupKey) -> list[sa.ColumnElement[bool]]:
    return [
        table.c.former_ward_code == g.ward,
        table.c.reason == g.reason,
        _is(table.c.street_key, g.street_key),
        _is(table.c.residential_group, g.group),
    ]


def queue_counts(conn: Connection, wards: Sequence[str]) -> dict[str, int]:
    rows: Any = conn.execute(
        sa.select(RQ.c.former_ward_code, sa.func.count())
        .where(RQ.c.former_ward_code.in_(wards))
        .group_by(RQ.c.former_ward_code)
    )
    return {ward: int(n) for ward, n in rows}


def routing_groups(conn: Connection, f: QueueFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, int]:
    """Groups of the queue, biggest first: (rows, number of groups, number of records).

    One scan: the totals are window aggregates over the grouped rows, computed before LIMIT.
    """
    n = sa.func.count().label("n")
    keys = (RQ.c.former_ward_code, RQ.c.reason, RQ.c.street_key, RQ.c.residential_group)
    grouped = (
        sa.select(
            *keys,
            sa.func.min(RQ.c.street).label("street"),
            n,
            sa.func.count().over().label("groups"),
            sa.func.sum(sa.func.count()).over().label("records"),
        )
        .where(*_queue_where(f))
        .group_by(*keys)
    )
    rows = [dict(r) for r in conn.execute(grouped.order_by(n.desc(), *keys).limit(limit).offset(offset)).mappings()]
    if rows:
        return rows, int(rows[0]["groups"]), int(rows[0]["records"])
    # A page past the end: count without it.
    totals = sa.select(*keys, n).where(*_queue_where(f)).group_by(*keys).subquery()
    counted: Any = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(totals.c.n), 0))).one()
    groups, records = counted
    return rows, int(groups), int(records)


RECORD_COLUMNS = (
    RQ.c.former_ward_code,
    RQ.c.dataset,
    RQ.c.source_file,
    RQ.c.source_row,
    RQ.c.source_record_id,
    RQ.c.reason,
    RQ.c.full_name,
    RQ.c.date_of_birth,
    RQ.c.dob_precision,
    RQ.c.sex,
    RQ.c.national_id,
    RQ.c.phone,
    RQ.c.house_number,
    RQ.c.alley,
    RQ.c.street,
    RQ.c.residential_group,
    RQ.c.street_key,
    RQ.c.house_key,
)


def group_records(conn: Connection, g: GroupKey, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    where = group_where(RQ, g)
    # Each result is read in full before the next statement (DuckDB drops a pending result on a new one).
    statement = sa.select(*RECORD_COLUMNS).where(*where).order_by(RQ.c.source_file, RQ.c.source_row)
    rows = [dict(r) for r in conn.execute(statement.limit(limit).offset(offset)).mappings()]
    total = conn.execute(sa.select(sa.func.count()).select_from(RQ).where(*where)).scalar_one()
    return rows, int(total)


def review_record(conn: Connection, ward: str, dataset: str, source_record_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(*RECORD_COLUMNS).where(
                RQ.c.former_ward_code == ward, RQ.c.dataset == dataset, RQ.c.source_record_id == source_record_id
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def group_of(record: Mapping[str, Any]) -> GroupKey:
    return GroupKey(record["former_ward_code"], record["reason"], record["street_key"], record["residential_group"])


def next_in_group(
    conn: Connection, record: Mapping[str, Any], overrides: RoutingOverrides, scan: int = 200
) -> dict[str, Any] | None:
    """The next record of the same group (file order) that no decision covers yet."""
    after = sa.or_(
        RQ.c.source_file > record["source_file"],
        sa.and_(RQ.c.source_file == record["source_file"], RQ.c.source_row > record["source_row"]),
    )
    rows = (
        conn.execute(
            sa.select(*RECORD_COLUMNS)
            .where(*group_where(RQ, group_of(record)), after)
            .order_by(RQ.c.source_file, RQ.c.source_row)
            .limit(scan)
        )
        .mappings()
        .all()
    )
    for row in rows:
        if covering_decision(row, overrides) is None:
            return dict(row)
    return None


def covering_decision(record: Mapping[Any, Any], overrides: RoutingOverrides) -> int | None:
    """Id of the active decision that will place this review record at the next run, if any."""
    decided = overrides.place(
        record["dataset"],
        str(record["source_record_id"]),
        record["residential_group"],
        record["street_key"],
        record["alley"],
        record["house_key"],
    )
    return decided.id if decided else None


def receiving_wards(conn: Connection, ward: str) -> list[tuple[str, str]]:
    """New wards that received part of a former ward (the official crosswalk), as (code, name)."""
    x = w.admin_unit_crosswalk
    rows: Any = conn.execute(
        sa.select(x.c.new_code, x.c.new_name).where(x.c.old_code == ward).distinct().order_by(x.c.new_code)
    )
    return [(code, name) for code, name in rows]


def last_loads(conn: Connection, wards: Sequence[str]) -> dict[str, dt.datetime]:
    a = w.load_audit
    rows: Any = conn.execute(
        sa.select(a.c.partition_key, sa.func.max(a.c.finished_at))
        .where(a.c.stage == "resident_records", a.c.partition_key.in_(wards))
        .group_by(a.c.partition_key)
    )
    return {ward: at for ward, at in rows}


# --------------------------------------------------------------------------------------------- rules


def rule_where(table: sa.Table, ward: str, dataset: str, rule: DecidedRule) -> list[sa.ColumnElement[bool]]:
    """The records a rule matches, as SQL over a table with the routing-key columns (review_queue,
    resident_record); the same conditions as :meth:`DecidedRule.matches`."""
    where = [table.c.former_ward_code == ward, table.c.dataset == dataset]
    if rule.group is not None:
        where.append(table.c.residential_group == rule.group)
    if rule.street_key is not None:
        where.append(table.c.street_key == rule.street_key)
    if rule.alley is not None:
        where.append(table.c.alley == rule.alley)
    if rule.house_from is not None:
        where.append(table.c.house_key >= rule.house_from)
    if rule.house_to is not None:
        where.append(table.c.house_key <= rule.house_to)
    if rule.parity is not None:
        where.append(table.c.house_key.is_not(None))
        where.append(sa.func.mod(table.c.house_key, 2) == (1 if rule.parity == "odd" else 0))
    return where


def rule_preview(conn: Connection, ward: str, dataset: str, rule: DecidedRule) -> dict[str, Any]:
    """What a rule would do at the next run: review rows it places (by reason), placed records it moves."""
    by_reason: dict[str, int] = dict(
        conn.execute(
            sa.select(RQ.c.reason, sa.func.count()).where(*rule_where(RQ, ward, dataset, rule)).group_by(RQ.c.reason)
        ).all()
    )
    # A street rule leaves records placed by their residential group alone (assets/review_decisions.py).
    by_group = [] if rule.group is not None else [RR.c.route_method != GROUP_METHOD]
    moved: dict[str, int] = dict(
        conn.execute(
            sa.select(RR.c.new_ward_code, sa.func.count())
            .where(*rule_where(RR, ward, dataset, rule), *by_group, RR.c.new_ward_code != rule.new_ward_code)
            .group_by(RR.c.new_ward_code)
        ).all()
    )
    return {
        "review": int(sum(by_reason.values())),
        "by_reason": {k: int(v) for k, v in by_reason.items()},
        "moved": int(sum(moved.values())),
        "moved_from": {k: int(v) for k, v in moved.items()},
    }


# --------------------------------------------------------------------------------------------- decisions


def ward_decisions(conn: Connection, wards: Sequence[str]) -> pd.DataFrame:
    """Every routing decision of the wards (all kinds), with `active` computed."""
    result = conn.execute(sa.select(RD).where(RD.c.former_ward_code.in_(wards)).order_by(RD.c.id))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        frame["active"] = pd.Series(dtype=bool)
        frame["revoked_by"] = pd.Series(dtype="object")
        return frame
    frame["active"] = active_mask(frame["id"], frame["revokes"], frame["kind"] == REVOKE)
    frame["revoked_by"] = _revoked_by(frame, frame["kind"] == REVOKE)
    return frame


def _revoked_by(frame: pd.DataFrame, is_revoke: pd.Series) -> list[int | None]:
    active = dict(zip(frame["id"].astype(int), frame["active"], strict=True))
    by: dict[int, int] = {}
    for decision, target, revoke in zip(frame["id"].astype(int), frame["revokes"], is_revoke, strict=True):
        if revoke and target is not None and not pd.isna(target) and active.get(decision):
            by[int(target)] = decision
    return [by.get(int(i)) for i in frame["id"]]


def overrides_for(decisions: pd.DataFrame, ward: str, dataset: str) -> RoutingOverrides:
    return routing_overrides(decisions.drop(columns=["active", "revoked_by"], errors="ignore"), ward, dataset)


def pair_scope(wards: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.or_(MR.c.former_ward_code_l.in_(wards), MR.c.former_ward_code_r.in_(wards))


def _record_ward(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    return sa.func.substr(column, 1, 5)


def match_decisions(conn: Connection, wards: Sequence[str]) -> pd.DataFrame:
    """Match decisions touching the wards (either record), with `active` computed."""
    scope = sa.or_(_record_ward(MD.c.record_id_l).in_(wards), _record_ward(MD.c.record_id_r).in_(wards))
    result = conn.execute(sa.select(MD).where(scope).order_by(MD.c.id))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        frame["active"] = pd.Series(dtype=bool)
        frame["revoked_by"] = pd.Series(dtype="object")
        return frame
    frame["active"] = active_mask(frame["id"], frame["revokes"], frame["decision"] == REVOKE)
    frame["revoked_by"] = _revoked_by(frame, frame["decision"] == REVOKE)
    return frame


def insert_routing_decision(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(conn.execute(sa.insert(RD).values(**values).returning(RD.c.id)).scalar_one())


def insert_match_decision(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(conn.execute(sa.insert(MD).values(**values).returning(MD.c.id)).scalar_one())


def decided_rule(row: Mapping[str, Any]) -> DecidedRule:
    def text(key: str) -> str | None:
        value = row.get(key)
        return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    def number(key: str) -> int | None:
        value = row.get(key)
        return None if value is None or pd.isna(value) else int(value)

    return DecidedRule(
        id=int(row["id"]),
        new_ward_code=text("new_ward_code") or "",
        group=text("residential_group"),
        street_key=text("street_key"),
        alley=text("alley"),
        house_from=number("house_from"),
        house_to=number("house_to"),
        parity=text("parity"),
        set_group=text("set_residential_group"),
    )


def routing_effect(conn: Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    """What a routing decision does now: records it placed (by new ward) and records it still waits on."""
    placed: dict[str, int] = dict(
        conn.execute(
            sa.select(RR.c.new_ward_code, sa.func.count())
            .where(RR.c.routing_decision_id == int(row["id"]))
            .group_by(RR.c.new_ward_code)
        ).all()
    )
    if row["kind"] == RECORD:
        waiting = conn.execute(
            sa.select(sa.func.count())
            .select_from(RQ)
            .where(
                RQ.c.former_ward_code == row["former_ward_code"],
                RQ.c.dataset == row["dataset"],
                RQ.c.source_record_id == row["source_record_id"],
            )
        ).scalar_one()
    elif row["kind"] == RULE:
        rule = decided_rule(row)
        waiting = conn.execute(
            sa.select(sa.func.count())
            .select_from(RQ)
            .where(*rule_where(RQ, row["former_ward_code"], row["dataset"], rule))
        ).scalar_one()
    else:
        waiting = 0
    return {"placed": {k: int(v) for k, v in placed.items()}, "placed_total": int(sum(placed.values())),
            "waiting": int(waiting)}  # fmt: skip


def persons_of(conn: Connection, record_ids: Sequence[str]) -> dict[str, int]:
    """Current person key of each record id (`former_ward/dataset/source_record_id`)."""
    x = w.person_source_xref
    out: dict[str, int] = {}
    for record_id in record_ids:
        ward, dataset, source_id = split_record_id(record_id)
        key = conn.execute(
            sa.select(x.c.person_key).where(
                x.c.former_ward_code == ward, x.c.dataset == dataset, x.c.source_record_id == source_id
            )
        ).scalar_one_or_none()
        if key is not None:
            out[record_id] = int(key)
    return out


def match_effect(conn: Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    keys = persons_of(conn, [row["record_id_l"], row["record_id_r"]])
    left, right = keys.get(row["record_id_l"]), keys.get(row["record_id_r"])
    together = left is not None and left == right
    if row["decision"] == SAME:
        in_effect = together
    elif row["decision"] == DIFFERENT:
        in_effect = left is not None and right is not None and left != right
    else:
        in_effect = True
    return {"left": left, "right": right, "together": together, "in_effect": in_effect}


def split_record_id(record_id: str) -> tuple[str, str, str]:
    ward, dataset, source_id = (record_id.split("/", 2) + ["", ""])[:3]
    return ward, dataset, source_id


# --------------------------------------------------------------------------------------------- matches


def pair_counts(conn: Connection, wards: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for column in (MR.c.former_ward_code_l, MR.c.former_ward_code_r):
        counts: Any = conn.execute(sa.select(column, sa.func.count()).where(column.in_(wards)).group_by(column))
        for ward, n in counts:
            out[ward] = out.get(ward, 0) + int(n)
    return out


def match_bands(conn: Connection, wards: Sequence[str]) -> list[tuple[int, int]]:
    band = sa.func.floor(MR.c.match_weight).label("band")
    rows: Any = conn.execute(
        sa.select(band, sa.func.count()).where(pair_scope(wards)).group_by(band).order_by(band.desc())
    )
    return [(int(b), int(n)) for b, n in rows]


PAIR_COLUMNS = (
    MR.c.record_id_l,
    MR.c.record_id_r,
    MR.c.former_ward_code_l,
    MR.c.former_ward_code_r,
    MR.c.match_weight,
    MR.c.match_probability,
    MR.c.person_key_l,
    MR.c.person_key_r,
    MR.c.fields_l,
    MR.c.fields_r,
    MR.c.comparisons,
)


def match_pairs(
    conn: Connection, wards: Sequence[str], band: int | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where = [pair_scope(wards)]
    if band is not None:
        where += [MR.c.match_weight >= band, MR.c.match_weight < band + 1]
    statement = sa.select(*PAIR_COLUMNS).where(*where)
    statement = statement.order_by(MR.c.match_weight.desc(), MR.c.record_id_l, MR.c.record_id_r)
    rows = [_pair(r) for r in conn.execute(statement.limit(limit).offset(offset)).mappings()]
    total = conn.execute(sa.select(sa.func.count()).select_from(MR).where(*where)).scalar_one()
    return rows, int(total)


def _pair(row: Mapping[Any, Any]) -> dict[str, Any]:
    out = dict(row)
    out["left"] = json.loads(row["fields_l"])
    out["right"] = json.loads(row["fields_r"])
    out["waterfall"] = json.loads(row["comparisons"]) if row["comparisons"] else None
    return out


def match_pair(conn: Connection, wards: Sequence[str], left: str, right: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(*PAIR_COLUMNS).where(pair_scope(wards), MR.c.record_id_l == left, MR.c.record_id_r == right)
        )
        .mappings()
        .first()
    )
    return _pair(row) if row else None


def resident(conn: Connection, record_id: str) -> dict[str, Any] | None:
    ward, dataset, source_id = split_record_id(record_id)
    row = (
        conn.execute(
            sa.select(RR).where(
                RR.c.former_ward_code == ward, RR.c.dataset == dataset, RR.c.source_record_id == source_id
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
