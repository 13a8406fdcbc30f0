"""Hand-built rosters of two former wards, delivered twice: a merge and a split keep old person keys resolvable."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from dagster import DagsterInstance, materialize

from assets.lib.linkage import LinkageRun, link_records
from assets.lib.linking import link_all
from assets.lib.warehouse import warehouse_from_url
from assets.resources import DeploymentSettings
from pipelines.definitions import build_definitions
from pipelines.settings import build_settings
from schemas import warehouse as w
from schemas.datasets import dataset
from schemas.names import DIM_ADMIN_UNIT, PERSONS, partition_stages

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["Mã", "Họ tên", "Ngày sinh", "Giới tính", "CCCD", "Điện thoại", "Tổ", "Phố", "Mã hộ"]
MANIFEST = """dataset: residents
former_ward: "{ward}"
path: "{ward}/*.csv"
format: csv
as_of: 2025-06-30
columns:
  "Mã": source_record_id
  "Họ tên": full_name
  "Ngày sinh": date_of_birth
  "Giới tính": sex
  "CCCD": national_id
  "Điện thoại": phone
  "Tổ": residential_group
  "Phố": street
  "Mã hộ": household_id
date_formats: ["%d/%m/%Y"]
value_maps:
  sex: {{"Nam": M, "Nữ": F}}
"""
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Mạnh", "Nam", "Phong", "Quân"]
FAMILY = ["Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]


def _background(ward: str) -> list[list[str]]:
    """People who appear in one roster only (they give the model something to learn from)."""
    rows = []
    for i in range(24):
        year = 1950 + (i * 3 + int(ward[-2:])) % 60
        rows.append(
            [
                f"{ward}-{i:03d}",
                f"{FAMILY[i % 6]} {'Văn' if i % 2 else 'Thị'} {GIVEN[(i + int(ward[-1])) % 12]}",
                f"{1 + i % 27:02d}/{1 + (i * 5) % 12:02d}/{year}",
                "Nam" if i % 2 else "Nữ",
                f"001{(0 if i % 2 else 1) + (0 if year < 2000 else 2)}{year % 100:02d}{int(ward) * 100 + i:06d}"[:12],
                f"09{int(ward[-3:]):03d}{i:05d}",
                "5",
                "Tân Mai",
                f"{ward}-H{i // 3}",
            ]
        )
    return rows


X = ["X1", "Nguyễn Văn Minh", "12/03/1985", "Nam", "001085123456", "0912000001", "5", "Tân Mai", "HX"]
Z = ["Z1", "Trương Quý Ánh", "31/12/2001", "Nữ", "001301654321", "0913000002", "5", "Tân Mai", "HZ"]


def _rosters(landing: Path, second_delivery: bool) -> None:
    if second_delivery:
        # Corrected: Y was X all along (date and CCCD fixed); Z2 was a different woman typed over Z's row.
        y = ["Y1", "Nguyễn Văn Minh", "12/03/1985", "Nam", "001085123456", "0977000003", "5", "Tân Mai", "HY"]
        z2 = ["Z2", "Phạm Thị Lan", "04/09/1972", "Nữ", "001172777888", "0966000004", "5", "Tân Mai", "HL"]
    else:
        y = ["Y1", "Nguyễn Văn Minh", "21/11/1962", "Nam", "", "0977000003", "5", "Tân Mai", "HY"]
        z2 = ["Z2", "Trương Quý Ánh", "31/12/2001", "Nữ", "001301654321", "0913000002", "5", "Tân Mai", "HZ2"]
    for ward, own in (("00280", [X, Z]), ("00295", [y, z2])):
        (landing / ward).mkdir(parents=True, exist_ok=True)
        with (landing / ward / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows([*own, *_background(ward)])


def _run(settings: DeploymentSettings, instance: DagsterInstance) -> None:
    defs = build_definitions(settings)
    assets = list(defs.assets)
    materialize(assets, selection=[DIM_ADMIN_UNIT], instance=instance, resources=defs.resources)
    for ward in ("00280", "00295"):
        materialize(
            assets,
            selection=list(partition_stages(dataset("residents"))),
            partition_key=ward,
            instance=instance,
            resources=defs.resources,
        )
    materialize(assets, selection=[PERSONS], instance=instance, resources=defs.resources)


def _keys(url: str) -> tuple[dict[str, int], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        xref = wh.read_frame(
            conn, sa.select(w.person_source_xref.c.source_record_id, w.person_source_xref.c.person_key)
        )
        key_map = wh.read_frame(conn, sa.select(w.person_key_map))
        events = wh.read_frame(conn, sa.select(w.person_key_event))
        persons = wh.read_frame(conn, sa.select(w.dim_person))
    wh.engine.dispose()
    return dict(zip(xref["source_record_id"], xref["person_key"], strict=True)), key_map, events, persons


def _deployment(tmp_path: Path, url: str) -> tuple[DeploymentSettings, Path]:
    """Two former wards' manifests for the hand-built rosters; returns settings and the landing zone."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for ward in ("00280", "00295"):
        (sources / f"{ward}.yaml").write_text(MANIFEST.format(ward=ward), encoding="utf-8")
    landing = tmp_path / "landing"
    settings = build_settings(
        dict(
            landing_dir=str(landing),
            sources_dir=str(sources),
            routing_table=str(FIXTURES / "routing.csv"),
            warehouse_url=url,
            ward="00322",
            data_dir=str(tmp_path / "data"),
        ),
        environ={},
    )
    return settings, landing


