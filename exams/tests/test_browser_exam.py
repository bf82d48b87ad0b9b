"""Taking an exam on a phone in a real browser (Debian's chromium through Playwright), through a
spell without network.

The acceptance test: on a 375-px viewport a trainee starts a 10-question objective exam from My
exams, answers 4 questions online, loses the network, answers the other 6 (the page keeps them and
says how many), gets the network back (they are sent), submits through the confirmation dialog and
sees the score the policy shows, the same as the database's. A second test closes the page while
answers are still unsent and opens it again online: they are restored and sent with higher
sequence numbers. Then the other ways through the page: the countdown's warning and the turn into
the result at zero, page leaves past the maximum, practice feedback, a challenge run, and the
wrong-answer book's practice until a question is mastered. Screenshots go to /tmp/exam-*.png for a
person to look at."""
import json
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.tests.test_browser_library import no_sideways_scroll, sign_in
from exams import attempts
from exams.models import Answer, Attempt, MistakeBookEntry
from exams.serializers import points_text

from .conftest import make_bank, make_exam

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Ten objective questions: (kind, stem, options, key, analysis).
TEN = [
    ("single", "铸牢中华民族共同体意识是新时代党的民族工作的什么？", ["主线", "副线", "支线"], {"options": [0]}, "解析一：主线。"),
    ("single", "“三个离不开”不包括以下哪一项？", ["汉族离不开少数民族", "少数民族离不开汉族", "城市离不开农村"], {"options": [2]}, "解析二：城市离不开农村不在其中。"),
    ("multiple", "以下哪些属于“五个认同”？", ["伟大祖国", "中华民族", "中华文化", "某一地区"], {"options": [0, 1, 2]}, "解析三：不含地区认同。"),
    ("true_false", "各民族要像石榴籽一样紧紧抱在一起。", [], {"value": True}, "解析四：正确。"),
    ("single", "促进各民族交往交流交融的目的是什么？", ["增进共同性", "扩大差异性", "保持隔离"], {"options": [0]}, "解析五：增进共同性。"),
    ("blank", "中华民族是一个命运____。", [], {"blanks": [["共同体"]]}, "解析六：命运共同体。"),
    ("multiple", "民族团结进步创建进哪些地方？", ["机关", "企业", "社区", "只进学校"], {"options": [0, 1, 2]}, "解析七：全面进。"),
    ("true_false", "民族工作只是民族地区的事。", [], {"value": False}, "解析八：错误，是全党的事。"),
    ("blank", "构筑中华民族共有____家园。", [], {"blanks": [["精神"]]}, "解析九：共有精神家园。"),
    ("single", "推广国家通用语言文字是为了什么？", ["促进交流", "消灭方言", "增加负担"], {"options": [0]}, "解析十：促进交流。"),
]

# What the trainee answers, question by question: two are wrong (the 2nd and the 8th).
ANSWERS = [
    {"options": [0]},
    {"options": [1]},
    {"options": [0, 1, 2]},
    {"value": True},
    {"options": [0]},
    {"blanks": ["共同体"]},
    {"options": [0, 1, 2]},
    {"value": True},
    {"blanks": ["精神"]},
    {"options": [0]},
]


def ten_question_exam(tree, people):
    organizer = people["organizer_a"]
    _bank, made = make_bank(tree["league_a"], organizer, title="十题测试题库", samples=TEN, points=1000)
    exam = make_exam(tree["league_a"], organizer, made, title="铸牢意识理论测试", minutes=30, pass_score=6000)
    return exam, made


def answer(page, question, response):
    """Answer one question as a person would: tap the options, type the blanks."""
    item = f"li[data-question='{question.pk}']"
    if "options" in response:
        for option in response["options"]:
            page.check(f"{item} input[value='{option}']")
    elif "value" in response:
        page.check(f"{item} input[value='{'true' if response['value'] else 'false'}']")
    else:
        for index, text in enumerate(response["blanks"]):
            page.fill(f"{item} input[data-blank='{index}']", text)


def saved_responses(attempt) -> dict[int, dict | None]:
    return dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))


