"""Report files built by Celery: the job's progress, its stored file with the report's figures,
and a download for its owner only."""
import io

import openpyxl
import pytest

from accounts.models import Role
from reports.models import ReportJob

from .test_rollups import dataset, people, person, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_a_report_job_builds_the_file_and_only_its_owner_downloads_it(api_client, dataset, people, tree, django_capture_on_commit_callbacks):
    from courses.models import ComplianceRule

    ComplianceRule.objects.exclude(pk=dataset["rule"].pk).update(active=False)
    api_client.force_authenticate(people["auditor_a"])
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post("/api/v1/report-jobs/", {"kind": "compliance", "file_format": "xlsx", "organization": tree["league_a"].pk},
                                  format="json")
    assert created.status_code == 202
    job = api_client.get(f"/api/v1/report-jobs/{created.json()['id']}/").json()
    assert job["status"] == "done" and job["progress"] == 100 and job["rows"] == 3 and job["ready"]
    download = api_client.get(f"/api/v1/report-jobs/{job['id']}/download/")
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert [r[0] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["恰好10%", "差一点", "未排课"]

    colleague = person(tree["league_a"], Role.Kind.AUDITOR, username="auditor_a2")
    api_client.force_authenticate(colleague)
    assert api_client.get(f"/api/v1/report-jobs/{job['id']}/download/").status_code == 404
    assert api_client.get("/api/v1/report-jobs/").json()["count"] == 0


def test_a_job_for_an_organization_outside_scope_is_refused_and_nothing_is_queued(api_client, dataset, people, tree):
    api_client.force_authenticate(people["auditor_a"])
    refused = api_client.post("/api/v1/report-jobs/", {"kind": "compliance", "file_format": "pdf", "organization": tree["league_b"].pk},
                              format="json")
    assert refused.status_code == 404 and not ReportJob.objects.exists()


def test_a_job_not_built_yet_answers_409_on_download(api_client, people, tree):
    from datetime import date

    job = ReportJob.objects.create(kind="compliance", file_format="pdf", organization=tree["league_a"], starts_on=date(2026, 1, 1),
                                   ends_on=date(2026, 12, 31), owner=people["auditor_a"])
    api_client.force_authenticate(people["auditor_a"])
    assert api_client.get(f"/api/v1/report-jobs/{job.pk}/download/").status_code == 409


def test_the_job_list_runs_as_many_queries_for_1_job_as_for_6(api_client, people, tree):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            ReportJob.objects.create(kind="compliance", file_format="pdf", organization=tree["league_a"], starts_on=date(2026, 1, 1),
                                     ends_on=date(2026, 12, 31), owner=people["auditor_a"])

    def count():
        api_client.force_authenticate(type(people["auditor_a"]).objects.get(pk=people["auditor_a"].pk))
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get("/api/v1/report-jobs/").status_code == 200
        return len(captured)

    add(1)
    before = count()
    add(5)
    assert count() == before


@pytest.mark.parametrize("kind, rows", [("statistics", 3), ("coverage", 0), ("completion", 3)])
def test_every_report_kind_builds_as_a_job(api_client, dataset, people, tree, django_capture_on_commit_callbacks, kind, rows):
    """Statistics: the league, the banner, the township; coverage: no rotation class in the dataset;
    completion: the short class's three trainees."""
    api_client.force_authenticate(people["auditor_a"])
    payload = {"kind": kind, "file_format": "xlsx", "organization": tree["league_a"].pk}
    if kind == "completion":
        payload["training_class"] = dataset["short"].pk
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post("/api/v1/report-jobs/", payload, format="json")
    assert created.status_code == 202, created.json()
    job = api_client.get(f"/api/v1/report-jobs/{created.json()['id']}/").json()
    assert job["status"] == "done", job
    book = openpyxl.load_workbook(io.BytesIO(api_client.get(f"/api/v1/report-jobs/{job['id']}/download/").content))
    assert len(list(book.worksheets[0].iter_rows(min_row=2, values_only=True))) == rows
