"""Grading through the services: start → save → submit → the grading task (after commit) → review,
regrade after a key correction, and question versions."""
import pytest

from backend.errors import ApplicationError
from exams import attempts, questions
from exams.grading import grader
from exams.models import Answer, Attempt, GradeEvent, QuestionVersion

from .conftest import RIGHT, answer_of, make_exam, sit, trainee_at

# (kind, multiple rule, response, score, correct): one five-point question (500) on the paper.
CASES = [
    ("single", "all_or_nothing", {"options": [0]}, 500, True),
    ("single", "all_or_nothing", {"options": [1]}, 0, False),
    ("single", "all_or_nothing", {"options": [0, 1]}, 0, False),  # two selected, one of them right
    ("single", "all_or_nothing", None, 0, False),  # nothing selected
    ("true_false", "all_or_nothing", {"value": True}, 500, True),
    ("true_false", "all_or_nothing", {"value": False}, 0, False),
    ("true_false", "all_or_nothing", {}, 0, False),
    ("blank", "all_or_nothing", {"blanks": ["交融"]}, 500, True),
    ("blank", "all_or_nothing", {"blanks": ["  交融 "]}, 500, True),
    ("blank", "all_or_nothing", {"blanks": ["交流"]}, 0, False),
    ("blank", "all_or_nothing", {"blanks": [""]}, 0, False),
    *[
        case
        for rule, partial_two, partial_one in (("all_or_nothing", 0, 0), ("half", 250, 250), ("per_option", 333, 166))
        for case in (
            ("multiple", rule, {"options": [0, 1, 2]}, 500, True),
            ("multiple", rule, {"options": [2, 0, 1, 1]}, 500, True),  # order and duplicates ignored
            ("multiple", rule, {"options": [0, 1]}, partial_two, False),
            ("multiple", rule, {"options": [0]}, partial_one, False),
            ("multiple", rule, {"options": [0, 1, 2, 3]}, 0, False),  # everything selected: a wrong one among them
            ("multiple", rule, {"options": [0, 3]}, 0, False),
            ("multiple", rule, {"options": []}, 0, False),  # nothing selected
        )
    ],
]


@pytest.mark.parametrize("kind, rule, response, score, correct", CASES)
def test_each_kind_and_rule_is_graded_after_submit(tree, people, kinds, trainee, submit, kind, rule, response, score, correct):
    # given a one-question exam under the multiple-choice rule, answered
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds[kind]], multiple_rule=rule, pass_score=500)
    attempt = sit(trainee, exam, {kinds[kind]: response})
    # when it is submitted and graded
    attempt = submit(attempt)
    # then the item and the attempt carry exactly that score
    answer = answer_of(attempt, kinds[kind])
    assert (answer.score, answer.correct) == (score, correct)
    assert (attempt.status, attempt.score, attempt.max_score, attempt.passed) == ("graded", score, 500, score == 500)


@pytest.mark.parametrize("response, score, correct", [
    ({"blanks": ["ＡＢ", "New York"]}, 500, True),  # full-width letters are their ASCII forms
    ({"blanks": ["ab", " New   York "]}, 500, True),  # case, surrounding and repeated spaces
    ({"blanks": ["AB", "NewYork"]}, 250, False),  # a missing space is a different answer: one blank of two
    ({"blanks": ["A B"]}, 0, False),
])
def test_blank_normalization(tree, people, bank, trainee, submit, response, score, correct):
    organizer = people["organizer_a"]
    question = questions.question_create(
        actor=organizer, bank=bank[0], kind="blank", stem="缩写____，城市____。", key={"blanks": [["AB"], ["New York"]]}, points=500,
    )
    exam = make_exam(tree["league_a"], organizer, [question], pass_score=500)
    attempt = submit(sit(trainee, exam, {question: response}))
    assert (answer_of(attempt, question).score, answer_of(attempt, question).correct, attempt.score) == (score, correct, score)


