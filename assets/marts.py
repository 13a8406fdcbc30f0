"""The analysts' marts: the dbt project in ``marts/`` loaded as Dagster assets (dagster-dbt), and the pseudonyms
the marts carry instead of person keys.

`pseudonyms` writes ``person_pseudonym`` (HMAC-SHA256 of each current person key) after `persons`; the dbt
models then build in their own schema (``marts``) from the warehouse tables, each dbt source mapped to the asset
that writes it, so the lineage runs from the records to the marts in one graph. dbt runs as a child process on
the deployment's warehouse (``WARDMERGE_DBT_*`` variables set from the warehouse URL). On PostgreSQL the build
ends by granting ``wardmerge_analyst`` read on the marts schema only and ``wardmerge_loader`` the integration
layer.

The manifest dagster-dbt needs at definition time is made by ``dbt parse`` (offline) the first time the
definitions load on a checkout, and again whenever a file of the dbt project is newer than it.
"""

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset
from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from assets.lib.pseudonyms import pseudonym_secret, pseudonyms
from assets.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.datasets import registry
from schemas.names import (
    CROSSWALK_WEIGHTS,
    DIM_ADMIN_UNIT,
    GROUP_MARTS,
    MARTS_SCHEMA,
    PARTY_LINKS,
    PERSONS,
    PSEUDONYMS,
)

MARTS_DIR = Path(__file__).resolve().parent.parent / "marts"
ANALYST_ROLE = "wardmerge_analyst"
LOADER_ROLE = "wardmerge_loader"
#: The resource key of the dbt CLI in the Definitions.
DBT_RESOURCE = "dbt"
WAREHOUSE_PREFIX = "warehouse"


def _source_assets() -> dict[str, str]:
    """Each warehouse table a dbt source names → the asset that writes it."""
    tables = {w.RECORD_TABLES[name].name: ds.records_asset for name, ds in registry().items()}
    for table in (w.dim_person, w.person_source_xref, w.dim_household, w.household_member, w.household_source_xref):
        tables[table.name] = PERSONS
    tables[w.record_person_link.name] = PARTY_LINKS
    tables[w.crosswalk_weights.name] = CROSSWALK_WEIGHTS
    tables[w.dim_admin_unit.name] = DIM_ADMIN_UNIT
    tables[w.admin_unit_crosswalk.name] = DIM_ADMIN_UNIT
    tables[w.person_pseudonym.name] = PSEUDONYMS
    return tables


#: Where an asset writes several tables, the one its asset key stands for; the others are table assets of their own
#: (``warehouse/<table>``) downstream of it, since dagster-dbt gives each dbt source its own key.
_PRIMARY_TABLES = {PERSONS: w.dim_person.name, DIM_ADMIN_UNIT: w.dim_admin_unit.name}


def source_asset_key(table: str) -> AssetKey | None:
    """The asset key a dbt source table maps to: its writer's, or ``warehouse/<table>`` for a secondary table."""
    writer = _source_assets().get(table)
    if writer is None:
        return None
    if _PRIMARY_TABLES.get(writer, table) != table:
        return AssetKey([WAREHOUSE_PREFIX, table])
    return AssetKey(writer)


def secondary_table_specs() -> list[AssetSpec]:
    """Table assets for the secondary tables (e.g. dim_household, written by `persons`), so lineage stays whole."""
    return [
        AssetSpec(
            key=AssetKey([WAREHOUSE_PREFIX, table]),
            deps=[writer],
            group_name=GROUP_MARTS,
            description=f"Warehouse table {table}, written by the {writer} asset (docs/warehouse.md).",
        )
        for table, writer in sorted(_source_assets().items())
        if _PRIMARY_TABLES.get(writer, table) != table
    ]


class WardmergeDbtTranslator(DagsterDbtTranslator):
    """dbt sources become the existing warehouse assets; models and seeds are assets of the ``marts`` group."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            key = source_asset_key(dbt_resource_props["name"])
            if key is not None:
                return key
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return GROUP_MARTS


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (a test or `wardmerge run` may not have the venv on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else shutil.which("dbt") or "dbt"


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=MARTS_DIR, profiles_dir=MARTS_DIR)


def _newest_source_mtime() -> float:
    files = [MARTS_DIR / "dbt_project.yml", MARTS_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        files += [p for p in (MARTS_DIR / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files if p.exists())


def ensure_manifest(project: DbtProject) -> Path:
    """``dbt parse`` when the manifest is missing or older than the project's files (offline; a few seconds)."""
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        # Two processes loading the definitions at once (the UI and a run) parse once, not over each other.
        run_with_concurrent_update_guard(manifest, _parse, project=project)
    return manifest


def _parse(project: DbtProject) -> None:
    with dbt_environment(None):
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()