def wait_until(check, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_trainee_takes_a_ten_question_exam_on_a_phone_through_a_network_outage(live_server, tree, people, browser_page):
    base = live_server.url
    exam, questions = ten_question_exam(tree, people)
    trainee = people["trainee_a"]
    page = browser_page(width=375, height=800, mobile=True)
    context = page.context

    # My exams: the exam is open; start it.
    sign_in(page, base, "trainee_a")
    page.goto(f"{base}/my/exams/")
    page.wait_for_selector(f"[data-exam='{exam.pk}'] [data-exam-state='open']")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/exam-my-exams.png", full_page=True)
    page.click(f"[data-exam='{exam.pk}'] [data-start]")
    page.wait_for_url(re.compile(r".*/attempts/\d+/$"))
    attempt = Attempt.objects.get(exam=exam, user=trainee)
    assert page.url == f"{base}/attempts/{attempt.pk}/"
    page.wait_for_selector("[data-exam-take][data-ready]")
    assert page.locator("[data-questions] > li").count() == 10
    clock = page.text_content("[data-clock]")
    assert re.fullmatch(r"(29|30):\d\d", clock), clock
    no_sideways_scroll(page)

    # Four answers online: each is saved as it is given.
    for question, response in zip(questions[:4], ANSWERS[:4]):
        answer(page, question, response)
    page.wait_for_selector("[data-save-state='saved'][data-pending='0']")
    assert wait_until(lambda: sum(r is not None for r in saved_responses(attempt).values()) == 4)
    stored = saved_responses(attempt)
    assert [stored[q.pk] for q in questions[:4]] == ANSWERS[:4]
    page.screenshot(path="/tmp/exam-online.png", full_page=False)

    # The network goes away; six more answers are kept on the phone, and the page says so.
    context.set_offline(True)
    for question, response in zip(questions[4:], ANSWERS[4:]):
        answer(page, question, response)
    page.wait_for_selector("[data-save-state='offline'][data-pending='6']")
    assert "6" in page.text_content("[data-save-text]")
    page.wait_for_timeout(2500)  # a while offline: the retry timer fails, nothing is lost
    assert page.get_attribute("[data-save-state]", "data-pending") == "6"
    kept = json.loads(page.evaluate(f"localStorage.getItem('exam-attempt-{attempt.pk}')"))
    assert sorted(int(q) for q in kept["pending"]) == sorted(q.pk for q in questions[4:])
    assert kept["seq"] >= 10
    stored = saved_responses(attempt)
    assert [stored[q.pk] for q in questions[4:]] == [None] * 6
    assert [stored[q.pk] for q in questions[:4]] == ANSWERS[:4]
    page.screenshot(path="/tmp/exam-offline.png", full_page=False)

    # Back online: the six go out by themselves.
    context.set_offline(False)
    page.wait_for_selector("[data-save-state='saved'][data-pending='0']", timeout=20_000)
    assert wait_until(lambda: all(r is not None for r in saved_responses(attempt).values()))
    stored = saved_responses(attempt)
    assert [stored[q.pk] for q in questions] == ANSWERS
    seqs = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "seq"))
    assert all(seqs[q.pk] >= 1 for q in questions)
    assert len(set(seqs.values())) == 10  # one counter for the attempt: every save has its own number

    # Submit, through the confirmation.
    page.click("[data-submit]")
    page.wait_for_selector("[data-submit-dialog][open]")
    assert "10" in page.text_content("[data-unanswered]")
    page.screenshot(path="/tmp/exam-confirm.png", full_page=False)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS
    page.click("[data-confirm-submit]")
    page.wait_for_selector("[data-result] [data-score]")

    # The result: the score the database holds, graded at once, keys shown as the policy allows.
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.submitted_by == Attempt.SubmittedBy.TRAINEE
    assert attempt.score == 8000 and attempt.passed is True
    assert page.get_attribute("[data-score]", "data-score") == points_text(attempt.score) == "80"
    assert page.get_attribute("[data-passed]", "data-passed") == "true"
    assert page.locator(".question--wrong").count() == 2
    assert "解析二：城市离不开农村不在其中。" in page.text_content("[data-review]")
    assert page.evaluate(f"localStorage.getItem('exam-attempt-{attempt.pk}')") is None
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/exam-result.png", full_page=True)


