"""Celery tasks of the exams app: ids in, a service call out. All idempotent (acks_late is safe)."""
from celery import shared_task

from . import attempts
from .grading import grader

RETRY = dict(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=2, retry_backoff_max=60, max_retries=5)


@shared_task(name="exams.attempt_grade", acks_late=True, soft_time_limit=60, time_limit=90, **RETRY)
def attempt_grade_task(attempt_id: int) -> int:
    """Returns how many attempts this task graded: 0 when a batch of another task took its attempt."""
    return grader.attempts_grade(attempt_id=attempt_id)


@shared_task(name="exams.attempts_regrade", acks_late=True, soft_time_limit=600, time_limit=660, **RETRY)
def attempts_regrade_task(version_id: int, attempt_ids: list[int], actor_id: int | None = None, reason: str = "") -> int:
    return grader.attempts_regrade(version_id=version_id, attempt_ids=attempt_ids, actor_id=actor_id, reason=reason)


@shared_task(name="exams.attempts_submit_overdue", acks_late=True, soft_time_limit=50, time_limit=55)
def attempts_submit_overdue_task() -> int:
    """Run by Celery beat every 30 s: attempts past their deadline are submitted within a minute."""
    return attempts.attempts_submit_overdue() + attempts.attempts_regrade_stalled()


@shared_task(name="exams.noop", acks_late=True)
def noop_task(attempt_id: int) -> None:
    """Does nothing: the benchmark measures the worker's own per-task cost with it."""
    return None
