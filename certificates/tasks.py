"""Celery tasks of the certificates app: ids in, a service call out. Idempotent (acks_late is safe):
issuing leaves out whoever has a certificate of the class, rendering skips what has its PDF."""
from celery import shared_task

from . import services

RETRY = dict(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=2, retry_backoff_max=60, max_retries=5)


@shared_task(name="certificates.issue", acks_late=True, soft_time_limit=1800, time_limit=1900, **RETRY)
def certificates_issue_task(run_id: int) -> int:
    """Decide who qualifies and hand out serials; queues the rendering in chunks."""
    return services.certificates_issue(run_id=run_id).total


@shared_task(name="certificates.render", acks_late=True, soft_time_limit=600, time_limit=660, **RETRY)
def certificates_render_task(run_id: int, certificate_ids: list[int]) -> int:
    return services.certificates_render(run_id=run_id, certificate_ids=certificate_ids)
