"""Resources: the deployment's settings, the warehouse, and Parquet staging between assets.

Settings come from the environment in this one place (the CLI sets the same variables from its options), so
`wardmerge run` and `dagster dev` serve the same definitions with the same settings.
"""

from __future__ import annotations

import os
import stat
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, ConfigurableResource, InputContext, OutputContext

from assets.lib.warehouse import Warehouse, warehouse_from_url
from schemas import SHIPPED_ROUTING
from schemas.canonical import text_as_object

ENV_LANDING = "WARDMERGE_LANDING"
ENV_SOURCES = "WARDMERGE_SOURCES"
ENV_ROUTING = "WARDMERGE_ROUTING"
ENV_WAREHOUSE = "WARDMERGE_WAREHOUSE_URL"
ENV_WARD = "WARDMERGE_WARD"
ENV_DATA_DIR = "WARDMERGE_DATA_DIR"

DEFAULT_WARD = "00322"
DEFAULT_WAREHOUSE = "duckdb:///data/warehouse.duckdb"


def _abs(path: str) -> str:
    return str(Path(path).expanduser().resolve())


def settings_from_env() -> dict[str, str]:
    """Deployment settings from the environment, relative paths resolved against the current directory."""
    env = os.environ
    url = env.get(ENV_WAREHOUSE, DEFAULT_WAREHOUSE)
    prefix = "duckdb:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith((":memory:", "/")) and url != prefix:
        url = prefix + _abs(url[len(prefix) :])
    return {
        "landing_dir": _abs(env.get(ENV_LANDING, "data/landing")),
        "sources_dir": _abs(env.get(ENV_SOURCES, "schemas/sources")),
        "routing_table": _abs(env.get(ENV_ROUTING, str(SHIPPED_ROUTING))),
        "warehouse_url": url,
        "ward": env.get(ENV_WARD, DEFAULT_WARD),
        "data_dir": _abs(env.get(ENV_DATA_DIR, "data")),
    }


class DeploymentSettings(ConfigurableResource):
    """Where a deployment's inputs are and which new ward it serves."""

    landing_dir: str
    sources_dir: str
    routing_table: str
    ward: str
    data_dir: str

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def sources(self) -> Path:
        return Path(self.sources_dir)

    @property
    def routing(self) -> Path:
        return Path(self.routing_table)


class WarehouseResource(ConfigurableResource):
    """The warehouse, chosen by URL only (DuckDB file or PostgreSQL); asset code is the same for both."""

    url: str

    @cached_property
    def warehouse(self) -> Warehouse:
        wh = warehouse_from_url(self.url)
        wh.create_tables()
        return wh


class StagingIOManager(ConfigurableIOManager):
    """Parquet files between assets, one per asset and partition; personal data at rest, so owner-only.

    The load stage removes a partition's staging files once the warehouse has committed them.
    """

    base_dir: str

    def _path(self, context: OutputContext | InputContext, partition_key: str | None) -> Path:
        name = "/".join(context.asset_key.path)
        return Path(self.base_dir) / name / f"{partition_key or 'all'}.parquet"

    def handle_output(self, context: OutputContext, obj: pd.DataFrame | None) -> None:
        if obj is None:
            return
        path = self._path(context, context.partition_key if context.has_partition_key else None)
        Path(self.base_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        path.parent.mkdir(exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".parquet.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(pa.Table.from_pandas(obj, preserve_index=False), fh)
        os.replace(tmp, path)

    def load_input(self, context: InputContext) -> pd.DataFrame:
        path = self._path(context, context.partition_key if context.has_partition_key else None)
        if not path.exists():
            raise FileNotFoundError(
                f"staging file {path} is missing: materialize {context.asset_key.to_user_string()} for this "
                "partition first (staging is cleaned after each load)"
            )
        return text_as_object(pq.read_table(path).to_pandas())


def remove_staging(base_dir: str | Path, partition_key: str, asset_names: list[str]) -> int:
    """Delete a partition's staging files (called after its load committed); returns how many were removed."""
    removed = 0
    for name in asset_names:
        path = Path(base_dir) / name / f"{partition_key}.parquet"
        if path.exists():
            path.unlink()
            removed += 1
    return removed
