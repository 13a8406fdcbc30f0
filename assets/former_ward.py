"""Every stage of a former ward in one step: the same stages as the per-stage assets, without staging between them.

Run as one asset per stage (assets/extract.py … assets/load.py), a former ward is about 20 steps, each with its
own start-up, events and a Parquet file of personal data between it and the next. Here one multi-asset step
reads a former ward's deliveries and takes each dataset through extract, validate, harmonise, route and load in
memory, calling the same stage functions, and reports the same assets with the same metadata and checks as it
goes. It is the default (`WARDMERGE_STEPS=one`); `WARDMERGE_STEPS=staged` serves the per-stage assets, whose
staged frames can be inspected and re-run stage by stage. docs/performance.md compares the two.

A dataset that fails does not stop the former ward's other datasets: each is loaded (or not) in its own
transaction, as with per-stage steps, and the step fails at the end naming every dataset that failed.
"""

from collections.abc import Iterator, Sequence

from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
    MaterializeResult,
    PartitionsDefinition,
    multi_asset,
)

from assets import extract, harmonise, load, route, validate
from assets.metadata import StageResult
from assets.resources import DeploymentSettings, WarehouseResource
from schemas.datasets import Dataset
from schemas.names import (
    FORMER_WARD_STEP,
    GROUP_EXTRACT,
    GROUP_HARMONISE,
    GROUP_LOAD,
    GROUP_ROUTE,
    GROUP_VALIDATE,
    harmonised_asset,
    partition_stages,
    raw_asset,
    routed_asset,
    validated_asset,
)


def _specs(ds: Dataset) -> list[AssetSpec]:
    """The dataset's stage assets, as the per-stage assets declare them (names, groups, descriptions, lineage)."""
    raw, validated, harmonised = raw_asset(ds.name), validated_asset(ds.name), harmonised_asset(ds.name)
    final = routed_asset(ds.name) if ds.routed else harmonised
    specs = [
        AssetSpec(raw, group_name=GROUP_EXTRACT, description=extract.description(ds), skippable=True),
        AssetSpec(
            validated, deps=[raw], group_name=GROUP_VALIDATE, description=validate.description(ds), skippable=True
        ),
        AssetSpec(
            harmonised,
            deps=[validated],
            group_name=GROUP_HARMONISE,
            description=harmonise.description(ds),
            skippable=True,
        ),
    ]
    if ds.routed:
        specs.append(
            AssetSpec(
                final, deps=[harmonised], group_name=GROUP_ROUTE, description=route.description(ds), skippable=True
            )
        )
    specs.append(
        AssetSpec(
            ds.records_asset, deps=[final, raw], group_name=GROUP_LOAD, description=load.description(ds), skippable=True
        )
    )
    return specs


def _stages(
    context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource, ds: Dataset
) -> Iterator[tuple[str, StageResult]]:
    """The dataset's stages for the partition, in order; nothing when the former ward delivered none of it."""
    former_ward, wh = context.partition_key, warehouse.warehouse
    raw = extract.extract_step(settings, wh, former_ward, ds, context.run.run_id)
    if raw is None:
        context.log.info(f"former ward {former_ward}: no manifest or no delivered file for {ds.name}")
        return
    if raw.frame is None:
        context.log.info(f"former ward {former_ward}: {ds.name} unchanged since its last load")
        return
    yield raw_asset(ds.name), raw
    validated = validate.validate_step(raw.frame, ds, former_ward)
    yield validated_asset(ds.name), validated
    final = harmonise.harmonise_step(validated.frame, ds, former_ward)  # type: ignore[arg-type]
    yield harmonised_asset(ds.name), final
    if ds.routed:
        final = route.route_step(final.frame, settings, wh, former_ward, ds)  # type: ignore[arg-type]
        yield routed_asset(ds.name), final
    yield (
        ds.records_asset,
        load.load_step(final.frame, raw.frame, settings, wh, former_ward, ds, context.run.run_id),  # type: ignore[arg-type]
    )


def build_former_ward_asset(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> AssetsDefinition:
    """One multi-asset holding every dataset's stage assets, partitioned by former ward."""
    checks: list[AssetCheckSpec] = [*(s for ds in datasets for s in validate.check_specs(ds))]
    checks += [s for ds in datasets for s in load.check_specs(ds)]

    @multi_asset(
        name=FORMER_WARD_STEP,
        specs=[spec for ds in datasets for spec in _specs(ds)],
        check_specs=checks,
        partitions_def=partitions,
        can_subset=True,
    )
    def former_ward(
        context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
    ) -> Iterator[MaterializeResult]:
        selected = context.selected_asset_keys
        failed: list[str] = []
        for ds in datasets:
            if not any(AssetKey(name) in selected for name in partition_stages(ds)):
                continue
            try:
                for name, result in _stages(context, settings, warehouse, ds):
                    if AssetKey(name) in selected:
                        yield MaterializeResult(
                            asset_key=name, metadata=result.metadata, check_results=result.checks or None
                        )
            except Failure as exc:  # sealed by the stage: safe to store; the other datasets go on
                context.log.error(exc.description or f"{ds.name} failed")
                failed.append(exc.description or ds.name)
        if failed:
            raise Failure(description=" | ".join(failed))

    return former_ward