def test_answers_kept_offline_survive_closing_the_page_and_go_out_with_higher_numbers(live_server, tree, people, browser_page):
    base = live_server.url
    exam, questions = ten_question_exam(tree, people)
    page = browser_page(width=375, height=800, mobile=True)
    context = page.context
    sign_in(page, base, "trainee_a")
    page.goto(f"{base}/my/exams/")
    page.click(f"[data-exam='{exam.pk}'] [data-start]")
    page.wait_for_selector("[data-exam-take][data-ready]")
    attempt = Attempt.objects.get(exam=exam)

    answer(page, questions[0], {"options": [1]})
    page.wait_for_selector("[data-save-state='saved'][data-pending='0']")
    assert wait_until(lambda: saved_responses(attempt)[questions[0].pk] == {"options": [1]})
    first_seq = Answer.objects.get(attempt=attempt, question=questions[0]).seq

    # Offline, the first answer changes and a blank is typed; then the page is closed.
    context.set_offline(True)
    answer(page, questions[0], {"options": [0]})
    answer(page, questions[5], {"blanks": ["共同体"]})
    page.wait_for_selector("[data-save-state='offline'][data-pending='2']")
    page.close()
    assert saved_responses(attempt)[questions[0].pk] == {"options": [1]}

    # Online again, the page opens with the kept answers and sends them.
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{base}/attempts/{attempt.pk}/")
    page.wait_for_selector("[data-exam-take][data-ready]")
    assert page.is_checked(f"li[data-question='{questions[0].pk}'] input[value='0']")
    assert page.input_value(f"li[data-question='{questions[5].pk}'] input[data-blank='0']") == "共同体"
    page.wait_for_selector("[data-save-state='saved'][data-pending='0']")
    assert wait_until(lambda: saved_responses(attempt)[questions[5].pk] == {"blanks": ["共同体"]})
    stored = Answer.objects.get(attempt=attempt, question=questions[0])
    assert stored.response == {"options": [0]} and stored.seq > first_seq


# --- the other ways through the exam page ------------------------------------------------------------


def start(page, base, exam):
    page.goto(f"{base}/my/exams/")
    page.click(f"[data-exam='{exam.pk}'] [data-start]")
    page.wait_for_selector("[data-exam-take][data-ready]")
    return Attempt.objects.get(exam=exam)


def test_the_countdown_warns_and_at_zero_the_page_turns_into_the_result(live_server, tree, people, browser_page):
    base = live_server.url
    exam, questions = ten_question_exam(tree, people)
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "trainee_a")
    attempt = start(page, base, exam)
    assert page.is_hidden("[data-time-warning]")
    # The server's deadline moves to a few seconds from now (as if the time had nearly run out).
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=4))
    page.reload()
    page.wait_for_selector("[data-exam-take][data-ready]")
    assert page.get_attribute("[data-time-warning]", "data-time-warning") == "1"
    assert re.fullmatch(r"0:0[1-4]", page.text_content("[data-clock]"))
    answer(page, questions[0], {"options": [0]})
    page.wait_for_selector("[data-save-state='saved'][data-pending='0']")
    page.wait_for_selector("[data-result]", timeout=15_000)
    assert page.url == f"{base}/attempts/{attempt.pk}/"
    attempt.refresh_from_db()
    assert attempt.submitted_by == Attempt.SubmittedBy.DEADLINE and attempt.status == Attempt.Status.GRADED
    assert attempt.score == 1000
    assert page.get_attribute("[data-score]", "data-score") == "10"


def test_leaving_the_page_is_recorded_and_past_the_maximum_submits(live_server, tree, people, browser_page):
    organizer = people["organizer_a"]
    _bank, made = make_bank(tree["league_a"], organizer, title="切屏测试", samples=TEN[:3], points=1000)
    exam = make_exam(tree["league_a"], organizer, made, title="切屏限制测试", max_leaves=1, pass_score=1000)
    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "trainee_a")
    attempt = start(page, base, exam)
    hide = """() => {
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
        Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
    }"""
    page.evaluate(hide)
    page.wait_for_selector("[data-leave-notice][data-leave-count='1']")
    assert "1" in page.text_content("[data-leave-notice]")
    assert Attempt.objects.get(pk=attempt.pk).leave_count == 1
    page.evaluate(hide)
    page.wait_for_selector("[data-result]")
    attempt.refresh_from_db()
    assert attempt.leave_count == 2 and attempt.submitted_by == Attempt.SubmittedBy.LEAVES


