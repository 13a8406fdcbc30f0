"""The deployment's settings: the one place the environment is read.

`wardmerge run` builds them from its options (falling back to the environment) and passes them to the
definitions; `dagster dev` builds them from the environment alone. Relative paths resolve against the current
directory; the defaults suit a run from the checkout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa

from assets.lib.linkage.backend import DEFAULT_MEMORY_LIMIT
from assets.resources import DEFAULT_CELERY_QUEUE, EXECUTOR_IN_PROCESS, STEPS_ONE, DeploymentSettings
from review_desk import ENV_SECRET
from schemas import SHIPPED_ROUTING, SHIPPED_SOURCES

ENV_LANDING = "WARDMERGE_LANDING"
ENV_SOURCES = "WARDMERGE_SOURCES"
ENV_ROUTING = "WARDMERGE_ROUTING"
ENV_WAREHOUSE = "WARDMERGE_WAREHOUSE_URL"
ENV_WARD = "WARDMERGE_WARD"
ENV_DATA_DIR = "WARDMERGE_DATA_DIR"
ENV_LINKAGE_BACKEND = "WARDMERGE_LINKAGE_BACKEND"
ENV_LINKAGE_MEMORY = "WARDMERGE_LINKAGE_MEMORY"
ENV_STEPS = "WARDMERGE_STEPS"
ENV_EXECUTOR = "WARDMERGE_EXECUTOR"
ENV_CELERY_BROKER = "WARDMERGE_CELERY_BROKER"
ENV_CELERY_BACKEND = "WARDMERGE_CELERY_BACKEND"
ENV_CELERY_QUEUE = "WARDMERGE_CELERY_QUEUE"
# How many former wards' runs `wardmerge run` keeps in flight on Celery (each waits on a worker).
ENV_CELERY_RUNS = "WARDMERGE_CELERY_RUNS"
DEFAULT_CELERY_RUNS = "8"
ENV_REVIEW_SECRET = ENV_SECRET
#: ``skip``: `wardmerge run` leaves the marts as they are (runs nobody reads the marts of, e.g. the test suite's).
ENV_MARTS = "WARDMERGE_MARTS"

DEFAULT_WARD = "00322"
DEFAULT_LANDING = "data/landing"
DEFAULT_DATA_DIR = "data"
DEFAULT_WAREHOUSE = "duckdb:///data/warehouse.duckdb"

# Setting name (as the CLI's option and the settings object call it) → environment variable and default.
SETTINGS: dict[str, tuple[str, str]] = {
    "landing_dir": (ENV_LANDING, DEFAULT_LANDING),
    "sources_dir": (ENV_SOURCES, str(SHIPPED_SOURCES)),
    "routing_table": (ENV_ROUTING, str(SHIPPED_ROUTING)),
    "warehouse_url": (ENV_WAREHOUSE, DEFAULT_WAREHOUSE),
    "ward": (ENV_WARD, DEFAULT_WARD),
    "data_dir": (ENV_DATA_DIR, DEFAULT_DATA_DIR),
    "linkage_backend": (ENV_LINKAGE_BACKEND, "duckdb"),
    "linkage_memory": (ENV_LINKAGE_MEMORY, DEFAULT_MEMORY_LIMIT),
    "steps": (ENV_STEPS, STEPS_ONE),
    # How a run's steps execute: in the run's own process (default), or on Celery workers (docs/scaling.md).
    "executor": (ENV_EXECUTOR, EXECUTOR_IN_PROCESS),
    "celery_broker": (ENV_CELERY_BROKER, ""),
    "celery_backend": (ENV_CELERY_BACKEND, ""),
    "celery_queue": (ENV_CELERY_QUEUE, DEFAULT_CELERY_QUEUE),
}
_PATHS = ("landing_dir", "sources_dir", "routing_table", "data_dir")


def review_secret(environ: Mapping[str, str] | None = None) -> str:
    """The key that signs review-desk sessions (empty when unset: the desk then refuses to start, or --dev)."""
    return (os.environ if environ is None else environ).get(ENV_REVIEW_SECRET, "")


def build_marts(environ: Mapping[str, str] | None = None) -> bool:
    """Whether `wardmerge run` ends by building the marts (default yes; ``WARDMERGE_MARTS=skip`` leaves them)."""
    return (os.environ if environ is None else environ).get(ENV_MARTS, "build").strip().lower() != "skip"


def _absolute(path: str) -> str:
    return str(Path(path).expanduser().resolve())


def normalise_warehouse_url(url: str) -> str:
    """A DuckDB file path made absolute (relative to the current directory); ``postgres://`` as ``postgresql://``.

    Raises ``sqlalchemy.exc.ArgumentError`` for text that is no URL.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "duckdb":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).is_absolute():
            url = parsed.set(database=_absolute(database)).render_as_string(hide_password=False)
    return url


def build_settings(
    overrides: Mapping[str, str | None] | None = None, environ: Mapping[str, str] | None = None
) -> DeploymentSettings:
    """Settings from explicit values (the CLI's options), else the environment, else the defaults.

    Paths are made absolute; the warehouse URL is normalised (``normalise_warehouse_url``), which raises on a
    URL that does not parse.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for name, (env, default) in SETTINGS.items():
        given = (overrides or {}).get(name)
        values[name] = given if given else environ.get(env) or default
    for name in _PATHS:
        values[name] = _absolute(values[name])
    values["warehouse_url"] = normalise_warehouse_url(values["warehouse_url"])
    return DeploymentSettings(**values)
