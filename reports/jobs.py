"""Report jobs: a report for a large scope is built by Celery into a stored file, with its
progress for the page; only the user who asked for it may download it."""
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError, not_found

from . import exports, rollups
from .models import ReportJob

KINDS = tuple(ReportJob.Kind.values)


@transaction.atomic
def report_request(*, actor, kind: str, organization, period: rollups.Period, file_format: str, training_class=None) -> ReportJob:
    if not scope.in_scope(actor, organization, scope.STAFF_ROLES):
        raise not_found(_("Organization"))
    if kind == ReportJob.Kind.COMPLETION and (training_class is None or not scope.in_scope(actor, training_class.organization, scope.STAFF_ROLES)):
        raise ApplicationError("invalid", _("Name the class: training_class=<id>."), errors={"training_class": [_("Required.")]})
    if kind not in KINDS:
        raise ApplicationError("invalid", _("This report cannot be built as a file yet."), errors={"kind": [_("Not available.")]})
    if file_format not in ReportJob.Format.values:
        raise ApplicationError("invalid", _("The file format must be pdf or xlsx."), errors={"file_format": [_("Unknown format.")]})
    if period.last < period.first:
        raise ApplicationError("invalid", _("The last day is before the first."), errors={"ends_on": [_("Before the first day.")]})
    job = ReportJob.objects.create(kind=kind, file_format=file_format, organization=organization, starts_on=period.first,
                                   ends_on=period.last, owner=actor, training_class=training_class if kind == ReportJob.Kind.COMPLETION else None)
    from .tasks import report_build_task

    transaction.on_commit(lambda: report_build_task.delay(job.pk))
    return job


def build(job: ReportJob):
    """The report a job stands for (the same builders as the API's and the page's)."""
    from .documents import completion_report, compliance_report, coverage_report, exams_report, statistics_report

    period = rollups.Period(job.starts_on, job.ends_on)
    if job.kind == ReportJob.Kind.COMPLETION:
        return completion_report(user=job.owner, training_class=job.training_class)
    if job.kind == ReportJob.Kind.STATISTICS:
        return statistics_report(user=job.owner, organization=job.organization, period=period)
    if job.kind == ReportJob.Kind.EXAMS:
        return exams_report(user=job.owner, organization=job.organization, period=period)
    if job.kind == ReportJob.Kind.COVERAGE:
        return coverage_report(user=job.owner, organization=job.organization, period=period)
    rule = next(iter(rollups.topic_rules()), None)
    if rule is None:
        raise ApplicationError("no_rule", _("No active topic-hour rule to report on."))
    return compliance_report(user=job.owner, organization=job.organization, period=period, rule=rule)


def report_rows(job: ReportJob) -> int:
    """How many rows the report's main (last) table will have, for the progress."""
    period = rollups.Period(job.starts_on, job.ends_on)
    if job.kind == ReportJob.Kind.COMPLETION:
        return rollups.completion_rows(training_class=job.training_class).count()
    if job.kind == ReportJob.Kind.COVERAGE:
        return rollups.not_yet_trained(user=job.owner, organization=job.organization, period=period).count()
    if job.kind == ReportJob.Kind.STATISTICS:
        from courses.models import TrainingClass

        return len(TrainingClass.Kind.choices)  # its last table has a row per class kind, at most
    if job.kind == ReportJob.Kind.EXAMS:
        return rollups.exam_rows(user=job.owner, organization=job.organization, period=period).count()
    rule = next(iter(rollups.topic_rules()), None)
    return rollups.covered_classes(user=job.owner, organization=job.organization, period=period, rule=rule).count() if rule else 0


class _Progress:
    """Counts the rows as the file takes them and writes the percentage now and then."""

    def __init__(self, job: ReportJob, total: int):
        self.job, self.total, self.seen, self.shown = job, max(total, 1), 0, 0

    def wrap(self, rows):
        for row in rows:
            self.seen += 1
            percent = min(99, self.seen * 100 // self.total)
            if percent >= self.shown + 5:
                self.shown = percent
                ReportJob.objects.filter(pk=self.job.pk).update(progress=percent)
            yield row


def report_build(*, job_id: int) -> ReportJob:
    """The Celery task's work; a job that is done or running elsewhere is left alone."""
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(status=ReportJob.Status.RUNNING)
    job = ReportJob.objects.select_related("organization", "owner", "training_class__organization").get(pk=job_id)
    if not claimed:
        return job
    try:
        report = build(job)
        rows = _Progress(job, report_rows(job))
        main = report.tables[-1]
        original = main.rows
        main.rows = lambda: rows.wrap(original())
        content = exports.pdf(report) if job.file_format == ReportJob.Format.PDF else exports.workbook(report)
        name = f"{report.title}-{job.organization.code}-{job.starts_on:%Y%m%d}-{job.ends_on:%Y%m%d}.{job.file_format}"
        job.file.save(name, ContentFile(content), save=False)
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.DONE, progress=100, rows=rows.seen, file=job.file.name,
                                                   finished_at=timezone.now())
    except ApplicationError as error:
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED, error=error.message[:500], finished_at=timezone.now())
    job.refresh_from_db()
    return job


def jobs_for(*, user):
    return ReportJob.objects.filter(owner=user).select_related("organization").order_by("-created_at", "-pk")


def job_for_owner(*, user, pk) -> ReportJob:
    job = jobs_for(user=user).filter(pk=pk).first()
    if job is None:
        raise not_found(_("Report"))
    return job

