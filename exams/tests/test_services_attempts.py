"""Attempt integrity through the services: autosave order, deadlines, who may sit and load, resume,
attempts and window, page leaves, shuffling, random papers and a paper frozen once started."""
import random
from datetime import timedelta

import pytest
from django.utils.translation import override

from backend.errors import ApplicationError
from courses.tests.conftest import enroll, make_class
from exams import attempts, questions, setup
from exams.models import Attempt, ExamRule, GradeEvent

from .conftest import RIGHT, answer_of, expire, make_exam, make_pool, make_random_exam, sit, trainee_at


def save(user, attempt, question, response, seq):
    return attempts.answer_save(user=user, attempt_id=attempt.pk, question_id=question.pk, response=response, seq=seq)


def refused(code, call, *args, **kwargs):
    with pytest.raises(ApplicationError) as error:
        call(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# --- autosave ----------------------------------------------------------------------------------


def test_an_older_save_arriving_late_changes_nothing(exam, kinds, trainee):
    attempt = sit(trainee, exam)
    question = kinds["single"]
    newer = save(trainee, attempt, question, {"options": [2]}, seq=3)
    older = save(trainee, attempt, question, {"options": [1]}, seq=2)
    assert (newer.stored, newer.seq, older.stored, older.seq) == (True, 3, False, 3)
    answer = answer_of(attempt, question)
    assert (answer.response, answer.seq) == ({"options": [2]}, 3)


def test_the_same_save_twice_stores_once(exam, kinds, trainee):
    attempt = sit(trainee, exam)
    first = save(trainee, attempt, kinds["blank"], {"blanks": ["交融"]}, seq=1)
    saved_at = answer_of(attempt, kinds["blank"]).saved_at
    again = save(trainee, attempt, kinds["blank"], {"blanks": ["交融"]}, seq=1)
    assert (first.stored, again.stored, again.seq) == (True, False, 1)
    answer = answer_of(attempt, kinds["blank"])
    assert (answer.response, answer.seq, answer.saved_at) == ({"blanks": ["交融"]}, 1, saved_at)


def test_a_save_after_the_deadline_is_refused_and_submits(exam, kinds, trainee):
    attempt = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    expire(attempt)
    refused("deadline_passed", save, trainee, attempt, kinds["true_false"], {"value": True}, seq=1)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by, attempt.submitted_at) == ("submitted", "deadline", attempt.deadline)
    assert (answer_of(attempt, kinds["true_false"]).response, answer_of(attempt, kinds["single"]).response) == (None, RIGHT["single"])


def test_a_save_after_submit_is_refused(exam, kinds, trainee):
    attempt = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    attempts.attempt_submit(attempt=attempt)
    refused("attempt_submitted", save, trainee, attempt, kinds["single"], {"options": [1]}, seq=2)
    answer = answer_of(attempt, kinds["single"])
    assert (answer.response, answer.seq) == (RIGHT["single"], 1)


def test_another_trainee_can_neither_save_into_nor_load_an_attempt(tree, exam, kinds, trainee):
    attempt = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    neighbour = trainee_at(tree["town_a"], "neighbour")
    refused("not_found", save, neighbour, attempt, kinds["single"], {"options": [1]}, seq=5)
    refused("not_found", attempts.attempt_for_trainee, user=neighbour, attempt_id=attempt.pk)
    refused("not_found", attempts.attempt_record_leave, user=neighbour, attempt_id=attempt.pk)
    assert (answer_of(attempt, kinds["single"]).response, Attempt.objects.get(pk=attempt.pk).leave_count) == (RIGHT["single"], 0)
    assert attempts.attempt_for_trainee(user=trainee, attempt_id=attempt.pk) == attempt


# --- starting: resume, attempts, window, deadline, audience ----------------------------------------


def test_starting_again_resumes_the_same_attempt_and_paper(tree, people, bank, trainee):
    exam = make_exam(tree["league_a"], people["organizer_a"], bank[1], shuffle_questions=True, shuffle_options=True)
    first = attempts.attempt_start(user=trainee, exam=exam, rng=random.Random(1))
    paper = list(first.answers.values_list("question_id", "version_id", "position", "option_order", "points"))
    again = attempts.attempt_start(user=trainee, exam=exam, rng=random.Random(2))
    assert again.pk == first.pk and Attempt.objects.filter(exam=exam, user=trainee).count() == 1
    assert list(again.answers.values_list("question_id", "version_id", "position", "option_order", "points")) == paper


