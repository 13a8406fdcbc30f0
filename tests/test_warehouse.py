"""Warehouse layer on DuckDB and PostgreSQL alike: partition replacement, SCD2 merge, atomicity."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from assets.lib.warehouse import content_hashes, with_hash
from schemas import warehouse as w


def _review_rows(ward: str, rows: list[tuple[int, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "former_ward_code": ward,
            "dataset": "residents",
            "source_file": f"{ward}/roster.csv",
            "source_row": [r for r, _ in rows],
            "source_record_id": [f"R{r}" for r, _ in rows],
            "reason": [reason for _, reason in rows],
            "residential_group": None,
            "residential_group_number": None,
            "street": "Tân Mai",
            "raw_hash": [f"h{r}" for r, _ in rows],
            "run_id": "run-1",
        }
    )
    for column in w.review_queue.columns:  # the record's fields (unused here)
        if column.name not in frame.columns and column.name != "record_hash":
            frame[column.name] = None
    return with_hash(frame, w.review_queue)


def _records(rows: list[tuple[str, str, int]], run_id: str, now: dt.datetime) -> pd.DataFrame:
    """resident_record rows (id, name, row in the file) of one former ward, the rest of the fields plain."""
    frame = pd.DataFrame(
        {
            "former_ward_code": "00280",
            "dataset": "residents",
            "source_record_id": [r[0] for r in rows],
            "full_name": [r[1] for r in rows],
            "name_key": [r[1].lower() for r in rows],
            "name_unmarked": [r[1].lower() for r in rows],
            "date_of_birth": dt.date(1980, 1, 2),
            "dob_precision": "day",
            "sex": "F",
            "new_ward_code": "00322",
            "route_method": "group",
            "as_of": dt.date(2025, 6, 30),
            "raw_hash": [f"raw-{r[0]}-{r[1]}" for r in rows],
            "source_file": "00280/r.csv",
            "source_row": [r[2] for r in rows],
            "run_id": run_id,
            "valid_from": now,
        }
    )
    for column in w.resident_record.columns:
        if column.name not in frame.columns and column.name != "record_hash":
            frame[column.name] = None
    return with_hash(frame, w.resident_record)


def test_a_sync_keeps_history_and_moves_unchanged_rows_in_place(warehouse):
    scope = {"former_ward_code": "00280", "dataset": "residents"}
    t1, t2 = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 2)
    history = w.HISTORY_TABLES["residents"]
    first = _records([("A", "Lan", 2), ("B", "Mai", 3), ("C", "Hoa", 4)], "run-1", t1)
    with warehouse.engine.begin() as conn:
        warehouse.replace_scope(conn, w.resident_record, first, scope, history=history, now=t1)
    # A line was inserted at the top: A only moved; B's name was corrected; C is gone; D is new.
    second = _records([("A", "Lan", 3), ("B", "Mây", 4), ("D", "Cúc", 5)], "run-2", t2)
    with warehouse.engine.begin() as conn:
        counts = warehouse.replace_scope(conn, w.resident_record, second, scope, history=history, now=t2)
    assert (counts.inserted, counts.updated, counts.deleted, counts.unchanged) == (1, 1, 1, 1)
    current = _rows(warehouse, w.resident_record).set_index("source_record_id")
    assert list(current.index) == ["A", "B", "D"]
    assert current.loc["A", "source_row"] == 3 and current.loc["A", "run_id"] == "run-1"  # moved, not changed
    assert current.loc["B", "full_name"] == "Mây" and current.loc["B", "valid_from"] == t2
    past = _rows(warehouse, history).set_index("source_record_id")
    assert dict(past["change"]) == {"B": "updated", "C": "ended"}
    assert past.loc["B", "full_name"] == "Mai" and past.loc["B", "valid_from"] == t1 and past.loc["B", "valid_to"] == t2


def _rows(wh, table, where=None):
    with wh.engine.connect() as conn:
        stmt = sa.select(table)
        if where is not None:
            stmt = stmt.where(where)
        return wh.read_frame(conn, stmt.order_by(*table.primary_key.columns))


def test_replace_scope_changes_only_what_changed(warehouse):
    first = _review_rows("00280", [(2, "street_ambiguous"), (3, "no_group_or_street"), (4, "street_ambiguous")])
    other = _review_rows("00295", [(2, "no_group_or_street")])
    with warehouse.engine.begin() as conn:
        warehouse.replace_scope(conn, w.review_queue, first, {"former_ward_code": "00280", "dataset": "residents"})
        warehouse.replace_scope(conn, w.review_queue, other, {"former_ward_code": "00295", "dataset": "residents"})

    # Identical input, another run: nothing changes, not even the run id.
    again = first.assign(run_id="run-2")
    with warehouse.engine.begin() as conn:
        counts = warehouse.replace_scope(
            conn, w.review_queue, again, {"former_ward_code": "00280", "dataset": "residents"}
        )
    assert (counts.inserted, counts.updated, counts.deleted, counts.unchanged) == (0, 0, 0, 3)
    assert set(_rows(warehouse, w.review_queue)["run_id"]) == {"run-1"}

    # Row 3 changed reason, row 4 disappeared, row 5 is new; the other former ward is untouched.
    changed = _review_rows(
        "00280", [(2, "street_ambiguous"), (3, "unknown_group_and_street"), (5, "no_group_or_street")]
    )
    changed["run_id"] = "run-3"
    with warehouse.engine.begin() as conn:
        counts = warehouse.replace_scope(
            conn, w.review_queue, changed, {"former_ward_code": "00280", "dataset": "residents"}
        )
    assert (counts.inserted, counts.updated, counts.deleted, counts.unchanged) == (1, 1, 1, 1)
    rows = _rows(warehouse, w.review_queue)
    assert list(rows["former_ward_code"]) == ["00280", "00280", "00280", "00295"]
    assert list(rows["source_row"]) == [2, 3, 5, 2]
    assert list(rows["run_id"]) == ["run-1", "run-3", "run-3", "run-1"]


def test_failed_transaction_leaves_warehouse_as_it_was(warehouse):
    first = _review_rows("00280", [(2, "street_ambiguous")])
    with warehouse.engine.begin() as conn:
        warehouse.replace_scope(conn, w.review_queue, first, {"former_ward_code": "00280", "dataset": "residents"})
    replacement = _review_rows("00280", [(7, "no_group_or_street"), (8, "no_group_or_street")])
    with pytest.raises(RuntimeError, match="crash"):
        with warehouse.engine.begin() as conn:
            warehouse.replace_scope(
                conn, w.review_queue, replacement, {"former_ward_code": "00280", "dataset": "residents"}
            )
            raise RuntimeError("crash mid-load")
    assert list(_rows(warehouse, w.review_queue)["source_row"]) == [2]


def _persons(names: dict[int, str]) -> pd.DataFrame:
    keys = list(names)
    frame = pd.DataFrame({"person_key": keys, "full_name": list(names.values())})
    for column in w.dim_person.columns:
        if column.name not in frame.columns and column.name not in ("valid_from", "valid_to", "is_current"):
            frame[column.name] = None
    frame = frame.assign(
        date_of_birth=dt.date(1990, 5, 7),
        dob_precision="day",
        sex="F",
        new_ward_code="00322",
        current_new_ward_code="00322",
        source_records=1,
        full_name_source=[f"00280/residents/{k}" for k in keys],
        date_of_birth_source=[f"00280/residents/{k}" for k in keys],
        address_source=[f"00280/residents/{k}" for k in keys],
        run_id="r",
    )
    frame["attributes_hash"] = content_hashes(frame, ["full_name", "date_of_birth", "sex"])
    return frame


def test_scd2_keeps_history(warehouse):
    t1, t2 = dt.datetime(2026, 11, 1, 2, 0), dt.datetime(2026, 11, 2, 2, 0)
    with warehouse.engine.begin() as conn:
        warehouse.merge_scd2(conn, w.dim_person, _persons({1: "Nguyễn Thị Hoà", 2: "Trần Văn An"}), "person_key", t1)
    with warehouse.engine.begin() as conn:
        counts = warehouse.merge_scd2(
            conn, w.dim_person, _persons({1: "Nguyễn Thị Hòa", 3: "Lê Văn Bình"}), "person_key", t2
        )
    assert (counts.inserted, counts.updated, counts.deleted, counts.unchanged) == (1, 1, 1, 0)
    rows = _rows(warehouse, w.dim_person)
    current = rows[rows["is_current"]]
    assert sorted(current["person_key"]) == [1, 3]
    history = rows[rows["person_key"] == 1].sort_values("valid_from")
    assert list(history["full_name"]) == ["Nguyễn Thị Hoà", "Nguyễn Thị Hòa"]
    assert pd.Timestamp(history["valid_to"].iloc[0]) == pd.Timestamp(t2)
    closed = rows[rows["person_key"] == 2].iloc[0]
    assert not closed["is_current"] and pd.Timestamp(closed["valid_to"]) == pd.Timestamp(t2)
    # The same current state again changes nothing.
    with warehouse.engine.begin() as conn:
        counts = warehouse.merge_scd2(
            conn,
            w.dim_person,
            _persons({1: "Nguyễn Thị Hòa", 3: "Lê Văn Bình"}),
            "person_key",
            t2 + dt.timedelta(days=1),
        )
    assert (counts.inserted, counts.updated, counts.deleted, counts.unchanged) == (0, 0, 0, 2)
