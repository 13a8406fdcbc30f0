"""`wardmerge` command line: consolidate the configured former wards, or generate sample data.

`wardmerge run` executes the same Definitions as the UI, in-process (one run per former ward, then the link),
with a progress bar per partition that advances stage by stage, and ends with a summary per former ward.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import resources as r

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass
class PartitionOutcome:
    code: str
    name: str
    status: str = "pending"  # skipped | ok | failed
    detail: str = ""
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_peak_mb: dict[str, float] = field(default_factory=dict)


def _reset_peak_rss() -> None:
    """Reset the kernel's high-water mark of this process's RSS, so each stage's peak is its own (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _apply_options(args: argparse.Namespace) -> None:
    """Options become the environment variables the Definitions read, so the UI sees the same settings."""
    for option, env in (
        ("landing", r.ENV_LANDING),
        ("sources", r.ENV_SOURCES),
        ("routing", r.ENV_ROUTING),
        ("warehouse", r.ENV_WAREHOUSE),
        ("ward", r.ENV_WARD),
        ("data_dir", r.ENV_DATA_DIR),
    ):
        value = getattr(args, option, None)
        if value:
            os.environ[env] = value


def _error_text(event) -> str:
    from data_quality.masking import scrub_text

    data = event.dagster_event.event_specific_data if event.dagster_event else None
    error = getattr(data, "error", None)
    if error is None:
        return "failed"
    # The innermost cause is the project's own message (file, row, column); scrub any value a library echoed.
    while error.cause is not None:
        error = error.cause
    return scrub_text(error.message.strip().splitlines()[-1] if error.message else "failed")


