"""The attempts API: the paper, autosave, submit, page leaves, grading by a person, the wrong-answer book."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.errors import not_found

from .. import attempts, results, selectors
from ..grading import grader
from ..models import Attempt, Exam, MistakeBookEntry
from ..serializers import (
    PracticeInput,
    ReviewInput,
    SaveInput,
    attempt_brief,
    paper_item,
    points_text,
)


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
