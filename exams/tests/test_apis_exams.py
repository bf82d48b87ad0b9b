"""The exams API over HTTP: taking an exam, keys kept back until release, other people's attempts,
imports of the real Moodle files, and list query counts."""
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.tests.conftest import person
from exams import attempts
from exams.models import Attempt, Exam, Question

from .conftest import RIGHT, SAMPLES, make_bank, make_exam

pytestmark = pytest.mark.django_db
MOODLE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "moodle"


def as_user(api_client, user):
    api_client.force_authenticate(User.objects.get(pk=user.pk))
    return api_client


def secrets(bank_questions) -> list[str]:
    """Texts that must not reach a trainee before release: every analysis, the blank's key, the reference."""
    found = []
    for question in bank_questions:
        version = question.current
        found.append(version.analysis)
        if "blanks" in version.key:
            found += [alt for alts in version.key["blanks"] for alt in alts]
        if "reference" in version.key:
            found.append(version.key["reference"])
    return found


def test_a_trainee_takes_an_exam_and_nothing_leaks_a_key_before_release(api_client, tree, people, bank, django_capture_on_commit_callbacks):
    organizer, trainee = people["organizer_a"], people["trainee_a"]
    exam = make_exam(tree["league_a"], organizer, bank[1], release=Exam.Release.MANUAL)
    client = as_user(api_client, trainee)
    bodies = []

    def call(method, url, data=None):
        response = getattr(client, method)(url, data, format="json")
        bodies.append(response.content.decode())
        return response

    assert call("get", "/api/v1/exams/").status_code == 200
    started = call("post", f"/api/v1/exams/{exam.pk}/start/")
    assert started.status_code == 201
    attempt_id = started.json()["id"]
    paper = call("get", f"/api/v1/attempts/{attempt_id}/").json()
    assert [q["kind"] for q in paper["questions"]] == ["single", "multiple", "true_false", "blank", "short"]
    assert "key" not in paper["questions"][0] and paper["questions"][3]["blanks"] == 1
    answers = {"single": {"options": [0]}, "multiple": {"options": [0, 1]}, "true_false": {"value": True},
               "blank": {"blanks": ["交汇"]}, "short": {"text": "我的理解"}}  # the blank is wrong: its key must not echo back
    for seq, item in enumerate(paper["questions"], start=1):
        saved = call("put", f"/api/v1/attempts/{attempt_id}/answers/{item['question']}/", {"response": answers[item["kind"]], "seq": seq})
        assert saved.status_code == 200 and saved.json() == {"stored": True, "seq": seq}
    with django_capture_on_commit_callbacks(execute=True):
        submitted = call("post", f"/api/v1/attempts/{attempt_id}/submit/")
    assert submitted.status_code == 200 and submitted.json()["score"] is None  # manual release: not yet
    after = call("get", f"/api/v1/attempts/{attempt_id}/").json()
    assert after["status"] == "review" and after["score"] is None and "key" not in after["questions"][0]
    call("get", f"/api/v1/exams/{exam.pk}/attempts/")
    call("get", "/api/v1/mistakes/")

    leaked = [s for s in secrets(bank[1]) if any(s in body for body in bodies)]
    assert leaked == [], f"keys or analyses reached the trainee before release: {leaked}"

    # The organizer grades the open answer and releases: now the trainee sees score and keys.
    as_user(api_client, organizer)
    queue = api_client.get(f"/api/v1/exams/{exam.pk}/review-queue/").json()["results"]
    assert [row["response"] for row in queue] == ["我的理解"]
    graded = api_client.post(f"/api/v1/answers/{queue[0]['answer']}/review/", {"score": "4", "comment": "要点齐全"}, format="json")
    assert graded.json()["attempt_status"] == "graded"
    assert api_client.post(f"/api/v1/exams/{exam.pk}/release/").status_code == 200
    as_user(api_client, trainee)
    released = api_client.get(f"/api/v1/attempts/{attempt_id}/").json()
    # 5 + 0 (multiple half-answered, all or nothing) + 5 + 0 (wrong blank) + 4
    assert released["score"] == "14" and released["passed"] is True
    assert released["questions"][3]["key"] == {"blanks": [["交融"]]}
    assert released["questions"][0]["analysis"] == SAMPLES[0][4]


def test_another_trainees_attempt_does_not_exist(api_client, tree, people, exam):
    owner, other = people["trainee_a"], person(tree["town_a"], "trainee", username="neighbour")
    attempt = attempts.attempt_start(user=owner, exam=exam)
    question = attempt.answers.first().question_id
    client = as_user(api_client, other)
    assert client.get(f"/api/v1/attempts/{attempt.pk}/").status_code == 404
    assert client.put(f"/api/v1/attempts/{attempt.pk}/answers/{question}/", {"response": {"options": [0]}, "seq": 1}, format="json").status_code == 404
    assert client.post(f"/api/v1/attempts/{attempt.pk}/submit/").status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and not attempt.answers.filter(seq__gt=0).exists()
    # An organizer of another league cannot read it either; the exam's own organizer can, whole.
    assert as_user(api_client, people["organizer_b"]).get(f"/api/v1/attempts/{attempt.pk}/").status_code == 404
    whole = as_user(api_client, people["organizer_a"]).get(f"/api/v1/attempts/{attempt.pk}/").json()
    assert whole["questions"][0]["key"] == {"options": [0]}


