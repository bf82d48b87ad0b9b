"""The question banks and questions API: banks, questions, import (preview, error sheet), export."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts import scope
from backend.downloads import XLSX, file_response
from backend.errors import ApplicationError, not_found
from courses.models import Section

from .. import importing, questions, selectors
from ..importers import template_workbook
from ..models import Question, QuestionBank
from ..serializers import (
    BankInput,
    BankOutput,
    QuestionImportInput,
    KeyCorrectionInput,
    QuestionInput,
    QuestionOutput,
    QuestionUpdateInput,
)


def _require_staff(user) -> None:
    if not scope.has_any_role(user, scope.STAFF_ROLES):
        raise not_found(_("Question bank"))


class BankViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BankOutput
    search_fields = ["title"]
    filterset_fields = ["organization"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QuestionBank.objects.none()
        return selectors.bank_list(user=self.request.user)

    @extend_schema(request=BankInput, responses={201: BankOutput})
    def create(self, request):
        data = BankInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = scope.organizations_in_scope(request.user, scope.MANAGER_ROLES).filter(pk=values.pop("organization")).first()
        if organization is None:
            raise not_found(_("Organization"))
        bank = questions.bank_create(actor=request.user, organization=organization, **values)
        return Response(BankOutput(self.get_queryset().get(pk=bank.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={(200, XLSX): bytes})
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request, pk=None):
        """The bank's questions as the Excel template (`?file_format=excel`) or GIFT (`?file_format=gift`); not `format`, which DRF keeps for its renderers."""
        bank = self.get_object()
        file_format = request.query_params.get("file_format", "excel")
        content, extension, content_type = importing.bank_export(
            questions=selectors.question_list(user=request.user, bank=bank).filter(archived=False).order_by("id"), file_format=file_format
        )
        return file_response(content, f"{bank.title}.{extension}", content_type)


def _bank_for(user, pk) -> QuestionBank:
    bank = selectors.bank_list(user=user).filter(pk=pk).first()
    if bank is None:
        raise not_found(_("Question bank"))
    return bank


def _sections(ids) -> list[Section]:
    found = list(Section.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ApplicationError("invalid", _("A knowledge point names a section that does not exist."), errors={"knowledge_points": [_("Unknown section.")]})
    return found


class QuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = QuestionOutput
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["bank", "kind", "difficulty", "archived"]
    search_fields = ["current__stem"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        queryset = selectors.question_list(user=self.request.user)
        if tag := self.request.query_params.get("tag"):
            queryset = queryset.filter(tags__name=tag)
        return queryset

    @extend_schema(request=QuestionInput, responses={201: QuestionOutput})
    def create(self, request):
        data = QuestionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        bank = _bank_for(request.user, values.pop("bank"))
        values["knowledge_points"] = _sections(values.get("knowledge_points", []))
        question = questions.question_create(actor=request.user, bank=bank, **values)
        return Response(QuestionOutput(self.get_queryset().get(pk=question.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QuestionUpdateInput, responses=QuestionOutput)
    def partial_update(self, request, pk=None):
        """Edit; once an attempt used the current version, the edit makes a new version."""
        data = QuestionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "knowledge_points" in values:
            values["knowledge_points"] = _sections(values["knowledge_points"])
        question = questions.question_update(actor=request.user, question=self.get_object(), **values)
        return Response(QuestionOutput(self.get_queryset().get(pk=question.pk)).data)

    @extend_schema(request=None, responses=QuestionOutput)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        question = questions.question_archive(actor=request.user, question=self.get_object(), archived=request.data.get("archived", True) is not False)
        return Response(QuestionOutput(self.get_queryset().get(pk=question.pk)).data)

    @extend_schema(request=KeyCorrectionInput, responses={202: dict})
    @action(detail=True, methods=["post"], url_path="correct-key")
    def correct_key(self, request, pk=None):
        """Correct the key of the current version: every attempt that used it is regraded."""
        data = KeyCorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = self.get_object()
        count = questions.question_correct_key(actor=request.user, version=question.current, **data.validated_data)
        return Response({"regrading": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    def template(self, request):
        """The Excel template to fill in (填写须知, header, sample rows)."""
        _require_staff(request.user)
        return file_response(template_workbook(), "试题导入模板.xlsx")

    @extend_schema(request={"multipart/form-data": QuestionImportInput}, responses={200: dict, 201: dict})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        """Preview (dry_run, the default) or import an Excel, GIFT or Aiken file into a bank."""
        data = QuestionImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        preview = importing.questions_preview_or_import(
            actor=request.user, bank=_bank_for(request.user, data.validated_data["bank"]), file_name=upload.name,
            content=upload.read(), file_format=data.validated_data.get("format"), dry_run=data.validated_data["dry_run"],
            include_duplicates=request.data.get("include_duplicates") in ("1", "true", True),
        )
        return Response(_preview_data(preview), status=status.HTTP_201_CREATED if preview.created else status.HTTP_200_OK)

    @extend_schema(request={"multipart/form-data": QuestionImportInput}, responses={(200, XLSX): bytes})
    @action(detail=False, methods=["post"], url_path="import/error-sheet", parser_classes=[MultiPartParser, FormParser])
    def error_sheet(self, request):
        """The uploaded Excel file with a 错误说明 column on every row that has a problem."""
        data = QuestionImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        content = importing.error_sheet(actor=request.user, bank=_bank_for(request.user, data.validated_data["bank"]), file_name=upload.name, content=upload.read())
        return file_response(content, "错误说明-" + upload.name)


def _issue(issue) -> dict:
    return {"line": issue.line, "field": issue.field, "message": issue.message, "position": issue.position}


def _preview_data(preview) -> dict:
    result = preview.result
    return {
        "ok": preview.ok,
        "imported": len(preview.created),
        "questions": [
            {
                "position": n, "line": q.source_line, "kind": q.kind, "stem": q.stem[:200], "options": q.options,
                "duplicate_of": preview.duplicates.get(n),
            }
            for n, q in enumerate(result.questions, start=1)
        ],
        "errors": [_issue(i) for i in result.errors],
        "unsupported": [_issue(i) for i in result.unsupported],
        "duplicates": len(preview.duplicates),
        "unknown_knowledge_points": sorted(preview.unknown_points),
    }


