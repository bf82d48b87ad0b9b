"""The Celery app. Without REDIS_URL, settings make tasks run eagerly in-process."""
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connection after every task unless this is set, and
# opening one again costs about 7 ms on the 2-core machine: more than grading an attempt
# (docs/BENCHMARKS.md). With it, the fixup closes only every 10,000 tasks; in between, Django's
# own rules apply around each task (below): CONN_MAX_AGE and a broken connection dropped.
app.conf.CELERY_DB_REUSE_MAX = 10_000
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_as_after_a_request(task=None, **kwargs) -> None:
    """What Django does at the end of a request, around each task a worker runs. Not for eager
    tasks (tests, the embedded default): they run inside the caller's transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
