"""Grading attempts: the first grading (a Celery task per submitted attempt), a person's grading
of open answers, and regrading after a key is corrected (batched).

Each is idempotent and safe to run twice at once: the attempt row is locked and its status says
whether the work is done, so a redelivered task (acks_late after a worker died) changes nothing.
Every change of an attempt's score leaves a GradeEvent with the score before and after.
"""
import os
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ApplicationError, not_found

from .. import access
from ..models import Answer, Attempt, Exam, GradeEvent, MistakeBookEntry, QuestionVersion
from .scoring import SHORT, ItemScore, score_item

Status = Attempt.Status


def _pause_for_tests() -> None:
    """The worker-crash integration test sets this so that its kill lands inside a grading
    transaction; it is never set in a deployment."""
    pause = os.environ.get("EXAMS_GRADING_PAUSE_SECONDS")
    if pause:
        time.sleep(float(pause))


def late_in_challenge(answer: Answer, exam: Exam) -> bool:
    """A challenge answer saved after its question's time ran out counts as wrong, whatever the key."""
    if not exam.challenge or answer.shown_at is None or answer.saved_at is None:
        return False
    return (answer.saved_at - answer.shown_at).total_seconds() > exam.seconds_per_question


def _final(attempt: Attempt, answers: list) -> None:
    """Set the attempt's status and, when every item is graded, its score and pass mark."""
    if any(a.score is None for a in answers):
        attempt.status, attempt.score, attempt.passed = Status.REVIEW, None, None
        return
    attempt.status = Status.GRADED
    attempt.score = sum(a.score for a in answers)
    attempt.passed = attempt.score >= attempt.exam.pass_score


def attempt_grade(*, attempt_id: int) -> Attempt | None:
    """Grade a submitted attempt (and, in the same transaction, other submitted attempts no other
    worker holds: see `attempts_grade`). Returns the attempt as it is now."""
    attempts_grade(attempt_id=attempt_id)
    return Attempt.objects.select_related("exam").filter(pk=attempt_id).first()


@dataclass(slots=True)
class _Graded:
    """An answer as grading reads and writes it: a plain row, not a model instance (building 50
    model instances per attempt, with their questions and versions, cost more than the scoring)."""

    pk: int
    attempt_id: int
    question_id: int
    version_id: int
    points: int
    response: object
    score: int | None
    correct: bool | None
    graded_by_id: int | None


_GRADED_FIELDS = ("pk", "attempt_id", "question_id", "version_id", "points", "response", "score", "correct", "graded_by_id")


