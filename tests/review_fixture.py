"""Hand-built rosters of two former wards for the review desk: background residents, records the routing table
cannot place (a street split between two new wards, no address, an unknown group and street) and one uncertain
pair; plus a helper that runs the real pipeline on them in-process."""

from __future__ import annotations

import csv
from pathlib import Path

from dagster import DagsterInstance, materialize

from assets.resources import DeploymentSettings
from pipelines.definitions import build_definitions
from pipelines.settings import build_settings
from schemas.datasets import dataset
from schemas.names import DIM_ADMIN_UNIT, PERSONS, partition_stages

FIXTURES = Path(__file__).parent / "fixtures"
WARDS = ("00280", "00295")
HEADER = ["Mã", "Họ tên", "Ngày sinh", "Giới tính", "CCCD", "Điện thoại", "Số nhà", "Tổ", "Phố", "Mã hộ"]
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
  "Số nhà": house_number
  "Tổ": residential_group
  "Phố": street
  "Mã hộ": household_id
date_formats: ["%d/%m/%Y"]
value_maps:
  sex: {{"Nam": M, "Nữ": F}}
"""
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Mạnh", "Nam", "Phong", "Quân"]
FAMILY = ["Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]

# Giải Phóng is split between 00322 and 00292 in 00280 (tests/fixtures/routing.csv): without a group these
# go to review as street_ambiguous. House numbers let a bulk rule take the odd numbers 1–99 only.
SPLIT_STREET = [
    ("GP11", "Trần Thị Hạnh", "11"),
    ("GP13", "Trần Văn Hậu", "13"),
    ("GP15", "Ngô Thị Huệ", "15"),
    ("GP20", "Ngô Văn Hùng", "20"),
    ("GP22", "Đỗ Thị Hương", "22"),
    ("GP201", "Đỗ Văn Hưởng", "201"),
]
NO_ADDRESS = [("NA1", "Lý Thị Mai"), ("NA2", "Lý Văn Mạnh")]
UNKNOWN_GROUP = [("UG1", "Cao Thị Ngọc"), ("UG2", "Cao Văn Nghĩa")]
# The uncertain pair: the same name and phone in both rosters, no ID in the second, birth dates two days apart.
PAIR = (
    ["P1", "Nguyễn Văn Minh", "12/03/1985", "Nam", "001085123456", "0912000001", "7", "5", "Tân Mai", "HP1"],
    ["P2", "Nguyễn Văn Minh", "14/03/1985", "Nam", "", "0912000001", "9", "5", "Tân Mai", "HP2"],
)
PAIR_IDS = ("00280/residents/P1", "00295/residents/P2")
# A woman listed by both former wards with the same CCCD and phone: a sure match (the model's prior needs one).
TWICE = (
    ["D1", "Trương Quý Ánh", "31/12/2001", "Nữ", "001301654321", "0913000002", "4", "5", "Tân Mai", "HD1"],
    ["D2", "Trương Quý Ánh", "31/12/2001", "Nữ", "001301654321", "0913000002", "6", "5", "Tân Mai", "HD2"],
)


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
                f"001{(1 if i % 2 else 0) + (0 if year < 2000 else 2)}{year % 100:02d}{int(ward) * 100 + i:06d}"[:12],
                f"09{int(ward[-3:]):03d}{i:05d}",
                str(1 + i),
                "5",
                "Tân Mai",
                f"{ward}-H{i // 3}",
            ]
        )
    return rows


def _review_rows(ward: str) -> list[list[str]]:
    rows: list[list[str]] = []
    if ward == "00280":
        for i, (rid, name, house) in enumerate(SPLIT_STREET):
            sex = "Nữ" if " Thị " in name else "Nam"
            rows.append([rid, name, f"0{1 + i}/06/1970", sex, "", f"0933{i:06d}", house, "", "Giải Phóng", f"HG{i}"])
        for i, (rid, name) in enumerate(NO_ADDRESS):
            sex = "Nữ" if " Thị " in name else "Nam"
            rows.append([rid, name, f"1{i}/08/1991", sex, "", f"0944{i:06d}", "", "", "", f"HN{i}"])
    for i, (rid, name) in enumerate(UNKNOWN_GROUP):
        sex = "Nữ" if " Thị " in name else "Nam"
        phone = f"0955{ward[-2:]}{i:04d}"
        rows.append([f"{rid}-{ward}", name, f"2{i}/09/1964", sex, "", phone, "3", "9", "Kim Đồng", "HU"])
    return rows


def write_deployment(base: Path, url: str) -> DeploymentSettings:
    """Manifests and rosters of the two former wards under ``base``; returns the deployment settings."""
    sources = base / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    landing = base / "landing"
    for ward in WARDS:
        (sources / f"{ward}.yaml").write_text(MANIFEST.format(ward=ward), encoding="utf-8")
        (landing / ward).mkdir(parents=True, exist_ok=True)
        own = [PAIR[0], TWICE[0]] if ward == "00280" else [PAIR[1], TWICE[1]]
        with (landing / ward / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows([*own, *_review_rows(ward), *_background(ward)])
    return build_settings(
        {
            "landing_dir": str(landing),
            "sources_dir": str(sources),
            "routing_table": str(FIXTURES / "routing.csv"),
            "warehouse_url": url,
            "ward": "00322",
            "data_dir": str(base / "data"),
        },
        environ={},
    )


def run_pipeline(settings: DeploymentSettings, wards: tuple[str, ...] = WARDS, instance: DagsterInstance | None = None):
    """The real stages in-process: admin units, then each former ward's partition, then the link."""
    instance = instance or DagsterInstance.ephemeral()
    defs = build_definitions(settings)
    assets = list(defs.assets)
    materialize(assets, selection=[DIM_ADMIN_UNIT], instance=instance, resources=defs.resources)
    for ward in wards:
        materialize(
            assets,
            selection=list(partition_stages(dataset("residents"))),
            partition_key=ward,
            instance=instance,
            resources=defs.resources,
        )
    materialize(assets, selection=[PERSONS], instance=instance, resources=defs.resources)
    return instance
