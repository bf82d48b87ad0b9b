"""Per-exam statistics (exams.statistics) over a small exam whose every figure is known.

Eight trainees in two banners of league A sit a 4-question paper (single, multiple, true/false,
blank; 5 points each, pass mark 12 of 20), options shuffled:

    trainee  organization  single  multiple   t/f    blank  score  minutes
    a1       banner A      [0] ✓   [0,1,2] ✓  T ✓   交融 ✓  20     3
    a2       banner A      [0] ✓   [0,1,2] ✓  T ✓   交流 ✗  15     7.5   (second sitting; the first scored 5)
    a3       township A    [0] ✓   [0,1] ✗    T ✓   交流 ✗  10     12
    a4       township A    [2] ✗   [0,3] ✗    F ✗   交流 ✗   0     2
    b1       banner A2     [0] ✓   [0,1,2] ✓  T ✓   交融 ✓  20     9
    b2       banner A2     [0] ✓   [0,3] ✗    T ✓   —        10     14
    b3       banner A2     [1] ✗   [1,2,3] ✗  T ✓   —         5     20
    b4       banner A2     —       —          —     —         0     1

A ninth trainee (banner A) has an attempt in progress.
"""
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Organization, Role
from accounts.tests.conftest import person
from accounts.tests.factories import make_org
from exams.attempts import answer_save, attempt_start, attempt_submit
from exams.models import Answer, Attempt
from exams.statistics import (
    OptionCount,
    OrganizationPassRate,
    ScoreBand,
    TimeBand,
    exam_statistics,
    statistics_workbook,
)

from .conftest import SAMPLES, make_bank, make_exam

D = Decimal
RIGHT = {"single": {"options": [0]}, "multiple": {"options": [0, 1, 2]}, "true_false": {"value": True}, "blank": {"blanks": ["交融"]}}


def sit(capture, user, exam, responses: dict, minutes=None):
    """One graded attempt with these responses by kind (a kind left out is left blank)."""
    attempt = attempt_start(user=user, exam=exam)
    for answer in attempt.answers.select_related("question"):
        if answer.question.kind in responses:
            answer_save(user=user, attempt_id=attempt.pk, question_id=answer.question_id, response=responses[answer.question.kind], seq=1)
    with capture(execute=True):
        attempt_submit(attempt=attempt)
    if minutes is not None:
        Attempt.objects.filter(pk=attempt.pk).update(submitted_at=F("started_at") + timedelta(minutes=minutes))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    return attempt


@pytest.fixture
def scene(tree, people, django_capture_on_commit_callbacks):
    banner_a2 = make_org("甲盟二旗", "NM-A-2", Organization.Kind.BANNER_COUNTY, Organization.objects.get(pk=tree["league_a"].pk))
    _bank, made = make_bank(tree["league_a"], people["organizer_a"], samples=SAMPLES[:4])
    exam = make_exam(tree["league_a"], people["organizer_a"], made, pass_score=1200, shuffle_options=True, attempts_allowed=2)
    orgs = {"a1": "banner_a", "a2": "banner_a", "a3": "town_a", "a4": "town_a"}
    users = {name: person(tree[org], Role.Kind.TRAINEE, username=name) for name, org in orgs.items()}
    users |= {name: person(banner_a2, Role.Kind.TRAINEE, username=name) for name in ("b1", "b2", "b3", "b4")}
    wrong_blank = {"blanks": ["交流"]}
    capture = django_capture_on_commit_callbacks
    first_try = {"single": {"options": [0]}, "multiple": {"options": [3]}, "true_false": {"value": False}, "blank": wrong_blank}
    first = sit(capture, users["a2"], exam, first_try, 4)
    sitting = {
        "a1": (dict(RIGHT), 3),
        "a2": (RIGHT | {"blank": wrong_blank}, 7.5),
        "a3": (RIGHT | {"multiple": {"options": [0, 1]}, "blank": wrong_blank}, 12),
        "a4": ({"single": {"options": [2]}, "multiple": {"options": [0, 3]}, "true_false": {"value": False}, "blank": wrong_blank}, 2),
        "b1": (dict(RIGHT), 9),
        "b2": ({"single": {"options": [0]}, "multiple": {"options": [0, 3]}, "true_false": {"value": True}}, 14),
        "b3": ({"single": {"options": [1]}, "multiple": {"options": [1, 2, 3]}, "true_false": {"value": True}}, 20),
        "b4": ({}, 1),
    }
    attempts = {name: sit(capture, users[name], exam, responses, minutes) for name, (responses, minutes) in sitting.items()}
    attempt_start(user=person(tree["banner_a"], Role.Kind.TRAINEE, username="a9"), exam=exam)
    return {"exam": exam, "made": made, "attempts": attempts, "first": first, "banner_a2": banner_a2}


def question(stats, kind):
    return next(q for q in stats.questions if q.kind == kind)


def test_scores_match_the_table(scene):
    assert [a.score for a in scene["attempts"].values()] == [2000, 1500, 1000, 0, 2000, 1000, 500, 0]
    assert scene["first"].score == 500


