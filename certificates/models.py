"""Completion certificates and hour transcripts (学时证明).

A certificate keeps a snapshot of what it says (the name, class, dates, hours, score, issuer) so
that the public verification page shows what was printed, whatever changes later. Serial numbers
come from a counter row per organization, year and kind, locked while they are handed out: unique
and gap-free (a rolled-back issue rolls its numbers back with it).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Organization

USER = settings.AUTH_USER_MODEL

# The placeholders a template's body may use, with what each becomes.
PLACEHOLDERS = {
    "name": _("the trainee's name"),
    "class": _("the class title"),
    "starts_on": _("the class's first day"),
    "ends_on": _("the class's last day"),
    "hours": _("the class hours attended"),
    "score": _("the exam score (empty when the class has no exam)"),
    "issuer": _("the issuing organization"),
    "date": _("the date of issue"),
}


class CertificateTemplate(models.Model):
    """How an organization's certificates look: title, body with placeholders, issuer line, seal."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="certificate_templates")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=40)
    body = models.TextField(_("body"))
    issuer_line = models.CharField(_("issuer line"), max_length=200)
    seal = models.FileField(_("seal (PNG)"), upload_to="certificates/seals/", blank=True)
    landscape = models.BooleanField(_("landscape"), default=False)
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        ordering = ["organization_id", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="certificate_template_name_unique")]

    def __str__(self):
        return self.name


class IssuingCriteria(models.Model):
    """A class's criteria for its certificate: completing the class (its attendance rate and hours,
    decided when it closes) and, optionally, passing a named exam."""

    training_class = models.OneToOneField("courses.TrainingClass", on_delete=models.CASCADE, related_name="certificate_criteria")
    template = models.ForeignKey(CertificateTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+")
    exam = models.ForeignKey("exams.Exam", verbose_name=_("exam to pass"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issue_on_close = models.BooleanField(_("issue when the class closes"), default=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("issuing criteria")
        verbose_name_plural = _("issuing criteria")


class SerialCounter(models.Model):
    """The last serial number handed out for an organization, year and kind."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        TRANSCRIPT = "transcript", _("Hour transcript")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year", "kind"], name="serial_counter_unique")]


class Issued(models.Model):
    """What certificates and transcripts share: serial, verification code, file, status."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    organization = models.ForeignKey(Organization, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    code = models.CharField(max_length=64, unique=True)  # the verification code: 128 random bits
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    name = models.CharField(_("name"), max_length=100)  # as printed
    issuer = models.CharField(_("issuer"), max_length=200)  # as printed
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pdf = models.FileField(upload_to="certificates/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoke_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        abstract = True


class Certificate(Issued):
    training_class = models.ForeignKey("courses.TrainingClass", on_delete=models.PROTECT, related_name="certificates")
    template = models.ForeignKey(CertificateTemplate, on_delete=models.PROTECT, related_name="certificates")
    class_title = models.CharField(_("class"), max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    centi_hours = models.PositiveIntegerField(_("class hours attended"))  # hundredths of a 课时
    score = models.IntegerField(null=True, blank=True)  # hundredths of a point
    replaced_by = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces")

    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "user"], condition=Q(status="valid"), name="one_valid_certificate_per_class"),
        ]
        indexes = [models.Index(fields=["training_class", "user"]), models.Index(fields=["user", "issued_at"])]

    def __str__(self):
        return self.serial


class Transcript(Issued):
    """An hour transcript (学时证明) for a trainee and a year, with the rows as printed."""

    year = models.PositiveSmallIntegerField(_("year"))
    rows = models.JSONField(default=list)  # [{"title", "host", "starts_on", "ends_on", "attended", "topic"}]
    attended_centi_hours = models.PositiveIntegerField(_("class hours attended"))
    topic_centi_hours = models.PositiveIntegerField(_("topic class hours"))

    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        verbose_name = _("hour transcript")
        verbose_name_plural = _("hour transcripts")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["user", "year"])]

    def __str__(self):
        return self.serial


class IssueRun(models.Model):
    """One request to issue a class's certificates, with its progress for the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    training_class = models.ForeignKey("courses.TrainingClass", on_delete=models.CASCADE, related_name="certificate_runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Trainees left out, each with why: [{"user": id, "name": ..., "reason": ...}]
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
