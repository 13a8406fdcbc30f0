"""Route stage: each accepted record of a split former ward placed in its new ward by the routing table.

Residential group first, then street (with alley / house-range / parity refinements), else the record goes to
the review queue with the reason (assets/lib/routing.py); review officers' decisions come before the routing
table (assets/lib/review_decisions.py). Only datasets whose records carry an address are
routed; records placed in a neighbouring new ward keep that ward's code.
"""

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetsDefinition,
    MetadataValue,
    Output,
    PartitionsDefinition,
    asset,
)

from assets.errors import sealed
from assets.lib.review_decisions import DECISION_COLUMN, read_routing_decisions, routing_overrides
from assets.lib.routing import Router, load_routing_table, route_frame
from assets.lib.warehouse import Warehouse
from assets.metadata import StageResult
from assets.resources import DeploymentSettings, WarehouseResource
from data_quality.masking import preview_markdown
from schemas import canonical as c
from schemas import warehouse as w
from schemas.admin_units import undivided_successors
from schemas.datasets import Dataset, Kind
from schemas.names import GROUP_ROUTE, harmonised_asset, routed_asset


@lru_cache(maxsize=4)
def router_for(path: str, mtime: float) -> Router:
    """One router per routing-table file version (the file is re-read when it changes); former wards that went
    whole into one new ward and have no rules are routed there wholesale."""
    return Router(load_routing_table(Path(path)), wholesale=undivided_successors())


def description(ds: Dataset) -> str:
    return (
        f"Accepted {ds.name} records with their new ward (by residential group, then street); unplaceable ones "
        "marked for the review queue with the reason."
    )


def route_step(
    harmonised: pd.DataFrame, settings: DeploymentSettings, warehouse: Warehouse, former_ward: str, ds: Dataset
) -> StageResult:
    with sealed(f"former ward {former_ward}, {ds.name}"):
        router = router_for(settings.routing_table, settings.routing.stat().st_mtime)
        with warehouse.engine.connect() as conn:
            decisions = read_routing_decisions(conn, w.routing_decision, former_ward)
        overrides = routing_overrides(decisions, former_ward, ds.name)
        out = route_frame(harmonised, ds, former_ward, router, overrides)
    where = [f.name for f in ds.of_kind(Kind.RESIDENTIAL_GROUP, Kind.STREET)]
    placed = out[out["new_ward_code"].notna()]
    review = out[out[c.DISPOSITION] == c.REVIEW]
    return StageResult(
        out,
        {
            "dagster/row_count": len(out),
            "placed": len(placed),
            "review": len(review),
            "new_wards": MetadataValue.json(placed["new_ward_code"].value_counts().to_dict()),
            "by_method": MetadataValue.json(placed["route_method"].value_counts().to_dict()),
            "review_reasons": MetadataValue.json(review[c.RULES].value_counts().to_dict()),
            "placed_by_review_decisions": int(out[DECISION_COLUMN].notna().sum()),
            "preview": MetadataValue.md(preview_markdown(review[[c.SOURCE_FILE, c.SOURCE_ROW, c.RULES, *where]])),
        },
    )


def _routed_asset(ds: Dataset, partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        name=routed_asset(ds.name),
        group_name=GROUP_ROUTE,
        partitions_def=partitions,
        ins={"harmonised": AssetIn(harmonised_asset(ds.name))},
        description=description(ds),
    )
    def routed(
        context: AssetExecutionContext,
        settings: DeploymentSettings,
        warehouse: WarehouseResource,
        harmonised: pd.DataFrame,
    ) -> Output[pd.DataFrame]:
        result = route_step(harmonised, settings, warehouse.warehouse, context.partition_key, ds)
        return Output(result.frame, metadata=result.metadata)

    return routed


def build_route_assets(datasets: Sequence[Dataset], partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    """One `routed_<dataset>` asset per dataset whose records carry an address."""
    return [_routed_asset(ds, partitions) for ds in datasets if ds.routed]
