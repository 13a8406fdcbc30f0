"""One run at a time per deployment, and what a killed run left behind.

`wardmerge run` holds two locks for its whole duration: a lock file in the data directory (one run per staging
area) and, on PostgreSQL, an advisory lock on the warehouse (one run per warehouse, wherever it starts). A DuckDB
warehouse is locked by DuckDB itself while a process has it open. A second run is refused in one line naming
who holds the lock (exit code 3), never halfway through. Runs started from the UI, the schedule or the sensors
wait in the instance's run queue instead (dagster.yaml).

A run killed mid-way (kill -9, a power cut) rolls back its open transaction; what it leaves is a Dagster run
marked as started forever and its staging files (personal data at rest). The next `wardmerge run` marks such
runs failed and removes staging files old enough not to belong to a run still in progress.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from assets.resources import DeploymentSettings

LOCK_FILE = ".wardmerge-run.lock"
PID_TAG = "wardmerge/pid"
STALE_STAGING_SECONDS = 3600
# An arbitrary, fixed advisory-lock key: "wardmerge run" (the schema lock is another).
RUN_LOCK = 0x52554E57


class BusyError(RuntimeError):
    """Another run holds the deployment; the message is one line saying which."""


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").split()
        return f"pid {text[0]}, since {text[1]}" if len(text) >= 2 else "another process"
    except OSError:
        return "another process"


@contextmanager
def exclusive_run(settings: DeploymentSettings) -> Iterator[None]:
    """Hold the deployment for one run (see the module docstring); raise BusyError when another run has it."""
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    engine, conn = None, None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(path)
            raise BusyError(
                f"another wardmerge run ({holder}) is using the data directory {data_dir}; nothing ran"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {dt.datetime.now().isoformat(timespec='seconds')}\n".encode())
        url = sa.engine.make_url(settings.warehouse_url)
        if url.get_backend_name() == "postgresql":
            engine = sa.create_engine(url.set(drivername="postgresql+psycopg"), poolclass=sa.pool.NullPool)
            conn = engine.connect()
            held: Any = conn.execute(sa.text("select pg_try_advisory_lock(:key)"), {"key": RUN_LOCK}).scalar_one()
            if not held:
                raise BusyError(
                    f"another wardmerge run holds the warehouse {url.render_as_string(hide_password=True)}; nothing ran"
                )
        yield
    finally:
        if conn is not None:
            conn.close()  # ending the session releases the advisory lock (a disposed engine keeps checked-out ones)
        if engine is not None:
            engine.dispose()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def busy_warehouse(exc: BaseException) -> str | None:
    """The holder named by a DuckDB lock conflict ("…(PID 1234)…"), or None when ``exc`` is something else."""
    text = str(getattr(exc, "orig", exc))
    if "Could not set lock" not in text:
        return None
    marker = text.find("PID ")
    return f"pid {text[marker + 4 :].split(')')[0]}" if marker >= 0 else "another process"


def fail_abandoned_runs(instance: Any) -> int:
    """Mark failed the runs this CLI started whose process is gone (killed); returns how many."""
    from dagster import DagsterRunStatus, RunsFilter

    active = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED]
    marked = 0
    for run in instance.get_runs(RunsFilter(statuses=active)):
        pid = run.tags.get(PID_TAG)
        if pid is None or _alive(int(pid)):
            continue
        instance.report_run_failed(run, f"the wardmerge process (pid {pid}) ended before the run finished (killed?)")
        marked += 1
    return marked


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(settings: DeploymentSettings, older_than: float = STALE_STAGING_SECONDS) -> int:
    """Delete staging files a killed run left (older than ``older_than`` seconds); returns how many."""
    cutoff = time.time() - older_than
    removed = 0
    for path in Path(settings.staging).rglob("*.parquet*"):
        if path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    return removed
