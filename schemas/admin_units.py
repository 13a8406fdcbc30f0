"""The offline registry of Vietnam's commune-level units before and after 1 July 2025, and the crosswalk.

Why this module exists: an admin-unit code means nothing without its era (new 00322 is Tương Mai, old 00322
was Hoàng Văn Thụ; 3,316 of the 3,321 new codes reuse an old one), and which former wards make up a new ward
must come from the official conversion table, never from a hand-typed list. The reference data ships inside
the PyPI package ``vietnamadminunits`` (MIT): ``data/dataset.db`` (SQLite, tables ``admin_units_legacy`` and
``admin_units``) and ``data/converter_2025.json`` (old→new crosswalk keyed by name slugs).

We read those two files directly and never import the package: its ``__init__`` imports the converter, which
pulls geopy/shapely and builds an online geocoder, and its ``convert_address`` sends addresses of split wards
to a third-party service, and this project never uses the network at run time.

Facts of the bundled data (vietnamadminunits 1.0.4), checked by ``tests/test_admin_units.py``:

- old era: 10,040 rows = 10,035 communes (phường/xã/thị trấn) + 5 island districts that had no commune
  (Bạch Long Vĩ 318, Cồn Cỏ 471, Hoàng Sa 498, Lý Sơn 536, Côn Đảo 755). Those five carry their 3-digit
  district code as ``code`` and ``unit_level == "district"``; each became a đặc khu.
- new era: 3,321 units (687 phường, 2,621 xã, 13 đặc khu).
- crosswalk: 10,602 (old, new) rows; every old unit and every new unit appears; all slugs join. The JSON says
  explicitly whether an old unit went whole (``DICT_PROVINCE_WARD_NO_DIVIDED``) or was divided
  (``DICT_PROVINCE_WARD_DIVIDED``, which lists every receiving new unit): 471 old units were divided, and
  every divided unit has at least two receivers.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import logging
import re
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from schemas.errors import WardmergeError

logger = logging.getLogger(__name__)

REGISTRY_PACKAGE = "vietnamadminunits"
DATASET_FILE = "dataset.db"
CROSSWALK_FILE = "converter_2025.json"

OLD_ERA = "old"
NEW_ERA = "new"
# Resolution 202/2025/QH15 and the commune-merger resolutions took effect on 1 July 2025.
NEW_ERA_VALID_FROM = date(2025, 7, 1)
OLD_ERA_VALID_TO = date(2025, 6, 30)

COMMUNE_LEVEL = "commune"
DISTRICT_LEVEL = "district"

# Dates are Arrow date32 so they load as DATE into DuckDB (Arrow scan) and PostgreSQL, with real nulls.
DATE_DTYPE = pd.ArrowDtype(pa.date32())

ADMIN_UNIT_COLUMNS: tuple[str, ...] = (
    "unit_key",
    "code",
    "era",
    "unit_level",
    "name",
    "short_name",
    "unit_type",
    "district_code",
    "district_name",
    "province_code",
    "province_name",
    "latitude",
    "longitude",
    "area_km2",
    "valid_from",
    "valid_to",
    "slug",
)

CROSSWALK_COLUMNS: tuple[str, ...] = (
    "old_unit_key",
    "old_code",
    "old_name",
    "old_district_name",
    "old_province_name",
    "new_unit_key",
    "new_code",
    "new_name",
    "new_province_name",
    "in_part",
    "n_receiving",
    "is_package_default",
)

# Longest first, so "thị trấn" is not read as a prefix of something shorter.
_UNIT_TYPES: tuple[str, ...] = ("thành phố", "thị trấn", "đặc khu", "thị xã", "phường", "huyện", "quận", "xã")
# The package disambiguates same-named units of one district as "Yên Viên (Thị trấn)"; era, type and
# district already tell them apart, so the short name drops the suffix.
_DISAMBIGUATION_SUFFIX = re.compile(r"\s*\((?:Phường|Xã|Thị trấn)\)$")


class AdminRegistryError(WardmergeError, RuntimeError):
    """The bundled reference data is missing or not shaped as this module expects (e.g. after an upgrade)."""


class UnknownAdminUnit(WardmergeError, KeyError):
    """No unit of that era has that code; the message says what was expected."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a person reading a run failure wants the plain sentence.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class AdminUnit:
    """One unit of one era, as ``load_admin_units`` has it."""

    unit_key: str
    code: str
    era: str
    unit_level: str
    name: str
    short_name: str
    unit_type: str
    district_code: str | None
    district_name: str | None
    province_code: str
    province_name: str
    latitude: float | None
    longitude: float | None
    area_km2: float | None
    valid_from: date | None
    valid_to: date | None
    slug: str


