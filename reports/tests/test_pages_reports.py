"""The reports page shows the same figures as the files, within the caller's scope, and builds the
files as jobs whose downloads are for their owner only."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import ComplianceRule
from reports.models import ReportJob

from .test_rollups import dataset, people, person, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_rule(dataset):
    ComplianceRule.objects.exclude(pk=dataset["rule"].pk).update(active=False)
    return dataset


def html(client, user, **params):
    client.force_login(user)
    response = client.get("/reports/", params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def test_the_compliance_report_on_the_page(client, only_rule, people, tree):
    page = html(client, people["auditor_a"], kind="compliance", organization=tree["league_a"].pk)
    for expected in ("恰好10%", "差一点", "未排课", "符合", "未达标", "暂无法判定", "9.9%", "0.01"):
        assert expected in page, expected
    assert "乙市主体班" not in page


def test_the_statistics_report_on_the_page_with_the_summary_paragraph(client, only_rule, people, tree):
    page = html(client, people["auditor_a"], kind="statistics", organization=tree["league_a"].pk)
    assert "data-summary" in page and "培训3人次（2人）" in page and "授课22课时" in page
    assert "甲盟一旗一镇" in page


def test_another_leagues_unit_is_a_404_and_trainees_are_refused(client, only_rule, people, tree):
    client.force_login(people["auditor_a"])
    assert client.get("/reports/", {"organization": tree["league_b"].pk}).status_code == 404
    client.force_login(people["trainee_a"])
    assert client.get("/reports/").status_code == 403


def test_building_a_file_from_the_page_and_only_its_owner_downloads_it(client, only_rule, people, tree, django_capture_on_commit_callbacks):
    from accounts.models import Role

    client.force_login(people["auditor_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reports/?kind=coverage&organization={tree['league_a'].pk}", {"file_format": "pdf"})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert job.status == "done" and job.kind == "coverage" and job.owner == people["auditor_a"]
    assert f'data-job="{job.pk}" data-job-status="done"' in html(client, people["auditor_a"])
    download = client.get(f"/reports/files/{job.pk}/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    client.force_login(person(tree["league_a"], Role.Kind.AUDITOR, username="auditor_a2"))
    assert client.get(f"/reports/files/{job.pk}/").status_code == 404


def test_the_page_runs_as_many_queries_with_1_job_as_with_8(client, only_rule, people, tree):
    from datetime import date

    def add(n):
        for _ in range(n):
            ReportJob.objects.create(kind="compliance", file_format="pdf", organization=tree["league_a"], starts_on=date(2026, 1, 1),
                                     ends_on=date(2026, 12, 31), owner=people["auditor_a"])

    def count():
        client.force_login(people["auditor_a"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/", {"kind": "coverage", "year": timezone.localdate().year}).status_code == 200
        return len(captured)

    add(1)
    before = count()
    add(7)
    assert count() == before
