"""Input and output serializers of the ledger's API. Names start with Finding/Ledger so they stay
unique across the project's schema; each choice set appears in one component only, so its enum
gets a name of its own without settings."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..findings import Finding
from . import rules

FILE_FORMATS = [("xlsx", "Excel"), ("pdf", "PDF")]
# The transition names, for FindingTransitionInput.action (and an ENUM_NAME_OVERRIDES entry, should
# another "action" enum ever appear: "FindingActionEnum": "reports.ledger.serializers.TRANSITION_CHOICES").
TRANSITION_CHOICES = [(t.name, t.label) for t in rules.TRANSITIONS.values()]


class FindingFilterInput(serializers.Serializer):
    """The list's and the export's filters (query parameters)."""

    status = serializers.ChoiceField(choices=Finding.Status.choices, required=False)
    organization = serializers.IntegerField(required=False, help_text=_("An organization: its findings and those of the units under it."))
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text=_("true: only overdue findings; false: only those not overdue."))
    category = serializers.ChoiceField(choices=Finding.Category.choices, required=False)
    training_class = serializers.IntegerField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text=_("Words in the title or the problem."))


class FindingExportInput(FindingFilterInput):
    file_format = serializers.ChoiceField(choices=FILE_FORMATS, default="xlsx")


class FindingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    training_class = serializers.IntegerField(source="training_class_id", allow_null=True)
    training_class_title = serializers.CharField(source="training_class.title", default=None, allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=Finding.Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    status = serializers.ChoiceField(choices=Finding.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    due_on = serializers.DateField()
    overdue = serializers.BooleanField(source="is_overdue", help_text=_("Due before today and not closed."))
    filed_by = serializers.IntegerField(source="filed_by_id")
    filed_by_name = serializers.CharField(source="filed_by.display_name")
    filed_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    measure_count = serializers.IntegerField()
    measures_done = serializers.IntegerField()
    allowed_actions = serializers.SerializerMethodField(help_text=_("The transitions the caller may apply now."))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        return rules.allowed_actions(self.context["request"].user, obj)


class FindingCreateInput(serializers.Serializer):
    organization = serializers.IntegerField()
    training_class = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=Finding.Category.choices, default=Finding.Category.OTHER)
    due_on = serializers.DateField()


class FindingUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False)
    category = serializers.ChoiceField(choices=Finding.Category.choices, required=False)
    due_on = serializers.DateField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text=_("Why it changed."))


class FindingTransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=TRANSITION_CHOICES)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                    help_text=_("Required to send back or reopen: say why."))


class FindingMeasureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    finding = serializers.IntegerField(source="finding_id")
    text = serializers.CharField()
    responsible_name = serializers.CharField()
    responsible_unit = serializers.CharField()
    responsible_user = serializers.IntegerField(source="responsible_user_id", allow_null=True)
    due_on = serializers.DateField()
    done = serializers.SerializerMethodField()
    done_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")

    def get_done(self, obj) -> bool:
        return obj.done_at is not None


class FindingMeasureInput(serializers.Serializer):
    text = serializers.CharField()
    responsible_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    responsible_unit = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    responsible_user = serializers.IntegerField(required=False, allow_null=True)
    due_on = serializers.DateField()
    done = serializers.BooleanField(required=False, default=False)


class FindingResponsibilityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    finding = serializers.IntegerField(source="finding_id")
    person_name = serializers.CharField()
    unit = serializers.CharField()
    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id", allow_null=True)


class FindingResponsibilityInput(serializers.Serializer):
    person_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    role = serializers.CharField(max_length=100, help_text=_("For example: principal, direct, leading."))
    user = serializers.IntegerField(required=False, allow_null=True)


class FindingEvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    finding = serializers.IntegerField(source="finding_id")
    measure = serializers.IntegerField(source="measure_id", allow_null=True)
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    uploaded_by = serializers.IntegerField(source="uploaded_by_id")
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name")
    uploaded_at = serializers.DateTimeField()


class FindingEvidenceInput(serializers.Serializer):
    file = serializers.FileField(help_text=_("PDF, JPG, PNG, DOCX or XLSX; at most 20 MB."))
    measure = serializers.IntegerField(required=False, allow_null=True, help_text=_("Attach to this measure of the finding."))


class FindingTimelineOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.IntegerField(source="user.pk", allow_null=True, default=None)
    user_name = serializers.CharField(source="user.display_name", allow_null=True, default=None)
    event = serializers.CharField()
    label = serializers.CharField()
    detail = serializers.CharField()
    comment = serializers.CharField()
    status = serializers.CharField(help_text=_("The finding's status after the change; empty for changes to its parts."))
