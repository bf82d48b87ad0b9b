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
