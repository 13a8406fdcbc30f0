"""Benchmark: generate sample data, run `wardmerge run`, and report time, memory and accuracy in one run.

Machines here are noisy, so speed is judged by ratios against baselines measured in the same run on the same
files:
- the ingest floor: the fastest plain read of every landing file (pyarrow's CSV reader on UTF-8 text, the
  project's own decoders for TCVN3/VNI/cp1258 plus pyarrow on the decoded text, calamine for Excel, the json
  module, sqlite3), with nothing else done;
- the linkage floor: Splink alone (the project's model: features, training, scoring) on the harmonised records
  the run loaded, in this process, without reading or writing the warehouse;
- a naive script: pandas read of every file, exact national-ID dedupe, ``DataFrame.to_sql`` into DuckDB.
The targets (docs/performance.md): end to end <= 3 x (ingest floor + linkage floor); every stage but linkage
>= 5x faster per record than the naive script's equivalent; Great Expectations <= 15% of the run; a night
with 1% of residents changed <= 15% of a full run. Accuracy is measured against the generator's truth.

Usage:
  python bench/run_benchmark.py [--scale 1] [--seed 42] [--workdir data/bench] [--keep] [--steps-compare]
  python bench/run_benchmark.py --curve 0.1,1,3 [--plot docs/performance.png]   # the cost curve only
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assets.lib.codecs import decode_bytes  # noqa: E402
from assets.lib.warehouse import warehouse_from_url  # noqa: E402
from sample_data.evaluation import (  # noqa: E402
    PersonMetrics,
    evaluate_dataset,
    evaluate_party_links,
    evaluate_persons,
    evaluate_residents,
)
from schemas.manifest import scan_manifests  # noqa: E402

SOURCES = ROOT / "schemas" / "sources"


def ingest_floor(landing: Path, sources: Path) -> tuple[float, int]:
    """The fastest plain read of every landing file: decode and parse into columns, nothing else."""
    started, rows = time.perf_counter(), 0
    for _path, manifest in scan_manifests(sources).valid:
        for file in sorted(landing.glob(manifest.path)):
            if manifest.format == "csv":
                data = file.read_bytes()
                if manifest.encoding not in ("utf-8", "utf-8-sig"):
                    data = decode_bytes(data, manifest.encoding).encode("utf-8")
                table = pacsv.read_csv(
                    io.BytesIO(data),
                    parse_options=pacsv.ParseOptions(delimiter=manifest.delimiter or ",", newlines_in_values=True),
                    convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=False),
                )
                rows += table.num_rows
            elif manifest.format == "xlsx":
                from python_calamine import CalamineWorkbook

                book = CalamineWorkbook.from_path(str(file))
                sheet = manifest.sheet if isinstance(manifest.sheet, str) else book.sheet_names[manifest.sheet or 0]
                rows += len(book.get_sheet_by_name(sheet).to_python()) - manifest.skip_rows - manifest.header_rows
            elif manifest.format == "json":
                document = json.loads(file.read_bytes())
                for part in (manifest.record_path or "").split("."):
                    document = document[part] if part else document
                rows += len(document)
            else:
                with sqlite3.connect(file) as con:
                    rows += len(con.execute(manifest.query or f'select * from "{manifest.table}"').fetchall())
    return time.perf_counter() - started, rows


def _national_id_label(manifest) -> str | None:
    return next((label for label, field in manifest.columns.items() if field == "national_id"), None)


def naive_script(landing: Path, sources: Path, work: Path) -> dict[str, float | int]:
    """What a data engineer's first script does: pandas read, exact national-ID dedupe, to_sql into DuckDB."""
    read_s, rows, frames = pandas_read(landing, sources)
    started = time.perf_counter()
    deduped = []
    for manifest, frame in frames:
        label = _national_id_label(manifest)
        if label is not None and label in frame.columns:
            has_id = frame[label].notna() & frame[label].astype(str).str.strip().ne("")
            frame = pd.concat([frame[has_id].drop_duplicates(subset=[label]), frame[~has_id]])
        deduped.append((manifest, frame))
    dedupe_s = time.perf_counter() - started
    engine = sa.create_engine(f"duckdb:///{work / 'naive.duckdb'}")
    started = time.perf_counter()
    written = 0
    for index, (_manifest, frame) in enumerate(deduped):
        frame.columns = [f"c{i}" for i in range(len(frame.columns))]
        frame.to_sql(f"t{index}", engine, index=False, if_exists="replace")
        written += len(frame)
    to_sql_s = time.perf_counter() - started
    engine.dispose()
    return {"read": read_s, "dedupe": dedupe_s, "to_sql": to_sql_s, "rows": rows, "written": written}


