"""Stable keys, clerical decisions, constrained clustering, survivorship (residence rule included) and household
linking on hand-built records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from assets.lib.households import household_clusters, source_household_ids
from assets.lib.person_keys import assign_stable_keys, connected_components, resolve_retired, typo_apart
from assets.lib.survivorship import golden_records


def _edges(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["l", "r"])


def _keys(clusters: pd.Series, previous: dict[str, int], next_key: int):
    return assign_stable_keys(clusters, pd.Series(previous, dtype="float64"), next_key)


def test_first_run_numbers_clusters_and_rerun_keeps_them():
    clusters = connected_components(["a", "b", "c", "d"], _edges(("a", "b")))
    first = _keys(clusters, {}, 1)
    assert first.keys.to_dict() == {"a": 1, "b": 1, "c": 2, "d": 3}
    again = _keys(clusters, first.keys.to_dict(), first.next_key)
    assert again.keys.equals(first.keys) and again.events.empty


def test_merge_keeps_the_older_key_and_the_retired_key_resolves():
    before = {"a": 1, "b": 1, "c": 2, "d": 5}
    clusters = connected_components(["a", "b", "c", "d"], _edges(("a", "b"), ("b", "d")))
    result = _keys(clusters, before, 6)
    assert result.keys.to_dict() == {"a": 1, "b": 1, "c": 2, "d": 1}
    assert result.events.to_dict("records") == [{"event": "merge", "from_key": 5, "to_key": 1, "items": 1}]
    old_map = pd.DataFrame({"person_key": [1, 2, 3, 5], "current_person_key": [1, 2, 5, 5]})  # 3 retired earlier into 5
    key_map = resolve_retired(old_map, result.events, set(result.keys))
    resolved = dict(zip(key_map["person_key"], key_map["current_person_key"], strict=True))
    assert resolved == {1: 1, 2: 2, 3: 1, 5: 1}  # a chain 3 → 5 → 1 is compressed to one lookup
    assert key_map.set_index("person_key").loc[5, "status"] == "retired"


def test_split_leaves_the_key_with_the_bigger_part():
    before = {"a": 7, "b": 7, "c": 7}
    clusters = connected_components(["a", "b", "c"], _edges(("a", "b")))
    result = _keys(clusters, before, 8)
    assert result.keys.to_dict() == {"a": 7, "b": 7, "c": 8}
    assert result.events.to_dict("records") == [{"event": "split", "from_key": 7, "to_key": 8, "items": 1}]
    key_map = resolve_retired(pd.DataFrame(columns=["person_key", "current_person_key"]), result.events, {7, 8})
    assert dict(zip(key_map["person_key"], key_map["current_person_key"], strict=True)) == {7: 7, 8: 8}


def test_clerical_decisions_override_the_model():
    edges = _edges(("a", "b"), ("c", "d"))
    clusters = connected_components(
        ["a", "b", "c", "d", "e"],
        edges,
        must_link=_edges(("d", "e")),
        cannot_link=_edges(("b", "a")),
    )
    assert clusters.to_dict() == {"a": "a", "b": "b", "c": "c", "d": "c", "e": "c"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("001310123456", "001310123456", True),
        ("001310123456", "001310123486", True),  # one digit
        ("001310123456", "001310124356", True),  # two neighbours swapped
        ("001310123456", "001310523416", False),  # two digits far apart swapped
        ("001310123456", "001310654321", False),
        ("012345678", "001310123456", False),
    ],
)
def test_typo_apart(a: str, b: str, expected: bool) -> None:
    assert typo_apart(a, b) is expected


def _weighted(*edges: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(edges, columns=["l", "r", "match_weight"])


def test_a_chain_through_a_record_without_id_never_joins_two_cccds():
    """A–B and B–C both look like matches, but A and C carry different CCCDs: B joins the stronger one."""
    cccd = pd.Series({"a": "001310123456", "c": "001310654321", "d": "001310124356"})
    clusters = connected_components(
        ["a", "b", "c", "d"], _weighted(("b", "c", 8.0), ("a", "b", 12.0), ("a", "d", 15.0)), cccd=cccd
    )
    assert clusters["a"] == clusters["b"] == clusters["d"]  # d's number is a's with two digits swapped
    assert clusters["c"] != clusters["a"]


def test_two_members_of_one_household_listing_are_never_one_person():
    """Twins share a household; each may match the other's listing elsewhere, but they stay two."""
    households = pd.Series({"t1": "00298/residents/H7", "t2": "00298/residents/H7", "x1": "00313/residents/K2"})
    edges = _weighted(("t1", "x1", 25.0), ("t2", "x1", 6.0), ("t1", "t2", 4.0))
    clusters = connected_components(["t1", "t2", "x1"], edges, households=households)
    assert clusters["t1"] == clusters["x1"] != clusters["t2"]
    # A clerk's decision still wins over the constraint.
    forced = connected_components(["t1", "t2", "x1"], edges, households=households, must_link=_edges(("t1", "t2")))
    assert forced["t1"] == forced["t2"]


