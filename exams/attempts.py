"""Every write of an attempt: start (freeze the paper, fix the deadline), autosave an answer,
record a page leave, submit (by the trainee, at the deadline, after too many leaves), and the
challenge run's one-question-at-a-time flow.

Deadlines are the server's: the page counts down from `deadline`, and a save that arrives after it
is refused. Saves carry the page's sequence number; the UPDATE keeps only a newer one, so replays
and late-arriving older saves from an offline queue change nothing.
"""
import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ApplicationError, not_found

from . import access
from .grading.grader import late_in_challenge
from .grading.scoring import score_item
from .models import Answer, Attempt, Exam, ExamItem, ExamRule, Question

Status = Attempt.Status
MAX_RESPONSE_CHARS = 5000


def _attempt_error(code: str, message: str) -> ApplicationError:
    return ApplicationError(code, message, status_code=409)


def _draw(exam: Exam, rng: random.Random) -> list[tuple[int, int, int]]:
    """The paper as [(question id, version id, points)], in paper order."""
    if exam.paper == Exam.Paper.FIXED:
        return list(
            ExamItem.objects.filter(exam=exam, question__current__isnull=False)
            .order_by("position").values_list("question_id", "question__current_id", "points")
        )
    rules = list(ExamRule.objects.filter(exam=exam).order_by("position", "id"))
    pools = []
    for rule in rules:
        pool = Question.objects.filter(bank_id=rule.bank_id, kind=rule.kind, archived=False, current__isnull=False)
        if rule.tag_id:
            pool = pool.filter(tags=rule.tag_id)
        if rule.difficulty:
            pool = pool.filter(difficulty=rule.difficulty)
        pools.append(list(pool.values_list("id", "current_id")))
    # The narrowest pool draws first: a broad rule drawn first could take the only questions a
    # narrower rule inside it may use, though the stock covers both (what exam_set_rules checks).
    drawn, taken = {}, set()
    for index in sorted(range(len(rules)), key=lambda i: (len(pools[i]), i)):
        rule = rules[index]
        candidates = [row for row in pools[index] if row[0] not in taken]
        if len(candidates) < rule.count:
            raise ApplicationError(
                "stock_short", _("The question bank no longer holds enough questions for this exam. Tell the organizer.")
            )
        picks = rng.sample(candidates, rule.count)
        taken.update(qid for qid, _vid in picks)
        drawn[index] = [(qid, vid, rule.points) for qid, vid in picks]
    return [item for index in range(len(rules)) for item in drawn[index]]


def _deadline(exam: Exam, now, count: int):
    if exam.challenge:
        end = now + timedelta(seconds=exam.seconds_per_question * count + 5)
    elif exam.duration_minutes:
        end = now + timedelta(minutes=exam.duration_minutes)
    else:
        end = exam.closes_at
    return min(end, exam.closes_at)