def test_attempts_allowed_is_enforced(tree, people, bank, trainee):
    exam = make_exam(tree["league_a"], people["organizer_a"], bank[1], attempts_allowed=2)
    for number in (1, 2):
        attempt = attempts.attempt_start(user=trainee, exam=exam)
        assert attempt.number == number
        attempts.attempt_submit(attempt=attempt)
    error = refused("no_attempts_left", attempts.attempt_start, user=trainee, exam=exam)
    assert error.status_code == 409
    assert Attempt.objects.filter(exam=exam, user=trainee).count() == 2


@pytest.mark.parametrize("opens_in, closes_in, code", [
    (timedelta(minutes=10), timedelta(hours=2), "exam_not_open"),
    (timedelta(hours=-3), timedelta(seconds=-1), "exam_closed"),
])
def test_the_window_is_enforced(tree, people, bank, trainee, opens_in, closes_in, code):
    exam = make_exam(tree["league_a"], people["organizer_a"], bank[1], opens_in=opens_in, closes_in=closes_in)
    refused(code, attempts.attempt_start, user=trainee, exam=exam)
    assert not Attempt.objects.filter(exam=exam).exists()


@pytest.mark.parametrize("minutes, closes_in, by_close", [(30, timedelta(hours=2), False), (30, timedelta(minutes=10), True)])
def test_the_deadline_is_the_earlier_of_duration_and_close(tree, people, bank, trainee, minutes, closes_in, by_close):
    exam = make_exam(tree["league_a"], people["organizer_a"], bank[1], minutes=minutes, closes_in=closes_in)
    attempt = attempts.attempt_start(user=trainee, exam=exam)
    expected = exam.closes_at if by_close else attempt.started_at + timedelta(minutes=minutes)
    assert attempt.deadline == expected == min(attempt.started_at + timedelta(minutes=minutes), exam.closes_at)


def test_an_audience_outside_the_trainees_subtree_is_not_found(exam, people):
    refused("not_found", attempts.attempt_start, user=people["trainee_b"], exam=exam)
    assert not Attempt.objects.filter(exam=exam).exists()


def test_a_class_exam_is_only_for_its_enrolled_trainees(tree, people, bank, trainee):
    organizer = people["organizer_a"]
    training_class = make_class(tree["league_a"], organizer)
    exam = make_exam(tree["league_a"], organizer, bank[1], training_class=training_class)
    outsider = trainee_at(tree["town_a"], "not_enrolled")  # same town, not on the roster
    withdrawn = trainee_at(tree["town_a"], "withdrawn")
    enroll(training_class, trainee)
    enroll(training_class, withdrawn, status="withdrawn")
    assert attempts.attempt_start(user=trainee, exam=exam).user == trainee
    refused("not_found", attempts.attempt_start, user=outsider, exam=exam)
    refused("not_found", attempts.attempt_start, user=withdrawn, exam=exam)
    assert list(Attempt.objects.filter(exam=exam).values_list("user", flat=True)) == [trainee.pk]


# --- submitting for the trainee ----------------------------------------------------------------------


def test_overdue_attempts_are_submitted_and_graded_current_ones_are_not(tree, exam, kinds, trainee, django_capture_on_commit_callbacks):
    overdue = expire(sit(trainee, exam, {kinds["single"]: RIGHT["single"]}))
    current = sit(trainee_at(tree["town_a"], "still_writing"), exam, {kinds["single"]: RIGHT["single"]})
    with django_capture_on_commit_callbacks(execute=True):
        assert attempts.attempts_submit_overdue() == 1
    overdue.refresh_from_db()
    current.refresh_from_db()
    assert (overdue.status, overdue.submitted_by, overdue.submitted_at) == ("review", "deadline", overdue.deadline)
    assert answer_of(overdue, kinds["single"]).score == 500
    assert list(overdue.grade_events.values_list("kind", flat=True)) == ["grade"]
    assert (current.status, current.submitted_at, current.submitted_by) == ("in_progress", None, "")
    assert not GradeEvent.objects.filter(attempt=current).exists()


