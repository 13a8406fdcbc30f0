"""The analysts' marts (dbt, built by `wardmerge run`) on generated data, on DuckDB and PostgreSQL: every value the
generator's truth determines equals it, dbt's tests pass, the marts carry no personal column and only keyed-hash
person keys, the analyst role of PostgreSQL reads the marts and nothing else, and the DuckDB export holds the marts
alone."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import PG_URL

from assets.lib.pseudonyms import ENV_PSEUDONYM_KEY, pseudonym, pseudonym_secret
from assets.lib.warehouse import Warehouse, warehouse_from_url
from assets.marts import ANALYST_ROLE
from pipelines import cli
from pipelines.settings import ENV_MARTS, SETTINGS
from sample_data import generate
from sample_data.evaluation import load_truth
from schemas import warehouse as w
from schemas.datasets.budget import executed_field
from schemas.names import MART_MODELS, MART_SEEDS, MARTS_SCHEMA

# Two former wards cover both formats of every dataset; the new wards their records go to are several.
WARDS = ("00280", "00295")
SECRET = "marts-test-secret-" + "x" * 32
ELECTION_DAY = dt.date(2026, 3, 15)
PERSONAL = {
    "full_name", "name_key", "name_unmarked", "date_of_birth", "national_id", "phone", "house_number", "alley",
    "street", "address", "person_key", "household_id", "household_key", "source_record_id", "applicant_name",
    "applicant_id", "applicant_dob", "owner_name", "owner_id", "owner_dob", "petitioner_name", "petitioner_id",
    "subject", "business_name",
}  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("marts")
    generate(base / "all", scale=0.015, seed=5)
    for code in WARDS:
        shutil.copytree(base / "all" / code, base / "landing" / code)
    return base


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def built(request: pytest.FixtureRequest, generated: Path, tmp_path_factory, pg_admin) -> Iterator[tuple[str, Path]]:
    """`wardmerge run` into a fresh warehouse of each backend (once per module): (URL, data directory)."""
    data_dir = tmp_path_factory.mktemp(f"data_{request.param}")
    database = None
    if request.param == "duckdb":
        url = f"duckdb:///{data_dir / 'warehouse.duckdb'}"
    else:
        if pg_admin is None:
            pytest.skip("PostgreSQL unreachable (set WARDMERGE_REQUIRE_POSTGRES=1 to make this a failure)")
        database = f"wardmerge_marts_{uuid.uuid4().hex[:12]}"
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        url = sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg", database=database)
        url = url.render_as_string(hide_password=False)
    saved = {env: os.environ.pop(env, None) for env in (*(env for env, _ in SETTINGS.values()), ENV_MARTS)}
    os.environ[ENV_PSEUDONYM_KEY] = SECRET
    os.environ[ENV_MARTS] = "build"  # the suite skips them elsewhere (tests/conftest.py)
    try:
        args = ["run", "--landing", str(generated / "landing"), "--warehouse", url, "--data-dir", str(data_dir)]
        assert cli.main(args) == 0, (data_dir / "marts" / "dbt_build.log").read_text()
        yield url, data_dir
    finally:
        os.environ.pop(ENV_PSEUDONYM_KEY, None)
        os.environ.pop(ENV_MARTS, None)
        for env, value in saved.items():
            if value is not None:
                os.environ[env] = value
        if database is not None:
            with pg_admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture
def wh(built: tuple[str, Path]) -> Iterator[Warehouse]:
    warehouse = warehouse_from_url(built[0])
    yield warehouse
    warehouse.engine.dispose()


def _mart(wh: Warehouse, name: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        return pd.read_sql(sa.text(f"select * from {MARTS_SCHEMA}.{name}"), conn)


def _truth_weights(truth_dir: Path) -> pd.Series:
    """Population (and budget) weights from the truth: the share of each former ward's loaded records routed to
    each new ward."""
    residents = load_truth(truth_dir, "residents", WARDS)
    placed = residents[residents["expected_disposition"] == "loaded"]
    return placed.groupby("former_ward_code")["expected_new_ward_code"].value_counts(normalize=True)


def test_dbt_build_ran_every_model_and_test(built):
    log = (built[1] / "marts" / "dbt_build.log").read_text(encoding="utf-8")
    assert "Completed successfully" in log
    for name in (*MART_MODELS, *MART_SEEDS):
        assert f"{MARTS_SCHEMA}.{name}" in log, name
    assert log.count(" PASS ") >= 40 and " FAIL " not in log and " ERROR " not in log


def test_budget_equals_the_truth_and_never_adds_totals(built, wh, generated):
    mart = _mart(wh, "mart_budget_2025")
    budget = load_truth(generated / "truth", "budget", WARDS)
    leaves = budget[budget["expected_disposition"] == "loaded"]
    assert (budget["expected_row_kind"] == "total").sum() > 0  # the reports have totals the mart must not add
    months = [executed_field(m) for m in range(1, 7)]
    former = mart[mart["level"] == "former_ward"]
    for (ward, flow), lines in leaves.groupby(["former_ward_code", "flow"]):
        rows = former[(former["ward_code"] == ward) & (former["flow"] == flow)]
        estimate = rows.loc[rows["month"] == 1, "estimate_amount"].map(Decimal).sum()
        assert estimate == sum(map(Decimal, lines["estimate_amount"].dropna())), (ward, flow)
        for m, field in enumerate(months, start=1):
            executed = rows.loc[rows["month"] == m, "executed_amount"].dropna().map(Decimal).sum()
            assert executed == sum(map(Decimal, lines[field].dropna())), (ward, flow, m)
    # Consolidated per new ward: each former ward's lines times its budget weight (= the population share).
    weights = _truth_weights(generated / "truth")
    new = mart[(mart["level"] == "new_ward") & (mart["flow"] == "revenue") & (mart["month"] == 1)]
    for new_ward, rows in new.groupby("ward_code"):
        expected = sum(
            float(sum(map(Decimal, lines["estimate_amount"].dropna()))) * weights.get((ward, new_ward), 0.0)
            for ward, lines in leaves[leaves["flow"] == "revenue"].groupby("former_ward_code")
        )
        assert float(rows["estimate_amount"].map(Decimal).sum()) == pytest.approx(expected, rel=1e-9, abs=0.01)


def test_dossier_timeliness_equals_the_truth(built, wh, generated):
    mart = _mart(wh, "mart_dossier_timeliness")
    dossiers = load_truth(generated / "truth", "dossiers", WARDS)
    loaded = dossiers[dossiers["expected_disposition"] == "loaded"]
    expected = Counter(zip(loaded["former_ward_code"], loaded["expected_timeliness"], strict=True))
    assert {"early", "on_time", "late", "overdue"} <= {cls for _, cls in expected}
    assert (dossiers["expected_row_kind"] == "exact_copy").sum() > 0  # exported twice, counted once
    former = mart[mart["level"] == "former_ward"]
    columns = {"early": "early", "on_time": "on_time", "late": "late", "overdue": "overdue", "open": "open_in_time",
               "refused": "refused", "withdrawn": "withdrawn"}  # fmt: skip
    found = Counter()
    for ward, rows in former.groupby("ward_code"):
        for cls, column in columns.items():
            if int(rows[column].sum()):
                found[(ward, cls)] = int(rows[column].sum())
        assert int(rows["received"].sum()) == int((loaded["former_ward_code"] == ward).sum())
    assert found == expected
    # The new ward's figure is the apportioned sum: each former ward's counts times its population weight.
    weights = _truth_weights(generated / "truth")
    new = mart[mart["level"] == "new_ward"].groupby("ward_code")["late"].sum()
    for new_ward, late in new.items():
        truth_late = sum(n * weights.get((ward, new_ward), 0.0) for (ward, cls), n in expected.items() if cls == "late")
        assert late == pytest.approx(truth_late, rel=1e-9, abs=1e-9)
    rate = former["on_time_rate"].dropna()
    assert ((rate >= 0) & (rate <= 1)).all()


def test_households_equal_the_truth(built, wh, generated):
    mart = _mart(wh, "mart_households")
    residents = load_truth(generated / "truth", "residents", WARDS)
    loaded = residents[residents["expected_disposition"] == "loaded"]
    expected = loaded.groupby(["expected_new_ward_code", "former_ward_code"])["household_id"].nunique()
    found = mart.groupby(["new_ward_code", "former_ward_code"])["household_listings"].sum()
    assert found.astype(int).to_dict() == expected.astype(int).to_dict()
    assert int(mart["residents"].sum()) == len(loaded)


def test_ward_targets_apportioned_baselines_equal_the_truth(built, wh, generated):
    mart = _mart(wh, "mart_ward_targets").set_index("target_code")
    assert len(mart) == 13 and mart["area"].value_counts().to_dict() == {"social": 10, "economic": 2, "urban": 1}
    truth_dir = generated / "truth"
    weights = _truth_weights(truth_dir)
    residents = load_truth(truth_dir, "residents", WARDS)
    loaded = residents[residents["expected_disposition"] == "loaded"]
    # S01: every former ward's accepted residents times its population weight for Tương Mai.
    expected = sum(
        n * weights.get((ward, "00322"), 0.0) for ward, n in loaded["former_ward_code"].value_counts().items()
    )
    assert mart.loc["S01", "baseline_value"] == pytest.approx(expected, rel=1e-12)
    # S04: the on-time rate of the apportioned counts.
    dossiers = load_truth(truth_dir, "dossiers", WARDS)
    done = dossiers[dossiers["expected_disposition"] == "loaded"]
    in_time = judged = 0.0
    for (ward, cls), n in Counter(zip(done["former_ward_code"], done["expected_timeliness"], strict=True)).items():
        weight = weights.get((ward, "00322"), 0.0)
        in_time += n * weight if cls in ("early", "on_time") else 0
        judged += n * weight if cls in ("early", "on_time", "late", "overdue") else 0
    assert mart.loc["S04", "baseline_value"] == pytest.approx(100 * in_time / judged, rel=1e-12)
    # E01: revenue executed in the first half against the estimate, apportioned with the budget weights.
    budget = load_truth(truth_dir, "budget", WARDS)
    revenue = budget[(budget["expected_disposition"] == "loaded") & (budget["flow"] == "revenue")]
    executed = estimate = 0.0
    for ward, lines in revenue.groupby("former_ward_code"):
        weight = weights.get((ward, "00322"), 0.0)
        executed += weight * sum(float(sum(map(Decimal, lines[executed_field(m)].dropna()))) for m in range(1, 7))
        estimate += weight * float(sum(map(Decimal, lines["estimate_amount"].dropna())))
    assert mart.loc["E01", "baseline_value"] == pytest.approx(100 * executed / estimate, rel=1e-9)
    # Targets needing an outside input come from the seed, computed ones from the data.
    seeded = mart[mart["source"] == "seed"]
    assert set(seeded.index) == {"S07", "S08", "S09", "U01"} and seeded["current_value"].notna().all()
    assert mart.loc["S03", "current_value"] == len(_mart(wh, "mart_voter_roll").query("new_ward_code == '00322'"))


def test_voter_roll_follows_the_election_law(built, wh, generated):
    """Aged 18 on 15 March 2026 (born on 15 March 2008 counts, on the 16th does not), by current residence."""
    roll = _mart(wh, "mart_voter_roll")
    with wh.engine.connect() as conn:
        persons = wh.read_frame(conn, sa.select(w.dim_person).where(w.dim_person.c.is_current.is_(True)))

    def age(born: dt.date) -> int:
        return ELECTION_DAY.year - born.year - ((born.month, born.day) > (ELECTION_DAY.month, ELECTION_DAY.day))

    persons["age"] = [age(pd.Timestamp(d).date()) for d in persons["date_of_birth"]]
    voters = persons[persons["age"] >= 18]
    expected = Counter(zip(voters["current_new_ward_code"], voters["current_residential_group"], strict=True))
    found = Counter(zip(roll["new_ward_code"], roll["residential_group"], strict=True))
    assert found == expected and (roll["age_on_election_day"] >= 18).all()
    # Keyed hashes of the person keys under the deployment's secret: stable, and no person key in clear.
    keys = {pseudonym(SECRET.encode(), k) for k in voters["person_key"]}
    assert set(roll["voter_key"]) == keys
    assert not set(roll["voter_key"]) & {str(k) for k in persons["person_key"]}
    # Against the truth: the people with accepted records in the delivered former wards, each where they live by
    # those records (the law's rule on the true registrations; linkage and residence are ≥ 99% right, so the count
    # of Tương Mai's voters agrees within 1%).
    truth = _true_current_wards(load_truth(generated / "truth", "residents", WARDS))
    people = pd.read_parquet(generated / "truth" / "persons.parquet").set_index("person_id")
    adults = [pid for pid in truth.index if age(people.loc[pid, "date_of_birth"]) >= 18]
    expected_voters = int((truth.loc[adults] == "00322").sum())
    assert int((roll["new_ward_code"] == "00322").sum()) == pytest.approx(expected_voters, rel=0.01)


def _true_current_wards(records: pd.DataFrame, as_of: dt.date = dt.date(2025, 6, 30)) -> pd.Series:
    """Each person's current new ward by the Law on Residence 2020, from the true registrations of their loaded
    records: the newest valid temporary registration, else the newest permanent one, else the newest lapsed one."""
    loaded = records[records["expected_disposition"] == "loaded"].reset_index(drop=True)
    temporary = loaded["residence_type"] == "temporary"
    valid = temporary & loaded["registration_end_date"].map(lambda d: d is not None and not pd.isna(d) and d >= as_of)
    ranked = loaded.assign(
        pool=valid.astype(int) * 2 + (loaded["residence_type"] == "permanent").astype(int),  # valid temp. > perm.
        registered=pd.to_datetime(loaded["registration_date"]).fillna(pd.Timestamp.min),
        seq=loaded.index,
    )
    newest = ranked.sort_values(["pool", "registered", "seq"]).drop_duplicates("person_id", keep="last")
    return newest.set_index("person_id")["expected_new_ward_code"]


def test_population_mart_counts_every_current_person_once_per_basis(built, wh):
    mart = _mart(wh, "mart_population")
    with wh.engine.connect() as conn:
        person = w.dim_person
        current = conn.execute(sa.select(sa.func.count()).where(person.c.is_current.is_(True))).scalar_one()
        permanent = conn.execute(sa.select(sa.func.count()).where(
            person.c.is_current.is_(True), person.c.permanent_new_ward_code.is_not(None))).scalar_one()  # fmt: skip
    by_basis = mart.groupby("residence_basis")["residents"].sum()
    assert (int(by_basis["current"]), int(by_basis["permanent"])) == (current, permanent)
    current_rows = mart[mart["residence_basis"] == "current"]
    children = current_rows.loc[current_rows["age_band"].isin(["00-04", "05-09", "10-14"]), "residents"].sum()
    assert 0.15 < children / by_basis["current"] < 0.32  # the 2019 census's urban Hanoi: 0–14 ≈ 23%


def test_marts_have_no_personal_column(built, wh):
    query = sa.text("select table_name, column_name from information_schema.columns where table_schema = :schema")
    with wh.engine.connect() as conn:
        columns = pd.DataFrame(conn.execute(query, {"schema": MARTS_SCHEMA}).fetchall(), columns=["table", "column"])
    assert set(columns["table"]) == {*MART_MODELS, *MART_SEEDS}
    assert not set(columns["column"]) & PERSONAL, set(columns["column"]) & PERSONAL


@pytest.mark.postgres
def test_analyst_role_reads_the_marts_and_nothing_else(built, wh):
    url, _ = built
    if not url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    with wh.engine.connect() as conn:
        conn.execute(sa.text(f"set role {ANALYST_ROLE}"))
        assert conn.execute(sa.text(f"select count(*) from {MARTS_SCHEMA}.mart_population")).scalar_one() > 0
        conn.rollback()
        for table in (w.dim_person, w.resident_record, w.quarantine, w.person_pseudonym):
            conn.execute(sa.text(f"set role {ANALYST_ROLE}"))
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text(f"select count(*) from {table.name}"))
            conn.rollback()


def test_export_marts_writes_the_marts_alone(built, tmp_path, capsys):
    url, _ = built
    if not url.startswith("duckdb"):
        pytest.skip("the export copies a DuckDB warehouse")
    out = tmp_path / "analyst.duckdb"
    assert cli.main(["export-marts", "--warehouse", url, "--out", str(out)]) == 0
    con = duckdb.connect(str(out), read_only=True)
    try:
        tables = {(s, t) for s, t in con.execute("select table_schema, table_name from information_schema.tables")
                  .fetchall()}  # fmt: skip
        assert tables == {(MARTS_SCHEMA, name) for name in (*MART_MODELS, *MART_SEEDS)}
        assert con.execute(f"select count(*) from {MARTS_SCHEMA}.mart_voter_roll").fetchone()[0] > 0
    finally:
        con.close()
    assert cli.main(["export-marts", "--warehouse", url, "--out", str(out)]) == 2  # never overwrites a file


def test_pseudonym_secret_from_the_environment_or_a_kept_key_file(tmp_path):
    secret, origin = pseudonym_secret(tmp_path, {ENV_PSEUDONYM_KEY: SECRET})
    assert (secret, origin) == (SECRET.encode(), "environment")
    with pytest.raises(ValueError, match="at least"):
        pseudonym_secret(tmp_path, {ENV_PSEUDONYM_KEY: "short"})
    first, where = pseudonym_secret(tmp_path, {})
    assert Path(where).stat().st_mode & 0o077 == 0  # owner-only
    assert pseudonym_secret(tmp_path, {})[0] == first  # kept: stable across runs
    assert pseudonym(first, 7) == pseudonym(first, 7) != pseudonym(secret, 7)
    assert len(pseudonym(first, 7)) == 64 and "7" != pseudonym(first, 7)
