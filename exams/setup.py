"""Every write of an exam's setup: create, change, its fixed paper or random rules (checked against
the bank's stock), publish, and the organizer's release of results."""
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scope
from accounts.models import Organization
from backend.errors import ApplicationError
from courses.models import TrainingClass

from . import access
from .models import Attempt, Exam, ExamItem, ExamRule, Question, QuestionBank, QuestionTag

SETTABLE = (
    "title", "description", "mode", "challenge", "seconds_per_question", "paper", "opens_at", "closes_at",
    "duration_minutes", "attempts_allowed", "pass_score", "counting", "shuffle_questions", "shuffle_options",
    "release", "multiple_rule", "max_leaves",
)


def _field_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(code, message, errors={field: [message]})


def _check(exam: Exam) -> None:
    if exam.closes_at <= exam.opens_at:
        raise _field_error("closes_at", _("The exam must close after it opens."))
    if exam.challenge and exam.mode != Exam.Mode.CONTEST:
        raise _field_error("challenge", _("A challenge run is a kind of knowledge contest: choose the contest mode."))
    if exam.challenge and not exam.seconds_per_question:
        raise _field_error("seconds_per_question", _("A challenge run needs a time limit per question."))
    if exam.mode == Exam.Mode.PRACTICE:
        # Practice gives feedback after each answer and may be repeated at will.
        exam.attempts_allowed, exam.release = 0, Exam.Release.IMMEDIATELY
    if exam.training_class_id and exam.audience_organization_id:
        raise _field_error("audience_organization", _("Choose either a class or an organization as the audience, not both."))
    if not exam.title.strip():
        raise _field_error("title", _("The exam needs a title."))


def _audience(actor, exam: Exam, training_class: TrainingClass | None, audience_organization: Organization | None) -> None:
    if training_class is not None and not scope.in_scope(actor, training_class.organization, scope.MANAGER_ROLES):
        raise _field_error("training_class", _("You can only set exams for classes of your organizations."), "permission_denied")
    if audience_organization is not None and not scope.in_scope(actor, audience_organization, scope.MANAGER_ROLES):
        raise _field_error("audience_organization", _("You can only set exams for organizations you manage."), "permission_denied")
    exam.training_class, exam.audience_organization = training_class, audience_organization


@transaction.atomic
def exam_create(
    *, actor, organization: Organization, training_class: TrainingClass | None = None,
    audience_organization: Organization | None = None, **values,
) -> Exam:
    exam = Exam(organization=organization, created_by=actor, **{k: v for k, v in values.items() if k in SETTABLE})
    access.require_exam_manager(actor, exam)
    if training_class is None and audience_organization is None:
        audience_organization = organization
    _audience(actor, exam, training_class, audience_organization)
    _check(exam)
    exam._history_user = actor
    exam.save()
    return exam


_AUDIENCE_UNSET = object()


@transaction.atomic
def exam_update(*, actor, exam: Exam, training_class=_AUDIENCE_UNSET, audience_organization=_AUDIENCE_UNSET, **values) -> Exam:
    access.require_exam_manager(actor, exam)
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    started = Attempt.objects.filter(exam=exam).exists()
    paper_fields = {"paper", "mode", "challenge", "multiple_rule"}
    if started and any(k in paper_fields and values[k] != getattr(exam, k) for k in values):
        raise ApplicationError("exam_started", _("Trainees have started this exam: its mode, paper and scoring can no longer change."))
    for key, value in values.items():
        if key in SETTABLE:
            setattr(exam, key, value)
    if training_class is not _AUDIENCE_UNSET or audience_organization is not _AUDIENCE_UNSET:
        _audience(
            actor, exam,
            exam.training_class if training_class is _AUDIENCE_UNSET else training_class,
            exam.audience_organization if audience_organization is _AUDIENCE_UNSET else audience_organization,
        )
    _check(exam)
    exam._history_user = actor
    exam.save()
    return exam


def _require_paper_editable(exam: Exam) -> None:
    if Attempt.objects.filter(exam=exam).exists():
        raise ApplicationError("exam_started", _("Trainees have started this exam: its paper can no longer change."))


def usable_banks(actor):
    return QuestionBank.objects.filter(access.bank_visibility_q(actor))


@transaction.atomic
def exam_set_items(*, actor, exam: Exam, items: list[tuple[int, int | None]]) -> list[ExamItem]:
    """A fixed paper: [(question id, points or None for the question's default)] in order."""
    access.require_exam_manager(actor, exam)
    _require_paper_editable(exam)
    ids = [qid for qid, _points in items]
    if len(set(ids)) != len(ids):
        raise _field_error("items", _("A question appears twice on the paper."))
    questions = Question.objects.filter(bank__in=usable_banks(actor), pk__in=ids, archived=False).in_bulk()
    missing = [str(qid) for qid in ids if qid not in questions]
    if missing:
        raise _field_error("items", _("Questions not found in banks you may use: %(ids)s.") % {"ids": ", ".join(missing)})
    ExamItem.objects.filter(exam=exam).delete()
    rows = ExamItem.objects.bulk_create([
        ExamItem(exam=exam, question_id=qid, position=n, points=points or questions[qid].points)
        for n, (qid, points) in enumerate(items, start=1)
    ])
    Exam.objects.filter(pk=exam.pk).update(paper=Exam.Paper.FIXED)
    exam.paper = Exam.Paper.FIXED
    return rows


def rule_stock(rule: ExamRule) -> int:
    matches = Question.objects.filter(bank_id=rule.bank_id, kind=rule.kind, archived=False)
    if rule.tag_id:
        matches = matches.filter(tags=rule.tag_id)
    if rule.difficulty:
        matches = matches.filter(difficulty=rule.difficulty)
    return matches.count()