PAPER = ("single", "multiple", "true_false", "blank")


@pytest.mark.parametrize("pass_score, passed", [(1250, True), (1251, False)])
def test_attempt_score_is_the_exact_sum_and_the_pass_mark_is_inclusive(tree, people, kinds, trainee, submit, pass_score, passed):
    # given: single right 500, multiple 2 of 3 under "half" 250, true/false wrong 0, blank right 500
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds[k] for k in PAPER], multiple_rule="half", pass_score=pass_score)
    attempt = sit(trainee, exam, {
        kinds["single"]: RIGHT["single"], kinds["multiple"]: {"options": [0, 1]},
        kinds["true_false"]: {"value": False}, kinds["blank"]: RIGHT["blank"],
    })
    attempt = submit(attempt)
    assert [a.score for a in attempt.answers.order_by("position")] == [500, 250, 0, 500]
    assert (attempt.score, attempt.max_score, attempt.passed) == (1250, 2000, passed)


def test_without_the_commit_grading_is_not_run(exam, kinds, trainee, django_capture_on_commit_callbacks):
    attempt = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attempts.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.graded_at, len(callbacks)) == ("submitted", None, None, 1)
    assert not GradeEvent.objects.filter(attempt=attempt).exists()
    assert not Answer.objects.filter(attempt=attempt, score__isnull=False).exists()


def test_short_answer_waits_for_a_person_then_the_attempt_is_graded(exam, kinds, people, trainee, submit):
    # given every sample answered right, the short one too
    attempt = submit(sit(trainee, exam, {q: RIGHT[k] for k, q in kinds.items()}))
    short = answer_of(attempt, kinds["short"])
    # then the objective items are graded, the attempt waits for a person
    assert (attempt.status, attempt.score, attempt.passed) == ("review", None, None)
    assert (short.score, short.correct) == (None, None)
    assert Answer.objects.filter(attempt=attempt, score=500).count() == 4
    assert list(attempt.grade_events.values_list("kind", "score_before", "score_after")) == [("grade", None, None)]
    # when an organizer grades it 3.5 of 5
    grader.answer_review(actor=people["organizer_a"], answer_id=short.pk, score=350, comment="要点基本齐全")
    attempt.refresh_from_db()
    short.refresh_from_db()
    # then the attempt is final, and the review is recorded
    assert (short.score, short.correct, short.graded_by, short.comment) == (350, False, people["organizer_a"], "要点基本齐全")
    assert (attempt.status, attempt.score, attempt.passed) == ("graded", 2350, True)
    assert list(attempt.grade_events.values_list("kind", "score_before", "score_after", "actor")) == [
        ("grade", None, None, None), ("review", None, 2350, people["organizer_a"].pk),
    ]


@pytest.mark.parametrize("score", [-1, 501])
def test_review_score_out_of_range_is_refused(exam, kinds, people, trainee, submit, score):
    attempt = submit(sit(trainee, exam, {kinds["short"]: RIGHT["short"]}))
    short = answer_of(attempt, kinds["short"])
    with pytest.raises(ApplicationError) as refused:
        grader.answer_review(actor=people["organizer_a"], answer_id=short.pk, score=score)
    assert refused.value.code == "invalid" and "score" in refused.value.errors
    short.refresh_from_db()
    attempt.refresh_from_db()
    assert (short.score, short.graded_by, attempt.status, attempt.score) == (None, None, "review", None)
    assert list(attempt.grade_events.values_list("kind", flat=True)) == ["grade"]


def test_review_by_an_organizer_of_another_league_is_not_found(exam, kinds, people, trainee, submit):
    attempt = submit(sit(trainee, exam, {kinds["short"]: RIGHT["short"]}))
    short = answer_of(attempt, kinds["short"])
    with pytest.raises(ApplicationError) as refused:
        grader.answer_review(actor=people["organizer_b"], answer_id=short.pk, score=500)
    assert refused.value.code == "not_found"
    short.refresh_from_db()
    assert (short.score, short.graded_by) == (None, None)


