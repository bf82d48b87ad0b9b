"""Question banks, exams, attempts and answers (docs/decisions/0008-exams-and-grading.md).

Points are integer hundredths of a point (a 5-point question is 500), like class hours: partial
credit (2 of 3 options of 5 points) must add up exactly on SQLite and PostgreSQL alike.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Organization
from courses.models import Section, TrainingClass

USER = settings.AUTH_USER_MODEL


class QuestionBank(models.Model):
    """A bank belongs to an organization; organizers of its subtree may draw on it."""

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="question_banks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class QuestionTag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Question(models.Model):
    """A question's identity and what papers are drawn by (kind, tags, difficulty). Its text, options
    and key live in versions: an edit after an attempt used the question makes a new version."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")
        BLANK = "blank", _("Fill in the blank")
        SHORT = "short", _("Short answer")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    points = models.PositiveIntegerField(_("default score (hundredths)"), default=100)
    tags = models.ManyToManyField(QuestionTag, blank=True, related_name="questions")
    knowledge_points = models.ManyToManyField(Section, blank=True, related_name="questions")
    current = models.ForeignKey("QuestionVersion", on_delete=models.PROTECT, null=True, related_name="+")
    # The normalized stem's digest, to flag a duplicate in the same bank on import.
    stem_digest = models.CharField(max_length=64, db_index=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank", "id"]
        indexes = [models.Index(fields=["bank", "kind", "difficulty"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(difficulty__gte=1, difficulty__lte=5), name="question_difficulty_1_5"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class QuestionVersion(models.Model):
    """What a trainee was shown and graded against. Correcting a key changes the version in place
    (its history keeps the old key) and regrades the attempts that used it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    stem = models.TextField(_("stem"))
    options = models.JSONField(_("options"), default=list)
    key = models.JSONField(_("answer"))
    analysis = models.TextField(_("analysis"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "-number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_unique")]


class Exam(models.Model):
    class Mode(models.TextChoices):
        EXAM = "exam", _("Exam")
        PRACTICE = "practice", _("Practice")
        CONTEST = "contest", _("Knowledge contest")

    class Paper(models.TextChoices):
        FIXED = "fixed", _("Fixed paper")
        RANDOM = "random", _("Random by rules")

    class Counting(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")

    class Release(models.TextChoices):
        IMMEDIATELY = "immediately", _("At once after submitting")
        AFTER_CLOSE = "after_close", _("After the window closes")
        MANUAL = "manual", _("When the organizer releases them")

    class MultipleRule(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("Missing an option earns nothing")
        HALF = "half", _("Missing an option earns half")
        PER_OPTION = "per_option", _("Missing an option earns a share per correct option")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("exam status", "Published")

    organization = models.ForeignKey(Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="exams")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    mode = models.CharField(pgettext_lazy("exam mode", "mode"), max_length=16, choices=Mode.choices, default=Mode.EXAM)
    # 挑战答题: a contest run answered one question at a time that ends at the first wrong answer.
    challenge = models.BooleanField(_("challenge run"), default=False)
    seconds_per_question = models.PositiveSmallIntegerField(_("seconds per question"), default=0)
    paper = models.CharField(_("paper"), max_length=16, choices=Paper.choices, default=Paper.FIXED)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)  # 0: unlimited
    pass_score = models.PositiveIntegerField(_("pass mark (hundredths)"), default=6000)
    counting = models.CharField(_("attempt that counts"), max_length=16, choices=Counting.choices, default=Counting.HIGHEST)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_options = models.BooleanField(_("shuffle options"), default=False)
    release = models.CharField(_("results and keys shown"), max_length=16, choices=Release.choices, default=Release.IMMEDIATELY)
    released_at = models.DateTimeField(null=True, blank=True)
    multiple_rule = models.CharField(_("multiple-choice scoring"), max_length=16, choices=MultipleRule.choices, default=MultipleRule.ALL_OR_NOTHING)
    max_leaves = models.PositiveSmallIntegerField(_("page leaves allowed"), default=0)  # 0: not limited
    # Audience: a class's roster, or the trainees of an organization's subtree.
    training_class = models.ForeignKey(TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT, null=True, blank=True, related_name="exams")
    audience_organization = models.ForeignKey(Organization, verbose_name=_("audience organization"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="exam_closes_after_opening"),
        ]

    def __str__(self):
        return self.title


class ExamItem(models.Model):
    """A question of a fixed paper, with its points on this paper."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="exam_items")
    position = models.PositiveIntegerField()
    points = models.PositiveIntegerField()

    class Meta:
        ordering = ["exam", "position"]
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="exam_item_once")]


class ExamRule(models.Model):
    """Draw `count` questions of a kind (and tag, difficulty) from a bank, `points` each."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="rules")
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Question.Kind.choices)
    tag = models.ForeignKey(QuestionTag, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), null=True, blank=True)
    count = models.PositiveIntegerField(_("number of questions"))
    points = models.PositiveIntegerField(_("points each (hundredths)"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["exam", "position", "id"]


class Attempt(models.Model):
    """One sitting of an exam. Its answers hold the frozen paper; its deadline is the server's."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted, being graded")
        REVIEW = "review", _("Awaiting grading by a person")
        GRADED = "graded", _("Graded")

    class SubmittedBy(models.TextChoices):
        TRAINEE = "trainee", _("Submitted by the trainee")
        DEADLINE = "deadline", _("Submitted at the deadline")
        LEAVES = "leaves", _("Submitted after leaving the page too often")
        CHALLENGE = "challenge", _("Challenge run ended")

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="attempts")
    # The trainee's organization when they started: statistics and leaderboards group by it.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.CharField(max_length=16, choices=SubmittedBy.choices, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    score = models.IntegerField(null=True, blank=True)  # hundredths of a point
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(null=True, blank=True)
    leave_count = models.PositiveSmallIntegerField(default=0)
    leave_times = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["exam", "user", "number"], name="attempt_number_unique")]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["exam", "status"]),
            models.Index(fields=["user", "exam"]),
        ]

    def __str__(self):
        return f"{self.exam} / {self.user} #{self.number}"

    @property
    def seconds_taken(self) -> int | None:
        if self.submitted_at is None:
            return None
        return int((self.submitted_at - self.started_at).total_seconds())