def test_a_late_save_is_refused_with_the_deadline_named(api_client, tree, people, exam, django_capture_on_commit_callbacks):
    trainee = people["trainee_a"]
    attempt = attempts.attempt_start(user=trainee, exam=exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    question = attempt.answers.first().question_id
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(api_client, trainee).put(
            f"/api/v1/attempts/{attempt.pk}/answers/{question}/", {"response": {"options": [0]}, "seq": 1}, format="json"
        )
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.REVIEW and attempt.submitted_by == "deadline"
    assert attempt.answers.get(question_id=question).response is None


def test_the_gift_file_previews_names_the_unsupported_and_imports_nothing_until_clean(api_client, tree, people):
    bank, _made = make_bank(tree["league_a"], people["organizer_a"], samples=[])
    client = as_user(api_client, people["organizer_a"])
    with open(MOODLE / "questions.gift.txt", "rb") as handle:
        response = client.post("/api/v1/questions/import/", {"bank": bank.pk, "file": handle, "dry_run": "false"}, format="multipart")
    body = response.json()
    assert response.status_code == 200 and body["imported"] == 0 and body["ok"] is False
    assert [(u["position"], u["line"]) for u in body["unsupported"]] == [(2, 5), (5, 31)]
    assert {q["kind"] for q in body["questions"]} == {"short", "single", "multiple", "blank", "true_false"}
    assert not Question.objects.filter(bank=bank).exists()


def test_an_aiken_file_with_broken_blocks_imports_nothing_and_names_their_lines(api_client, tree, people):
    bank, _made = make_bank(tree["league_a"], people["organizer_a"], samples=[])
    client = as_user(api_client, people["organizer_a"])
    with open(MOODLE / "aiken_errors.txt", "rb") as handle:
        body = client.post("/api/v1/questions/import/", {"bank": bank.pk, "file": handle, "dry_run": "false", "format": "aiken"}, format="multipart").json()
    assert sorted({e["line"] for e in body["errors"]}) == [1, 5, 14] and body["imported"] == 0
    assert not Question.objects.filter(bank=bank).exists()
    with open(MOODLE / "questions.aiken.txt", "rb") as handle:
        body = client.post("/api/v1/questions/import/", {"bank": bank.pk, "file": handle, "dry_run": "false", "format": "aiken"}, format="multipart").json()
    assert body["imported"] == 2 and Question.objects.filter(bank=bank).count() == 2
    # The same file again: both stems are flagged as duplicates and skipped.
    with open(MOODLE / "questions.aiken.txt", "rb") as handle:
        body = client.post("/api/v1/questions/import/", {"bank": bank.pk, "file": handle, "dry_run": "false", "format": "aiken"}, format="multipart").json()
    assert body["duplicates"] == 2 and body["imported"] == 0 and Question.objects.filter(bank=bank).count() == 2


def test_the_template_downloads_and_an_export_round_trips(api_client, tree, people, bank):
    client = as_user(api_client, people["organizer_a"])
    template = client.get("/api/v1/questions/template/")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")
    exported = client.get(f"/api/v1/question-banks/{bank[0].pk}/export/?file_format=excel")
    assert exported.status_code == 200
    other, _made = make_bank(tree["league_a"], people["organizer_a"], title="副本", samples=[])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bank.xlsx", exported.content)
    body = client.post("/api/v1/questions/import/", {"bank": other.pk, "file": upload, "dry_run": "false"}, format="multipart").json()
    assert body["errors"] == [] and body["imported"] == 5
    assert sorted(Question.objects.filter(bank=other).values_list("kind", flat=True)) == sorted(k for k, *_rest in SAMPLES)
    gift = client.get(f"/api/v1/question-banks/{bank[0].pk}/export/?file_format=gift")
    from exams.importers import parse_gift

    back = parse_gift(gift.content.decode())
    assert gift.status_code == 200 and back.errors == [] and [q.kind for q in back.questions] == [k for k, *_rest in SAMPLES]


def test_banks_and_exams_outside_the_subtree_do_not_exist(api_client, tree, people, bank, exam):
    client = as_user(api_client, people["organizer_b"])
    assert client.get(f"/api/v1/question-banks/{bank[0].pk}/").status_code == 404
    assert client.get(f"/api/v1/exams/{exam.pk}/").status_code == 404
    assert client.get(f"/api/v1/questions/{bank[1][0].pk}/").status_code == 404
    assert as_user(api_client, people["trainee_b"]).post(f"/api/v1/exams/{exam.pk}/start/").status_code == 404
    assert not Attempt.objects.exists()


# --- query counts ----------------------------------------------------------------------------


def count_queries(api_client, user, url):
    client = as_user(api_client, user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), json.loads(response.content)


def grow(tree, people, n):
    organizer = people["organizer_a"]
    bank, made = make_bank(tree["league_a"], organizer, title=f"题库{n}", samples=SAMPLES * n)
    for i in range(n):
        make_exam(tree["league_a"], organizer, made[:2], title=f"测试{n}-{i}")
        trainee = person(tree["town_a"], "trainee", username=f"t{n}-{i}")
        exam = Exam.objects.filter(title=f"测试{n}-{i}").get()
        attempt = attempts.attempt_start(user=trainee, exam=exam)
        attempts.attempt_submit(attempt=attempt)
    return bank


@pytest.mark.parametrize("url, role", [
    ("/api/v1/question-banks/", "organizer_a"),
    ("/api/v1/questions/?page_size=100", "organizer_a"),
    ("/api/v1/exams/", "organizer_a"),
    ("/api/v1/exams/", "trainee_a"),
])
def test_list_queries_do_not_grow_with_rows(api_client, tree, people, url, role):
    grow(tree, people, 1)
    few, body_few = count_queries(api_client, people[role], url)
    grow(tree, people, 6)
    many, body_many = count_queries(api_client, people[role], url)
    assert body_many["count"] > body_few["count"]
    assert few == many


def test_attempt_and_review_lists_do_not_grow_with_rows(api_client, tree, people, bank, exam):
    organizer = people["organizer_a"]

    def sit(n):
        for i in range(n):
            trainee = person(tree["town_a"], "trainee", username=f"s{Attempt.objects.count()}-{i}")
            attempts.attempt_submit(attempt=attempts.attempt_start(user=trainee, exam=exam))
        from exams.grading import grader

        for attempt in Attempt.objects.filter(status="submitted"):
            grader.attempt_grade(attempt_id=attempt.pk)

    sit(1)
    few = [count_queries(api_client, organizer, f"/api/v1/exams/{exam.pk}/{what}/")[0] for what in ("attempts", "review-queue")]
    sit(8)
    many = [count_queries(api_client, organizer, f"/api/v1/exams/{exam.pk}/{what}/")[0] for what in ("attempts", "review-queue")]
    assert few == many


def test_statistics_come_as_json_with_exact_figures_and_as_a_workbook(api_client, tree, people, bank, django_capture_on_commit_callbacks):
    organizer = people["organizer_a"]
    exam = make_exam(tree["league_a"], organizer, [q for q in bank[1] if q.kind != "short"], pass_score=1000)
    for n, right in enumerate((4, 2, 1)):
        trainee = person(tree["town_a"], "trainee", username=f"stat{n}")
        attempt = attempts.attempt_start(user=trainee, exam=exam)
        for answer in attempt.answers.order_by("position")[:right]:
            attempts.answer_save(user=trainee, attempt_id=attempt.pk, question_id=answer.question_id, response=RIGHT[answer.question.kind], seq=1)
        with django_capture_on_commit_callbacks(execute=True):
            attempts.attempt_submit(attempt=attempt)
    client = as_user(api_client, organizer)
    body = client.get(f"/api/v1/exams/{exam.pk}/statistics/").json()
    # 20, 10 and 5 of 20 points; a pass is 10: two of three.
    assert body["participants"] == 3 and body["passed"] == 2 and body["pass_rate"] == "66.7"
    assert body["score_max"] == "20.00" and body["score_min"] == "5.00"
    workbook = client.get(f"/api/v1/exams/{exam.pk}/statistics/?file_format=xlsx")
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_user(api_client, people["organizer_b"]).get(f"/api/v1/exams/{exam.pk}/statistics/").status_code == 404


def test_the_wrong_answer_book_and_the_leaderboard_do_not_grow_with_rows(api_client, tree, people, django_capture_on_commit_callbacks):
    organizer, trainee = people["organizer_a"], people["trainee_a"]

    def sit_wrong(n):
        """`n` new questions answered wrong by trainee_a (the book grows), and `n` contest entrants."""
        _bank, made = make_bank(tree["league_a"], organizer, title=f"错题{n}", samples=[SAMPLES[2]] * n)
        exam = make_exam(tree["league_a"], organizer, made, title=f"竞赛{n}", mode="contest", pass_score=100)
        for i, who in enumerate([trainee] + [person(tree["town_a"], "trainee", username=f"c{n}-{i}") for i in range(n)]):
            attempt = attempts.attempt_start(user=who, exam=exam)
            with django_capture_on_commit_callbacks(execute=True):
                attempts.attempt_submit(attempt=attempt)
        practice = make_exam(tree["league_a"], organizer, made, title=f"练习{n}", pass_score=100)
        with django_capture_on_commit_callbacks(execute=True):
            attempts.attempt_submit(attempt=attempts.attempt_start(user=trainee, exam=practice))
        return exam

    first = sit_wrong(1)
    few = [count_queries(api_client, trainee, url)[0] for url in ("/api/v1/mistakes/", f"/api/v1/exams/{first.pk}/leaderboard/")]
    second = sit_wrong(7)
    many_book = count_queries(api_client, trainee, "/api/v1/mistakes/")
    many_board = count_queries(api_client, trainee, f"/api/v1/exams/{second.pk}/leaderboard/")
    assert many_book[1]["count"] == 8 and len(many_board[1]["results"]) == 8
    assert few == [many_book[0], many_board[0]]
