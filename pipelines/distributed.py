"""Former wards on Celery workers: the same job, each former ward's step run by a worker process (dagster-celery).

`WARDMERGE_EXECUTOR=celery` (with `WARDMERGE_CELERY_BROKER`) makes `wardmerge run` submit every former ward's run
at once; each run's step goes through the broker to whichever worker is free. `wardmerge workers` starts the
workers (one Celery worker with ``--concurrency`` processes). What they share, and why:

- the Dagster instance (run and event storage): the run's process hands each step the instance's reference, so a
  worker records the step's events where the run reads them. A run needs ``DAGSTER_HOME`` (SQLite files under it
  on one machine; dagster-postgres storage across machines);
- the warehouse: every step writes its former ward's records there itself, so the warehouse must take writers
  from several processes at once: PostgreSQL. A DuckDB file admits one writing process, so Celery needs
  ``--warehouse postgresql://…``;
- the settings: a run carries its own (landing, sources, routing, warehouse, data directory) as resource
  config, so a worker writes where the run says. Only the shape of the job comes from the worker's environment
  (``--ward`` for the partitions, ``WARDMERGE_STEPS``), and the workers must be started with the same ones;
- nothing else: the default one step per former ward passes no values between steps (with
  ``WARDMERGE_STEPS=staged`` the Parquet staging under the data directory must be a shared filesystem).

The in-process executor stays the default: on one machine it has no broker round trips and no second process.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dagster import ExecutorDefinition, in_process_executor

from assets.resources import EXECUTOR_CELERY, EXECUTOR_IN_PROCESS, DeploymentSettings

EXECUTORS = (EXECUTOR_IN_PROCESS, EXECUTOR_CELERY)
CELERY_APP = "pipelines.celery_app"
# Default ports of the brokers Celery speaks to here, for the reachability check.
_PORTS = {"amqp": 5672, "pyamqp": 5672, "redis": 6379}


def celery_backend(settings: DeploymentSettings) -> str:
    """Where workers report step results: the setting, else Redis itself for a Redis broker, else ``rpc://``
    (results as AMQP messages back through RabbitMQ)."""
    if settings.celery_backend:
        return settings.celery_backend
    return settings.celery_broker if settings.celery_broker.startswith("redis") else "rpc://"


def celery_config(settings: DeploymentSettings) -> dict[str, Any]:
    """dagster-celery's executor config for the settings; the workers' app is built from the same function."""
    return {
        "broker": settings.celery_broker,
        "backend": celery_backend(settings),
        # Deployments sharing a broker keep apart by queue; a worker takes one step at a time (a former ward is
        # seconds to minutes of work: prefetching would idle the other workers).
        "config_source": {"task_default_queue": settings.celery_queue, "worker_prefetch_multiplier": 1},
    }


def executor_for(settings: DeploymentSettings) -> ExecutorDefinition:
    """The executor the settings choose (in-process unless ``executor`` is ``celery``)."""
    if settings.executor == EXECUTOR_CELERY:
        from dagster_celery import celery_executor

        return celery_executor.configured(celery_config(settings), name="celery")
    if settings.executor != EXECUTOR_IN_PROCESS:
        raise ValueError(f"executor must be one of {EXECUTORS}, not {settings.executor!r}")
    return in_process_executor


def broker_problem(url: str, timeout: float = 2.0) -> str | None:
    """Why the broker cannot be used (empty, not a URL Celery knows, nothing listening), or None."""
    if not url:
        return "no broker URL (e.g. redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672//)"
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in _PORTS:
        return f"expected a redis:// or amqp:// URL, got scheme {parts.scheme!r}"
    host, port = parts.hostname or "127.0.0.1", parts.port or _PORTS[scheme]
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"nothing answers at {host}:{port} ({exc.strerror or exc})"


def run_config_for(settings: DeploymentSettings, base: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` plus the run's settings as resource config, so a worker writes where this run says."""
    from pipelines.settings import SETTINGS

    values = {name: getattr(settings, name) for name in SETTINGS}
    staging = os.path.join(settings.data_dir, "staging")
    resources = {
        "settings": {"config": values},
        "warehouse": {"config": {"url": settings.warehouse_url}},
        "io_manager": {"config": {"base_dir": staging}},
    }
    return {**base, "resources": resources}


def export_settings(settings: DeploymentSettings, environ: dict[str, str] | None = None) -> None:
    """Put the settings into the environment, where the job's definitions are rebuilt from (this process's own
    reconstruction of the job, and ``wardmerge workers``)."""
    from pipelines.settings import SETTINGS

    target = os.environ if environ is None else environ
    for name, (env, _default) in SETTINGS.items():
        target[env] = str(getattr(settings, name))


def reconstructable_job(job_name: str) -> Any:
    """The job as workers load it: the definitions module, rebuilt from the environment's settings."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    repository = ReconstructableRepository.for_module("pipelines.definitions", "defs", working_directory=os.getcwd())
    return repository.get_reconstructable_job(job_name)


@dataclass
class PartitionRun:
    code: str
    run_id: str
    success: bool
    failure: str = ""


def run_partitions(
    job_name: str,
    codes: list[str],
    instance: Any,
    run_config: Mapping[str, Any],
    asset_selection: Callable[[str], list[Any]],
    tags: Mapping[str, str],
    parallel: int,
    on_done: Callable[[PartitionRun], None],
) -> list[PartitionRun]:
    """One run per former ward, ``parallel`` at a time; each run's steps go to the Celery workers.

    A run's own process only submits its step and waits on the broker, so the runs are threads of this process.
    """
    from dagster import execute_job

    from pipelines.cli import failure_text

    job = reconstructable_job(job_name)
    lock = threading.Lock()

    def one(code: str) -> PartitionRun:
        result = execute_job(
            job,
            instance=instance,
            run_config=dict(run_config),
            tags={**tags, "dagster/partition": code},
            asset_selection=asset_selection(code),
            raise_on_error=False,
        )
        failure = ""
        if not result.success:
            events = [e for e in result.all_events if e.is_step_failure or e.is_failure]
            failure = failure_text(events[0]) if events else "failed"
        done = PartitionRun(code, result.run_id, result.success, failure)
        with lock:
            on_done(done)
        return done

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="wardmerge-run") as pool:
        return list(pool.map(one, codes))


def worker_argv(concurrency: int, queue: str, loglevel: str = "INFO") -> list[str]:
    """The Celery worker command: one worker, ``concurrency`` processes, consuming ``queue``."""
    return [
        sys.executable, "-m", "celery", "-A", CELERY_APP, "worker", "--concurrency", str(concurrency),
        "--prefetch-multiplier", "1", "-Q", queue, "--loglevel", loglevel, "--hostname", f"wardmerge-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
