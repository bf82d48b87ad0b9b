"""The certificates API: templates (with preview), a class's criteria, issuing and its progress,
certificates (download, revoke, reissue, a class's ZIP), hour transcripts, public verification."""
import io
import zipfile

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from accounts.models import User
from backend.downloads import file_response
from backend.errors import ApplicationError, not_found
from courses.training.selectors import class_for_user

from . import selectors, services
from .limits import verification_allowed
from .models import CertificateTemplate
from .serializers import (
    CertificateOutput,
    CriteriaInput,
    RevokeReasonInput,
    RunOutput,
    TemplateInput,
    TemplateOutput,
    TranscriptInput,
    TranscriptOutput,
    VerificationOutput,
)

PDF = "application/pdf"


def pdf_response(field, file_name: str):
    if not field:
        raise ApplicationError("not_ready", _("The PDF is being made; try again in a moment."), status_code=409)
    with field.open("rb") as handle:
        return file_response(handle.read(), file_name, PDF)


class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TemplateOutput
    search_fields = ["name", "title"]
    filterset_fields = ["organization", "archived"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CertificateTemplate.objects.none()
        return selectors.template_list(user=self.request.user)

    @extend_schema(request=TemplateInput, responses={201: TemplateOutput})
    def create(self, request):
        data = TemplateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = scope.organizations_in_scope(request.user, scope.MANAGER_ROLES).filter(pk=values.pop("organization", None)).first()
        if organization is None:
            raise ApplicationError("invalid", _("Choose an organization you manage."), errors={"organization": [_("Required.")]})
        values.pop("remove_seal"), values.pop("archived")
        template = services.template_create(actor=request.user, organization=organization, **values)
        return Response(TemplateOutput(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TemplateInput, responses={200: TemplateOutput})
    def update(self, request, pk=None):
        template = self.get_object()
        data = TemplateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("organization", None)
        template = services.template_update(actor=request.user, template=template, **values)
        return Response(TemplateOutput(template).data)

    @extend_schema(request=None, responses={(200, PDF): bytes})
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        """A sample certificate from the template, as a PDF."""
        template = self.get_object()
        return file_response(services.template_preview(template=template), f"{template.name}.pdf", PDF)


def _class_for_staff(user, pk):
    training_class = class_for_user(user=user, pk=pk)
    if training_class is None or not scope.in_scope(user, training_class.organization, scope.STAFF_ROLES):
        raise not_found(_("Class"))
    return training_class


class ClassCertificatesApi(APIView):
    """classes/{id}/certificates/: the class's certificates (GET); issue what it owes (POST)."""

    @extend_schema(responses={200: CertificateOutput(many=True)})
    def get(self, request, pk):
        training_class = _class_for_staff(request.user, pk)
        return Response(CertificateOutput(selectors.class_certificates(training_class=training_class), many=True).data)

    @extend_schema(request=None, responses={202: RunOutput})
    def post(self, request, pk):
        training_class = _class_for_staff(request.user, pk)
        run = services.issue_request(actor=request.user, training_class=training_class)
        run.refresh_from_db()
        return Response(RunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class ClassCertificateRunApi(APIView):
    """classes/{id}/certificates/run/: the latest issuing run and its progress."""

    @extend_schema(responses={200: RunOutput})
    def get(self, request, pk):
        training_class = _class_for_staff(request.user, pk)
        run = selectors.latest_run(training_class=training_class)
        if run is None:
            raise not_found(_("Issuing run"))
        return Response(RunOutput(run).data)


class ClassCertificateCriteriaApi(APIView):
    """classes/{id}/certificates/criteria/: the template and exam the class's certificate needs."""

    @extend_schema(request=CriteriaInput, responses={200: dict})
    def put(self, request, pk):
        training_class = _class_for_staff(request.user, pk)
        data = CriteriaInput(data=request.data)
        data.is_valid(raise_exception=True)
        template = selectors.templates_for_class(training_class=training_class).filter(pk=data.validated_data["template"]).first()
        if template is None:
            raise ApplicationError("invalid", _("Choose a template of the class's host organization or of one above it."),
                                   errors={"template": [_("Not available to this class.")]})
        exam = None
        if data.validated_data.get("exam"):
            from exams.models import Exam

            exam = Exam.objects.filter(pk=data.validated_data["exam"]).first()
            if exam is None:
                raise ApplicationError("invalid", _("Choose an exam you manage."), errors={"exam": [_("Unknown exam.")]})
        criteria = services.criteria_set(actor=request.user, training_class=training_class, template=template, exam=exam,
                                         issue_on_close=data.validated_data["issue_on_close"])
        return Response({"template": criteria.template_id, "exam": criteria.exam_id, "issue_on_close": criteria.issue_on_close})


class ClassCertificatesZipApi(APIView):
    """classes/{id}/certificates/zip/: every valid certificate of the class in one ZIP."""

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request, pk):
        training_class = _class_for_staff(request.user, pk)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
            for certificate in selectors.class_certificates(training_class=training_class).filter(status="valid").exclude(pdf=""):
                with certificate.pdf.open("rb") as handle:
                    archive.writestr(f"{certificate.serial}-{certificate.name}.pdf", handle.read())
        return file_response(buffer.getvalue(), f"{training_class.title}.zip", "application/zip")


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CertificateOutput
    filterset_fields = ["status", "training_class", "user"]
    search_fields = ["serial", "name", "class_title"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.Certificate.objects.none()
        return selectors.certificate_list(user=self.request.user)

    @extend_schema(request=None, responses={(200, PDF): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        certificate = self.get_object()
        return pdf_response(certificate.pdf, f"{certificate.serial}.pdf")

    @extend_schema(request=RevokeReasonInput, responses={200: CertificateOutput})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = RevokeReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = services.certificate_revoke(actor=request.user, certificate=self.get_object(), reason=data.validated_data["reason"])
        return Response(CertificateOutput(self.get_queryset().get(pk=certificate.pk)).data)

    @extend_schema(request=RevokeReasonInput, responses={201: CertificateOutput})
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None):
        data = RevokeReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.certificate_reissue(actor=request.user, certificate=self.get_object(), reason=data.validated_data["reason"])
        return Response(CertificateOutput(self.get_queryset().get(pk=new.pk)).data, status=status.HTTP_201_CREATED)


class TranscriptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TranscriptOutput
    filterset_fields = ["year", "user", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.Transcript.objects.none()
        return selectors.transcript_list(user=self.request.user)

    @extend_schema(request=TranscriptInput, responses={201: TranscriptOutput})
    def create(self, request):
        data = TranscriptInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = request.user
        if data.validated_data.get("user") and data.validated_data["user"] != request.user.pk:
            person = User.objects.select_related("organization").filter(pk=data.validated_data["user"]).first()
            if person is None:
                raise not_found(_("Trainee"))
        transcript = services.transcript_issue(actor=request.user, user=person, year=data.validated_data["year"])
        return Response(TranscriptOutput(transcript).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={(200, PDF): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        transcript = self.get_object()
        return pdf_response(transcript.pdf, f"{transcript.serial}.pdf")

    @extend_schema(request=RevokeReasonInput, responses={200: TranscriptOutput})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = RevokeReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        transcript = services.transcript_revoke(actor=request.user, transcript=self.get_object(), reason=data.validated_data["reason"])
        return Response(TranscriptOutput(transcript).data)


class VerifyApi(APIView):
    """verify/{code}/: public. Whether a certificate or transcript is valid, with the name partly
    masked; rate-limited per client address."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: VerificationOutput})
    def get(self, request, code):
        if not verification_allowed(request):
            raise ApplicationError("throttled", _("Too many verifications from this address; wait a minute."), status_code=429)
        found = selectors.verification(code=code)
        if found is None:
            raise not_found(_("Certificate"))
        return Response(VerificationOutput(found).data)
