"""The ledger's API under /api/v1/findings/: the list (paginated; filters status, organization,
overdue, category, class, words), a finding, filing and editing one, its status transitions, its
measures, responsible people, evidence files (upload, download) and timeline, and the ledger's
export as a workbook or a PDF. Thin over the selectors and services; a finding outside the caller's
scope is a 404 here and on every sub-resource."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import User
from backend.downloads import XLSX
from backend.errors import ApplicationError, not_found
from courses.training import selectors as class_selectors

from ..findings import Finding
from . import selectors, services
from .downloads import PDF, evidence_download, export_response, filtered
from .serializers import (
    FindingCreateInput,
    FindingEvidenceInput,
    FindingEvidenceOutput,
    FindingExportInput,
    FindingFilterInput,
    FindingMeasureInput,
    FindingMeasureOutput,
    FindingOutput,
    FindingResponsibilityInput,
    FindingResponsibilityOutput,
    FindingTimelineOutput,
    FindingTransitionInput,
    FindingUpdateInput,
)


def _path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH)


def _user_or_error(pk, field: str):
    if pk is None:
        return None
    person = User.objects.select_related("organization").filter(pk=pk).first()
    if person is None:
        raise ApplicationError("invalid", _("Unknown user."), errors={field: [_("Unknown user.")]})
    return person


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FindingOutput
    filter_backends = []  # filtering is FindingFilterInput's, shared with the export and the pages
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        return selectors.finding_list(user=self.request.user)

    def _output(self, finding) -> dict:
        return FindingOutput(self.get_queryset().get(pk=finding.pk), context=self.get_serializer_context()).data

    @extend_schema(parameters=[FindingFilterInput])
    def list(self, request):
        data = FindingFilterInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        queryset, _organization = filtered(request, self.get_queryset(), data.validated_data)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=FindingCreateInput, responses={201: FindingOutput})
    def create(self, request):
        """File a finding against an organization the caller audits, optionally about one of its classes."""
        data = FindingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = selectors.organizations_for_filing(user=request.user).filter(pk=values.pop("organization")).first()
        if organization is None:
            message = _("Choose an organization you audit.")
            raise ApplicationError("not_in_scope", message, errors={"organization": [message]})
        training_class = None
        if values.get("training_class"):
            training_class = class_selectors.class_for_user(user=request.user, pk=values["training_class"])
            if training_class is None or not class_selectors.can_view_records(request.user, training_class):
                raise not_found(_("Class"))
        values.pop("training_class", None)
        finding = services.finding_file(actor=request.user, organization=organization, training_class=training_class, **values)
        return Response(self._output(finding), status=status.HTTP_201_CREATED)

    @extend_schema(request=FindingUpdateInput, responses={200: FindingOutput})
    def partial_update(self, request, pk=None):
        finding = self.get_object()
        data = FindingUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"title": finding.title, "description": finding.description, "category": finding.category,
                  "due_on": finding.due_on, "comment": ""}
        values.update(data.validated_data)
        finding = services.finding_update(actor=request.user, finding=finding, **values)
        return Response(self._output(finding))

    @extend_schema(request=FindingTransitionInput, responses={200: FindingOutput})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the finding on: start, submit, close, send_back (with a comment), reopen (with a comment)."""
        data = FindingTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_transition(actor=request.user, finding=self.get_object(), **data.validated_data)
        return Response(self._output(finding))

    @extend_schema(responses={200: FindingTimelineOutput(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every change to the finding and its parts, newest first, with who and why."""
        return Response(FindingTimelineOutput(selectors.finding_timeline(finding=self.get_object()), many=True).data)

    # --- measures ---

    @extend_schema(methods=["GET"], responses={200: FindingMeasureOutput(many=True)})
    @extend_schema(methods=["POST"], request=FindingMeasureInput, responses={201: FindingMeasureOutput})
    @action(detail=True, methods=["get", "post"])
    def measures(self, request, pk=None):
        finding = self.get_object()
        if request.method == "GET":
            return Response(FindingMeasureOutput(selectors.measure_list(finding=finding), many=True).data)
        data = FindingMeasureInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("done")
        values["responsible_user"] = _user_or_error(values.get("responsible_user"), "responsible_user")
        measure = services.measure_create(actor=request.user, finding=finding, **values)
        return Response(FindingMeasureOutput(selectors.measure_list(finding=finding).get(pk=measure.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _measure(self, finding, measure_pk):
        measure = selectors.measure_of(finding=finding, pk=measure_pk)
        if measure is None:
            raise not_found(_("Measure"))
        return measure

    @extend_schema(methods=["PUT"], parameters=[_path_id("measure_pk")], request=FindingMeasureInput, responses={200: FindingMeasureOutput})
    @extend_schema(methods=["DELETE"], parameters=[_path_id("measure_pk")], responses={204: None})
    @action(detail=True, methods=["put", "delete"], url_path=r"measures/(?P<measure_pk>\d+)")
    def measure(self, request, pk=None, measure_pk=None):
        finding = self.get_object()
        measure = self._measure(finding, measure_pk)
        if request.method == "DELETE":
            services.measure_delete(actor=request.user, measure=measure)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = FindingMeasureInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["responsible_user"] = _user_or_error(values.get("responsible_user"), "responsible_user")
        measure = services.measure_update(actor=request.user, measure=measure, **values)
        return Response(FindingMeasureOutput(selectors.measure_list(finding=finding).get(pk=measure.pk)).data)

    # --- responsibilities ---

    @extend_schema(methods=["GET"], responses={200: FindingResponsibilityOutput(many=True)})
    @extend_schema(methods=["POST"], request=FindingResponsibilityInput, responses={201: FindingResponsibilityOutput})
    @action(detail=True, methods=["get", "post"])
    def responsibilities(self, request, pk=None):
        finding = self.get_object()
        if request.method == "GET":
            return Response(FindingResponsibilityOutput(selectors.responsibility_list(finding=finding), many=True).data)
        data = FindingResponsibilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["user"] = _user_or_error(values.get("user"), "user")
        responsibility = services.responsibility_create(actor=request.user, finding=finding, **values)
        return Response(FindingResponsibilityOutput(responsibility).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[_path_id("responsibility_pk")], responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"responsibilities/(?P<responsibility_pk>\d+)")
    def responsibility(self, request, pk=None, responsibility_pk=None):
        finding = self.get_object()
        responsibility = selectors.responsibility_of(finding=finding, pk=responsibility_pk)
        if responsibility is None:
            raise not_found(_("Responsible person"))
        services.responsibility_delete(actor=request.user, responsibility=responsibility)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- evidence ---

    @extend_schema(methods=["GET"], responses={200: FindingEvidenceOutput(many=True)})
    @extend_schema(methods=["POST"], request={"multipart/form-data": FindingEvidenceInput}, responses={201: FindingEvidenceOutput})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        finding = self.get_object()
        if request.method == "GET":
            return Response(FindingEvidenceOutput(selectors.evidence_list(finding=finding), many=True).data)
        data = FindingEvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        measure = None
        if data.validated_data.get("measure"):
            measure = self._measure(finding, data.validated_data["measure"])
        evidence = services.evidence_upload(actor=request.user, finding=finding, file=data.validated_data["file"], measure=measure)
        return Response(FindingEvidenceOutput(evidence).data, status=status.HTTP_201_CREATED)

    def _evidence(self, finding, evidence_pk):
        evidence = selectors.evidence_of(finding=finding, pk=evidence_pk)
        if evidence is None:
            raise not_found(_("Evidence file"))
        return evidence

    @extend_schema(methods=["GET"], parameters=[_path_id("evidence_pk")], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @extend_schema(methods=["DELETE"], parameters=[_path_id("evidence_pk")], responses={204: None})
    @action(detail=True, methods=["get", "delete"], url_path=r"evidence/(?P<evidence_pk>\d+)")
    def evidence_file(self, request, pk=None, evidence_pk=None):
        """GET downloads the file; DELETE removes it from the ledger (its uploader or an auditor)."""
        finding = self.get_object()
        evidence = self._evidence(finding, evidence_pk)
        if request.method == "DELETE":
            services.evidence_delete(actor=request.user, evidence=evidence)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return evidence_download(evidence)

    # --- export ---

    @extend_schema(parameters=[FindingExportInput], responses={(200, XLSX): OpenApiTypes.BINARY, (200, PDF): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The ledger (the findings the filters select, in the caller's scope) as one workbook with
        three sheets, 问题清单、措施清单、责任清单, or as a PDF (?file_format=pdf)."""
        data = FindingExportInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        queryset, organization = filtered(request, self.get_queryset(), data.validated_data)
        return export_response(request, queryset, data.validated_data, organization, data.validated_data["file_format"])
