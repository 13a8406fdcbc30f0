"""Reference: the old and new administrative units and the old→new crosswalk, built offline.

Units are keyed by (era, code) because codes are reused across eras (new 00322 is Tương Mai, old 00322 was
Hoàng Văn Thụ). Source: the registries bundled in the `vietnamadminunits` package, read directly.
"""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from assets.lib.warehouse import content_hashes
from assets.resources import DeploymentSettings, WarehouseResource
from schemas import warehouse as w
from schemas.admin_units import former_wards, load_admin_units, load_crosswalk, registry_report
from schemas.names import DIM_ADMIN_UNIT, GROUP_REFERENCE


def _for_table(frame, table):
    frame = frame.copy()
    content = [c.name for c in table.columns if c.name != "record_hash"]
    frame["record_hash"] = content_hashes(frame, content)
    return frame[[c.name for c in table.columns]]


@asset(
    name=DIM_ADMIN_UNIT,
    group_name=GROUP_REFERENCE,
    description="Old (valid to 2025-06-30) and new (valid from 2025-07-01) administrative units and the old→new "
    "crosswalk with its 'in part' flag.",
)
def dim_admin_unit(
    context: AssetExecutionContext, settings: DeploymentSettings, warehouse: WarehouseResource
) -> MaterializeResult:
    wh = warehouse.warehouse
    units = _for_table(load_admin_units(), w.dim_admin_unit)
    crosswalk = _for_table(load_crosswalk(), w.admin_unit_crosswalk)
    with wh.engine.begin() as conn:
        unit_sync = wh.replace_scope(conn, w.dim_admin_unit, units, {})
        cross_sync = wh.replace_scope(conn, w.admin_unit_crosswalk, crosswalk, {})
    report = registry_report()
    wards = former_wards(settings.ward)
    return MaterializeResult(
        metadata={
            "units": len(units),
            "crosswalk_rows": len(crosswalk),
            "split_old_units": report.split_old_units,
            "changes": MetadataValue.json(
                {"dim_admin_unit": unit_sync.__dict__, "admin_unit_crosswalk": cross_sync.__dict__}
            ),
            "deployment_former_wards": MetadataValue.md(
                "\n".join(f"- {fw.code} {fw.name} ({fw.district_name}), in part: {fw.in_part}" for fw in wards)
            ),
        }
    )