def test_beat_runs_the_overdue_sweep_often_enough_to_submit_within_a_minute(settings):
    from backend.celery import app

    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "exams.attempts_submit_overdue"]
    assert entry["schedule"] <= 30  # a deadline passing just after a run is caught by the next one, under a minute
    assert "exams.attempts_submit_overdue" in app.tasks


def test_the_stalled_sweep_re_enqueues_attempts_submitted_long_ago_and_not_graded(tree, exam, kinds, trainee, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from exams import tasks

    stalled = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    attempts.attempt_submit(attempt=stalled)  # its on-commit enqueue never runs here: a lost message
    Attempt.objects.filter(pk=stalled.pk).update(submitted_at=timezone.now() - timedelta(minutes=3))
    fresh = sit(trainee_at(tree["town_a"], "just_submitted"), exam)
    attempts.attempt_submit(attempt=fresh)
    sent = []
    monkeypatch.setattr(tasks.attempt_grade_task, "delay", lambda pk: sent.append(pk))
    assert attempts.attempts_regrade_stalled() == 1 and sent == [stalled.pk]


def test_the_third_leave_submits_when_two_are_allowed(tree, people, bank, trainee):
    exam = make_exam(tree["league_a"], people["organizer_a"], bank[1], max_leaves=2)
    attempt = sit(trainee, exam)
    for expected in (1, 2):
        left = attempts.attempt_record_leave(user=trainee, attempt_id=attempt.pk)
        assert (left.leave_count, left.status) == (expected, "in_progress")
    left = attempts.attempt_record_leave(user=trainee, attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert (attempt.leave_count, attempt.status, attempt.submitted_by, len(attempt.leave_times)) == (3, "submitted", "leaves", 3)
    # a leave after submitting is not counted
    attempts.attempt_record_leave(user=trainee, attempt_id=attempt.pk)
    assert Attempt.objects.get(pk=attempt.pk).leave_count == 3


# --- shuffling ---------------------------------------------------------------------------------------


def test_shuffled_options_are_graded_by_their_original_indexes(tree, people, kinds, submit):
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds["single"]], shuffle_options=True, pass_score=500)
    first, second = trainee_at(tree["town_a"], "seed_one"), trainee_at(tree["town_a"], "seed_four")
    a = sit(first, exam, {kinds["single"]: RIGHT["single"]}, rng=random.Random(1))
    b = sit(second, exam, {kinds["single"]: RIGHT["single"]}, rng=random.Random(4))
    order_a, order_b = answer_of(a, kinds["single"]).option_order, answer_of(b, kinds["single"]).option_order
    assert order_a != order_b and sorted(order_a) == sorted(order_b) == [0, 1, 2]
    assert order_a != [0, 1, 2]  # the key's option A is not where it was
    assert [submit(x).score for x in (a, b)] == [500, 500]


# --- random papers -----------------------------------------------------------------------------------


def rule(bank, count, points, tag=None, difficulty=None):
    return {"bank": bank.pk, "kind": "single", "tag": tag, "difficulty": difficulty, "count": count, "points": points}


@pytest.fixture
def pool(tree, people):
    """Five single-choice questions: two tagged 民族 (difficulties 2 and 3), three untagged (difficulty 3)."""
    return make_pool(tree["league_a"], people["organizer_a"], [(["民族"], 2), (["民族"], 3), ([], 3), ([], 3), ([], 3)])


def test_a_rule_drawing_more_than_the_stock_is_refused(tree, people, pool):
    organizer = people["organizer_a"]
    exam = make_random_exam(tree["league_a"], organizer, [rule(pool[0], 1, 200)])
    with override("en"):
        error = refused("rules_invalid", setup.exam_set_rules, actor=organizer, exam=exam, rules=[rule(pool[0], 3, 200, tag="民族")])
    assert error.message == "Rule 1: the bank “规则题库” holds 2 matching question(s), fewer than the 3 to draw."
    assert list(ExamRule.objects.filter(exam=exam).values_list("count", "tag")) == [(1, None)]


