"""Exam analysis: who sat each exam, who passed, the pass rate and the scores, in the API's file,
the page and the PDF, only for exams of the caller's scope."""
import io
import re
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.test import TestCase

from accounts.models import Role

from .test_rollups import dataset, people, person, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sat(tree, people):
    """A 2-point exam (pass mark 1): t1 sits it twice (0, then 2 points), t2 once (2), t3 once (0);
    an exam of league B that league A must not see."""
    from exams.attempts import attempt_submit
    from exams.tests.conftest import make_exam, make_pool, sit

    _bank, questions = make_pool(tree["league_a"], people["organizer_a"], [((), 1), ((), 1)])
    exam = make_exam(tree["league_a"], people["organizer_a"], questions, pass_score=100, title="理论考试", attempts_allowed=2)
    right = {q: {"options": [0]} for q in questions}
    wrong = {q: {"options": [1]} for q in questions}
    t1, t2, t3 = (person(tree["town_a"], Role.Kind.TRAINEE, username=f"s{n}") for n in (1, 2, 3))
    for user, responses in ((t1, wrong), (t1, right), (t2, right), (t3, wrong)):
        with TestCase.captureOnCommitCallbacks(execute=True):
            attempt_submit(attempt=sit(user, exam, responses))
    _bank_b, questions_b = make_pool(tree["league_b"], people["organizer_b"], [((), 1)], title="乙题库")
    make_exam(tree["league_b"], people["organizer_b"], questions_b, title="乙市考试", pass_score=100)
    return exam


def test_the_exam_analysis_gives_people_passes_and_scores(api_client, sat, people, tree, tmp_path):
    api_client.force_authenticate(people["auditor_a"])
    response = api_client.get("/api/v1/reports/exams/export/", {"organization": tree["league_a"].pk, "file_format": "xlsx"},
                              HTTP_ACCEPT_LANGUAGE="zh-hans")
    [row] = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert row[0] == "理论考试" and row[3:5] == (3, 2)  # three people sat it; t1 (second try) and t2 passed
    assert Decimal(str(row[5])) == Decimal("0.6666")  # rounded down
    assert Decimal(str(row[6])) == Decimal("1") and Decimal(str(row[7])) == Decimal("2")  # mean of 0, 200, 200, 0 hundredths; best 2
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing: run scripts/install_system_deps.sh")
    path = tmp_path / "exams.pdf"
    path.write_bytes(api_client.get("/api/v1/reports/exams/export/", {"organization": tree["league_a"].pk, "file_format": "pdf"},
                                    HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)
    assert "理论考试" in text and "66.66%" in text and "乙市考试" not in text


def test_the_exam_analysis_on_the_page_stays_in_scope(client, sat, people, tree):
    client.force_login(people["auditor_a"])
    page = client.get("/reports/", {"kind": "exams", "organization": tree["league_a"].pk}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "理论考试" in page and "66.66%" in page and "乙市考试" not in page
    everything = client.get("/reports/", {"kind": "exams"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "乙市考试" not in everything
