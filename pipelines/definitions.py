"""The one `Definitions` the project serves: `dagster dev`, the `dagster`/`dg` CLI and `wardmerge run` load it.

Partitions are the deployment's former wards, taken from the official crosswalk for the target new ward(s)
(WARDMERGE_WARD, comma-separated for several), never from a hand-typed list.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from dagster import Definitions, StaticPartitionsDefinition, define_asset_job, in_process_executor
from dagster._utils.warnings import BetaWarning, PreviewWarning

from assets import extract, harmonise, link, load, reference, route, validate
from assets.resources import DeploymentSettings, StagingIOManager, WarehouseResource, settings_from_env
from schemas.admin_units import former_wards_of_many
from schemas.names import (
    DIM_ADMIN_UNIT,
    JOB_LINK,
    JOB_REFERENCE,
    JOB_RESIDENTS_BY_WARD,
    PARTITION_STAGES,
    PERSONS,
)

# Partitioned asset checks are a preview feature in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings("ignore", category=PreviewWarning)
warnings.filterwarnings("ignore", category=BetaWarning)


def target_wards(ward_setting: str) -> list[str]:
    return [code.strip() for code in ward_setting.split(",") if code.strip()]


def former_ward_codes(ward_setting: str) -> list[str]:
    """The old codes of every former ward that contributed to the target new ward(s)."""
    codes: set[str] = set()
    for wards in former_wards_of_many(target_wards(ward_setting)).values():
        codes.update(fw.code for fw in wards)
    return sorted(codes)


def build_definitions(settings: dict[str, str] | None = None) -> Definitions:
    settings = settings or settings_from_env()
    partitions = StaticPartitionsDefinition(former_ward_codes(settings["ward"]))
    partitioned = [module.build(partitions) for module in (extract, validate, harmonise, route, load)]
    return Definitions(
        assets=[reference.dim_admin_unit, *partitioned, link.persons],
        jobs=[
            define_asset_job(JOB_REFERENCE, selection=[DIM_ADMIN_UNIT], description="Load the admin-unit registry."),
            define_asset_job(
                JOB_RESIDENTS_BY_WARD,
                selection=list(PARTITION_STAGES),
                description="Extract, validate, harmonise, route and load one former ward's residents.",
            ),
            define_asset_job(JOB_LINK, selection=[PERSONS], description="Link persons across all former wards."),
        ],
        executor=in_process_executor,
        resources={
            "settings": DeploymentSettings(
                landing_dir=settings["landing_dir"],
                sources_dir=settings["sources_dir"],
                routing_table=settings["routing_table"],
                ward=settings["ward"],
                data_dir=settings["data_dir"],
            ),
            "warehouse": WarehouseResource(url=settings["warehouse_url"]),
            "io_manager": StagingIOManager(base_dir=str(Path(settings["data_dir"]) / "staging")),
        },
    )


defs = build_definitions()