def test_summary_counts_each_trainee_once_by_the_counted_attempt(scene):
    stats = exam_statistics(exam=scene["exam"])

    assert (stats.participants, stats.attempts_total, stats.in_review) == (8, 10, 0)
    # a2's counted attempt is the higher second one (15), not the first (5)
    assert (stats.score_mean, stats.score_median, stats.score_min, stats.score_max) == (D("10.00"), D("10.00"), D("0.00"), D("20.00"))
    assert (stats.full_marks, stats.pass_score) == (D("20.00"), D("12.00"))
    assert (stats.passed, stats.pass_rate) == (3, D("37.5"))


def test_score_distribution_in_tenths_of_the_max_with_the_top_band_inclusive(scene):
    stats = exam_statistics(exam=scene["exam"])

    assert stats.score_bands == [
        ScoreBand(0, 10, 2), ScoreBand(10, 20, 0), ScoreBand(20, 30, 1), ScoreBand(30, 40, 0), ScoreBand(40, 50, 0),
        ScoreBand(50, 60, 2), ScoreBand(60, 70, 0), ScoreBand(70, 80, 1), ScoreBand(80, 90, 0), ScoreBand(90, 100, 2),
    ]


def test_pass_rate_by_banner_rolls_townships_up(scene, tree):
    stats = exam_statistics(exam=scene["exam"])

    assert stats.organizations == [
        OrganizationPassRate(tree["banner_a"].pk, "甲盟一旗", participants=4, passed=2, pass_rate=D("50.0")),
        OrganizationPassRate(scene["banner_a2"].pk, "甲盟二旗", participants=4, passed=1, pass_rate=D("25.0")),
    ]


def test_questions_in_paper_order_with_difficulty(scene):
    stats = exam_statistics(exam=scene["exam"])

    assert [q.question_id for q in stats.questions] == [q.pk for q in scene["made"]]
    assert [q.number for q in stats.questions] == [1, 2, 3, 4]
    single = question(stats, "single")
    assert single.stem == SAMPLES[0][1][:60]
    assert (single.presented, single.answered, single.unanswered, single.correct) == (8, 7, 1, 5)
    # 5 of 8 is 0.625: half up to 0.63
    assert [q.difficulty for q in stats.questions] == [D("0.63"), D("0.38"), D("0.75"), D("0.25")]


def test_discrimination_compares_the_top_and_bottom_27_percent(scene):
    stats = exam_statistics(exam=scene["exam"])

    # ceil(0.27 × 8) = 3: top a1, b1, a2; bottom b3, a4, b4.
    # The blank only high scorers got right: 2/3 − 0 = 0.67; the t/f b3 also got right: 1 − 1/3.
    assert [q.discrimination for q in stats.questions] == [D("1.00"), D("1.00"), D("0.67"), D("0.67")]
    assert question(stats, "blank").discrimination > 0


def test_option_counts_by_original_index_with_shuffled_options(scene):
    # Options were shown shuffled (the chance that all 16 choice items kept their order is nil);
    # responses name original indexes, so the counts do not depend on what a trainee saw.
    orders = Answer.objects.filter(attempt__exam=scene["exam"], question__kind__in=["single", "multiple"]).values_list("option_order", flat=True)
    assert any(order != sorted(order) for order in orders)
    stats = exam_statistics(exam=scene["exam"])

    single = question(stats, "single")
    assert single.options == [
        OptionCount(0, "A", SAMPLES[0][2][0], is_key=True, chosen=5),
        OptionCount(1, "B", SAMPLES[0][2][1], is_key=False, chosen=1),
        OptionCount(2, "C", SAMPLES[0][2][2], is_key=False, chosen=1),
    ]
    multiple = question(stats, "multiple")
    assert [(o.letter, o.is_key, o.chosen) for o in multiple.options] == [("A", True, 6), ("B", True, 5), ("C", True, 4), ("D", False, 3)]
    assert multiple.unanswered == 1
    true_false = question(stats, "true_false")
    # a2's first attempt (false) is not counted
    assert (true_false.chose_true, true_false.chose_false, true_false.unanswered, true_false.true_is_key) == (6, 1, 1, True)
    assert true_false.options == [] and question(stats, "blank").chose_true is None


def test_time_taken(scene):
    stats = exam_statistics(exam=scene["exam"])

    # 1, 2, 3, 7.5, 9, 12, 14, 20 minutes: median (7.5 + 9) / 2 = 8.25 → 8.3; p90 the 8th of 8
    assert (stats.time_taken.median_minutes, stats.time_taken.p90_minutes) == (D("8.3"), D("20.0"))
    assert stats.time_taken.bands == [TimeBand(0, 5, 3), TimeBand(5, 10, 2), TimeBand(10, 15, 2), TimeBand(15, 20, 0), TimeBand(20, 25, 1)]


