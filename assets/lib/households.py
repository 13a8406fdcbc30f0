"""Households across former wards: source household codes that hold the same people are one household.

A household listed by two former wards (it moved, or both old rosters kept it) appears under two source codes,
usually with a different address. Two source households are linked when they share more than half of the
members of the larger one (people already linked as persons). A lodger who left a family of three for a room
of their own shares one of three: the family is not merged into the room.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.lib.person_keys import connected_components
from schemas.datasets import ADDRESS_PARTS

HEAD_RELATIONS = frozenset({"chủ hộ", "chu ho", "head"})


def source_household_ids(records: pd.DataFrame) -> pd.Series:
    """``former_ward/dataset/household_id`` per record, None when the record names no household."""
    has = records["household_id"].notna()
    ids = records["former_ward_code"] + "/" + records["dataset"] + "/" + records["household_id"].astype(str)
    return ids.where(has, None)


def households_by_record(records: pd.DataFrame) -> pd.Series:
    """record_id → source household id (None when the record names no household)."""
    return pd.Series(source_household_ids(records).to_numpy(dtype=object), index=records["record_id"].to_numpy())


def household_clusters(records: pd.DataFrame) -> pd.Series:
    """A cluster label per source household id (from records with ``person_key`` and ``source_household``)."""
    members = records.dropna(subset=["source_household"])[["source_household", "person_key"]].drop_duplicates()
    size = members.groupby("source_household")["person_key"].nunique()
    pairs = members.merge(members, on="person_key", suffixes=("_l", "_r"))
    pairs = pairs[pairs["source_household_l"] < pairs["source_household_r"]]
    shared = pairs.groupby(["source_household_l", "source_household_r"]).size().rename("shared").reset_index()
    left = shared["source_household_l"].map(size).to_numpy(dtype="int64")
    right = shared["source_household_r"].map(size).to_numpy(dtype="int64")
    larger = pd.Series(np.maximum(left, right), index=shared.index)  # (typed: the frame may be empty)
    edges = shared[shared["shared"] > 0.5 * larger].rename(
        columns={"source_household_l": "l", "source_household_r": "r"}
    )
    return connected_components(sorted(size.index), edges)


def household_tables(records: pd.DataFrame, household_keys: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``dim_household`` and ``household_member`` rows from records and each source household's stable key."""
    recs = records.dropna(subset=["source_household"]).copy()
    recs["household_key"] = recs["source_household"].map(household_keys).astype("int64")
    recs["_head"] = recs["relation_to_head"].fillna("").str.lower().isin(HEAD_RELATIONS)
    recs["_parts"] = recs[list(ADDRESS_PARTS)].notna().sum(axis=1)
    # The household's address: its head's record in the latest roster, else its most complete record there.
    best = recs.sort_values(
        ["household_key", "as_of", "_head", "_parts", "record_id"], ascending=[True, False, False, False, True]
    ).drop_duplicates("household_key")
    households = best[["household_key", "new_ward_code", *ADDRESS_PARTS]].reset_index(drop=True)
    households["members"] = households["household_key"].map(recs.groupby("household_key")["person_key"].nunique())
    households["source_households"] = households["household_key"].map(
        recs.groupby("household_key")["source_household"].nunique()
    )
    latest = recs.sort_values(
        ["household_key", "person_key", "as_of", "record_id"], ascending=[True, True, False, True]
    )
    members = latest.drop_duplicates(["household_key", "person_key"])[
        ["household_key", "person_key", "relation_to_head"]
    ]
    return households, members.reset_index(drop=True)
