"""Golden records: each attribute of a person from its most trustworthy source value, by explicit rules.

The rules (documented in docs/linkage.md, "Golden records" and "Where each person lives"):
- where the person lives (Law on Residence 2020): *current* is the newest valid temporary registration, else
  the newest permanent one, else (only lapsed temporary registrations) the newest of those; *permanent* is the
  newest permanent registration (none: null). A temporary registration is valid when its end date is on or
  after its roster's as-of date; without an end date, when it was registered within the two years before
  as-of (the longest term); with neither date, it is presumed valid (the roster lists it as current).
  A record whose roster does not say permanent or temporary counts as permanent. The address columns and
  ``new_ward_code`` are the current residence's.
- "newest registration" (:func:`recency`): the registration date where the roster keeps it; a temporary
  registration without one counts as registered on its roster's as-of date (it runs at most two years), a
  permanent one left blank as older than any dated registration (registrations migrated from the paper
  household books are the ones without a date); when a permanent registration comes from a roster that keeps
  no dates, the person's permanent registrations are not ordered by date at all (the next rule decides).
- name: a name with diacritics beats one without (ALL-CAPS unmarked systems lost them); a complete name beats one
  with a part missing (a dropped middle name); then the spelling most records agree on; then the newest
  registration (copied from the newest papers); then the spelling whose rarest syllable is most common across
  all rosters (a one-letter typo makes a rare syllable).
- date of birth: a full date beats a year; then the date most records agree on; then the newest registration
  (a day/month swap or a slipped day is a copying error of older papers); then the latest roster.
- national ID: a CCCD beats a CMND (it is the current, permanent number); then the most frequent; then the
  newest registration; then the latest roster.
- sex: the value most records agree on.
- phone: from the newest registration that has one, then the latest roster.
Each chosen value records its source record (``<attribute>_source``), so an analyst can trace it.
"""

from __future__ import annotations

import pandas as pd

from schemas.datasets import ADDRESS_PARTS

#: The longest term of a temporary registration (Law on Residence 2020): two years.
TEMPORARY_TERM = pd.Timedelta(days=730)

ADDRESS_FIELDS = (*ADDRESS_PARTS, "new_ward_code")
RESIDENCE_COLUMNS = (
    "current_new_ward_code",
    "current_residential_group",
    "current_residence_type",
    "permanent_new_ward_code",
    "permanent_residential_group",
)
GOLDEN_COLUMNS = (
    "full_name",
    "date_of_birth",
    "dob_precision",
    "sex",
    "national_id",
    "national_id_kind",
    "phone",
    *ADDRESS_FIELDS,
    *RESIDENCE_COLUMNS,
)
SOURCE_COLUMNS = (
    "full_name_source",
    "date_of_birth_source",
    "national_id_source",
    "phone_source",
    "address_source",
    "permanent_source",
)

