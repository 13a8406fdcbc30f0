"""The same job on Celery workers: several former wards' runs through a real broker, two worker processes, and a
warehouse equal to the in-process run's.

Needs a broker (Redis by default, WARDMERGE_TEST_CELERY_BROKER to choose) and PostgreSQL (tests/conftest.py);
skips without them unless WARDMERGE_REQUIRE_BROKER=1 (CI, whose machines run both at 127.0.0.1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from pipelines.distributed import broker_problem, celery_backend
from pipelines.settings import ENV_CELERY_BROKER, ENV_CELERY_QUEUE, ENV_EXECUTOR, SETTINGS, build_settings
from sample_data import generate
from schemas import warehouse as w

BROKER = os.environ.get("WARDMERGE_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/0")
REQUIRE_BROKER = os.environ.get("WARDMERGE_REQUIRE_BROKER") == "1"
NEW_WARDS = "09616"  # three former communes: three partitions
# What differs between two runs of the same data by design: the Dagster run that wrote a row, and when (the
# history's validity timestamps).
VOLATILE = {"run_id", "valid_from", "valid_to"}
COMPARED = (w.resident_record, w.quarantine, w.review_queue, w.person_source_xref, w.dim_person)


@pytest.fixture(scope="module")
def broker() -> str:
    problem = broker_problem(BROKER)
    if problem:
        if REQUIRE_BROKER:
            pytest.fail(f"Celery broker {BROKER} unusable and WARDMERGE_REQUIRE_BROKER=1: {problem}")
        pytest.skip(f"no Celery broker at {BROKER} ({problem}); set WARDMERGE_REQUIRE_BROKER=1 to make this a failure")
    return BROKER


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Set (to "unset") rather than delete, so that what the CLI exports is undone after the test.
    for env, _default in SETTINGS.values():
        monkeypatch.setenv(env, "")
    monkeypatch.setenv("DAGSTER_HOME", "")


def test_the_executor_is_in_process_unless_celery_is_asked_for() -> None:
    from pipelines.definitions import build_definitions

    plain = build_settings({}, environ={})
    assert plain.executor == "in_process"
    assert build_definitions(plain).resolve_job_def("former_ward_job").executor_def.name == "in_process"
    celery = build_settings({}, environ={ENV_EXECUTOR: "celery", ENV_CELERY_BROKER: "redis://127.0.0.1:6379/3"})
    assert build_definitions(celery).resolve_job_def("former_ward_job").executor_def.name == "celery"
    assert celery_backend(celery) == "redis://127.0.0.1:6379/3"
    rabbit = build_settings({"celery_broker": "amqp://guest:guest@127.0.0.1:5672//"}, environ={})
    assert celery_backend(rabbit) == "rpc://"
    assert broker_problem("http://127.0.0.1:1/") and broker_problem("redis://127.0.0.1:1/0")


def test_celery_refuses_a_duckdb_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broker: str, capsys
) -> None:
    monkeypatch.setenv(ENV_EXECUTOR, "celery")
    monkeypatch.setenv(ENV_CELERY_BROKER, broker)
    (tmp_path / "landing").mkdir()
    code = cli.main(
        ["run", "--landing", str(tmp_path / "landing"), "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}",
         "--data-dir", str(tmp_path / "data")]
    )  # fmt: skip
    assert code == cli.EXIT_USAGE
    assert "give a PostgreSQL warehouse" in capsys.readouterr().out


@pytest.fixture
def second_pg_url(pg_admin: sa.Engine | None) -> Iterator[str]:
    """A second throwaway database (the first is conftest's ``pg_url``)."""
    if pg_admin is None:
        pytest.skip("PostgreSQL unreachable (set WARDMERGE_REQUIRE_POSTGRES=1 to make this a failure)")
    name = f"wardmerge_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield pg_admin.url.set(database=name).render_as_string(hide_password=False)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def workers(broker: str, tmp_path: Path) -> Iterator[str]:
    """`wardmerge workers` (two processes) on a queue of this test's own; stopped after it."""
    queue = f"wardmerge-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDMERGE_")}
    command = [sys.executable, "-m", "pipelines.cli", "workers", "--broker", broker, "--queue", queue,
               "--concurrency", "2", "--ward", NEW_WARDS]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while b" ready." not in log.read_bytes():
            assert proc.poll() is None, f"the workers exited: {log.read_text(errors='replace')[-2000:]}"
            assert time.monotonic() < deadline, "the workers did not become ready in 90 s"
            time.sleep(0.5)
        yield queue
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "ForkPoolWorker-1" in log.read_text() and "ForkPoolWorker-2" in log.read_text()  # both processes worked


def _tables(url: str) -> dict[str, pd.DataFrame]:
    wh = warehouse_from_url(url)
    out = {}
    with wh.engine.connect() as conn:
        for table in COMPARED:
            columns = [c for c in table.columns if c.name not in VOLATILE]
            frame = pd.DataFrame(conn.execute(sa.select(*columns)).all(), columns=[c.name for c in columns])
            out[table.name] = frame.sort_values(list(frame.columns)).reset_index(drop=True).astype(str)
    wh.engine.dispose()
    return out


def test_a_multi_partition_run_on_celery_equals_the_in_process_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, second_pg_url: str, workers: str, broker: str
) -> None:
    generate(tmp_path / "landing", scale=0.01, seed=5, ward=NEW_WARDS, datasets=())
    common = ["--ward", NEW_WARDS, "--landing", str(tmp_path / "landing"), "--sources", str(tmp_path / "sources"),
              "--routing", str(tmp_path / "routing.csv")]  # fmt: skip
    assert cli.main(["run", *common, "--warehouse", pg_url, "--data-dir", str(tmp_path / "in_process")]) == 0

    monkeypatch.setenv(ENV_EXECUTOR, "celery")
    monkeypatch.setenv(ENV_CELERY_BROKER, broker)
    monkeypatch.setenv(ENV_CELERY_QUEUE, workers)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    assert cli.main(["run", *common, "--warehouse", second_pg_url, "--data-dir", str(tmp_path / "celery")]) == 0

    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(tmp_path / "dagster"))
    runs = [r for r in instance.get_runs() if r.job_name == "former_ward_job"]
    assert len(runs) == 3 and all(r.is_success for r in runs)
    # Every former ward's step ran in a worker, not in this process.
    for run in runs:
        messages = [e.message for e in instance.all_logs(run.run_id) if e.message]
        assert any("in celery worker" in m for m in messages), run.tags.get("dagster/partition")

    local, distributed = _tables(pg_url), _tables(second_pg_url)
    assert len(local["resident_record"]) > 100
    assert set(local["resident_record"]["former_ward_code"]) == {"09610", "09613", "09616"}
    for name, frame in local.items():
        pd.testing.assert_frame_equal(frame, distributed[name], obj=name)
