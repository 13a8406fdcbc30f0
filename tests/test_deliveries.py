"""Deliveries in the landing zone: files found only inside it, copies named, fixed values, one bad manifest alone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assets.lib.extraction import DeliveryError, extract_partition
from pipelines.preflight import plan_partitions
from pipelines.settings import build_settings
from schemas.datasets import dataset
from schemas.manifest import ManifestError, load_manifest, scan_manifests

FIXTURES = Path(__file__).parent / "fixtures"
RESIDENTS = dataset("residents")
TCVN3 = FIXTURES / "sources" / "00280_residents.yaml"


def _zone(tmp_path: Path, manifest_text: str) -> tuple[Path, Path]:
    landing, sources = tmp_path / "landing", tmp_path / "sources"
    landing.mkdir()
    sources.mkdir()
    shutil.copy(FIXTURES / "landing" / "roster_tcvn3.csv", landing / "roster_tcvn3.csv")
    (sources / "00280_residents.yaml").write_text(manifest_text, encoding="utf-8")
    return landing, sources


def _extract(landing: Path, sources: Path):
    return extract_partition(landing, scan_manifests(sources), "00280", RESIDENTS, "run-1")


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/etc/*.csv", "no absolute path"), ("../../elsewhere/*.csv", "no '..'"), ("a/../../x.csv", "no '..'")],
)
def test_a_manifest_path_cannot_leave_the_landing_zone(tmp_path, path, expected):
    text = TCVN3.read_text(encoding="utf-8").replace('path: "roster_tcvn3.csv"', f'path: "{path}"')
    manifest = tmp_path / "m.yaml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match="key 'path'") as err:
        load_manifest(manifest)
    assert expected in str(err.value)


def test_a_link_out_of_the_landing_zone_is_refused(tmp_path):
    landing, sources = _zone(tmp_path, TCVN3.read_text(encoding="utf-8").replace("roster_tcvn3.csv", "*.csv"))
    outside = tmp_path / "secret.csv"
    outside.write_text("not for the pipeline", encoding="utf-8")
    os.symlink(outside, landing / "zz.csv")
    with pytest.raises(DeliveryError, match=r"zz\.csv links outside the landing zone"):
        _extract(landing, sources)


def test_the_same_file_delivered_twice_is_a_named_failure(tmp_path):
    landing, sources = _zone(tmp_path, TCVN3.read_text(encoding="utf-8").replace("roster_tcvn3.csv", "roster*.csv"))
    shutil.copy(landing / "roster_tcvn3.csv", landing / "roster_tcvn3 (1).csv")
    with pytest.raises(DeliveryError) as err:
        _extract(landing, sources)
    assert "roster_tcvn3.csv has the same content as roster_tcvn3 (1).csv" in str(err.value) or (
        "roster_tcvn3 (1).csv has the same content as roster_tcvn3.csv" in str(err.value)
    )


def test_two_files_for_one_source_need_a_declaration(tmp_path):
    text = TCVN3.read_text(encoding="utf-8").replace("roster_tcvn3.csv", "roster*.csv")
    landing, sources = _zone(tmp_path, text)
    lines = (landing / "roster_tcvn3.csv").read_bytes().splitlines(keepends=True)
    (landing / "roster_tcvn3.csv").write_bytes(b"".join(lines[:2]))
    (landing / "roster_part2.csv").write_bytes(lines[0] + b"".join(lines[2:]))
    with pytest.raises(DeliveryError, match="2 files match path 'roster\\*.csv'.*multiple_files: true"):
        _extract(landing, sources)
    (sources / "00280_residents.yaml").write_text(text + "multiple_files: true\n", encoding="utf-8")
    extracted = _extract(landing, sources)
    assert len(extracted.frame) == 3 and len(extracted.files) == 2


def test_fixed_values_give_a_whole_source_a_field(tmp_path):
    text = TCVN3.read_text(encoding="utf-8") + "fixed_values:\n  residence_type: permanent\n"
    landing, sources = _zone(tmp_path, text)
    frame = _extract(landing, sources).frame
    assert set(frame["residence_type"]) == {"permanent"}
    clash = TCVN3.read_text(encoding="utf-8") + "fixed_values:\n  full_name: Ai Đó\n"
    (sources / "00280_residents.yaml").write_text(clash, encoding="utf-8")
    [(_, error, ward, _)] = scan_manifests(sources).broken
    assert ward == "00280" and "fixed_values gives 'full_name' a value although a column maps to it" in str(error)


def test_one_broken_manifest_fails_its_former_ward_alone(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURES / "sources", sources)
    broken = sources / "00298_residents.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    (sources / "notes.yaml").write_text("just: [notes\n", encoding="utf-8")  # says no former ward at all
    settings = build_settings({"landing_dir": str(landing), "sources_dir": str(sources)}, environ={})
    scan = scan_manifests(sources)
    plans = plan_partitions(settings, scan, ["00280", "00298", "00304", "00319"])
    assert plans["00298"].status == "failed" and "key 'colour': unknown key" in plans["00298"].detail
    assert plans["00280"].status == "run" and plans["00304"].status == "run"
    assert (plans["00319"].status, plans["00319"].detail) == ("skipped", "no manifest")
    [unattributed] = [str(e) for e in scan.unattributed()]
    # The parser's own words differ between libyaml and PyYAML's pure loader; the line names file, problem, place.
    assert unattributed.startswith(f"{sources / 'notes.yaml'}: cannot read YAML: ")
    assert "',' or ']'" in unattributed and unattributed.endswith("at line 2, column 1")
