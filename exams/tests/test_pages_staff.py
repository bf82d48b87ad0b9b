"""The organizers' exam pages through Django's test client: banks, the question editor, imports,
exam setup, grading and statistics; scope (another league's records are a 404) and query counts."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.helpers import read_xlsx, upload
from exams import questions, setup
from exams.grading import grader
from exams.models import Answer, Attempt, Exam, ExamItem, ExamRule, GradeEvent, Question, QuestionBank

from .conftest import RIGHT, make_bank, make_exam, sit, trainee_at
from .test_importers_excel import row, xlsx

pytestmark = pytest.mark.django_db

AIKEN = Path("/work/shared/fixtures/moodle/questions.aiken.txt")


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions below read the English interface."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def count_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


def exam_form_data(org, **changes) -> dict:
    now = timezone.localtime()
    data = {
        "title": "民族团结知识测试", "organization": org.pk, "description": "", "mode": "exam", "seconds_per_question": "0",
        "opens_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "30",
        "attempts_allowed": "1", "counting": "highest", "pass_score": "6", "multiple_rule": "all_or_nothing",
        "release": "immediately", "max_leaves": "0", "training_class": "", "audience_organization": "",
    }
    data.update(changes)
    return data


def graded_attempt(user, exam, submit, responses=None):
    return submit(sit(user, exam, responses or {}))


# --- every page renders for its organizer, and is a 404 for another league's ------------------


def test_every_page_renders_with_its_content_for_the_organizer(client, tree, people, bank, exam):
    the_bank, made = bank
    login(client, people["organizer_a"])
    pages = {
        reverse("bank-index"): [the_bank.title, "5 questions"],
        reverse("bank-detail", args=[the_bank.pk]): ["“三个离不开”", "Fill in the blank", "v1", "Export GIFT"],
        reverse("question-new", args=[the_bank.pk]): ["Option A", "Right answer"],
        reverse("question-edit", args=[made[1].pk]): ["以下哪些属于“五个认同”的内容？", "对中华文化的认同", "Correct the key"],
        reverse("bank-import", args=[the_bank.pk]): ["Upload and check", "Download the template"],
        reverse("exam-index"): [exam.title, "5 questions, 25 points", "0 attempts"],
        reverse("exam-new"): ["Seconds per question", "Audience: a class"],
        reverse("exam-page", args=[exam.pk]): [exam.title, "5 questions, 25 points", "Nobody has started this exam yet."],
        reverse("exam-grading", args=[exam.pk]): ["Nothing waiting"],
        reverse("exam-statistics", args=[exam.pk]): ["No graded attempts yet"],
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for words in expected:
            assert words in text(response), (url, words)
    assert client.get(reverse("bank-template"))["Content-Type"].startswith("application/vnd.openxmlformats")


def test_another_leagues_banks_and_exams_are_not_found(client, people, bank, exam):
    the_bank, made = bank
    login(client, people["organizer_b"])
    for url in [
        reverse("bank-detail", args=[the_bank.pk]), reverse("bank-import", args=[the_bank.pk]),
        reverse("question-new", args=[the_bank.pk]), reverse("question-edit", args=[made[0].pk]),
        reverse("bank-export", args=[the_bank.pk, "xlsx"]), reverse("exam-page", args=[exam.pk]),
        reverse("exam-grading", args=[exam.pk]), reverse("exam-statistics", args=[exam.pk]),
        reverse("exam-statistics-xlsx", args=[exam.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("question-page-archive", args=[made[0].pk])).status_code == 404
    assert client.post(reverse("exam-page", args=[exam.pk]), {"action": "publish"}).status_code == 404
    assert the_bank.title not in text(client.get(reverse("bank-index")))
    assert exam.title not in text(client.get(reverse("exam-index")))


def test_a_trainee_has_no_staff_pages(client, people, bank, exam):
    login(client, people["trainee_a"])
    assert client.get(reverse("bank-index")).status_code == 403
    assert client.get(reverse("exam-index")).status_code == 403
    assert client.get(reverse("exam-page", args=[exam.pk])).status_code == 404


def test_an_auditor_sees_the_exam_and_its_attempts_but_changes_nothing(client, people, exam):
    login(client, people["auditor_a"])
    page = text(client.get(reverse("exam-page", args=[exam.pk])))
    assert exam.title in page and "data-attempts" not in page and "Nobody has started" in page
    assert 'name="action" value="settings"' not in page and "data-publish" not in page
    assert client.get(reverse("exam-grading", args=[exam.pk])).status_code == 403
    assert client.post(reverse("exam-page", args=[exam.pk]), {"action": "release"}).status_code == 403
    assert client.get(reverse("exam-statistics", args=[exam.pk])).status_code == 200


# --- banks and questions ----------------------------------------------------------------------


def test_the_bank_list_has_an_empty_state_and_creates_a_bank(client, tree, people):
    login(client, people["organizer_a"])
    assert "No question banks yet" in text(client.get(reverse("bank-index")))

    response = client.post(reverse("bank-index"), {"organization": tree["banner_a"].pk, "title": "旗题库", "description": ""})

    bank = QuestionBank.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("bank-detail", args=[bank.pk])
    assert (bank.title, bank.organization, bank.created_by) == ("旗题库", tree["banner_a"], people["organizer_a"])
    refused = client.post(reverse("bank-index"), {"organization": tree["league_b"].pk, "title": "越界"})
    assert refused.status_code == 200 and "Select a valid choice" in text(refused)
    assert QuestionBank.objects.count() == 1


QUESTION_POSTS = {
    "single": ({"option_0": "汉族", "option_1": "少数民族", "option_2": "", "option_3": "", "answer": "1"}, {"options": [1]}, ["汉族", "少数民族"]),
    "multiple": ({"option_0": "甲", "option_1": "乙", "option_2": "丙", "option_3": "丁", "option_4": "戊", "answer": ["0", "4"]},
                 {"options": [0, 4]}, ["甲", "乙", "丙", "丁", "戊"]),
    "true_false": ({"answer": "false"}, {"value": False}, []),
    "blank": ({"answer": "交往|来往\n交融｜融合"}, {"blanks": [["交往", "来往"], ["交融", "融合"]]}, []),
    "short": ({"answer": "维护国家统一。"}, {"reference": "维护国家统一。"}, []),
}


@pytest.mark.parametrize("kind", list(QUESTION_POSTS))
def test_a_question_of_each_kind_is_written_in_the_editor(client, people, bank, kind):
    the_bank, _made = bank
    login(client, people["organizer_a"])
    extra, key, options = QUESTION_POSTS[kind]
    stem = "促进各民族____，像____一样紧紧抱在一起。" if kind == "blank" else f"{kind}：新写的一道题"
    data = {"kind": kind, "stem": stem, "analysis": "解析", "difficulty": "4", "points": "2.5", "tags": "民族团结、五个认同", **extra}

    response = client.post(reverse("question-new", args=[the_bank.pk]), data)

    question = Question.objects.select_related("current").get(bank=the_bank, current__stem=stem)
    assert response.status_code == 302 and response["Location"] == reverse("question-edit", args=[question.pk])
    assert (question.kind, question.difficulty, question.points) == (kind, 4, 250)
    assert (question.current.key, question.current.options, question.current.analysis) == (key, options, "解析")
    assert sorted(t.name for t in question.tags.all()) == ["五个认同", "民族团结"]
    assert kind in text(client.get(reverse("bank-detail", args=[the_bank.pk])))


def test_a_question_is_linked_to_sections_of_the_library(client, tree, people, bank):
    from courses.tests.conftest import make_document

    the_bank, _made = bank
    document = make_document(tree["league_a"], people["organizer_a"], "学习材料", [("一、", "五个认同", "增强“五个认同”。")])
    other = make_document(tree["league_b"], people["organizer_b"], "乙市材料", [("一、", "乙市要求", "乙市。")])
    section = document.current_version.sections.get()
    login(client, people["organizer_a"])
    page = text(client.get(reverse("question-new", args=[the_bank.pk]) + "?kind=true_false"))
    assert "一、五个认同" in page and "乙市要求" not in page

    client.post(reverse("question-new", args=[the_bank.pk]), {
        "kind": "true_false", "stem": "五个认同包括对中华文化的认同。", "answer": "true", "difficulty": "3", "points": "1",
        "knowledge_points": [section.pk],
    })

    question = Question.objects.get(current__stem="五个认同包括对中华文化的认同。")
    assert list(question.knowledge_points.all()) == [section]
    refused = client.post(reverse("question-new", args=[the_bank.pk]), {
        "kind": "true_false", "stem": "越界的知识点", "answer": "true", "difficulty": "3", "points": "1",
        "knowledge_points": [other.current_version.sections.get().pk],
    })
    assert refused.status_code == 400 and not Question.objects.filter(current__stem="越界的知识点").exists()


def test_the_editor_shows_problems_next_to_their_fields_and_saves_nothing(client, people, bank):
    the_bank, _made = bank
    login(client, people["organizer_a"])
    before = Question.objects.count()

    unmarked = client.post(reverse("question-new", args=[the_bank.pk]), {
        "kind": "single", "stem": "没有标出答案", "option_0": "甲", "option_1": "乙", "difficulty": "3", "points": "1",
    })
    assert unmarked.status_code == 400 and "Mark the right option." in text(unmarked)

    mismatch = client.post(reverse("question-new", args=[the_bank.pk]), {
        "kind": "blank", "stem": "两个空：____和____。", "answer": "甲", "difficulty": "3", "points": "1.234",
    })
    page = text(mismatch)
    assert "Points take at most two decimals" in page

    service = client.post(reverse("question-new", args=[the_bank.pk]), {
        "kind": "multiple", "stem": "选项中间空了一个", "option_0": "甲", "option_1": "", "option_2": "丙",
        "answer": ["0", "2"], "difficulty": "3", "points": "1",
    })
    page = text(service)
    assert service.status_code == 400
    # The service's message sits in option B's row.
    assert re.search(r'name="option_1"[^>]*>\s*(<button[^>]*>[^<]*</button>\s*)?<ul class="field__errors option-row__errors"><li>The option is empty.', page)
    assert Question.objects.count() == before


def test_an_edit_changes_the_version_in_place_until_an_attempt_holds_it(client, people, bank, exam, kinds, submit):
    login(client, people["organizer_a"])
    single = kinds["single"]
    url = reverse("question-edit", args=[single.pk])
    data = {
        "stem": "改过的题干", "option_0": "各少数民族之间也相互离不开", "option_1": "各地区之间相互离不开",
        "option_2": "城乡之间相互离不开", "answer": "0", "difficulty": "2", "points": "5", "tags": "",
    }

    response = client.post(url, data, follow=True)
    single.refresh_from_db()
    assert (single.current.number, single.current.stem, single.difficulty) == (1, "改过的题干", 2)
    assert "Question saved." in text(response)

    graded_attempt(people["trainee_a"], exam, submit, {single: RIGHT["single"]})
    response = client.post(url, {**data, "stem": "再改一次"}, follow=True)

    single.refresh_from_db()
    assert single.versions.count() == 2 and single.current.number == 2 and single.current.stem == "再改一次"
    assert "Saved as version 2: attempts already held version 1" in text(response)
    assert Answer.objects.get(question=single).version.stem == "改过的题干"


def test_correcting_the_key_regrades_the_attempts_and_says_how_many(client, people, exam, kinds, submit, django_capture_on_commit_callbacks):
    single = kinds["single"]
    attempt = graded_attempt(people["trainee_a"], exam, submit, {single: {"options": [1]}})
    short = Answer.objects.get(attempt=attempt, question=kinds["short"])
    grader.answer_review(actor=people["organizer_a"], answer_id=short.pk, score=0)
    assert Answer.objects.get(attempt=attempt, question=single).score == 0
    login(client, people["organizer_a"])
    url = reverse("question-page-correct-key", args=[single.pk])

    missing_reason = client.post(url, {"key-answer": "1", "key-reason": ""})
    assert missing_reason.status_code == 400 and "Say why the key is corrected." in text(missing_reason)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"key-answer": "1", "key-reason": "答案录入有误"}, follow=True)

    assert "The key is corrected: 1 attempt will be regraded." in text(response)
    single.current.refresh_from_db()
    assert single.current.key == {"options": [1]}
    assert Answer.objects.get(attempt=attempt, question=single).score == 500
    assert GradeEvent.objects.filter(attempt=attempt, kind=GradeEvent.Kind.REGRADE).count() == 1


def test_archiving_and_putting_back_a_question(client, people, bank):
    the_bank, made = bank
    login(client, people["organizer_a"])
    url = reverse("question-page-archive", args=[made[0].pk])

    response = client.post(url, {"archived": "1"}, follow=True)
    made[0].refresh_from_db()
    assert made[0].archived and "The question is archived" in text(response)
    archived_list = text(client.get(reverse("bank-detail", args=[the_bank.pk]) + "?state=archived"))
    assert "1 question" in archived_list and "Put back in use" in archived_list

    client.post(url, {"archived": "0"})
    made[0].refresh_from_db()
    assert not made[0].archived


def test_the_question_list_filters_by_kind_difficulty_tag_and_words(client, people, bank):
    the_bank, made = bank
    questions.question_update(actor=people["organizer_a"], question=made[2], tags=["主线"], difficulty=5)
    login(client, people["organizer_a"])
    url = reverse("bank-detail", args=[the_bank.pk])

    for query, expected in [("kind=multiple", made[1]), ("difficulty=5", made[2]), ("tag=主线", made[2]), ("q=交往交流", made[3])]:
        page = text(client.get(f"{url}?{query}"))
        assert "1 question<" in page, query
        assert f'data-question="{expected.pk}"' in page, query


def test_exports_are_files_of_the_banks_questions(client, people, bank):
    the_bank, _made = bank
    login(client, people["organizer_a"])
    excel = client.get(reverse("bank-export", args=[the_bank.pk, "xlsx"]))
    assert excel.status_code == 200 and any("以下哪些属于“五个认同”的内容？" in str(r) for r in read_xlsx(excel.content))
    gift = client.get(reverse("bank-export", args=[the_bank.pk, "gift"]))
    assert gift.status_code == 200 and "铸牢中华民族共同体意识是新时代党的民族工作的主线" in gift.content.decode()


# --- imports ----------------------------------------------------------------------------------


def test_importing_the_moodle_aiken_file_previews_then_imports_on_confirm(client, people, tree):
    bank = questions.bank_create(actor=people["organizer_a"], organization=tree["league_a"], title="Moodle")
    login(client, people["organizer_a"])
    url = reverse("bank-import", args=[bank.pk])

    preview = client.post(url, {"step": "preview", "file": upload("questions.aiken.txt", AIKEN.read_bytes())})

    page = text(preview)
    assert preview.status_code == 200 and bank.questions.count() == 0
    assert "The Moodle project was started by:" in page and "Confirm and import 2 questions" in page
    assert "data-confirm-import disabled" not in page
    content = re.search(r'name="content" value="([^"]+)"', page).group(1)

    done = client.post(url, {"step": "confirm", "file_name": "questions.aiken.txt", "file_format": "", "content": content}, follow=True)

    assert "2 questions imported." in text(done)
    imported = list(bank.questions.select_related("current").order_by("id"))
    assert [q.kind for q in imported] == ["single", "single"]  # Aiken has no true-or-false type
    assert imported[0].current.key == {"options": [1]}


def test_an_excel_file_with_a_bad_row_shows_the_row_and_imports_nothing(client, people, bank):
    the_bank, _made = bank
    login(client, people["organizer_a"])
    before = the_bank.questions.count()
    content = xlsx([
        row("单选", "一道好题", ["甲", "乙"], "A"),
        row("单选", "答案越界", ["甲", "乙"], "D"),
    ])

    preview = client.post(reverse("bank-import", args=[the_bank.pk]), {"step": "preview", "file": upload("题目.xlsx", content)})

    page = text(preview)
    assert preview.status_code == 400
    assert "Row 4: 答案: The answer D names an option that is not filled in." in page
    assert "data-confirm-import disabled" in page and "data-error-sheet" in page
    encoded = re.search(r'name="content" value="([^"]+)"', page).group(1)
    confirm = client.post(reverse("bank-import", args=[the_bank.pk]), {"step": "confirm", "file_name": "题目.xlsx", "content": encoded})
    assert confirm.status_code == 400 and the_bank.questions.count() == before

    sheet = client.post(reverse("bank-import-errors", args=[the_bank.pk]), {"file_name": "题目.xlsx", "content": encoded})
    assert sheet.status_code == 200
    assert any("not filled in" in str(cell) for r in read_xlsx(sheet.content) for cell in r)


def test_an_unreadable_upload_is_refused_with_its_reason(client, people, bank):
    the_bank, _made = bank
    login(client, people["organizer_a"])
    response = client.post(reverse("bank-import", args=[the_bank.pk]), {"step": "preview", "file": upload("题目.pdf", b"%PDF")})
    assert response.status_code == 400 and "Say which format the file is in" in text(response)


# --- exams ------------------------------------------------------------------------------------


def test_an_exam_is_created_given_a_fixed_paper_and_published(client, tree, people, bank):
    _bank, made = bank
    login(client, people["organizer_a"])

    response = client.post(reverse("exam-new"), exam_form_data(tree["league_a"]))

    exam = Exam.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exam-page", args=[exam.pk])
    assert (exam.status, exam.pass_score, exam.audience_organization) == (Exam.Status.DRAFT, 600, tree["league_a"])
    url = reverse("exam-page", args=[exam.pk])
    assert "The paper has no questions yet." in text(client.post(url, {"action": "publish"}, follow=True))

    picked = {"action": "items", "question": [made[0].pk, made[2].pk], f"points_{made[0].pk}": "3", f"points_{made[2].pk}": ""}
    saved = client.post(url, picked, follow=True)

    assert "The paper is saved: 2 questions." in text(saved)
    assert list(ExamItem.objects.filter(exam=exam).values_list("question_id", "points")) == [(made[0].pk, 300), (made[2].pk, 500)]
    published = client.post(url, {"action": "publish"}, follow=True)
    exam.refresh_from_db()
    assert exam.status == Exam.Status.PUBLISHED and "The exam is published" in text(published)
    assert "2 questions, 8 points" in text(published)


def test_exam_settings_refused_by_the_rules_are_shown_on_their_field(client, tree, people, exam):
    login(client, people["organizer_a"])
    bad = client.post(reverse("exam-new"), exam_form_data(tree["league_a"], mode="exam", challenge="on", seconds_per_question="10"))
    assert bad.status_code == 400 and "A challenge run is a kind of knowledge contest" in text(bad)

    url = reverse("exam-page", args=[exam.pk])
    changed = client.post(url, {**exam_form_data(tree["league_a"], title="改名的测试", max_leaves="3"), "action": "settings"}, follow=True)
    exam.refresh_from_db()
    assert (exam.title, exam.max_leaves) == ("改名的测试", 3) and "Settings saved." in text(changed)
    assert Exam.objects.count() == 1


def test_random_rules_short_of_stock_name_the_figures_and_save_nothing(client, tree, people, bank):
    the_bank, _made = bank
    exam = setup.exam_create(actor=people["organizer_a"], organization=tree["league_a"], title="随机", opens_at=timezone.now(),
                             closes_at=timezone.now() + timedelta(days=1))
    login(client, people["organizer_a"])
    rules = {
        "action": "rules", "rules-TOTAL_FORMS": "2", "rules-INITIAL_FORMS": "0",
        "rules-0-bank": the_bank.pk, "rules-0-kind": "single", "rules-0-count": "5", "rules-0-points": "2",
        "rules-1-bank": "", "rules-1-kind": "single", "rules-1-count": "",
    }

    response = client.post(reverse("exam-page", args=[exam.pk]), rules)

    page = text(response)
    assert response.status_code == 400
    assert f"Rule 1: the bank “{the_bank.title}” holds 1 matching question(s), fewer than the 5 to draw." in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert not ExamRule.objects.filter(exam=exam).exists()

    ok = client.post(reverse("exam-page", args=[exam.pk]), {**rules, "rules-0-count": "1"}, follow=True)
    assert "The rules are saved" in text(ok)
    assert list(ExamRule.objects.filter(exam=exam).values_list("count", "points")) == [(1, 200)]


def test_an_open_answer_is_graded_from_the_queue(client, people, exam, kinds, submit):
    attempt = graded_attempt(people["trainee_a"], exam, submit, {k: RIGHT[kind] for kind, k in kinds.items()})
    assert attempt.status == Attempt.Status.REVIEW
    login(client, people["organizer_a"])
    url = reverse("exam-grading", args=[exam.pk])
    page = text(client.get(url))
    assert "1 answer left" in page and "维护国家统一和民族团结，促进各民族共同团结奋斗。" in page and "Score (0 to 5)" in page
    answer = Answer.objects.get(attempt=attempt, question=kinds["short"])

    too_much = client.post(url, {"answer": answer.pk, "score": "6", "comment": ""})
    assert too_much.status_code == 400 and "The score must be between 0 and 5" in text(too_much)

    done = client.post(url, {"answer": answer.pk, "score": "4.5", "comment": "要点齐全"}, follow=True)
    again = client.post(url, {"answer": answer.pk, "score": "1", "comment": ""}, follow=True)
    assert "That answer was graded in the meantime." in text(again)

    assert "Nothing waiting" in text(done)
    attempt.refresh_from_db()
    answer.refresh_from_db()
    assert (answer.score, answer.comment, answer.graded_by) == (450, "要点齐全", people["organizer_a"])
    assert (attempt.status, attempt.score) == (Attempt.Status.GRADED, 2450)


def test_the_statistics_page_and_its_workbook(client, tree, people, exam, kinds, submit):
    for n in range(3):
        attempt = graded_attempt(trainee_at(tree["town_a"], f"t{n}"), exam, submit, {kinds["single"]: RIGHT["single"]})
        answer = Answer.objects.get(attempt=attempt, question=kinds["short"])
        grader.answer_review(actor=people["organizer_a"], answer_id=answer.pk, score=100 * n)
    login(client, people["organizer_a"])

    page = text(client.get(reverse("exam-statistics", args=[exam.pk])))
    assert "Score distribution" in page and "甲盟一旗" in page and 'data-participants>3<' in page
    assert "bars__bar" in page

    filtered = text(client.get(reverse("exam-statistics", args=[exam.pk]) + f"?organization={tree['banner_a'].pk}"))
    assert "data-participants>3<" in filtered
    workbook = client.get(reverse("exam-statistics-xlsx", args=[exam.pk]))
    assert workbook.status_code == 200 and ["参考人数", 3] in read_xlsx(workbook.content)


def test_a_manual_release_is_done_from_the_exam_page(client, tree, people, bank):
    exam = make_exam(tree["league_a"], people["organizer_a"], bank[1], release=Exam.Release.MANUAL)
    login(client, people["organizer_a"])
    response = client.post(reverse("exam-page", args=[exam.pk]), {"action": "release"}, follow=True)
    exam.refresh_from_db()
    assert exam.released_at is not None and "Results and keys are released" in text(response)


# --- query counts -----------------------------------------------------------------------------


def test_lists_take_the_same_queries_for_1_and_10_rows(client, tree, people, submit):
    organizer = people["organizer_a"]
    login(client, organizer)
    bank, made = make_bank(tree["league_a"], organizer, samples=[("single", "第1题", ["甲", "乙"], {"options": [0]}, "")])
    exam = make_exam(tree["league_a"], organizer, made + [
        questions.question_create(actor=organizer, bank=bank, kind="short", stem="简述", key={"reference": "要点"}, points=500)
    ])
    short = exam.items.order_by("position").last().question

    def add_attempts(n, start):
        for i in range(start, start + n):
            submit(sit(trainee_at(tree["town_a"], f"q{i}"), exam, {short: {"text": f"回答{i}"}}))

    def add_rows(n, start):
        for i in range(start, start + n):
            questions.bank_create(actor=organizer, organization=tree["league_a"], title=f"题库{i}")
            questions.question_create(actor=organizer, bank=bank, kind="single", stem=f"新题{i}", options=["甲", "乙"],
                                      key={"options": [0]}, tags=[f"标签{i}"])
            make_exam(tree["league_a"], organizer, made, title=f"测试{i}", pass_score=100)
        add_attempts(n, start)

    urls = [
        reverse("bank-index"), reverse("bank-detail", args=[bank.pk]), reverse("exam-index"),
        reverse("exam-page", args=[exam.pk]), reverse("exam-grading", args=[exam.pk]),
    ]
    add_attempts(1, 0)
    few = [count_queries(client, url)[0] for url in urls]
    add_rows(9, 1)
    for url, before in zip(urls, few, strict=True):
        many, sql = count_queries(client, url)
        assert many == before, url + "\n" + "\n".join(sql)
    assert "10 answers left" in text(client.get(urls[-1]))
    assert "10 attempts" in text(client.get(urls[3]))
