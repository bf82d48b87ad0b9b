"""Results through the services: the release policy, the attempt that counts, the contest
leaderboard, the wrong-answer book and its practice, challenge runs and practice feedback."""
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.errors import ApplicationError
from exams import attempts, questions, results, setup
from exams.models import Answer, Attempt, MistakeBookEntry

from .conftest import RIGHT, answer_of, make_bank, make_exam, sit, trainee_at

OBJECTIVE = ("single", "true_false")  # a two-question paper, 1000 at most


def refused(code, call, *args, **kwargs):
    with pytest.raises(ApplicationError) as error:
        call(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value


def taking(attempt, seconds):
    """The attempt took `seconds`: its start moves back from its submission."""
    Attempt.objects.filter(pk=attempt.pk).update(started_at=attempt.submitted_at - timedelta(seconds=seconds))
    attempt.refresh_from_db()
    return attempt


# --- release policy ------------------------------------------------------------------------------


@pytest.fixture
def objective(tree, people, kinds):
    def make(**values):
        return make_exam(tree["league_a"], people["organizer_a"], [kinds[k] for k in OBJECTIVE], pass_score=500, **values)
    return make


def test_released_immediately(objective, kinds, trainee, django_capture_on_commit_callbacks):
    exam = objective(release="immediately")
    attempt = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    assert (results.keys_visible(attempt), results.score_visible(attempt)) == (False, False)  # in progress
    with django_capture_on_commit_callbacks(execute=False) as grading:
        attempt = attempts.attempt_submit(attempt=attempt)
    assert (results.keys_visible(attempt), results.score_visible(attempt)) == (True, False)  # submitted, not graded
    grading[0]()
    attempt.refresh_from_db()
    assert (attempt.status, results.keys_visible(attempt), results.score_visible(attempt)) == ("graded", True, True)


def test_released_after_the_window_closes(objective, kinds, trainee, submit):
    exam = objective(release="after_close")
    attempt = submit(sit(trainee, exam, {kinds["single"]: RIGHT["single"]}))
    before, at_close = exam.closes_at - timedelta(seconds=1), exam.closes_at
    assert (results.keys_visible(attempt), results.score_visible(attempt, before)) == (False, False)
    assert (results.keys_visible(attempt, at_close), results.score_visible(attempt, at_close)) == (True, True)


def test_released_by_hand(objective, kinds, people, trainee, submit):
    exam = objective(release="manual")
    attempt = submit(sit(trainee, exam, {kinds["single"]: RIGHT["single"]}))
    later = exam.closes_at + timedelta(days=30)
    assert (results.keys_visible(attempt, later), results.score_visible(attempt, later)) == (False, False)
    refused("permission_denied", setup.exam_release, actor=people["organizer_b"], exam=exam)
    exam.refresh_from_db()
    assert exam.released_at is None
    released = setup.exam_release(actor=people["organizer_a"], exam=exam)
    first = released.released_at
    assert first is not None and setup.exam_release(actor=people["organizer_a"], exam=exam).released_at == first
    attempt.refresh_from_db()
    assert (results.keys_visible(attempt), results.score_visible(attempt)) == (True, True)


def test_releasing_an_exam_that_releases_itself_is_refused(objective, people):
    exam = objective(release="after_close")
    refused("release_not_manual", setup.exam_release, actor=people["organizer_a"], exam=exam)
    exam.refresh_from_db()
    assert exam.released_at is None


# --- the attempt that counts, the leaderboard ------------------------------------------------------


def test_counted_attempt_highest_or_last(objective, kinds, trainee, submit):
    exam = objective(attempts_allowed=0)
    single, tf = kinds["single"], kinds["true_false"]
    made = []
    for responses, seconds in (
        ({single: RIGHT["single"]}, 60),  # 500
        ({single: RIGHT["single"], tf: RIGHT["true_false"]}, 120),  # 1000, slower
        ({single: RIGHT["single"], tf: RIGHT["true_false"]}, 90),  # 1000, quicker: the highest
        ({}, 30),  # 0: the last graded
    ):
        made.append(taking(submit(sit(trainee, exam, responses)), seconds))
    sit(trainee, exam)  # a fifth in progress counts for nothing
    assert [a.score for a in made] == [500, 1000, 1000, 0]
    every = list(Attempt.objects.filter(exam=exam))
    assert results.counted_attempts(every, "highest") == {trainee.pk: made[2]}
    assert results.counted_attempts(every, "last") == {trainee.pk: made[3]}


def test_leaderboard_ranks_by_score_then_time_with_shared_ranks(tree, people, submit):
    # given a contest offered to the whole region, and trainees in both leagues
    admin = people["admin_region"]
    _bank, made = make_bank(tree["region"], admin, title="竞赛题库")
    single, tf = made[0], made[2]
    exam = make_exam(tree["region"], admin, [single, tf], mode="contest")
    both = {single: RIGHT["single"], tf: RIGHT["true_false"]}
    entrants = [
        ("town_a", both, 60), ("banner_b", both, 60), ("banner_a", both, 90), ("banner_a", {single: RIGHT["single"]}, 30),
    ]
    users, graded = [], []
    for n, (org, responses, seconds) in enumerate(entrants):
        user = trainee_at(tree[org], f"entrant{n}")
        users.append(user)
        graded.append(taking(submit(sit(user, exam, responses)), seconds))
    sit(trainee_at(tree["town_a"], "late_starter"), exam)  # in progress: not ranked
    # when the board is read
    board = results.leaderboard(exam=exam)
    # then equal score and time share a rank, and the next rank skips
    assert [(s.rank, s.attempt.user_id, s.attempt.score, s.attempt.seconds_taken) for s in board] == [
        (1, users[0].pk, 1000, 60), (1, users[1].pk, 1000, 60), (3, users[2].pk, 1000, 90), (4, users[3].pk, 500, 30),
    ]
    # and within league A only its trainees are ranked, among themselves
    local = results.leaderboard(exam=exam, organization=tree["league_a"])
    assert [(s.rank, s.attempt.user_id) for s in local] == [(1, users[0].pk), (2, users[2].pk), (3, users[3].pk)]
    assert results.leaderboard(exam=exam, organization=tree["town_a"])[0].attempt == graded[0]


# --- the wrong-answer book ---------------------------------------------------------------------------


def test_wrong_answers_of_an_exam_go_into_the_book(exam, kinds, trainee, submit):
    attempt = submit(sit(trainee, exam, {
        kinds["single"]: {"options": [1]}, kinds["multiple"]: {"options": [0, 1]}, kinds["true_false"]: RIGHT["true_false"],
        kinds["short"]: RIGHT["short"],  # blank left empty
    }))
    entries = {e.question.kind: e for e in results.mistakes_for(user=trainee)}
    assert sorted(entries) == ["blank", "multiple", "single"]  # not the right one, not the short one
    single = entries["single"]
    assert (single.attempt, single.version, single.last_response, single.wrong_count, single.right_streak, single.mastered_at) == (
        attempt, kinds["single"].current, {"options": [1]}, 1, 0, None,
    )
    assert entries["blank"].last_response is None


def test_a_question_wrong_again_counts_twice_and_leaves_mastered(tree, people, kinds, trainee, submit):
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds["single"], kinds["true_false"]], attempts_allowed=2, pass_score=100)
    submit(sit(trainee, exam, {kinds["single"]: {"options": [1]}}))
    first = results.mistakes_for(user=trainee).get(question=kinds["single"])
    MistakeBookEntry.objects.filter(pk=first.pk).update(mastered_at=timezone.now(), right_streak=2)
    second = submit(sit(trainee, exam, {kinds["single"]: {"options": [2]}, kinds["true_false"]: RIGHT["true_false"]}))
    again = MistakeBookEntry.objects.get(pk=first.pk)  # the same entry, updated in place
    assert (again.wrong_count, again.right_streak, again.mastered_at, again.attempt, again.last_response) == (
        2, 0, None, second, {"options": [2]},
    )
    assert MistakeBookEntry.objects.filter(user=trainee).count() == 2  # single, and true/false from the first attempt


