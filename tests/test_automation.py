"""Nightly operation: the schedule, the landing-zone sensor, the link after former wards, the run queue's limits,
one CLI run at a time, what a killed run leaves behind, and Dagster's own storage on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from pipelines import cli
from pipelines.definitions import build_definitions
from pipelines.guard import PID_TAG, exclusive_run, fail_abandoned_runs, remove_stale_staging
from pipelines.settings import SETTINGS, build_settings

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


@pytest.fixture
def deployment(tmp_path: Path):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    settings = build_settings(
        {
            "landing_dir": str(landing),
            "sources_dir": str(FIXTURES / "sources"),
            "routing_table": str(FIXTURES / "routing.csv"),
            "warehouse_url": f"duckdb:///{tmp_path / 'w.duckdb'}",
            "data_dir": str(tmp_path / "data"),
        },
        environ={},
    )
    return settings, build_definitions(settings)


def _cli_args(settings) -> list[str]:
    return [
        "run", "--landing", settings.landing_dir, "--sources", settings.sources_dir, "--routing",
        settings.routing_table, "--warehouse", settings.warehouse_url, "--data-dir", settings.data_dir,
    ]  # fmt: skip


def test_the_nightly_schedule_requests_each_delivered_former_ward_at_01_30_vietnam_time(deployment):
    settings, defs = deployment
    schedule = defs.resolve_schedule_def("nightly_sync")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 1 * * *", "Asia/Ho_Chi_Minh")
    when = dt.datetime(2026, 12, 3, 1, 30)
    with build_schedule_context(
        scheduled_execution_time=when, resources={"settings": settings}, repository_def=defs.get_repository_def()
    ) as context:
        requests = list(schedule.evaluate_tick(context).run_requests or [])
    # The fixtures deliver six former wards; the other four have no manifest and are not requested.
    assert sorted(r.partition_key for r in requests) == ["00280", "00295", "00298", "00304", "00310", "00313"]
    assert all(r.tags["dagster/max_retries"] == "2" for r in requests)


def test_the_landing_sensor_starts_a_run_when_content_changes_not_when_a_file_is_touched(deployment):
    settings, defs = deployment
    sensor = defs.resolve_sensor_def("landing_zone_sensor")

    def tick(cursor: str | None) -> tuple[list[RunRequest], str | None]:
        with build_sensor_context(cursor=cursor, resources={"settings": settings}, definitions=defs) as context:
            result = sensor.evaluate_tick(context)
        return list(result.run_requests or []), result.cursor or cursor

    requests, cursor = tick(None)
    assert requests == [] and cursor  # the first look records what is there
    roster = Path(settings.landing_dir) / "roster_vni.csv"
    os.utime(roster, (time.time() + 60, time.time() + 60))  # touched, same bytes
    requests, cursor = tick(cursor)
    assert requests == []
    roster.write_bytes(roster.read_bytes() + b"\n")  # new content
    requests, cursor = tick(cursor)
    assert [r.partition_key for r in requests] == ["00295"]
    requests, _ = tick(cursor)
    assert requests == []  # nothing changed since


def test_the_link_follows_former_wards_once_none_is_running(deployment):
    settings, defs = deployment
    instance = DagsterInstance.ephemeral()
    sensor = defs.resolve_sensor_def("link_after_former_wards")
    with build_sensor_context(instance=instance, definitions=defs) as context:
        assert isinstance(sensor(context), SkipReason)  # nothing has run yet
    defs.resolve_job_def("reference_job").execute_in_process(instance=instance)
    assert defs.resolve_job_def("former_ward_job").execute_in_process(instance=instance, partition_key="00280").success
    with build_sensor_context(instance=instance, definitions=defs) as context:
        request = sensor(context)
        cursor = context.cursor
    assert isinstance(request, RunRequest) and request.tags["wardmerge/trigger"] == "after_former_wards"
    assert defs.resolve_job_def("link_persons_job").tags["wardmerge/link"] == "1"  # the queue's link limit
    with build_sensor_context(instance=instance, cursor=cursor, definitions=defs) as context:
        assert isinstance(sensor(context), SkipReason)  # already linked after that run


def test_the_instance_queues_runs_one_per_former_ward_and_one_link():
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    limits = config["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits
    assert {"key": "wardmerge/link", "limit": 1} in limits
    assert config["run_retries"]["enabled"] is True


def test_a_second_run_is_refused_in_one_line_while_the_first_holds_the_deployment(deployment, capsys):
    settings, _ = deployment
    with exclusive_run(settings):
        assert cli.main(_cli_args(settings)) == cli.EXIT_BUSY
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1 and f"pid {os.getpid()}" in out and "nothing ran" in out


def test_a_warehouse_file_held_by_another_process_is_named(deployment, capsys):
    settings, _ = deployment
    path = sa.engine.make_url(settings.warehouse_url).database
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({path!r}); print('held', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert cli.main(_cli_args(settings)) == cli.EXIT_BUSY
    finally:
        holder.kill()
        holder.wait()
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1 and f"pid {holder.pid}" in out and "in use by another process" in out


def test_what_a_killed_run_left_is_cleaned_by_the_next(deployment, tmp_path):
    settings, _ = deployment
    instance = DagsterInstance.ephemeral()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = instance.create_run_for_job(
        job_def=build_definitions(settings).resolve_job_def("reference_job"), tags={PID_TAG: str(dead.pid)}
    )
    from dagster._core.events import DagsterEvent, DagsterEventType

    instance.report_dagster_event(
        DagsterEvent(event_type_value=DagsterEventType.RUN_START.value, job_name=run.job_name), run_id=run.run_id
    )
    assert instance.get_run_by_id(run.run_id).status == DagsterRunStatus.STARTED
    assert fail_abandoned_runs(instance) == 1
    assert instance.get_run_by_id(run.run_id).status == DagsterRunStatus.FAILURE
    staging = Path(settings.staging) / "raw_residents"
    staging.mkdir(parents=True)
    old, fresh = staging / "00280.parquet", staging / "00295.parquet"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_staging(settings) == 1 and not old.exists() and fresh.exists()


@pytest.mark.postgres
def test_dagster_storage_on_postgresql_as_dagster_yaml_documents_it(deployment, pg_url, tmp_path, monkeypatch, capsys):
    """The commented PostgreSQL block of dagster.yaml, as written, with the connection from the environment."""
    settings, _ = deployment
    lines = (ROOT / "dagster.yaml").read_text(encoding="utf-8").splitlines()
    start, end = lines.index("# BEGIN postgres storage"), lines.index("# END postgres storage")
    block = "\n".join(line.removeprefix("# ") for line in lines[start + 1 : end])
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(block + "\n", encoding="utf-8")
    url = sa.engine.make_url(pg_url)
    for key, value in {"HOST": url.host, "PORT": str(url.port or 5432), "DB": url.database, "USER": url.username,
                       "PASSWORD": url.password or ""}.items():  # fmt: skip
        monkeypatch.setenv(f"DAGSTER_PG_{key}", value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert cli.main(_cli_args(settings)) == cli.EXIT_OK
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        jobs = [r[0] for r in conn.execute(sa.text("select pipeline_name from runs"))]
    engine.dispose()
    assert {"reference_job", "former_ward_job", "link_persons_job"} <= set(jobs)
    assert not list(home.rglob("*.db"))  # nothing went to local SQLite
