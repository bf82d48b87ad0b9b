"""Input and output shapes of the exams API.

Points travel as integer hundredths (`points`, `score`) and as decimal strings ("2.5"), never as
floats. A trainee's paper is built by `paper_item`, the one place that decides whether a key or
an analysis goes out: nothing else serializes a QuestionVersion to a trainee.
"""
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.serializers import OrgBrief

from .models import Answer, Attempt, Exam, Question, QuestionBank, QuestionVersion

LETTERS = "ABCDEFGH"


def points_text(value: int | None) -> str | None:
    if value is None:
        return None
    return str((Decimal(value) / 100).normalize()) if value % 100 else str(value // 100)


@extend_schema_field({"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "2.5"})
class PointsField(serializers.Field):
    """Points given as a number or string with up to two decimals ("2.5"), kept as hundredths."""

    default_error_messages = {"invalid": "A number of points with at most two decimals is expected."}

    def to_internal_value(self, data):
        try:
            value = Decimal(str(data).strip())
        except Exception:  # noqa: BLE001  (decimal raises several kinds)
            self.fail("invalid")
        if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")) or value > 10000:
            self.fail("invalid")
        return int(value * 100)

    def to_representation(self, value):
        return points_text(value)


class BankOutput(serializers.ModelSerializer):
    organization = OrgBrief(read_only=True)
    question_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuestionBank
        fields = ["id", "title", "description", "organization", "question_count", "created_at"]


class BankInput(serializers.Serializer):
    organization = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class QuestionOutput(serializers.ModelSerializer):
    """For staff (bank editors and users): the key and analysis are theirs to see."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    version = serializers.IntegerField(source="current.number", read_only=True)
    version_id = serializers.IntegerField(source="current.pk", read_only=True)
    stem = serializers.CharField(source="current.stem", read_only=True)
    options = serializers.JSONField(source="current.options", read_only=True)
    key = serializers.JSONField(source="current.key", read_only=True)
    analysis = serializers.CharField(source="current.analysis", read_only=True)
    points_text = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    knowledge_points = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id", "bank", "kind", "kind_label", "difficulty", "points", "points_text", "version", "version_id", "stem",
            "options", "key", "analysis", "tags", "knowledge_points", "archived", "updated_at",
        ]

    def get_points_text(self, obj) -> str:
        return points_text(obj.points)

    def get_tags(self, obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    def get_knowledge_points(self, obj) -> list[dict]:
        return [{"id": s.pk, "heading": s.heading} for s in obj.knowledge_points.all()]


class QuestionInput(serializers.Serializer):
    bank = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    stem = serializers.CharField(max_length=2000)
    options = serializers.ListField(child=serializers.CharField(max_length=500, allow_blank=True), required=False, default=list)
    key = serializers.JSONField()
    analysis = serializers.CharField(required=False, allow_blank=True, default="")
    difficulty = serializers.IntegerField(min_value=1, max_value=5, default=3)
    points = PointsField(required=False, default=100)
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    knowledge_points = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class QuestionUpdateInput(QuestionInput):
    bank = None
    kind = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class KeyCorrectionInput(serializers.Serializer):
    key = serializers.JSONField()
    reason = serializers.CharField(max_length=200)


QUESTION_FILE_FORMATS = [("excel", "Excel"), ("gift", "GIFT"), ("aiken", "Aiken")]


class QuestionImportInput(serializers.Serializer):
    bank = serializers.IntegerField()
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=QUESTION_FILE_FORMATS, required=False)
    dry_run = serializers.BooleanField(default=True)


class ExamOutput(serializers.ModelSerializer):
    organization = OrgBrief(read_only=True)
    audience_organization = OrgBrief(read_only=True)
    training_class = serializers.SerializerMethodField()
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    release_label = serializers.CharField(source="get_release_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    question_count = serializers.SerializerMethodField()
    total_points = serializers.SerializerMethodField()
    pass_score_text = serializers.SerializerMethodField()

    class Meta:
        model = Exam
        fields = [
            "id", "title", "description", "organization", "mode", "mode_label", "challenge", "seconds_per_question",
            "paper", "opens_at", "closes_at", "duration_minutes", "attempts_allowed", "pass_score", "pass_score_text",
            "counting", "shuffle_questions", "shuffle_options", "release", "release_label", "released_at",
            "multiple_rule", "max_leaves", "training_class", "audience_organization", "status", "status_label",
            "question_count", "total_points",
        ]

    def get_training_class(self, obj) -> dict | None:
        return None if obj.training_class is None else {"id": obj.training_class.pk, "title": obj.training_class.title}

    def get_question_count(self, obj) -> int:
        return obj.item_count if obj.paper == Exam.Paper.FIXED else obj.rule_questions

    def get_total_points(self, obj) -> str | None:
        if obj.paper == Exam.Paper.FIXED:
            return points_text(obj.fixed_total)
        return None  # random papers: summed from the rules on the exam page

    def get_pass_score_text(self, obj) -> str:
        return points_text(obj.pass_score)


class ExamInput(serializers.Serializer):
    organization = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    mode = serializers.ChoiceField(choices=Exam.Mode.choices, required=False)
    challenge = serializers.BooleanField(required=False)
    seconds_per_question = serializers.IntegerField(min_value=0, max_value=600, required=False)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=0, max_value=1440, required=False)
    attempts_allowed = serializers.IntegerField(min_value=0, max_value=100, required=False)
    pass_score = PointsField(required=False)
    counting = serializers.ChoiceField(choices=Exam.Counting.choices, required=False)
    shuffle_questions = serializers.BooleanField(required=False)
    shuffle_options = serializers.BooleanField(required=False)
    release = serializers.ChoiceField(choices=Exam.Release.choices, required=False)
    multiple_rule = serializers.ChoiceField(choices=Exam.MultipleRule.choices, required=False)
    max_leaves = serializers.IntegerField(min_value=0, max_value=100, required=False)
    training_class = serializers.IntegerField(required=False, allow_null=True)
    audience_organization = serializers.IntegerField(required=False, allow_null=True)


class ExamUpdateInput(ExamInput):
    organization = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ItemInput(serializers.Serializer):
    question = serializers.IntegerField()
    points = PointsField(required=False, allow_null=True)


class ItemsInput(serializers.Serializer):
    items = ItemInput(many=True)


class RuleInput(serializers.Serializer):
    bank = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    tag = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    difficulty = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    count = serializers.IntegerField(min_value=1, max_value=500)
    points = PointsField()


class RulesInput(serializers.Serializer):
    rules = RuleInput(many=True)


class SaveInput(serializers.Serializer):
    response = serializers.JSONField(allow_null=True)
    seq = serializers.IntegerField(min_value=1, max_value=2_000_000_000)


class ReviewInput(serializers.Serializer):
    score = PointsField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PracticeInput(serializers.Serializer):
    response = serializers.JSONField(allow_null=True)


def attempt_brief(attempt: Attempt, *, show_score: bool) -> dict:
    return {
        "id": attempt.pk, "exam": attempt.exam_id, "number": attempt.number, "status": attempt.status,
        "status_label": attempt.get_status_display(), "started_at": attempt.started_at, "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at, "submitted_by": attempt.submitted_by, "leave_count": attempt.leave_count,
        "seconds_taken": attempt.seconds_taken, "max_score": points_text(attempt.max_score),
        "score": points_text(attempt.score) if show_score else None,
        "passed": attempt.passed if show_score else None, "results_released": show_score,
    }


def blank_count(version: QuestionVersion) -> int:
    return len(version.key.get("blanks", [])) if isinstance(version.key, dict) else 0


def paper_item(answer: Answer, *, show_keys: bool, show_feedback: bool = False) -> dict:
    """One question of a trainee's paper. Keys, analyses and item scores only when `show_keys`
    (the exam's release policy allows) or, for one answered item, `show_feedback` (practice)."""
    version, kind = answer.version, answer.question.kind
    item = {
        "question": answer.question_id, "position": answer.position, "kind": kind,
        "kind_label": answer.question.get_kind_display(), "stem": version.stem, "points": points_text(answer.points),
        "options": [
            {"id": index, "label": LETTERS[shown], "text": version.options[index]}
            for shown, index in enumerate(answer.option_order) if index < len(version.options)
        ],
        "blanks": blank_count(version) if kind == Question.Kind.BLANK else 0,
        "response": answer.response, "seq": answer.seq, "saved_at": answer.saved_at,
    }
    if show_keys or show_feedback:
        item.update(
            key=version.key, analysis=version.analysis, score=points_text(answer.score), correct=answer.correct,
            comment=answer.comment,
        )
    return item