@dataclass(frozen=True)
class FormerWard:
    """A pre-July-2025 unit that contributed to a new unit, with every new unit that received part of it.

    ``receiving`` lists ``(new_code, new_name)`` of all receivers, the target included, ordered by code, so
    the routing table can be checked against it: a split ward's records may only be routed to one of these.
    """

    unit_key: str
    code: str
    name: str
    short_name: str
    district_code: str | None
    district_name: str | None
    province_name: str
    in_part: bool
    receiving: tuple[tuple[str, str], ...]

    def other_receivers(self, new_code: str) -> tuple[tuple[str, str], ...]:
        """The receivers other than ``new_code``: where "the rest went" (docs/domain.md lists them for Tương Mai)."""
        return tuple(r for r in self.receiving if r[0] != new_code)


@dataclass(frozen=True)
class RegistryReport:
    """What was loaded and what did not fit, for asset metadata and for the tests that pin the data."""

    package_version: str | None
    old_units: int
    old_districts_without_communes: int
    new_units: int
    crosswalk_rows: int
    split_old_units: int
    unjoined_crosswalk_rows: tuple[str, ...]
    old_units_without_successor: tuple[str, ...]
    new_units_without_predecessor: tuple[str, ...]
    unit_type_conflicts: int


# --------------------------------------------------------------------------- locating and reading the files


def registry_data_dir() -> Path:
    """Return the package's ``data`` directory without importing the package.

    ``importlib.resources.files`` would import ``vietnamadminunits``, whose ``__init__`` imports the converter
    (geopy, shapely, an online geocoder); ``find_spec`` of a top-level package only locates it.
    """
    spec = importlib.util.find_spec(REGISTRY_PACKAGE)
    if spec is None:
        raise AdminRegistryError(
            f"the reference data package {REGISTRY_PACKAGE!r} is not installed; "
            f"install the project's dependencies (pyproject pins {REGISTRY_PACKAGE}==1.0.4)"
        )
    if spec.submodule_search_locations:
        package_dir = Path(next(iter(spec.submodule_search_locations)))
    elif spec.origin:
        package_dir = Path(spec.origin).parent
    else:
        raise AdminRegistryError(f"cannot locate the files of package {REGISTRY_PACKAGE!r}")
    data_dir = package_dir / "data"
    for name in (DATASET_FILE, CROSSWALK_FILE):
        if not (data_dir / name).is_file():
            raise AdminRegistryError(f"expected {data_dir / name} in package {REGISTRY_PACKAGE!r}; it is missing")
    return data_dir


def _package_version() -> str | None:
    try:
        return importlib.metadata.version(REGISTRY_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def _read_table(db_path: Path, sql: str) -> pd.DataFrame:
    # Read-only URI: site-packages may not be writable, and nothing here should ever write to it.
    with closing(sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)) as conn:
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


_LEGACY_SQL = """
SELECT province, district, ward, districtShort, wardShort, districtType, wardType,
       provinceCode, districtCode, districtLat, districtLon, wardCode, wardLat, wardLon,
       provinceKey, districtKey, wardKey
FROM admin_units_legacy
"""
_NEW_SQL = """
SELECT province, ward, wardShort, wardType, provinceCode, wardCode, wardLat, wardLon, wardAreaKm2,
       provinceKey, wardKey
FROM admin_units
"""


# --------------------------------------------------------------------------- names and types


def _fix_type_case(name: str) -> str:
    # A handful of old names are spelled "Thị Trấn Ái Tử"; the type word is not part of the legal name.
    return re.sub(r"^Thị Trấn ", "Thị trấn ", name)


def _type_from_name(name: str) -> str | None:
    lowered = name.lower()
    return next((t for t in _UNIT_TYPES if lowered.startswith(t + " ")), None)


def _short_name(name: str, short: str | None) -> str:
    if short:
        return _DISAMBIGUATION_SUFFIX.sub("", short)
    unit_type = _type_from_name(name)
    return name[len(unit_type) + 1 :] if unit_type else name


