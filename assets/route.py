"""Route: place every accepted record of a split former ward in its new ward, by the routing table.

Residential group first, then street (with alley / house-range / parity refinements), else the record goes to
the review queue with the reason. Records placed in a neighbouring new ward keep that ward's code. Review
officers' decisions (assets/review_decisions.py) come before the routing table.
"""

from functools import lru_cache
from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MetadataValue, Output, StaticPartitionsDefinition, asset

from assets.addresses import alley_key, house_number_key, street_key
from assets.review_decisions import (
    DECISION_COLUMN,
    RoutingOverrides,
    apply_routing_decisions,
    read_routing_decisions,
    routing_overrides,
)
from assets.routing import Router, load_routing_table
from assets.validate import ACCEPTED, DISPOSITION, REVIEW, RULES
from pipelines.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.names import DATASET_RESIDENTS, GROUP_ROUTE, HARMONISED_RESIDENTS, ROUTED_RESIDENTS


@lru_cache(maxsize=4)
def router_for(path: str, mtime: float) -> Router:
    """One router per routing-table file version (the file is re-read when it changes)."""
    return Router(load_routing_table(Path(path)))


def route_frame(
    harmonised: pd.DataFrame,
    former_ward: str,
    router: Router,
    overrides: RoutingOverrides | None = None,
    dataset: str = DATASET_RESIDENTS,
) -> pd.DataFrame:
    out = harmonised.copy()
    ok = out[DISPOSITION] == ACCEPTED
    streets = {s: street_key(s) for s in out.loc[ok, "street"].dropna().unique()}
    new_codes, methods, reasons = [], [], []
    for group, street, alley, house in zip(
        out.loc[ok, "residential_group"],
        out.loc[ok, "street"],
        out.loc[ok, "alley"],
        out.loc[ok, "house_number"],
        strict=True,
    ):
        placement = router.place(
            former_ward,
            group,
            streets.get(street) if street else None,
            alley_key(alley) if alley else None,
            house_number_key(house) if house else None,
        )
        new_codes.append(placement.new_ward_code)
        methods.append(placement.method)
        reasons.append(placement.reason)
    out["new_ward_code"] = pd.Series([None] * len(out), index=out.index, dtype="object")
    out["route_method"] = pd.Series([None] * len(out), index=out.index, dtype="object")
    out.loc[ok, "new_ward_code"] = pd.Series(new_codes, index=out.index[ok], dtype="object")
    out.loc[ok, "route_method"] = pd.Series(methods, index=out.index[ok], dtype="object")
    review = pd.Series(reasons, index=out.index[ok], dtype="object")
    review = review[review.notna()]
    out.loc[review.index, DISPOSITION] = REVIEW
    out.loc[review.index, RULES] = review
    return apply_routing_decisions(
        out,
        dataset,
        overrides or RoutingOverrides(),
        disposition=DISPOSITION,
        rules_column=RULES,
        accepted=ACCEPTED,
        review=REVIEW,
    )


def build(partitions_def: StaticPartitionsDefinition):
    @asset(
        name=ROUTED_RESIDENTS,
        group_name=GROUP_ROUTE,
        partitions_def=partitions_def,
        ins={"harmonised": AssetIn(HARMONISED_RESIDENTS)},
        description="Accepted records with their new ward (by residential group, then street); unplaceable ones "
        "marked for the review queue with the reason.",
    )
    def routed_residents(
        context: AssetExecutionContext,
        settings: DeploymentSettings,
        warehouse: WarehouseResource,
        harmonised: pd.DataFrame,
    ) -> Output[pd.DataFrame]:
        router = router_for(settings.routing_table, settings.routing.stat().st_mtime)
        with warehouse.warehouse.engine.connect() as conn:
            decisions = read_routing_decisions(conn, w.routing_decision, context.partition_key)
        overrides = routing_overrides(decisions, context.partition_key, DATASET_RESIDENTS)
        out = route_frame(harmonised, context.partition_key, router, overrides)
        placed = out[out["new_ward_code"].notna()]
        review = out[out[DISPOSITION] == REVIEW]
        return Output(
            out,
            metadata={
                "rows": len(out),
                "placed": len(placed),
                "review": len(review),
                "new_wards": MetadataValue.json(placed["new_ward_code"].value_counts().to_dict()),
                "by_method": MetadataValue.json(placed["route_method"].value_counts().to_dict()),
                "review_reasons": MetadataValue.json(review[RULES].value_counts().to_dict()),
                "placed_by_review_decisions": int(out[DECISION_COLUMN].notna().sum()),
            },
        )

    return routed_residents
