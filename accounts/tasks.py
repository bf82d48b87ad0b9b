from celery import shared_task

from . import roster


@shared_task(name="accounts.roster_import_apply", acks_late=True, soft_time_limit=600, time_limit=660)
def roster_import_apply_task(import_id: int) -> str:
    """Apply a confirmed roster import. Idempotent: a redelivered message finds it no longer queued."""
    return roster.roster_import_apply(import_id=import_id).status