def _still_submitted(attempt_id: int) -> bool:
    """The cheap first look of a grading task: under a submit spike most tasks find their attempt
    already graded in another task's batch, and this one indexed read is all they cost."""
    table = connection.ops.quote_name(Attempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s AND status = %s", [attempt_id, Status.SUBMITTED])
        return cursor.fetchone() is not None


def attempts_grade(*, attempt_id: int, limit: int | None = None) -> int:
    """Grade the objective items of the submitted attempt `attempt_id` and of up to `limit` - 1
    other submitted attempts, oldest first, that no other worker has locked (SKIP LOCKED); open
    answers wait for a person. Returns how many were graded; 0 when the attempt is no longer
    submitted (graded in another task's batch, or never submitted).

    One task per submitted attempt is enqueued, but under a submit spike the first task grades a
    batch in a few set-based statements and the tasks of attempts already graded find nothing to
    do: the cost per attempt falls to a small share of a task's (bench/exam_grading.py)."""
    if not _still_submitted(attempt_id):
        return 0
    limit = limit or settings.EXAMS_GRADING_BATCH
    with transaction.atomic():
        mine_first = Case(When(pk=attempt_id, then=Value(0)), default=Value(1))
        attempts = list(
            Attempt.objects.select_for_update(skip_locked=True, of=("self",)).select_related("exam")
            .filter(status=Status.SUBMITTED).order_by(mine_first, "submitted_at", "pk")[:limit]
        )
        if not attempts:
            return 0
        _pause_for_tests()
        by_attempt: dict[int, list[_Graded]] = {a.pk: [] for a in attempts}
        exams = {a.pk: a.exam for a in attempts}
        answers = [
            _Graded(*row)
            for row in Answer.objects.filter(attempt_id__in=list(by_attempt)).values_list(*_GRADED_FIELDS)
        ]
        versions = {
            pk: (kind, key)
            for pk, kind, key in QuestionVersion.objects.filter(pk__in={a.version_id for a in answers})
            .values_list("pk", "question__kind", "key")
        }
        for answer in answers:
            by_attempt[answer.attempt_id].append(answer)
            exam = exams[answer.attempt_id]
            kind, key = versions[answer.version_id]
            if kind == SHORT and answer.graded_by_id is None:
                answer.score, answer.correct = None, None
            elif answer.graded_by_id is None and not (exam.challenge and answer.score is not None):
                result = score_item(kind, key, answer.response, answer.points, multiple_rule=exam.multiple_rule)
                answer.score, answer.correct = result.awarded, result.correct
        write_scores(answers)
        now = timezone.now()
        for attempt in attempts:
            _final(attempt, by_attempt[attempt.pk])
            attempt.graded_at = now
        _store_attempts(attempts, now)
        GradeEvent.objects.bulk_create([GradeEvent(attempt=a, kind=GradeEvent.Kind.GRADE, score_after=a.score) for a in attempts])
        _note_mistakes([(a, by_attempt[a.pk]) for a in attempts if a.exam.mode != Exam.Mode.CONTEST])
    return len(attempts)


def _store_attempts(attempts: list[Attempt], now) -> None:
    """One UPDATE for the batch's statuses, scores and pass marks. Django's bulk_update builds a
    CASE branch per row and field in Python, which cost more than the grading itself; a table of
    values joined by id does the same in one statement on PostgreSQL and SQLite alike."""
    table = connection.ops.quote_name(Attempt._meta.db_table)
    rows = ", ".join(["(CAST(%s AS integer), %s, CAST(%s AS integer), CAST(%s AS boolean))"] * len(attempts))
    params = [value for a in attempts for value in (a.pk, a.status, a.score, a.passed)]

    def column(name):
        return f"{name} = (SELECT v.{name} FROM v WHERE v.id = {table}.id)"

    sql = (
        f"WITH v(id, status, score, passed) AS (VALUES {rows}) "
        f"UPDATE {table} SET {column('status')}, {column('score')}, {column('passed')}, graded_at = %s "
        f"WHERE id IN (SELECT id FROM v)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + [now])


def write_scores(answers: list) -> None:
    """Store the answers' scores with one UPDATE per distinct (score, correct): a paper has a few
    (full marks, nothing, a partial share), where Django's bulk_update would build one CASE branch
    per answer (most of a grading's time, measured in bench/exam_grading.py)."""
    groups: dict[tuple, list[int]] = {}
    for answer in answers:
        groups.setdefault((answer.score, answer.correct), []).append(answer.pk)
    for (score, correct), ids in groups.items():
        Answer.objects.filter(pk__in=ids).update(score=score, correct=correct)


def _note_mistakes(graded: list[tuple[Attempt, list]]) -> None:
    """Add the questions answered wrong to the trainees' wrong-answer books (错题本): one upsert
    for new and known mistakes alike (a known one counts once more and leaves "mastered").

    Written as INSERT ... ON CONFLICT DO UPDATE, which PostgreSQL and SQLite share, so that the
    count adds to the stored one in the database (no read first, no lost count when two batches
    meet on one book entry); Django's bulk_create(update_conflicts=True) can only overwrite it."""
    wrong: dict[tuple[int, int], tuple[Attempt, object, int]] = {}
    for attempt, answers in graded:  # oldest first: a later attempt's answer is the one kept
        for answer in answers:
            if answer.correct is False:
                key = (attempt.user_id, answer.question_id)
                times = wrong[key][2] + 1 if key in wrong else 1
                wrong[key] = (attempt, answer, times)
    if not wrong:
        return
    quote = connection.ops.quote_name
    table = quote(MistakeBookEntry._meta.db_table)
    response_field = MistakeBookEntry._meta.get_field("last_response")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (user_id, question_id, answer.version_id, attempt.pk,
         response_field.get_db_prep_save(answer.response, connection), times, now, 0, None)
        for (user_id, question_id), (attempt, answer, times) in wrong.items()
    ]
    columns = "user_id, question_id, version_id, attempt_id, last_response, wrong_count, last_wrong_at, right_streak, mastered_at"
    placeholders = "(" + ", ".join(["%s"] * 9) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT (user_id, question_id) DO UPDATE SET version_id = excluded.version_id, "
                f"attempt_id = excluded.attempt_id, last_response = excluded.last_response, "
                f"wrong_count = {table}.wrong_count + excluded.wrong_count, last_wrong_at = excluded.last_wrong_at, "
                f"right_streak = 0, mastered_at = NULL",
                [value for row in chunk for value in row],
            )