def _record(rid, person, name, unmarked, dob, precision, nid, kind, as_of, **extra):
    base = {
        "record_id": rid,
        "person_key": person,
        "full_name": name,
        "name_unmarked": unmarked,
        "name_key": name.lower(),
        "date_of_birth": dob,
        "dob_precision": precision,
        "sex": "F",
        "national_id": nid,
        "national_id_kind": kind,
        "phone": None,
        "house_number": None,
        "alley": None,
        "street": "Tân Mai",
        "residential_group": "5",
        "new_ward_code": "00322",
        "as_of": as_of,
        "residence_type": None,
        "registration_date": None,
        "registration_end_date": None,
        "source_file": f"{rid.split('/')[0]}/roster.csv",
    }
    base.update(extra)
    return base


def test_survivorship_rules_pick_the_trustworthy_value_and_name_its_source():
    june, may = dt.date(2025, 6, 30), dt.date(2025, 5, 31)
    records = pd.DataFrame(
        [
            _record(
                "00313/residents/1",
                1,
                "Nguyen Thi Thuy",
                "nguyen thi thuy",
                dt.date(1990, 7, 5),
                "day",
                "012345678",
                "cmnd",
                june,
            ),
            _record(
                "00295/residents/9",
                1,
                "Nguyễn Thị Thủy",
                "nguyen thi thuy",
                dt.date(1990, 7, 5),
                "day",
                "001190012345",
                "cccd",
                may,
                phone="0912345678",
                street="Trương Định",
                new_ward_code="00292",
            ),
            _record(
                "00280/residents/4",
                1,
                "Nguyễn Thị Thủy",
                "nguyen thi thuy",
                dt.date(1990, 5, 7),
                "day",
                None,
                None,
                may,
            ),
            _record(
                "00304/residents/2",
                1,
                "Nguyen Thi Thuy",
                "nguyen thi thuy",
                dt.date(1990, 1, 1),
                "year",
                None,
                None,
                june,
            ),
        ]
    )
    person = golden_records(records).iloc[0]
    assert person["full_name"] == "Nguyễn Thị Thủy"  # marks beat ALL-CAPS unmarked systems
    assert person["date_of_birth"] == dt.date(1990, 7, 5)  # two records agree; the swap and the year lose
    assert person["national_id"] == "001190012345" and person["national_id_source"] == "00295/residents/9"
    assert person["phone"] == "0912345678"  # the only phone there is
    assert person["address_source"] in ("00313/residents/1", "00304/residents/2")  # the latest roster
    assert person["new_ward_code"] == "00322" and person["source_records"] == 4


def test_survivorship_prefers_complete_common_spellings_from_the_newest_registration():
    june = dt.date(2025, 6, 30)
    records = pd.DataFrame(
        [
            # The old permanent registration was typed from old papers: a mark slipped and so did the day.
            _record(
                "00280/residents/1",
                1,
                "Trần Hưu Tiến",
                "tran huu tien",
                dt.date(1993, 12, 11),
                "day",
                None,
                None,
                june,
                residence_type="permanent",
                registration_date=dt.date(2003, 4, 2),
            ),
            # The temporary registration elsewhere was made last year from the person's CCCD.
            _record(
                "00295/residents/2",
                1,
                "Trần Hữu Tiến",
                "tran huu tien",
                dt.date(1993, 12, 10),
                "day",
                None,
                None,
                june,
                residence_type="temporary",
                registration_date=dt.date(2024, 9, 1),
                registration_end_date=dt.date(2026, 8, 31),
                street="Đại La",
                new_ward_code="00292",
            ),
            _record("00295/residents/3", 2, "Trần Hà", "tran ha", dt.date(1990, 1, 1), "day", None, None, june),
            _record("00298/residents/4", 2, "Trần Thu Hà", "tran thu ha", dt.date(1990, 1, 1), "day", None, None, june),
        ]
        + [
            _record(
                f"00310/residents/{i}",
                10 + i,
                "Trần Hữu Nam",
                "tran huu nam",
                dt.date(1980, 1, 1),
                "day",
                None,
                None,
                june,
            )
            for i in range(3)
        ]
    )
    golden = golden_records(records).set_index("person_key")
    assert golden.loc[1, "full_name"] == "Trần Hữu Tiến"
    assert golden.loc[1, "date_of_birth"] == dt.date(1993, 12, 10)  # the newer registration's date
    assert golden.loc[1, "new_ward_code"] == golden.loc[1, "current_new_ward_code"] == "00292"  # where they stay
    assert golden.loc[1, "permanent_new_ward_code"] == "00322"
    assert golden.loc[2, "full_name"] == "Trần Thu Hà"  # the dropped middle name is not a spelling


JUNE = dt.date(2025, 6, 30)


def _residence(rid: str, ward: str, kind: str | None, registered=None, ends=None, **extra):
    """One record of person 1 (Nguyễn Thị Lan), registered in ``ward`` (new ward code) as ``kind``."""
    return _record(
        rid,
        1,
        "Nguyễn Thị Lan",
        "nguyen thi lan",
        dt.date(1990, 3, 8),
        "day",
        None,
        None,
        extra.pop("as_of", JUNE),
        residence_type=kind,
        registration_date=registered,
        registration_end_date=ends,
        new_ward_code=ward,
        **extra,
    )