def dbt_variables(warehouse_url: str | None) -> dict[str, str]:
    """The profile's variables (marts/profiles.yml) for a warehouse URL."""
    if warehouse_url is None:
        return {"WARDMERGE_DBT_TARGET": "duckdb"}
    url = sa.engine.make_url(warehouse_url)
    if url.get_backend_name() == "duckdb":
        return {"WARDMERGE_DBT_TARGET": "duckdb", "WARDMERGE_DBT_DUCKDB_PATH": str(url.database)}
    return {
        "WARDMERGE_DBT_TARGET": "postgres",
        "WARDMERGE_DBT_PG_HOST": url.host or "127.0.0.1",
        "WARDMERGE_DBT_PG_PORT": str(url.port or 5432),
        "WARDMERGE_DBT_PG_USER": url.username or "postgres",
        "WARDMERGE_DBT_PG_PASSWORD": url.password or "",
        "WARDMERGE_DBT_PG_DATABASE": url.database or "postgres",
    }


@contextmanager
def dbt_environment(warehouse_url: str | None) -> Iterator[None]:
    """Set the profile's variables for the dbt child process (it inherits this process's environment)."""
    values = {**dbt_variables(warehouse_url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def grant_roles(conn: sa.Connection) -> None:
    """PostgreSQL: ``wardmerge_analyst`` reads the marts schema and nothing else; ``wardmerge_loader`` writes the
    integration layer. Roles are cluster-wide and created once (NOLOGIN group roles: grant them to login users);
    grants are per database and repeated after every build, since dbt recreates the marts' tables."""
    for role in (ANALYST_ROLE, LOADER_ROLE):
        conn.execute(sa.text(
            "do $$ begin "
            f"if not exists (select from pg_roles where rolname = '{role}') then create role {role} nologin; end if; "
            "exception when duplicate_object or unique_violation then null; end $$"
        ))  # fmt: skip
    schema = MARTS_SCHEMA
    statements = [
        f"grant usage on schema {schema} to {ANALYST_ROLE}",
        f"grant select on all tables in schema {schema} to {ANALYST_ROLE}",
        f"alter default privileges in schema {schema} grant select on tables to {ANALYST_ROLE}",
        f"grant usage, create on schema public to {LOADER_ROLE}",
        f"grant usage, create on schema {schema} to {LOADER_ROLE}",
        f"grant select, insert, update, delete on all tables in schema public to {LOADER_ROLE}",
        f"grant select, insert, update, delete on all tables in schema {schema} to {LOADER_ROLE}",
        f"grant usage, select on all sequences in schema public to {LOADER_ROLE}",
    ]
    for statement in statements:
        conn.execute(sa.text(statement))


@asset(
    name=PSEUDONYMS,
    group_name=GROUP_MARTS,
    deps=[PERSONS],
    description="The pseudonymous key (HMAC-SHA256 with the deployment's secret) of every current person: "
    "person_pseudonym, the only person identifier the marts carry.",
)
def pseudonyms_asset(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: DeploymentSettings
) -> MaterializeResult:
    secret, origin = pseudonym_secret(settings.data_dir)
    if origin != "environment":
        context.log.warning(
            "WARDMERGE_PSEUDONYM_KEY is not set: pseudonyms use the generated key in the data directory "
            "(stable while it is kept; set the variable in production)"
        )
    wh = warehouse.warehouse
    table = w.person_pseudonym
    with wh.engine.begin() as conn:
        keys = [row[0] for row in conn.execute(sa.select(w.dim_person.c.person_key).where(w.dim_person.c.is_current))]
        frame = pd.DataFrame(
            [{"person_key": key, "pseudonym": value} for key, value in pseudonyms(secret, keys).items()],
            columns=[c.name for c in table.columns],
        )
        conn.execute(table.delete())
        wh.append(conn, table, frame)
    return MaterializeResult(metadata={"table": table.name, "rows": len(frame), "secret": origin.split("/")[-1]})


def build_mart_assets() -> list:
    """The pseudonyms asset and one asset per dbt model and seed (dbt tests as asset checks)."""
    project = dbt_project()
    manifest = ensure_manifest(project)

    @dbt_assets(manifest=manifest, project=project, dagster_dbt_translator=WardmergeDbtTranslator(), name="marts")
    def marts(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, settings: DeploymentSettings
    ) -> Iterator[Any]:
        url = warehouse.url
        # dbt's artefacts (compiled SQL, run results, its log) in the data directory, replaced by every build.
        target = Path(settings.data_dir) / "marts" / "target"
        # A DuckDB file has one writer process: release this process's connections before dbt opens it.
        warehouse.warehouse.engine.dispose()
        with dbt_environment(url):
            yield from dbt.cli(["build"], context=context, target_path=target).stream()
        if sa.engine.make_url(url).get_backend_name() == "postgresql":
            with warehouse.warehouse.engine.begin() as conn:
                grant_roles(conn)

    return [pseudonyms_asset, marts, *secondary_table_specs()]


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())