# Ranks of a record as the person's current residence (smaller wins).
_VALID_TEMPORARY, _PERMANENT, _LAPSED_TEMPORARY = 0, 1, 2


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def residence_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Per record: ``_temporary``, ``_valid`` (a temporary registration still runs on its roster's as-of
    date; permanent ones always do), ``_recency`` (see :func:`recency`) and ``_residence_rank``."""
    empty = pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns]")
    registered = _dates(records["registration_date"]) if "registration_date" in records else empty
    ends = _dates(records["registration_end_date"]) if "registration_end_date" in records else empty
    as_of = _dates(records["as_of"])
    temporary = records["residence_type"].eq("temporary").fillna(False).astype(bool)
    valid = ends.ge(as_of).where(ends.notna(), registered.ge(as_of - TEMPORARY_TERM).where(registered.notna(), True))
    valid = valid.astype(bool) | ~temporary
    out = pd.DataFrame(index=records.index)
    out["_temporary"] = temporary
    out["_valid"] = valid
    out["_recency"] = recency(records, registered, as_of, temporary)
    rank = pd.Series(_PERMANENT, index=records.index)
    rank[temporary & valid] = _VALID_TEMPORARY
    rank[temporary & ~valid] = _LAPSED_TEMPORARY
    out["_residence_rank"] = rank
    return out


def recency(records: pd.DataFrame, registered: pd.Series, as_of: pd.Series, temporary: pd.Series) -> pd.Series:
    """How new each record's registration is, for "the newest registration wins" (later is newer).

    The registration date where the roster has it. Without one: a temporary registration counts as
    registered on its roster's as-of date (a term runs two years at most); a permanent one left blank in a
    roster that keeps registration dates counts as older than any dated one (the blanks are registrations
    migrated from the paper household books). A permanent registration from a roster that keeps no dates
    cannot be placed in time: then none of that person's permanent registrations is newer than another (the
    next rule decides), though each is older than a temporary one.
    """
    oldest = pd.Timestamp("1900-01-01")
    roster = records["source_file"] if "source_file" in records else records["former_ward_code"]
    keeps_dates = registered.notna().groupby(roster.to_numpy()).transform("any").to_numpy()
    value = registered.where(registered.notna(), as_of.where(temporary, oldest))
    unplaceable = ~temporary & registered.isna() & ~keeps_dates
    if "person_key" in records and unplaceable.any():
        person_unplaceable = unplaceable.groupby(records["person_key"].to_numpy()).transform("any").to_numpy()
        value = value.mask(~temporary & person_unplaceable, oldest)
    return value


def _pick(records: pd.DataFrame, value: str, rank: list[tuple[str, bool]]) -> pd.DataFrame:
    """For each person the first record after sorting by ``rank`` (column, ascending) among non-null values."""
    columns = ["person_key"] + [c for c, _ in rank] + ["record_id"]
    ascending = [True] + [a for _, a in rank] + [True]
    # Sorted on the ranking columns alone, then the chosen rows taken whole (sorting every column is the cost).
    candidates = records.loc[records[value].notna(), columns]
    chosen = candidates.sort_values(columns, ascending=ascending, kind="stable").drop_duplicates("person_key")
    return records.loc[chosen.index]


def golden_records(records: pd.DataFrame) -> pd.DataFrame:
    """One row per ``person_key`` with the surviving attributes and their sources.

    ``records`` has ``person_key``, ``record_id`` and the resident_record columns.
    """
    recs = records.reset_index(drop=True)  # a unique index: rows are chosen by label (_pick)
    recs = recs.join(residence_frame(recs))
    recs["_marked"] = recs["full_name"].str.lower() != recs["name_unmarked"]
    recs["_parts"] = recs["name_key"].str.split().str.len()
    recs["_name_votes"] = recs.groupby(["person_key", "name_key"])["record_id"].transform("size")
    recs["_permanent"] = ~recs["_temporary"]
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
        [("_marked", False), ("_parts", False), ("_name_votes", False), ("_recency", False), ("_commonness", False)],
    )
    # A record whose name spelling lost to another's was copied less carefully: its date is trusted less.
    recs["_name_spelling_won"] = recs["name_key"].eq(recs["person_key"].map(name.set_index("person_key")["name_key"]))
    dob = _pick(
        recs,
        "date_of_birth",
        [("_day", False), ("_dob_votes", False), ("_recency", False), ("_name_spelling_won", False), ("as_of", False)],
    )
    nid = _pick(recs, "national_id", [("_cccd", False), ("_id_votes", False), ("_recency", False), ("as_of", False)])
    phone = _pick(recs, "phone", [("_recency", False), ("as_of", False)])
    residence = [("_recency", False), ("as_of", False), ("_address_parts", False)]
    current = _pick(recs, "new_ward_code", [("_residence_rank", True), *residence])
    permanent = _pick(recs[recs["_permanent"]], "new_ward_code", residence)
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
    current = current.assign(
        current_new_ward_code=current["new_ward_code"],
        current_residential_group=current["residential_group"],
        current_residence_type=current["residence_type"].where(current["residence_type"].notna(), "permanent"),
    )
    attach(
        current,
        {
            **{f: f for f in ADDRESS_FIELDS},
            "current_new_ward_code": "current_new_ward_code",
            "current_residential_group": "current_residential_group",
            "current_residence_type": "current_residence_type",
            "record_id": "address_source",
        },
    )
    attach(
        permanent,
        {
            "new_ward_code": "permanent_new_ward_code",
            "residential_group": "permanent_residential_group",
            "record_id": "permanent_source",
        },
    )
    attach(sex, {"sex": "sex"})
    return persons
