"""Celery tasks of the reports app: ids in, a service call out; idempotent (a job runs once)."""
from celery import shared_task

from . import jobs

RETRY = dict(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=2, retry_backoff_max=60, max_retries=5)


@shared_task(name="reports.build", acks_late=True, soft_time_limit=1800, time_limit=1900, **RETRY)
def report_build_task(job_id: int) -> str:
    return jobs.report_build(job_id=job_id).status
