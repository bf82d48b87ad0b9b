import pytest

from accounts.tests.conftest import people, tree  # noqa: F401,F811  (shared fixtures)
from courses.models import Document, DocumentVersion, Section


def make_document(org, user, title="测试文件", sections=(("一、", "总体要求", "坚持铸牢中华民族共同体意识主线。" * 10),)):
    """A document with one version and top-level sections, built directly (no parsing)."""
    document = Document.objects.create(organization=org, title=title, created_by=user)
    text = "\n".join(n + t + "\n" + b for n, t, b in sections)
    version = DocumentVersion.objects.create(
        document=document, number=1, file_name="t.txt", file_sha256="0" * 64, file_size=len(text.encode()),
        source="documents/t.txt", text=text, char_count=len(text), created_by=user,
    )
    for i, (number, title_, body) in enumerate(sections):
        Section.objects.create(version=version, position=i, level=1, number=number, title=title_, body=body,
                               char_count=len(title_) + len(body))
    document.current_version = version
    document.save()
    return document


@pytest.fixture
def library(tree, people):
    """One document in league A and one in league B."""
    a = make_document(tree["league_a"], people["organizer_a"], "甲盟学习材料",
                      [("一、", "交往交流交融", "促进各民族交往交流交融。" * 20), ("二、", "五个认同", "增强“五个认同”。" * 30)])
    b = make_document(tree["league_b"], people["organizer_b"], "乙市学习材料",
                      [("一、", "乙市要求", "促进各民族交往交流交融，乙市。" * 20)])
    return {"a": a, "b": b}


# --- training classes ----------------------------------------------------------------------

TOPIC = "铸牢中华民族共同体意识"


def make_class(org, organizer, *, kind="main", title="第一期主体班", status="running", days=5, **kwargs):
    """A class hosted at `org`, starting today (local time), in the given status."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import TrainingClass

    today = timezone.localdate()
    values = dict(organization=org, kind=kind, title=title, year=today.year, starts_on=today,
                  ends_on=today + timedelta(days=days), status=status, created_by=organizer)
    values.update(kwargs)
    return TrainingClass.objects.create(**values)


def make_session(training_class, *, starts_at=None, minutes=90, centi_hours=None, topics=(), title="专题课"):
    """A session starting at `starts_at` (default: now, rounded down to the minute)."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import ClassSession, Topic

    starts_at = starts_at or timezone.now().replace(second=0, microsecond=0)
    session = ClassSession.objects.create(
        training_class=training_class, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
        centi_hours=centi_hours if centi_hours is not None else minutes * 100 // 45,
    )
    session.topics.set([Topic.objects.get_or_create(name=name)[0] for name in topics])
    return session


def enroll(training_class, *users, status="enrolled"):
    from courses.models import Enrollment

    return [Enrollment.objects.create(training_class=training_class, user=u, status=status, source="added") for u in users]
