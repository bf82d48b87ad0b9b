"""Report jobs: a report built by Celery for an organization subtree and a period, with its
progress and the stored file, downloadable by its owner only. (The rectification ledger's models
are in `findings.py`, imported below.)"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

USER = settings.AUTH_USER_MODEL


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        COMPLIANCE = "compliance", _("Topic-hour compliance")
        STATISTICS = "statistics", _("Training statistics")
        COMPLETION = "completion", _("Class completion")
        COVERAGE = "coverage", _("Rotation training coverage")
        EXAMS = "exams", _("Exam analysis")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("report"), max_length=16, choices=Kind.choices)
    file_format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    # The class a completion report is about (the other kinds cover the organization's subtree).
    training_class = models.ForeignKey("courses.TrainingClass", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="report_jobs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    error = models.CharField(max_length=500, blank=True)
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="reports/%Y/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "created_at"])]


from .findings import *  # noqa: E402,F401,F403  (the ledger's models)
