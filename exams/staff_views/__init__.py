"""Organizer pages of the exams app (banks, questions, imports, exam setup, grading, statistics).
Thin over the same selectors and services as the API; a refused service call is shown as a
message or next to the field it names."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from backend.pages import run_service as run  # noqa: F401  (the pages' name for it)

from .. import access, selectors
from ..models import Exam, Question, QuestionBank
from ..serializers import points_text

PAGE_SIZE = 30


def bank_or_404(user, pk, *, edit: bool = False) -> QuestionBank:
    """A bank the user may see (404 otherwise); with `edit`, one they may change (403 otherwise)."""
    bank = selectors.bank_list(user=user).filter(pk=pk).first()
    if bank is None:
        raise Http404
    if edit and not access.can_edit_bank(user, bank):
        raise PermissionDenied
    return bank


def question_or_404(user, pk, *, edit: bool = False) -> Question:
    question = selectors.question_list(user=user).filter(pk=pk).first()
    if question is None:
        raise Http404
    if edit and not access.can_edit_bank(user, question.bank):
        raise PermissionDenied
    return question


def exam_or_404(user, pk, *, manage: bool = False) -> Exam:
    """An exam whose records the user may see (404 otherwise); with `manage`, one they may change
    (403 otherwise)."""
    exam = selectors.exam_list_for_staff(user=user).filter(pk=pk).first()
    if exam is None:
        raise Http404
    if manage and not access.can_manage_exam(user, exam):
        raise PermissionDenied
    return exam


def with_points(rows, *fields: str):
    """Give each row `<field>_text` ("2.5") for the integer hundredths in `field`."""
    for row in rows:
        for field in fields:
            setattr(row, f"{field}_text", points_text(getattr(row, field)))
    return rows


def minutes_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"
