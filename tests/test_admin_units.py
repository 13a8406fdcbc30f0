"""The offline admin-unit registry: both eras keyed by (era, code), the old→new crosswalk, former wards."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from schemas.admin_units import (
    ADMIN_UNIT_COLUMNS,
    CROSSWALK_COLUMNS,
    NEW_ERA_VALID_FROM,
    OLD_ERA_VALID_TO,
    FormerWard,
    UnknownAdminUnit,
    former_wards,
    former_wards_of_many,
    load_admin_units,
    load_crosswalk,
    new_unit,
    old_unit,
    registry_report,
    successors,
)

REPO = Path(__file__).resolve().parents[1]

# The ten former wards of the new Tương Mai, their former district, and where the rest went.
TUONG_MAI_FORMER = [
    ("00280", "Đồng Tâm", "Quận Hai Bà Trưng", {"00292": "Bạch Mai"}),
    ("00295", "Minh Khai", "Quận Hai Bà Trưng", {"00292": "Bạch Mai"}),
    ("00298", "Trương Định", "Quận Hai Bà Trưng", {"00292": "Bạch Mai"}),
    (
        "00304",
        "Vĩnh Hưng",
        "Quận Hoàng Mai",
        {"00283": "Vĩnh Tuy", "00331": "Hoàng Mai", "00301": "Vĩnh Hưng"},
    ),
    ("00310", "Mai Động", "Quận Hoàng Mai", {"00283": "Vĩnh Tuy"}),
    ("00313", "Tương Mai", "Quận Hoàng Mai", {"00331": "Hoàng Mai"}),
    ("00319", "Tân Mai", "Quận Hoàng Mai", {"00331": "Hoàng Mai"}),
    ("00322", "Hoàng Văn Thụ", "Quận Hoàng Mai", {"00331": "Hoàng Mai"}),
    ("00325", "Giáp Bát", "Quận Hoàng Mai", {"00316": "Định Công", "00331": "Hoàng Mai"}),
    ("00358", "Phương Liệt", "Quận Thanh Xuân", {"00352": "Phương Liệt"}),
]


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return load_admin_units()


@pytest.fixture(scope="module")
def crosswalk() -> pd.DataFrame:
    return load_crosswalk()


@pytest.fixture(scope="module")
def tuong_mai() -> dict[str, FormerWard]:
    return {ward.code: ward for ward in former_wards("00322")}


def test_columns_are_the_documented_ones(units: pd.DataFrame, crosswalk: pd.DataFrame) -> None:
    assert tuple(units.columns) == ADMIN_UNIT_COLUMNS
    assert tuple(crosswalk.columns) == CROSSWALK_COLUMNS


@pytest.mark.parametrize(("era", "expected"), [("old", 10_040), ("new", 3_321)])
def test_unit_count_per_era(units: pd.DataFrame, era: str, expected: int) -> None:
    assert (units["era"] == era).sum() == expected


def test_unit_keys_are_unique_and_built_from_era_and_code(units: pd.DataFrame) -> None:
    assert units["unit_key"].is_unique
    assert (units["unit_key"] == units["era"] + ":" + units["code"]).all()


def test_codes_keep_leading_zeros(units: pd.DataFrame) -> None:
    communes = units[units["unit_level"] == "commune"]
    assert communes["code"].str.fullmatch(r"\d{5}").all()
    # The five island districts that had no commune carry their 3-digit district code.
    districts = units[units["unit_level"] == "district"]
    assert sorted(districts["code"]) == ["318", "471", "498", "536", "755"]
    assert set(districts["era"]) == {"old"}


@pytest.mark.parametrize(
    ("code", "new_name", "old_name", "old_district"),
    [
        ("00322", "Phường Tương Mai", "Phường Hoàng Văn Thụ", "Quận Hoàng Mai"),
        ("00613", "Phường Tây Tựu", "Phường Minh Khai", "Quận Bắc Từ Liêm"),
    ],
)
def test_reused_code_means_different_units_per_era(
    units: pd.DataFrame, code: str, new_name: str, old_name: str, old_district: str
) -> None:
    rows = units[units["code"] == code].set_index("era")
    assert sorted(rows.index) == ["new", "old"]
    assert rows.loc["new", "unit_key"] == f"new:{code}"
    assert rows.loc["old", "unit_key"] == f"old:{code}"
    assert rows.loc["new", "name"] == new_name
    assert rows.loc["old", "name"] == old_name
    assert rows.loc["old", "district_name"] == old_district
    assert pd.isna(rows.loc["new", "district_name"])
    assert new_unit(code).name == new_name
    assert old_unit(code).name == old_name


def test_new_tuong_mai_unit_facts() -> None:
    unit = new_unit("00322")
    assert (unit.short_name, unit.unit_type, unit.province_name) == (
        "Tương Mai",
        "phường",
        "Thành phố Hà Nội",
    )
    assert unit.area_km2 == pytest.approx(3.56)
    assert unit.valid_from == date(2025, 7, 1) and unit.valid_to is None
    assert unit.district_code is None


@pytest.mark.parametrize(
    ("era", "code", "short_name", "unit_type"),
    [
        ("old", "00325", "Giáp Bát", "phường"),
        # The package writes "Yên Viên (Thị trấn)" to disambiguate; type and era already do that.
        ("old", "00526", "Yên Viên", "thị trấn"),
        ("new", "00316", "Định Công", "phường"),
    ],
)
def test_short_name_and_type(era: str, code: str, short_name: str, unit_type: str) -> None:
    unit = old_unit(code) if era == "old" else new_unit(code)
    assert (unit.short_name, unit.unit_type) == (short_name, unit_type)


def test_validity_dates(units: pd.DataFrame) -> None:
    old = units[units["era"] == "old"]
    new = units[units["era"] == "new"]
    assert (old["valid_to"] == OLD_ERA_VALID_TO).all()
    assert old["valid_from"].isna().all()
    assert (new["valid_from"] == NEW_ERA_VALID_FROM).all()
    assert new["valid_to"].isna().all()
    assert OLD_ERA_VALID_TO < NEW_ERA_VALID_FROM


def test_former_wards_of_tuong_mai_are_the_ten_of_the_brief(tuong_mai: dict[str, FormerWard]) -> None:
    assert list(tuong_mai) == [code for code, *_ in TUONG_MAI_FORMER]


@pytest.mark.parametrize(("code", "short_name", "district", "rest"), TUONG_MAI_FORMER)
def test_former_ward_of_tuong_mai(
    tuong_mai: dict[str, FormerWard], code: str, short_name: str, district: str, rest: dict[str, str]
) -> None:
    ward = tuong_mai[code]
    assert ward.short_name == short_name
    assert ward.name == f"Phường {short_name}"
    assert ward.district_name == district
    assert ward.province_name == "Thành phố Hà Nội"
    assert ward.unit_key == f"old:{code}"
    assert ward.in_part is True
    assert dict(ward.other_receivers("00322")) == {c: f"Phường {n}" for c, n in rest.items()}
    assert ("00322", "Phường Tương Mai") in ward.receiving
    assert [c for c, _ in ward.receiving] == sorted(c for c, _ in ward.receiving)


@pytest.mark.parametrize(
    ("new_code", "old_code", "in_part", "receivers"),
    [
        ("00004", "00004", False, ["00004"]),  # Trúc Bạch went whole into the new Ba Đình
        ("00004", "00013", False, ["00004"]),  # so did Quán Thánh
        ("00004", "00022", True, ["00004", "00008"]),  # Đội Cấn was shared with the new Ngọc Hà
        ("00613", "00613", True, ["00598", "00602", "00613", "00622"]),  # Minh Khai of Bắc Từ Liêm
    ],
)
def test_whole_and_part_contributions(new_code: str, old_code: str, in_part: bool, receivers: list[str]) -> None:
    ward = {ward.code: ward for ward in former_wards(new_code)}[old_code]
    assert ward.in_part is in_part
    assert [code for code, _ in ward.receiving] == receivers


@pytest.mark.parametrize("code", ["00999", "322", " ", "new:00322", "99999"])
def test_unknown_new_code_raises_with_what_was_expected(code: str) -> None:
    with pytest.raises(UnknownAdminUnit) as excinfo:
        former_wards(code)
    assert isinstance(excinfo.value, KeyError)
    assert "5-digit" in str(excinfo.value)


def test_dropped_zeros_get_a_hint_not_a_guess() -> None:
    with pytest.raises(UnknownAdminUnit, match="did you mean '00322'"):
        new_unit("322")


def test_code_given_as_number_is_refused() -> None:
    # YAML turns an unquoted 00322 into the octal number 210: a number is never silently accepted.
    with pytest.raises(UnknownAdminUnit, match="as text"):
        new_unit(210)  # type: ignore[arg-type]


def test_old_code_is_not_a_new_unit() -> None:
    # 00280 (Đồng Tâm) existed only before the reform; the new ward list has no 00280.
    assert old_unit("00280").name == "Phường Đồng Tâm"
    with pytest.raises(UnknownAdminUnit):
        new_unit("00280")


def test_every_unit_of_each_era_is_in_the_crosswalk(units: pd.DataFrame, crosswalk: pd.DataFrame) -> None:
    new_keys = set(units.loc[units["era"] == "new", "unit_key"])
    old_keys = set(units.loc[units["era"] == "old", "unit_key"])
    assert new_keys == set(crosswalk["new_unit_key"])
    assert old_keys == set(crosswalk["old_unit_key"])


def test_crosswalk_joins_completely_and_in_part_means_several_receivers(crosswalk: pd.DataFrame) -> None:
    report = registry_report()
    assert report.unjoined_crosswalk_rows == ()
    assert report.crosswalk_rows == len(crosswalk) == 10_602
    assert report.split_old_units == 471
    assert not crosswalk.duplicated(["old_unit_key", "new_unit_key"]).any()
    assert (crosswalk["in_part"] == (crosswalk["n_receiving"] > 1)).all()
    # The package's "default" receiver: exactly one per old unit (kept for reference, never for routing).
    assert (crosswalk.groupby("old_unit_key")["is_package_default"].sum() == 1).all()


def test_crosswalk_keys_name_units_of_the_right_era(units: pd.DataFrame, crosswalk: pd.DataFrame) -> None:
    assert crosswalk["old_unit_key"].str.startswith("old:").all()
    assert crosswalk["new_unit_key"].str.startswith("new:").all()
    names = units.set_index("unit_key")["name"]
    assert (crosswalk["old_name"] == names.loc[crosswalk["old_unit_key"]].to_numpy()).all()
    assert (crosswalk["new_name"] == names.loc[crosswalk["new_unit_key"]].to_numpy()).all()


def test_island_district_became_a_special_zone() -> None:
    assert [unit.name for unit in successors("755")] == ["Đặc khu Côn Đảo"]
    assert [unit.unit_type for unit in successors("755")] == ["đặc khu"]


def test_successors_of_split_ward() -> None:
    assert [unit.code for unit in successors("00325")] == ["00316", "00322", "00331"]


def test_former_wards_of_many_keeps_order_and_drops_repeats() -> None:
    result = former_wards_of_many(["00331", "00322", "00331"])
    assert list(result) == ["00331", "00322"]
    assert result["00322"] == former_wards("00322")
    assert "00322" in {ward.code for ward in result["00331"]}  # Hoàng Văn Thụ fed the new Hoàng Mai too


def test_loaders_return_copies_so_callers_cannot_corrupt_the_cache() -> None:
    frame = load_admin_units()
    frame.loc[:, "name"] = "x"
    assert new_unit("00322").name == "Phường Tương Mai"
    assert (load_admin_units()["name"] != "x").all()


def test_registry_is_read_without_importing_the_online_converter() -> None:
    # Importing vietnamadminunits pulls geopy/shapely and an online geocoder.
    code = (
        "import sys; from schemas.admin_units import load_crosswalk, former_wards;"
        "load_crosswalk(); former_wards('00322');"
        "bad = [m for m in ('vietnamadminunits', 'geopy', 'shapely') if m in sys.modules];"
        "assert not bad, bad"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