def pandas_read(landing: Path, sources: Path) -> tuple[float, int, list]:
    """Read every delivered file with plain pandas (bytes as latin-1 where pandas knows no decoder)."""
    started, rows, frames = time.perf_counter(), 0, []
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
            frames.append((manifest, frame))
    return time.perf_counter() - started, rows, frames


def print_person_metrics(persons: PersonMetrics) -> None:
    """Linkage, look-alikes, residence and golden-record figures (targets: README, docs/linkage.md)."""
    print("  persons against the truth (accepted records):")
    print(
        f"    records {persons.records:,}; persons {persons.persons_predicted:,} formed, {persons.persons_true:,} true"
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


STAGES = ("extract", "validate", "harmonise", "route", "load")


def stage_of(asset: str) -> str:
    """The pipeline stage an asset belongs to (its name's prefix; a dataset's record table is its load)."""
    for prefix, stage in (("raw_", "extract"), ("validated_", "validate"), ("harmonised_", "harmonise")):
        if asset.startswith(prefix):
            return stage
    return "route" if asset.startswith("routed_") else "load"


def run_pipeline(work: Path, landing: Path, url: str, name: str, env: dict[str, str] | None = None) -> dict:
    """`wardmerge run` as a user runs it (a fresh process), with its stats file and the process's peak RSS."""
    stats_file = work / f"{name}_stats.json"
    command = [
        str(Path(sys.executable).parent / "wardmerge"), "run", "--landing", str(landing), "--warehouse", url,
        "--data-dir", str(work / "data"), "--stats", str(stats_file),
    ]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command] if Path("/usr/bin/time").exists() else command,
        check=False, capture_output=True, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(
            f"{name}: wardmerge run failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    stats["wall_seconds"] = wall
    stats["peak_mb"] = int(last) / 1024 if last.isdigit() else None
    by_stage: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    peak: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    rows = 0
    for part in stats["partitions"].values():
        rows += int(part.get("read") or 0)
        for asset, seconds in part.get("stage_seconds", {}).items():
            by_stage[stage_of(asset)] += seconds
            peak[stage_of(asset)] = max(peak[stage_of(asset)], part["stage_peak_mb"].get(asset, 0.0))
    stats["by_stage"], stats["peak_by_stage"], stats["rows_read"] = by_stage, peak, rows
    return stats


def linkage_floor(url: str) -> tuple[float, int]:
    """Splink alone on the records the run loaded: the project's model trained and every candidate pair scored."""
    from assets.lib.linkage.model import link_records
    from assets.lib.linking import record_ids
    from schemas import warehouse as w

    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        records = wh.read_frame(conn, sa.select(w.resident_record))
    wh.engine.dispose()
    records["record_id"] = record_ids(records)
    started = time.perf_counter()
    link_records(records)
    return time.perf_counter() - started, len(records)


def gx_import_seconds() -> float:
    """Importing Great Expectations in a fresh interpreter (part of GX's cost to every run)."""
    code = "import time; t = time.perf_counter(); import great_expectations; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def generate(landing: Path, scale: float, seed: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "wardmerge"), "sample-data", "--out", str(landing), "--scale", str(scale),
         "--seed", str(seed)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def last_link(url: str) -> dict:
    from schemas import warehouse as w

    wh = warehouse_from_url(url)
    with wh.engine.connect() as conn:
        row = conn.execute(sa.select(w.link_run).order_by(w.link_run.c.linked_at.desc()).limit(1)).mappings().one()
    wh.engine.dispose()
    return dict(row)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def machine() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}, "
        f"commit {commit.stdout.strip() or 'unknown'}"
    )


def print_stage_table(stats: dict, naive: dict, floor_ingest: float, floor_link: float) -> dict[str, float]:
    """Per stage: seconds, µs per record, the naive script's equivalent and the speed-up; returns the speed-ups."""
    rows = max(stats["rows_read"], 1)
    naive_rows = max(int(naive["rows"]), 1)
    equivalent = {
        "extract": ("pandas read", naive["read"]),
        "validate": ("ID dedupe", naive["dedupe"]),
        "harmonise": ("ID dedupe", naive["dedupe"]),
        "route": ("ID dedupe", naive["dedupe"]),
        "load": ("to_sql", naive["to_sql"]),
    }
    print(
        f"  {'stage':<10} {'seconds':>8} {'µs/record':>10}   {'naive equivalent':<16} {'µs/record':>10} {'speed-up':>9}"
        f" {'peak MB':>8}"
    )
    speedups = {}
    for stage in STAGES:
        seconds = stats["by_stage"][stage]
        label, naive_s = equivalent[stage]
        ours, theirs = seconds / rows * 1e6, naive_s / naive_rows * 1e6
        speedups[stage] = theirs / ours if ours else float("inf")
        print(
            f"  {stage:<10} {seconds:8.1f} {ours:10.1f}   {label:<16} {theirs:10.1f} {speedups[stage]:8.1f}x"
            f" {stats['peak_by_stage'][stage]:8.0f}"
        )
    link = stats.get("link", {})
    print(
        f"  {'link':<10} {link.get('seconds', 0):8.1f} {'':>10}   {'Splink alone':<16} {floor_link:10.1f}s"
        f" {'':>9} {link.get('peak_mb', 0):8.0f}"
    )
    print(f"  ingest floor {floor_ingest:.1f} s, linkage floor {floor_link:.1f} s")
    return speedups


