"""Party-links stage: the persons other records name (applicants, owners, petitioners) linked to ``dim_person``.

Runs once after the persons are linked, over every dataset that declares person roles (assets/lib/party_links.py);
``record_person_link`` is replaced in one transaction and, like every table, unchanged rows are not rewritten.
"""

from collections.abc import Iterator

import pandas as pd
import sqlalchemy as sa
from dagster import AssetDep, AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from assets.lib.party_links import link_frame, read_person_index
from assets.lib.warehouse import with_hash
from assets.metadata import table_metadata
from assets.resources import WarehouseResource
from schemas import warehouse as w
from schemas.datasets import registry
from schemas.names import GROUP_LINK, PARTY_LINKS, PERSONS


def build_party_link_assets() -> list[AssetsDefinition]:
    """The `party_links` asset (not partitioned), after `persons` and the loads of datasets naming persons."""
    naming = [ds for ds in registry().values() if ds.persons]

    @asset(
        name=PARTY_LINKS,
        group_name=GROUP_LINK,
        deps=[AssetDep(PERSONS), *(AssetDep(ds.records_asset) for ds in naming)],
        description="Each record that names a person (" + ", ".join(f"{ds.name}: {r.role}" for ds in naming
        for r in ds.persons) + ") linked to dim_person by national ID, else by name and date of birth; "
        "ambiguous or unknown people stay unlinked, with the method.",
    )  # fmt: skip
    def party_links(context: AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
        wh = warehouse.warehouse
        run_id = context.run.run_id
        with wh.engine.begin() as conn:
            index = read_person_index(conn, wh)
            frames = [link_frame(wh.read_frame(conn, sa.select(w.RECORD_TABLES[ds.name])), ds, index)
                      for ds in naming]  # fmt: skip
            links = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            sync = wh.replace_scope(conn, w.record_person_link, with_hash(links, w.record_person_link, run_id), {})
        methods = links.groupby(["dataset", "match_method"]).size() if len(links) else pd.Series(dtype="int64")
        yield MaterializeResult(
            metadata={
                **table_metadata(w.record_person_link, len(links)),
                "linked": int(links["person_key"].notna().sum()) if len(links) else 0,
                "by_method": MetadataValue.json({f"{d}/{m}": int(n) for (d, m), n in methods.items()}),
                "changes": MetadataValue.json(sync.__dict__),
            }
        )

    return [party_links]