def attempt_start(*, user, exam: Exam, rng: random.Random | None = None) -> Attempt:
    """Start an attempt, or return the one in progress (a reload, another device)."""
    now = timezone.now()
    current = Attempt.objects.filter(exam=exam, user=user, status=Status.IN_PROGRESS).first()
    if current is not None:
        if current.deadline <= now:
            attempt_submit(attempt=current, by=Attempt.SubmittedBy.DEADLINE)
        else:
            return current
    if not access.can_sit(user, exam):
        raise not_found(_("Exam"))
    if now < exam.opens_at:
        raise _attempt_error("exam_not_open", _("The exam opens at %(time)s.") % {"time": timezone.localtime(exam.opens_at).strftime("%Y-%m-%d %H:%M")})
    if now >= exam.closes_at:
        raise _attempt_error("exam_closed", _("The exam closed at %(time)s.") % {"time": timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M")})
    used = Attempt.objects.filter(exam=exam, user=user).count()
    if exam.attempts_allowed and used >= exam.attempts_allowed:
        raise _attempt_error("no_attempts_left", _("You have used all %(n)d attempt(s) of this exam.") % {"n": exam.attempts_allowed})
    rng = rng or random.Random()
    try:
        with transaction.atomic():
            return _create(user, exam, used + 1, now, rng)
    except IntegrityError:  # a second tab started at the same moment: resume that one
        current = Attempt.objects.filter(exam=exam, user=user, status=Status.IN_PROGRESS).first()
        if current is None:
            raise
        return current


def _create(user, exam: Exam, number: int, now, rng: random.Random) -> Attempt:
    paper = _draw(exam, rng)
    if not paper:
        raise ApplicationError("paper_empty", _("The exam has no questions yet."))
    if exam.shuffle_questions:
        rng.shuffle(paper)
    attempt = Attempt.objects.create(
        exam=exam, user=user, organization_id=user.organization_id, number=number, started_at=now,
        deadline=_deadline(exam, now, len(paper)), max_score=sum(points for _q, _v, points in paper),
    )
    options = dict(
        Question.objects.filter(pk__in=[qid for qid, _v, _p in paper]).values_list("id", "current__options")
    )
    answers = []
    for position, (qid, vid, points) in enumerate(paper, start=1):
        order = list(range(len(options.get(qid) or [])))
        if exam.shuffle_options:
            rng.shuffle(order)
        answers.append(Answer(attempt=attempt, question_id=qid, version_id=vid, position=position, option_order=order, points=points))
    Answer.objects.bulk_create(answers)
    return attempt


def attempt_for_trainee(*, user, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.select_related("exam").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise not_found(_("Attempt"))
    return attempt


@dataclass
class SaveResult:
    stored: bool       # False: a newer save was already there (this one changed nothing)
    seq: int           # the sequence number now stored
    feedback: Answer | None = None  # practice and challenge: the graded answer
    attempt: Attempt | None = None


def _check_response(response) -> None:
    if response is not None and not isinstance(response, dict):
        raise ApplicationError("invalid", _("The answer is not in the expected form."), errors={"response": [_("An object is expected.")]})
    if response is not None and len(str(response)) > MAX_RESPONSE_CHARS:
        raise ApplicationError("invalid", _("The answer is longer than %(n)d characters.") % {"n": MAX_RESPONSE_CHARS})


def answer_save(*, user, attempt_id: int, question_id: int, response: dict | None, seq: int) -> SaveResult:
    """Autosave one answer. Idempotent: the same (seq, response) twice stores once; an older seq
    after a newer one changes nothing. Refused after the deadline or once submitted."""
    _check_response(response)
    now = timezone.now()
    with transaction.atomic():
        # Locking the attempt row orders this save against a submit: an acknowledged save is
        # always in the paper that gets graded.
        attempt = (
            Attempt.objects.select_for_update(of=("self",), no_key=True).select_related("exam")
            .filter(pk=attempt_id, user=user).first()
        )
        if attempt is None:
            raise not_found(_("Attempt"))
        if attempt.status != Status.IN_PROGRESS:
            raise _attempt_error("attempt_submitted", _("This attempt has been submitted; answers can no longer change."))
        if now > attempt.deadline:
            expired = True
        else:
            expired = False
            if attempt.exam.challenge:
                return _challenge_answer(attempt, question_id, response, seq, now)
            stored = Answer.objects.filter(attempt=attempt, question_id=question_id, seq__lt=seq).update(
                response=response, seq=seq, saved_at=now
            )
    if expired:
        attempt_submit(attempt=attempt, by=Attempt.SubmittedBy.DEADLINE)
        raise _attempt_error("deadline_passed", _("Time is up: the deadline passed at %(time)s, and this answer was not saved. Your earlier answers were submitted.") % {"time": timezone.localtime(attempt.deadline).strftime("%H:%M:%S")})
    practice = attempt.exam.mode == Exam.Mode.PRACTICE
    if stored and not practice:  # the common autosave: two queries, no read-back
        return SaveResult(stored=True, seq=seq, attempt=attempt)
    answer = Answer.objects.select_related("question", "version").filter(attempt=attempt, question_id=question_id).first()
    if answer is None:
        raise not_found(_("Question"))
    feedback = _grade_one(answer, attempt.exam) if stored else None
    return SaveResult(stored=bool(stored), seq=answer.seq, feedback=feedback, attempt=attempt)


def _grade_one(answer: Answer, exam: Exam) -> Answer:
    result = score_item(answer.question.kind, answer.version.key, answer.response, answer.points, multiple_rule=exam.multiple_rule)
    answer.score, answer.correct = result.awarded, result.correct
    Answer.objects.filter(pk=answer.pk).update(score=answer.score, correct=answer.correct)
    return answer


def challenge_current(*, attempt: Attempt) -> Answer | None:
    """The question a challenge run is on (its clock starts when first shown)."""
    answer = attempt.answers.select_related("question", "version").filter(response__isnull=True).order_by("position").first()
    if answer is not None and answer.shown_at is None and attempt.status == Status.IN_PROGRESS:
        answer.shown_at = timezone.now()
        Answer.objects.filter(pk=answer.pk, shown_at__isnull=True).update(shown_at=answer.shown_at)
    return answer


def _challenge_answer(attempt: Attempt, question_id: int, response, seq: int, now) -> SaveResult:
    current = challenge_current(attempt=attempt)
    if current is None or current.question_id != question_id:
        raise _attempt_error("not_current_question", _("Answer the question on screen: a challenge run goes one question at a time."))
    current.response, current.seq, current.saved_at = (response or {}), seq, now
    Answer.objects.filter(pk=current.pk).update(response=current.response, seq=seq, saved_at=now)
    _grade_one(current, attempt.exam)
    if late_in_challenge(current, attempt.exam) and current.correct:
        current.correct, current.score = False, 0
        Answer.objects.filter(pk=current.pk).update(score=0, correct=False)
    last = not attempt.answers.filter(response__isnull=True).exists()
    if not current.correct or last:
        _submit_locked(attempt, Attempt.SubmittedBy.CHALLENGE if not current.correct else Attempt.SubmittedBy.TRAINEE, now)
    return SaveResult(stored=True, seq=seq, feedback=current, attempt=attempt)


def attempt_record_leave(*, user, attempt_id: int) -> Attempt:
    """The page was left (切屏). Past the exam's maximum, the attempt is submitted."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update(of=("self",)).select_related("exam").filter(pk=attempt_id, user=user).first()
        if attempt is None:
            raise not_found(_("Attempt"))
        if attempt.status != Status.IN_PROGRESS:
            return attempt
        now = timezone.now()
        attempt.leave_count = F("leave_count") + 1
        attempt.leave_times = (attempt.leave_times + [now.isoformat()])[-50:]
        attempt.save(update_fields=["leave_count", "leave_times"])
        attempt.refresh_from_db(fields=["leave_count"])
        if attempt.exam.max_leaves and attempt.leave_count > attempt.exam.max_leaves:
            _submit_locked(attempt, Attempt.SubmittedBy.LEAVES, now)
    return attempt


def _submit_locked(attempt: Attempt, by: str, now) -> None:
    from .tasks import attempt_grade_task

    attempt.status = Status.SUBMITTED
    attempt.submitted_by = by
    attempt.submitted_at = min(now, attempt.deadline)
    attempt.save(update_fields=["status", "submitted_by", "submitted_at"])
    attempt_id = attempt.pk
    transaction.on_commit(lambda: attempt_grade_task.delay(attempt_id))


def attempt_submit(*, attempt: Attempt, by: str = Attempt.SubmittedBy.TRAINEE) -> Attempt:
    """Submit once. A second submit (a double tap, a retry) returns the attempt as it is."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt.pk)
        if locked.status == Status.IN_PROGRESS:
            _submit_locked(locked, by, timezone.now())
    return locked


def attempts_submit_overdue(*, now=None, limit: int = 5000) -> int:
    """Celery beat: submit attempts whose deadline has passed. Returns how many."""
    now = now or timezone.now()
    ids = list(
        Attempt.objects.filter(status=Status.IN_PROGRESS, deadline__lt=now).order_by("deadline").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        attempt_submit(attempt=Attempt(pk=pk), by=Attempt.SubmittedBy.DEADLINE)
    return len(ids)


def attempts_regrade_stalled(*, older_than: timedelta = timedelta(minutes=2), now=None) -> int:
    """Celery beat: re-enqueue grading of attempts submitted a while ago and still not graded
    (a task lost with its broker). Grading is idempotent, so a duplicate costs one lock."""
    from .tasks import attempt_grade_task

    now = now or timezone.now()
    ids = list(Attempt.objects.filter(status=Status.SUBMITTED, submitted_at__lt=now - older_than).values_list("pk", flat=True)[:5000])
    for pk in ids:
        attempt_grade_task.delay(pk)
    return len(ids)