def answer_review(*, actor, answer_id: int, score: int, comment: str = "") -> Answer:
    """A person grades an open answer (or changes a grade). The attempt is final when every item
    has a score."""
    with transaction.atomic():
        answer = Answer.objects.select_related("attempt__exam", "question").filter(pk=answer_id).first()
        if answer is None or not access.can_manage_exam(actor, answer.attempt.exam):
            raise not_found(_("Answer"))
        attempt = Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=answer.attempt_id)
        if attempt.status in (Status.IN_PROGRESS, Status.SUBMITTED):
            raise ApplicationError("not_ready", _("The attempt is not graded by the system yet; try again in a moment."), status_code=409)
        if not 0 <= score <= answer.points:
            message = _("The score must be between 0 and %(max)s.") % {"max": answer.points / 100}
            raise ApplicationError("invalid", message, errors={"score": [message]})
        before = attempt.score
        answer.score, answer.correct = score, score == answer.points
        answer.graded_by, answer.graded_at, answer.comment = actor, timezone.now(), comment[:500]
        answer.save(update_fields=["score", "correct", "graded_by", "graded_at", "comment"])
        answers = list(attempt.answers.only("score"))
        _final(attempt, answers)
        attempt.graded_at = timezone.now()
        attempt.save(update_fields=["status", "score", "passed", "graded_at"])
        # Every grading by a person is recorded, also while other open answers still wait.
        GradeEvent.objects.create(
            attempt=attempt, kind=GradeEvent.Kind.REVIEW, score_before=before, score_after=attempt.score, actor=actor,
            reason=_("Question %(n)d: %(score)s points") % {"n": answer.position, "score": score / 100},
        )
    return answer


def attempts_regrade(*, version_id: int, attempt_ids: list[int], actor_id: int | None = None, reason: str = "") -> int:
    """Score again the answers to one question version in these attempts, against its corrected
    key, and move the attempts' totals by the difference. Returns the attempts whose score changed.

    One batch is one transaction of a few queries whatever its size: the answers and attempts are
    read once and written with bulk updates."""
    with transaction.atomic():
        attempts = {
            a.pk: a for a in Attempt.objects.select_for_update(of=("self",)).select_related("exam")
            .filter(pk__in=attempt_ids, status__in=(Status.GRADED, Status.REVIEW))
        }
        answers = list(
            Answer.objects.filter(version_id=version_id, attempt_id__in=list(attempts))
            .select_related("question", "version").filter(graded_by__isnull=True)
        )
        changed_answers, moved = [], []
        for answer in answers:
            attempt = attempts[answer.attempt_id]
            result = score_item(answer.question.kind, answer.version.key, answer.response, answer.points, multiple_rule=attempt.exam.multiple_rule)
            if late_in_challenge(answer, attempt.exam):
                result = ItemScore(awarded=0, correct=False, answered=True)  # out of time stays wrong
            if (result.awarded, result.correct) == (answer.score, answer.correct):
                continue
            delta = (result.awarded or 0) - (answer.score or 0)
            answer.score, answer.correct = result.awarded, result.correct
            changed_answers.append(answer)
            if attempt.score is not None and delta:
                before = attempt.score
                attempt.score += delta
                attempt.passed = attempt.score >= attempt.exam.pass_score
                moved.append((attempt, before))
        write_scores(changed_answers)
        Attempt.objects.bulk_update([a for a, _b in moved], ["score", "passed"], batch_size=1000)
        GradeEvent.objects.bulk_create([
            GradeEvent(attempt=a, kind=GradeEvent.Kind.REGRADE, score_before=before, score_after=a.score, actor_id=actor_id, reason=reason)
            for a, before in moved
        ], batch_size=1000)
    return len(moved)


def review_queue_counts(exam_ids: list[int]) -> dict[int, int]:
    """{exam id: open answers awaiting a person} for attempts in review."""
    rows = (
        Answer.objects.filter(attempt__exam_id__in=exam_ids, attempt__status=Status.REVIEW, score__isnull=True)
        .values("attempt__exam_id").annotate(n=Count("id"))
    )
    return {r["attempt__exam_id"]: r["n"] for r in rows}


def review_queue(*, exam: Exam):
    """Open answers of an exam awaiting a person, oldest submission first."""
    return (
        Answer.objects.filter(attempt__exam=exam, attempt__status=Status.REVIEW)
        .filter(Q(score__isnull=True))
        .select_related("attempt__user", "attempt__organization", "version")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )
