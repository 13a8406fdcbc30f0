"""Nights in a row through the real `wardmerge run`, on DuckDB and PostgreSQL: an identical night changes no row and
links incrementally with nothing to score; a night with edits gives exactly those history versions and person
versions; a run killed mid-flight leaves each former ward as it was or fully loaded, and the next run completes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from pipelines.settings import SETTINGS
from schemas import warehouse as w

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
JSON_WARD = "00310"  # tests/fixtures/sources/00310_residents.yaml reads roster.json (a full snapshot)
# Tables that hold what the warehouse knows (run logs with timestamps and run ids are left out).
DATA_TABLES = [
    *w.RECORD_TABLES.values(),
    *w.HISTORY_TABLES.values(),
    w.quarantine,
    w.quarantine_rule,
    w.review_queue,
    w.nonrecord_row,
    w.dim_person,
    w.person_source_xref,
    w.person_key_map,
    w.person_key_event,
    w.match_pair,
    w.dim_household,
    w.household_member,
]


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def _args(landing: Path, warehouse_url: str, data_dir: Path) -> list[str]:
    return [
        "run", "--landing", str(landing), "--sources", str(FIXTURES / "sources"), "--routing",
        str(FIXTURES / "routing.csv"), "--warehouse", warehouse_url, "--data-dir", str(data_dir),
    ]  # fmt: skip


def _night(landing: Path, warehouse_url: str, data_dir: Path) -> None:
    assert cli.main(_args(landing, warehouse_url, data_dir)) == 0


def _snapshot(url: str) -> dict[str, pd.DataFrame]:
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        out = {t.name: wh.read_frame(conn, sa.select(t).order_by(*t.primary_key.columns)) for t in DATA_TABLES}
    wh.engine.dispose()
    return out


def _last_link(url: str) -> dict:
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        row = conn.execute(sa.select(w.link_run).order_by(w.link_run.c.linked_at.desc()).limit(1)).mappings().one()
    wh.engine.dispose()
    return dict(row)


def _assert_same(first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]) -> None:
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_dtype=False, obj=name)


def _edit_json_roster(landing: Path) -> None:
    """The JSON ward's next full snapshot: NK002's phone changes, NK003 is gone, NK004 is new."""
    path = landing / "roster.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = doc["data"]["nhan_khau"]
    rows[1]["dien_thoai"] = "0988123456"
    del rows[2]
    rows.append(
        {"ma": "NK004", "ho_ten": "Lê Văn Bình", "ngay_sinh": "02/03/1978", "gioi_tinh": "Nam",
         "so_dinh_danh": "001078004321", "dien_thoai": "0904111222", "dia_chi": "Số 5, phố Giải Phóng"}
    )  # fmt: skip
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def first_night(tmp_path: Path, warehouse_url: str) -> tuple[Path, str, Path]:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    data_dir = tmp_path / "data"
    _night(landing, warehouse_url, data_dir)
    return landing, warehouse_url, data_dir


def test_an_identical_night_changes_no_row_and_scores_nothing(first_night, tmp_path):
    landing, url, data_dir = first_night
    before = _snapshot(url)
    assert _last_link(url)["mode"] == "full"
    stats = tmp_path / "stats.json"
    assert cli.main([*_args(landing, url, data_dir), "--stats", str(stats)]) == 0
    _assert_same(before, _snapshot(url))
    # The same files under the same code: no former ward ran a stage (nothing read, validated or loaded again).
    partitions = json.loads(stats.read_text(encoding="utf-8"))["partitions"]
    assert {p["status"] for p in partitions.values()} >= {"ok"}
    assert all(not p.get("stage_seconds") for p in partitions.values())
    link = _last_link(url)
    assert link["mode"] == "incremental"
    assert (link["records_changed"], link["records_gone"], link["records_scored"]) == (0, 0, 0)


def test_a_night_with_edits_gives_exactly_those_versions(first_night):
    landing, url, data_dir = first_night
    before = _snapshot(url)
    _edit_json_roster(landing)
    _night(landing, url, data_dir)
    after = _snapshot(url)

    records = after["resident_record"]
    ward = records[records["former_ward_code"] == JSON_WARD].set_index("source_record_id")
    assert sorted(ward.index) == ["NK001", "NK002", "NK004"]
    assert ward.loc["NK002", "phone"] == "0988123456"
    # History: the old NK002 version (updated) and NK003 (ended, not deleted) — and nothing else anywhere.
    history = after["resident_record_history"]
    assert sorted(zip(history["source_record_id"], history["change"], strict=True)) == [
        ("NK002", "updated"),
        ("NK003", "ended"),
    ]
    assert (history["former_ward_code"] == JSON_WARD).all()
    old_nk002 = before["resident_record"].set_index(["former_ward_code", "source_record_id"]).loc[(JSON_WARD, "NK002")]
    assert history.set_index("source_record_id").loc["NK002", "phone"] == old_nk002["phone"]
    # Other former wards' rows did not move (same versions, same load times).
    others = before["resident_record"][before["resident_record"]["former_ward_code"] != JSON_WARD]
    pd.testing.assert_frame_equal(
        others.reset_index(drop=True),
        records[records["former_ward_code"] != JSON_WARD].reset_index(drop=True),
        check_dtype=False,
    )
    # Persons: NK004 is a new person; NK003's person lost a record (fewer sources, another address source): a new
    # version; NK002's person gets one only if its golden phone came from this record (the newest registration's
    # phone). Every other person keeps its single version.
    xref = after["person_source_xref"].set_index(["former_ward_code", "source_record_id"])
    key = xref.loc[(JSON_WARD, "NK002"), "person_key"]
    new_key = xref.loc[(JSON_WARD, "NK004"), "person_key"]
    old_person = before["dim_person"][before["dim_person"]["person_key"] == key].iloc[0]
    phone_moved = old_person["phone_source"] == f"{JSON_WARD}/residents/NK002"
    assert new_key not in set(before["dim_person"]["person_key"])
    gone_key = (
        before["person_source_xref"]
        .set_index(["former_ward_code", "source_record_id"])
        .loc[(JSON_WARD, "NK003"), "person_key"]
    )
    fresh = after["dim_person"].merge(before["dim_person"][["person_key", "valid_from"]], how="left", indicator=True)
    assert sorted(fresh.loc[fresh["_merge"] == "left_only", "person_key"]) == sorted(
        {gone_key, new_key} | ({key} if phone_moved else set())
    )
    assert len(after["dim_person"]) == len(before["dim_person"]) + len({gone_key, new_key}) + int(phone_moved)
    assert after["dim_person"].groupby("person_key")["is_current"].sum().eq(1).all()
    # The new record got a person; linkage scored only the records that changed.
    assert (JSON_WARD, "NK003") not in xref.index
    link = _last_link(url)
    assert link["mode"] == "incremental" and link["records_changed"] == 2 and link["records_gone"] == 1

    # A third night corrects the new person's phone: a second version of that person, the first one closed.
    path = landing / "roster.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["data"]["nhan_khau"][-1]["dien_thoai"] = "0904333444"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _night(landing, url, data_dir)
    third = _snapshot(url)
    versions = third["dim_person"][third["dim_person"]["person_key"] == new_key].sort_values("valid_from")
    assert versions["phone"].tolist() == ["0904111222", "0904333444"]
    assert versions["is_current"].tolist() == [False, True] and pd.notna(versions["valid_to"].iloc[0])
    assert len(third["dim_person"]) == len(after["dim_person"]) + 1
    assert len(third["resident_record_history"]) == len(history) + 1


def _run(landing: Path, url: str, data_dir: Path, kill_after: float | None = None) -> int:
    """A real `wardmerge run` in its own process group; with ``kill_after``, killed then (SIGKILL, no clean-up)."""
    env = {k: v for k, v in os.environ.items() if k not in {e for e, _ in SETTINGS.values()} | {"DAGSTER_HOME"}}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *_args(landing, url, data_dir)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return proc.returncode


def test_a_killed_run_leaves_each_ward_old_or_new_and_the_next_run_completes(first_night, tmp_path):
    landing, url, data_dir = first_night
    before = _snapshot(url)
    _edit_json_roster(landing)
    # The same night uninterrupted, on a warehouse of its own: what the interrupted one must end as.
    reference = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    assert _run(FIXTURES / "landing", reference, tmp_path / "ref_data") == 0
    started = time.perf_counter()
    assert _run(landing, reference, tmp_path / "ref_data") == 0
    whole = time.perf_counter() - started
    expected = _snapshot(reference)

    # Killed past its imports, while former wards load (a fixed share of an uninterrupted night's wall time).
    assert _run(landing, url, data_dir, kill_after=0.65 * whole) == -signal.SIGKILL
    midway = _snapshot(url)
    for name, frame in midway.items():  # whatever was cut, each ward's records are the old or the new set
        if name != "resident_record":
            continue
        for ward, rows in frame.groupby("former_ward_code"):
            old = before[name][before[name]["former_ward_code"] == ward].reset_index(drop=True)
            new = expected[name][expected[name]["former_ward_code"] == ward]
            rows = rows.reset_index(drop=True)
            same_ids = lambda a, b: sorted(a["source_record_id"]) == sorted(b["source_record_id"])  # noqa: E731
            assert same_ids(rows, old) or same_ids(rows, new), ward
            if not same_ids(rows, new):
                pd.testing.assert_frame_equal(rows, old, check_dtype=False)

    assert _run(landing, url, data_dir) == 0  # the next night finishes what the killed one started
    healed = _snapshot(url)
    for name in ("resident_record", "resident_record_history", "quarantine", "review_queue"):
        left = healed[name].drop(columns=["valid_from", "valid_to", "run_id"], errors="ignore")
        right = expected[name].drop(columns=["valid_from", "valid_to", "run_id"], errors="ignore")
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)
    current = healed["dim_person"][healed["dim_person"]["is_current"]]
    assert len(current) == (expected["dim_person"]["is_current"]).sum()
    assert not list((data_dir / "staging").rglob("*.parquet"))  # no personal data left at rest in staging
