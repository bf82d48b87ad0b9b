"""The exams API: setup, papers, publish and release, start, attempts lists, leaderboard, statistics, the grading queue."""
import dataclasses
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import scope
from backend.downloads import file_response
from backend.errors import not_found
from courses.models import TrainingClass

from .. import access, attempts, results, selectors, setup
from ..grading import grader
from ..models import Exam
from ..statistics import exam_statistics, statistics_workbook
from ..serializers import (
    ExamInput,
    ExamOutput,
    ExamUpdateInput,
    ItemsInput,
    RulesInput,
    attempt_brief,
    points_text,
)


class ExamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExamOutput
    search_fields = ["title"]
    filterset_fields = ["organization", "mode", "status", "training_class"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Exam.objects.none()
        return selectors.exam_list(user=self.request.user)

    def _managed(self) -> Exam:
        exam = self.get_object()
        if not access.can_view_exam_records(self.request.user, exam):
            raise not_found(_("Exam"))
        return exam

    def _audience(self, values: dict) -> dict:
        found = {}
        if values.get("training_class"):
            found["training_class"] = TrainingClass.objects.filter(pk=values["training_class"]).select_related("organization").first()
            if found["training_class"] is None:
                raise not_found(_("Class"))
        elif "training_class" in values:
            found["training_class"] = None
        if values.get("audience_organization"):
            found["audience_organization"] = scope.organizations_in_scope(self.request.user, scope.MANAGER_ROLES).filter(pk=values["audience_organization"]).first()
            if found["audience_organization"] is None:
                raise not_found(_("Organization"))
        elif "audience_organization" in values:
            found["audience_organization"] = None
        values.pop("training_class", None)
        values.pop("audience_organization", None)
        return found

    @extend_schema(request=ExamInput, responses={201: ExamOutput})
    def create(self, request):
        data = ExamInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = scope.organizations_in_scope(request.user, scope.MANAGER_ROLES).filter(pk=values.pop("organization")).first()
        if organization is None:
            raise not_found(_("Organization"))
        exam = setup.exam_create(actor=request.user, organization=organization, **self._audience(values), **values)
        return Response(ExamOutput(self.get_queryset().get(pk=exam.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExamUpdateInput, responses=ExamOutput)
    def partial_update(self, request, pk=None):
        data = ExamUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        exam = setup.exam_update(actor=request.user, exam=self._managed(), **self._audience(values), **values)
        return Response(ExamOutput(self.get_queryset().get(pk=exam.pk)).data)

    @extend_schema(request=ItemsInput, responses=ExamOutput)
    @action(detail=True, methods=["put"])
    def items(self, request, pk=None):
        """A fixed paper: the questions in order, each with its points (default: the question's)."""
        data = ItemsInput(data=request.data)
        data.is_valid(raise_exception=True)
        exam = self._managed()
        setup.exam_set_items(actor=request.user, exam=exam, items=[(i["question"], i.get("points")) for i in data.validated_data["items"]])
        return Response(ExamOutput(self.get_queryset().get(pk=exam.pk)).data)

    @extend_schema(request=RulesInput, responses=ExamOutput)
    @action(detail=True, methods=["put"])
    def rules(self, request, pk=None):
        """A random paper: draw rules, checked against the banks' stock."""
        data = RulesInput(data=request.data)
        data.is_valid(raise_exception=True)
        exam = self._managed()
        setup.exam_set_rules(actor=request.user, exam=exam, rules=data.validated_data["rules"])
        return Response(ExamOutput(self.get_queryset().get(pk=exam.pk)).data)

    @extend_schema(request=None, responses=ExamOutput)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        exam = setup.exam_publish(actor=request.user, exam=self._managed())
        return Response(ExamOutput(self.get_queryset().get(pk=exam.pk)).data)

    @extend_schema(request=None, responses=ExamOutput)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        exam = setup.exam_release(actor=request.user, exam=self._managed())
        return Response(ExamOutput(self.get_queryset().get(pk=exam.pk)).data)

    @extend_schema(request=None, responses={201: dict})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start an attempt (or resume the one in progress): the paper is frozen, the deadline fixed."""
        exam = self.get_object()
        attempt = attempts.attempt_start(user=request.user, exam=exam)
        return Response(attempt_brief(attempt, show_score=False), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def attempts(self, request, pk=None):
        """Staff: every attempt of the exam. A trainee: their own."""
        exam = self.get_object()
        if access.can_view_exam_records(request.user, exam):
            queryset = selectors.attempt_list(exam=exam)
        else:
            queryset = selectors.attempts_of(user=request.user, exam=exam)
        page = self.paginate_queryset(queryset)
        rows = []
        for attempt in page:
            row = attempt_brief(attempt, show_score=results.score_visible(attempt) or access.can_view_exam_records(request.user, exam))
            row.update(user={"id": attempt.user_id, "name": attempt.user.display_name}, organization=attempt.organization.name if hasattr(attempt, "organization") and attempt.organization_id else None)
            rows.append(row)
        return self.get_paginated_response(rows)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def leaderboard(self, request, pk=None):
        """知识竞赛 ranking: score, then time taken; ties share a rank (1, 1, 3). `?organization=` narrows it."""
        exam = self.get_object()
        organization = None
        if org_id := request.query_params.get("organization"):
            from accounts.models import Organization

            organization = Organization.objects.filter(pk=org_id).first()
            if organization is None:
                raise not_found(_("Organization"))
        standings = results.leaderboard(exam=exam, organization=organization)
        return Response({"results": [
            {
                "rank": s.rank, "name": s.attempt.user.display_name, "organization": s.attempt.organization.name,
                "score": points_text(s.attempt.score), "seconds_taken": s.attempt.seconds_taken,
                "me": s.attempt.user_id == request.user.pk,
            }
            for s in standings[:200]
        ]})

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def statistics(self, request, pk=None):
        """Per-exam statistics (`?organization=` narrows to a subtree); `?file_format=xlsx` downloads them."""
        exam = self._managed()
        organization = None
        if org_id := request.query_params.get("organization"):
            organization = scope.organizations_in_scope(request.user, scope.STAFF_ROLES).filter(pk=org_id).first()
            if organization is None:
                raise not_found(_("Organization"))
        stats = exam_statistics(exam=exam, organization=organization)
        if request.query_params.get("file_format") == "xlsx":
            return file_response(statistics_workbook(stats), f"{exam.title}-统计.xlsx")
        return Response(_plain(dataclasses.asdict(stats)))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="review-queue")
    def review_queue(self, request, pk=None):
        """Open answers of this exam awaiting a person (阅卷)."""
        exam = self._managed()
        if not access.can_manage_exam(request.user, exam):
            raise not_found(_("Exam"))
        page = self.paginate_queryset(grader.review_queue(exam=exam))
        return self.get_paginated_response([_review_row(a) for a in page])


def _plain(value):
    """Dataclass figures as JSON: Decimals as strings ("37.5"), never floats."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _review_row(answer) -> dict:
    return {
        "answer": answer.pk, "attempt": answer.attempt_id, "trainee": answer.attempt.user.display_name,
        "organization": answer.attempt.organization.name, "position": answer.position, "stem": answer.version.stem,
        "reference": answer.version.key.get("reference", ""), "analysis": answer.version.analysis,
        "response": (answer.response or {}).get("text", ""), "points": points_text(answer.points),
    }


