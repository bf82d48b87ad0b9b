"""Theory documents through the API: upload, preview, save; versions; bad files leave nothing behind."""
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from courses import services
from courses.models import Course, Document, DocumentImport, KeyTerm, Section

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def seed(prefix: str) -> bytes:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()


def as_user(api_client, user):
    api_client.force_authenticate(User.objects.get(pk=user.pk))


def upload(api_client, org, name, content, document=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content), "organization": org.pk}
    if document:
        data["document"] = document
    return api_client.post("/api/v1/document-imports/", data, format="multipart")


@pytest.fixture
def organizer(api_client, tree, people):
    as_user(api_client, people["organizer_a"])
    return people["organizer_a"]


def test_a_seed_previews_then_saves_as_a_document_with_its_tree(api_client, tree, organizer):
    response = upload(api_client, tree["league_a"], "000.txt", seed("000"))
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["status"] == "ready"
    top = [s["title"] for s in job["preview"]["sections"] if s["level"] == 1]
    assert top == ["工作开展情况", "存在问题", "下步打算"]
    assert Document.objects.count() == 0  # a preview saves nothing to the library

    saved = api_client.post(f"/api/v1/document-imports/{job['id']}/save/", {"title": "人社厅民族工作报告", "issuer": "省人社厅"}, format="json")
    assert saved.status_code == 201, saved.json()
    document = Document.objects.get()
    assert (document.title, document.issuer, document.current_version.number) == ("人社厅民族工作报告", "省人社厅", 1)
    rows = api_client.get(f"/api/v1/documents/{document.pk}/sections/").json()
    assert [r["title"] for r in rows if r["level"] == 1] == top
    assert all(r["parent"] is None for r in rows if r["level"] == 1)
    assert all(r["parent"] is not None for r in rows if r["level"] > 1)
    assert api_client.post(f"/api/v1/document-imports/{job['id']}/save/", {}, format="json").json()["code"] == "import_not_ready"


def test_key_terms_of_seed_003_are_stored_with_their_sections(api_client, tree, organizer):
    job = upload(api_client, tree["league_a"], "003.txt", seed("003")).json()
    api_client.post(f"/api/v1/document-imports/{job['id']}/save/", {}, format="json")
    terms = set(KeyTerm.objects.values_list("term", flat=True))
    assert {"十二个必须", "五句话", "三个离不开", "五个认同", "四个与共"} <= terms
    for key_term in KeyTerm.objects.select_related("section"):
        text = f"{key_term.section.heading}\n{key_term.section.body}"
        for start, end in key_term.offsets:
            assert key_term.term in text[start - 1 : end + 1]  # the offsets point at the term


def test_a_corrected_reimport_makes_a_new_version_and_leaves_courses_alone(api_client, tree, organizer):
    job = upload(api_client, tree["league_a"], "004.txt", seed("004")).json()
    document_id = api_client.post(f"/api/v1/document-imports/{job['id']}/save/", {}, format="json").json()["id"]
    v1_sections = list(Section.objects.filter(version__document_id=document_id).order_by("position")[:2])
    course = services.course_create(actor=organizer, organization=tree["league_a"], title="课", minutes=45, sections=v1_sections)
    before = [(i.section_id, i.section.body) for i in course.items.select_related("section")]

    corrected = seed("004").decode("utf-8").replace("2023", "2024").encode()
    job2 = upload(api_client, tree["league_a"], "004-corrected.txt", corrected, document=document_id).json()
    body = api_client.post(f"/api/v1/document-imports/{job2['id']}/save/", {}, format="json").json()
    assert body["current_version"]["number"] == 2 and body["version_count"] == 2
    course.refresh_from_db()
    assert [(i.section_id, i.section.body) for i in Course.objects.get().items.select_related("section")] == before
    v1 = api_client.get(f"/api/v1/documents/{document_id}/sections/?version=1").json()
    v2 = api_client.get(f"/api/v1/documents/{document_id}/sections/").json()
    assert {r["id"] for r in v1}.isdisjoint({r["id"] for r in v2})


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("empty.txt", b"", "file_empty"),
        ("report.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "not_docx"),
        ("report.exe", b"MZ\x90\x00", "unsupported_type"),
        ("latin1.txt", "Caf\xe9 \xff\xfe".encode("latin-1") + bytes(range(128, 160)), "bad_encoding"),
    ],
    ids=["empty", "binary-docx", "exe", "neither-utf8-nor-gbk"],
)
def test_bad_files_get_a_clear_error_and_nothing_is_kept(api_client, tree, organizer, name, content, code):
    response = upload(api_client, tree["league_a"], name, content)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]
    assert DocumentImport.objects.count() == 0 and Document.objects.count() == 0


