"""Reference stage: the old and new administrative units and the old→new crosswalk, loaded offline.

Units are keyed by (era, code) because codes are reused across eras (new 00322 is Tương Mai, old 00322 was
Hoàng Văn Thụ). Source: the registries bundled in the `vietnamadminunits` package, read directly
(schemas/admin_units.py).
"""

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from assets.errors import sealed
from assets.lib.warehouse import with_hash
from assets.metadata import table_metadata
from assets.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.admin_units import former_wards_of_many, load_admin_units, load_crosswalk, registry_report
from schemas.names import DIM_ADMIN_UNIT, GROUP_REFERENCE


def build_reference_assets() -> list[AssetsDefinition]:
    """The `dim_admin_unit` asset (with the crosswalk), not partitioned."""

    @asset(
        name=DIM_ADMIN_UNIT,
        group_name=GROUP_REFERENCE,
        description="Old (valid to 2025-06-30) and new (valid from 2025-07-01) administrative units and the "
        "old→new crosswalk with its 'in part' flag.",
    )
    def dim_admin_unit(
        context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
    ) -> MaterializeResult:
        with sealed("loading the admin-unit registry"):
            wh = warehouse.warehouse
            units = with_hash(load_admin_units(), w.dim_admin_unit)
            crosswalk = with_hash(load_crosswalk(), w.admin_unit_crosswalk)
            with wh.engine.begin() as conn:
                unit_sync = wh.replace_scope(conn, w.dim_admin_unit, units, {})
                cross_sync = wh.replace_scope(conn, w.admin_unit_crosswalk, crosswalk, {})
        report = registry_report()
        wards = [fw for formers in former_wards_of_many(settings.target_wards).values() for fw in formers]
        return MaterializeResult(
            metadata={
                **table_metadata(w.dim_admin_unit, len(units)),
                "crosswalk_rows": len(crosswalk),
                "split_old_units": report.split_old_units,
                "changes": MetadataValue.json(
                    {"dim_admin_unit": unit_sync.__dict__, "admin_unit_crosswalk": cross_sync.__dict__}
                ),
                "deployment_former_wards": MetadataValue.md(
                    "\n".join(f"- {fw.code} {fw.name} ({fw.district_name}), in part: {fw.in_part}" for fw in wards)
                ),
            },
        )

    return [dim_admin_unit]
