"""What a trainee may see of their results, which attempt counts, the contest leaderboard and the
wrong-answer book (错题本) with its practice."""
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import not_found

from .grading.scoring import score_item
from .models import Attempt, Exam, MistakeBookEntry

DONE = (Attempt.Status.GRADED, Attempt.Status.REVIEW)
MASTERED_AFTER = 2  # right answers in a row in practice that take a question out of the book


def released(exam: Exam, now=None) -> bool:
    """Whether the exam's policy shows results and keys now (for attempts that are done)."""
    now = now or timezone.now()
    if exam.release == Exam.Release.IMMEDIATELY:
        return True
    if exam.release == Exam.Release.AFTER_CLOSE:
        return now >= exam.closes_at
    return exam.released_at is not None


def keys_visible(attempt: Attempt, now=None) -> bool:
    """Keys and analyses of an attempt's paper: only once it is submitted and the policy allows."""
    return attempt.status in (*DONE, Attempt.Status.SUBMITTED) and released(attempt.exam, now)


def score_visible(attempt: Attempt, now=None) -> bool:
    return attempt.status == Attempt.Status.GRADED and released(attempt.exam, now)


def counted_attempts(attempts: list[Attempt], counting: str) -> dict[int, Attempt]:
    """{user id: the attempt that counts} among graded attempts: the highest (ties: the quickest,
    then the earliest) or the last."""
    best: dict[int, Attempt] = {}
    for attempt in attempts:
        if attempt.status != Attempt.Status.GRADED:
            continue
        held = best.get(attempt.user_id)
        if held is None:
            best[attempt.user_id] = attempt
        elif counting == Exam.Counting.LAST:
            if attempt.number > held.number:
                best[attempt.user_id] = attempt
        elif (-attempt.score, attempt.seconds_taken, attempt.number) < (-held.score, held.seconds_taken, held.number):
            best[attempt.user_id] = attempt
    return best


def exam_outcomes(*, exam_id: int, user_ids) -> dict[int, Attempt]:
    """{user id: the attempt that counts} for these users, whether or not the results are released
    to them: for other apps deciding on a pass (the certificates' criteria)."""
    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None:
        return {}
    attempts = list(Attempt.objects.filter(exam=exam, user_id__in=list(user_ids), status=Attempt.Status.GRADED).order_by("pk"))
    return counted_attempts(attempts, exam.counting)


@dataclass
class Standing:
    rank: int
    attempt: Attempt


def leaderboard(*, exam: Exam, organization=None) -> list[Standing]:
    """The contest ranking: by score, then by time taken; equal on both share a rank (1, 1, 3).
    With `organization`, only trainees of its subtree, ranked among themselves."""
    attempts = Attempt.objects.filter(exam=exam, status=Attempt.Status.GRADED).select_related("user", "organization")
    if organization is not None:
        attempts = attempts.filter(organization__path__startswith=organization.path)
    counted = sorted(counted_attempts(list(attempts), Exam.Counting.HIGHEST).values(), key=lambda a: (-a.score, a.seconds_taken, a.user_id))
    standings, previous = [], None
    for index, attempt in enumerate(counted, start=1):
        key = (attempt.score, attempt.seconds_taken)
        rank = standings[-1].rank if key == previous else index
        standings.append(Standing(rank=rank, attempt=attempt))
        previous = key
    return standings


def mistakes_for(*, user, include_mastered: bool = False):
    entries = MistakeBookEntry.objects.filter(user=user).select_related("question", "version", "attempt__exam")
    if not include_mastered:
        entries = entries.filter(mastered_at__isnull=True)
    return entries


def mistake_key_visible(entry: MistakeBookEntry, now=None) -> bool:
    return entry.attempt is None or released(entry.attempt.exam, now)


@dataclass
class PracticeOutcome:
    correct: bool
    mastered: bool
    key_shown: bool
    entry: MistakeBookEntry


@transaction.atomic
def mistake_practice(*, user, entry_id: int, response: dict | None) -> PracticeOutcome:
    """Answer a question of the wrong-answer book again. Two right in a row: mastered, out of the book."""
    entry = MistakeBookEntry.objects.select_for_update(of=("self",)).select_related("question", "version", "attempt__exam").filter(pk=entry_id, user=user).first()
    if entry is None:
        raise not_found(_("Wrong-answer book entry"))
    result = score_item(entry.question.kind, entry.version.key, response, 100, multiple_rule=Exam.MultipleRule.ALL_OR_NOTHING)
    if result.correct:
        entry.right_streak += 1
        if entry.right_streak >= MASTERED_AFTER and entry.mastered_at is None:
            entry.mastered_at = timezone.now()
    else:
        entry.right_streak, entry.mastered_at = 0, None  # wrong again: back in the book
        entry.wrong_count += 1
        entry.last_response = response
        entry.last_wrong_at = timezone.now()
    entry.save(update_fields=["right_streak", "mastered_at", "wrong_count", "last_response", "last_wrong_at"])
    return PracticeOutcome(correct=bool(result.correct), mastered=entry.mastered_at is not None, key_shown=mistake_key_visible(entry), entry=entry)
