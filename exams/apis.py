"""The exams API: banks, questions (+ import/export), exams, attempts, answers, grading, the
wrong-answer book. Thin over the selectors and services."""
import dataclasses
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from backend.errors import ApplicationError, not_found
from courses.models import Section, TrainingClass

from . import access, attempts, importing, questions, results, selectors, setup
from .grading import grader
from .importers import template_workbook
from .models import Attempt, Exam, MistakeBookEntry, Question, QuestionBank
from .statistics import exam_statistics, statistics_workbook
from .serializers import (
    BankInput,
    BankOutput,
    ExamInput,
    ExamOutput,
    ExamUpdateInput,
    QuestionImportInput,
    ItemsInput,
    KeyCorrectionInput,
    PracticeInput,
    QuestionInput,
    QuestionOutput,
    QuestionUpdateInput,
    ReviewInput,
    RulesInput,
    SaveInput,
    attempt_brief,
    paper_item,
    points_text,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(content: bytes, file_name: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


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


class AttemptApi(APIView):
    """attempts/{id}/: the paper as its trainee may see it now (or, to staff of the exam, whole)."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        attempt = selectors.attempt_for_viewer(user=request.user, pk=pk)
        if attempt is None:
            raise not_found(_("Attempt"))
        if attempt.status == Attempt.Status.IN_PROGRESS and attempt.user_id == request.user.pk:
            from django.utils import timezone

            if attempt.deadline <= timezone.now():
                attempt = attempts.attempt_submit(attempt=attempt, by=Attempt.SubmittedBy.DEADLINE)
        return Response(attempt_view(attempt, viewer=request.user))


def attempt_view(attempt: Attempt, *, viewer) -> dict:
    from django.utils import timezone

    staff = attempt.user_id != viewer.pk
    show_keys = staff or results.keys_visible(attempt)
    practice = attempt.exam.mode == Exam.Mode.PRACTICE
    data = attempt_brief(attempt, show_score=staff or results.score_visible(attempt))
    data.update(
        exam_title=attempt.exam.title, mode=attempt.exam.mode, challenge=attempt.exam.challenge,
        seconds_per_question=attempt.exam.seconds_per_question, server_time=timezone.now(),
        max_leaves=attempt.exam.max_leaves, keys_released=show_keys,
    )
    if attempt.exam.challenge and attempt.status == Attempt.Status.IN_PROGRESS and not staff:
        current = attempts.challenge_current(attempt=attempt)
        data["questions"] = [] if current is None else [paper_item(current, show_keys=False)]
        data["current_shown_at"] = current.shown_at if current else None
        data["answered"] = attempt.answers.filter(response__isnull=False).count()
        data["total"] = attempt.answers.count()
        return data
    data["questions"] = [
        paper_item(a, show_keys=show_keys, show_feedback=practice and a.response is not None and a.score is not None)
        for a in selectors.paper(attempt=attempt)
    ]
    return data


class AnswerSaveApi(APIView):
    """attempts/{id}/answers/{question}/: autosave one answer with the page's sequence number."""

    @extend_schema(request=SaveInput, responses={200: dict})
    def put(self, request, pk, question):
        data = SaveInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = attempts.answer_save(user=request.user, attempt_id=pk, question_id=question, **data.validated_data)
        body = {"stored": outcome.stored, "seq": outcome.seq}
        if outcome.feedback is not None:
            body["feedback"] = paper_item(outcome.feedback, show_keys=False, show_feedback=True)
            if outcome.attempt is not None and outcome.attempt.status != Attempt.Status.IN_PROGRESS:
                body["finished"] = True
        return Response(body)


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk):
        attempt = attempts.attempt_for_trainee(user=request.user, attempt_id=pk)
        attempt = attempts.attempt_submit(attempt=attempt)
        return Response(attempt_brief(attempt, show_score=results.score_visible(attempt)))


class AttemptLeaveApi(APIView):
    """The page was hidden or left (切屏)."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk):
        attempt = attempts.attempt_record_leave(user=request.user, attempt_id=pk)
        return Response({"leave_count": attempt.leave_count, "max_leaves": attempt.exam.max_leaves, "status": attempt.status})


class AnswerReviewApi(APIView):
    """answers/{id}/review/: a person grades an open answer."""

    @extend_schema(request=ReviewInput, responses={200: dict})
    def post(self, request, pk):
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = grader.answer_review(actor=request.user, answer_id=pk, **data.validated_data)
        answer.attempt.refresh_from_db()
        return Response({"answer": answer.pk, "score": points_text(answer.score), "attempt_status": answer.attempt.status, "attempt_score": points_text(answer.attempt.score)})


class MistakeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """mistakes/: the signed-in trainee's wrong-answer book (错题本)."""

    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MistakeBookEntry.objects.none()
        return results.mistakes_for(user=self.request.user, include_mastered=self.request.query_params.get("mastered") == "1")

    @extend_schema(responses={200: dict})
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([mistake_row(e) for e in page])

    @extend_schema(request=PracticeInput, responses={200: dict})
    @action(detail=True, methods=["post"])
    def practice(self, request, pk=None):
        data = PracticeInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = results.mistake_practice(user=request.user, entry_id=pk, response=data.validated_data["response"])
        body = {"correct": outcome.correct, "mastered": outcome.mastered, "right_streak": outcome.entry.right_streak}
        if outcome.key_shown:
            body.update(key=outcome.entry.version.key, analysis=outcome.entry.version.analysis)
        return Response(body)


def mistake_row(entry: MistakeBookEntry) -> dict:
    version = entry.version
    shown = results.mistake_key_visible(entry)
    row = {
        "id": entry.pk, "question": entry.question_id, "kind": entry.question.kind, "kind_label": entry.question.get_kind_display(),
        "stem": version.stem, "options": [{"id": i, "label": "ABCDEFGH"[i], "text": t} for i, t in enumerate(version.options)],
        "blanks": len(version.key.get("blanks", [])), "last_response": entry.last_response, "wrong_count": entry.wrong_count,
        "last_wrong_at": entry.last_wrong_at, "right_streak": entry.right_streak, "mastered": entry.mastered_at is not None,
        "exam": entry.attempt.exam.title if entry.attempt else None, "key_shown": shown,
    }
    if shown:
        row.update(key=version.key, analysis=version.analysis)
    return row