def test_practice_shows_feedback_after_each_answer(live_server, tree, people, browser_page):
    organizer = people["organizer_a"]
    _bank, made = make_bank(tree["league_a"], organizer, title="练习题库", samples=TEN[:3], points=1000)
    exam = make_exam(tree["league_a"], organizer, made, title="随堂练习", mode="practice")
    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "trainee_a")
    start(page, base, exam)
    first, second, third = (f"li[data-question='{q.pk}']" for q in made)
    # A single choice is checked as soon as it is given: wrong, with the key and the analysis.
    page.check(f"{second} input[value='0']")
    page.wait_for_selector(f"{second} [data-verdict='wrong']")
    assert "C" in page.text_content(f"{second} [data-feedback]") and "解析二" in page.text_content(f"{second} [data-feedback]")
    # A multiple choice waits for the Check button.
    for option in (0, 1, 2):
        page.check(f"{third} input[value='{option}']")
    assert page.is_hidden(f"{third} [data-feedback]")
    page.click(f"{third} [data-check]")
    page.wait_for_selector(f"{third} [data-verdict='right']")
    assert "解析三" in page.text_content(f"{third} [data-feedback]")
    assert page.is_hidden(f"{first} [data-feedback]")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/exam-practice.png", full_page=True)


def test_a_challenge_run_goes_one_question_at_a_time_and_ends_at_the_first_wrong_answer(live_server, tree, people, browser_page):
    organizer = people["organizer_a"]
    _bank, made = make_bank(tree["league_a"], organizer, title="挑战题库", samples=[TEN[0], TEN[1], TEN[4]], points=1000)
    exam = make_exam(tree["league_a"], organizer, made, title="挑战答题", mode="contest", challenge=True, seconds_per_question=30)
    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "trainee_a")
    attempt = start(page, base, exam)
    assert page.locator("[data-questions] > li").count() == 1
    assert page.get_attribute("[data-questions] > li", "data-question") == str(made[0].pk)
    assert re.fullmatch(r"\d+ 秒", page.text_content("[data-question-clock]").strip())
    page.check("[data-questions] input[value='0']")
    page.click("[data-confirm-answer]")
    page.wait_for_selector(f"[data-questions] > li[data-question='{made[1].pk}']")
    no_sideways_scroll(page)
    page.check("[data-questions] input[value='0']")  # wrong: the run ends
    page.click("[data-confirm-answer]")
    page.wait_for_selector("[data-result]")
    attempt.refresh_from_db()
    assert attempt.submitted_by == Attempt.SubmittedBy.CHALLENGE and attempt.score == 1000
    assert "挑战答题因答错而结束。" in page.text_content("[data-result]")


def test_the_wrong_answer_book_practice_masters_a_question(live_server, tree, people, browser_page):
    organizer, trainee = people["organizer_a"], people["trainee_a"]
    _bank, made = make_bank(tree["league_a"], organizer, title="错题题库", samples=TEN[:2], points=1000)
    exam = make_exam(tree["league_a"], organizer, made, title="错题来源", pass_score=1000)
    attempt = attempts.attempt_start(user=trainee, exam=exam)
    attempts.answer_save(user=trainee, attempt_id=attempt.pk, question_id=made[0].pk, response={"options": [2]}, seq=1)
    attempts.attempt_submit(attempt=attempt)  # graded after commit, here at once: both wrong
    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "trainee_a")
    page.goto(f"{base}/my/mistakes/")
    assert page.locator("[data-mistake]").count() == 2
    assert "解析一" in page.text_content("[data-mistake-list]")  # released at once
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/exam-mistakes.png", full_page=True)

    mastering, wrong_again = _entry(trainee, made[0]), _entry(trainee, made[1])
    for round_number in (1, 2):
        page.click("[data-practice-start]")
        for _ in range(2):
            shown = int(page.get_attribute("[data-practice-item]", "data-practice-item"))
            page.check("[data-practice-item] input[value='0']")  # right for the first question, wrong for the second
            page.click("[data-practice-check]")
            if shown == mastering:
                page.wait_for_selector("[data-practice-feedback] [data-verdict='right']")
                assert page.get_attribute("[data-streak]", "data-streak") == str(round_number)
                assert page.is_visible("[data-mastered]") == (round_number == 2)
                if round_number == 2:
                    page.screenshot(path="/tmp/exam-mistakes-practice.png", full_page=True)
            else:
                assert shown == wrong_again
                page.wait_for_selector("[data-practice-feedback] [data-verdict='wrong']")
                assert "C" in page.text_content("[data-practice-feedback]")  # the key, released at once
            page.click("[data-practice-next]")
        assert "1" in page.text_content("[data-practice-feedback]")  # 1 of 2 right
        with page.expect_navigation():
            page.click("[data-practice-stop]")
    page.wait_for_selector("[data-mistake]")
    assert page.locator("[data-mistake]").count() == 1  # the mastered one has left the book


def _entry(user, question) -> int:
    return MistakeBookEntry.objects.get(user=user, question=question).pk