def test_a_gbk_file_is_read_correctly(api_client, tree, organizer):
    text = seed("004").decode("utf-8")
    job = upload(api_client, tree["league_a"], "gbk.txt", text.encode("gb18030")).json()
    assert job["status"] == "ready" and job["preview"]["title"] == "内蒙古自治区民委2023年工作计划"


def test_a_file_over_the_limit_is_refused_before_reading(api_client, tree, organizer):
    from courses.importing import MAX_BYTES

    response = upload(api_client, tree["league_a"], "huge.txt", b"a" * (MAX_BYTES + 1))
    assert response.status_code == 400 and response.json()["code"] == "file_too_large"
    assert str(MAX_BYTES // (1024 * 1024)) in response.json()["message"]
    assert DocumentImport.objects.count() == 0


def test_a_large_file_is_read_in_the_background(api_client, tree, organizer, django_capture_on_commit_callbacks):
    text = seed("002").decode("utf-8")
    big = (text + "\n") * (services.SYNC_PARSE_BYTES // len(text.encode()) + 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = upload(api_client, tree["league_a"], "big.txt", big.encode()).json()
    assert job["status"] == "pending" and len(callbacks) == 1
    callbacks[0]()  # the Celery task (eager in tests)
    assert api_client.get(f"/api/v1/document-imports/{job['id']}/").json()["status"] == "ready"


def test_a_reader_that_breaks_on_an_odd_file_refuses_it_plainly_and_keeps_nothing(api_client, tree, organizer, monkeypatch):
    def broken_parser(text):
        raise RuntimeError("a bug in the parser")

    monkeypatch.setattr("courses.importing.parse_document", broken_parser)
    response = upload(api_client, tree["league_a"], "odd.txt", seed("000"))
    assert response.status_code == 400
    assert response.json()["code"] == "file_unreadable" and ".docx" in response.json()["message"]
    assert DocumentImport.objects.count() == 0 and Document.objects.count() == 0


def test_a_background_read_stopped_by_its_time_limit_ends_as_failed(api_client, tree, organizer, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from celery.exceptions import SoftTimeLimitExceeded

    def slow_parser(text):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("courses.importing.parse_document", slow_parser)
    big = seed("002") * (services.SYNC_PARSE_BYTES // len(seed("002")) + 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(api_client, tree["league_a"], "big.txt", big).json()
    after = api_client.get(f"/api/v1/document-imports/{job['id']}/").json()
    # Not left pending (the page would poll for ever): failed, with what to do.
    assert (after["status"], after["error_code"]) == ("failed", "file_too_slow")
    assert "拆分" in after["error_message"]  # in Chinese, the default language
    assert Document.objects.count() == 0


def test_only_managers_in_scope_import(api_client, tree, people):
    as_user(api_client, people["auditor_a"])
    assert upload(api_client, tree["league_a"], "a.txt", seed("000")).status_code == 403
    as_user(api_client, people["organizer_a"])
    assert upload(api_client, tree["league_b"], "a.txt", seed("000")).status_code == 404
    assert DocumentImport.objects.count() == 0


def test_import_list_queries_do_not_grow(api_client, tree, organizer):
    def count():
        as_user(api_client, organizer)
        with CaptureQueriesContext(connection) as ctx:
            api_client.get("/api/v1/document-imports/?page_size=100")
        return len(ctx)

    upload(api_client, tree["league_a"], "a.txt", seed("004"))
    few = count()
    for _ in range(10):
        upload(api_client, tree["league_a"], "a.txt", seed("004"))
    assert count() == few