def test_double_submit_and_double_grading_grade_once(tree, people, kinds, trainee, submit):
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds[k] for k in PAPER])
    attempt = sit(trainee, exam, {kinds["single"]: RIGHT["single"]})
    attempt = submit(attempt)
    first = (attempt.submitted_at, attempt.graded_at)
    attempt = submit(attempt)  # a double tap
    grader.attempt_grade(attempt_id=attempt.pk)  # a redelivered task, twice
    grader.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert (attempt.submitted_at, attempt.graded_at) == first
    assert list(attempt.grade_events.values_list("kind", "score_after")) == [("grade", 500)]


def test_one_grading_task_grades_a_batch_of_submitted_attempts_and_the_others_find_nothing(tree, people, kinds, settings):
    settings.EXAMS_GRADING_BATCH = 3
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds["single"], kinds["true_false"]], pass_score=500)
    sat = []
    for n in range(4):
        attempt = sit(trainee_at(tree["town_a"], f"batch{n}"), exam, {kinds["single"]: RIGHT["single"]} if n % 2 else {})
        attempts.attempt_submit(attempt=attempt)  # no on-commit capture: the tasks are run by hand below
        sat.append(attempt)
    # The last one's task runs first: it takes its own attempt and the two oldest others.
    assert grader.attempts_grade(attempt_id=sat[3].pk) == 3
    statuses = dict(Attempt.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in sat] == ["graded", "graded", "submitted", "graded"]
    # A task whose attempt was graded in another's batch does nothing; sat[2]'s own task grades it.
    assert [grader.attempts_grade(attempt_id=a.pk) for a in sat] == [0, 0, 1, 0]
    assert {a.pk: (a.score, a.grade_events.count()) for a in Attempt.objects.all()} == {
        sat[0].pk: (0, 1), sat[1].pk: (500, 1), sat[2].pk: (0, 1), sat[3].pk: (500, 1),
    }


@pytest.fixture
def graded_three(tree, people, kinds, submit):
    """Three trainees' graded attempts on the single-choice question (key A) and true/false."""
    exam = make_exam(tree["league_a"], people["organizer_a"], [kinds["single"], kinds["true_false"]], pass_score=500)
    result = {}
    for name, option in (("picked_a", 0), ("picked_b", 1), ("picked_c", 2)):
        user = trainee_at(tree["town_a"], name)
        result[name] = submit(sit(user, exam, {kinds["single"]: {"options": [option]}, kinds["true_false"]: {"value": True}}))
    return result


def test_correcting_a_key_regrades_every_affected_attempt(tree, people, kinds, submit, graded_three, django_capture_on_commit_callbacks):
    # given an unrelated attempt on another exam without the question
    other_exam = make_exam(tree["league_a"], people["organizer_a"], [kinds["true_false"]], pass_score=500, title="另一场")
    other = submit(sit(trainee_at(tree["town_a"], "elsewhere"), other_exam, {kinds["true_false"]: {"value": True}}))
    version = kinds["single"].current
    assert [a.score for a in graded_three.values()] == [1000, 500, 500]
    # when the key is corrected from A to B, without the commit first
    with django_capture_on_commit_callbacks(execute=False) as pending:
        count = questions.question_correct_key(actor=people["organizer_a"], version=version, key={"options": [1]}, reason="答案应为B")
    assert count == 3 and len(pending) == 1
    assert not GradeEvent.objects.filter(kind="regrade").exists()  # enqueued after commit, not before
    pending[0]()
    # then those who picked B gain, those who picked A lose, C is untouched
    now = {name: Attempt.objects.get(pk=a.pk) for name, a in graded_three.items()}
    assert {name: (a.score, a.passed) for name, a in now.items()} == {
        "picked_a": (500, True), "picked_b": (1000, True), "picked_c": (500, True),
    }
    events = GradeEvent.objects.filter(kind="regrade").order_by("attempt_id")
    assert [(e.attempt_id, e.score_before, e.score_after, e.actor_id, e.reason) for e in events] == [
        (graded_three["picked_a"].pk, 1000, 500, people["organizer_a"].pk, "答案应为B"),
        (graded_three["picked_b"].pk, 500, 1000, people["organizer_a"].pk, "答案应为B"),
    ]
    assert answer_of(now["picked_b"], kinds["single"]).correct is True
    # and the version's history keeps the old key
    assert [h.key for h in QuestionVersion.objects.get(pk=version.pk).history.order_by("history_id")] == [
        {"options": [0]}, {"options": [1]},
    ]
    assert version.history.latest("history_id").history_change_reason == "答案应为B"
    other.refresh_from_db()
    assert (other.score, list(other.grade_events.values_list("kind", flat=True))) == (500, ["grade"])


