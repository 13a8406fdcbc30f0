"""Configuration checked before Dagster starts: each problem is one line naming the setting and its value.

`wardmerge run` calls :func:`check_settings` inside its error handling; a :class:`ConfigError` ends the command
with exit code 2 and no traceback. Problems of one former ward's delivery (a broken manifest) are not
configuration errors: they fail that former ward alone, and :func:`plan_partitions` says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from assets.lib.extraction import DeliveryError, deliveries
from assets.lib.routing import RoutingTableError, load_routing_table
from assets.resources import STEPS_ONE, STEPS_STAGED, DeploymentSettings
from pipelines.guard import BusyError, busy_warehouse
from pipelines.settings import (
    ENV_DATA_DIR,
    ENV_LANDING,
    ENV_ROUTING,
    ENV_SOURCES,
    ENV_STEPS,
    ENV_WARD,
    ENV_WAREHOUSE,
)
from schemas.admin_units import (
    UnknownAdminUnit,
    expand_new_wards,
    load_admin_units,
    new_unit,
    old_unit,
    successors,
)
from schemas.datasets import registry
from schemas.manifest import ManifestError, ManifestScan, scan_manifests


class ConfigError(ValueError):
    """A setting is unusable; the message is one line naming the setting (option and variable) and the value."""

    def __init__(self, option: str, env: str, value: object, problem: str) -> None:
        super().__init__(f"{option} / {env} = {value}: {problem}")


def check_ward(ward: str) -> list[str]:
    """The new-era codes of ``--ward`` (comma-separated codes, or ``all-hanoi``); an old-era code is named as such,
    with its successors."""
    codes = expand_new_wards(ward)
    if not codes:
        raise ConfigError("--ward", ENV_WARD, repr(ward), "expected a new ward code such as 00322, or all-hanoi")
    for code in codes:
        try:
            new_unit(code)
        except UnknownAdminUnit:
            try:
                former = old_unit(code)
            except UnknownAdminUnit:
                raise ConfigError("--ward", ENV_WARD, code, "no new-era (post-July-2025) unit has this code") from None
            went_to = ", ".join(f"{u.code} {u.name}" for u in successors(code))
            raise ConfigError(
                "--ward",
                ENV_WARD,
                code,
                f"{code} is a former (pre-July-2025) unit, {former.name}; give the new ward it went to ({went_to})",
            ) from None
    return codes


def check_warehouse(url: str) -> None:
    """The warehouse URL parses and the database answers (a DuckDB file's folder is created if missing)."""
    from assets.lib.warehouse import WarehouseError, warehouse_from_url

    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    try:
        warehouse = warehouse_from_url(url)
    except (WarehouseError, sa.exc.ArgumentError, OSError) as exc:
        raise ConfigError("--warehouse", ENV_WAREHOUSE, shown, str(exc)) from None
    try:
        with warehouse.engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.SQLAlchemyError as exc:
        holder = busy_warehouse(exc)
        if holder is not None:
            raise BusyError(f"the warehouse {shown} is in use by another process ({holder}); nothing ran") from None
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise ConfigError("--warehouse", ENV_WAREHOUSE, shown, f"cannot connect ({reason})") from None
    finally:
        warehouse.engine.dispose()


def check_settings(settings: DeploymentSettings) -> ManifestScan:
    """Every setting, in the order a person would fix them; returns the scanned manifests."""
    if settings.steps not in (STEPS_ONE, STEPS_STAGED):
        raise ConfigError(
            "(environment)", ENV_STEPS, repr(settings.steps), f"expected {STEPS_ONE!r} or {STEPS_STAGED!r}"
        )
    landing = Path(settings.landing_dir)
    if not landing.is_dir():
        problem = "is not a directory" if landing.exists() else "does not exist (generate or copy deliveries there)"
        raise ConfigError("--landing", ENV_LANDING, landing, problem)
    try:
        scan = scan_manifests(settings.sources)
    except ManifestError:
        raise ConfigError("--sources", ENV_SOURCES, settings.sources, "directory does not exist") from None
    if not scan.valid and not scan.broken:
        raise ConfigError("--sources", ENV_SOURCES, settings.sources, "holds no manifest (*.yaml)")
    check_ward(settings.ward)
    try:
        new_codes = set(load_admin_units().query("era == 'new'")["code"])
        load_routing_table(settings.routing, known_new_codes=new_codes)
    except RoutingTableError as exc:
        raise ConfigError("--routing", ENV_ROUTING, settings.routing, exc.detail) from None
    data_dir = Path(settings.data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".wardmerge-write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ConfigError("--data-dir", ENV_DATA_DIR, data_dir, f"not writable ({exc.strerror})") from None
    check_warehouse(settings.warehouse_url)
    return scan


@dataclass
class PartitionPlan:
    """What a run will do with one former ward: run it, skip it (nothing delivered), or fail it now."""

    code: str
    status: str  # run | skipped | failed
    detail: str = ""
    datasets: list[str] = field(default_factory=list)


def plan_partitions(settings: DeploymentSettings, scan: ManifestScan, codes: list[str]) -> dict[str, PartitionPlan]:
    """For each former ward: which datasets have a delivery; a broken manifest or bad delivery fails it alone."""
    plans = {}
    for code in codes:
        plan = PartitionPlan(code, "skipped")
        manifests = files = 0
        for name in registry():
            try:
                found = deliveries(settings.landing, scan, code, name)
            except (ManifestError, DeliveryError) as exc:
                plan.status, plan.detail = "failed", str(exc)
                break
            manifests += len(found)
            if any(d.files for d in found):
                files += 1
                plan.datasets.append(name)
        else:
            if plan.datasets:
                plan.status = "run"
            else:
                plan.detail = "no manifest" if not manifests else "no delivered file"
        plans[code] = plan
    return plans
