"""The one `Definitions` the project serves: `dagster dev`, the `dagster`/`dg` CLI and `wardmerge run` load it.

`build_definitions(settings)` wires every stage for every dataset (one step per former ward, or one per stage:
``settings.steps``); `defs` is its lazy form for Dagster's tools
(built from the environment when a tool loads it, never at import). Partitions are the deployment's former
wards, taken from the official crosswalk for the target new ward(s), never from a hand-typed list.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from dagster import (
    AssetSelection,
    AssetSpec,
    Definitions,
    ScheduleDefinition,
    SensorDefinition,
    StaticPartitionsDefinition,
    define_asset_job,
    definitions,
)
from dagster._utils.warnings import BetaWarning, PreviewWarning

from assets.apportion import build_apportion_assets
from assets.extract import build_extract_assets
from assets.former_ward import build_former_ward_asset
from assets.harmonise import build_harmonise_assets
from assets.link import build_link_assets
from assets.load import build_load_assets
from assets.marts import DBT_RESOURCE, build_mart_assets, dbt_resource
from assets.party_links import build_party_link_assets
from assets.reference import build_reference_assets
from assets.resources import STEPS_ONE, STEPS_STAGED, DeploymentSettings, StagingIOManager, WarehouseResource
from assets.route import build_route_assets
from assets.validate import build_validate_assets
from pipelines.automation import LINK_TAG, build_automation
from pipelines.distributed import executor_for
from pipelines.settings import build_settings
from schemas.admin_units import former_wards_of_many
from schemas.datasets import registry
from schemas.names import (
    CROSSWALK_WEIGHTS,
    DIM_ADMIN_UNIT,
    JOB_FORMER_WARD,
    JOB_LINK,
    JOB_MARTS,
    JOB_REFERENCE,
    PARTY_LINKS,
    PERSONS,
    partition_stages,
)

# Partitioned asset checks are a preview feature in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings("ignore", category=PreviewWarning)
warnings.filterwarnings("ignore", category=BetaWarning)


def former_ward_codes(target_wards: list[str]) -> list[str]:
    """The old codes of every former ward that contributed to the target new ward(s)."""
    codes: set[str] = set()
    for wards in former_wards_of_many(target_wards).values():
        codes.update(fw.code for fw in wards)
    return sorted(codes)


def build_definitions(settings: DeploymentSettings) -> Definitions:
    """Every stage of every dataset, partitioned by the former wards of ``settings.ward``."""
    codes = former_ward_codes(settings.target_wards)
    partitions = StaticPartitionsDefinition(codes)
    datasets = list(registry().values())
    if settings.steps == STEPS_STAGED:  # one step per stage, Parquet staging between them
        stages = [
            *build_extract_assets(datasets, partitions),
            *build_validate_assets(datasets, partitions),
            *build_harmonise_assets(datasets, partitions),
            *build_route_assets(datasets, partitions),
            *build_load_assets(datasets, partitions),
        ]
    elif settings.steps == STEPS_ONE:  # every stage of a former ward in one step, in memory
        stages = [build_former_ward_asset(datasets, partitions)]
    else:
        raise ValueError(f"steps must be {STEPS_ONE!r} or {STEPS_STAGED!r}, not {settings.steps!r}")
    by_ward = [name for ds in datasets for name in partition_stages(ds)]
    ward_job = define_asset_job(
        JOB_FORMER_WARD,
        selection=by_ward,
        description="Extract, validate, harmonise, route and load one former ward's records, every dataset.",
    )
    link_job = define_asset_job(
        JOB_LINK,
        selection=[PERSONS, PARTY_LINKS, CROSSWALK_WEIGHTS],
        description="Across all former wards: link persons, link the persons other records name, and compute the "
        "apportioning weights.",
        tags={LINK_TAG: "1"},
    )
    marts = build_mart_assets()
    marts_job = define_asset_job(
        JOB_MARTS,
        selection=AssetSelection.assets(*(a for a in marts if not isinstance(a, AssetSpec))),
        description="The analysts' marts: pseudonyms, then the dbt project's seeds, models and tests.",
    )
    automation = build_automation(codes, ward_job, link_job)
    return Definitions(
        assets=[
            *build_reference_assets(),
            *stages,
            *build_link_assets(),
            *build_party_link_assets(),
            *build_apportion_assets(),
            *marts,
        ],
        jobs=[
            define_asset_job(JOB_REFERENCE, selection=[DIM_ADMIN_UNIT], description="Load the admin-unit registry."),
            ward_job,
            link_job,
            marts_job,
        ],
        schedules=[a for a in automation if isinstance(a, ScheduleDefinition)],
        sensors=[a for a in automation if isinstance(a, SensorDefinition)],
        executor=executor_for(settings),  # in-process unless WARDMERGE_EXECUTOR=celery
        resources={
            "settings": settings,
            "warehouse": WarehouseResource(url=settings.warehouse_url),
            "io_manager": StagingIOManager(base_dir=str(Path(settings.data_dir) / "staging")),
            DBT_RESOURCE: dbt_resource(),
        },
    )


@definitions
def defs() -> Definitions:
    """What Dagster's tools load: the definitions for the settings in the environment."""
    return build_definitions(build_settings())
