"""Input and output shapes of the classes, sessions, roster and attendance API.

Class hours travel both ways as `centi_hours` (integer hundredths of a 课时) and are also given
out as `hours`, a decimal string ("0.7"), never as a float.
"""
from rest_framework import serializers

from ..models import Attendance, ClassSession, Enrollment, TrainingClass
from ..serializers import OrgBrief
from .compliance import hours_text, percent_value


class ClassOutput(serializers.ModelSerializer):
    organization = OrgBrief(read_only=True)
    session_count = serializers.IntegerField(read_only=True)
    total_centi_hours = serializers.IntegerField(read_only=True)
    hours = serializers.SerializerMethodField()
    enrolled_count = serializers.IntegerField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id", "title", "kind", "kind_label", "year", "starts_on", "ends_on", "status", "status_label", "organization",
            "target_count", "min_attendance_percent", "min_centi_hours", "late_after_minutes", "session_count",
            "total_centi_hours", "hours", "enrolled_count", "closed_at",
        ]

    def get_hours(self, obj) -> str:
        return hours_text(obj.total_centi_hours)


class ClassInput(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TrainingClass.Kind.choices)
    title = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    target_count = serializers.IntegerField(min_value=0, default=0)
    min_attendance_percent = serializers.IntegerField(min_value=1, max_value=100, default=80)
    min_centi_hours = serializers.IntegerField(min_value=0, default=0)
    late_after_minutes = serializers.IntegerField(min_value=0, max_value=240, default=10)


class ClassUpdateInput(ClassInput):
    organization = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ClassCloseInput(serializers.Serializer):
    agenda_file = serializers.FileField(required=False)
    timetable_file = serializers.FileField(required=False)


class SessionOutput(serializers.ModelSerializer):
    topics = serializers.SerializerMethodField()
    hours = serializers.SerializerMethodField()
    attended_count = serializers.IntegerField(read_only=True)
    checkin_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = ClassSession
        fields = [
            "id", "training_class", "title", "course", "starts_at", "ends_at", "centi_hours", "hours", "topics", "teacher",
            "place", "mode", "audience_count", "checkin_open", "attended_count",
        ]

    def get_topics(self, obj) -> list[str]:
        return [t.name for t in obj.topics.all()]

    def get_hours(self, obj) -> str:
        return hours_text(obj.centi_hours)


class SessionInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    course = serializers.IntegerField(required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    centi_hours = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    topics = serializers.ListField(child=serializers.CharField(max_length=60), required=False, allow_null=True)
    teacher = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    mode = serializers.ChoiceField(choices=ClassSession.Mode.choices, default=ClassSession.Mode.OFFLINE)
    audience_count = serializers.IntegerField(min_value=0, default=0)


class SessionUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    centi_hours = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    topics = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    teacher = serializers.CharField(max_length=100, required=False, allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    mode = serializers.ChoiceField(choices=ClassSession.Mode.choices, required=False)
    audience_count = serializers.IntegerField(min_value=0, required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PersonBrief(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    employee_number = serializers.CharField(allow_null=True)
    organization = serializers.CharField(source="organization.name", default=None)


class EnrollmentOutput(serializers.ModelSerializer):
    user = PersonBrief(read_only=True)
    attended_centi_hours = serializers.IntegerField(source="attended", read_only=True)
    attended_hours = serializers.SerializerMethodField()
    attendance_percent = serializers.SerializerMethodField()
    meets_criteria = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id", "user", "status", "status_label", "source", "reason", "attended_centi_hours", "attended_hours",
            "attendance_percent", "meets_criteria", "completed", "created_at",
        ]

    def get_attended_hours(self, obj) -> str:
        return hours_text(obj.attended)

    def get_attendance_percent(self, obj) -> str | None:
        total = self.context.get("total_centi_hours") or 0
        return percent_value(obj.attended, total) if total else None

    def get_meets_criteria(self, obj) -> bool:
        from .services import completion_met

        return completion_met(self.context["training_class"], attended=obj.attended, total=self.context.get("total_centi_hours") or 0)


class EnrollmentAddInput(serializers.Serializer):
    user = serializers.IntegerField()


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DecideInput(ReasonInput):
    approve = serializers.BooleanField()


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)


class MarkBrief(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.display_name")

    class Meta:
        model = Attendance
        fields = ["id", "status", "method", "recorded_at", "recorded_by", "note"]


class SheetRow(serializers.Serializer):
    enrollment = serializers.IntegerField(source="pk")
    user = PersonBrief()
    mark = serializers.SerializerMethodField()

    def get_mark(self, obj) -> dict | None:
        return MarkBrief(obj.marks[0]).data if obj.marks else None


class MarkInput(serializers.Serializer):
    enrollment = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckinInput(serializers.Serializer):
    token = serializers.CharField(max_length=200, required=False)
    code = serializers.CharField(max_length=20, required=False)
    session = serializers.IntegerField(required=False)

    def validate(self, data):
        if not data.get("token") and not data.get("code"):
            raise serializers.ValidationError({"token": ["Scan the QR code or enter the code."]}, code="required")
        return data
