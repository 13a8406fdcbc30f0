"""Names of asset groups, jobs and checks: defined once, used by assets, pipelines and tests."""

from __future__ import annotations

# Groups (one per stage or domain, as the folders and modules are).
GROUP_REFERENCE = "reference"
GROUP_EXTRACT = "extract"
GROUP_VALIDATE = "validate"
GROUP_HARMONISE = "harmonise"
GROUP_ROUTE = "route"
GROUP_LOAD = "load"
GROUP_LINK = "link"

# Assets.
DIM_ADMIN_UNIT = "dim_admin_unit"
RAW_RESIDENTS = "raw_residents"
VALIDATED_RESIDENTS = "validated_residents"
HARMONISED_RESIDENTS = "harmonised_residents"
ROUTED_RESIDENTS = "routed_residents"
RESIDENT_RECORDS = "resident_records"
PERSONS = "persons"

# Stages in the order `wardmerge run` reports them, per former ward.
PARTITION_STAGES = (
    RAW_RESIDENTS,
    VALIDATED_RESIDENTS,
    HARMONISED_RESIDENTS,
    ROUTED_RESIDENTS,
    RESIDENT_RECORDS,
)

# Jobs.
JOB_REFERENCE = "reference_job"
JOB_RESIDENTS_BY_WARD = "residents_by_former_ward_job"
JOB_LINK = "link_persons_job"

# Checks.
CHECK_ACCOUNTING = "accounting_balanced"
CHECK_XREF_COMPLETE = "every_record_has_one_person"

DATASET_RESIDENTS = "residents"
