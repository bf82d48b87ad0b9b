"""Input and output serializers of the certificates API."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Certificate, CertificateTemplate, IssueRun, Transcript


class TemplateInput(serializers.Serializer):
    organization = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=40)
    body = serializers.CharField()
    issuer_line = serializers.CharField(max_length=200)
    landscape = serializers.BooleanField(default=False)
    seal = serializers.FileField(required=False, allow_null=True)
    remove_seal = serializers.BooleanField(default=False)
    archived = serializers.BooleanField(default=False)


class TemplateOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    has_seal = serializers.SerializerMethodField()

    class Meta:
        model = CertificateTemplate
        fields = ["id", "organization", "organization_name", "name", "title", "body", "issuer_line", "landscape", "archived",
                  "has_seal", "updated_at"]

    def get_has_seal(self, obj) -> bool:
        return bool(obj.seal)


class CriteriaInput(serializers.Serializer):
    template = serializers.IntegerField()
    exam = serializers.IntegerField(required=False, allow_null=True)
    issue_on_close = serializers.BooleanField(default=True)


class RevokeReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class TranscriptInput(serializers.Serializer):
    user = serializers.IntegerField(required=False, help_text=_("Someone else's transcript (staff); your own when omitted."))
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class CertificateOutput(serializers.ModelSerializer):
    training_class_title = serializers.CharField(source="class_title", read_only=True)
    replaced_by_serial = serializers.CharField(source="replaced_by.serial", read_only=True, default=None)
    ready = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "serial", "status", "name", "user", "training_class", "training_class_title", "starts_on", "ends_on",
                  "centi_hours", "score", "issuer", "issued_at", "sha256", "ready", "revoked_at", "revoke_reason", "replaced_by",
                  "replaced_by_serial"]

    def get_ready(self, obj) -> bool:
        return bool(obj.pdf)


class TranscriptOutput(serializers.ModelSerializer):
    class Meta:
        model = Transcript
        fields = ["id", "serial", "status", "name", "user", "year", "rows", "attended_centi_hours", "topic_centi_hours", "issuer",
                  "issued_at", "sha256", "revoked_at", "revoke_reason"]


class RunOutput(serializers.ModelSerializer):
    class Meta:
        model = IssueRun
        fields = ["id", "training_class", "status", "requested_at", "finished_at", "total", "done", "problems"]


class VerificationOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["certificate", "transcript"])
    status = serializers.ChoiceField(choices=Certificate.Status.choices)
    replaced = serializers.BooleanField()
    serial = serializers.CharField()
    name = serializers.CharField(help_text=_("Partly masked."))
    title = serializers.CharField()
    hours = serializers.CharField()
    date = serializers.CharField()
    dates = serializers.CharField()
    issuer = serializers.CharField()
