"""Names of asset groups, assets, jobs and checks: defined once, used by assets, pipelines and tests.

Per-dataset assets are named from the dataset (``raw_residents``, ``validated_dossiers``, …), so a new dataset
gets its stages' names without a line here.
"""

from __future__ import annotations

from schemas.datasets import Dataset, dataset

# Groups (one per stage or domain, as the modules are).
GROUP_REFERENCE = "reference"
GROUP_EXTRACT = "extract"
GROUP_VALIDATE = "validate"
GROUP_HARMONISE = "harmonise"
GROUP_ROUTE = "route"
GROUP_LOAD = "load"
GROUP_LINK = "link"
GROUP_APPORTION = "apportion"
GROUP_MARTS = "marts"

# Assets that span datasets.
DIM_ADMIN_UNIT = "dim_admin_unit"
PERSONS = "persons"
PARTY_LINKS = "party_links"
CROSSWALK_WEIGHTS = "crosswalk_weights"
PSEUDONYMS = "pseudonyms"
#: The dbt project's models (marts/models/marts), one asset each; the analysts' schema.
MARTS_SCHEMA = "marts"
MART_MODELS = (
    "mart_population",
    "mart_households",
    "mart_ward_targets",
    "mart_budget_2025",
    "mart_dossier_timeliness",
    "mart_voter_roll",
)
#: The dbt seeds (outside inputs) that land in the marts schema beside the models.
MART_SEEDS = ("ward_targets", "residential_group_map")
#: The step that runs every stage of a former ward at once (assets/former_ward.py).
FORMER_WARD_STEP = "former_ward"


def raw_asset(name: str) -> str:
    return f"raw_{name}"


def validated_asset(name: str) -> str:
    return f"validated_{name}"


def harmonised_asset(name: str) -> str:
    return f"harmonised_{name}"


def routed_asset(name: str) -> str:
    return f"routed_{name}"


def partition_stages(ds: Dataset) -> tuple[str, ...]:
    """A dataset's per-former-ward assets, in the order they run (and `wardmerge run` reports them)."""
    routed = (routed_asset(ds.name),) if ds.routed else ()
    return (raw_asset(ds.name), validated_asset(ds.name), harmonised_asset(ds.name), *routed, ds.records_asset)


def final_stage(ds: Dataset) -> str:
    """The asset whose frame the load writes: routed records, or harmonised ones for a dataset without address."""
    return routed_asset(ds.name) if ds.routed else harmonised_asset(ds.name)


# The first dataset's names, used by the link stage and the tests.
DATASET_RESIDENTS = "residents"
RAW_RESIDENTS = raw_asset(DATASET_RESIDENTS)
VALIDATED_RESIDENTS = validated_asset(DATASET_RESIDENTS)
HARMONISED_RESIDENTS = harmonised_asset(DATASET_RESIDENTS)
ROUTED_RESIDENTS = routed_asset(DATASET_RESIDENTS)
RESIDENT_RECORDS = dataset(DATASET_RESIDENTS).records_asset

# Jobs.
JOB_REFERENCE = "reference_job"
JOB_FORMER_WARD = "former_ward_job"
JOB_LINK = "link_persons_job"
JOB_MARTS = "marts_job"

# Checks.
CHECK_RULES = "quarantine_rules"
CHECK_ACCOUNTING = "accounting_balanced"
CHECK_XREF_COMPLETE = "every_record_has_one_person"
CHECK_TOTALS = "totals_balanced"
CHECK_WEIGHTS = "weights_sum_to_one"