def _unit_types(names: pd.Series, stored: pd.Series) -> tuple[list[str], int]:
    """The type read from the official name, else the stored column; and how often the two disagree.

    The package's type column contradicts the name for a few units ("Thị trấn Ngọc Lặc" typed Xã, new
    "Phường Việt Hòa" typed Xã); the full name is what the legal documents print, so it wins.
    """
    types: list[str] = []
    conflicts = 0
    for name, raw in zip(names, stored, strict=True):
        from_name = _type_from_name(name)
        from_column = raw.lower() if isinstance(raw, str) else None
        if from_name and from_column and from_name != from_column:
            conflicts += 1
        types.append(from_name or from_column or "")
    return types, conflicts


# --------------------------------------------------------------------------- building the frames


@dataclass(frozen=True)
class _Registry:
    units: pd.DataFrame
    units_by_key: pd.DataFrame
    crosswalk: pd.DataFrame
    report: RegistryReport


def _old_units(legacy: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    is_district = legacy["wardCode"].isna()
    name = legacy["ward"].where(~is_district, legacy["district"]).map(_fix_type_case)
    short = legacy["wardShort"].where(~is_district, legacy["districtShort"])
    stored_type = legacy["wardType"].where(~is_district, legacy["districtType"])
    unit_type, conflicts = _unit_types(name, stored_type)
    code = legacy["wardCode"].where(~is_district, legacy["districtCode"])
    frame = pd.DataFrame(
        {
            "unit_key": OLD_ERA + ":" + code,
            "code": code,
            "era": OLD_ERA,
            "unit_level": is_district.map({True: DISTRICT_LEVEL, False: COMMUNE_LEVEL}),
            "name": name,
            "short_name": [_short_name(n, s) for n, s in zip(name, short, strict=True)],
            "unit_type": unit_type,
            "district_code": legacy["districtCode"],
            "district_name": legacy["district"],
            "province_code": legacy["provinceCode"],
            "province_name": legacy["province"],
            "latitude": legacy["wardLat"].where(~is_district, legacy["districtLat"]).astype("float64"),
            "longitude": legacy["wardLon"].where(~is_district, legacy["districtLon"]).astype("float64"),
            "area_km2": pd.Series(float("nan"), index=legacy.index, dtype="float64"),
            "valid_from": pd.Series([None] * len(legacy), index=legacy.index, dtype=DATE_DTYPE),
            "valid_to": pd.Series([OLD_ERA_VALID_TO] * len(legacy), index=legacy.index, dtype=DATE_DTYPE),
            # The converter's key: province_district_ward, ward empty for the island districts.
            "slug": legacy["provinceKey"] + "_" + legacy["districtKey"] + "_" + legacy["wardKey"].fillna(""),
        }
    )
    return frame, conflicts


def _new_units(current: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    name = current["ward"].map(_fix_type_case)
    unit_type, conflicts = _unit_types(name, current["wardType"])
    frame = pd.DataFrame(
        {
            "unit_key": NEW_ERA + ":" + current["wardCode"],
            "code": current["wardCode"],
            "era": NEW_ERA,
            "unit_level": COMMUNE_LEVEL,
            "name": name,
            "short_name": [_short_name(n, s) for n, s in zip(name, current["wardShort"], strict=True)],
            "unit_type": unit_type,
            "district_code": pd.Series([None] * len(current), index=current.index, dtype="str"),
            "district_name": pd.Series([None] * len(current), index=current.index, dtype="str"),
            "province_code": current["provinceCode"],
            "province_name": current["province"],
            "latitude": current["wardLat"].astype("float64"),
            "longitude": current["wardLon"].astype("float64"),
            "area_km2": current["wardAreaKm2"].astype("float64"),
            "valid_from": pd.Series([NEW_ERA_VALID_FROM] * len(current), index=current.index, dtype=DATE_DTYPE),
            "valid_to": pd.Series([None] * len(current), index=current.index, dtype=DATE_DTYPE),
            # The converter names a new unit by (new province key, ward key); we join on both.
            "slug": current["provinceKey"] + "_" + current["wardKey"],
        }
    )
    return frame, conflicts


def _crosswalk_pairs(raw: dict[str, Any]) -> list[tuple[str, str, bool, bool]]:
    """(old slug, new slug, in_part, is_package_default) for every old→new pair the JSON lists."""
    try:
        whole = raw["DICT_PROVINCE_WARD_NO_DIVIDED"]
        divided = raw["DICT_PROVINCE_WARD_DIVIDED"]
    except KeyError as exc:
        raise AdminRegistryError(
            f"{CROSSWALK_FILE}: expected top-level key {exc.args[0]!r} "
            "(DICT_PROVINCE_WARD_NO_DIVIDED and DICT_PROVINCE_WARD_DIVIDED)"
        ) from None
    pairs: list[tuple[str, str, bool, bool]] = []
    for province_key, wards in whole.items():
        for new_ward_key, old_slugs in wards.items():
            pairs.extend((old, f"{province_key}_{new_ward_key}", False, True) for old in old_slugs)
    for province_key, olds in divided.items():
        for old_slug, receivers in olds.items():
            pairs.extend(
                (old_slug, f"{province_key}_{r['newWardKey']}", True, bool(r.get("isDefaultNewWard")))
                for r in receivers
            )
    return pairs


def _build_crosswalk(
    pairs: list[tuple[str, str, bool, bool]], old: pd.DataFrame, new: pd.DataFrame
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    for era, frame in ((OLD_ERA, old), (NEW_ERA, new)):
        duplicated = frame.loc[frame["slug"].duplicated(keep=False), "slug"]
        if not duplicated.empty:
            # The slug includes province (and district for old units), and the package spells duplicate names
            # with their marks ("xãvănlang"/"xãvănlăng"); if that ever stops holding, the join is ambiguous.
            raise AdminRegistryError(
                f"{DATASET_FILE}: {era}-era slugs must be unique to join the crosswalk; "
                f"duplicated: {sorted(set(duplicated))[:5]}"
            )
    pair_frame = pd.DataFrame(pairs, columns=["old_slug", "new_slug", "in_part", "is_package_default"])
    old_side = old.set_index("slug")[["unit_key", "code", "name", "district_name", "province_name"]]
    new_side = new.set_index("slug")[["unit_key", "code", "name", "province_name"]]
    joined = pair_frame.join(old_side.add_prefix("old_"), on="old_slug").join(
        new_side.add_prefix("new_"), on="new_slug"
    )
    unjoined_mask = joined["old_unit_key"].isna() | joined["new_unit_key"].isna()
    unjoined = tuple(f"{o} -> {n}" for o, n in joined.loc[unjoined_mask, ["old_slug", "new_slug"]].itertuples(False))
    if unjoined:
        logger.warning(
            "%d crosswalk row(s) of %s did not join the registry and were left out, e.g. %s",
            len(unjoined),
            CROSSWALK_FILE,
            unjoined[:3],
        )
    joined = joined.loc[~unjoined_mask].drop_duplicates(["old_unit_key", "new_unit_key"])
    joined["n_receiving"] = joined.groupby("old_unit_key")["new_unit_key"].transform("size").astype("int64")
    joined["in_part"] = joined["in_part"].astype(bool)
    joined["is_package_default"] = joined["is_package_default"].astype(bool)
    crosswalk = joined.sort_values(["old_code", "new_code"], kind="stable").reset_index(drop=True)
    return crosswalk[list(CROSSWALK_COLUMNS)], unjoined


@functools.lru_cache(maxsize=1)
def _registry() -> _Registry:
    data_dir = registry_data_dir()
    try:
        legacy = _read_table(data_dir / DATASET_FILE, _LEGACY_SQL)
        current = _read_table(data_dir / DATASET_FILE, _NEW_SQL)
        with (data_dir / CROSSWALK_FILE).open(encoding="utf-8") as handle:
            raw = json.load(handle)
    except (sqlite3.Error, json.JSONDecodeError, OSError) as exc:
        raise AdminRegistryError(f"cannot read the admin-unit reference data in {data_dir}: {exc}") from exc

    old, old_conflicts = _old_units(legacy)
    new, new_conflicts = _new_units(current)
    crosswalk, unjoined = _build_crosswalk(_crosswalk_pairs(raw), old, new)

    units = pd.concat([old, new], ignore_index=True)
    units = units.sort_values(["era", "code"], kind="stable").reset_index(drop=True)[list(ADMIN_UNIT_COLUMNS)]
    if units["unit_key"].duplicated().any():
        duplicates = units.loc[units["unit_key"].duplicated(), "unit_key"].head().tolist()
        raise AdminRegistryError(f"{DATASET_FILE}: a code is repeated within one era, e.g. {duplicates}")

    report = RegistryReport(
        package_version=_package_version(),
        old_units=len(old),
        old_districts_without_communes=int((old["unit_level"] == DISTRICT_LEVEL).sum()),
        new_units=len(new),
        crosswalk_rows=len(crosswalk),
        split_old_units=int(crosswalk.loc[crosswalk["in_part"], "old_unit_key"].nunique()),
        unjoined_crosswalk_rows=unjoined,
        old_units_without_successor=tuple(sorted(set(old["unit_key"]) - set(crosswalk["old_unit_key"]))),
        new_units_without_predecessor=tuple(sorted(set(new["unit_key"]) - set(crosswalk["new_unit_key"]))),
        unit_type_conflicts=old_conflicts + new_conflicts,
    )
    return _Registry(units=units, units_by_key=units.set_index("unit_key"), crosswalk=crosswalk, report=report)


# --------------------------------------------------------------------------- public API


def load_admin_units() -> pd.DataFrame:
    """Every unit of both eras, one row each, keyed by ``unit_key`` = ``"<era>:<code>"``.

    Columns are ``ADMIN_UNIT_COLUMNS``. Read once per process; each call returns a copy, so a caller
    that adds columns cannot corrupt the cache.
    """
    return _registry().units.copy()


def load_crosswalk() -> pd.DataFrame:
    """One row per (old unit, receiving new unit) (columns: CROSSWALK_COLUMNS).

    ``in_part`` is the conversion table's own "divided" flag: the old unit was split among ``n_receiving``
    (≥ 2) new units. ``is_package_default`` is the package's fallback guess for addresses it cannot geocode;
    it is kept for reference only and must never route a record (about 58% right on realistic rosters).
    """
    return _registry().crosswalk.copy()


def registry_report() -> RegistryReport:
    """Counts of what was loaded and what did not join, for asset metadata and checks."""
    return _registry().report


def _lookup(code: str, era: str) -> pd.Series:
    """The unit's row (named by its ``unit_key``), or ``UnknownAdminUnit`` saying what was expected."""
    if not isinstance(code, str):
        raise UnknownAdminUnit(
            f"expected the {era}-era admin-unit code as text with its leading zeros (e.g. '00322'), "
            f"got {type(code).__name__} {code!r}"
        )
    units = _registry().units_by_key
    key = f"{era}:{code.strip()}"
    if key not in units.index:
        hint = ""
        if code.strip().isdigit() and len(code.strip()) < 5:
            hint = f" (codes keep their leading zeros: did you mean '{code.strip().zfill(5)}'?)"
        raise UnknownAdminUnit(
            f"no {era}-era admin unit has code {code!r}; expected a 5-digit GSO commune code such as '00322'{hint}"
        )
    return units.loc[key]


def _as_unit(row: pd.Series) -> AdminUnit:
    def text(value: Any) -> str | None:
        return None if pd.isna(value) else str(value)

    def number(value: Any) -> float | None:
        return None if pd.isna(value) else float(value)

    def day(value: Any) -> date | None:
        return None if pd.isna(value) else value

    return AdminUnit(
        unit_key=str(row.name),
        code=row["code"],
        era=row["era"],
        unit_level=row["unit_level"],
        name=row["name"],
        short_name=row["short_name"],
        unit_type=row["unit_type"],
        district_code=text(row["district_code"]),
        district_name=text(row["district_name"]),
        province_code=row["province_code"],
        province_name=row["province_name"],
        latitude=number(row["latitude"]),
        longitude=number(row["longitude"]),
        area_km2=number(row["area_km2"]),
        valid_from=day(row["valid_from"]),
        valid_to=day(row["valid_to"]),
        slug=row["slug"],
    )


def admin_unit(code: str, era: str) -> AdminUnit:
    """The unit with ``code`` in ``era`` ("old" or "new"); raises ``UnknownAdminUnit`` if there is none."""
    if era not in (OLD_ERA, NEW_ERA):
        raise ValueError(f"era must be {OLD_ERA!r} or {NEW_ERA!r}, got {era!r}")
    return _as_unit(_lookup(code, era))


def new_unit(new_code: str) -> AdminUnit:
    """The post-July-2025 unit with ``new_code`` (e.g. '00322' → Phường Tương Mai)."""
    return admin_unit(new_code, NEW_ERA)


def old_unit(old_code: str) -> AdminUnit:
    """The pre-July-2025 unit with ``old_code`` (e.g. '00322' → Phường Hoàng Văn Thụ)."""
    return admin_unit(old_code, OLD_ERA)


def successors(old_code: str) -> list[AdminUnit]:
    """Every new unit that received all or part of the old unit ``old_code``, ordered by code."""
    key = _lookup(old_code, OLD_ERA).name
    crosswalk = _registry().crosswalk
    return [new_unit(code) for code in crosswalk.loc[crosswalk["old_unit_key"] == key, "new_code"]]


def former_wards(new_code: str) -> list[FormerWard]:
    """The former units that make up new unit ``new_code``, from the official crosswalk, ordered by old code.

    This is the deployment's partition list: Tương Mai ('00322') gives its ten former wards, each ``in_part``
    with its other receivers. Raises ``UnknownAdminUnit`` for a code that is not a new-era unit.
    """
    target = _lookup(new_code, NEW_ERA)
    registry = _registry()
    crosswalk = registry.crosswalk
    old_keys = crosswalk.loc[crosswalk["new_unit_key"] == target.name, "old_unit_key"]
    rows = crosswalk[crosswalk["old_unit_key"].isin(set(old_keys))]
    old_units = registry.units_by_key
    result: list[FormerWard] = []
    for old_key, group in rows.groupby("old_unit_key", sort=False):
        unit = old_units.loc[old_key]
        result.append(
            FormerWard(
                unit_key=str(old_key),
                code=unit["code"],
                name=unit["name"],
                short_name=unit["short_name"],
                district_code=None if pd.isna(unit["district_code"]) else unit["district_code"],
                district_name=None if pd.isna(unit["district_name"]) else unit["district_name"],
                province_name=unit["province_name"],
                in_part=bool(group["in_part"].iloc[0]),
                receiving=tuple(zip(group["new_code"], group["new_name"], strict=True)),
            )
        )
    return sorted(result, key=lambda ward: ward.code)


@functools.lru_cache(maxsize=1)
def undivided_successors() -> dict[str, str]:
    """Old code → new code for every old unit that went whole into one new unit (the crosswalk's undivided units).

    Their records need no routing table: the whole unit has one successor (assets/lib/routing.py, "wholesale").
    """
    crosswalk = _registry().crosswalk
    whole = crosswalk[~crosswalk["in_part"] & (crosswalk["n_receiving"] == 1)]
    return dict(zip(whole["old_code"], whole["new_code"], strict=True))


def former_wards_of_many(new_codes: Iterable[str]) -> dict[str, list[FormerWard]]:
    """``former_wards`` for several new units at once (e.g. all 126 of Hanoi), in the order given."""
    return {code: former_wards(code) for code in dict.fromkeys(new_codes)}


# A whole city (province) by one word: the deployment then serves every new unit of it. Only names a deployment
# uses are listed; the province code is the registry's own (Hà Nội is 01).
PROVINCE_ALIASES: dict[str, str] = {"all-hanoi": "01"}


def new_units_of_province(province_code: str) -> list[str]:
    """The new-era codes of every unit of the province, ordered by code (Hà Nội '01': 126 units)."""
    units = _registry().units
    chosen = units[(units["era"] == NEW_ERA) & (units["province_code"] == province_code)]
    return sorted(chosen["code"])


def expand_new_wards(spec: str | Iterable[str]) -> list[str]:
    """New-unit codes from ``--ward`` text: codes and city aliases (``all-hanoi``), comma-separated or as a list.

    Each code once, in the order first given; codes are not checked here (``new_unit`` / preflight do that), so a
    typo is reported where the setting is checked, with its own message.
    """
    parts = spec.split(",") if isinstance(spec, str) else [p for item in spec for p in item.split(",")]
    codes: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        alias = PROVINCE_ALIASES.get(part.lower())
        codes.extend(new_units_of_province(alias) if alias else [part])
    return list(dict.fromkeys(codes))
