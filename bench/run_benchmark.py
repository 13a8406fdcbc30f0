"""Benchmark: generate sample rosters, run `wardmerge run`, and report time, memory and accuracy.

Speed is reported as a ratio against a baseline measured in the same run on the same files (plain pandas
reading every delivered file, with no decoding of legacy encodings, no validation, no warehouse), because
machines here are noisy. Accuracy is measured against the generator's truth.

Usage: python bench/run_benchmark.py [--scale 1] [--seed 42] [--workdir data/bench] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assets.lib.warehouse import warehouse_from_url  # noqa: E402
from sample_data.evaluation import (  # noqa: E402
    PersonMetrics,
    evaluate_dataset,
    evaluate_party_links,
    evaluate_persons,
    evaluate_residents,
)
from schemas.manifest import scan_manifests  # noqa: E402


def pandas_baseline(landing: Path, sources: Path) -> tuple[float, int]:
    """Read every delivered file with plain pandas (bytes as latin-1 where pandas knows no decoder)."""
    started, rows = time.perf_counter(), 0
    for _path, manifest in scan_manifests(sources).valid:
        for file in sorted(landing.glob(manifest.path)):
            if manifest.format == "csv":
                encoding = manifest.encoding if manifest.encoding in ("utf-8", "utf-8-sig", "cp1258") else "latin-1"
                frame = pd.read_csv(file, encoding=encoding, sep=manifest.delimiter or ",", dtype=str)
            elif manifest.format == "xlsx":
                frame = pd.read_excel(file, engine="calamine", skiprows=manifest.skip_rows, header=None, dtype=str)
            elif manifest.format == "json":
                document = json.loads(file.read_text(encoding="utf-8"))
                for part in (manifest.record_path or "").split("."):
                    document = document[part] if part else document
                frame = pd.json_normalize(document)
            else:
                with sqlite3.connect(file) as con:
                    frame = pd.read_sql(manifest.query or f'select * from "{manifest.table}"', con)
            rows += len(frame)
    return time.perf_counter() - started, rows


def print_person_metrics(persons: PersonMetrics) -> None:
    """Linkage, look-alikes, residence and golden-record figures (targets: README, docs/linkage.md)."""
    print("  persons against the truth (accepted records):")
    print(
        f"    records {persons.records:,}; persons {persons.persons_predicted:,} formed, "
        f"{persons.persons_true:,} true"
    )
    print(
        f"    pairwise linkage        precision {persons.pair_precision:.4f}  recall {persons.pair_recall:.4f}  "
        f"F1 {persons.pair_f1:.4f}"
    )
    print("    look-alike pairs        precision (wrongly joined record pairs)")
    for kind, value in persons.lookalike_precision.items():
        print(f"      {kind:<22} {value:.4f} ({persons.lookalike_false_pairs[kind]})")
    print(
        f"    where they live         current ward right {persons.current_ward_accuracy:.4f}, "
        f"permanent ward right {persons.permanent_ward_accuracy:.4f}"
    )
    print(
        f"      records in two new wards ({persons.ward_split_persons:,} persons): current "
        f"{persons.current_ward_accuracy_split:.4f}, permanent {persons.permanent_ward_accuracy_split:.4f}"
    )
    print(
        f"      described completely ({persons.residence_complete_persons:,} persons): current "
        f"{persons.current_ward_accuracy_complete:.4f}, permanent {persons.permanent_ward_accuracy_complete:.4f}"
    )
    print("    golden records          determinable (persons) | raw (persons)")
    for label, figures in (
        (f"formed from 2+ records ({persons.linked_persons:,})", persons.golden_linked),
        ("all persons", persons.golden_all),
    ):
        print(f"      {label}")
        for attribute, figure in figures.items():
            print(
                f"        {attribute:<14} {figure.determinable:.4f} ({figure.determinable_persons:,}) | "
                f"{figure.raw:.4f} ({figure.persons:,})"
            )
    print(
        f"    households              precision {persons.household_precision:.4f}  recall "
        f"{persons.household_recall:.4f}  F1 {persons.household_f1:.4f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files and warehouse")
    args = parser.parse_args()

    work = Path(args.workdir).resolve() / f"scale_{args.scale:g}"
    if work.exists():
        shutil.rmtree(work)
    landing, truth = work / "landing", work / "truth"
    wardmerge = str(Path(sys.executable).parent / "wardmerge")

    t0 = time.perf_counter()
    subprocess.run(
        [wardmerge, "sample-data", "--out", str(landing), "--scale", str(args.scale), "--seed", str(args.seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    generate_s = time.perf_counter() - t0

    baseline_s, baseline_rows = pandas_baseline(landing, ROOT / "schemas" / "sources")

    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    stats_file = work / "stats.json"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            wardmerge,
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            url,
            "--data-dir",
            str(work / "data"),
            "--stats",
            str(stats_file),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    run_s = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout[-5000:], proc.stderr[-5000:])
        return proc.returncode
    stats = json.loads(stats_file.read_text(encoding="utf-8"))

    wh = warehouse_from_url(url)
    metrics = evaluate_residents(wh, truth)
    persons = evaluate_persons(wh, truth)
    others = {d: evaluate_dataset(wh, truth, d) for d in ("dossiers", "budget", "petitions", "business_households")}
    links = {d: evaluate_party_links(wh, truth, d) for d in ("dossiers", "petitions", "business_households")}
    wh.engine.dispose()

    stages: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    for part in stats["partitions"].values():
        for stage, seconds in part.get("stage_seconds", {}).items():
            stages.setdefault(stage, []).append(seconds)
            peaks[stage] = max(peaks.get(stage, 0.0), part["stage_peak_mb"].get(stage, 0.0))
    print(f"\nwardmerge benchmark — scale {args.scale:g}, seed {args.seed}, {baseline_rows:,} source rows")
    print(f"  sample generation           {generate_s:8.1f} s")
    print(f"  baseline: pandas read only  {baseline_s:8.1f} s")
    print(f"  wardmerge run (wall, CLI)   {run_s:8.1f} s   = {run_s / baseline_s:5.1f} × baseline")
    print("  per stage (sum over former wards; peak RSS of the process within the stage):")
    for stage, values in stages.items():
        print(f"    {stage:<24} {sum(values):8.1f} s   peak {peaks[stage]:7.0f} MB")
    link = stats.get("link", {})
    print(f"    {'link job (all wards)':<24} {link.get('seconds', 0):8.1f} s   peak {link.get('peak_mb', 0):7.0f} MB")
    print("  rows per dataset:", json.dumps(stats.get("datasets", {})))
    print("  accuracy against the generator's truth:")
    for key, value in metrics.as_dict().items():
        print(f"    {key:<24} {value:.4f}" if isinstance(value, float) else f"    {key:<24} {value:,}")
    print_person_metrics(persons)
    print("  other datasets against the truth (rows, unaccounted, wrong place, wrong rules/flags/reasons, totals):")
    for dataset, m in others.items():
        wrong = m.rule_mismatches + m.flag_mismatches + m.reason_mismatches
        print(f"    {dataset:<24} {m.truth_rows:,} rows, {m.unaccounted} unaccounted, {m.disposition_mismatches} "
              f"misplaced, {wrong} wrong reasons, {m.total_check_mismatches} wrong total checks")
    print("  persons named by other records (precision, recall over identifiable):")
    for dataset, lm in links.items():
        print(f"    {dataset:<24} {lm.linked:,}/{lm.records:,} linked, precision {lm.precision:.4f}, recall "
              f"{lm.recall:.4f}, outsiders linked {lm.outsiders_linked}")
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
