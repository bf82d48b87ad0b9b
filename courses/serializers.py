"""Input and output shapes of the courses API."""
from rest_framework import serializers

from backend.hours import class_hours

from .models import Course, Document, DocumentImport, Section


class OrgBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()


class DocumentOutput(serializers.ModelSerializer):
    organization = OrgBrief(read_only=True)
    current_version = serializers.SerializerMethodField()
    version_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "title", "issuer", "issued_on", "organization", "current_version", "version_count", "created_at"]

    def get_current_version(self, document) -> dict | None:
        v = document.current_version
        return {"id": v.pk, "number": v.number, "file_name": v.file_name, "char_count": v.char_count} if v else None


class SectionBrief(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    key_terms = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()

    class Meta:
        model = Section
        fields = ["id", "parent", "position", "level", "number", "title", "char_count", "key_terms", "topics"]

    def get_key_terms(self, section) -> list[dict]:
        return [{"term": k.term, "count": len(k.offsets), "offsets": k.offsets} for k in section.key_terms.all()]

    def get_topics(self, section) -> list[str]:
        return [t.name for t in section.topics.all()]


class SectionOutput(SectionBrief):
    document = serializers.SerializerMethodField()

    class Meta(SectionBrief.Meta):
        fields = SectionBrief.Meta.fields + ["body", "document"]

    def get_document(self, section) -> dict:
        version = section.version
        return {"id": version.document_id, "title": version.document.title, "version": version.number}


class SectionTopicsInput(serializers.Serializer):
    topics = serializers.ListField(child=serializers.CharField(max_length=60), allow_empty=True)


class DocumentImportInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)  # an empty file gets our own "file_empty"
    organization = serializers.IntegerField()
    document = serializers.IntegerField(required=False, allow_null=True, help_text="Re-import as a new version of this document.")


class DocumentImportOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    preview = serializers.SerializerMethodField()

    class Meta:
        model = DocumentImport
        fields = ["id", "file_name", "status", "status_label", "error_code", "error_message", "document", "saved_version", "preview", "created_at"]

    def get_preview(self, job) -> dict | None:
        if not job.parsed:
            return None
        rows = []

        def walk(nodes):
            for node in nodes:
                rows.append({"level": node["level"], "number": node["number"], "title": node["title"], "chars": len(node["body"])})
                walk(node["children"])

        walk(job.parsed["sections"])
        return {"title": job.parsed["title"], "sections": rows, "chars": len(job.parsed["text"])}


class DocumentImportSaveInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    issuer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    issued_on = serializers.DateField(required=False, allow_null=True)


class CourseOutput(serializers.ModelSerializer):
    organization = OrgBrief(read_only=True)
    topics = serializers.SerializerMethodField()
    class_hours = serializers.SerializerMethodField()
    section_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "id", "title", "description", "organization", "minutes", "class_hours", "format", "status", "topics",
            "reading_minutes", "requires_quiz", "section_count", "created_at",
        ]

    def get_topics(self, course) -> list[str]:
        return [t.name for t in course.topics.all()]

    def get_class_hours(self, course) -> str:
        """课时 as an exact decimal string, e.g. "2.00" (backend.hours.class_hours)."""
        return str(class_hours(course.minutes))


class CourseCreateInput(serializers.Serializer):
    organization = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    minutes = serializers.IntegerField(min_value=1, max_value=100_000)
    format = serializers.ChoiceField(choices=Course.Format.choices, default=Course.Format.ONLINE)
    topics = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    sections = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)
    requires_quiz = serializers.BooleanField(required=False, default=False)


class HeartbeatInput(serializers.Serializer):
    item = serializers.IntegerField()
    visible = serializers.BooleanField()
    active = serializers.BooleanField()
