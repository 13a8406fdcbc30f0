"""The command line: settings checked before anything runs (one line, exit 2), help, version, inspect, the UI record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines import cli
from pipelines.settings import SETTINGS

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


def _fixture_run(tmp_path: Path, *extra: str) -> list[str]:
    landing = tmp_path / "landing"
    if not landing.exists():
        shutil.copytree(FIXTURES / "landing", landing)
    return [
        "run",
        "--landing", str(landing),
        "--sources", str(FIXTURES / "sources"),
        "--routing", str(FIXTURES / "routing.csv"),
        "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}",
        "--data-dir", str(tmp_path / "data"),
        "--ward", "00322",
        *extra,
    ]  # fmt: skip


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    text = (captured.out + captured.err).strip()
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text
    return text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("--landing", "{tmp}/nowhere"), "--landing / WARDMERGE_LANDING = {tmp}/nowhere: does not exist"),
        (("--sources", "{tmp}/none"), "--sources / WARDMERGE_SOURCES = {tmp}/none: directory does not exist"),
        (("--ward", "99999"), "--ward / WARDMERGE_WARD = 99999: no new-era (post-July-2025) unit has this code"),
        # An old-era code that no new unit reuses: say what it was and where it went.
        (("--ward", "00313"), "00313 is a former (pre-July-2025) unit, Phường Tương Mai"),
        (("--routing", "{tmp}/missing.csv"), "--routing / WARDMERGE_ROUTING = {tmp}/missing.csv: cannot read"),
        (("--warehouse", "not a url"), "--warehouse / WARDMERGE_WAREHOUSE_URL = not a url: not a database URL"),
        (("--warehouse", "oracle://x/y"), "--warehouse / WARDMERGE_WAREHOUSE_URL = oracle://x/y:"),
        (("--warehouse", "postgresql://nobody@127.0.0.1:1/none"), "cannot connect"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, capsys, change, expected):
    option, value = change
    args = _fixture_run(tmp_path)
    args[args.index(option) + 1] = value.format(tmp=tmp_path)
    assert cli.main(args) == cli.EXIT_USAGE
    line = _one_line_error(capsys)
    assert line.startswith("error: ") and expected.format(tmp=tmp_path) in line


def test_a_setting_from_the_environment_is_named_by_its_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WARDMERGE_LANDING", str(tmp_path / "elsewhere"))
    args = _fixture_run(tmp_path)
    del args[1:3]  # no --landing: the environment's value is used, and named
    assert cli.main(args) == cli.EXIT_USAGE
    assert f"WARDMERGE_LANDING = {tmp_path / 'elsewhere'}" in _one_line_error(capsys)


def test_an_unknown_step_layout_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WARDMERGE_STEPS", "fast")
    assert cli.main(_fixture_run(tmp_path)) == cli.EXIT_USAGE
    assert "WARDMERGE_STEPS = 'fast': expected 'one' or 'staged'" in _one_line_error(capsys)


def test_a_bad_routing_row_names_file_row_and_column(tmp_path, capsys):
    routing = tmp_path / "routing.csv"
    routing.write_text(
        (FIXTURES / "routing.csv").read_text(encoding="utf-8") + "00280,,Kim Đồng,0032\n", encoding="utf-8"
    )
    args = _fixture_run(tmp_path)
    args[args.index("--routing") + 1] = str(routing)
    assert cli.main(args) == cli.EXIT_USAGE
    line = _one_line_error(capsys)
    assert "row 17" in line and "column 'new_ward_code'" in line and "five-digit code" in line


def test_version_and_help_say_what_a_user_needs(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("wardmerge ")
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = capsys.readouterr().out
    for needed in ("--landing", "WARDMERGE_WAREHOUSE_URL", "examples:", "exit codes:", "2  a setting is wrong"):
        assert needed in text


@pytest.mark.postgres
def test_the_postgres_alias_is_accepted(tmp_path, pg_url, capsys):
    alias = sa.engine.make_url(pg_url).set(drivername="postgres").render_as_string(hide_password=False)
    assert alias.startswith("postgres://")
    assert cli.main(_fixture_run(tmp_path, "--warehouse", alias)) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert 'psql "postgresql://' in out  # the closing hint names the warehouse actually used


def test_a_run_is_recorded_for_the_ui_with_checks_evaluated(tmp_path, capsys, monkeypatch):
    """As `make run` does: the checkout's instance configuration, so `dagster dev` shows runs afterwards."""
    from dagster import AssetKey, DagsterInstance

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.chdir(home)  # the shipped configuration keeps storage under ./data/dagster
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert cli.main(_fixture_run(tmp_path)) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"DAGSTER_HOME={home}" in out and f"duckdb.connect('{tmp_path / 'w.duckdb'}'" in out
    with DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) >= 3 and all(r.is_success for r in runs)
        for asset in ("dim_admin_unit", "resident_records", "persons"):
            assert instance.get_latest_materialization_event(AssetKey(asset)) is not None, asset
        checks = instance.event_log_storage.get_asset_check_execution_history(
            _check_key("resident_records", "accounting_balanced"), limit=10
        )
        assert checks and all(c.status.value == "SUCCEEDED" for c in checks)
    assert (home / "data" / "dagster" / "storage").is_dir()


def _check_key(asset: str, name: str):
    from dagster import AssetCheckKey, AssetKey

    return AssetCheckKey(AssetKey(asset), name)


def test_inspect_shows_what_a_manifest_reads(tmp_path, capsys):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    manifest = FIXTURES / "sources" / "00304_residents.yaml"
    assert cli.main(["inspect", str(manifest), "--landing", str(landing)]) == cli.EXIT_OK
    report = capsys.readouterr().out
    assert "file roster.xlsx: 3 rows" in report
    assert "Địa chỉ / Tổ dân phố" in report and "residential_group" in report  # merged header → field
    assert "full_name: 100%" in report  # share of Vietnamese syllables per text column
    assert "accepted" in report and "Nguyễn" not in report  # personal values masked by default
    assert cli.main(["inspect", str(manifest), "--landing", str(landing), "--unmasked"]) == cli.EXIT_OK
    assert "Nguyễn" in capsys.readouterr().out


def test_inspect_names_a_wrong_encoding_before_any_run(tmp_path, capsys):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    text = (FIXTURES / "sources" / "00280_residents.yaml").read_text(encoding="utf-8")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(text.replace("encoding: tcvn3", "encoding: vni"), encoding="utf-8")
    assert cli.main(["inspect", str(manifest), "--landing", str(landing)]) == cli.EXIT_USAGE
    line = _one_line_error(capsys)
    assert "roster_tcvn3.csv" in line and "encoding" in line
