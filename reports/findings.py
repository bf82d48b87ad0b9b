"""The rectification ledger (整改台账): a finding (问题) an auditor files against an organization, the
measures (措施) its organizers take, who answers for it (责任), and the evidence files.

Every change is kept by django-simple-history with the user and a change reason ("<action>" or
"<action>: <comment>", see reports/ledger/services.py); the finding's page reads its timeline from
those history tables. Writes go through reports.ledger.services only.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Organization

__all__ = ["EvidenceFile", "Finding", "Measure", "Responsibility"]

USER = settings.AUTH_USER_MODEL


def _history():
    # A reviewer's comment (why a finding was sent back or reopened) can be longer than the
    # default 100-character change reason.
    return HistoricalRecords(history_change_reason_field=models.TextField(null=True))


class Finding(models.Model):
    # Labels carry a context: "Open" and "Closed" mean other things for classes and check-in.
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("finding status", "Open")
        RECTIFYING = "rectifying", pgettext_lazy("finding status", "Being rectified")
        SUBMITTED = "submitted", pgettext_lazy("finding status", "Submitted for review")
        CLOSED = "closed", pgettext_lazy("finding status", "Closed")
        REOPENED = "reopened", pgettext_lazy("finding status", "Reopened")

    class Category(models.TextChoices):
        TOPIC_HOURS = "topic_hours", pgettext_lazy("finding category", "Topic class hours")
        STUDY_SESSIONS = "study_sessions", pgettext_lazy("finding category", "Study-group topic sessions")
        COVERAGE = "coverage", pgettext_lazy("finding category", "Training coverage")
        ATTENDANCE = "attendance", pgettext_lazy("finding category", "Attendance and records")
        OTHER = "other", pgettext_lazy("finding category", "Other")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="findings"
    )
    # The class that fell short, when the finding was filed from one.
    training_class = models.ForeignKey(
        "courses.TrainingClass", verbose_name=_("training class"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="findings",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("problem"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("rectify by"))
    filed_by = models.ForeignKey(USER, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = _history()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self):
        return self.title



class Measure(models.Model):
    """One rectification measure (措施) and who carries it out, by when."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="measures")
    text = models.TextField(_("measure"))
    responsible_name = models.CharField(_("responsible person"), max_length=50)
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    responsible_user = models.ForeignKey(
        USER, verbose_name=_("responsible user"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = _history()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["finding", "due_on", "pk"]

    def __str__(self):
        return self.text[:50]


class Responsibility(models.Model):
    """Who answers for a finding (责任): a person, their unit, and the kind of responsibility."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="responsibilities")
    person_name = models.CharField(_("person"), max_length=50)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    role = models.CharField(_("responsibility"), max_length=100, help_text=_("For example: principal, direct, leading."))
    user = models.ForeignKey(USER, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = _history()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["finding", "pk"]

    def __str__(self):
        return f"{self.person_name} · {self.role}"


class EvidenceFile(models.Model):
    """A file proving a problem or its rectification: of the finding, or of one of its measures.
    Stored under a random name, downloaded only through the ledger's scope check."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence")
    file = models.FileField(_("file"), upload_to="findings/%Y/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(USER, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = _history()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["finding", "uploaded_at", "pk"]

    def __str__(self):
        return self.name
