"""The one place where Splink's database API is created.

Comparisons and blocking rules in :mod:`assets.lib.linkage.model` are written once; Splink renders them for the
backend chosen here. The default is an in-process DuckDB, which links a whole city's wards on one machine.
A national deployment switches to Splink's Spark backend by the deployment setting ``WARDMERGE_LINKAGE_BACKEND=spark``
(with a SparkSession available to ``SparkSession.builder.getOrCreate()``); nothing else changes. The settings
are read from the environment in one place (pipelines/settings.py) and passed down; this module reads none.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import pandas as pd

from schemas.errors import WardmergeError

__all__ = ["BACKENDS", "DEFAULT_MEMORY_LIMIT", "BackendError", "LinkageBackend", "create_backend"]

#: The Splink backends this project can create.
BACKENDS = ("duckdb", "spark")
#: DuckDB memory cap for linkage: well under the 4 GiB the scale-1 run may use, with room for pandas.
DEFAULT_MEMORY_LIMIT = "2GB"


class BackendError(WardmergeError, RuntimeError):
    """The configured linkage backend is unknown or cannot be created."""


class LinkageBackend:
    """A Splink database API plus how to hand it a pandas frame and how to release it.

    Kept deliberately small (like Splink's own ``DatabaseAPI``): the model only registers frames, runs
    Splink, and closes.
    """

    def __init__(self, name: str, db_api: Any, close: Callable[[], None] | None = None) -> None:
        self.name = name
        self.db_api = db_api
        self._close = close

    def register(self, frame: pd.DataFrame, table_name: str) -> Any:
        """Register ``frame`` with Splink (register first, then build the Linker: Splink 5's order)."""
        return self.db_api.register(frame, table_name=table_name)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> LinkageBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _duckdb(threads: int | None, memory_limit: str) -> LinkageBackend:
    import duckdb
    from splink import DuckDBAPI

    # Spilled pages hold personal data: mkdtemp makes the directory private (0700); it is removed on close.
    spill = tempfile.mkdtemp(prefix="wardmerge-linkage-")
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": memory_limit,
            "temp_directory": spill,
            # Deterministic row order where Splink relies on it (sampling with a seed).
            "preserve_insertion_order": True,
            **({"threads": threads} if threads else {}),
        },
    )

    def close() -> None:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)

    return LinkageBackend("duckdb", DuckDBAPI(connection=con), close)


def _spark() -> LinkageBackend:  # pragma: no cover - needs a Spark cluster
    try:
        from pyspark.sql import SparkSession
        from splink import SparkAPI
    except ImportError as exc:
        raise BackendError(f"linkage backend spark needs pyspark installed ({exc})") from exc
    spark = SparkSession.builder.getOrCreate()
    return LinkageBackend("spark", SparkAPI(spark_session=spark))


def create_backend(
    name: str = "duckdb", *, memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None
) -> LinkageBackend:
    """The Splink backend called ``name`` (``duckdb``, in process; or ``spark``, the active SparkSession)."""
    chosen = name.strip().lower()
    if chosen == "duckdb":
        return _duckdb(threads, memory_limit)
    if chosen == "spark":
        return _spark()
    raise BackendError(f"unknown linkage backend {chosen!r}; expected {' or '.join(map(repr, BACKENDS))}")