def full_benchmark(args: argparse.Namespace) -> int:
    work = Path(args.workdir).resolve() / f"scale_{args.scale:g}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    landing, truth = work / "landing", work / "truth"
    generate_s = generate(landing, args.scale, args.seed)

    floor_ingest, floor_rows = ingest_floor(landing, SOURCES)
    naive = naive_script(landing, SOURCES, work)
    url = f"duckdb:///{work / 'warehouse.duckdb'}"
    stats = run_pipeline(work, landing, url, "full")
    floor_link, linked_records = linkage_floor(url)
    gx_import = gx_import_seconds()

    wh = warehouse_from_url(url)
    metrics = evaluate_residents(wh, truth)
    persons = evaluate_persons(wh, truth)
    others = {d: evaluate_dataset(wh, truth, d) for d in ("dossiers", "budget", "petitions", "business_households")}
    links = {d: evaluate_party_links(wh, truth, d) for d in ("dossiers", "petitions", "business_households")}
    wh.engine.dispose()

    print(f"\nwardmerge benchmark — scale {args.scale:g}, seed {args.seed}, {floor_rows:,} source rows")
    print(f"  {machine()}")
    print(f"  sample generation             {generate_s:8.1f} s")
    print(f"  ingest floor (plain read)     {floor_ingest:8.1f} s")
    print(f"  linkage floor (Splink alone)  {floor_link:8.1f} s   ({linked_records:,} records)")
    print(
        f"  naive script                  {naive['read'] + naive['dedupe'] + naive['to_sql']:8.1f} s   (read "
        f"{naive['read']:.1f}, dedupe {naive['dedupe']:.2f}, to_sql {naive['to_sql']:.1f})"
    )
    wall = stats["wall_seconds"]
    print(f"  wardmerge run (wall, CLI)     {wall:8.1f} s   peak {stats['peak_mb'] or 0:,.0f} MB")
    print("  per stage (summed over former wards and datasets; peak RSS of the process within the stage):")
    speedups = print_stage_table(stats, naive, floor_ingest, floor_link)
    gx = stats.get("gx_seconds", 0.0) + gx_import

    night = {}
    if not args.no_night:
        from sample_data.nightly import change_residents

        edited = sum(change_residents(landing, SOURCES, share=0.01, seed=args.seed).values())
        night = run_pipeline(work, landing, url, "night")
        link = last_link(url)
        print(
            f"  a night with 1% of residents changed ({edited:,} rows edited): {night['wall_seconds']:.1f} s "
            f"= {night['wall_seconds'] / wall:.1%} of the full run; link {link['mode']} "
            f"({link['records_changed']:,} changed, {link['records_scored']:,} scored, {link['seconds']:.1f} s)"
        )
    staged = None
    if args.steps_compare:
        staged = run_pipeline(work, landing, f"duckdb:///{work / 'staged.duckdb'}", "staged",
                              env={"WARDMERGE_STEPS": "staged"})  # fmt: skip
        print(
            f"  the same run with one Dagster step per stage (WARDMERGE_STEPS=staged): {staged['wall_seconds']:.1f} s"
            f" vs {wall:.1f} s with one step per former ward"
        )

    print("  targets:")
    bound = 3 * (floor_ingest + floor_link)
    print(
        f"    end to end <= 3 x (ingest + linkage floor) = {bound:.1f} s: {wall:.1f} s "
        f"({wall / (floor_ingest + floor_link):.1f}x) {verdict(wall <= bound)}"
    )
    for stage, value in speedups.items():
        print(f"    {stage:<9} >= 5x faster per record than the naive equivalent: {value:.1f}x {verdict(value >= 5)}")
    print(
        f"    Great Expectations <= 15% of the run: {gx:.1f} s ({stats.get('gx_seconds', 0.0):.1f} s validating + "
        f"{gx_import:.1f} s import) = {gx / wall:.1%} {verdict(gx / wall <= 0.15)}"
    )
    if night:
        share = night["wall_seconds"] / wall
        print(f"    a 1%-change night <= 15% of a full run: {share:.1%} {verdict(share <= 0.15)}")

    print("  rows per dataset:", json.dumps(stats.get("datasets", {})))
    print("  accuracy against the generator's truth:")
    for key, value in metrics.as_dict().items():
        print(f"    {key:<24} {value:.4f}" if isinstance(value, float) else f"    {key:<24} {value:,}")
    print_person_metrics(persons)
    print("  other datasets against the truth (rows, unaccounted, wrong place, wrong rules/flags/reasons, totals):")
    for dataset, m in others.items():
        wrong = m.rule_mismatches + m.flag_mismatches + m.reason_mismatches
        print(
            f"    {dataset:<24} {m.truth_rows:,} rows, {m.unaccounted} unaccounted, {m.disposition_mismatches} "
            f"misplaced, {wrong} wrong reasons, {m.total_check_mismatches} wrong total checks"
        )
    print("  persons named by other records (precision, recall over identifiable):")
    for dataset, lm in links.items():
        print(
            f"    {dataset:<24} {lm.linked:,}/{lm.records:,} linked, precision {lm.precision:.4f}, recall "
            f"{lm.recall:.4f}, outsiders linked {lm.outsiders_linked}"
        )
    summary = {
        "scale": args.scale, "machine": machine(), "wall": wall, "floor_ingest": floor_ingest,
        "floor_link": floor_link, "naive": naive, "stats": stats, "gx": gx, "night": night or None,
        "staged": staged["wall_seconds"] if staged else None,
    }  # fmt: skip
    (Path(args.workdir).resolve() / f"result_scale_{args.scale:g}.json").write_text(json.dumps(summary, indent=1))
    if not args.keep:
        shutil.rmtree(work)
    return 0


