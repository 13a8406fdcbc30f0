"""When runs start by themselves: the nightly sync, the landing-zone sensor, and the link after former wards.

- `nightly_sync` (01:30 Asia/Ho_Chi_Minh) requests one run of `former_ward_job` per former ward with a delivery.
- `landing_zone_sensor` requests a run for a former ward when one of its delivered files is new or its content
  changed (by checksum; a file touched but unchanged starts nothing).
- `link_after_former_wards` starts `link_persons_job` once former-ward runs have finished and none is still
  queued or running, so the link sees every ward of the night.

Runs they request carry retry tags (transient failures retry) and the partition tag Dagster sets, which the
instance's run queue limits to one run per former ward, and one link, at a time (dagster.yaml).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    schedule,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from assets.lib.extraction import deliveries
from assets.lib.readers import file_sha256
from assets.resources import DeploymentSettings
from schemas.datasets import registry
from schemas.manifest import ManifestError, scan_manifests
from schemas.names import JOB_FORMER_WARD

NIGHTLY_CRON = "30 1 * * *"
TIMEZONE = "Asia/Ho_Chi_Minh"
TRIGGER_TAG = "wardmerge/trigger"
LINK_TAG = "wardmerge/link"  # on every link run: the run queue lets one run with it go at a time
# Dagster re-executes a run that failed for a transient reason (dagster.yaml enables run retries).
RETRY_TAGS = {"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"}
_ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def delivered_files(settings: DeploymentSettings, former_ward: str) -> list[Path]:
    """Every file the manifests of a former ward find in the landing zone (broken manifests are the run's to
    report: they find nothing here)."""
    try:
        scan = scan_manifests(settings.sources)
    except ManifestError:
        return []
    files: list[Path] = []
    for name in registry():
        try:
            files += [f for d in deliveries(settings.landing, scan, former_ward, name) for f in d.files]
        except (ManifestError, ValueError):
            continue
    return sorted(set(files))


def delivery_digest(files: list[Path], known: dict[str, list], root: Path) -> tuple[str, dict[str, list]]:
    """One digest of a former ward's delivered contents, and the per-file (size, mtime, sha256) it came from.

    A file whose size and modification time are as last seen keeps its checksum (no re-reading); any other is
    hashed again. The digest is of the checksums only, so a file touched without a change starts nothing.
    """
    seen: dict[str, list] = {}
    for file in files:
        name = file.relative_to(root).as_posix()
        stat = file.stat()
        previous = known.get(name)
        if previous and previous[0] == stat.st_size and previous[1] == stat.st_mtime_ns:
            seen[name] = previous
        else:
            seen[name] = [stat.st_size, stat.st_mtime_ns, file_sha256(file)]
    digest = hashlib.sha256(json.dumps({k: v[2] for k, v in sorted(seen.items())}).encode()).hexdigest()
    return digest, seen


def build_automation(former_wards: list[str], ward_job: UnresolvedAssetJobDefinition, link_job) -> list:
    """The schedule and sensors of a deployment with these former wards (see the module docstring)."""

    @schedule(
        name="nightly_sync",
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=TIMEZONE,
        job=ward_job,
        default_status=DefaultScheduleStatus.STOPPED,
        description="Every night at 01:30 (Vietnam time): one run per former ward with a delivery; the link "
        "follows when they have finished (link_after_former_wards).",
    )
    def nightly_sync(context: ScheduleEvaluationContext, settings: DeploymentSettings) -> Iterator[RunRequest]:
        night = context.scheduled_execution_time.strftime("%Y-%m-%d") if context.scheduled_execution_time else ""
        for ward in former_wards:
            if delivered_files(settings, ward):
                yield RunRequest(
                    run_key=f"nightly-{night}-{ward}",
                    partition_key=ward,
                    tags={**RETRY_TAGS, TRIGGER_TAG: "nightly"},
                )

    @sensor(
        name="landing_zone_sensor",
        job=ward_job,
        minimum_interval_seconds=300,
        default_status=DefaultSensorStatus.STOPPED,
        description="Starts a former ward's run when one of its delivered files is new or its content changed "
        "(by checksum, not timestamp).",
    )
    def landing_zone_sensor(context: SensorEvaluationContext, settings: DeploymentSettings) -> Iterator[RunRequest]:
        state = json.loads(context.cursor) if context.cursor else {}
        changed = False
        for ward in former_wards:
            files = delivered_files(settings, ward)
            if not files:
                continue
            previous = state.get(ward, {})
            digest, seen = delivery_digest(files, previous.get("files", {}), settings.landing)
            if digest != previous.get("digest"):
                if previous:  # the first evaluation only records what is there
                    yield RunRequest(
                        run_key=f"{ward}-{digest[:16]}",
                        partition_key=ward,
                        tags={**RETRY_TAGS, TRIGGER_TAG: "landing_zone"},
                    )
                changed = True
            state[ward] = {"digest": digest, "files": seen}
        if changed:
            context.update_cursor(json.dumps(state, sort_keys=True))

    @sensor(
        name="link_after_former_wards",
        job=link_job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description="Links persons once former-ward runs have finished and none is queued or running.",
    )
    def link_after_former_wards(context: SensorEvaluationContext) -> RunRequest | SkipReason:
        instance = context.instance
        active = instance.get_runs_count(RunsFilter(job_name=JOB_FORMER_WARD, statuses=_ACTIVE))
        if active:
            return SkipReason(f"{active} former-ward run(s) still queued or running")
        finished = instance.get_runs(RunsFilter(job_name=JOB_FORMER_WARD, statuses=[DagsterRunStatus.SUCCESS]), limit=1)
        if not finished:
            return SkipReason("no former-ward run has succeeded yet")
        latest = finished[0].run_id
        if context.cursor == latest:
            return SkipReason("persons are linked after the latest former-ward run")
        context.update_cursor(latest)
        return RunRequest(run_key=f"link-after-{latest}", tags={**RETRY_TAGS, TRIGGER_TAG: "after_former_wards"})

    return [nightly_sync, landing_zone_sensor, link_after_former_wards]
