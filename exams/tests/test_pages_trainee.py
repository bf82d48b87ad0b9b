"""The trainee's exam pages through Django's test client: my exams (start, resume, refusals), the
exam page, the result page under each release policy (no key or analysis before release), the
wrong-answer book, the contest leaderboard, who gets a 404, and query counts."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exams import setup
from exams.models import Attempt, Exam, MistakeBookEntry

from .conftest import RIGHT, SAMPLES, expire, make_exam, make_pool, sit, trainee_at

pytestmark = pytest.mark.django_db

ANALYSES = [analysis for *_rest, analysis in SAMPLES]
# Key texts that appear nowhere else on a page: the blank's accepted answer and the short answer's reference.
KEY_TEXTS = ["交融", "维护国家统一和民族团结。"]


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions below read the English interface."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def leaks(html: str) -> list[str]:
    return [secret for secret in ANALYSES + KEY_TEXTS if secret in html]


def count_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


def objective(bank):
    """The sample bank's questions without the short answer (graded at once, no person needed)."""
    return [q for q in bank[1] if q.kind != "short"]


def all_right(bank):
    return {q: RIGHT[q.kind] for q in bank[1]}


# --- my exams ------------------------------------------------------------------------------------


def test_my_exams_lists_an_open_exam_with_its_window_and_a_start_button(client, tree, people, exam):
    html = text(login(client, people["trainee_a"]).get(reverse("my-exams")))
    assert exam.title in html
    card = re.search(rf'<li class="exam-card exam-card--open" data-exam="{exam.pk}">.*?</li>\s*$', html, re.S | re.M).group(0)
    assert 'data-exam-state="open"' in card and ">Open<" in card
    assert "Exam" in card and "30 minutes" in card and "Attempts: 0 of 1" in card
    assert timezone.localtime(exam.opens_at).strftime("%Y-%m-%d %H:%M") in card
    assert f'action="{reverse("my-exam-start", args=[exam.pk])}"' in card and "data-start" in card


def test_an_upcoming_exam_shows_when_it_opens_and_no_start_button(client, tree, people, bank):
    soon = make_exam(tree["league_a"], people["organizer_a"], bank[1], opens_in=timedelta(days=1), closes_in=timedelta(days=2), title="明日测试")
    html = text(login(client, people["trainee_a"]).get(reverse("my-exams")))
    assert 'data-exam-state="upcoming"' in html and "Not open yet" in html
    assert "Opens at " + timezone.localtime(soon.opens_at).strftime("%Y-%m-%d %H:%M") in html
    assert "data-start" not in html


def test_my_exams_is_empty_for_a_trainee_with_no_exams(client, people, exam):
    html = text(login(client, people["trainee_b"]).get(reverse("my-exams")))
    assert "data-empty" in html and "No exams for you yet." in html
    assert exam.title not in html


