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


def add_service_errors(form, exc: ApplicationError, field_for=None) -> None:
    """Put an ApplicationError's messages next to the form fields they name, the rest above the
    form. `field_for(name)` maps a service's field name to the form's, when they differ."""
    errors = exc.errors if isinstance(exc.errors, dict) else {}
    if not errors:
        form.add_error(None, exc.message)
        return
    for name, texts in errors.items():
        field = field_for(name) if field_for else name
        for message in texts if isinstance(texts, list) else [texts]:
            form.add_error(field if field in form.fields else None, str(message))