def test_organization_filter_narrows_to_the_subtree(scene, tree):
    stats = exam_statistics(exam=scene["exam"], organization=tree["banner_a"])

    assert (stats.organization_id, stats.organization_name) == (tree["banner_a"].pk, "甲盟一旗")
    assert (stats.participants, stats.attempts_total, stats.passed, stats.pass_rate) == (4, 6, 2, D("50.0"))
    assert (stats.score_mean, stats.score_max) == (D("11.25"), D("20.00"))
    # Within a banner's view the rows are the banner itself and its townships.
    assert stats.organizations == [
        OrganizationPassRate(tree["banner_a"].pk, "甲盟一旗", participants=2, passed=2, pass_rate=D("100.0")),
        OrganizationPassRate(tree["town_a"].pk, "甲盟一旗一镇", participants=2, passed=0, pass_rate=D("0.0")),
    ]
    assert question(stats, "single").options[0].chosen == 3
    # 4 participants: groups of ceil(1.08) = 2, a1 and a2 against a3 and a4
    assert [q.discrimination for q in stats.questions] == [D("0.50"), D("1.00"), D("0.50"), D("0.50")]

    other = exam_statistics(exam=scene["exam"], organization=tree["league_b"])
    assert (other.participants, other.attempts_total, other.organizations, other.questions) == (0, 0, [], [])
    assert (other.score_mean, other.pass_rate, other.time_taken.bands) == (None, None, [])


def test_discrimination_needs_four_participants(tree, people, django_capture_on_commit_callbacks):
    _bank, made = make_bank(tree["league_a"], people["organizer_a"], samples=SAMPLES[:1])
    exam = make_exam(tree["league_a"], people["organizer_a"], made, pass_score=300)
    for name in ("x1", "x2", "x3"):
        sit(django_capture_on_commit_callbacks, person(tree["banner_a"], Role.Kind.TRAINEE, username=name), exam, RIGHT)

    stats = exam_statistics(exam=exam)

    assert (stats.participants, stats.questions[0].difficulty, stats.questions[0].discrimination) == (3, D("1.00"), None)


def test_workbook_has_the_five_sheets_and_the_figures(scene):
    stats = exam_statistics(exam=scene["exam"])

    book = load_workbook(BytesIO(statistics_workbook(stats)))

    assert book.sheetnames == ["概况", "分数分布", "单位通过率", "试题分析", "用时"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert (summary["参考人数"], summary["作答次数"], summary["通过人数"]) == (8, 10, 3)
    assert (summary["通过率（%）"], summary["平均分"], summary["用时中位数（分钟）"]) == (37.5, 10, 8.3)
    assert [row for row in book["分数分布"].iter_rows(min_row=2, values_only=True)][9] == ("[90%, 100%]", 2, 25)
    assert list(book["单位通过率"].iter_rows(min_row=2, values_only=True)) == [("甲盟一旗", 4, 2, 50), ("甲盟二旗", 4, 1, 25)]
    questions = book["试题分析"]
    headers = [cell.value for cell in questions[1]]
    assert headers[:3] == ["序号", "题型", "题干"] and "选D人数" in headers
    single = dict(zip(headers, [cell.value for cell in questions[2]]))
    figures = ("题型", "难度（得分率）", "区分度", "答案", "选A人数", "选C人数")
    assert tuple(single[header] for header in figures) == ("单选题", 0.63, 1, "A", 5, 1)
    assert single["选D人数"] is None
    true_false = dict(zip(headers, [cell.value for cell in questions[4]]))
    assert (true_false["答案"], true_false["判“对”人数"], true_false["判“错”人数"]) == ("对", 6, 1)
    assert list(book["用时"].iter_rows(min_row=2, values_only=True))[0] == ("0–5", 3, 37.5)
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)


def _graded_exam(tree, people, capture, count: int):
    _bank, made = make_bank(tree["league_a"], people["organizer_a"], title=f"题库{count}", samples=SAMPLES[:4])
    exam = make_exam(tree["league_a"], people["organizer_a"], made, title=f"考试{count}")
    for i in range(count):
        org = tree["town_a"] if i % 2 else tree["league_a"]
        sit(capture, person(org, Role.Kind.TRAINEE, username=f"q{count}-{i}"), exam, RIGHT if i % 3 else {"single": {"options": [1]}})
    return exam


def test_query_count_does_not_grow_with_participants(tree, people, django_capture_on_commit_callbacks):
    small = _graded_exam(tree, people, django_capture_on_commit_callbacks, 2)
    large = _graded_exam(tree, people, django_capture_on_commit_callbacks, 10)

    counts = []
    for exam in (small, large):
        exam = type(exam).objects.get(pk=exam.pk)
        with CaptureQueriesContext(connection) as queries:
            stats = exam_statistics(exam=exam)
        counts.append(len(queries))
        assert stats.participants == (2 if exam == small else 10)

    # the exam's organization, the attempts, the organizations, the answers, the versions
    assert counts == [5, 5], [q["sql"] for q in queries.captured_queries]