def test_a_contest_adds_nothing_to_the_book(tree, people, kinds, trainee, submit):
    contest = make_exam(tree["league_a"], people["organizer_a"], [kinds["single"]], mode="contest")
    attempt = submit(sit(trainee, contest, {kinds["single"]: {"options": [1]}}))
    assert (attempt.status, attempt.score) == ("graded", 0)
    assert not MistakeBookEntry.objects.exists()


@pytest.fixture
def entry(objective, kinds, trainee, submit):
    submit(sit(trainee, objective(), {kinds["single"]: {"options": [2]}, kinds["true_false"]: RIGHT["true_false"]}))
    return MistakeBookEntry.objects.get(user=trainee)


def practise(user, entry, response):
    return results.mistake_practice(user=user, entry_id=entry.pk, response=response)


def test_right_twice_in_practice_is_mastered(entry, trainee):
    first = practise(trainee, entry, RIGHT["single"])
    assert (first.correct, first.mastered, first.key_shown, first.entry.right_streak) == (True, False, True, 1)
    second = practise(trainee, entry, RIGHT["single"])
    assert (second.correct, second.mastered, second.entry.right_streak, second.entry.wrong_count) == (True, True, 2, 1)
    assert list(results.mistakes_for(user=trainee)) == []
    assert list(results.mistakes_for(user=trainee, include_mastered=True)) == [entry]