def run(args: argparse.Namespace) -> int:
    _apply_options(args)
    from dagster import DagsterInstance
    from dagster._core.utils import make_new_run_id
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from assets.extract import deliveries
    from pipelines.definitions import build_definitions, former_ward_codes
    from schemas.admin_units import UnknownAdminUnit, old_unit
    from schemas.manifest import ManifestError
    from schemas.names import (
        DATASET_RESIDENTS,
        JOB_LINK,
        JOB_REFERENCE,
        JOB_RESIDENTS_BY_WARD,
        PARTITION_STAGES,
    )

    console = Console(width=max(shutil.get_terminal_size().columns, 110))
    # The progress bars and the summary are the CLI's report; Dagster's own log lines go to the run log only.
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    settings = r.settings_from_env()
    try:
        codes = former_ward_codes(settings["ward"])
        defs = build_definitions(settings)
    except UnknownAdminUnit as exc:
        console.print(f"[red]error:[/red] {escape(str(exc.args[0] if exc.args else exc))}", soft_wrap=True)
        return EXIT_USAGE
    resources = defs.resources or {}
    settings_res = resources["settings"]
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()

    outcomes = {code: PartitionOutcome(code, old_unit(code).short_name) for code in codes}
    to_run = []
    for code in codes:
        try:
            found = deliveries(settings_res, code, DATASET_RESIDENTS)
        except ManifestError as exc:
            outcomes[code].status, outcomes[code].detail = "failed", str(exc)
            continue
        if not found:
            outcomes[code].status, outcomes[code].detail = "skipped", "no manifest"
        elif not any(d.files for d in found):
            outcomes[code].status, outcomes[code].detail = "skipped", "no delivered file"
        else:
            to_run.append(code)

    stages = list(PARTITION_STAGES)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TextColumn("{task.fields[stage]:<22}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        ref_task = progress.add_task("reference (admin units)", total=1, stage="")
        ref = defs.resolve_job_def(JOB_REFERENCE).execute_in_process(
            run_config=quiet, instance=instance, raise_on_error=False
        )
        progress.update(ref_task, completed=1, stage="done" if ref.success else "FAILED")
        if not ref.success:
            console.print("[red]loading the admin-unit registry failed[/red]")
            return EXIT_FAILED
        job = defs.resolve_job_def(JOB_RESIDENTS_BY_WARD)
        for code in to_run:
            outcome = outcomes[code]
            task = progress.add_task(f"{code} {outcome.name}", total=len(stages), stage="waiting")
            run_id = make_new_run_id()
            step_started: dict[str, float] = {}

            def listen(event, task=task, outcome=outcome, step_started=step_started) -> None:
                dagster_event = event.dagster_event
                if dagster_event is None or dagster_event.step_key is None:
                    return
                step = dagster_event.step_key
                kind = dagster_event.event_type_value
                if kind == "STEP_START":
                    _reset_peak_rss()
                    step_started[step] = time.perf_counter()
                    progress.update(task, stage=step)
                elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
                    outcome.stage_seconds[step] = time.perf_counter() - step_started.get(step, time.perf_counter())
                    outcome.stage_peak_mb[step] = _peak_rss_mb()
                    progress.advance(task)
                    if kind == "STEP_FAILURE":
                        outcome.detail = f"{step}: {_error_text(event)}"

            instance.add_event_listener(run_id, listen)
            t0 = time.perf_counter()
            result = job.execute_in_process(
                run_config=quiet, partition_key=code, instance=instance, run_id=run_id, raise_on_error=False
            )
            outcome.seconds = time.perf_counter() - t0
            outcome.status = "ok" if result.success else "failed"
            progress.update(task, stage="done" if result.success else "FAILED")
        link_ok = True
        link_stats: dict[str, float] = {}
        if any(o.status == "ok" for o in outcomes.values()):
            link_task = progress.add_task("link persons (all former wards)", total=1, stage="linking")
            t0 = time.perf_counter()
            _reset_peak_rss()
            linked = defs.resolve_job_def(JOB_LINK).execute_in_process(
                run_config=quiet, instance=instance, raise_on_error=False
            )
            link_ok = linked.success
            link_stats = {"seconds": time.perf_counter() - t0, "peak_mb": _peak_rss_mb()}
            progress.update(
                link_task,
                completed=1,
                stage=f"done in {time.perf_counter() - t0:.1f}s" if link_ok else "FAILED",
            )

    summary = _summary(resources["warehouse"].warehouse, codes)
    table = Table(title=f"wardmerge run: new ward(s) {settings['ward']} — {time.perf_counter() - started:.1f} s")
    for col in (
        "former ward",
        "status",
        "rows read",
        "loaded",
        "quarantined",
        "review",
        "persons",
        "seconds",
    ):
        table.add_column(col, justify="right" if col not in ("former ward", "status") else "left")
    for code in codes:
        o, s = outcomes[code], summary.get(code, {})
        table.add_row(
            f"{code} {o.name}",
            o.status,
            *(
                f"{s.get(k, 0):,}" if o.status == "ok" else ""
                for k in ("read", "loaded", "quarantined", "review", "persons")
            ),
            f"{o.seconds:.1f}" if o.status == "ok" else "",
        )
    console.print(table)
    for o in outcomes.values():
        if o.status in ("failed", "skipped") and o.detail:
            # One line per problem, never wrapped: it names file, row and column, and people grep logs for it.
            console.print(
                f"[{'red' if o.status == 'failed' else 'yellow'}]{o.code} {o.status}:[/] {escape(o.detail)}",
                soft_wrap=True,
                markup=True,
            )
    if not link_ok:
        console.print("[red]linking persons failed: see the Dagster run log[/red]")
    console.print(
        f"Warehouse: {settings['warehouse_url']}\n"
        "Open the UI: DAGSTER_HOME=$PWD .venv/bin/dagster dev   (same WARDMERGE_* settings)\n"
        "Query (README 'For analysts'): .venv/bin/python -c \"import duckdb; print(duckdb.connect("
        "'data/warehouse.duckdb', read_only=True).sql('select current_new_ward_code, count(*) from dim_person "
        "where is_current group by 1'))\"",
        soft_wrap=True,
        markup=False,
    )
    if args.stats:
        stats = {
            "total_seconds": time.perf_counter() - started,
            "partitions": {
                o.code: {
                    "status": o.status,
                    "seconds": o.seconds,
                    "stage_seconds": o.stage_seconds,
                    "stage_peak_mb": o.stage_peak_mb,
                    **summary.get(o.code, {}),
                }
                for o in outcomes.values()
            },
            "link": link_stats,
        }
        Path(args.stats).write_text(json.dumps(stats, indent=2), encoding="utf-8")
    failed = [o for o in outcomes.values() if o.status == "failed"]
    return EXIT_FAILED if failed or not link_ok else EXIT_OK


def _summary(warehouse, codes: list[str]) -> dict[str, dict[str, int]]:
    import sqlalchemy as sa

    from schemas import warehouse as w

    out: dict[str, dict[str, int]] = {code: {} for code in codes}
    with warehouse.engine.connect() as conn:
        for name, table in (
            ("loaded", w.resident_record),
            ("quarantined", w.quarantine),
            ("review", w.review_queue),
        ):
            for code, n in conn.execute(
                sa.select(table.c.former_ward_code, sa.func.count()).group_by(table.c.former_ward_code)
            ):
                if code in out:
                    out[code][name] = n
        x = w.person_source_xref
        for code, n in conn.execute(
            sa.select(x.c.former_ward_code, sa.func.count(sa.distinct(x.c.person_key))).group_by(x.c.former_ward_code)
        ):
            if code in out:
                out[code]["persons"] = n
    for counts in out.values():
        counts["read"] = counts.get("loaded", 0) + counts.get("quarantined", 0) + counts.get("review", 0)
    return out


def sample_data(args: argparse.Namespace) -> int:
    from pipelines.sample_data import generate

    out = Path(args.out).resolve()
    report = generate(
        out,
        scale=args.scale,
        seed=args.seed,
        ward=args.ward or r.DEFAULT_WARD,
        routing=Path(args.routing).resolve() if args.routing else None,
        truth=Path(args.truth).resolve() if args.truth else None,
    )
    print(report.describe() if hasattr(report, "describe") else report)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wardmerge", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="consolidate every configured former ward into the warehouse")
    run_p.add_argument("--landing", metavar="DIR", help=f"landing zone (env {r.ENV_LANDING}; default data/landing)")
    run_p.add_argument(
        "--sources", metavar="DIR", help=f"source manifests (env {r.ENV_SOURCES}; default schemas/sources)"
    )
    run_p.add_argument(
        "--routing",
        metavar="FILE",
        help=f"routing table CSV (env {r.ENV_ROUTING}; default the shipped table)",
    )
    run_p.add_argument(
        "--warehouse",
        metavar="URL",
        help=f"SQLAlchemy URL (env {r.ENV_WAREHOUSE}; default {r.DEFAULT_WAREHOUSE})",
    )
    run_p.add_argument(
        "--ward",
        metavar="CODE",
        help=f"new ward code(s), comma-separated (env {r.ENV_WARD}; default {r.DEFAULT_WARD})",
    )
    run_p.add_argument("--data-dir", metavar="DIR", help=f"staging and artefacts (env {r.ENV_DATA_DIR}; default data)")
    run_p.add_argument("--stats", metavar="FILE", help="write per-stage seconds and peak memory as JSON (benchmarks)")
    run_p.set_defaults(func=run)
    gen = sub.add_parser("sample-data", help="write realistic sample rosters (and their truth, separately)")
    gen.add_argument("--out", required=True, metavar="DIR", help="landing zone to write into")
    gen.add_argument("--scale", type=float, default=1.0, help="1 ≈ the real ward (default 1)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--ward", metavar="CODE", help="new ward whose former wards to generate (default 00322)")
    gen.add_argument("--routing", metavar="FILE", help="routing table the geography follows (default the shipped one)")
    gen.add_argument("--truth", metavar="DIR", help="where the ground truth goes (default OUT/../truth)")
    gen.set_defaults(func=sample_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
