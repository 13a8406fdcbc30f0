"""Assets materialized in-process on the tiny fixtures, per former ward, on DuckDB and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, materialize

from assets.lib.warehouse import warehouse_from_url
from assets.resources import DeploymentSettings
from pipelines.definitions import build_definitions
from pipelines.settings import build_settings
from schemas import warehouse as w
from schemas.datasets import dataset
from schemas.names import PERSONS, partition_stages

FIXTURES = Path(__file__).parent / "fixtures"
WARDS = ["00280", "00295", "00298", "00304", "00310", "00313"]
TABLES = [
    w.resident_record,
    w.quarantine,
    w.review_queue,
    w.dim_person,
    w.person_source_xref,
    w.dim_admin_unit,
]


@pytest.fixture
def deployment(tmp_path: Path, warehouse_url: str) -> DeploymentSettings:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    return build_settings(
        dict(
            landing_dir=str(landing),
            sources_dir=str(FIXTURES / "sources"),
            routing_table=str(FIXTURES / "routing.csv"),
            warehouse_url=warehouse_url,
            ward="00322",
            data_dir=str(tmp_path / "data"),
        ),
        environ={},
    )


def _materialize_ward(defs, ward: str, instance: DagsterInstance, raise_on_error: bool = True):
    assets = list(defs.assets)
    return materialize(
        assets,
        selection=list(partition_stages(dataset("residents"))),
        partition_key=ward,
        instance=instance,
        resources=defs.resources,
        raise_on_error=raise_on_error,
    )


def _run_all(settings: DeploymentSettings, instance: DagsterInstance) -> None:
    defs = build_definitions(settings)
    materialize(list(defs.assets), selection=["dim_admin_unit"], instance=instance, resources=defs.resources)
    for ward in WARDS:
        _materialize_ward(defs, ward, instance)
    materialize(list(defs.assets), selection=[PERSONS], instance=instance, resources=defs.resources)


def _snapshot(url: str) -> dict[str, pd.DataFrame]:
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        out = {t.name: wh.read_frame(conn, sa.select(t).order_by(*t.primary_key.columns)) for t in TABLES}
    wh.engine.dispose()
    return out


def test_every_row_lands_in_exactly_one_place(deployment):
    instance = DagsterInstance.ephemeral()
    _run_all(deployment, instance)
    snap = _snapshot(deployment.warehouse_url)
    records, review = snap["resident_record"], snap["review_queue"]
    assert len(records) + len(review) + len(snap["quarantine"]) == 3 * len(WARDS)
    assert len(snap["person_source_xref"]) == len(records)
    # Zeros of the Excel-typed CCCD are back; the 11-digit mobile became 10 digits; +84 24 stays a landline.
    excel = records[records["former_ward_code"] == "00304"].set_index("source_record_id")
    assert excel.loc["NK001", "national_id"] == "001190012345"
    assert excel.loc["NK002", "phone"] == "0383456789"
    assert excel.loc["NK003", "phone"] == "02438641234"
    # The street that spans two new wards without a house number goes to review with the reason.
    assert set(review["reason"]) == {"street_ambiguous"}
    assert set(review["former_ward_code"]) == {"00280", "00298"}
    # The same CCCD in six former wards is one person.
    current = snap["dim_person"][snap["dim_person"]["is_current"]]
    assert (current["national_id"] == "001190012345").sum() == 1
    # Staging (personal data at rest) is gone once loaded.
    assert not list((Path(deployment.data_dir) / "staging").rglob("*.parquet"))


def test_rerunning_identical_inputs_changes_no_row(deployment):
    instance = DagsterInstance.ephemeral()
    _run_all(deployment, instance)
    first = _snapshot(deployment.warehouse_url)
    _run_all(deployment, instance)
    second = _snapshot(deployment.warehouse_url)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_dtype=False, obj=name)


def test_bad_file_fails_its_partition_alone_and_redelivery_heals(deployment):
    instance = DagsterInstance.ephemeral()
    _run_all(deployment, instance)
    landing = Path(deployment.landing_dir)
    good = (landing / "roster.xlsx").read_bytes()
    (landing / "roster.xlsx").write_bytes(good[:400])
    defs = build_definitions(deployment)
    result = _materialize_ward(defs, "00304", instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "roster.xlsx" in str(failure.event_specific_data.error.to_string())
    # Another former ward still loads, and 00304's previous rows are untouched.
    assert _materialize_ward(defs, "00280", instance).success
    snap = _snapshot(deployment.warehouse_url)
    assert (snap["resident_record"]["former_ward_code"] == "00304").sum() == 3
    # The corrected file is re-delivered: the partition heals.
    (landing / "roster.xlsx").write_bytes(good)
    assert _materialize_ward(defs, "00304", instance).success


def test_unbalanced_load_is_rolled_back_and_fails(deployment, monkeypatch):
    instance = DagsterInstance.ephemeral()
    _run_all(deployment, instance)
    before = _snapshot(deployment.warehouse_url)

    import assets.lib.loading as load_module

    real_frames, real_carried = load_module.partition_frames, load_module.carried_rows

    def drop_the_review_row(routed, former_ward, dataset, now=None):
        frames = real_frames(routed, former_ward, dataset, now)
        frames["review_queue"] = frames["review_queue"].iloc[0:0]
        # Also change an accepted record so a committed load would be visible.
        frames["resident_record"] = frames["resident_record"].assign(full_name="Changed", record_hash="x")
        return frames

    def carry_no_review_row(conn, table, former_ward, dataset, raw):
        kept = real_carried(conn, table, former_ward, dataset, raw)
        return kept.iloc[0:0] if table.name == "review_queue" else kept

    # A defect that loses the ward's one review row, whether it was carried over or processed again; the ward's
    # files count as delivered again (unchanged files are not loaded again at all).
    import assets.lib.change_capture as change_capture

    monkeypatch.setattr(change_capture, "unchanged_files", lambda *args: False)
    monkeypatch.setattr(load_module, "partition_frames", drop_the_review_row)
    monkeypatch.setattr(load_module, "carried_rows", carry_no_review_row)
    defs = build_definitions(deployment)
    result = _materialize_ward(defs, "00280", instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = failure.event_specific_data.error.to_string()
    assert "missing 1" in text and "roster_tcvn3.csv row 4" in text and "rolled back" in text
    after = _snapshot(deployment.warehouse_url)
    pd.testing.assert_frame_equal(before["resident_record"], after["resident_record"], check_dtype=False)
    pd.testing.assert_frame_equal(before["review_queue"], after["review_queue"], check_dtype=False)