def test_my_exams_needs_a_sign_in(client, exam):
    response = client.get(reverse("my-exams"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_start_creates_an_attempt_and_a_second_start_resumes_it(client, people, exam):
    client = login(client, people["trainee_a"])
    response = client.post(reverse("my-exam-start", args=[exam.pk]))
    attempt = Attempt.objects.get(exam=exam, user=people["trainee_a"])
    assert response.status_code == 302 and response["Location"] == reverse("attempt-take", args=[attempt.pk])
    # The card now offers to resume it; resuming leads to the same attempt.
    html = text(client.get(reverse("my-exams")))
    assert "data-resume" in html and "In progress" in html and "Attempts: 1 of 1" in html
    assert client.post(reverse("my-exam-start", args=[exam.pk]))["Location"] == reverse("attempt-take", args=[attempt.pk])
    assert Attempt.objects.filter(exam=exam).count() == 1


def test_start_is_a_post_and_refused_to_outsiders(client, people, exam):
    assert login(client, people["trainee_a"]).get(reverse("my-exam-start", args=[exam.pk])).status_code == 405
    assert login(client, people["trainee_b"]).post(reverse("my-exam-start", args=[exam.pk])).status_code == 404
    assert not Attempt.objects.exists()


def test_no_attempts_left_is_shown_as_a_message(client, people, exam, submit):
    trainee = people["trainee_a"]
    submit(sit(trainee, exam, {}))
    client = login(client, trainee)
    html = text(client.get(reverse("my-exams")))
    assert "No attempts left." in html and "data-start" not in html
    response = client.post(reverse("my-exam-start", args=[exam.pk]), follow=True)
    assert response.redirect_chain == [(reverse("my-exams"), 302)]
    assert "You have used all 1 attempt(s) of this exam." in text(response)
    assert Attempt.objects.filter(exam=exam).count() == 1


def test_my_exams_shows_a_released_score_and_holds_back_one_not_released(client, tree, people, bank, submit):
    trainee, organizer = people["trainee_a"], people["organizer_a"]
    shown = make_exam(tree["league_a"], organizer, objective(bank), title="即时公布")
    held = make_exam(tree["league_a"], organizer, objective(bank), title="手动公布", release=Exam.Release.MANUAL)
    submit(sit(trainee, shown, {q: RIGHT[q.kind] for q in objective(bank)}))
    submit(sit(trainee, held, {q: RIGHT[q.kind] for q in objective(bank)}))
    html = text(login(client, trainee).get(reverse("my-exams")))
    assert html.count("data-attempt-score") == 1
    assert "20 of 20 points" in html and "Passed" in html
    assert "Results when the organizer releases them" in html


# --- the exam page ---------------------------------------------------------------------------------


def test_the_exam_page_in_progress_holds_no_question_key_or_analysis(client, people, exam):
    attempt = sit(people["trainee_a"], exam)
    html = text(login(client, people["trainee_a"]).get(reverse("attempt-take", args=[attempt.pk])))
    assert "data-exam-take" in html and f'data-api="/api/v1/attempts/{attempt.pk}/"' in html
    assert 'data-save-state="idle"' in html and "data-submit-dialog" in html
    assert "exam-take.js" in html and "css/exam.css" in html
    assert leaks(html) == []
    assert SAMPLES[0][1] not in html  # the paper comes from the API, not the page


def test_another_trainees_attempt_and_outsiders_get_404(client, tree, people, exam):
    attempt = sit(people["trainee_a"], exam)
    other = trainee_at(tree["town_a"], "neighbour")
    url = reverse("attempt-take", args=[attempt.pk])
    assert login(client, other).get(url).status_code == 404
    assert login(client, people["trainee_b"]).get(url).status_code == 404
    assert login(client, people["organizer_b"]).get(url).status_code == 404
    assert login(client, people["trainee_a"]).get(reverse("attempt-take", args=[attempt.pk + 999])).status_code == 404


def test_the_exams_organizer_sees_a_trainees_attempt_as_a_result(client, people, exam):
    attempt = sit(people["trainee_a"], exam, {})
    html = text(login(client, people["organizer_a"]).get(reverse("attempt-take", args=[attempt.pk])))
    assert "data-result" in html and "data-exam-take" not in html
    assert people["trainee_a"].display_name in html


def test_an_attempt_past_its_deadline_opens_as_submitted(client, people, exam):
    attempt = expire(sit(people["trainee_a"], exam))
    html = text(login(client, people["trainee_a"]).get(reverse("attempt-take", args=[attempt.pk])))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.submitted_by == Attempt.SubmittedBy.DEADLINE
    assert 'data-result-state="grading"' in html and "data-result-poll" in html
    assert "The time ran out" in html


# --- the result page ---------------------------------------------------------------------------------


def test_the_result_shows_no_key_or_analysis_before_release_and_both_after(client, tree, people, bank, submit):
    trainee, organizer = people["trainee_a"], people["organizer_a"]
    exam = make_exam(tree["league_a"], organizer, objective(bank), release=Exam.Release.MANUAL)
    single, multiple, tf, blank = objective(bank)
    attempt = submit(sit(trainee, exam, {single: {"options": [1]}, multiple: RIGHT["multiple"], tf: RIGHT["true_false"], blank: {"blanks": ["交汇"]}}))
    assert attempt.status == Attempt.Status.GRADED and attempt.score == 1000
    client = login(client, trainee)
    url = reverse("attempt-take", args=[attempt.pk])

    before = text(client.get(url))
    assert 'data-result-state="held"' in before and "when the organizer releases them" in before
    assert leaks(before) == []
    assert "data-key" not in before and "data-analysis" not in before and "data-score=" not in before
    assert "data-item-score" not in before and "question--wrong" not in before
    assert "交汇" in before  # the trainee's own answer is there
    assert "Answers and analyses are shown once the results are released." in before

    setup.exam_release(actor=organizer, exam=exam)
    after = text(client.get(url))
    assert 'data-score="10"' in after and "<strong>10</strong> / 20" in after and 'data-passed="true"' in after
    for analysis in ANALYSES[:4]:
        assert analysis in after
    assert "交融" in after
    assert after.count("question--wrong") == 2 and after.count("question--right") == 2
    assert after.count("data-key") == 4


def test_after_close_release_says_when_results_come(client, tree, people, bank, submit):
    trainee = people["trainee_a"]
    exam = make_exam(tree["league_a"], people["organizer_a"], objective(bank), release=Exam.Release.AFTER_CLOSE)
    attempt = submit(sit(trainee, exam, {q: RIGHT[q.kind] for q in objective(bank)}))
    html = text(login(client, trainee).get(reverse("attempt-take", args=[attempt.pk])))
    closes = timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M")
    assert f"Results will be shown after {closes}" in html
    assert not any(analysis in html for analysis in ANALYSES) and "data-key" not in html and "data-score=" not in html


def test_open_answers_awaiting_a_grader_are_said_so(client, people, exam, bank, submit):
    trainee = people["trainee_a"]
    attempt = submit(sit(trainee, exam, all_right(bank)))
    assert attempt.status == Attempt.Status.REVIEW
    html = text(login(client, trainee).get(reverse("attempt-take", args=[attempt.pk])))
    assert 'data-result-state="review"' in html and "once a grader has marked the open answers" in html
    assert "data-score=" not in html
    # Released at once: the keys of the paper are the trainee's to see, the open answer's reference too.
    assert all(analysis in html for analysis in ANALYSES)


# --- the wrong-answer book ------------------------------------------------------------------------------


def test_the_wrong_answer_book_lists_mistakes_with_keys_where_released(client, tree, people, bank, submit):
    trainee, organizer = people["trainee_a"], people["organizer_a"]
    single, multiple, tf, blank = objective(bank)
    shown = make_exam(tree["league_a"], organizer, [single, multiple], title="即时")
    held = make_exam(tree["league_a"], organizer, [tf, blank], title="手动", release=Exam.Release.MANUAL)
    submit(sit(trainee, shown, {single: {"options": [2]}, multiple: {"options": [3]}}))
    submit(sit(trainee, held, {tf: {"value": False}, blank: {"blanks": ["交汇"]}}))
    assert MistakeBookEntry.objects.filter(user=trainee).count() == 4

    html = text(login(client, trainee).get(reverse("my-mistakes")))
    assert html.count("data-mistake=") == 4
    assert all(stem in html for _k, stem, *_r in SAMPLES[:4])
    assert "Wrong 1 time" in html and "交汇" in html  # my last wrong answer
    assert ANALYSES[0] in html and ANALYSES[1] in html  # released at once
    assert ANALYSES[2] not in html and ANALYSES[3] not in html and "交融" not in html  # held back
    assert html.count("Shown once the exam") == 2
    # The practice script gets the questions, never the keys.
    data = re.search(r'<script id="practice-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert '"key"' not in data and "analysis" not in data


def test_the_wrong_answer_book_is_empty_at_first(client, people):
    html = text(login(client, people["trainee_a"]).get(reverse("my-mistakes")))
    assert "data-empty" in html and "Your wrong-answer book is empty." in html


# --- the leaderboard -------------------------------------------------------------------------------------


def test_the_contest_leaderboard_ranks_and_highlights_me(client, tree, people, bank, submit):
    organizer = people["organizer_a"]
    single, _multiple, tf, _blank = objective(bank)
    contest = make_exam(tree["league_a"], organizer, [single, tf], mode="contest", title="知识竞赛")
    me = people["trainee_a"]
    rival = trainee_at(tree["banner_a"], "rival")
    submit(sit(rival, contest, {single: RIGHT["single"], tf: RIGHT["true_false"]}))
    submit(sit(me, contest, {single: RIGHT["single"]}))
    html = text(login(client, me).get(reverse("exam-leaderboard", args=[contest.pk])))
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html.split("<tbody>")[1], re.S)
    assert len(rows) == 2
    assert rival.display_name in rows[0] and ">10<" in rows[0] and tree["banner_a"].name in rows[0]
    assert me.display_name in rows[1] and "data-me" in rows[1] and ">5<" in rows[1] and tree["town_a"].name in rows[1]
    # My unit only: the rival's banner is above my township, so I am alone.
    mine = text(client.get(reverse("exam-leaderboard", args=[contest.pk]) + "?unit=mine"))
    assert rival.display_name not in mine.split("<tbody>")[1] and "data-me" in mine


def test_the_leaderboard_is_404_to_outsiders_and_for_an_exam_that_is_no_contest(client, tree, people, bank, exam):
    contest = make_exam(tree["league_a"], people["organizer_a"], objective(bank), mode="contest", title="知识竞赛")
    assert login(client, people["trainee_b"]).get(reverse("exam-leaderboard", args=[contest.pk])).status_code == 404
    assert login(client, people["organizer_b"]).get(reverse("exam-leaderboard", args=[contest.pk])).status_code == 404
    assert login(client, people["organizer_a"]).get(reverse("exam-leaderboard", args=[contest.pk])).status_code == 200
    assert login(client, people["trainee_a"]).get(reverse("exam-leaderboard", args=[exam.pk])).status_code == 404
    html = text(client.get(reverse("exam-leaderboard", args=[contest.pk])))
    assert "data-empty" in html and "No graded entries yet." in html


# --- query counts ----------------------------------------------------------------------------------------


def test_my_exams_take_the_same_queries_for_1_and_20_exams(client, tree, people, bank, submit):
    trainee, organizer = people["trainee_a"], people["organizer_a"]
    login(client, trainee)

    def add(n, start):
        for i in range(n):
            exam = make_exam(tree["league_a"], organizer, objective(bank), title=f"测试{start + i}", attempts_allowed=2)
            submit(sit(trainee, exam, {}))
            sit(trainee, exam)  # and one in progress

    add(1, 0)
    closed = make_exam(tree["league_a"], organizer, objective(bank), title="已结束")
    submit(sit(trainee, closed, {}))
    Exam.objects.filter(pk=closed.pk).update(opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(days=2))
    few, _ = count_queries(client, reverse("my-exams"))
    add(19, 1)
    many, sql = count_queries(client, reverse("my-exams"))
    assert many == few, "\n".join(sql)
    html = text(client.get(reverse("my-exams")))
    assert html.count("data-resume") == 20 and html.count('data-exam-state="closed"') == 1


def test_my_mistakes_take_the_same_queries_for_1_and_30_entries(client, tree, people):
    trainee, organizer = people["trainee_a"], people["organizer_a"]
    _bank, pool = make_pool(tree["league_a"], organizer, [((), 3)] * 31)
    exam = make_exam(tree["league_a"], organizer, pool[:1], pass_score=100)
    attempt = sit(trainee, exam)
    login(client, trainee)

    def add(questions):
        for question in questions:
            MistakeBookEntry.objects.create(
                user=trainee, question=question, version=question.current, attempt=attempt if question.pk % 2 else None,
                last_response={"options": [1]}, last_wrong_at=timezone.now(),
            )

    add(pool[:1])
    few, _ = count_queries(client, reverse("my-mistakes"))
    add(pool[1:30])
    many, sql = count_queries(client, reverse("my-mistakes"))
    assert many == few, "\n".join(sql)
    assert text(client.get(reverse("my-mistakes"))).count("data-mistake=") == 30
