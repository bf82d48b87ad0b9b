"""Training classes (班次), their sessions (课次), rosters, attendance, and the compliance rules
the auditors check.

Class hours of a session are integer hundredths of a 课时 (`centi_hours`): organizers write
0.5 or 1.5 课时, and the 10 % rule is tested on 0.69 against 0.7 of 7.0, so neither floats nor
whole minutes would do (docs/decisions/0007-class-hours-and-attendance.md).
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Organization

from .library import Course, Topic

USER = settings.AUTH_USER_MODEL


class TrainingClass(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("Main class (Party school, cadre college, socialist college)")
        SPECIAL = "special", _("Special training class")
        ROTATION = "rotation", _("Rotation training of all staff")
        STUDY_GROUP = "study_group", _("Study-group session")
        LECTURE = "lecture", pgettext_lazy("class kind", "Lecture")
        ONLINE = "online", _("Online special class")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ENROLLING = "enrolling", _("Enrolment open")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(
        Organization, verbose_name=_("host organization"), on_delete=models.PROTECT, related_name="training_classes"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    # 应训人数: how many people the class must reach (rotation training counts coverage against it);
    # 0 means "the enrolled roster".
    target_count = models.PositiveIntegerField(_("target number of trainees"), default=0)
    # Completion criteria: both apply when both are set.
    min_attendance_percent = models.PositiveSmallIntegerField(_("minimum attendance rate (%)"), default=80)
    min_centi_hours = models.PositiveIntegerField(_("minimum attended class hours (hundredths)"), default=0)
    late_after_minutes = models.PositiveSmallIntegerField(_("late after (minutes from the start)"), default=10)
    agenda_file = models.FileField(_("agenda"), upload_to="classes/%Y/", blank=True)
    timetable_file = models.FileField(_("timetable"), upload_to="classes/%Y/", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["agenda_file", "timetable_file"])

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["organization", "year"])]

    def __str__(self):
        return self.title


class ClassSession(models.Model):
    """One scheduled lesson of a class (课次)."""

    class Mode(models.TextChoices):
        OFFLINE = "offline", _("In person")
        ONLINE = "online", _("Online")

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, null=True, blank=True, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    centi_hours = models.PositiveIntegerField(_("class hours (hundredths)"))
    topics = models.ManyToManyField(Topic, blank=True, related_name="class_sessions")
    teacher = models.CharField(_("teacher"), max_length=100, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.OFFLINE)
    # 受众人次 of a lecture whose audience are not users of the system.
    audience_count = models.PositiveIntegerField(_("audience (person-times)"), default=0)
    # Check-in: open while opened and not closed; the key signs this opening's QR tokens only.
    checkin_opened_at = models.DateTimeField(null=True, blank=True)
    checkin_closed_at = models.DateTimeField(null=True, blank=True)
    checkin_key = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[topics], excluded_fields=["checkin_key"])

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["training_class", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    @property
    def checkin_open(self) -> bool:
        return self.checkin_opened_at is not None and self.checkin_closed_at is None


class Enrollment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        ENROLLED = "enrolled", _("Enrolled")
        REJECTED = "rejected", _("Not approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        ADDED = "added", _("Added by an organizer")
        IMPORTED = "imported", _("Imported from Excel")
        REGISTERED = "registered", _("Self-registered")

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Decided when the class closes, from the locked attendance.
    attended_centi_hours = models.PositiveIntegerField(null=True, blank=True)
    completed = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["training_class", "id"]
        constraints = [models.UniqueConstraint(fields=["training_class", "user"], name="enrollment_unique")]


class Attendance(models.Model):
    """A trainee's mark for one session. One row per session and trainee; every change is kept in
    its history with who, when and why."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        CODE = "code", _("Numeric code")
        MANUAL = "manual", _("Marked by an organizer")

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendances")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("reason"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrollment"], name="attendance_once_per_session")]


# Statuses whose session hours count as attended (docs/decisions/0007): late is attended, in full.
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


class ComplianceRule(models.Model):
    """A rule the auditors check, as data: which classes it covers, what it measures, the threshold."""

    class Metric(models.TextChoices):
        TOPIC_HOUR_RATIO = "topic_hour_ratio", _("Topic hours as a share of the class's hours")
        TOPIC_SESSIONS_PER_YEAR = "topic_sessions_per_year", _("Sessions on the topic per calendar year")
        ROSTER_COVERAGE = "roster_coverage", _("Share of the target roster trained")

    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    # Class kinds covered (TrainingClass.Kind values).
    class_kinds = models.JSONField(_("class kinds"), default=list)
    # Covers classes hosted in this organization's subtree; empty: everywhere.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Ratio metrics: hundredths of a percent (1000 = 10 %), inclusive. Count metric: sessions.
    threshold = models.PositiveIntegerField(_("threshold"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compliance rule")
        verbose_name_plural = _("compliance rules")
        ordering = ["id"]

    def __str__(self):
        return self.name
