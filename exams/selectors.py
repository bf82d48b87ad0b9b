"""Every read of banks, questions, exams and attempts, with the caller's scope applied."""
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts import scope

from . import access
from .models import Answer, Attempt, Exam, ExamItem, ExamRule, Question, QuestionBank


def _count(queryset, field="id"):
    return Coalesce(Subquery(queryset.annotate(n=Count(field)).values("n")[:1], output_field=IntegerField()), Value(0))


def bank_list(*, user) -> QuerySet[QuestionBank]:
    questions = Question.objects.filter(bank=OuterRef("pk"), archived=False).order_by().values("bank")
    return (
        QuestionBank.objects.filter(access.bank_visibility_q(user))
        .select_related("organization")
        .annotate(question_count=_count(questions))
        .order_by("-created_at", "-id")
    )


def question_list(*, user, bank: QuestionBank | None = None) -> QuerySet[Question]:
    queryset = Question.objects.filter(bank__in=QuestionBank.objects.filter(access.bank_visibility_q(user)))
    if bank is not None:
        queryset = queryset.filter(bank=bank)
    return (
        queryset.select_related("current", "bank__organization")
        .prefetch_related("tags", "knowledge_points")
        .order_by("-id")
    )


def exam_list_for_staff(*, user) -> QuerySet[Exam]:
    return _with_paper(Exam.objects.filter(scope.scope_q(user, scope.STAFF_ROLES)))


def exam_list_for_trainee(*, user) -> QuerySet[Exam]:
    mine = Attempt.objects.filter(exam=OuterRef("pk"), user=user).order_by().values("exam")
    return _with_paper(Exam.objects.filter(access.audience_q(user))).annotate(my_attempts=_count(mine))


def exam_list(*, user) -> QuerySet[Exam]:
    """Exams the user manages or may sit."""
    return _with_paper(Exam.objects.filter(scope.scope_q(user, scope.STAFF_ROLES) | access.audience_q(user)))


def _with_paper(queryset) -> QuerySet[Exam]:
    items = ExamItem.objects.filter(exam=OuterRef("pk")).order_by().values("exam")
    rules = ExamRule.objects.filter(exam=OuterRef("pk")).order_by().values("exam")
    fixed_total = Subquery(items.annotate(n=Sum("points")).values("n")[:1], output_field=IntegerField())
    rule_count = Subquery(rules.annotate(n=Sum("count")).values("n")[:1], output_field=IntegerField())
    return (
        queryset.select_related("organization", "training_class", "audience_organization")
        .annotate(
            item_count=_count(items), fixed_total=Coalesce(fixed_total, Value(0)),
            rule_questions=Coalesce(rule_count, Value(0)),
        )
        .order_by("-opens_at", "-id")
    )


def exam_for_user(*, user, pk) -> Exam | None:
    return exam_list(user=user).filter(pk=pk).first()


def attempt_list(*, exam: Exam) -> QuerySet[Attempt]:
    return Attempt.objects.filter(exam=exam).select_related("user", "organization").order_by("-started_at", "-id")


def attempts_of(*, user, exam: Exam | None = None) -> QuerySet[Attempt]:
    queryset = Attempt.objects.filter(user=user).select_related("exam")
    if exam is not None:
        queryset = queryset.filter(exam=exam)
    return queryset.order_by("-started_at", "-id")


def attempt_for_viewer(*, user, pk) -> Attempt | None:
    """The trainee's own attempt, or any attempt of an exam whose records the user may see."""
    attempt = Attempt.objects.select_related("exam__organization", "user", "organization").filter(pk=pk).first()
    if attempt is None:
        return None
    if attempt.user_id == user.pk or access.can_view_exam_records(user, attempt.exam):
        return attempt
    return None


def paper(*, attempt: Attempt) -> list[Answer]:
    return list(attempt.answers.select_related("question", "version").order_by("position"))


def review_answers(*, user) -> QuerySet[Answer]:
    """Open answers awaiting a person, in exams the user manages."""
    return (
        Answer.objects.filter(attempt__status=Attempt.Status.REVIEW, score__isnull=True)
        .filter(Q(attempt__exam__in=Exam.objects.filter(scope.scope_q(user, scope.MANAGER_ROLES))))
        .select_related("attempt__user", "attempt__exam", "attempt__organization", "version", "question")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )
