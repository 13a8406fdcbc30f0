"""`wardmerge`: consolidate the configured former wards into the warehouse, inspect a source, or make sample data.

`wardmerge run` checks every setting first (one line and exit code 2 for a bad one), then executes the same
Definitions as the UI, in-process: the admin-unit registry, one run per former ward (every dataset, stage by
stage, with a progress bar), then the link across former wards; it ends with a summary per former ward.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pipelines import settings as s

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3

EPILOG = """\
examples:
  wardmerge run                                  # the shipped manifests, data/landing, data/warehouse.duckdb
  wardmerge run --landing /srv/exports --warehouse postgresql://wardmerge@db/warehouse
  wardmerge inspect schemas/sources/00304_residents.yaml      # what a manifest reads, before a run
  wardmerge sample-data --out data/landing --scale 0.1
  wardmerge sample-data --out data/city/landing --ward all-hanoi --scale 0.05   # + data/city/{sources,routing.csv}
  wardmerge run --ward all-hanoi --landing data/city/landing --sources data/city/sources \
      --routing data/city/routing.csv --warehouse duckdb:///data/city/warehouse.duckdb --data-dir data/city

exit codes:
  0  every former ward that had a delivery succeeded (those without one are listed as skipped)
  1  a former ward or the link failed (each failure is one line in the summary)
  2  a setting is wrong (one line naming it); nothing was run
  3  another run holds the data directory or the warehouse (one line naming it); nothing was run
"""


def _version() -> str:
    try:
        return version("wardmerge")
    except PackageNotFoundError:  # running from a checkout that was not installed
        return "unknown"


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


def failure_text(event: Any) -> str:
    """One line for a failed step: the project's own message (built from masked values where it was raised:
    ward, file, row, column), or only the error's type for anything else, whose text may echo a value."""
    dagster_event = getattr(event, "dagster_event", event)  # an event log entry, or the event itself
    data = dagster_event.event_specific_data if dagster_event else None
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return " ".join(user.description.split())
    error = getattr(data, "error", None)
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    return f"unexpected {error.cls_name or 'error'} (the Dagster run's log has the details)"


def _settings_from(args: argparse.Namespace) -> Any:
    return s.build_settings(
        {
            "landing_dir": args.landing,
            "sources_dir": args.sources,
            "routing_table": args.routing,
            "warehouse_url": args.warehouse,
            "ward": _ward_text(args.ward),
            "data_dir": args.data_dir,
        }
    )


def _ward_text(given: list[str] | str | None) -> str | None:
    """``--ward`` given several times (or as comma-separated codes, or ``all-hanoi``) as one comma-separated text."""
    if not given:
        return None
    return ",".join(given) if isinstance(given, list) else given