class Answer(models.Model):
    """One question of an attempt's frozen paper and the trainee's answer to it.

    Created for every question when the attempt starts, so an autosave is one conditional UPDATE:
    `seq` is the page's save counter, and an older save never overwrites a newer one.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="answers")
    position = models.PositiveIntegerField()
    # Original option indexes in the order this trainee sees them.
    option_order = models.JSONField(default=list, blank=True)
    points = models.PositiveIntegerField()
    response = models.JSONField(null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    shown_at = models.DateTimeField(null=True, blank=True)  # challenge runs: the per-question clock
    score = models.IntegerField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    graded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_once_per_question")]
        indexes = [models.Index(fields=["version", "attempt"])]


class GradeEvent(models.Model):
    """Every change of an attempt's score: the first grading, a person's grading of an open answer,
    a regrade after a key was corrected. The previous score stays here."""

    class Kind(models.TextChoices):
        GRADE = "grade", _("Graded")
        REVIEW = "review", _("Graded by a person")
        REGRADE = "regrade", _("Regraded after a key correction")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="grade_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    score_before = models.IntegerField(null=True, blank=True)
    score_after = models.IntegerField(null=True, blank=True)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempt", "id"]


class MistakeBookEntry(models.Model):
    """An entry of a trainee's wrong-answer book (错题本): a question they got wrong, until they get
    it right in practice often enough to call it mastered."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="mistakes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="+")
    # The attempt it was last got wrong in: keys are shown under that exam's release policy.
    attempt = models.ForeignKey(Attempt, on_delete=models.SET_NULL, null=True, related_name="+")
    last_response = models.JSONField(null=True, blank=True)
    wrong_count = models.PositiveIntegerField(default=1)
    last_wrong_at = models.DateTimeField()
    right_streak = models.PositiveSmallIntegerField(default=0)
    mastered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_wrong_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="mistake_once_per_question")]
