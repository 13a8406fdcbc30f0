"""Shared fixtures: warehouses on both backends (DuckDB file in tmp_path, a throwaway PostgreSQL database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from assets.lib.warehouse import Warehouse, warehouse_from_url

# `wardmerge run` builds the analysts' marts (dbt, ~10 s a run); only tests/test_marts.py needs them.
os.environ.setdefault("WARDMERGE_MARTS", "skip")

PG_URL = os.environ.get("WARDMERGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("WARDMERGE_REQUIRE_POSTGRES") == "1"


def _pg_admin_engine() -> sa.Engine | None:
    engine = sa.create_engine(
        sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL unreachable at {PG_URL} and WARDMERGE_REQUIRE_POSTGRES=1 ({type(exc).__name__})")
        return None
    return engine


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine | None]:
    engine = _pg_admin_engine()
    yield engine
    if engine is not None:
        engine.dispose()


@pytest.fixture
def pg_url(pg_admin: sa.Engine | None) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    if pg_admin is None:
        pytest.skip("PostgreSQL unreachable (set WARDMERGE_REQUIRE_POSTGRES=1 to make this a failure)")
    name = f"wardmerge_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The same test body against a DuckDB file and a real PostgreSQL database."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Warehouse]:
    wh = warehouse_from_url(warehouse_url)
    wh.create_tables()
    yield wh
    wh.engine.dispose()