def cost_curve(args: argparse.Namespace) -> int:
    """Wall time and peak memory per stage at several scales; a table, a JSON file and (with matplotlib) a PNG."""
    results = []
    for scale in [float(s) for s in args.curve.split(",")]:
        work = Path(args.workdir).resolve() / f"curve_{scale:g}"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        generate(work / "landing", scale, args.seed)
        stats = run_pipeline(work, work / "landing", f"duckdb:///{work / 'warehouse.duckdb'}", "curve")
        link = stats.get("link", {})
        results.append({
            "scale": scale, "rows": stats["rows_read"], "wall": stats["wall_seconds"], "peak_mb": stats["peak_mb"],
            "stages": stats["by_stage"], "stage_peak_mb": stats["peak_by_stage"],
            "link": link.get("seconds", 0.0), "link_peak_mb": link.get("peak_mb", 0.0),
        })  # fmt: skip
        print(
            f"scale {scale:g}: {stats['rows_read']:,} rows, {stats['wall_seconds']:.1f} s, peak "
            f"{stats['peak_mb'] or 0:,.0f} MB",
            flush=True,
        )
        if not args.keep:
            shutil.rmtree(work)
    out = Path(args.workdir).resolve() / "curve.json"
    out.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))
    header = "| scale | rows | wall s | " + " | ".join(f"{s} s" for s in STAGES) + " | link s | peak MB |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        stages = " | ".join(f"{r['stages'][s]:.1f}" for s in STAGES)
        print(
            f"| {r['scale']:g} | {r['rows']:,} | {r['wall']:.1f} | {stages} | {r['link']:.1f} | "
            f"{r['peak_mb'] or 0:,.0f} |"
        )
    if args.plot:
        plot_curve(results, Path(args.plot))
    return 0


def plot_curve(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r["rows"] for r in results]
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for stage in STAGES:
        time_ax.plot(rows, [r["stages"][stage] for r in results], marker="o", label=stage)
    time_ax.plot(rows, [r["link"] for r in results], marker="o", label="link")
    time_ax.plot(rows, [r["wall"] for r in results], marker="s", color="black", label="wall (end to end)")
    time_ax.set(xscale="log", yscale="log", xlabel="source rows", ylabel="seconds", title="Time per stage")
    time_ax.legend(fontsize=8)
    memory_ax.plot(rows, [(r["peak_mb"] or 0) / 1024 for r in results], marker="s", color="black", label="process")
    memory_ax.plot(rows, [r["link_peak_mb"] / 1024 for r in results], marker="o", label="link step")
    memory_ax.set(xscale="log", xlabel="source rows", ylabel="GiB", title="Peak memory")
    memory_ax.legend(fontsize=8)
    for ax in (time_ax, memory_ax):  # one labelled tick per measured scale
        ax.set_xticks(rows, [f"{n / 1000:,.0f}k" for n in rows])
        ax.minorticks_off()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files and warehouse")
    parser.add_argument("--no-night", action="store_true", help="skip the 1%%-change night")
    parser.add_argument("--steps-compare", action="store_true", help="also run with one Dagster step per stage")
    parser.add_argument("--curve", help="comma-separated scales: measure the cost curve only")
    parser.add_argument("--plot", help="with --curve: write the plot (PNG) here")
    args = parser.parse_args()
    return cost_curve(args) if args.curve else full_benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
