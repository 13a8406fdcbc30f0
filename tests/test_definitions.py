"""The one Definitions loads cleanly and names what the design says: assets, groups, jobs, partitions, checks."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from pipelines.definitions import build_definitions, former_ward_codes
from pipelines.settings import build_settings
from schemas import names
from schemas.datasets import registry

TUONG_MAI_FORMER_WARDS = ["00280", "00295", "00298", "00304", "00310", "00313", "00319", "00322", "00325", "00358"]


def test_partitions_are_the_former_wards_from_the_crosswalk():
    assert former_ward_codes(["00322"]) == TUONG_MAI_FORMER_WARDS
    # Several new wards at once: the union of their former wards (Bạch Mai 00292 shares three with Tương Mai).
    both = former_ward_codes(["00322", "00292"])
    assert set(TUONG_MAI_FORMER_WARDS) < set(both)
    assert {"00280", "00295", "00298"} <= set(both)


def test_definitions_name_assets_groups_jobs_and_checks():
    defs = build_definitions(build_settings(environ={}))
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    per_dataset = {name for ds in registry().values() for name in names.partition_stages(ds)}
    # The marts: one asset per dbt model and seed, after the pseudonyms; the warehouse tables dbt reads beside the
    # primary table of the asset that writes them (dim_household beside persons' dim_person) are assets of their own.
    marts = {f"{names.MARTS_SCHEMA}/{name}" for name in (*names.MART_MODELS, *names.MART_SEEDS)}
    tables = {k for k in keys if k.startswith("warehouse/")}
    assert "warehouse/dim_household" in tables and "warehouse/dim_person" not in tables
    core = {names.DIM_ADMIN_UNIT, names.PERSONS, names.PARTY_LINKS, names.CROSSWALK_WEIGHTS, names.PSEUDONYMS}
    assert keys == {*core, *per_dataset, *marts, *tables}
    parents = {
        k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys} for k in graph.get_all_asset_keys()
    }
    # dbt sources are the existing assets: the marts depend on the warehouse assets they read.
    assert parents["marts/mart_voter_roll"] == {names.PERSONS, names.PSEUDONYMS}
    assert {"budget_lines", names.CROSSWALK_WEIGHTS} <= parents["marts/mart_budget_2025"]
    assert "dossier_records" in parents["marts/mart_dossier_timeliness"]
    assert {
        names.RAW_RESIDENTS,
        names.ROUTED_RESIDENTS,
        names.RESIDENT_RECORDS,
        "raw_dossiers",
        "budget_lines",
        "routed_business_households",  # a dataset with an address is routed
    } <= keys
    assert "routed_budget" not in keys and "routed_dossiers" not in keys  # budget lines and dossiers are not
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups[names.RAW_RESIDENTS] == names.GROUP_EXTRACT
    assert groups[names.PERSONS] == names.GROUP_LINK
    assert groups["marts/mart_population"] == groups[names.PSEUDONYMS] == names.GROUP_MARTS
    for job in (names.JOB_REFERENCE, names.JOB_FORMER_WARD, names.JOB_LINK, names.JOB_MARTS):
        assert defs.resolve_job_def(job) is not None
    partitions = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == names.RAW_RESIDENTS))
    assert partitions.partitions_def.get_partition_keys() == TUONG_MAI_FORMER_WARDS
    graph_checks = defs.resolve_asset_graph().asset_check_keys
    check_names = {c.name for c in graph_checks}
    # One check per validated asset counts each quarantine rule of its suite (the rules are named in its description)
    rules_check = next(
        k for k in graph_checks if k.name == names.CHECK_RULES and k.asset_key.to_user_string() == "validated_residents"
    )
    described = graph.get_check_spec(rules_check).description
    assert "name_missing" in described and "national_id_contradicts_cccd" in described
    assert {
        names.CHECK_RULES,
        names.CHECK_ACCOUNTING,
        names.CHECK_XREF_COMPLETE,
        names.CHECK_TOTALS,
        names.CHECK_WEIGHTS,
    } <= check_names
    # dbt's tests are asset checks of the marts.
    voter_checks = {c.name for c in graph_checks if c.asset_key.to_user_string() == "marts/mart_voter_roll"}
    assert any(name.startswith("unique_mart_voter_roll_voter_key") for name in voter_checks), voter_checks


def test_unknown_ward_is_refused_with_a_clear_message():
    from schemas.admin_units import UnknownAdminUnit

    with pytest.raises(UnknownAdminUnit, match="99999"):
        former_ward_codes(["99999"])


def test_definitions_module_loads_without_dagster_warnings(tmp_path):
    # The module `dagster dev` loads, in a fresh interpreter: no Dagster warning (config, preview, deprecation).
    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import pipelines.definitions as d\n"
        "bad = [str(w.message) for w in caught if 'dagster' in w.filename or 'pipelines' in w.filename\n"
        "       or 'assets' in w.filename]\n"
        "print(len(d.defs().resolve_asset_graph().get_all_asset_keys()), bad)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    from assets.marts import secondary_table_specs

    marts = 1 + len(names.MART_MODELS) + len(names.MART_SEEDS) + len(secondary_table_specs())
    stages = sum(len(names.partition_stages(ds)) for ds in registry().values())
    assert out.stdout.strip() == f"{4 + stages + marts} []"


def test_no_warning_when_building_definitions():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_definitions(build_settings(environ={}))
