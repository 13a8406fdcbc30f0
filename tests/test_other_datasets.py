"""End to end on generated dossiers, budget reports, petitions and business households, on DuckDB and PostgreSQL:
every source row accounted for, the truth's verdicts, and the values the truth determines computed from the tables."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assets.lib.warehouse import Warehouse, warehouse_from_url
from pipelines import cli
from pipelines.settings import SETTINGS
from sample_data import generate
from sample_data.evaluation import evaluate_dataset, evaluate_party_links, load_truth
from schemas import warehouse as w
from schemas.datasets.budget import executed_field

# Two former wards cover both formats of every dataset (formats alternate between former wards in code order).
WARDS = ("00280", "00295")
DATASETS = ("residents", "dossiers", "budget", "petitions", "business_households")
AMOUNTS = ["estimate_amount", *(executed_field(m) for m in range(1, 7)), "executed_ytd"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("other")
    generate(base / "all", scale=0.03, seed=5)
    for code in WARDS:
        shutil.copytree(base / "all" / code, base / "landing" / code)
    return base


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)


def _timeliness(conn: sa.Connection) -> Counter:
    """Timeliness as analysts compute it from dossier_record (docs/warehouse.md): the definition, in SQL."""
    d = w.RECORD_TABLES["dossiers"]
    done, due = sa.cast(d.c.finished_at, sa.Date), sa.cast(d.c.due_at, sa.Date)
    timeliness = sa.case(
        (d.c.status.in_(("refused", "withdrawn")), d.c.status),
        (d.c.finished_at.is_not(None), sa.case((done < due, "early"), (done == due, "on_time"), else_="late")),
        (due < d.c.as_of, "overdue"),
        else_="open",
    )
    rows = conn.execute(sa.select(d.c.former_ward_code, timeliness, sa.func.count()).group_by(
        d.c.former_ward_code, timeliness))  # fmt: skip
    return Counter({(ward, cls): n for ward, cls, n in rows})


def _snapshot(wh: Warehouse) -> dict[str, list[tuple]]:
    tables = (w.nonrecord_row, w.record_person_link, w.crosswalk_weights, *(w.RECORD_TABLES[d] for d in DATASETS))
    with wh.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(sa.select(t)).fetchall())) for t in tables}


def test_all_five_datasets_load_as_the_truth_says(generated, warehouse_url, tmp_path, capsys):
    args = ["run", "--landing", str(generated / "landing"), "--warehouse", warehouse_url,
            "--data-dir", str(tmp_path / "data")]  # fmt: skip
    code = cli.main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "rows per dataset" in out and "budget" in out and "set apart" in out
    wh = warehouse_from_url(warehouse_url)
    truth_dir = generated / "truth"

    # Every source row of every dataset in exactly one place, for the reason the truth gives.
    for dataset in DATASETS:
        m = evaluate_dataset(wh, truth_dir, dataset, WARDS)
        assert (m.unaccounted, m.doubled, m.disposition_mismatches) == (0, 0, 0), (dataset, m)
        assert m.warehouse_rows == m.truth_rows > 0, dataset
        assert (m.rule_mismatches, m.flag_mismatches, m.reason_mismatches) == (0, 0, 0), (dataset, m)
        assert (m.set_aside_mismatches, m.total_check_mismatches) == (0, 0), (dataset, m)
        assert m.routing_accuracy == 1.0, dataset

    dossiers = load_truth(truth_dir, "dossiers", WARDS)
    budget = load_truth(truth_dir, "budget", WARDS)
    petitions = load_truth(truth_dir, "petitions", WARDS)
    households = load_truth(truth_dir, "business_households", WARDS)
    # The sample has what this test is about: page copies, a stale copy or a defect, totals that do not balance.
    assert (dossiers["expected_row_kind"] == "exact_copy").sum() > 0
    assert (budget["expected_row_kind"] == "total").sum() > 0 and (budget["expected_disposition"] == "quarantine").any()
    assert (budget["expected_total_check"] == "unbalanced").any()

    with wh.engine.connect() as conn:
        # Dossier timeliness by class: a dossier exported twice counts once, refused and withdrawn apart.
        loaded = dossiers[dossiers["expected_disposition"] == "loaded"]
        expected = Counter(zip(loaded["former_ward_code"], loaded["expected_timeliness"], strict=True))
        assert _timeliness(conn) == expected

        # Budget: per former ward and flow, every amount summed over the lines (never the totals) = the truth.
        line = w.RECORD_TABLES["budget"]
        found = wh.read_frame(conn, sa.select(line.c.former_ward_code, line.c.flow,
                              *(sa.func.sum(line.c[f]).label(f) for f in AMOUNTS)).group_by(
                              line.c.former_ward_code, line.c.flow))  # fmt: skip
        leaves = budget[budget["expected_disposition"] == "loaded"]
        sums = leaves.groupby(["former_ward_code", "flow"])[AMOUNTS].sum()
        for _, row in found.iterrows():
            for f in AMOUNTS:
                assert int(row[f] or 0) == int(sums.loc[(row["former_ward_code"], row["flow"]), f]), (row, f)
        assert len(found) == len(sums)

        # Petitions by type and handling status; business households by new ward and status.
        p = w.RECORD_TABLES["petitions"]
        got = Counter({tuple(r[:3]): r[3] for r in conn.execute(
            sa.select(p.c.former_ward_code, p.c.petition_type, p.c.handling_status, sa.func.count()).group_by(
                p.c.former_ward_code, p.c.petition_type, p.c.handling_status))})  # fmt: skip
        ok = petitions[petitions["expected_disposition"] == "loaded"]
        assert got == Counter(zip(ok["former_ward_code"], ok["petition_type"], ok["handling_status"], strict=True))
        b = w.RECORD_TABLES["business_households"]
        got = Counter({tuple(r[:2]): r[2] for r in conn.execute(
            sa.select(b.c.new_ward_code, b.c.status, sa.func.count()).group_by(b.c.new_ward_code, b.c.status))})
        ok = households[households["expected_disposition"] == "loaded"]
        assert got == Counter(zip(ok["expected_new_ward_code"], ok["status"], strict=True))  # fmt: skip

        # Totals are set apart with their label, never loaded as lines.
        labels = {r[0] for r in conn.execute(sa.select(line.c.item_name)) if r[0]}
        totals = wh.read_frame(conn, sa.select(w.nonrecord_row).where(w.nonrecord_row.c.kind == "total"))
        weights = wh.read_frame(conn, sa.select(w.crosswalk_weights))
    assert not any(label.upper().startswith("TỔNG") for label in labels)
    assert len(totals) == (budget["expected_row_kind"] == "total").sum() and totals["label"].notna().all()
    # Apportioning: every weight set sums to 1; the population shares are the truth's routed residents.
    sums = weights.groupby(["former_ward_code", "basis"])["weight"].sum()
    assert set(sums.index.get_level_values("basis")) == {"population", "households", "business_households", "budget"}
    assert ((sums - 1.0).abs() < 1e-9).all()
    residents = load_truth(truth_dir, "residents", WARDS)
    placed = residents[residents["expected_disposition"] == "loaded"]
    shares = placed.groupby("former_ward_code")["expected_new_ward_code"].value_counts(normalize=True)
    population = weights[weights["basis"] == "population"].set_index(["former_ward_code", "new_ward_code"])["weight"]
    for (ward, new), share in shares.items():
        assert population.loc[(ward, new)] == pytest.approx(share, abs=1e-12)
    budget_weights = weights[weights["basis"] == "budget"].set_index(["former_ward_code", "new_ward_code"])["weight"]
    assert budget_weights.loc[list(WARDS)].equals(population.loc[list(WARDS)])

    # Applicants, owners and petitioners: never linked to the wrong person, nor an outsider to anyone.
    for dataset in ("dossiers", "business_households", "petitions"):
        links = evaluate_party_links(wh, truth_dir, dataset, WARDS)
        # (a link's person is judged by the persons stage's clustering, so allow the linkage's rare false merge)
        assert links.precision >= 0.99 and links.outsiders_linked == 0, (dataset, links)
        assert links.recall >= 0.98 and links.identifiable > 0, (dataset, links)

    if warehouse_url.startswith("duckdb"):  # re-running identical inputs changes no row (once is enough)
        first = _snapshot(wh)
        wh.engine.dispose()
        assert cli.main(args) == 0
        assert _snapshot(wh) == first
    wh.engine.dispose()


def test_weights_of_a_ward_with_nothing_routed_fall_back_and_still_sum_to_one():
    from assets.lib.apportion import FALLBACK_EQUAL, FALLBACK_POPULATION, SOLE, unbalanced_sets, weight_rows

    counts = {
        "population": pd.DataFrame({"former_ward_code": ["A", "A"], "new_ward_code": ["N1", "N2"], "n": [3, 1]}),
        "households": pd.DataFrame(columns=["former_ward_code", "new_ward_code", "n"]),
    }
    weights = weight_rows(["A", "B", "C"], {"A": ["N1", "N2"], "B": ["N3"], "C": ["N1", "N4", "N5"]}, counts)
    assert not unbalanced_sets(weights)
    a = weights[weights["former_ward_code"] == "A"].set_index(["basis", "new_ward_code"])
    assert a.loc[("population", "N1"), "weight"] == 0.75 and a.loc[("budget", "N2"), "weight"] == 0.25
    assert a.loc[("households", "N1"), "method"] == FALLBACK_POPULATION  # no household counted: population
    assert set(weights[weights["former_ward_code"] == "B"]["method"]) == {SOLE}
    c = weights[(weights["former_ward_code"] == "C") & (weights["basis"] == "population")]
    assert set(c["method"]) == {FALLBACK_EQUAL} and c["weight"].tolist() == pytest.approx([1 / 3] * 3)