def test_correcting_to_the_same_key_changes_nothing(people, kinds, graded_three, django_capture_on_commit_callbacks):
    version = kinds["single"].current
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = questions.question_correct_key(actor=people["organizer_a"], version=version, key={"options": [0]}, reason="复核")
    assert (count, callbacks, version.history.count()) == (0, [], 1)
    assert [Attempt.objects.get(pk=a.pk).score for a in graded_three.values()] == [1000, 500, 500]


def test_editing_a_used_question_makes_a_new_version(tree, people, kinds, trainee, submit):
    question = kinds["single"]
    exam = make_exam(tree["league_a"], people["organizer_a"], [question], pass_score=500)
    attempt = sit(trainee, exam, {question: {"options": [0]}})
    old = question.current
    # when the stem and the key are edited while the attempt holds version 1
    questions.question_update(actor=people["organizer_a"], question=question, stem="修改后的题干？", key={"options": [1]})
    question.refresh_from_db()
    assert (question.current.number, question.current.stem, question.current.key, question.versions.count()) == (
        2, "修改后的题干？", {"options": [1]}, 2,
    )
    # then the attempt keeps version 1 and is graded against its key
    kept = answer_of(attempt, question).version
    assert (kept.pk, kept.number, kept.stem, kept.key) == (old.pk, 1, old.stem, {"options": [0]})
    assert submit(attempt).score == 500


def test_editing_an_unused_question_edits_in_place(exam, kinds, people):
    question = kinds["single"]
    old = question.current
    questions.question_update(actor=people["organizer_a"], question=question, stem="修改后的题干？")
    question.refresh_from_db()
    assert (question.current.pk, question.current.number, question.current.stem, question.versions.count()) == (old.pk, 1, "修改后的题干？", 1)


def test_a_regrade_while_a_person_has_not_graded_yet_counts_in_the_final_score(exam, kinds, people, trainee, submit, django_capture_on_commit_callbacks):
    # given an attempt in review, its single-choice answer B graded 0 against key A
    attempt = submit(sit(trainee, exam, {kinds["single"]: {"options": [1]}, kinds["short"]: RIGHT["short"]}))
    assert (attempt.status, answer_of(attempt, kinds["single"]).score) == ("review", 0)
    # when the key is corrected to B
    with django_capture_on_commit_callbacks(execute=True):
        questions.question_correct_key(actor=people["organizer_a"], version=kinds["single"].current, key={"options": [1]}, reason="更正")
    # then the answer is regraded but the attempt, still without a total, has no regrade event
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, answer_of(attempt, kinds["single"]).score) == ("review", None, 500)
    assert list(attempt.grade_events.values_list("kind", flat=True)) == ["grade"]
    # and the person's grade completes a total that includes it
    grader.answer_review(actor=people["organizer_a"], answer_id=answer_of(attempt, kinds["short"]).pk, score=100)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == ("graded", 600)
