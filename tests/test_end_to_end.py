"""End to end on generated rosters: `wardmerge run` against the generator's truth, on DuckDB and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from pipelines.settings import SETTINGS
from sample_data import generate
from sample_data.evaluation import evaluate_persons, evaluate_residents, load_truth
from schemas import warehouse as w

SCALE = 0.03


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("generated")
    # Residents alone: the other datasets have their own end-to-end test (tests/test_other_datasets.py).
    generate(base / "landing", scale=SCALE, seed=7, datasets=())
    return base


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI exports its options (as the UI reads them); restore the environment after each test.
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)


def _run(landing: Path, url: str, data_dir: Path, *extra: str) -> int:
    return cli.main(["run", "--landing", str(landing), "--warehouse", url, "--data-dir", str(data_dir), *extra])


def _residents_by_ward_match_the_truth(wh, generated: Path) -> None:
    """The README's queries: residents by the ward they live in now, and by their permanent residence."""
    person = w.dim_person
    with wh.engine.connect() as conn:
        by_current = dict(
            conn.execute(
                sa.select(person.c.current_new_ward_code, sa.func.count())
                .where(person.c.is_current.is_(True))
                .group_by(person.c.current_new_ward_code)
            ).all()
        )
        by_permanent = dict(
            conn.execute(
                sa.select(person.c.permanent_new_ward_code, sa.func.count())
                .where(person.c.is_current.is_(True))
                .group_by(person.c.permanent_new_ward_code)
            ).all()
        )
        persons = conn.execute(sa.select(sa.func.count()).where(person.c.is_current.is_(True))).scalar_one()
    truth = pd.read_parquet(generated / "truth" / "persons.parquet")
    records = pd.read_parquet(generated / "truth" / "residents_truth.parquet")
    loaded = set(records.loc[records["expected_disposition"] == "loaded", "person_id"])
    truth = truth[truth["person_id"].isin(loaded)]  # people whose every record was rejected are not counted
    assert sum(by_current.values()) == sum(by_permanent.values()) == persons
    assert set(by_current) <= set(truth["current_new_ward_code"])
    for column, counted in (("current_new_ward_code", by_current), ("permanent_new_ward_code", by_permanent)):
        true_count = int((truth[column] == "00322").sum())
        assert abs(counted["00322"] - true_count) <= 0.01 * true_count, column
    assert None in by_permanent  # people registered only temporarily have no permanent ward here


def test_generated_rosters_meet_the_targets(generated, warehouse_url, tmp_path, capsys):
    assert _run(generated / "landing", warehouse_url, tmp_path / "data") == 0
    out = capsys.readouterr().out
    assert "00304 Vĩnh Hưng" in out and "quarantined" in out
    wh = warehouse_from_url(warehouse_url)
    metrics = evaluate_residents(wh, generated / "truth")
    assert metrics.unaccounted == 0 and metrics.doubled == 0
    assert metrics.warehouse_rows == metrics.truth_rows
    assert metrics.quarantine_precision >= 0.99 and metrics.quarantine_recall >= 0.99
    assert metrics.review_precision >= 0.99 and metrics.review_recall >= 0.99
    assert metrics.routing_accuracy >= 0.995
    # Not only where each row went but why: the same rules, flags and review reasons as the truth.
    assert (metrics.rule_mismatches, metrics.flag_mismatches, metrics.reason_mismatches) == (0, 0, 0)
    # Persons across former wards (the benchmark holds the full targets at scale 1; this is a small sample).
    persons = evaluate_persons(wh, generated / "truth")
    assert persons.pair_precision >= 0.99 and persons.pair_recall >= 0.99
    assert persons.household_f1 >= 0.95
    assert persons.persons_predicted < persons.records  # people listed twice became one
    assert sum(persons.lookalike_false_pairs.values()) == 0  # no twins or namesakes joined
    # Where each person lives: where the sources describe a person completely, exactly the law's answer.
    assert persons.residence_complete_persons > 3000 and persons.residence_complete_split_persons > 20
    assert persons.current_ward_accuracy_complete == 1.0
    assert persons.permanent_ward_accuracy_complete == 1.0
    assert persons.current_ward_accuracy >= 0.99 and persons.permanent_ward_accuracy >= 0.99
    for attribute, figure in persons.golden_all.items():
        assert figure.determinable >= 0.999, attribute
    _residents_by_ward_match_the_truth(wh, generated)
    # Personal data never reaches the quarantine table in clear: the quarantined people's own names and IDs
    # (from the truth) appear nowhere in the masked values.
    with wh.engine.connect() as conn:
        masked = wh.read_frame(conn, sa.select(w.quarantine_rule))
    wh.engine.dispose()
    truth = load_truth(generated / "truth")
    rejected = truth[truth["expected_disposition"] == "quarantine"]
    secrets = {nid for nid in rejected["national_id"].dropna()} | {
        word for name in rejected["full_name"].dropna() for word in name.split() if len(word) > 2
    }
    shown = " ".join(masked["masked_value"].dropna())
    assert len(masked) >= len(rejected) and "##" in shown
    assert not [secret for secret in secrets if secret in shown]


def test_second_run_changes_nothing_and_keeps_person_keys(generated, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert _run(generated / "landing", url, tmp_path / "data") == 0
    wh = warehouse_from_url(url)

    def snapshot():
        with wh.engine.connect() as conn:
            return {
                t.name: sorted(map(tuple, conn.execute(sa.select(t)).fetchall()))
                for t in (w.resident_record, w.quarantine, w.review_queue, w.dim_person, w.person_source_xref)
            }

    first = snapshot()
    wh.engine.dispose()
    assert _run(generated / "landing", url, tmp_path / "data") == 0
    assert snapshot() == first


def test_missing_delivery_is_skipped_and_bad_file_fails_alone(generated, tmp_path, capsys):
    landing = tmp_path / "landing"
    shutil.copytree(generated / "landing", landing)
    shutil.rmtree(landing / "00325")  # Giáp Bát has not delivered yet
    (landing / "00310" / next(p.name for p in (landing / "00310").iterdir())).write_text("{not json", encoding="utf-8")
    code = _run(landing, f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path / "data")
    out = capsys.readouterr().out
    assert code == cli.EXIT_FAILED
    assert "00325 skipped: no delivered file" in out
    assert "00310 failed" in out and "not valid JSON" in out
    wh = warehouse_from_url(f"duckdb:///{tmp_path / 'w.duckdb'}")
    with wh.engine.connect() as conn:
        wards = {r[0] for r in conn.execute(sa.select(w.resident_record.c.former_ward_code).distinct())}
    assert "00304" in wards and "00310" not in wards and "00325" not in wards


def test_unseen_rosters_with_their_own_manifests_and_routing(tmp_path, capsys):
    """Nothing in the code knows the sample: other files, manifests and routing table work the same."""
    fixtures = Path(__file__).parent / "fixtures"
    landing = tmp_path / "elsewhere"
    shutil.copytree(fixtures / "landing", landing)
    code = cli.main(
        [
            "run",
            "--landing",
            str(landing),
            "--sources",
            str(fixtures / "sources"),
            "--routing",
            str(fixtures / "routing.csv"),
            "--warehouse",
            f"duckdb:///{tmp_path / 'w.duckdb'}",
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "00319 skipped: no manifest" in out
