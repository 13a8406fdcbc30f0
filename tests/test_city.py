"""Several new wards in one deployment: `--ward` lists and `all-hanoi`, the generated city sample, wholesale routing.

The run covers two new wards of Hà Nội, 00382 (Minh Trí, Minh Phú and Tân Dân went whole into it) and 09616
(Kim Sơn and Sơn Đông went whole into it; Cổ Đông was divided between it and 09988): five former communes routed
wholesale by the crosswalk and one routed by the sample's made-up rules, people moving between any two of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from assets.lib.routing import Router, RoutingRule
from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from pipelines.definitions import former_ward_codes
from pipelines.settings import SETTINGS, build_settings
from sample_data import generate
from sample_data.evaluation import evaluate_persons, evaluate_residents
from schemas import warehouse as w
from schemas.admin_units import expand_new_wards, former_wards_of_many, undivided_successors

NEW_WARDS = ("00382", "09616")
WHOLESALE = {"00382": "00382", "00397": "00382", "00415": "00382", "09610": "09616", "09613": "09616"}
SPLIT = "09616"  # Cổ Đông: part to 09616, part to 09988


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)


def test_all_hanoi_is_every_former_commune_of_the_city() -> None:
    new = expand_new_wards("all-hanoi")
    assert len(new) == 126 and new == sorted(new)
    assert len(former_ward_codes(new)) == 526  # the crosswalk: 526 former units → 126 new ones
    assert expand_new_wards(["00322", "ALL-HANOI", "00322"]) == ["00322", *[c for c in new if c != "00322"]]
    settings = build_settings({"ward": "all-hanoi"}, environ={})
    assert settings.target_wards == new


def test_ward_is_repeatable_and_comma_separated() -> None:
    args = cli._parser().parse_args(["run", "--ward", "00382", "--ward", "09616,00322"])
    assert cli._ward_text(args.ward) == "00382,09616,00322"
    assert build_settings({"ward": cli._ward_text(args.ward)}, environ={}).target_wards == ["00382", "09616", "00322"]


def test_a_ward_that_went_whole_is_routed_wholesale_unless_the_table_lists_it() -> None:
    assert {code: undivided_successors()[code] for code in WHOLESALE} == WHOLESALE
    assert SPLIT not in undivided_successors()
    listed = RoutingRule(former_ward_code="00397", group="1", street=None, new_ward_code="00382")
    router = Router([listed], wholesale=undivided_successors())
    placed = router.place("00382", None, None)
    assert (placed.new_ward_code, placed.method) == ("00382", "wholesale")
    # The table names 00397: its rules apply, so a record without a known group goes to review as before.
    assert router.place("00397", "7", None).new_ward_code is None


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    base = tmp_path_factory.mktemp("city")
    report = generate(base / "landing", scale=0.02, seed=11, ward=",".join(NEW_WARDS))
    assert report.sources_dir == base / "sources" and report.routing_table == base / "routing.csv"
    assert report.routing_kinds == {"shipped": 0, "made_up": 1, "wholesale": 5}
    url = f"duckdb:///{base / 'w.duckdb'}"
    code = cli.main(
        [
            "run", "--ward", NEW_WARDS[0], "--ward", NEW_WARDS[1], "--landing", str(base / "landing"),
            "--sources", str(base / "sources"), "--routing", str(base / "routing.csv"), "--warehouse", url,
            "--data-dir", str(base / "data"),
        ]
    )  # fmt: skip
    return base, code, url


def test_several_new_wards_run_every_former_commune_and_route_as_the_truth_says(city) -> None:
    base, code, url = city
    assert code == 0
    wh = warehouse_from_url(url)
    formers = {fw.code for fws in former_wards_of_many(NEW_WARDS).values() for fw in fws}
    assert formers == {*WHOLESALE, SPLIT}
    r = w.resident_record
    with wh.engine.connect() as conn:
        placed = conn.execute(
            sa.select(r.c.former_ward_code, r.c.route_method, r.c.new_ward_code, sa.func.count()).group_by(
                r.c.former_ward_code, r.c.route_method, r.c.new_ward_code
            )
        ).all()
    assert {row[0] for row in placed} == formers  # every partition loaded records
    for former, method, new, _n in placed:
        if former in WHOLESALE:
            assert (method, new) == ("wholesale", WHOLESALE[former])
        else:
            assert method in ("group", "street") and new in ("09616", "09988")
    assert {new for former, _m, new, _n in placed if former == SPLIT} == {"09616", "09988"}
    metrics = evaluate_residents(wh, base / "truth")
    assert metrics.unaccounted == 0 and metrics.doubled == 0
    assert metrics.routing_accuracy == 1.0 and metrics.disposition_mismatches == 0


def test_people_who_moved_between_former_communes_are_linked_across_them(city) -> None:
    base, code, url = city
    assert code == 0
    persons = evaluate_persons(warehouse_from_url(url), base / "truth")
    assert persons.linked_persons > 0  # people listed in two former communes
    assert persons.pair_precision >= 0.99 and persons.pair_recall >= 0.97
    assert persons.current_ward_accuracy >= 0.99
