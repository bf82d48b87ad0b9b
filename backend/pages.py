"""Helpers the apps' pages share."""
from django.contrib import messages

from .errors import ApplicationError


def run_service(request, work, success: str | None = None):
    """Call a service; show its refusal as a message instead of an error page. The result (True
    when the service returns nothing), or None when refused."""
    try:
        result = work()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return None
    if success:
        messages.success(request, success)
    return result if result is not None else True
