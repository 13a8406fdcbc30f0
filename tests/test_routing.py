"""Routing: residential group first, then street with refinements, else review with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.lib.addresses import alley_key, house_number_key, normalise_group, street_key
from assets.lib.routing import Router, RoutingTableError, load_routing_table
from schemas import SHIPPED_ROUTING

TABLE = """former_ward_code,residential_group,street,new_ward_code,alley,house_from,house_to,parity
00280,Tổ 5,,00322,,,,
00280,TDP số 6,,00292,,,,
00280,,Phố Tân Mai,00322,,,,
00280,,Giải Phóng,00322,,1,99,odd
00280,,Giải Phóng,00292,,2,98,even
00280,,Giải Phóng,00292,,101,,
00280,,Trương Định,00322,,,,
00280,,Trương Định,00292,,,,
00280,,Trương Định,00292,91,,,
00304,5,,00331,,,,
"""


@pytest.fixture
def router(tmp_path: Path) -> Router:
    path = tmp_path / "routing.csv"
    path.write_text(TABLE, encoding="utf-8")
    return Router(load_routing_table(path))


@pytest.mark.parametrize(
    ("ward", "group", "street", "alley", "house", "expected"),
    [
        ("00280", "Tổ 5", None, None, None, ("00322", "group", None)),
        ("00280", "TDP số 05", "Giải Phóng", None, "2", ("00322", "group", None)),  # group beats street
        ("00280", "tổ dân phố 6", None, None, None, ("00292", "group", None)),
        ("00304", "5", None, None, None, ("00331", "group", None)),  # same group number, other former ward
        ("00280", None, "TÂN MAI", None, None, ("00322", "street", None)),
        ("00280", "Tổ 99", "đường Tân Mai", None, None, ("00322", "street", None)),  # unknown group, known street
        ("00280", None, "Giải Phóng", None, "15", ("00322", "street+refinement", None)),
        ("00280", None, "Giải Phóng", None, "16B", ("00292", "street+refinement", None)),
        ("00280", None, "Giải Phóng", None, "203", ("00292", "street+refinement", None)),
        ("00280", None, "Giải Phóng", None, None, (None, None, "street_ambiguous")),
        ("00280", None, "Trương Định", None, "4", (None, None, "street_ambiguous")),
        ("00280", None, "Trương Định", "Ngõ 91", "4", ("00292", "street+refinement", None)),
        ("00280", None, None, None, None, (None, None, "no_group_or_street")),
        ("00280", "Tổ 99", None, None, None, (None, None, "unknown_group_and_street")),
        ("00280", None, "Kim Ngưu", None, None, (None, None, "unknown_group_and_street")),
        ("00295", "Tổ 5", "Tân Mai", None, None, (None, None, "unknown_group_and_street")),  # rules are per ward
    ],
)
def test_router_places_by_group_then_street(router, ward, group, street, alley, house, expected):
    placement = router.place(
        ward,
        normalise_group(group) if group else None,
        street_key(street) if street else None,
        alley_key(alley) if alley else None,
        house_number_key(house) if house else None,
    )
    assert (placement.new_ward_code, placement.method, placement.reason) == expected


SPECIFIC = """former_ward_code,residential_group,street,new_ward_code,alley,house_from,house_to,parity
00298,,Kim Đồng,00292,,,,
00298,,Kim Đồng,00322,,1,199,
00298,,Kim Đồng,00331,,1,199,odd
00298,,Kim Đồng,00283,45,,,
00298,,Kim Đồng,00301,45,1,50,
"""


@pytest.mark.parametrize(
    ("alley", "house", "expected"),
    [
        (None, None, ("00292", "street")),  # only the bare street rule matches
        (None, "250", ("00292", "street")),  # beyond every range
        (None, "20", ("00322", "street+refinement")),  # the range beats the bare street
        (None, "21", ("00331", "street+refinement")),  # range and parity beat the range alone
        ("Ngõ 45", None, ("00283", "street+refinement")),  # the alley beats the bare street
        ("Ngõ 45", "30", ("00301", "street+refinement")),  # alley and range beat the range alone and the alley
        ("ngõ 45", "60", ("00322", "street+refinement")),  # outside the alley's range: range (2) beats alley (1)
        ("Ngõ 45", "31", (None, None)),  # alley+range and range+odd tie at three refinements, different wards
    ],
)
def test_the_most_specific_matching_rule_wins(tmp_path, alley, house, expected):
    path = tmp_path / "routing.csv"
    path.write_text(SPECIFIC, encoding="utf-8")
    placement = Router(load_routing_table(path)).place(
        "00298", None, street_key("phố Kim Đồng"), alley_key(alley) if alley else None,
        house_number_key(house) if house else None,
    )  # fmt: skip
    assert (placement.new_ward_code, placement.method) == expected
    assert placement.reason == (None if expected[0] else "street_ambiguous")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("00280,Tổ 7,,322,,,,", "row 2, column 'new_ward_code': expected a five-digit code"),
        ("00280,Tổ 7,Tân Mai,00322,,,,", "exactly one of residential_group or street"),
        ("00280,,Tân Mai,00322,,10,x,", "row 2, column 'house_to'"),
        ("00280,,Tân Mai,00322,,,,both", "parity must be odd or even"),
        ("00280,Tổ 7,,00322,,1,,", "refinements apply to street rules only"),
    ],
)
def test_bad_routing_rows_are_named(tmp_path, row, message):
    path = tmp_path / "routing.csv"
    path.write_text(TABLE.splitlines()[0] + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(RoutingTableError) as err:
        load_routing_table(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_conflicting_group_rules_are_refused(tmp_path):
    path = tmp_path / "routing.csv"
    path.write_text(TABLE + "00280,5,,00292,,,,\n", encoding="utf-8")
    with pytest.raises(RoutingTableError, match="also routed on row 2"):
        load_routing_table(path)


def test_shipped_routing_table_is_valid_and_covers_every_former_ward():
    from schemas.admin_units import former_wards, load_admin_units

    new_codes = set(load_admin_units().query("era == 'new'")["code"])
    rules = load_routing_table(SHIPPED_ROUTING, known_new_codes=new_codes)
    wards = {r.former_ward_code for r in rules}
    assert wards == {fw.code for fw in former_wards("00322")}
    # Every rule sends records to the target or to a ward that really received part of that former ward.
    receiving = {fw.code: {code for code, _ in fw.receiving} for fw in former_wards("00322")}
    assert all(r.new_ward_code in receiving[r.former_ward_code] for r in rules)
