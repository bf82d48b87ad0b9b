"""Theory documents split into sections, courses built from sections, and online study credit."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

USER = settings.AUTH_USER_MODEL


class Topic(models.Model):
    """A subject tag (专题), such as the audited one: 铸牢中华民族共同体意识."""

    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Document(models.Model):
    """An imported theory text (a notice, plan, report, speech). Its text lives in versions."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    current_version = models.ForeignKey(
        "DocumentVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class DocumentVersion(models.Model):
    """One import of a document. A corrected re-import makes a new version; sections of older
    versions stay, so courses built on them do not change underneath their trainees."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    source = models.FileField(upload_to="documents/%Y/%m/")
    text = models.TextField()
    char_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="version_number_unique")]


class Section(models.Model):
    """A part of a document version, following the document's own numbering (一、 （一） 1. （1）)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    position = models.PositiveIntegerField(help_text="Order within the version, depth first.")
    level = models.PositiveSmallIntegerField()
    number = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    char_count = models.PositiveIntegerField(default=0)
    topics = models.ManyToManyField(Topic, blank=True, related_name="sections")

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="section_position_unique")]

    def __str__(self):
        return f"{self.number}{self.title}"[:80]

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}" if self.title else self.number


class KeyTerm(models.Model):
    """A numbered formula found in a section (三个离不开, 五个认同 …), with where it occurs."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="key_terms")
    term = models.CharField(max_length=40, db_index=True)
    # [[start, end], …] character offsets in the section's heading + "\n" + body (see services).
    offsets = models.JSONField(default=list)

    class Meta:
        ordering = ["section", "term"]
        constraints = [models.UniqueConstraint(fields=["section", "term"], name="key_term_unique_per_section")]


class DocumentImport(models.Model):
    """An uploaded file on its way into the library: parsed (in the background when large),
    previewed, then saved as a document or as a new version of one."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Reading the file")
        READY = "ready", _("Ready to save")
        FAILED = "failed", _("Could not be read")
        SAVED = "saved", _("Saved")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    # The parsed tree for the preview: {"title", "preamble", "sections": [{number, title, body, level, children}]}.
    parsed = models.JSONField(null=True, blank=True)
    saved_version = models.ForeignKey(DocumentVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]


class Course(models.Model):
    """A module built from sections of one or more documents, with exact class hours."""

    class Format(models.TextChoices):
        LECTURE = "lecture", _("Lecture")
        ONLINE = "online", _("Online self-study")
        SEMINAR = "seminar", _("Seminar")
        FIELD = "field", _("Field study")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Class hours are integer minutes (1 课时 = settings.CLASS_HOUR_MINUTES); never floats.
    minutes = models.PositiveIntegerField(_("class hours (minutes)"))
    format = models.CharField(_("format"), max_length=16, choices=Format.choices, default=Format.ONLINE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    topics = models.ManyToManyField(Topic, blank=True, related_name="courses")
    reading_minutes = models.PositiveIntegerField(_("estimated reading time (minutes)"), default=0)
    requires_quiz = models.BooleanField(_("a quiz must be passed before hours are credited"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class CourseSection(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="course_items")
    position = models.PositiveIntegerField()
    # Time a trainee must spend on it before it counts as complete.
    min_seconds = models.PositiveIntegerField()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "section"], name="course_section_unique"),
            models.UniqueConstraint(fields=["course", "position"], name="course_position_unique"),
        ]


class StudyClock(models.Model):
    """When the server last heard a visible, active study page of this user. Credit is the time
    between heartbeats, so it can never exceed wall-clock time, however many tabs are open."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="study_clock")
    last_beat_at = models.DateTimeField(null=True, blank=True)


class StudyProgress(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="study_progress")
    item = models.ForeignKey(CourseSection, on_delete=models.CASCADE, related_name="progress")
    credited_seconds = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="study_progress_unique")]


class CourseCredit(models.Model):
    """A course's hours credited to a trainee once every section is complete (and the quiz passed,
    where one is required). One per trainee and course."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="course_credits")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="credits")
    credited_minutes = models.PositiveIntegerField()
    credited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="course_credit_unique")]
