"""Pages of the certificates app: templates with preview, a class's certificates, the trainee's own
certificates and hour transcripts, downloads, and the public verification page. Thin over the same
selectors and services as the API; a service's refusal is shown next to the field it names, or as
a message."""
from django.http import HttpResponse
from django.shortcuts import render

from backend.downloads import file_response
from backend.errors import ApplicationError
from backend.pages import run_service as run  # noqa: F401  (the pages' name for it)

PDF = "application/pdf"
PAGE_SIZE = 50


def allowed(check, *args) -> bool:
    """Whether a `selectors.require_*` permission check passes: the rule stays in one place."""
    try:
        check(*args)
    except ApplicationError:
        return False
    return True


def pdf_download(request, field, file_name: str, *, inline: bool = False) -> HttpResponse:
    """A stored PDF as a download; a page that says so (409) while it is still being made."""
    if not field:
        return render(request, "certificates/not_ready.html", status=409)
    with field.open("rb") as handle:
        return pdf_bytes(handle.read(), file_name, inline=inline)


def pdf_bytes(content: bytes, file_name: str, *, inline: bool = False) -> HttpResponse:
    response = file_response(content, file_name, PDF)
    if inline:  # opened in the browser's PDF viewer rather than saved
        response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    return response
