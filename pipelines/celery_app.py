"""The Celery app the workers run (`wardmerge workers`, or `celery -A pipelines.celery_app worker`).

Broker, result backend and queue come from the same settings as the runs' executor (WARDMERGE_CELERY_BROKER,
WARDMERGE_CELERY_BACKEND, WARDMERGE_CELERY_QUEUE), through pipelines.distributed.celery_config, so the two
cannot disagree. The task is dagster-celery's: load the job, execute the one step it is given, record its
events in the run's Dagster instance.
"""

from __future__ import annotations

from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipelines.distributed import celery_config
from pipelines.settings import build_settings

_config = celery_config(build_settings())
app = make_app(CeleryExecutor.for_cli(**_config).app_args())
app.conf.task_default_queue = _config["config_source"]["task_default_queue"]

execute_plan = create_task(app)

# Loaded once in the worker's main process, so each forked worker process starts with the job's modules imported
# (a step then pays for building the definitions, not for importing Dagster, pandas and Great Expectations).
import pipelines.definitions  # noqa: E402,F401