def test_a_wrong_answer_in_practice_resets_the_streak(entry, trainee):
    practise(trainee, entry, RIGHT["single"])
    wrong = practise(trainee, entry, {"options": [1]})
    assert (wrong.correct, wrong.mastered, wrong.entry.right_streak, wrong.entry.wrong_count, wrong.entry.last_response) == (
        False, False, 0, 2, {"options": [1]},
    )
    again = practise(trainee, entry, RIGHT["single"])
    assert (again.mastered, again.entry.right_streak) == (False, 1)


def test_practising_another_trainees_entry_is_not_found(tree, entry):
    refused("not_found", practise, trainee_at(tree["town_a"], "other"), entry, RIGHT["single"])
    entry.refresh_from_db()
    assert (entry.right_streak, entry.wrong_count, entry.mastered_at) == (0, 1, None)


# --- challenge runs and practice feedback ---------------------------------------------------------------


@pytest.fixture
def challenge(tree, people, kinds):
    paper = [kinds[k] for k in ("single", "true_false", "blank", "multiple")]
    return make_exam(tree["league_a"], people["organizer_a"], paper, mode="contest", challenge=True, seconds_per_question=30)


def answer(user, attempt, question, response, seq=1):
    return attempts.answer_save(user=user, attempt_id=attempt.pk, question_id=question.pk, response=response, seq=seq)


def test_a_challenge_goes_one_question_at_a_time_and_ends_at_a_wrong_answer(challenge, kinds, trainee, django_capture_on_commit_callbacks):
    attempt = attempts.attempt_start(user=trainee, exam=challenge)
    assert attempt.deadline == attempt.started_at + timedelta(seconds=30 * 4 + 5)
    current = attempts.challenge_current(attempt=attempt)
    assert (current.question, current.position) == (kinds["single"], 1) and current.shown_at is not None
    # answering ahead is refused and stores nothing
    refused("not_current_question", answer, trainee, attempt, kinds["true_false"], RIGHT["true_false"])
    assert answer_of(attempt, kinds["true_false"]).response is None
    right = answer(trainee, attempt, kinds["single"], RIGHT["single"])
    assert (right.feedback.correct, right.feedback.score, Attempt.objects.get(pk=attempt.pk).status) == (True, 500, "in_progress")
    assert attempts.challenge_current(attempt=attempt).question == kinds["true_false"]
    with django_capture_on_commit_callbacks(execute=True):
        wrong = answer(trainee, attempt, kinds["true_false"], {"value": False})
    assert (wrong.feedback.correct, wrong.feedback.score) == (False, 0)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by, attempt.score, attempt.max_score) == ("graded", "challenge", 500, 2000)
    assert list(attempt.answers.order_by("position").values_list("score", flat=True)) == [500, 0, 0, 0]
    refused("attempt_submitted", answer, trainee, attempt, kinds["blank"], RIGHT["blank"])
    assert not MistakeBookEntry.objects.exists()