@transaction.atomic
def exam_set_rules(*, actor, exam: Exam, rules: list[dict]) -> list[ExamRule]:
    """Random rules: each {bank, kind, tag (name or None), difficulty (or None), count, points}.
    Refused when a bank holds fewer matching questions than a rule draws, or when two rules of the
    same bank could draw the same question and their stock does not cover both."""
    access.require_exam_manager(actor, exam)
    _require_paper_editable(exam)
    banks = usable_banks(actor).in_bulk([r["bank"] for r in rules])
    built, errors = [], []
    for n, rule in enumerate(rules, start=1):
        bank = banks.get(rule["bank"])
        if bank is None:
            errors.append(_("Rule %(n)d: the bank is not one you may use.") % {"n": n})
            continue
        tag = None
        if rule.get("tag"):
            tag = QuestionTag.objects.filter(name=rule["tag"]).first()
            if tag is None:
                errors.append(_("Rule %(n)d: no question carries the tag “%(tag)s”.") % {"n": n, "tag": rule["tag"]})
                continue
        row = ExamRule(
            exam=exam, bank=bank, kind=rule["kind"], tag=tag, difficulty=rule.get("difficulty") or None,
            count=rule["count"], points=rule["points"], position=n,
        )
        if row.count < 1 or row.points < 1:
            errors.append(_("Rule %(n)d: draw at least one question worth more than 0 points.") % {"n": n})
            continue
        stock = rule_stock(row)
        if stock < row.count:
            errors.append(
                _("Rule %(n)d: the bank “%(bank)s” holds %(stock)d matching question(s), fewer than the %(count)d to draw.")
                % {"n": n, "bank": bank.title, "stock": stock, "count": row.count}
            )
        built.append(row)
    errors += _overlap_errors(built)
    if errors:
        raise ApplicationError("rules_invalid", errors[0], errors={"rules": errors})
    ExamRule.objects.filter(exam=exam).delete()
    ExamRule.objects.bulk_create(built)
    Exam.objects.filter(pk=exam.pk).update(paper=Exam.Paper.RANDOM)
    exam.paper = Exam.Paper.RANDOM
    return built


def _overlap_errors(rules: list[ExamRule]) -> list[str]:
    """Rules of one bank and kind draw from a shared stock: their counts together must fit in it."""
    groups: dict[tuple, list[ExamRule]] = {}
    for rule in rules:
        groups.setdefault((rule.bank_id, rule.kind), []).append(rule)
    errors = []
    for (bank_id, kind), group in groups.items():
        if len(group) < 2:
            continue
        parts = []
        for rule in group:
            part = Q()
            if rule.tag_id:
                part &= Q(tags=rule.tag_id)
            if rule.difficulty:
                part &= Q(difficulty=rule.difficulty)
            parts.append(part)
        # A rule with neither tag nor difficulty matches the whole kind. An empty Q() must not be
        # OR-ed in: Django drops it (Q() | Q(tags=1) is Q(tags=1)) and the stock came out short.
        union = Q() if not all(parts) else reduce(or_, parts)
        stock = Question.objects.filter(union, bank_id=bank_id, kind=kind, archived=False).distinct().count()
        wanted = sum(r.count for r in group)
        if stock < wanted:
            errors.append(
                _("Rules %(rules)s draw %(count)d questions of one kind from a bank holding %(stock)d that match any of them.")
                % {"rules": "、".join(str(r.position) for r in group), "count": wanted, "stock": stock}
            )
    return errors


def paper_summary(exam: Exam) -> tuple[int, int]:
    """(number of questions, total points) of the exam's paper."""
    if exam.paper == Exam.Paper.FIXED:
        rows = ExamItem.objects.filter(exam=exam).aggregate(n=Count("id"), total=Sum("points"))
        return rows["n"] or 0, rows["total"] or 0
    rules = list(ExamRule.objects.filter(exam=exam).values_list("count", "points"))
    return sum(c for c, _p in rules), sum(c * p for c, p in rules)


@transaction.atomic
def exam_publish(*, actor, exam: Exam) -> Exam:
    access.require_exam_manager(actor, exam)
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    count, total = paper_summary(exam)
    if not count:
        raise ApplicationError("paper_empty", _("The paper has no questions yet."))
    if exam.challenge and _has_short_answers(exam):
        raise ApplicationError(
            "challenge_short_answer", _("A challenge run is graded question by question: remove the short-answer questions from its paper.")
        )
    if exam.mode == Exam.Mode.EXAM and exam.pass_score > total:
        raise _field_error("pass_score", _("The pass mark is above the paper's total of %(total)s points.") % {"total": total / 100})
    exam.status = Exam.Status.PUBLISHED
    exam._history_user = actor
    exam.save(update_fields=["status"])
    return exam


def _has_short_answers(exam: Exam) -> bool:
    if exam.paper == Exam.Paper.FIXED:
        return ExamItem.objects.filter(exam=exam, question__kind=Question.Kind.SHORT).exists()
    return ExamRule.objects.filter(exam=exam, kind=Question.Kind.SHORT).exists()


@transaction.atomic
def exam_release(*, actor, exam: Exam) -> Exam:
    """Show results and keys of an exam whose release is by hand."""
    access.require_exam_manager(actor, exam)
    if exam.release != Exam.Release.MANUAL:
        raise ApplicationError("release_not_manual", _("This exam releases its results by itself."))
    if exam.released_at is None:
        exam.released_at = timezone.now()
        exam._history_user = actor
        exam.save(update_fields=["released_at"])
    return exam
