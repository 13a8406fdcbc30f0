"""Resources: the deployment's settings, the warehouse, and Parquet staging between assets.

They sit below the stages (assets/*.py use them; they use only assets/lib and schemas). Their values come from
one settings object built in pipelines/settings.py, from the CLI's options or the environment, so
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
from dagster import ConfigurableIOManager, ConfigurableResource, InitResourceContext, InputContext, OutputContext

from assets.lib.warehouse import Warehouse, warehouse_from_url
from schemas.admin_units import expand_new_wards
from schemas.canonical import text_as_object
from schemas.manifest import ManifestScan, scan_manifests

# How a former ward's stages run: all in one step (in memory), or one step per stage with staging between them.
STEPS_ONE, STEPS_STAGED = "one", "staged"

# Where a run's steps execute: in the run's process, or on Celery workers (pipelines/distributed.py).
EXECUTOR_IN_PROCESS, EXECUTOR_CELERY = "in_process", "celery"
DEFAULT_CELERY_QUEUE = "dagster"

# Owner-only: staging, artefacts and warehouse files hold personal data at rest.
PRIVATE_DIR = 0o700
PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR


class DeploymentSettings(ConfigurableResource):
    """Where a deployment's inputs are, which new ward(s) it serves, and how linkage runs."""

    landing_dir: str
    sources_dir: str
    routing_table: str
    ward: str
    data_dir: str
    warehouse_url: str
    linkage_backend: str = "duckdb"
    linkage_memory: str = "2GB"
    steps: str = STEPS_ONE
    """``one``: every stage of a former ward in one step; ``staged``: one step per stage (assets/former_ward.py)."""
    executor: str = EXECUTOR_IN_PROCESS
    """``in_process`` (default) or ``celery``: steps run on Celery workers (pipelines/distributed.py)."""
    celery_broker: str = ""
    celery_backend: str = ""
    celery_queue: str = DEFAULT_CELERY_QUEUE

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def sources(self) -> Path:
        return Path(self.sources_dir)

    @property
    def routing(self) -> Path:
        return Path(self.routing_table)

    @property
    def staging(self) -> Path:
        return Path(self.data_dir) / "staging"

    @property
    def artefacts(self) -> Path:
        return Path(self.data_dir) / "artefacts"

    @property
    def target_wards(self) -> list[str]:
        """The new units served: ``ward`` is comma-separated codes and/or a city alias such as ``all-hanoi``."""
        return expand_new_wards(self.ward)

    def manifests(self) -> ManifestScan:
        """Every manifest of the sources directory, read now (an extract reads them once per partition)."""
        return scan_manifests(self.sources)


class WarehouseResource(ConfigurableResource):
    """The warehouse, chosen by URL only (DuckDB file or PostgreSQL); asset code is the same for both."""

    url: str

    @cached_property
    def warehouse(self) -> Warehouse:
        wh = warehouse_from_url(self.url)
        wh.create_tables()
        return wh

    def close(self) -> None:
        """Close the pooled connections: a DuckDB file stays locked while one is open, and the next run, the UI
        or an analyst may be waiting for it."""
        if "warehouse" in self.__dict__:
            self.warehouse.engine.dispose()

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        self.close()


class StagingIOManager(ConfigurableIOManager):
    """Parquet files between assets, one per asset and partition; personal data at rest, so owner-only.

    A frame's ``attrs`` (the manifests it was read with) travel in the file's metadata. The load stage removes
    a partition's staging files once the warehouse has committed them.
    """

    base_dir: str

    def _path(self, context: OutputContext | InputContext, partition_key: str | None) -> Path:
        name = "/".join(context.asset_key.path)
        return Path(self.base_dir) / name / f"{partition_key or 'all'}.parquet"

    def handle_output(self, context: OutputContext, obj: pd.DataFrame | None) -> None:
        if obj is None:
            return
        path = self._path(context, context.partition_key if context.has_partition_key else None)
        Path(self.base_dir).mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        path.parent.mkdir(exist_ok=True, mode=PRIVATE_DIR)
        tmp = path.with_suffix(".parquet.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
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