def test_overlapping_rules_whose_sum_exceeds_the_stock_are_refused(tree, people, pool):
    organizer = people["organizer_a"]
    exam = make_random_exam(tree["league_a"], organizer, [rule(pool[0], 1, 200)])
    # each fits alone (2 of 2 tagged, 4 of 5), together 6 from the 5 that match either
    rules = [rule(pool[0], 2, 200, tag="民族"), rule(pool[0], 4, 100)]
    with override("en"):
        error = refused("rules_invalid", setup.exam_set_rules, actor=organizer, exam=exam, rules=rules)
    assert error.message == "Rules 1、2 draw 6 questions of one kind from a bank holding 5 that match any of them."
    assert list(ExamRule.objects.filter(exam=exam).values_list("count", "tag")) == [(1, None)]


@pytest.mark.parametrize("seed", range(8))
def test_a_random_paper_draws_each_rule_exactly(tree, people, pool, trainee, seed):
    # given a broad rule first and a narrow one inside it: together they need the whole stock
    exam = make_random_exam(tree["league_a"], people["organizer_a"], [rule(pool[0], 3, 100), rule(pool[0], 2, 300, tag="民族")])
    attempt = attempts.attempt_start(user=trainee, exam=exam, rng=random.Random(seed))
    drawn = list(attempt.answers.values_list("question_id", "points"))
    tagged = {q.pk for q in pool[1][:2]}
    assert len({qid for qid, _p in drawn}) == len(drawn) == 5
    assert sorted(p for _q, p in drawn) == [100, 100, 100, 300, 300]
    assert {qid for qid, p in drawn if p == 300} == tagged
    assert (attempt.max_score, [p for _q, p in attempt.answers.order_by("position").values_list("question_id", "points")]) == (
        900, [100, 100, 100, 300, 300],
    )


def test_a_random_paper_with_a_difficulty_rule(tree, people, pool, trainee):
    exam = make_random_exam(tree["league_a"], people["organizer_a"], [rule(pool[0], 1, 500, difficulty=2), rule(pool[0], 2, 250)])
    attempt = attempts.attempt_start(user=trainee, exam=exam, rng=random.Random(3))
    drawn = list(attempt.answers.order_by("position").values_list("question__difficulty", "points"))
    assert drawn[0] == (2, 500) and [p for _d, p in drawn[1:]] == [250, 250] and attempt.max_score == 1000


def test_the_paper_cannot_change_once_an_attempt_exists(exam, kinds, people, pool, trainee):
    organizer = people["organizer_a"]
    attempts.attempt_start(user=trainee, exam=exam)
    before = list(exam.items.values_list("question_id", "points"))
    refused("exam_started", setup.exam_set_items, actor=organizer, exam=exam, items=[(kinds["single"].pk, 1000)])
    refused("exam_started", setup.exam_set_rules, actor=organizer, exam=exam, rules=[rule(pool[0], 1, 100)])
    refused("exam_started", setup.exam_update, actor=organizer, exam=exam, multiple_rule="half")
    exam.refresh_from_db()
    assert (list(exam.items.values_list("question_id", "points")), exam.paper, exam.multiple_rule) == (before, "fixed", "all_or_nothing")
    assert not ExamRule.objects.filter(exam=exam).exists()
    # other settings may still change
    assert setup.exam_update(actor=organizer, exam=exam, title="理论测试（补考）").title == "理论测试（补考）"


def test_the_frozen_paper_keeps_its_points_when_the_question_changes(exam, kinds, people, trainee):
    attempt = sit(trainee, exam)
    questions.question_update(actor=people["organizer_a"], question=kinds["single"], points=900)
    assert (answer_of(attempt, kinds["single"]).points, Attempt.objects.get(pk=attempt.pk).max_score) == (500, 2500)
    assert kinds["single"].versions.count() == 1  # points are not content: no new version


def test_starting_after_the_deadline_submits_the_stale_attempt(exam, kinds, trainee):
    stale = expire(sit(trainee, exam, {kinds["single"]: RIGHT["single"]}))
    refused("no_attempts_left", attempts.attempt_start, user=trainee, exam=exam)
    stale.refresh_from_db()
    assert (stale.status, stale.submitted_by, Attempt.objects.filter(exam=exam).count()) == ("submitted", "deadline", 1)
