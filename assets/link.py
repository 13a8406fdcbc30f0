"""Link stage: persons across all former wards (assets/lib/linking.py), once over every partition's residents."""

import datetime as dt
import functools
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    AssetsDefinition,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.errors import sealed
from assets.lib.linkage import MATCH_THRESHOLD, REVIEW_THRESHOLD, link_records, relink
from assets.lib.linking import link_all, save_artefacts, xref_problems
from assets.metadata import table_metadata
from assets.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.names import CHECK_XREF_COMPLETE, GROUP_LINK, PERSONS, RESIDENT_RECORDS


class LinkConfig(Config):
    """How the `persons` asset links (the launchpad shows it; ``wardmerge run --retrain`` sets it)."""

    retrain: bool = False
    """Train the linkage model again and score every pair, even when few records changed since the last link."""


def build_link_assets() -> list[AssetsDefinition]:
    """The `persons` asset (not partitioned: it links every former ward's residents at once)."""

    @asset(
        name=PERSONS,
        group_name=GROUP_LINK,
        deps=[AssetDep(RESIDENT_RECORDS)],
        check_specs=[
            AssetCheckSpec(
                name=CHECK_XREF_COMPLETE,
                asset=PERSONS,
                blocking=True,
                description="Every accepted resident record has exactly one person in person_source_xref, and "
                "no cross-reference row is without its record (counted from the committed tables).",
            )
        ],
        description="One person per real resident across all former wards (Splink), stable keys, golden records, "
        "households and the clerical-review queue, in one transaction.",
    )
    def persons(
        context: AssetExecutionContext, config: LinkConfig, settings: DeploymentSettings, warehouse: WarehouseResource
    ) -> Iterator[MaterializeResult]:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        backend: dict[str, Any] = {"backend_name": settings.linkage_backend, "memory_limit": settings.linkage_memory}
        with sealed("linking persons"):
            wh = warehouse.warehouse
            with wh.engine.begin() as conn:
                stats, run = link_all(
                    conn,
                    wh,
                    context.run.run_id,
                    now,
                    linker=functools.partial(link_records, **backend),
                    relinker=functools.partial(relink, **backend),
                    retrain=config.retrain,
                )
            # The model and its chart are kept with the run that trained it; an incremental link points there.
            model_dir = settings.artefacts / "linkage" / stats["link"]["model_id"]
            files = (
                save_artefacts(run, model_dir)
                if stats["link"]["mode"] == "full"
                else {"model": model_dir / "linkage_model.json", "chart": model_dir / "match_weights_chart.html"}
            )
        context.log.info(f"linking was {stats['link']['mode']}: {stats['link']['reason']}")
        with wh.engine.connect() as conn:
            found = xref_problems(conn)
        yield MaterializeResult(
            metadata={
                **table_metadata(w.dim_person, stats["persons"]),
                "records": stats["records"],
                "persons": stats["persons"],
                "households": stats["households"],
                "merges": stats["merges"],
                "splits": stats["splits"],
                "review_pairs": stats["review_pairs"],
                "mode": stats["link"]["mode"],
                "mode_reason": stats["link"]["reason"],
                "preview": MetadataValue.md(stats["preview"]),
                "match_threshold": MATCH_THRESHOLD,
                "review_threshold": REVIEW_THRESHOLD,
                "linkage": MetadataValue.json(run.stats),
                "changes": MetadataValue.json(stats["changes"]),
                "model": MetadataValue.path(str(files["model"])),
                "match_weights_chart": MetadataValue.path(str(files["chart"])),
            },
            check_results=[
                AssetCheckResult(
                    check_name=CHECK_XREF_COMPLETE,
                    passed=found["records_without_person"] == 0
                    and found["xref_without_record"] == 0
                    and found["xref_rows"] == found["records"],
                    metadata=found,
                )
            ],
        )

    return [persons]
