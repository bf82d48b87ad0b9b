"""The reports page: pick a report, a unit, a year (or a class), read it on the page, and have
Celery build its PDF or workbook; the page follows the jobs and offers their files to their owner.
The tables on the page come from the same builders as the files and the API."""
from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scope
from backend.downloads import XLSX, file_response
from backend.pages import run_service
from courses.models import TrainingClass

from . import exports, jobs, rollups
from .documents import completion_report, compliance_report, coverage_report, exams_report, statistics_report
from .models import ReportJob
from .summary import annual_summary

PAGE_ROWS = 200  # rows of a table shown on the page; the file has them all


def _choices(user, year):
    organizations = list(scope.organizations_in_scope(user, scope.STAFF_ROLES).order_by("path")[:500])
    classes = list(
        TrainingClass.objects.filter(scope.scope_q(user, scope.STAFF_ROLES), year=year, status__in=rollups.HELD)
        .select_related("organization").order_by("organization__path", "starts_on")[:300]
    )
    return organizations, classes


def _table(table):
    rows = [[(column.title, exports.text_of(value, column.kind)) for column, value in zip(table.columns, row)]
            for row in islice(table.rows(), PAGE_ROWS + 1)]
    return {"name": table.name, "note": table.note, "columns": table.columns, "rows": rows[:PAGE_ROWS], "more": len(rows) > PAGE_ROWS}


@login_required
def reports_page(request):
    user = request.user
    if not scope.has_any_role(user, scope.STAFF_ROLES):
        raise PermissionDenied
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404
    organizations, classes = _choices(user, year)
    kind = request.GET.get("kind") or ReportJob.Kind.COMPLIANCE
    if kind not in ReportJob.Kind.values:
        raise Http404
    allowed = scope.organizations_in_scope(user, scope.STAFF_ROLES)
    organization = (allowed.filter(pk=request.GET.get("organization")).first() if request.GET.get("organization")
                    else allowed.order_by("depth", "path").first())
    if organization is None:
        raise Http404
    training_class = None
    if kind == ReportJob.Kind.COMPLETION and request.GET.get("training_class"):
        training_class = next((c for c in classes if str(c.pk) == request.GET["training_class"]), None)
        if training_class is None:
            raise Http404
    period = rollups.Period.year(year)

    if request.method == "POST":
        file_format = request.POST.get("file_format", "pdf")
        if run_service(request, lambda: jobs.report_request(actor=user, kind=kind, organization=organization, period=period,
                                                            file_format=file_format, training_class=training_class),
                       _("The report is being built; it appears below when it is ready.")):
            return redirect(request.get_full_path())

    report, summary = None, None
    rule = next(iter(rollups.topic_rules()), None)
    if kind == ReportJob.Kind.COMPLIANCE and rule:
        report = compliance_report(user=user, organization=organization, period=period, rule=rule)
    elif kind == ReportJob.Kind.STATISTICS:
        report = statistics_report(user=user, organization=organization, period=period)
        summary = annual_summary(user=user, organization=organization, year=year)["text"]
    elif kind == ReportJob.Kind.EXAMS:
        report = exams_report(user=user, organization=organization, period=period)
    elif kind == ReportJob.Kind.COVERAGE:
        report = coverage_report(user=user, organization=organization, period=period)
    elif kind == ReportJob.Kind.COMPLETION and training_class is not None:
        report = completion_report(user=user, training_class=training_class)
    return render(request, "reports/reports.html", {
        "kinds": ReportJob.Kind.choices, "kind": kind, "organizations": organizations, "organization": organization,
        "classes": classes, "training_class": training_class, "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "report": report, "tables": [_table(t) for t in report.tables] if report else [], "summary": summary,
        "jobs": list(jobs.jobs_for(user=user)[:10]),
    })


@login_required
def job_download(request, pk):
    from backend.errors import ApplicationError

    try:
        job = jobs.job_for_owner(user=request.user, pk=pk)
    except ApplicationError:
        raise Http404
    if job.status != ReportJob.Status.DONE or not job.file:
        messages.error(request, _("The report is still being built; try again in a moment."))
        return redirect("reports")
    with job.file.open("rb") as handle:
        content = handle.read()
    return file_response(content, job.file.name.rsplit("/", 1)[-1], "application/pdf" if job.file_format == "pdf" else XLSX)