def test_a_challenge_answer_after_the_question_time_counts_as_wrong(challenge, kinds, trainee):
    attempt = attempts.attempt_start(user=trainee, exam=challenge)
    current = attempts.challenge_current(attempt=attempt)
    Answer.objects.filter(pk=current.pk).update(shown_at=timezone.now() - timedelta(seconds=31))
    late = answer(trainee, attempt, kinds["single"], RIGHT["single"])
    assert (late.feedback.correct, late.feedback.score) == (False, 0)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by) == ("submitted", "challenge")


def test_a_late_challenge_answer_stays_wrong_when_a_key_correction_would_make_it_right(challenge, kinds, trainee, people, django_capture_on_commit_callbacks):
    attempt = attempts.attempt_start(user=trainee, exam=challenge)
    current = attempts.challenge_current(attempt=attempt)
    Answer.objects.filter(pk=current.pk).update(shown_at=timezone.now() - timedelta(seconds=31))
    with django_capture_on_commit_callbacks(execute=True):
        answer(trainee, attempt, kinds["single"], {"options": [1]})  # late, and wrong by the key as it was
    with django_capture_on_commit_callbacks(execute=True):
        count = questions.question_correct_key(actor=people["organizer_a"], version=kinds["single"].current, key={"options": [1]}, reason="答案有误")
    attempt.refresh_from_db()
    assert count == 1 and attempt.score == 0 and answer_of(attempt, kinds["single"]).score == 0


def test_a_challenge_answered_through_is_submitted_by_the_trainee(challenge, kinds, trainee, django_capture_on_commit_callbacks):
    attempt = attempts.attempt_start(user=trainee, exam=challenge)
    with django_capture_on_commit_callbacks(execute=True):
        for kind in ("single", "true_false", "blank", "multiple"):
            assert attempts.challenge_current(attempt=attempt).question == kinds[kind]
            assert answer(trainee, attempt, kinds[kind], RIGHT[kind]).feedback.correct is True
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by, attempt.score) == ("graded", "trainee", 2000)
    assert attempts.challenge_current(attempt=attempt) is None


def test_practice_gives_feedback_after_each_save(tree, people, kinds, trainee):
    practice = make_exam(tree["league_a"], people["organizer_a"], [kinds[k] for k in OBJECTIVE], mode="practice")
    assert (practice.attempts_allowed, practice.release) == (0, "immediately")
    attempt = sit(trainee, practice)
    right = answer(trainee, attempt, kinds["single"], RIGHT["single"], seq=1)
    assert (right.stored, right.feedback.score, right.feedback.correct) == (True, 500, True)
    wrong = answer(trainee, attempt, kinds["single"], {"options": [1]}, seq=2)
    assert (wrong.feedback.score, wrong.feedback.correct) == (0, False)
    replay = answer(trainee, attempt, kinds["single"], {"options": [1]}, seq=2)
    assert (replay.stored, replay.feedback) == (False, None)
    assert (answer_of(attempt, kinds["single"]).score, Attempt.objects.get(pk=attempt.pk).status) == (0, "in_progress")


def test_an_exam_gives_no_feedback_before_submit(objective, kinds, trainee):
    attempt = sit(trainee, objective())
    saved = answer(trainee, attempt, kinds["single"], RIGHT["single"])
    assert (saved.stored, saved.feedback, answer_of(attempt, kinds["single"]).score) == (True, None, None)
