from celery import shared_task

from . import services


@shared_task(name="courses.document_import_parse", acks_late=True, soft_time_limit=300, time_limit=360)
def document_import_parse_task(import_id: int) -> str:
    """Read a large upload in the background. Idempotent: a parsed import is left as it is."""
    return services.document_import_parse(import_id=import_id).status