def run(args: argparse.Namespace) -> int:
    import sqlalchemy as sa
    from rich.console import Console
    from rich.markup import escape

    from pipelines.guard import BusyError, exclusive_run
    from pipelines.preflight import ConfigError, check_settings

    console = Console(width=max(shutil.get_terminal_size().columns, 110))
    try:
        try:
            settings = _settings_from(args)
        except (ValueError, sa.exc.ArgumentError) as exc:  # the warehouse URL does not parse
            given = args.warehouse or os.environ.get(s.ENV_WAREHOUSE)
            raise ConfigError("--warehouse", s.ENV_WAREHOUSE, given, f"not a database URL ({exc})") from None
        scan = check_settings(settings)
        _check_executor(settings)
        from pipelines.definitions import build_definitions, former_ward_codes

        codes = former_ward_codes(settings.target_wards)
        selected = _selected_wards(args, codes)
        defs = build_definitions(settings)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    except BusyError as exc:
        console.print(f"[red]busy:[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_BUSY
    except Exception as exc:  # noqa: BLE001 - a setting the checks above did not foresee: still one line
        console.print(f"[red]error:[/red] cannot start: {type(exc).__name__}: {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    try:
        with exclusive_run(settings):
            return _execute(args, settings, scan, codes, defs, console, selected)
    except BusyError as exc:
        console.print(f"[red]busy:[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_BUSY
    finally:  # the summary's connections: a DuckDB file stays locked while one is open
        from assets.resources import WarehouseResource

        resource = (defs.resources or {}).get("warehouse")
        if isinstance(resource, WarehouseResource):
            resource.close()


def _check_executor(settings: Any) -> None:
    """Celery needs a broker that answers, a warehouse several processes can write, and a Dagster instance on
    disk the workers share (DAGSTER_HOME; default DATA_DIR/dagster)."""
    from pipelines.distributed import EXECUTORS, broker_problem
    from pipelines.preflight import ConfigError

    if settings.executor not in EXECUTORS:
        raise ConfigError("(no option)", s.ENV_EXECUTOR, settings.executor, f"expected one of {', '.join(EXECUTORS)}")
    if settings.executor != "celery":
        return
    problem = broker_problem(settings.celery_broker)
    if problem:
        raise ConfigError("(no option)", s.ENV_CELERY_BROKER, settings.celery_broker or "''", problem)
    if not settings.warehouse_url.startswith("postgresql"):
        raise ConfigError(
            "--warehouse", s.ENV_WAREHOUSE, settings.warehouse_url,
            "Celery workers write from several processes at once: give a PostgreSQL warehouse",
        )  # fmt: skip
    if not os.environ.get("DAGSTER_HOME"):
        home = Path(settings.data_dir) / "dagster"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["DAGSTER_HOME"] = str(home)


def _selected_wards(args: argparse.Namespace, codes: list[str]) -> set[str] | None:
    """The former wards --former-wards names (None: all); a code outside the deployment is a setting error."""
    from pipelines.preflight import ConfigError

    if not getattr(args, "former_wards", None):
        return None
    wanted = {code.strip() for code in args.former_wards.split(",") if code.strip()}
    unknown = sorted(wanted - set(codes))
    if unknown:
        raise ConfigError("--former-wards", "(no variable)", ",".join(unknown), f"not among {', '.join(codes)}")
    return wanted


def _execute(
    args: argparse.Namespace,
    settings: Any,
    scan: Any,
    codes: list[str],
    defs: Any,
    console: Any,
    selected: set[str] | None = None,
) -> int:
    from dagster import AssetKey, DagsterInstance
    from dagster._core.utils import make_new_run_id
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from pipelines.guard import PID_TAG, fail_abandoned_runs, remove_stale_staging
    from pipelines.preflight import plan_partitions
    from schemas.admin_units import old_unit
    from schemas.datasets import registry
    from schemas.names import JOB_FORMER_WARD, JOB_LINK, JOB_REFERENCE, PERSONS, partition_stages

    # The progress bars and the summary are the CLI's report; Dagster's own log lines go to the run log only.
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    home = os.environ.get("DAGSTER_HOME")
    instance = DagsterInstance.get() if home else DagsterInstance.ephemeral()
    abandoned = fail_abandoned_runs(instance)
    stale = remove_stale_staging(settings)
    if abandoned or stale:
        console.print(
            f"[yellow]note:[/] a killed run left {abandoned} Dagster run(s) marked started (now failed) and {stale} "
            "staging file(s) (removed)",
            soft_wrap=True,
        )
    tags = {PID_TAG: str(os.getpid())}

    outcomes = {code: PartitionOutcome(code, old_unit(code).short_name) for code in codes}
    plans = plan_partitions(settings, scan, codes)
    for code, plan in plans.items():
        if plan.status != "run":
            outcomes[code].status, outcomes[code].detail = plan.status, plan.detail
        elif selected is not None and code not in selected:
            plan.status = outcomes[code].status = "skipped"
            outcomes[code].detail = "not selected (--former-wards)"
    to_run = [code for code in codes if plans[code].status == "run"]
    for problem in scan.unattributed():
        console.print(
            f"[yellow]warning:[/] {escape(str(problem))} (no former ward named; it fails none)", soft_wrap=True
        )
    for path, manifest in scan.valid:
        if manifest.former_ward not in outcomes:
            console.print(
                f"[yellow]warning:[/] {escape(str(path))}: former ward {manifest.former_ward} is not one of the "
                f"former wards of {settings.ward}; its files are not read",
                soft_wrap=True,
            )

    started = time.perf_counter()
    link_ok, link_stats = True, dict[str, Any]()
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TextColumn("{task.fields[stage]:<26}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        ref_task = progress.add_task("reference (admin units)", total=1, stage="")
        ref = defs.resolve_job_def(JOB_REFERENCE).execute_in_process(
            run_config=quiet, instance=instance, raise_on_error=False, tags=tags
        )
        progress.update(ref_task, completed=1, stage="done" if ref.success else "FAILED")
        if not ref.success:
            failure = next((e for e in ref.all_events if e.is_step_failure), None)
            console.print(f"[red]loading the admin-unit registry failed:[/] {failure_text(failure) if failure else ''}")
            return EXIT_FAILED
        job = defs.resolve_job_def(JOB_FORMER_WARD)
        sequential = to_run
        if settings.executor == "celery":
            _run_on_celery(settings, instance, plans, outcomes, to_run, progress, quiet, tags)
            sequential = []
        for code in sequential:
            outcome = outcomes[code]
            stages = [name for ds in registry().values() if ds.name in plans[code].datasets
                      for name in partition_stages(ds)]  # fmt: skip
            task = progress.add_task(f"{code} {outcome.name}", total=len(stages), stage="waiting")
            run_id = make_new_run_id()
            mark = [time.perf_counter()]  # when the stage now running began

            def listen(event, task=task, outcome=outcome, mark=mark) -> None:
                dagster_event = event.dagster_event
                if dagster_event is None or dagster_event.step_key is None:
                    return
                kind = dagster_event.event_type_value
                now = time.perf_counter()
                if kind == "STEP_START":
                    _reset_peak_rss()
                    mark[0] = now
                    progress.update(task, stage=dagster_event.step_key)
                elif kind == "ASSET_MATERIALIZATION":  # a stage done (per-stage steps or one step per ward alike)
                    stage = dagster_event.asset_key.to_user_string()
                    outcome.stage_seconds[stage] = now - mark[0]
                    outcome.stage_peak_mb[stage] = _peak_rss_mb()
                    _reset_peak_rss()
                    mark[0] = now
                    progress.advance(task)
                    progress.update(task, stage=stage)
                elif kind == "STEP_FAILURE" and not outcome.detail:
                    outcome.detail = f"{dagster_event.step_key}: {failure_text(event)}"

            instance.add_event_listener(run_id, listen)
            t0 = time.perf_counter()
            # Only the stages of the datasets this former ward delivered (the others would be skipped one by one).
            result = job.execute_in_process(
                run_config=quiet,
                partition_key=code,
                instance=instance,
                run_id=run_id,
                raise_on_error=False,
                asset_selection=[AssetKey(name) for name in stages],
                tags=tags,
            )
            outcome.seconds = time.perf_counter() - t0
            outcome.status = "ok" if result.success else "failed"
            progress.update(task, completed=len(stages), stage="done" if result.success else "FAILED")
        if any(o.status == "ok" for o in outcomes.values()):
            link_task = progress.add_task("link persons (all former wards)", total=1, stage="linking")
            t0 = time.perf_counter()
            _reset_peak_rss()
            link_config = {**quiet, "ops": {PERSONS: {"config": {"retrain": bool(getattr(args, "retrain", False))}}}}
            linked = defs.resolve_job_def(JOB_LINK).execute_in_process(
                run_config=link_config, instance=instance, raise_on_error=False, tags=tags
            )
            link_ok = linked.success
            link_stats = {"seconds": time.perf_counter() - t0, "peak_mb": _peak_rss_mb()}
            if not link_ok:
                failure = next((e for e in linked.all_events if e.is_step_failure), None)
                link_stats["detail"] = failure_text(failure) if failure else "failed"
            progress.update(
                link_task, completed=1, stage=f"done in {link_stats['seconds']:.1f}s" if link_ok else "FAILED"
            )
            if link_ok and s.build_marts():
                marts_ok, marts_detail = _build_marts(defs, settings, progress, quiet, instance, tags)
                if not marts_ok:
                    link_ok, link_stats["detail"] = False, f"marts: {marts_detail}"

    summary = _summary(defs.resources["warehouse"].warehouse, codes)
    per_dataset = _dataset_summary(defs.resources["warehouse"].warehouse, codes)
    _print_summary(console, settings, codes, outcomes, summary, time.perf_counter() - started)
    _print_datasets(console, per_dataset)
    if not link_ok:
        detail = escape(str(link_stats.get("detail", "")))
        console.print(f"[red]linking persons or building the marts failed:[/] {detail}", soft_wrap=True)
    _print_hints(console, settings, home)
    if args.stats:
        from data_quality.gx import seconds_in_gx

        stats = {
            "total_seconds": time.perf_counter() - started,
            "gx_seconds": seconds_in_gx[0],
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
            "datasets": per_dataset,
        }
        Path(args.stats).write_text(json.dumps(stats, indent=2), encoding="utf-8")
    failed = [o for o in outcomes.values() if o.status == "failed"]
    return EXIT_FAILED if failed or not link_ok else EXIT_OK


def _build_marts(
    defs: Any, settings: Any, progress: Any, run_config: dict, instance: Any, tags: dict
) -> tuple[bool, str]:
    """The analysts' marts (pseudonyms, then dbt build with its tests), after the link; (ok, failure line).

    dbt's own log (model and test lines, no data values) goes to ``<data dir>/marts/dbt_build.log``."""
    import contextlib

    from schemas.names import JOB_MARTS

    task = progress.add_task("marts (dbt build and tests)", total=1, stage="building")
    t0 = time.perf_counter()
    log = Path(settings.data_dir) / "marts" / "dbt_build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as fh, contextlib.redirect_stdout(fh):
        result = defs.resolve_job_def(JOB_MARTS).execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False, tags=tags
        )
    seconds = time.perf_counter() - t0
    progress.update(task, completed=1, stage=f"done in {seconds:.1f}s" if result.success else "FAILED")
    if result.success:
        return True, ""
    failure = next((e for e in result.all_events if e.is_step_failure), None)
    return False, f"{failure_text(failure) if failure else 'failed'} (dbt's log: {log})"


def _run_on_celery(
    settings: Any, instance: Any, plans: dict, outcomes: dict, to_run: list[str], progress: Any, quiet: dict, tags: dict
) -> None:
    """Every former ward's run at once, its step on whichever Celery worker is free (pipelines/distributed.py)."""
    from dagster import AssetKey

    from pipelines.distributed import export_settings, run_config_for, run_partitions
    from schemas.datasets import registry
    from schemas.names import JOB_FORMER_WARD, partition_stages

    export_settings(settings)  # the job is rebuilt from the environment, here and on the workers
    stages = {
        code: [name for ds in registry().values() if ds.name in plans[code].datasets for name in partition_stages(ds)]
        for code in to_run
    }
    task = progress.add_task(f"{len(to_run)} former wards on Celery", total=len(to_run), stage="submitted")
    started = time.perf_counter()

    def done(run: Any) -> None:
        outcome = outcomes[run.code]
        outcome.seconds = time.perf_counter() - started
        outcome.status = "ok" if run.success else "failed"
        if not run.success:
            outcome.detail = run.failure
        progress.advance(task)
        progress.update(task, stage=f"{run.code} {'done' if run.success else 'FAILED'}")

    run_partitions(
        JOB_FORMER_WARD,
        to_run,
        instance,
        run_config_for(settings, quiet),
        lambda code: [AssetKey(name) for name in stages[code]],
        tags,
        parallel=int(os.environ.get(s.ENV_CELERY_RUNS) or s.DEFAULT_CELERY_RUNS),
        on_done=done,
    )


def _print_summary(
    console: Any, settings: Any, codes: list[str], outcomes: dict, summary: dict, seconds: float
) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"wardmerge run: new ward(s) {settings.ward} — {seconds:.1f} s")
    columns = ("former ward", "status", "rows read", "loaded", "quarantined", "review", "persons", "seconds")
    for col in columns:
        table.add_column(col, justify="left" if col in ("former ward", "status") else "right")
    for code in codes:
        o, counts = outcomes[code], summary.get(code, {})
        shown = o.status == "ok"
        table.add_row(
            f"{code} {o.name}",
            o.status,
            *(f"{counts.get(k, 0):,}" if shown else "" for k in ("read", "loaded", "quarantined", "review", "persons")),
            f"{o.seconds:.1f}" if shown else "",
        )
    console.print(table)
    for o in outcomes.values():
        if o.status in ("failed", "skipped") and o.detail:
            # One line per problem, never wrapped: it names ward, file, row and column; people grep for it.
            colour = "red" if o.status == "failed" else "yellow"
            console.print(f"[{colour}]{o.code} {o.status}:[/] {escape(o.detail)}", soft_wrap=True)


def _print_datasets(console: Any, per_dataset: dict[str, dict[str, int]]) -> None:
    from rich.table import Table

    if not per_dataset:
        return
    table = Table(title="rows per dataset (set apart: report totals, rows an export repeated)")
    columns = ("dataset", "rows read", "loaded", "quarantined", "review", "set apart")
    for col in columns:
        table.add_column(col, justify="left" if col == "dataset" else "right")
    for name, counts in per_dataset.items():
        shown = (f"{counts.get(k, 0):,}" for k in ("read", "loaded", "quarantined", "review", "set_aside"))
        table.add_row(name, *shown)
    console.print(table)


def _print_hints(console: Any, settings: Any, home: str | None) -> None:
    import sqlalchemy as sa

    url = sa.engine.make_url(settings.warehouse_url)
    query = "select current_new_ward_code, count(*) from dim_person where is_current group by 1 order by 1"
    if url.get_backend_name() == "duckdb":
        ask = (
            f".venv/bin/python -c \"import duckdb; print(duckdb.connect('{url.database}', read_only=True)"
            f".sql('{query}'))\""
        )
    else:
        plain = url.set(drivername="postgresql").render_as_string(hide_password=True)
        ask = f'psql "{plain}" -c "{query}"'
    if home:
        ui = f"Open the UI (this run is recorded there): make ui, or DAGSTER_HOME={home} .venv/bin/dagster dev"
    else:
        ui = (
            "This run was not recorded for the UI (DAGSTER_HOME is not set; `make run` sets it to the checkout). "
            "Open the UI: DAGSTER_HOME=$PWD .venv/bin/dagster dev"
        )
    shown = url.render_as_string(hide_password=True)
    console.print(f"Warehouse: {shown}\n{ui}\nQuery: {ask}", soft_wrap=True, markup=False)


def _summary(warehouse: Any, codes: list[str]) -> dict[str, dict[str, int]]:
    import sqlalchemy as sa

    from schemas import warehouse as w

    out: dict[str, dict[str, int]] = {code: {} for code in codes}
    with warehouse.engine.connect() as conn:
        tables = [("loaded", t) for t in w.RECORD_TABLES.values()]
        tables += [("quarantined", w.quarantine), ("review", w.review_queue), ("set_aside", w.nonrecord_row)]
        for name, table in tables:
            for code, n in conn.execute(
                sa.select(table.c.former_ward_code, sa.func.count()).group_by(table.c.former_ward_code)
            ):
                if code in out:
                    out[code][name] = out[code].get(name, 0) + n
        x = w.person_source_xref
        for code, n in conn.execute(
            sa.select(x.c.former_ward_code, sa.func.count(sa.distinct(x.c.person_key))).group_by(x.c.former_ward_code)
        ):
            if code in out:
                out[code]["persons"] = n
    for counts in out.values():
        counts["read"] = sum(counts.get(k, 0) for k in ("loaded", "quarantined", "review", "set_aside"))
    return out


def _dataset_summary(warehouse: Any, codes: list[str]) -> dict[str, dict[str, int]]:
    """Rows per dataset over the run's former wards: loaded, quarantined, review, set apart (totals, copies)."""
    import sqlalchemy as sa

    from schemas import warehouse as w

    out: dict[str, dict[str, int]] = {name: {} for name in w.RECORD_TABLES}
    with warehouse.engine.connect() as conn:
        for name, table in w.RECORD_TABLES.items():
            count = sa.select(sa.func.count()).select_from(table).where(table.c.former_ward_code.in_(codes))
            out[name]["loaded"] = int(conn.execute(count).scalar_one())
        places = (("quarantined", w.quarantine), ("review", w.review_queue), ("set_aside", w.nonrecord_row))
        for column, table in places:
            statement = (
                sa.select(table.c.dataset, sa.func.count())
                .where(table.c.former_ward_code.in_(codes))
                .group_by(table.c.dataset)
            )
            for dataset, n in conn.execute(statement):
                if dataset in out:
                    out[dataset][column] = int(n)
    for counts in out.values():
        counts["read"] = sum(counts.get(k, 0) for k in ("loaded", "quarantined", "review", "set_aside"))
    return {name: counts for name, counts in out.items() if counts["read"]}


def sample_data(args: argparse.Namespace) -> int:
    from sample_data import SampleDataError, generate

    try:
        report = generate(
            Path(args.out).resolve(),
            scale=args.scale,
            seed=args.seed,
            ward=_ward_text(args.ward) or s.DEFAULT_WARD,
            routing=Path(args.routing).resolve() if args.routing else None,
            truth=Path(args.truth).resolve() if args.truth else None,
            sources=Path(args.sources).resolve() if args.sources else None,
        )
    except SampleDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(report.describe())
    return EXIT_OK


def inspect(args: argparse.Namespace) -> int:
    from pipelines.inspect_source import InspectError, inspect_manifest

    try:
        landing = Path(args.landing or os.environ.get(s.ENV_LANDING) or s.DEFAULT_LANDING).resolve()
        print(inspect_manifest(Path(args.manifest), landing, rows=args.rows, unmasked=args.unmasked))
    except InspectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def export_marts(args: argparse.Namespace) -> int:
    """Write the marts schema alone into a new DuckDB file: what analysts get, without the personal-data tables."""
    import duckdb
    import sqlalchemy as sa

    from schemas.names import MART_MODELS, MART_SEEDS, MARTS_SCHEMA

    url = sa.engine.make_url(s.build_settings({"warehouse_url": args.warehouse}).warehouse_url)
    if url.get_backend_name() != "duckdb":
        print("error: export-marts copies a DuckDB warehouse; on PostgreSQL grant wardmerge_analyst", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out).resolve()
    if out.exists():
        print(f"error: {out} exists (choose a new file)", file=sys.stderr)
        return EXIT_USAGE
    source = duckdb.connect(str(url.database), read_only=True)
    try:
        present = {
            row[0]
            for row in source.execute(
                "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
            ).fetchall()
        }
        tables = [name for name in (*MART_MODELS, *MART_SEEDS) if name in present]  # names from code, never data
        if not tables:
            print(f"error: no marts in {url.database} (run `wardmerge run` first)", file=sys.stderr)
            return EXIT_USAGE
        target = duckdb.connect(str(out))
        try:
            target.execute(f"create schema {MARTS_SCHEMA}")
            for name in tables:
                frame = source.sql(f"select * from {MARTS_SCHEMA}.{name}").to_arrow_table()  # noqa: F841 - read by DuckDB
                target.execute(f"create table {MARTS_SCHEMA}.{name} as select * from frame")
        finally:
            target.close()
    finally:
        source.close()
    print(f"wrote {len(tables)} tables of schema {MARTS_SCHEMA} to {out}")
    return EXIT_OK


def workers(args: argparse.Namespace) -> int:
    """Start the Celery workers for this deployment's runs (in the foreground; Ctrl-C stops them)."""
    from pipelines.distributed import broker_problem, export_settings, worker_argv

    settings = s.build_settings(
        {"ward": _ward_text(args.ward), "celery_broker": args.broker, "celery_queue": args.queue, "executor": "celery"}
    )
    problem = broker_problem(settings.celery_broker)
    if problem:
        print(f"error: --broker / {s.ENV_CELERY_BROKER} = {settings.celery_broker!r}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    env = dict(os.environ)
    export_settings(settings, env)  # the job's shape (partitions, steps) and the broker, as the runs have them
    argv = worker_argv(args.concurrency, settings.celery_queue, args.loglevel)
    os.execvpe(argv[0], argv, env)  # the worker replaces this process: signals reach Celery itself


def _run_launcher(settings: Any) -> Any:
    """How the review desk starts a re-run: this CLI in a child process, on the desk's own settings."""
    import subprocess

    def launch(wards: list[str], log_path: Path) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "pipelines.cli", "run", "--warehouse", settings.warehouse_url,
            "--landing", settings.landing_dir, "--sources", settings.sources_dir, "--routing", settings.routing_table,
            "--ward", settings.ward, "--data-dir", settings.data_dir,
        ]  # fmt: skip
        if wards:
            command += ["--former-wards", ",".join(wards)]
        with open(log_path, "ab") as log:
            env = {**os.environ, "COLUMNS": "140"}
            return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

    return launch


def review(args: argparse.Namespace) -> int:
    from review_desk.command import serve

    settings = s.build_settings({"warehouse_url": args.warehouse})
    return serve(
        settings.warehouse_url,
        secret=s.review_secret(),
        host=args.host,
        port=args.port,
        dev_mode=args.dev,
        https_only=args.https_only,
        routing_table=settings.routing,
        launcher=_run_launcher(settings),
        run_log_dir=Path(settings.data_dir) / "review_runs",
        new_ward=settings.ward,
    )


def officer(args: argparse.Namespace) -> int:
    from review_desk.command import officer as manage

    wards = [code.strip() for code in (getattr(args, "wards", None) or "").split(",") if code.strip()]
    return manage(
        s.build_settings({"warehouse_url": args.warehouse}).warehouse_url,
        args.action,
        getattr(args, "username", None),
        wards,
        display_name=getattr(args, "name", None),
        password_stdin=getattr(args, "password_stdin", False),
    )


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="wardmerge", description=__doc__, epilog=EPILOG, formatter_class=fmt)
    parser.add_argument("--version", action="version", version=f"wardmerge {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser(
        "run",
        help="consolidate every configured former ward into the warehouse",
        description="Consolidate every former ward of the new ward(s) into the warehouse.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    run_p.add_argument(
        "--landing", metavar="DIR", help=f"landing zone (env {s.ENV_LANDING}; default {s.DEFAULT_LANDING})"
    )
    run_p.add_argument(
        "--sources", metavar="DIR", help=f"source manifests (env {s.ENV_SOURCES}; default the shipped schemas/sources)"
    )
    run_p.add_argument(
        "--routing", metavar="FILE", help=f"routing table CSV (env {s.ENV_ROUTING}; default the shipped table)"
    )
    run_p.add_argument(
        "--warehouse", metavar="URL", help=f"SQLAlchemy URL (env {s.ENV_WAREHOUSE}; default {s.DEFAULT_WAREHOUSE})"
    )
    run_p.add_argument(
        "--ward",
        metavar="CODE",
        action="append",
        help=f"new ward code(s): repeat or comma-separate them, or all-hanoi (env {s.ENV_WARD}; default "
        f"{s.DEFAULT_WARD})",
    )
    run_p.add_argument(
        "--data-dir", metavar="DIR", help=f"staging and artefacts (env {s.ENV_DATA_DIR}; default {s.DEFAULT_DATA_DIR})"
    )
    run_p.add_argument("--stats", metavar="FILE", help="write per-stage seconds and peak memory as JSON (benchmarks)")
    run_p.add_argument(
        "--former-wards",
        metavar="CODE[,CODE…]",
        help="run only these former wards (then the link over all of them); default all",
    )
    run_p.add_argument(
        "--retrain",
        action="store_true",
        help="train the linkage model again and score every pair (default: only when many records changed)",
    )
    run_p.set_defaults(func=run)
    ins = sub.add_parser(
        "inspect",
        help="show what a manifest reads (decoded rows, column mapping, validation), without a run",
        description="Show what a manifest reads from the landing zone: decoded first rows (masked unless "
        "--unmasked), which canonical field each column feeds, unmapped columns, the share of Vietnamese "
        "syllables per text column, and what validation does to those rows.",
    )
    ins.add_argument("manifest", metavar="MANIFEST", help="a manifest YAML file")
    ins.add_argument(
        "--landing", metavar="DIR", help=f"landing zone (env {s.ENV_LANDING}; default {s.DEFAULT_LANDING})"
    )
    ins.add_argument("--rows", type=int, default=10, help="how many first rows to show (default 10)")
    ins.add_argument("--unmasked", action="store_true", help="show personal values in clear (your terminal only)")
    ins.set_defaults(func=inspect)
    review_p = sub.add_parser(
        "review",
        help="serve the review desk where ward officers settle routing and match doubts",
        description=f"Serve the review desk. Sessions are signed with {s.ENV_REVIEW_SECRET} (at least 32 "
        "characters); --dev generates a key for this process only.",
    )
    review_p.add_argument("--warehouse", metavar="URL", help=f"SQLAlchemy URL (env {s.ENV_WAREHOUSE})")
    review_p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    review_p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    review_p.add_argument("--dev", action="store_true", help=f"without {s.ENV_REVIEW_SECRET}, a key for this process")
    review_p.add_argument("--https-only", action="store_true", help="session cookie only over HTTPS (behind TLS)")
    review_p.set_defaults(func=review)
    officer_p = sub.add_parser("officer", help="manage review-desk officer accounts (passwords are prompted)")
    officer_sub = officer_p.add_subparsers(dest="action", required=True)
    for action, text in (
        ("add", "create an account: password from the terminal, or one line of stdin with --password-stdin"),
        ("wards", "replace the former wards an officer may see and decide"),
        ("password", "set a new password (ends the officer's sessions)"),
        ("disable", "disable an account"),
        ("enable", "enable an account"),
        ("list", "list accounts and their former wards"),
    ):
        p = officer_sub.add_parser(action, help=text)
        p.add_argument("--warehouse", metavar="URL", help=f"SQLAlchemy URL (env {s.ENV_WAREHOUSE})")
        if action != "list":
            p.add_argument("username")
        if action in ("add", "wards"):
            p.add_argument("--wards", required=True, metavar="CODE[,CODE…]", help="former ward codes")
        if action == "add":
            p.add_argument("--name", help="display name (default the username)")
        if action in ("add", "password"):
            p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        p.set_defaults(func=officer)
    exp = sub.add_parser(
        "export-marts",
        help="write the analysts' marts (no personal-data tables) into a separate DuckDB file",
        description="Copy the marts schema of a DuckDB warehouse into a new DuckDB file for analysts.",
    )
    exp.add_argument("--out", required=True, metavar="FILE", help="the new DuckDB file (must not exist)")
    exp.add_argument("--warehouse", metavar="URL", help=f"SQLAlchemy URL (env {s.ENV_WAREHOUSE})")
    exp.set_defaults(func=export_marts)

    work = sub.add_parser(
        "workers",
        help="start Celery workers that run former wards' steps (for runs with WARDMERGE_EXECUTOR=celery)",
        description="Start one Celery worker with --concurrency processes, taking the steps of runs made with "
        f"{s.ENV_EXECUTOR}=celery. Start it with the same --ward (and {s.ENV_STEPS}) as the runs; every other "
        "setting travels with each run. docs/scaling.md explains the deployment.",
    )
    work.add_argument(
        "--broker",
        metavar="URL",
        help=f"redis://… or amqp://… (env {s.ENV_CELERY_BROKER}; e.g. redis://127.0.0.1:6379/0)",
    )
    work.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    work.add_argument(
        "--queue", metavar="NAME", help=f"queue to take steps from (env {s.ENV_CELERY_QUEUE}; default dagster)"
    )
    work.add_argument("--ward", metavar="CODE", action="append", help=f"as for run (env {s.ENV_WARD})")
    work.add_argument("--loglevel", default="INFO", help="Celery log level (default INFO)")
    work.set_defaults(func=workers)
    gen = sub.add_parser("sample-data", help="write realistic sample rosters (and their truth, separately)")
    gen.add_argument("--out", required=True, metavar="DIR", help="landing zone to write into")
    gen.add_argument("--scale", type=float, default=1.0, help="1 ≈ the real ward (default 1)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument(
        "--ward",
        metavar="CODE",
        action="append",
        help=f"new ward(s) whose former wards to generate: repeat or comma-separate, or all-hanoi (default "
        f"{s.DEFAULT_WARD})",
    )
    gen.add_argument(
        "--sources",
        metavar="DIR",
        help="where the manifests go (default OUT/../sources when the wards are not the shipped Tương Mai)",
    )
    gen.add_argument(
        "--routing",
        metavar="FILE",
        help="routing table the geography follows (default the shipped one; for other wards one is written to "
        "OUT/../routing.csv)",
    )
    gen.add_argument("--truth", metavar="DIR", help="where the ground truth goes (default OUT/../truth)")
    gen.set_defaults(func=sample_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Everything this process writes (warehouse, its WAL, staging, artefacts, Dagster's run storage and logs)
    # may hold personal data: owner-only, whatever the caller's umask.
    os.umask(0o077)
    args = _parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
