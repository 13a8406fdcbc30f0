"""Officers' decisions in runs: revokes, precedence of record and rule decisions, and a re-run on both backends
moving decided records out of the review queue with the accounting invariant intact."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from review_fixture import PAIR_IDS, run_pipeline, write_deployment

from assets.lib.review_decisions import (
    RECORD,
    REVOKE,
    RULE,
    active_mask,
    active_match_decisions,
    apply_routing_decisions,
    routing_overrides,
)
from assets.lib.warehouse import warehouse_from_url
from review_desk import queries
from schemas import warehouse as w

NOW = dt.datetime(2026, 12, 1, 9, 0)


def decision(id_: int, kind: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {c.name: None for c in w.routing_decision.columns}
    row.update(id=id_, kind=kind, former_ward_code="00280", dataset="residents", decided_by="lan",
               decided_at=NOW, note="paper file")  # fmt: skip
    row.update(values)
    return row


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        ([(1, None, False)], [True]),
        ([(1, None, False), (2, 1, True)], [False, True]),  # undo
        ([(1, None, False), (2, 1, True), (3, 2, True)], [True, False, True]),  # undo of the undo: back in force
        ([(1, None, False), (2, 1, True), (3, 2, True), (4, 3, True)], [False, True, False, True]),
        ([(1, None, False), (2, 5, True)], [True, True]),  # a revoke of a later id is ignored
    ],
)
def test_a_revoke_cancels_the_decision_it_names_unless_itself_revoked(chain, expected):
    ids, targets, revokes = zip(*chain, strict=True)
    assert active_mask(ids, targets, revokes) == expected


def _routed(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {"source_record_id": None, "residential_group": None, "street": None, "alley": None,
            "house_number": None, "new_ward_code": None, "route_method": None, "_disposition": "review",
            "_rules": "street_ambiguous"}  # fmt: skip
    return pd.DataFrame([{**base, **row} for row in rows])


def _apply(routed: pd.DataFrame, decisions: list[dict[str, object]]) -> pd.DataFrame:
    overrides = routing_overrides(pd.DataFrame(decisions), "00280", "residents")
    return apply_routing_decisions(routed, "residents", overrides)


def test_record_decision_beats_rule_and_most_specific_rule_wins():
    routed = _routed(
        [
            {"source_record_id": "A", "street": "Phố Giải Phóng", "house_number": "11"},
            {"source_record_id": "B", "street": "Giải Phóng", "house_number": "12"},
            {"source_record_id": "C", "street": "GIAI PHONG", "house_number": "Số 13"},
            {"source_record_id": "D", "street": "Kim Đồng", "house_number": "13"},
            {"source_record_id": "E", "street": "Giải Phóng", "house_number": "15", "_disposition": "quarantine"},
        ]
    )
    out = _apply(
        routed,
        [
            decision(1, RULE, street_key="giai phong", new_ward_code="00292"),
            decision(2, RULE, street_key="giai phong", house_from=1, house_to=99, parity="odd", new_ward_code="00322"),
            decision(3, RECORD, source_record_id="C", new_ward_code="00331", set_residential_group="7"),
        ],
    ).set_index("source_record_id")
    assert out.loc["A", "new_ward_code"] == "00322" and out.loc["A", "routing_decision_id"] == 2  # specific rule
    assert out.loc["B", "new_ward_code"] == "00292" and out.loc["B", "routing_decision_id"] == 1  # even: general
    assert out.loc["C", "new_ward_code"] == "00331" and out.loc["C", "residential_group"] == "7"  # record wins
    assert out.loc["D", "_disposition"] == "review" and pd.isna(out.loc["D", "routing_decision_id"])
    assert out.loc["E", "_disposition"] == "quarantine"  # rejected records are never placed
    placed = out.loc[["A", "B", "C"]]
    assert (placed["_disposition"] == "accepted").all() and placed["_rules"].isna().all()
    assert (placed["route_method"] == "decision").all()
    assert out.loc["A", "street_key"] == "giai phong" and out.loc["C", "house_key"] == 13


def test_a_street_rule_never_moves_a_record_its_group_placed_but_a_group_rule_does():
    routed = _routed(
        [
            {"source_record_id": "G", "street": "Giải Phóng", "residential_group": "5", "new_ward_code": "00292",
             "route_method": "group", "_disposition": "accepted", "_rules": None},
            {"source_record_id": "S", "street": "Giải Phóng", "new_ward_code": "00292", "route_method": "street",
             "_disposition": "accepted", "_rules": None},
        ]
    )  # fmt: skip
    out = _apply(routed, [decision(1, RULE, street_key="giai phong", new_ward_code="00322")]).set_index(
        "source_record_id"
    )
    assert out.loc["G", "new_ward_code"] == "00292" and out.loc["G", "route_method"] == "group"
    assert out.loc["S", "new_ward_code"] == "00322" and out.loc["S", "route_method"] == "decision"
    out = _apply(routed, [decision(1, RULE, residential_group="5", new_ward_code="00331")])
    assert out.set_index("source_record_id").loc["G", "new_ward_code"] == "00331"


def test_revoked_rule_no_longer_places_and_other_wards_are_untouched():
    routed = _routed([{"source_record_id": "A", "street": "Giải Phóng", "house_number": "11"}])
    out = _apply(
        routed,
        [
            decision(1, RULE, street_key="giai phong", new_ward_code="00292"),
            decision(2, REVOKE, revokes=1),
            decision(3, RULE, street_key="giai phong", new_ward_code="00331", former_ward_code="00295"),
        ],
    )
    assert out.loc[0, "_disposition"] == "review" and out.loc[0, "new_ward_code"] is None


def test_latest_active_match_decision_per_pair_in_either_order():
    frame = pd.DataFrame(
        [
            {"id": 1, "record_id_l": "a", "record_id_r": "b", "decision": "same", "revokes": None},
            {"id": 2, "record_id_l": "b", "record_id_r": "a", "decision": "different", "revokes": None},
            {"id": 3, "record_id_l": "c", "record_id_r": "d", "decision": "same", "revokes": None},
            {"id": 4, "record_id_l": "c", "record_id_r": "d", "decision": "revoke", "revokes": 3},
        ]
    )
    active = active_match_decisions(frame)
    assert active.to_dict("records") == [{"record_id_l": "a", "record_id_r": "b", "decision": "different"}]
    # Hand-written rows of an older layout (no id, no revokes) still count.
    legacy = frame.drop(columns=["id", "revokes"]).iloc[[0, 2]]
    assert len(active_match_decisions(legacy)) == 2


# ------------------------------------------------------------------------------------------ end to end


def _state(url: str) -> dict[str, object]:
    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        review = {r[0] for r in conn.execute(sa.select(w.review_queue.c.source_record_id))}
        placed = {
            r.source_record_id: (r.new_ward_code, r.residential_group, r.routing_decision_id, r.route_method)
            for r in conn.execute(sa.select(w.resident_record))
        }
        xref = dict(
            conn.execute(sa.select(w.person_source_xref.c.source_record_id, w.person_source_xref.c.person_key)).all()
        )
        quarantined = conn.execute(sa.select(sa.func.count()).select_from(w.quarantine)).scalar_one()
    wh.engine.dispose()
    return {"review": review, "placed": placed, "xref": xref, "rows": len(review) + len(placed) + quarantined}


def _decide(url: str, routing: list[dict[str, object]] = (), match: list[dict[str, object]] = ()) -> list[int]:
    wh = warehouse_from_url(url)
    ids = []
    with wh.engine.begin() as conn:
        for values in routing:
            ids.append(queries.insert_routing_decision(conn, values))
        for values in match:
            ids.append(queries.insert_match_decision(conn, values))
    wh.engine.dispose()
    return ids


def test_decisions_move_records_out_of_review_on_the_next_run_and_an_undo_moves_them_back(tmp_path, warehouse_url):
    settings = write_deployment(tmp_path, warehouse_url)
    instance = run_pipeline(settings)
    first = _state(warehouse_url)
    assert {"GP11", "GP13", "GP15", "GP20", "NA1", "UG1-00295"} <= first["review"]
    signed = {"decided_by": "lan", "decided_at": NOW, "note": "paper file"}
    common = {**signed, "dataset": "residents"}
    rule, record, group_rule = _decide(
        warehouse_url,
        routing=[
            {**common, "kind": RULE, "former_ward_code": "00280", "street": "Giải Phóng", "street_key": "giai phong",
             "house_from": 1, "house_to": 99, "parity": "odd", "new_ward_code": "00322"},
            {**common, "kind": RECORD, "former_ward_code": "00280", "source_record_id": "NA1",
             "new_ward_code": "00292", "set_residential_group": "7"},
            {**common, "kind": RULE, "former_ward_code": "00295", "residential_group": "9",
             "street_key": "kim dong", "new_ward_code": "00322"},
        ],
    )  # fmt: skip
    assert _state(warehouse_url)["review"] == first["review"]  # a decision acts at the next run, not before
    pair = _decide(warehouse_url, match=[{**signed, "record_id_l": PAIR_IDS[0], "record_id_r": PAIR_IDS[1],
                                          "decision": "same"}])[0]  # fmt: skip

    run_pipeline(settings, instance=instance)
    second = _state(warehouse_url)
    moved = {"GP11", "GP13", "GP15", "NA1", "UG1-00295", "UG2-00295"}
    assert second["review"] == first["review"] - moved
    assert second["placed"]["GP11"] == ("00322", None, rule, "decision")
    assert second["placed"]["NA1"] == ("00292", "7", record, "decision")
    assert second["placed"]["UG2-00295"][2] == group_rule
    assert moved <= set(second["xref"])  # placed records have persons
    assert second["rows"] == first["rows"]  # every source row still in exactly one table
    assert second["xref"]["P1"] == second["xref"]["P2"]  # the pair decided "same" is one person
    assert "GP20" in second["review"] and "UG1-00280" in second["review"]  # not covered: still waiting

    # Undo: new revoke decisions; the records go back to the queue and the pair apart at the next run.
    _decide(
        warehouse_url,
        routing=[{**common, "kind": REVOKE, "former_ward_code": "00280", "revokes": record}],
        match=[{**signed, "record_id_l": PAIR_IDS[0], "record_id_r": PAIR_IDS[1], "decision": "revoke",
                "revokes": pair}],
    )  # fmt: skip
    run_pipeline(settings, instance=instance)
    third = _state(warehouse_url)
    assert "NA1" in third["review"] and "NA1" not in third["xref"]
    assert "GP11" not in third["review"]
    assert third["xref"]["P1"] != third["xref"]["P2"]
    assert third["rows"] == first["rows"]
    # Runs never write decisions.
    wh = warehouse_from_url(warehouse_url)
    with wh.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(w.routing_decision)).scalar_one() == 4
        assert conn.execute(sa.select(sa.func.count()).select_from(w.match_decision)).scalar_one() == 2
    wh.engine.dispose()
