"""Apportion stage: ``crosswalk_weights``, the shares that split each former ward's aggregates among its new wards.

Computed from the routed records themselves (assets/lib/apportion.py) after every former ward is loaded; the
`weights_sum_to_one` check recounts each weight set from the committed table.
"""

from collections.abc import Iterator

import sqlalchemy as sa
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.lib.apportion import BUSINESS_HOUSEHOLDS, HOUSEHOLDS, POPULATION, unbalanced_sets, weight_rows
from assets.lib.warehouse import with_hash
from assets.metadata import table_metadata
from assets.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.admin_units import former_wards_of_many, load_crosswalk
from schemas.datasets import registry
from schemas.names import CHECK_WEIGHTS, CROSSWALK_WEIGHTS, DIM_ADMIN_UNIT, GROUP_APPORTION


def _counted() -> dict[str, tuple[sa.Table, sa.ColumnElement]]:
    """Basis → (record table, what is counted per former and new ward), for the datasets this build has."""
    out: dict[str, tuple[sa.Table, sa.ColumnElement]] = {}
    if "residents" in w.RECORD_TABLES:
        residents = w.RECORD_TABLES["residents"]
        out[POPULATION] = (residents, sa.func.count())
        out[HOUSEHOLDS] = (residents, sa.func.count(sa.distinct(residents.c.household_id)))
    if "business_households" in w.RECORD_TABLES:
        out[BUSINESS_HOUSEHOLDS] = (w.RECORD_TABLES["business_households"], sa.func.count())
    return out


def build_apportion_assets() -> list[AssetsDefinition]:
    """The `crosswalk_weights` asset (not partitioned), after the admin units and every routed dataset's load."""
    routed = [ds for ds in registry().values() if ds.routed]

    @asset(
        name=CROSSWALK_WEIGHTS,
        group_name=GROUP_APPORTION,
        deps=[AssetDep(DIM_ADMIN_UNIT), *(AssetDep(ds.records_asset) for ds in routed)],
        check_specs=[
            AssetCheckSpec(
                name=CHECK_WEIGHTS,
                asset=CROSSWALK_WEIGHTS,
                description="Each (former ward, basis) weight set sums to 1 (counted from the committed table).",
            )
        ],
        description="Weights (former ward, new ward, basis) that apportion a former ward's first-half-2025 "
        "aggregates: population, households, business households (shares of routed records), budget "
        "(population rule); a former ward with one successor gives it 1.",
    )
    def crosswalk_weights(
        context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
    ) -> Iterator[MaterializeResult]:
        wh = warehouse.warehouse
        formers = sorted({fw.code for fws in former_wards_of_many(settings.target_wards).values() for fw in fws})
        crosswalk = load_crosswalk()
        successors = {code: sorted(set(crosswalk.loc[crosswalk["old_code"] == code, "new_code"]))
                      for code in formers}  # fmt: skip
        with wh.engine.begin() as conn:
            counts = {}
            for basis, (table, counted) in _counted().items():
                statement = sa.select(table.c.former_ward_code, table.c.new_ward_code, counted.label("n")).group_by(
                    table.c.former_ward_code, table.c.new_ward_code
                )
                counts[basis] = wh.read_frame(conn, statement)
            weights = weight_rows(formers, successors, counts)
            sync = wh.replace_scope(
                conn, w.crosswalk_weights, with_hash(weights, w.crosswalk_weights, context.run.run_id), {}
            )
        with wh.engine.connect() as conn:
            committed = wh.read_frame(conn, sa.select(w.crosswalk_weights))
        off = unbalanced_sets(committed)
        methods = weights.groupby(["basis", "method"]).size()
        yield MaterializeResult(
            metadata={
                **table_metadata(w.crosswalk_weights, len(committed)),
                "by_method": MetadataValue.json({f"{b}/{m}": int(n) for (b, m), n in methods.items()}),
                "changes": MetadataValue.json(sync.__dict__),
            },
            check_results=[
                AssetCheckResult(
                    check_name=CHECK_WEIGHTS,
                    passed=not off and not committed.empty,
                    metadata={
                        "sets": int(committed.groupby(["former_ward_code", "basis"]).ngroups) if len(committed) else 0,
                        "unbalanced": MetadataValue.json([f"{f}/{b}: {s:.12f}" for f, b, s in off]),
                    },
                )
            ],
        )

    return [crosswalk_weights]
