"""The classes API: classes, their sessions and roster, attendance sheets and check-in. Thin over
the selectors and services of this package."""
import segno
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from accounts.models import User
from backend.errors import not_found

from .. import selectors as course_selectors
from ..models import Enrollment
from . import attendance, checkin, compliance, roster_import, selectors, services
from .serializers import (
    CheckinInput,
    ClassCloseInput,
    ClassInput,
    ClassOutput,
    ClassUpdateInput,
    DecideInput,
    EnrollmentAddInput,
    EnrollmentOutput,
    ImportInput,
    MarkBrief,
    MarkInput,
    ReasonInput,
    SessionInput,
    SessionOutput,
    SessionUpdateInput,
    SheetRow,
)


def _records_or_404(user, training_class):
    """Rosters, sheets and compliance belong to staff of the host's subtree; to others the class's
    records do not exist."""
    if not selectors.can_view_records(user, training_class):
        raise not_found(_("Class"))


class ClassViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClassOutput
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    search_fields = ["title"]
    ordering_fields = ["starts_on", "title", "year"]
    filterset_fields = ["organization", "kind", "status", "year"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            from ..models import TrainingClass

            return TrainingClass.objects.none()
        return selectors.class_list(user=self.request.user)

    def _reload(self, training_class):
        return self.get_queryset().get(pk=training_class.pk)

    @extend_schema(request=ClassInput, responses={201: ClassOutput})
    def create(self, request):
        data = ClassInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = scope.organizations_in_scope(request.user, scope.STAFF_ROLES).filter(pk=values.pop("organization")).first()
        if organization is None:
            raise not_found(_("Organization"))
        training_class = services.training_class_create(actor=request.user, organization=organization, **values)
        return Response(ClassOutput(self._reload(training_class)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClassUpdateInput, responses=ClassOutput)
    def partial_update(self, request, pk=None):
        data = ClassUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        training_class = services.training_class_update(actor=request.user, training_class=self.get_object(), **data.validated_data)
        return Response(ClassOutput(self._reload(training_class)).data)

    def _transition(self, request, name):
        training_class = services.training_class_transition(actor=request.user, training_class=self.get_object(), action=name)
        return Response(ClassOutput(self._reload(training_class)).data)

    @extend_schema(request=None, responses=ClassOutput)
    @action(detail=True, methods=["post"], url_path="open-enrolment")
    def open_enrolment(self, request, pk=None):
        """建班 → 报名: trainees of the host's subtree may register; an organizer approves them."""
        return self._transition(request, "open_enrolment")

    @extend_schema(request=None, responses=ClassOutput)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, "start")

    @extend_schema(request=ClassCloseInput, responses=ClassOutput)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def close(self, request, pk=None):
        """结班: upload the agenda and timetable; attendance is locked and completion decided."""
        data = ClassCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        training_class = services.training_class_close(actor=request.user, training_class=self.get_object(), **data.validated_data)
        return Response(ClassOutput(self._reload(training_class)).data)

    @extend_schema(request=None, responses={201: dict})
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        """报名: the signed-in trainee asks to join."""
        enrollment = services.enrollment_register(user=request.user, training_class=self.get_object())
        return Response({"enrollment": enrollment.pk, "status": enrollment.status, "status_label": enrollment.get_status_display()}, status=201)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def compliance(self, request, pk=None):
        training_class = self.get_object()
        _records_or_404(request.user, training_class)
        return Response({"results": [
            {
                "rule": s.rule.pk, "name": s.rule.name, "metric": s.rule.metric, "threshold": compliance.threshold_text(s.rule),
                "state": s.state, "state_label": s.state_label, "measured": s.measured, "message": s.message,
                "shortfall": None if s.shortfall is None else str(s.shortfall), "details": s.details,
            }
            for s in compliance.class_compliance(training_class)
        ]})


class _ClassChildMixin:
    """Views under /classes/{class_pk}/: the class is looked up in the caller's scope first."""

    def get_class(self):
        if not hasattr(self, "_class"):
            training_class = selectors.class_for_user(user=self.request.user, pk=self.kwargs["class_pk"])
            if training_class is None:
                raise not_found(_("Class"))
            self._class = training_class
        return self._class


class SessionViewSet(_ClassChildMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """classes/{id}/sessions/: the class's timetable. Trainees on the roster see it too."""

    serializer_class = SessionOutput
    parser_classes = [JSONParser]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            from ..models import ClassSession

            return ClassSession.objects.none()
        return selectors.session_list(training_class=self.get_class())

    @extend_schema(request=SessionInput, responses={201: SessionOutput})
    def create(self, request, class_pk=None):
        data = SessionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        course = None
        if course_id := values.pop("course", None):
            course = course_selectors.course_list(user=request.user).filter(pk=course_id).first()
            if course is None:
                raise not_found(_("Course"))
        session = services.class_session_create(actor=request.user, training_class=self.get_class(), course=course, **values)
        return Response(SessionOutput(self.get_queryset().get(pk=session.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SessionUpdateInput, responses=SessionOutput)
    def partial_update(self, request, class_pk=None, pk=None):
        data = SessionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.class_session_update(actor=request.user, session=self.get_object(), **data.validated_data)
        return Response(SessionOutput(self.get_queryset().get(pk=session.pk)).data)

    def destroy(self, request, class_pk=None, pk=None):
        services.class_session_delete(actor=request.user, session=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnrollmentViewSet(_ClassChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """classes/{id}/enrollments/: the roster, with attended hours and the class's criteria."""

    serializer_class = EnrollmentOutput
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrollment.objects.none()
        training_class = self.get_class()
        _records_or_404(self.request.user, training_class)
        wanted = self.request.query_params.get("status")
        return selectors.enrollment_list(training_class=training_class, statuses=[wanted] if wanted else None)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            training_class = self.get_class()
            context.update(training_class=training_class, total_centi_hours=selectors.class_total_centi_hours(training_class))
        return context

    def _output(self, enrollment):
        return EnrollmentOutput(self.get_queryset().get(pk=enrollment.pk), context=self.get_serializer_context()).data

    @extend_schema(request=EnrollmentAddInput, responses={201: EnrollmentOutput})
    def create(self, request, class_pk=None):
        data = EnrollmentAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = scope.scope_filter(User.objects.filter(is_active=True), request.user, scope.STAFF_ROLES).filter(pk=data.validated_data["user"]).first()
        if user is None:
            raise not_found(_("Person"))
        enrollment = services.enrollment_add(actor=request.user, training_class=self.get_class(), user=user)
        return Response(self._output(enrollment), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonInput, responses=EnrollmentOutput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, class_pk=None, pk=None):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_withdraw(actor=request.user, enrollment=self.get_object(), reason=data.validated_data["reason"])
        return Response(self._output(enrollment))

    @extend_schema(request=DecideInput, responses=EnrollmentOutput)
    @action(detail=True, methods=["post"])
    def decide(self, request, class_pk=None, pk=None):
        """报名审核: approve or turn down a trainee's registration (with a reason)."""
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_decide(actor=request.user, enrollment=self.get_object(), **data.validated_data)
        return Response(self._output(enrollment))

    @extend_schema(request=ImportInput, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request, class_pk=None):
        """Enrol a sheet of people (姓名, 工号 or 手机, 单位编码): every row, or none."""
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = roster_import.enrollment_import(
            actor=request.user, training_class=self.get_class(), content=data.validated_data["file"].read(),
            dry_run=data.validated_data["dry_run"],
        )
        return Response({"total_rows": result.total_rows, "added": result.added, "already_enrolled": result.already,
                         "dry_run": data.validated_data["dry_run"]})


class SessionAttendanceApi(APIView):
    """sessions/{id}/attendance/: the sheet (GET, paginated) and hand marks (POST)."""

    def _session(self, request, pk):
        session = selectors.session_for_user(user=request.user, pk=pk)
        if session is None or not selectors.can_view_records(request.user, session.training_class):
            raise not_found(_("Session"))
        return session

    @extend_schema(responses=SheetRow(many=True))
    def get(self, request, pk):
        from backend.pagination import PageNumberPagination

        session = self._session(request, pk)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.attendance_sheet(session=session), request, view=self)
        response = paginator.get_paginated_response(SheetRow(page, many=True).data)
        response.data["counts"] = selectors.attendance_counts(session=session)
        return response

    @extend_schema(request=MarkInput, responses=MarkBrief)
    def post(self, request, pk):
        session = self._session(request, pk)
        data = MarkInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = Enrollment.objects.filter(training_class_id=session.training_class_id, pk=data.validated_data["enrollment"]).select_related("user").first()
        if enrollment is None:
            raise not_found(_("Enrollment"))
        mark = attendance.attendance_mark(
            actor=request.user, session=session, enrollment=enrollment, status=data.validated_data["status"], note=data.validated_data["note"]
        )
        return Response(MarkBrief(mark).data)


def checkin_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("checkin-scan") + "?t=" + token)


class SessionCheckinDisplayApi(APIView):
    """sessions/{id}/checkin-display/: what the projector shows now (the QR code, the numeric code,
    seconds until they change) and the live count. Organizers of the host only."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        session = selectors.session_for_user(user=request.user, pk=pk)
        if session is None or not selectors.can_manage(request.user, session.training_class):
            raise not_found(_("Session"))
        return Response(checkin_display(request, session))


def checkin_display(request, session) -> dict:
    now = timezone.now()
    counts = selectors.attendance_counts(session=session)
    body = {
        "session": session.pk,
        "open": session.checkin_open,
        "counts": counts,
        "checked_in": counts.get("present", 0) + counts.get("late", 0),
        "recent": [
            {"name": a.enrollment.user.display_name, "status": a.status, "at": timezone.localtime(a.recorded_at).strftime("%H:%M:%S")}
            for a in selectors.recent_checkins(session=session)
        ],
    }
    if session.checkin_open:
        token = checkin.token_for(session, now)
        url = checkin_url(request, token)
        body.update(
            token=token, url=url, code=checkin.code_for(session, checkin.slot_at(now)), seconds_left=checkin.seconds_left(now),
            qr_svg=segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True),
        )
    return body


class SessionCheckinToggleApi(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk, state):
        session = selectors.session_for_user(user=request.user, pk=pk)
        if session is None:
            raise not_found(_("Session"))
        if state == "open":
            session = attendance.checkin_open(actor=request.user, session=session)
        else:
            session = attendance.checkin_close(actor=request.user, session=session)
        return Response(checkin_display(request, session))


class CheckinApi(APIView):
    """checkin/: a trainee checks in with a scanned token (the QR code's URL carries it) or the
    six-digit code. 201 the first time, 200 on a repeat (nothing new is recorded)."""

    @extend_schema(request=CheckinInput, responses={200: dict, 201: dict})
    def post(self, request):
        data = CheckinInput(data=request.data)
        data.is_valid(raise_exception=True)
        if token := data.validated_data.get("token"):
            mark, created = attendance.check_in_with_token(user=request.user, token=token, session_id=data.validated_data.get("session"))
        else:
            mark, created = attendance.check_in_with_code(user=request.user, code=data.validated_data["code"])
        return Response(checkin_result(mark, created), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def checkin_result(mark, created: bool) -> dict:
    session = mark.session
    at = timezone.localtime(mark.recorded_at).strftime("%H:%M")
    if created:
        message = _("Checked in at %(time)s: %(status)s.") % {"time": at, "status": mark.get_status_display()}
    else:
        message = _("You were already recorded at %(time)s as %(status)s; nothing changed.") % {"time": at, "status": mark.get_status_display()}
    return {
        "created": created,
        "status": mark.status,
        "status_label": mark.get_status_display(),
        "recorded_at": mark.recorded_at,
        "session": {"id": session.pk, "title": session.title, "class": session.training_class.title},
        "message": message,
    }
