"""The courses API: the theory library, courses and study heartbeats. Thin over selectors and services."""
from django.utils.html import escape
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from backend.errors import ApplicationError, not_found

from . import selectors, services
from .models import DocumentImport
from .serializers import (
    CourseCreateInput,
    CourseOutput,
    DocumentImportInput,
    DocumentImportOutput,
    DocumentImportSaveInput,
    DocumentOutput,
    HeartbeatInput,
    SectionBrief,
    SectionOutput,
    SectionTopicsInput,
)

SNIPPET_CHARS = 60


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentOutput
    search_fields = ["title", "issuer"]
    ordering_fields = ["created_at", "title", "issued_on"]
    filterset_fields = ["organization"]

    def get_queryset(self):
        return selectors.document_list(user=self.request.user)

    @extend_schema(responses=SectionBrief(many=True), parameters=[OpenApiParameter("version", int, description="a version number; default: the current one")])
    @action(detail=True, methods=["get"])
    def sections(self, request, pk=None):
        """The document's section tree (flat, in order, with parent ids and levels)."""
        document = self.get_object()
        version = document.current_version
        if number := request.query_params.get("version"):
            version = document.versions.filter(number=number).first()
        if version is None:
            raise not_found(_("Version"))
        return Response(SectionBrief(selectors.section_tree(version=version), many=True).data)


class SectionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SectionOutput
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.section_list(user=self.request.user).prefetch_related("key_terms", "topics")

    @extend_schema(request=SectionTopicsInput, responses=SectionOutput)
    @action(detail=True, methods=["put"])
    def topics(self, request, pk=None):
        data = SectionTopicsInput(data=request.data)
        data.is_valid(raise_exception=True)
        section = services.section_set_topics(actor=request.user, section=self.get_object(), names=data.validated_data["topics"])
        return Response(SectionOutput(self.get_queryset().get(pk=section.pk)).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="topic-suggestions")
    def topic_suggestions(self, request, pk=None):
        return Response({"topics": [t.name for t in services.topic_suggestions(self.get_object())]})

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True)], responses={200: dict})
    @action(detail=False, methods=["get"])
    def search(self, request):
        """Sections containing the text, most hits first, with the first hit highlighted (<mark>)."""
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ApplicationError("query_empty", _("Enter the words to search for."))
        page = self.paginate_queryset(selectors.section_search(user=request.user, query=query))
        return self.get_paginated_response([_search_hit(s, query) for s in page])


def _search_hit(section, query: str) -> dict:
    text = section.body if query in section.body else section.title
    at = text.find(query)
    start = max(0, at - SNIPPET_CHARS)
    end = min(len(text), at + len(query) + SNIPPET_CHARS)
    snippet = (
        ("…" if start else "") + escape(text[start:at]) + "<mark>" + escape(query) + "</mark>"
        + escape(text[at + len(query):end]) + ("…" if end < len(text) else "")
    )
    document = section.version.document
    return {
        "section": section.pk,
        "heading": section.heading,
        "document": {"id": document.pk, "title": document.title},
        "hits": section.hits,
        "snippet": snippet,
    }


class DocumentImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Upload a .docx, .txt, .md or text .pdf: it is read into a section tree for a preview, then saved."""

    serializer_class = DocumentImportOutput
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DocumentImport.objects.none()
        return selectors.document_import_list(user=self.request.user)

    @extend_schema(request=DocumentImportInput, responses={201: DocumentImportOutput})
    def create(self, request):
        data = DocumentImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization = scope.organizations_in_scope(request.user, scope.STAFF_ROLES).filter(pk=data.validated_data["organization"]).first()
        if organization is None:
            raise not_found(_("Organization"))
        document = None
        if doc_id := data.validated_data.get("document"):
            document = selectors.document_list(user=request.user).filter(pk=doc_id).first()
            if document is None:
                raise not_found(_("Document"))
        upload = data.validated_data["file"]
        job = services.document_import_create(
            actor=request.user, organization=organization, file_name=upload.name, content=upload.read(), document=document
        )
        return Response(DocumentImportOutput(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DocumentImportSaveInput, responses={201: DocumentOutput})
    @action(detail=True, methods=["post"])
    def save(self, request, pk=None):
        data = DocumentImportSaveInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.document_import_save(actor=request.user, document_import=self.get_object(), **data.validated_data)
        document = selectors.document_list(user=request.user).get(pk=version.document_id)
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CourseOutput
    search_fields = ["title"]
    filterset_fields = ["organization", "status", "format"]
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.course_list(user=self.request.user)

    @extend_schema(request=CourseCreateInput, responses={201: CourseOutput})
    def create(self, request):
        data = CourseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = scope.organizations_in_scope(request.user, scope.STAFF_ROLES).filter(pk=values.pop("organization")).first()
        if organization is None:
            raise not_found(_("Organization"))
        wanted = values.pop("sections")
        found = {s.pk: s for s in selectors.section_list(user=request.user).filter(pk__in=wanted)}
        if missing := [pk for pk in wanted if pk not in found]:
            raise ApplicationError("not_found", _("Sections not found: %(ids)s.") % {"ids": ", ".join(map(str, missing))}, status_code=404)
        course = services.course_create(actor=request.user, organization=organization, sections=[found[pk] for pk in wanted], **values)
        return Response(CourseOutput(self.get_queryset().get(pk=course.pk)).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        course = self.get_object()
        items = selectors.course_items(course=course, user=request.user)
        credit = selectors.course_credit_for_user(user=request.user, course=course)
        body = CourseOutput(course).data
        body["items"] = [
            {
                "id": item.pk,
                "section": item.section_id,
                "heading": item.section.heading,
                "document": item.section.version.document.title,
                "min_seconds": item.min_seconds,
                "credited_seconds": item.progress_for_user.credited_seconds if item.progress_for_user else 0,
                "completed": bool(item.progress_for_user and item.progress_for_user.completed_at),
            }
            for item in items
        ]
        body["completed_items"] = sum(1 for i in body["items"] if i["completed"])
        body["credited_minutes"] = credit.credited_minutes if credit else 0
        return Response(body)

    @extend_schema(request=None, responses=CourseOutput)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        course = services.course_publish(actor=request.user, course=self.get_object())
        return Response(CourseOutput(self.get_queryset().get(pk=course.pk)).data)


class StudyHeartbeatApi(APIView):
    """The reading page reports every 15 s whether it is visible and its reader active."""

    @extend_schema(request=HeartbeatInput, responses={200: dict})
    def post(self, request):
        data = HeartbeatInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = selectors.course_item_for_user(user=request.user, item_id=data.validated_data["item"])
        if item is None:
            raise not_found(_("Course section"))
        progress = services.study_heartbeat(
            user=request.user, item=item, visible=data.validated_data["visible"], active=data.validated_data["active"]
        )
        return Response(
            {
                "item": item.pk,
                "credited_seconds": progress.credited_seconds,
                "min_seconds": item.min_seconds,
                "completed": progress.completed_at is not None,
            }
        )
