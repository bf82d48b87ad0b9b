"""The class-completion and rotation-coverage reports give the known answers in the API, the
workbook and the PDF, and nothing outside the caller's scope."""
import io
import re
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.test import TestCase
from django.utils import timezone

from courses.models import Attendance, Enrollment
from courses.tests.conftest import enroll, make_class

from .test_rollups import completed, dataset, people, person, session, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def get(api_client, user, url, **params):
    api_client.force_authenticate(user)
    return api_client.get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing: run scripts/install_system_deps.sh")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)


@pytest.fixture
def completion(dataset, people, tree):
    """The short class (sessions of 9.01 and 0.99 课时; t1 and t2 completed it, t3 did not): t1
    attended both and scored 1 point of 1 on its exam; t2 attended the 9.01; t3 nothing. Its
    certificates are issued to t1 and t2."""
    from certificates import services as certificates
    from certificates.tests.conftest import make_template
    from exams.attempts import attempt_submit
    from exams.tests.conftest import make_exam, make_pool, sit

    short = dataset["short"]
    t1, t2, t3 = (e.user for e in short.enrollments.order_by("user__username"))
    big, small = short.sessions.order_by("-centi_hours")
    for user, sessions in ((t1, (big, small)), (t2, (big,))):
        enrollment = short.enrollments.get(user=user)
        for s in sessions:
            Attendance.objects.create(session=s, enrollment=enrollment, status="present", method="manual", recorded_at=timezone.now(),
                                      recorded_by=people["organizer_a"])
    _bank, (question,) = make_pool(tree["league_a"], people["organizer_a"], [((), 1)])
    question.refresh_from_db()
    exam = make_exam(tree["league_a"], people["organizer_a"], [question], pass_score=100)
    type(exam).objects.filter(pk=exam.pk).update(training_class=short)
    with TestCase.captureOnCommitCallbacks(execute=True):
        attempt_submit(attempt=sit(t1, exam, {question: {"options": [0]}}))
    template = make_template(tree["league_a"], people["organizer_a"])
    certificates.criteria_set(actor=people["organizer_a"], training_class=short, template=template)
    with TestCase.captureOnCommitCallbacks(execute=True):
        certificates.issue_request(actor=people["organizer_a"], training_class=short)
    return {"class": short, "t1": t1, "t2": t2, "t3": t3}


def test_the_completion_report_gives_each_trainee_attendance_best_score_and_certificate(api_client, completion, people, tmp_path):
    from certificates.models import Certificate

    short = completion["class"]
    serials = dict(Certificate.objects.filter(training_class=short).values_list("user", "serial"))
    body = get(api_client, people["auditor_a"], "/api/v1/reports/completion/", training_class=short.pk).json()
    assert body["total_centi_hours"] == 1000
    roster = {r["user"]: r for r in body["roster"]}
    t1, t2, t3 = (completion[k].pk for k in ("t1", "t2", "t3"))
    assert (roster[t1]["attended_centi_hours"], roster[t1]["attendance_rate"], roster[t1]["best_score"]) == (1000, "1.0000", 100)
    assert (roster[t2]["attended_centi_hours"], roster[t2]["attendance_rate"], roster[t2]["best_score"]) == (901, "0.9010", None)
    assert (roster[t3]["attended_centi_hours"], roster[t3]["completed"], roster[t3]["certificate"]) == (0, False, None)
    assert roster[t1]["certificate"] == serials[t1] and roster[t2]["certificate"] == serials[t2]

    book = openpyxl.load_workbook(io.BytesIO(get(api_client, people["auditor_a"], "/api/v1/reports/completion/export/",
                                                 training_class=short.pk, file_format="xlsx").content))
    rows = {r[6] or r[0]: r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(rows[serials[t2]][2])) == Decimal("0.901") and Decimal(str(rows[serials[t2]][3])) == Decimal("9.01")
    assert Decimal(str(rows[serials[t1]][4])) == Decimal("1")
    text = pdf_text(get(api_client, people["auditor_a"], "/api/v1/reports/completion/export/", training_class=short.pk,
                        file_format="pdf").content, tmp_path)
    assert serials[t1] in text and "90.1%" in text and "100%" in text and "9.01" in text

    assert get(api_client, people["auditor_a"], "/api/v1/reports/completion/", training_class=completion["class"].pk + 999).status_code == 404


def test_another_leagues_auditor_gets_no_completion_report_of_this_class(api_client, completion, tree):
    from accounts.models import Role

    auditor_b = person(tree["league_b"], Role.Kind.AUDITOR, username="auditor_b")
    assert get(api_client, auditor_b, "/api/v1/reports/completion/", training_class=completion["class"].pk).status_code == 404
    assert get(api_client, auditor_b, "/api/v1/reports/completion/export/", training_class=completion["class"].pk).status_code == 404


@pytest.fixture
def rotation(dataset, people, tree):
    """A rotation class of league A aiming at 5 people: t1 completed it, t2 did not, nobody else enrolled yet."""
    from accounts.models import User

    made = make_class(tree["league_a"], people["organizer_a"], kind="rotation", title="村干部轮训", status="closed", target_count=5)
    t1, t2 = User.objects.get(username="t1"), User.objects.get(username="t2")
    completed(made, t1)
    completed(made, t2, done=False)
    other = make_class(tree["league_b"], people["organizer_b"], kind="rotation", title="乙市轮训", status="closed", target_count=3)
    enroll(other, people["trainee_b"])
    return made


def test_the_coverage_report_names_who_is_not_yet_trained(api_client, rotation, people, tree, tmp_path):
    body = get(api_client, people["auditor_a"], "/api/v1/reports/coverage/", organization=tree["league_a"].pk).json()
    assert [(c["title"], c["target"], c["trained"], c["not_yet_trained"]) for c in body["classes"]] == [("村干部轮训", 5, 1, 4)]
    assert [p["name"] for p in body["not_yet_trained"]] == [Enrollment.objects.get(training_class=rotation, completed=False).user.display_name]
    book = openpyxl.load_workbook(io.BytesIO(get(api_client, people["auditor_a"], "/api/v1/reports/coverage/export/",
                                                 organization=tree["league_a"].pk, file_format="xlsx").content))
    coverage, missing = book.worksheets
    [row] = list(coverage.iter_rows(min_row=2, values_only=True))
    assert row[3:6] == (5, 1, 4) and Decimal(str(row[6])) == Decimal("0.2")
    assert len(list(missing.iter_rows(min_row=2, values_only=True))) == 1
    text = pdf_text(get(api_client, people["auditor_a"], "/api/v1/reports/coverage/export/", organization=tree["league_a"].pk,
                        file_format="pdf").content, tmp_path)
    assert "村干部轮训" in text and "20%" in text and "乙市轮训" not in text
    everything = get(api_client, people["admin_region"], "/api/v1/reports/coverage/", organization=tree["region"].pk).json()
    assert {c["title"] for c in everything["classes"]} == {"村干部轮训", "乙市轮训"}