def test_merge_and_split_keep_old_keys_resolvable(tmp_path, warehouse_url):
    settings, landing = _deployment(tmp_path, warehouse_url)
    instance = DagsterInstance.ephemeral()
    _rosters(landing, second_delivery=False)
    _run(settings, instance)
    first, _, _, _ = _keys(warehouse_url)
    assert first["X1"] != first["Y1"]  # a namesake born 23 years earlier, without an ID
    assert first["Z1"] == first["Z2"]  # the same CCCD, name and date: one person

    _rosters(landing, second_delivery=True)
    _run(settings, instance)
    second, key_map, events, persons = _keys(warehouse_url)
    older, newer = sorted((first["X1"], first["Y1"]))
    assert second["X1"] == second["Y1"] == older  # merged: the older key survives
    assert second["Z1"] == first["Z1"] and second["Z2"] not in first.values()  # split: a new key for Z2
    resolve = dict(zip(key_map["person_key"], key_map["current_person_key"], strict=True))
    assert resolve[newer] == older and resolve[first["Z1"]] == first["Z1"]
    assert key_map.set_index("person_key").loc[newer, "status"] == "retired"
    person_events = events[events["kind"] == "person"]
    assert {(e.event, e.from_key, e.to_key) for e in person_events.itertuples()} == {
        ("merge", newer, older),
        ("split", first["Z1"], second["Z2"]),
    }
    retired = persons[persons["person_key"] == newer]
    assert len(retired) == 1 and not retired["is_current"].iloc[0]  # history kept, no longer current
    # Background people kept their keys through both deliveries.
    assert all(second[k] == first[k] for k in first if k not in ("Y1", "Z2"))


