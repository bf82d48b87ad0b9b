"""Fixtures of the reports tests: the shared organization tree and people, and for the
rectification ledger an auditor of league B and findings on both sides of the scope line."""
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from accounts.tests.conftest import people, person, tree  # noqa: F401,F811  (shared fixtures)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def file_finding(actor, organization, *, title="主体班次专题课时占比不足", description="专题课时占比9.85%，低于10%。",
                 due_on=None, category="topic_hours", training_class=None):
    from reports.ledger import services

    return services.finding_file(actor=actor, organization=organization, title=title, description=description,
                                 due_on=due_on or in_days(30), category=category, training_class=training_class)


def make_overdue(finding, days: int = 3):
    """Move the due date into the past (a service refuses that; time passing does it)."""
    type(finding).objects.filter(pk=finding.pk).update(due_on=in_days(-days))
    finding.refresh_from_db()
    return finding


# --- evidence files ---------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def office_bytes(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def auditor_b(tree):
    return person(tree["league_b"], Role.Kind.AUDITOR, username="auditor_b")


@pytest.fixture
def findings(tree, people, auditor_b):
    """One finding against a banner of league A (filed by its auditor), one against league B."""
    return {
        "a": file_finding(people["auditor_a"], tree["banner_a"], title="甲盟一旗专题课时不足"),
        "b": file_finding(auditor_b, tree["league_b"], title="乙市轮训覆盖不全", category="coverage"),
    }
