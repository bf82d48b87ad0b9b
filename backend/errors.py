"""One application error type, and the DRF handler that turns every error into
JSON with a stable `code` and a translated `message`."""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A business rule refused the request. `code` is stable; `message` is for people."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, code: str, message: str, *, errors=None, status_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors
        if status_code is not None:
            self.status_code = status_code


def not_found(what) -> ApplicationError:
    """The 404 for a record that does not exist, or lies outside the caller's scope (the same
    answer, so scope is not revealed)."""
    return ApplicationError("not_found", _("%(what)s not found.") % {"what": what}, status_code=404)


def _first_code(codes):
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    return codes if isinstance(codes, str) else "invalid"


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "message": exc.message}
        if exc.errors is not None:
            body["errors"] = exc.errors
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": _first_code(exc.get_codes()) if isinstance(exc.detail, list) else "invalid",
            "message": _("The submitted data is not valid."),
            "errors": exc.detail,
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {"code": _first_code(exc.get_codes()), "message": str(exc.detail)}
    return response