def test_clerical_decisions_are_honoured_and_never_overwritten(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    settings, landing = _deployment(tmp_path, url)
    instance = DagsterInstance.ephemeral()
    _rosters(landing, second_delivery=False)
    _run(settings, instance)
    first, _, _, _ = _keys(url)
    assert first["Z1"] == first["Z2"] and first["X1"] != first["Y1"]
    wh = warehouse_from_url(url)
    with wh.engine.begin() as conn:
        conn.execute(
            sa.insert(w.match_decision),
            [
                {
                    "record_id_l": "00280/residents/Z1",
                    "record_id_r": "00295/residents/Z2",
                    "decision": "different",
                    "decided_by": "clerk",
                    "note": "two women, same papers mixed up",
                },
                {
                    "record_id_l": "00280/residents/X1",
                    "record_id_r": "00295/residents/Y1",
                    "decision": "same",
                    "decided_by": "clerk",
                    "note": "birth certificate seen",
                },
            ],
        )
    wh.engine.dispose()
    _run(settings, instance)
    second, _, _, _ = _keys(url)
    assert second["Z1"] != second["Z2"]
    assert second["X1"] == second["Y1"] == min(first["X1"], first["Y1"])
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        decisions = conn.execute(sa.select(w.match_decision.c.decision).order_by(w.match_decision.c.record_id_l)).all()
    wh.engine.dispose()
    assert [d[0] for d in decisions] == ["same", "different"]


# Twin sisters, children without ID or phone: Hạnh (listed in 00280, and again in 00295 where she lodges with
# relatives) and Ánh (listed in 00295). An earlier model joined all three records.
HANH_1 = ["T1", "Nguyễn Thị Hạnh", "14/03/2012", "Nữ", "", "", "5", "Tân Mai", "HX"]
HANH_2 = ["T3", "Nguyễn Thị Hạnh", "14/03/2012", "Nữ", "", "", "5", "Tân Mai", "HY"]
ANH = ["T2", "Nguyễn Thị Ánh", "14/03/2012", "Nữ", "", "", "5", "Tân Mai", "HZ"]


def _twin_rosters(landing: Path) -> None:
    for ward, own in (("00280", [HANH_1]), ("00295", [HANH_2, ANH])):
        (landing / ward).mkdir(parents=True, exist_ok=True)
        with (landing / ward / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows([*own, *_background(ward)])


def _merging_linker(records: pd.DataFrame) -> LinkageRun:
    """The earlier run: the real model's pairs plus the edges an older model drew between the twins."""
    run = link_records(records)
    joined = pd.DataFrame(
        [("00280/residents/T1", "00295/residents/T2"), ("00280/residents/T1", "00295/residents/T3")],
        columns=["record_id_l", "record_id_r"],
    ).assign(match_weight=30.0, match_probability=1.0)
    return LinkageRun(pd.concat([run.pairs, joined], ignore_index=True), run.model_json, run.chart_html, run.stats)


def test_twins_joined_by_an_earlier_run_are_split_and_the_bigger_part_keeps_the_key(tmp_path):
    # DuckDB only: the key bookkeeping is the same SQL on both backends (the merge/split test runs both).
    warehouse_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    settings, landing = _deployment(tmp_path, warehouse_url)
    instance = DagsterInstance.ephemeral()
    _twin_rosters(landing)
    defs = build_definitions(settings)
    materialize(list(defs.assets), selection=[DIM_ADMIN_UNIT], instance=instance, resources=defs.resources)
    for ward in ("00280", "00295"):
        materialize(
            list(defs.assets),
            selection=list(partition_stages(dataset("residents"))),
            partition_key=ward,
            instance=instance,
            resources=defs.resources,
        )
    wh = warehouse_from_url(warehouse_url)
    with wh.engine.begin() as conn:
        link_all(conn, wh, "earlier-run", dt.datetime(2025, 7, 1), linker=_merging_linker)
    wh.engine.dispose()
    first, _, _, _ = _keys(warehouse_url)
    assert first["T1"] == first["T2"] == first["T3"]  # the earlier model's mistake

    _run(settings, instance)  # the current model, on the same rosters
    second, key_map, events, persons = _keys(warehouse_url)
    assert second["T1"] == second["T3"] == first["T1"]  # Hạnh's two records keep the key
    assert second["T2"] != first["T1"] and second["T2"] not in first.values()  # Ánh gets her own
    person_events = events[(events["kind"] == "person") & (events["from_key"] == first["T1"])]
    assert [(e.event, e.to_key, e.records) for e in person_events.itertuples()] == [("split", second["T2"], 1)]
    resolve = dict(zip(key_map["person_key"], key_map["current_person_key"], strict=True))
    assert resolve[first["T1"]] == first["T1"] and resolve[second["T2"]] == second["T2"]
    current = persons[persons["is_current"]].set_index("person_key")
    assert current.loc[first["T1"], "full_name"] == "Nguyễn Thị Hạnh"
    assert current.loc[second["T2"], "full_name"] == "Nguyễn Thị Ánh"
    # History: the merged person's earlier golden row is closed, not lost.
    assert len(persons[persons["person_key"] == first["T1"]]) == 2
