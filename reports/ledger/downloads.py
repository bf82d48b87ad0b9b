"""What the API and the pages share for downloads: the list's filters, the export response, an
evidence file's response."""
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.downloads import XLSX, file_response

from ..findings import Finding
from . import exports, selectors

PDF = "application/pdf"


def filtered(request, queryset, data: dict):
    """Apply validated FindingFilterInput values; an organization outside scope matches nothing."""
    organization = None
    if data.get("organization"):
        organization = selectors.organization_for_filter(user=request.user, pk=data["organization"])
        if organization is None:
            return queryset.none(), None
    return selectors.finding_search(
        queryset, status=data.get("status"), organization=organization, overdue=data.get("overdue"),
        category=data.get("category"), training_class=data.get("training_class"), q=data.get("q", ""),
    ), organization


def filters_text(data: dict, organization=None) -> str:
    """The filters of an export, for its header."""
    parts = []
    if organization is not None:
        parts.append(organization.name)
    if data.get("status"):
        parts.append(str(Finding.Status(data["status"]).label))
    if data.get("overdue") is True:
        parts.append(_("overdue only"))
    elif data.get("overdue") is False:
        parts.append(_("not overdue"))
    if data.get("category"):
        parts.append(str(Finding.Category(data["category"]).label))
    if data.get("q"):
        parts.append(f"“{data['q']}”")
    return "; ".join(parts)


def export_response(request, queryset, data: dict, organization, file_format: str):
    ledger = selectors.ledger_for_export(
        user=request.user, findings=queryset, scope=selectors.scope_text(user=request.user, organization=organization),
        filters=filters_text(data, organization),
    )
    stem = f"{_('Rectification ledger')}-{timezone.localdate():%Y%m%d}"
    if file_format == "pdf":
        return file_response(exports.ledger_pdf(ledger), f"{stem}.pdf", PDF)
    return file_response(exports.ledger_workbook(ledger), f"{stem}.xlsx", XLSX)


def evidence_download(evidence) -> FileResponse:
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name, content_type=evidence.content_type)
