"""Golden records: each attribute of a person from its most trustworthy source value, by explicit rules.

The rules (documented in docs/linkage.md, "Golden records"):
- name: a name with diacritics beats one without (ALL-CAPS unmarked systems lost them); a complete name beats one
  with a part missing (a dropped middle name); then the spelling most records agree on; then the spelling whose
  rarest syllable is most common across all rosters (a one-letter typo makes a rare syllable); then the
  permanent-residence registration (the registration of record; a temporary one elsewhere is copied from papers).
- date of birth: a full date beats a year; then the date most records agree on; then the permanent-residence
  registration (a day/month swap or a slipped day is a copying error); then the latest roster.
- national ID: a CCCD beats a CMND (it is the current, permanent number); then the most frequent; then the
  permanent-residence registration; then the latest roster.
- sex: the value most records agree on.
- phone, address and new ward: from the roster with the latest as-of date (where the person was last seen);
  among equally recent rosters, a temporary-residence registration (where the person stays now) beats the
  permanent one, then the record with the most complete address.
Each chosen value records its source record (``<attribute>_source``), so an analyst can trace it.
"""

from __future__ import annotations

import pandas as pd

from schemas.datasets import ADDRESS_PARTS

ADDRESS_FIELDS = (*ADDRESS_PARTS, "new_ward_code")
GOLDEN_COLUMNS = (
    "full_name",
    "date_of_birth",
    "dob_precision",
    "sex",
    "national_id",
    "national_id_kind",
    "phone",
    *ADDRESS_FIELDS,
)
SOURCE_COLUMNS = ("full_name_source", "date_of_birth_source", "national_id_source", "phone_source", "address_source")


def _pick(records: pd.DataFrame, value: str, rank: list[tuple[str, bool]]) -> pd.DataFrame:
    """For each person the first record after sorting by ``rank`` (column, ascending) among non-null values."""
    candidates = records[records[value].notna()]
    columns = ["person_key"] + [c for c, _ in rank] + ["record_id"]
    ascending = [True] + [a for _, a in rank] + [True]
    return candidates.sort_values(columns, ascending=ascending, kind="stable").drop_duplicates("person_key")


def golden_records(records: pd.DataFrame) -> pd.DataFrame:
    """One row per ``person_key`` with the surviving attributes and their sources.

    ``records`` has ``person_key``, ``record_id`` and the resident_record columns.
    """
    recs = records.copy()
    recs["_marked"] = recs["full_name"].str.lower() != recs["name_unmarked"]
    recs["_parts"] = recs["name_key"].str.split().str.len()
    recs["_name_votes"] = recs.groupby(["person_key", "name_key"])["record_id"].transform("size")
    recs["_permanent"] = recs["residence_type"].eq("permanent")
    recs["_temporary"] = recs["residence_type"].eq("temporary")
    syllables = recs["name_key"].str.split().explode()
    frequency = syllables.value_counts()
    recs["_commonness"] = syllables.map(frequency).groupby(level=0).min().reindex(recs.index).fillna(0)
    recs["_day"] = recs["dob_precision"].eq("day")
    recs["_dob_votes"] = recs.groupby(["person_key", "date_of_birth"])["record_id"].transform("size")
    recs["_cccd"] = recs["national_id_kind"].eq("cccd")
    recs["_id_votes"] = recs.groupby(["person_key", "national_id"])["record_id"].transform("size")
    recs["_address_parts"] = recs[list(ADDRESS_PARTS)].notna().sum(axis=1)

    name = _pick(
        recs,
        "full_name",
        [("_marked", False), ("_parts", False), ("_name_votes", False), ("_commonness", False), ("_permanent", False)],
    )
    dob = _pick(
        recs, "date_of_birth", [("_day", False), ("_dob_votes", False), ("_permanent", False), ("as_of", False)]
    )
    nid = _pick(recs, "national_id", [("_cccd", False), ("_id_votes", False), ("_permanent", False), ("as_of", False)])
    phone = _pick(recs, "phone", [("as_of", False), ("_temporary", False)])
    address = _pick(recs, "new_ward_code", [("as_of", False), ("_temporary", False), ("_address_parts", False)])
    sex = recs.groupby(["person_key", "sex"]).size().rename("n").reset_index()
    sex = sex.sort_values(["person_key", "n", "sex"], ascending=[True, False, True]).drop_duplicates("person_key")

    persons = pd.DataFrame({"person_key": sorted(recs["person_key"].unique())})
    persons["source_records"] = persons["person_key"].map(recs.groupby("person_key").size()).astype("int64")

    def attach(frame: pd.DataFrame, columns: dict[str, str]) -> None:
        nonlocal persons
        part = frame[["person_key", *columns]].rename(columns=columns)
        persons = persons.merge(part, on="person_key", how="left")

    attach(name, {"full_name": "full_name", "record_id": "full_name_source"})
    attach(
        dob, {"date_of_birth": "date_of_birth", "dob_precision": "dob_precision", "record_id": "date_of_birth_source"}
    )
    attach(
        nid, {"national_id": "national_id", "national_id_kind": "national_id_kind", "record_id": "national_id_source"}
    )
    attach(phone, {"phone": "phone", "record_id": "phone_source"})
    attach(address, {**{f: f for f in ADDRESS_FIELDS}, "record_id": "address_source"})
    attach(sex, {"sex": "sex"})
    return persons