@pytest.mark.parametrize(
    ("records", "current", "permanent", "why"),
    [
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2012, 5, 10)),
                _residence("00319/residents/2", "00331", "temporary", dt.date(2024, 9, 1), dt.date(2026, 8, 31)),
            ],
            "00331",
            "00322",
            "a temporary registration that still runs on the as-of date is where she lives",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2012, 5, 10)),
                _residence("00319/residents/2", "00331", "temporary", dt.date(2024, 3, 1), dt.date(2025, 3, 1)),
            ],
            "00322",
            "00322",
            "a lapsed temporary registration: back to the permanent residence",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2012, 5, 10)),
                _residence("00319/residents/2", "00331", "temporary", dt.date(2023, 1, 10)),
            ],
            "00322",
            "00322",
            "no end date, registered more than two years before as-of: the longest term is over",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2012, 5, 10)),
                _residence("00319/residents/2", "00331", "temporary", dt.date(2024, 2, 1)),
            ],
            "00331",
            "00322",
            "no end date, registered within two years: still valid",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent"),
                _residence("00280/residents/2", "00331", "temporary"),
            ],
            "00331",
            "00322",
            "no dates at all: the roster lists the temporary residence as current, so it is presumed valid",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2004, 6, 1)),
                _residence("00319/residents/2", "00292", "permanent", dt.date(2021, 3, 3)),
            ],
            "00292",
            "00292",
            "two permanent registrations: the newest wins (the old ward never struck her off)",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2021, 3, 3)),
                _residence("00295/residents/9", "00322", "permanent", dt.date(2019, 1, 1), person_key=2),
                _residence("00319/residents/2", "00292", "permanent", None),
                _residence("00319/residents/8", "00292", "permanent", dt.date(2018, 1, 1), person_key=3),
            ],
            "00322",
            "00322",
            "a blank registration date in a roster that keeps them counts as older than any dated one",
        ),
        (
            [
                _residence("00295/residents/1", "00322", "permanent", dt.date(2021, 3, 3)),
                _residence("00280/residents/2", "00292", "permanent", None, as_of=dt.date(2025, 7, 15)),
            ],
            "00292",
            "00292",
            "a roster that keeps no dates: the registrations are not ordered by date, the later roster decides",
        ),
        (
            [_residence("00319/residents/2", "00331", "temporary", dt.date(2022, 3, 1), dt.date(2024, 3, 1))],
            "00331",
            None,
            "only a lapsed temporary registration: the last place known; no permanent residence listed",
        ),
        (
            [_residence("00319/residents/2", "00331", None)],
            "00331",
            "00331",
            "a roster that does not say permanent or temporary lists registered (permanent) residents",
        ),
    ],
)
def test_residence_rule_worked_examples(records, current, permanent, why):
    golden = golden_records(pd.DataFrame(records)).set_index("person_key")
    person = golden.loc[1]
    assert person["current_new_ward_code"] == current, why
    assert person["new_ward_code"] == current, why
    found = person["permanent_new_ward_code"]
    assert (found if pd.notna(found) else None) == permanent, why


def test_current_residence_names_its_record_type_and_group():
    records = [
        _residence("00295/residents/1", "00322", "permanent", dt.date(2012, 5, 10), residential_group="7"),
        _residence(
            "00319/residents/2", "00331", "temporary", dt.date(2024, 9, 1), dt.date(2026, 8, 31), residential_group="12"
        ),
    ]
    person = golden_records(pd.DataFrame(records)).iloc[0]
    assert (person["current_residence_type"], person["current_residential_group"]) == ("temporary", "12")
    assert person["permanent_residential_group"] == "7"
    assert person["address_source"] == "00319/residents/2" and person["permanent_source"] == "00295/residents/1"


def test_households_merge_on_shared_members_not_on_a_lodger():
    rows = []
    # A family of three listed by two former wards (moved), and a lodger who left another family of three.
    for ward, hh in (("00280", "HK1"), ("00295", "X9")):
        for person in (1, 2, 3):
            rows.append({"former_ward_code": ward, "dataset": "residents", "household_id": hh, "person_key": person})
    for person in (4, 5, 6):
        rows.append({"former_ward_code": "00280", "dataset": "residents", "household_id": "HK2", "person_key": person})
    rows.append({"former_ward_code": "00298", "dataset": "residents", "household_id": "TD7", "person_key": 6})
    rows.append({"former_ward_code": "00298", "dataset": "residents", "household_id": None, "person_key": 7})
    records = pd.DataFrame(rows)
    records["source_household"] = source_household_ids(records)
    assert records["source_household"].iloc[-1] is None or pd.isna(records["source_household"].iloc[-1])
    clusters = household_clusters(records)
    assert clusters["00280/residents/HK1"] == clusters["00295/residents/X9"]
    assert clusters["00280/residents/HK2"] != clusters["00298/residents/TD7"]
    assert len(set(clusters)) == 3 and not np.any(clusters.index.isna())
