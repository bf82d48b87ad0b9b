"""A theory document too large to read during the upload is read by a real Celery worker through Redis."""
from pathlib import Path

import pytest

from accounts.models import Organization, Role
from accounts.tests.factories import RoleFactory, UserFactory, make_org
from courses import services
from courses.models import DocumentImport

pytestmark = pytest.mark.integration

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
TIMEOUT_SECONDS = 60


def test_worker_reads_a_large_upload_and_it_saves_with_its_tree(celery_worker_process):
    worker = celery_worker_process
    region = make_org("内蒙古自治区", "IT-DOC", Organization.Kind.REGION)
    organizer = UserFactory(organization=region, username="it_doc_organizer")
    RoleFactory(user=organizer, organization=region, role=Role.Kind.ORGANIZER)

    # Seed 000 repeated past the size read in the request: its three parts, over and over.
    text = next(SEEDS.glob("000_*.txt")).read_bytes()
    content = text * (services.SYNC_PARSE_BYTES // len(text) + 1)
    assert len(content) > services.SYNC_PARSE_BYTES

    # Autocommit here (transactional_db): the on_commit hook publishes to Redis at once.
    job = services.document_import_create(actor=organizer, organization=region, file_name="报告汇编.txt", content=content)
    assert job.status == DocumentImport.Status.PENDING

    def read():
        job.refresh_from_db()
        return job.status != DocumentImport.Status.PENDING

    worker.wait_until(read, TIMEOUT_SECONDS)
    assert job.status == DocumentImport.Status.READY, f"{job.status} {job.error_message}; worker log:\n{worker.log()}"
    top = [node["title"] for node in job.parsed["sections"]]
    assert top[:3] == ["工作开展情况", "存在问题", "下步打算"]

    version = services.document_import_save(actor=organizer, document_import=job, title="报告汇编")
    assert version.sections.filter(level=1).count() == len(top)
    assert worker.wait_for_log("courses.document_import_parse", 10), worker.log()
    assert "succeeded" in worker.log(), worker.log()
