"""The library, course and study pages, through Django's test client: who may open what,
scope, the import flow, the course builder's class hours, trainee progress, query counts."""
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.conftest import person
from courses import services
from courses.models import Course, CourseCredit, Document, DocumentImport, DocumentVersion, KeyTerm, StudyProgress

from .conftest import make_document

pytestmark = pytest.mark.django_db

SMALL_TXT = """关于加强民族团结进步教育的通知

一、总体要求
坚持以铸牢中华民族共同体意识为主线，促进各民族交往交流交融。
二、主要任务
（一）加强理论学习
深入学习“三个离不开”“五个认同”等重要论述。
（二）开展宣讲活动
组织宣讲团深入基层。
三、工作要求
各单位要高度重视。
""".encode()


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions below read the English interface."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def build_course(organizer, org, document, title="民族团结专题", minutes=90, publish=True):
    course = services.course_create(
        actor=organizer, organization=org, title=title, minutes=minutes,
        sections=list(document.current_version.sections.order_by("position")), topics=["铸牢中华民族共同体意识"],
    )
    if publish:
        services.course_publish(actor=organizer, course=course)
    return course


# --- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, allowed, refused",
    [
        ("library", ("organizer_a", "auditor_a", "admin_a"), ("trainee_a",)),
        ("library-search", ("organizer_a", "auditor_a", "admin_a"), ("trainee_a",)),
        ("library-import", ("organizer_a", "admin_a"), ("auditor_a", "trainee_a")),
        ("course-index", ("organizer_a", "auditor_a", "admin_a"), ("trainee_a",)),
        ("course-new", ("organizer_a", "admin_a"), ("auditor_a", "trainee_a")),
        ("my-courses", ("trainee_a", "trainee_b"), ("organizer_a", "auditor_a")),
    ],
)
def test_each_page_opens_for_its_roles_and_refuses_the_others_kindly(client, people, library, name, allowed, refused):
    for who in allowed:
        assert login(client, people[who]).get(reverse(name)).status_code == 200, who
    for who in refused:
        response = login(client, people[who]).get(reverse(name))
        assert response.status_code == 403, who
        assert "You cannot open this page" in text(response)
    client.logout()
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_home_cards_lead_to_the_library_courses_and_my_courses(client, people):
    def cards(who):
        html = text(login(client, people[who]).get(reverse("home")))
        return set(re.findall(r'class="card__link" href="([^"]+)"', html))

    assert {"/library/", "/courses/"} <= cards("organizer_a") and "/study/" not in cards("organizer_a")
    assert {"/library/", "/courses/"} <= cards("auditor_a")
    assert "/study/" in cards("trainee_a") and "/library/" not in cards("trainee_a")


# --- the library ------------------------------------------------------------------------------


def test_the_library_lists_the_documents_in_scope_only(client, tree, people, library):
    html = text(login(client, people["organizer_a"]).get(reverse("library")))
    assert "甲盟学习材料" in html and "乙市学习材料" not in html
    assert "version 1" in html and "甲盟" in html
    assert f'href="{reverse("library-document", args=[library["a"].pk])}"' in html
    assert f'href="{reverse("library-import")}"' in html

    auditor = text(login(client, people["auditor_a"]).get(reverse("library")))
    assert "甲盟学习材料" in auditor and "乙市学习材料" not in auditor
    assert f'href="{reverse("library-import")}"' not in auditor  # auditors read, they do not import

    region = text(login(client, people["admin_region"]).get(reverse("library")))
    assert "甲盟学习材料" in region and "乙市学习材料" in region


def test_the_library_filters_by_title_and_says_so_when_nothing_matches(client, people, library):
    login(client, people["admin_region"])
    html = text(client.get(reverse("library"), {"q": "乙市"}))
    assert "乙市学习材料" in html and "甲盟学习材料" not in html
    html = text(client.get(reverse("library"), {"q": "没有这个标题"}))
    assert "No title matches" in html


def test_an_empty_library_invites_the_first_import(client, people):
    html = text(login(client, people["organizer_a"]).get(reverse("library")))
    assert "The library is empty" in html and "Import the first document" in html


def test_the_library_is_paginated(client, tree, people):
    for i in range(32):
        make_document(tree["league_a"], people["organizer_a"], f"文件{i:02d}")
    login(client, people["organizer_a"])
    first = text(client.get(reverse("library")))
    assert "Page 1 of 2" in first and "32 documents" in first
    second = text(client.get(reverse("library"), {"page": 2}))
    assert second.count('class="doc-list__item"') == 2


def test_the_document_page_shows_the_tree_key_terms_topics_and_links(client, tree, people, library):
    document = library["a"]
    first, second = document.current_version.sections.order_by("position")
    KeyTerm.objects.create(section=second, term="五个认同", offsets=[[0, 4], [10, 14]])
    services.section_set_topics(actor=people["organizer_a"], section=first, names=["民族团结进步"])

    response = login(client, people["organizer_a"]).get(reverse("library-document", args=[document.pk]))
    assert response.status_code == 200
    html = text(response)
    assert "交往交流交融" in html and "五个认同" in html
    assert 'class="chip chip--term"' in html and "×2" in html
    assert "#民族团结进步" in html
    assert 'data-level="1"' in html
    assert f"{reverse('library-import')}?document={document.pk}" in html  # re-import a corrected version
    assert f"{reverse('course-new')}?document={document.pk}" in html
    assert "data-version-switch" not in html  # one version only
    assert f'action="{reverse("library-search")}"' in html

    auditor = text(login(client, people["auditor_a"]).get(reverse("library-document", args=[document.pk])))
    assert "交往交流交融" in auditor and "?document=" not in auditor


def test_another_leagues_document_is_not_found_and_trainees_are_refused(client, people, library):
    url = reverse("library-document", args=[library["b"].pk])
    assert login(client, people["organizer_a"]).get(url).status_code == 404
    assert login(client, people["trainee_a"]).get(reverse("library-document", args=[library["a"].pk])).status_code == 403
    assert login(client, people["organizer_b"]).get(url).status_code == 200


def test_the_version_switcher_shows_every_version(client, tree, people, library):
    document = library["a"]
    old = document.current_version
    new = DocumentVersion.objects.create(
        document=document, number=2, file_name="v2.txt", file_sha256="1" * 64, file_size=3, source="documents/v2.txt",
        text="一、新的", char_count=4, created_by=people["organizer_a"],
    )
    new.sections.create(position=0, level=1, number="一、", title="新的章节", body="", char_count=4)
    document.current_version = new
    document.save()

    login(client, people["organizer_a"])
    html = text(client.get(reverse("library-document", args=[document.pk])))
    assert "data-version-switch" in html and "新的章节" in html and "交往交流交融" not in html
    assert 'href="?version=1"' in html
    html = text(client.get(reverse("library-document", args=[document.pk]), {"version": old.number}))
    assert "交往交流交融" in html and "not the current one" in html
    assert client.get(reverse("library-document", args=[document.pk]), {"version": 9}).status_code == 404


def test_search_highlights_the_hits_escapes_the_text_and_keeps_to_scope(client, tree, people, library):
    make_document(tree["league_a"], people["organizer_a"], "另一份", [("一、", "别的", "<b>注意</b>只提一次五个认同。")])
    login(client, people["organizer_a"])
    response = client.get(reverse("library-search"), {"q": "五个认同"})
    assert response.status_code == 200
    html = text(response)
    assert "<mark>五个认同</mark>" in html
    assert "&lt;b&gt;注意&lt;/b&gt;" in html and "<b>注意</b>" not in html
    assert html.index("二、五个认同") < html.index("一、别的")  # most hits first
    assert "2 sections contain" in html

    html = text(client.get(reverse("library-search"), {"q": "交往交流交融"}))
    assert "甲盟学习材料" in html and "乙市学习材料" not in html

    assert "Nothing found" in text(client.get(reverse("library-search"), {"q": "没有的词语"}))
    assert "Enter the words to search for." in text(client.get(reverse("library-search"), {"q": "  "}))


# --- importing --------------------------------------------------------------------------------


def upload(client, name, content, org, document=None):
    data = {"file": SimpleUploadedFile(name, content), "organization": org.pk}
    if document is not None:
        data["document"] = document.pk
    return client.post(reverse("library-import"), data)


def test_the_upload_form_offers_only_the_units_the_user_manages(client, tree, people):
    html = text(login(client, people["organizer_a"]).get(reverse("library-import")))
    for name in ("甲盟", "甲盟一旗", "甲盟一旗一镇"):
        assert f">{name}<" in html or f"\u3000{name}<" in html
    assert "乙市" not in html and 'accept=".docx,.txt,.md,.pdf' in html


def test_a_small_txt_is_previewed_then_saved_as_a_document(client, tree, people):
    login(client, people["organizer_a"])
    response = upload(client, "通知.txt", SMALL_TXT, tree["league_a"])
    assert response.status_code == 302
    job = DocumentImport.objects.get()
    assert response.url == reverse("library-import-review", args=[job.pk])
    assert Document.objects.count() == 0

    preview = client.get(response.url)
    html = text(preview)
    assert "data-preview-tree" in html and 'name="title"' in html
    assert 'value="关于加强民族团结进步教育的通知"' in html  # the parsed title, editable
    for heading in ("总体要求", "主要任务", "加强理论学习", "开展宣讲活动", "工作要求"):
        assert heading in html
    assert 'data-level="2"' in html and "level 2" in html
    assert [r["number"] for r in preview.context["rows"]] == ["一、", "二、", "（一）", "（二）", "三、"]
    assert Document.objects.count() == 0

    saved = client.post(response.url, {"title": "民族团结进步教育通知", "issuer": "自治区民委", "issued_on": "2023-03-01"})
    document = Document.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("library-document", args=[document.pk])
    assert (document.title, document.issuer, str(document.issued_on), document.organization) == (
        "民族团结进步教育通知", "自治区民委", "2023-03-01", tree["league_a"])
    assert document.current_version.sections.count() == 5
    page = text(client.get(saved.url))
    assert "Saved to the library" in page and "加强理论学习" in page
    assert "三个离不开" in page  # a key term found by the importer
    # Saving again does nothing more.
    client.post(response.url, {"title": "again"})
    assert Document.objects.count() == 1


def test_a_title_is_required_and_the_date_must_be_a_date(client, tree, people):
    login(client, people["organizer_a"])
    url = upload(client, "通知.txt", SMALL_TXT, tree["league_a"]).url
    html = text(client.post(url, {"title": "", "issued_on": "去年"}))
    assert "This field is required." in html and "Enter a valid date." in html
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("空.txt", b"", "The file is empty."),
        ("假的.docx", b"this is not a zip file at all", ".docx"),
        ("名单.xlsx", b"PK\x03\x04 anything", "Only .docx, .pdf, .txt and .md files can be imported."),
        ("乱码.txt", bytes(range(128, 256)) * 4, None),
        ("扫描件.pdf", None, None),
    ],
    ids=["empty", "not-docx", "wrong-type", "bad-encoding", "image-only-pdf"],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_form_and_nothing_is_saved(client, tree, people, name, content, message):
    if content is None:
        from .test_importing_extract import image_only_pdf

        content = image_only_pdf()
    login(client, people["organizer_a"])
    response = upload(client, name, content, tree["league_a"])
    assert response.status_code == 200
    html = text(response)
    assert "data-import-problem" in html and "Nothing was saved." in html
    if message:
        assert message in html
    assert Document.objects.count() == 0 and DocumentVersion.objects.count() == 0


def test_a_file_that_is_too_large_is_refused(client, tree, people, monkeypatch):
    import courses.importing

    monkeypatch.setattr(courses.importing, "MAX_BYTES", 100)
    login(client, people["organizer_a"])
    html = text(upload(client, "大.txt", SMALL_TXT, tree["league_a"]))
    assert "data-import-problem" in html and "larger than" in html
    assert DocumentImport.objects.count() == 0


def test_the_organization_must_be_one_the_user_manages(client, tree, people):
    login(client, people["organizer_a"])
    response = upload(client, "通知.txt", SMALL_TXT, tree["league_b"])
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert DocumentImport.objects.count() == 0


def test_a_large_file_is_read_in_the_background_and_the_page_polls(client, tree, people, monkeypatch):
    from courses.tasks import document_import_parse_task

    monkeypatch.setattr(services, "SYNC_PARSE_BYTES", 10)
    monkeypatch.setattr(document_import_parse_task, "delay", lambda *args, **kwargs: None)  # no worker yet
    login(client, people["organizer_a"])
    response = upload(client, "通知.txt", SMALL_TXT, tree["league_a"])
    job = DocumentImport.objects.get()
    assert job.status == DocumentImport.Status.PENDING
    html = text(client.get(response.url))
    assert "data-import-progress" in html and f'data-url="/api/v1/document-imports/{job.pk}/"' in html
    assert "js/library-import.js" in html and "data-save-form" not in html

    services.document_import_parse(import_id=job.pk)  # the worker reads it
    assert "data-save-form" in text(client.get(response.url))


def test_another_users_import_is_not_found(client, tree, people):
    login(client, people["organizer_a"])
    url = upload(client, "通知.txt", SMALL_TXT, tree["league_a"]).url
    assert login(client, people["admin_a"]).get(url).status_code == 404


def test_a_corrected_file_becomes_the_next_version(client, tree, people, library):
    document = library["a"]
    login(client, people["organizer_a"])
    form = text(client.get(reverse("library-import"), {"document": document.pk}))
    assert "Import a corrected version" in form and "甲盟学习材料" in form
    response = upload(client, "更正.txt", SMALL_TXT, tree["league_a"], document=document)
    assert response.status_code == 302
    review = text(client.get(response.url))
    assert 'name="title"' not in review and "Save as a new version" in review
    client.post(response.url, {"issuer": "甲盟委员会"})
    document.refresh_from_db()
    assert document.current_version.number == 2 and document.versions.count() == 2
    html = text(client.get(reverse("library-document", args=[document.pk])))
    assert "data-version-switch" in html and "总体要求" in html

    # Another league's document cannot be re-imported, and an auditor cannot import at all.
    assert client.get(reverse("library-import"), {"document": library["b"].pk}).status_code == 404
    assert login(client, people["auditor_a"]).get(reverse("library-import"), {"document": document.pk}).status_code == 403


# --- the course builder -----------------------------------------------------------------------


def builder_post(client, sections, documents, **fields):
    data = {"action": "create", "documents": documents, "sections": sections, "title": "民族团结专题", "hours": "2",
            "format": "online", "organization": fields.pop("organization"), "topics": "铸牢中华民族共同体意识、民族团结进步", **fields}
    return client.post(reverse("course-new"), data)


def test_the_builder_shows_the_documents_tree_and_adds_another_document(client, tree, people, library):
    other = make_document(tree["league_a"], people["organizer_a"], "第二份材料", [("一、", "守望相助", "守望相助。" * 10)])
    login(client, people["organizer_a"])
    html = text(client.get(reverse("course-new")))
    assert "Choose a document" in html and "乙市学习材料" not in html

    response = client.get(reverse("course-new"), {"document": library["a"].pk})
    html = text(response)
    ids = [s.pk for s in library["a"].current_version.sections.order_by("position")]
    for pk in ids:
        assert f'name="sections" value="{pk}"' in html
    assert "Add sections from another document" in html

    # Adding a second document keeps what was ticked and typed.
    response = client.post(reverse("course-new"), {
        "action": "add", "documents": [library["a"].pk], "add_document": other.pk, "sections": [ids[1]], "title": "草稿标题", "hours": "1",
    })
    html = text(response)
    assert "守望相助" in html and "交往交流交融" in html
    assert f'name="sections" value="{ids[1]}" data-level="1" checked' in html
    assert f'name="sections" value="{ids[0]}" data-level="1">' in html
    assert 'value="草稿标题"' in html
    assert "field__errors" not in html
    # A document of another league is never shown, even when asked for.
    html = text(client.get(reverse("course-new"), {"document": library["b"].pk}))
    assert "乙市要求" not in html


@pytest.mark.parametrize(
    "hours, minutes",
    [("2", 90), ("0.2", 9), ("１.６", 72), (" 7 ", 315)],
)
def test_class_hours_become_exact_minutes(client, tree, people, library, hours, minutes):
    section = library["a"].current_version.sections.order_by("position").first()
    login(client, people["organizer_a"])
    response = builder_post(client, [section.pk], [library["a"].pk], hours=hours, organization=tree["league_a"].pk)
    course = Course.objects.get()
    assert response.status_code == 302 and response.url == reverse("course-page", args=[course.pk])
    assert course.minutes == minutes and course.status == Course.Status.DRAFT
    assert sorted(t.name for t in course.topics.all()) == ["民族团结进步", "铸牢中华民族共同体意识"]


@pytest.mark.parametrize(
    "hours, message",
    [
        ("1.5", "1.5 class hours would be 67.5 minutes. Class hours must come to whole minutes (1 class hour = 45 minutes). Nearby values: 1.4 (63 minutes) 1.6 (72 minutes)."),
        ("0.01", "0.01 class hours would be 0.45 minutes."),
        ("两个", "Enter the class hours as a number"),
        ("0", "Class hours must be more than zero."),
        ("-1", "Class hours must be more than zero."),
        ("5000", "At most 2222 class hours."),
        ("", "This field is required."),
    ],
)
def test_class_hours_that_are_not_whole_minutes_are_refused_clearly(client, tree, people, library, hours, message):
    section = library["a"].current_version.sections.order_by("position").first()
    login(client, people["organizer_a"])
    response = builder_post(client, [section.pk], [library["a"].pk], hours=hours, organization=tree["league_a"].pk)
    assert response.status_code == 200
    assert message in text(response)
    assert f'name="sections" value="{section.pk}" data-level="1" checked' in text(response)  # the ticks stay
    assert Course.objects.count() == 0


def test_a_course_needs_sections_and_a_managed_organization(client, tree, people, library):
    login(client, people["organizer_a"])
    html = text(builder_post(client, [], [library["a"].pk], organization=tree["league_a"].pk))
    assert "Choose at least one section." in html
    section = library["a"].current_version.sections.first()
    html = text(builder_post(client, [section.pk], [library["a"].pk], organization=tree["league_b"].pk))
    assert "Select a valid choice" in html
    b_section = library["b"].current_version.sections.get()
    html = text(builder_post(client, [b_section.pk], [library["b"].pk], organization=tree["league_a"].pk))
    assert "Choose at least one section." in html or "Select a valid choice" in html
    assert Course.objects.count() == 0


def test_sections_of_two_documents_make_one_course_in_the_order_shown(client, tree, people, library):
    other = make_document(tree["league_a"], people["organizer_a"], "第二份材料", [("一、", "守望相助", "守望相助。" * 10)])
    a_first, a_second = library["a"].current_version.sections.order_by("position")
    o_first = other.current_version.sections.get()
    login(client, people["organizer_a"])
    builder_post(client, [o_first.pk, a_second.pk], [library["a"].pk, other.pk], organization=tree["league_a"].pk, requires_quiz="on")
    course = Course.objects.get()
    assert [i.section_id for i in course.items.order_by("position")] == [a_second.pk, o_first.pk]
    assert course.requires_quiz


# --- the course page and publishing --------------------------------------------------------------


def test_an_organizer_publishes_a_draft_from_the_course_page(client, tree, people, library):
    course = build_course(people["organizer_a"], tree["league_a"], library["a"], publish=False)
    url = reverse("course-page", args=[course.pk])
    login(client, people["organizer_a"])
    html = text(client.get(url))
    assert "data-publish" in html and "Draft" in html and "2 / 2" not in html
    assert "一、交往交流交融" in html and "二、五个认同" in html and "data-class-hours>2<" in html

    auditor = text(login(client, people["auditor_a"]).get(url))
    assert "data-publish" not in auditor and "一、交往交流交融" in auditor
    assert client.post(reverse("course-page-publish", args=[course.pk])).status_code == 403
    assert login(client, people["trainee_a"]).get(url).status_code == 404  # a draft is not offered

    response = login(client, people["organizer_a"]).post(reverse("course-page-publish", args=[course.pk]))
    assert response.status_code == 302 and response.url == url
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert "data-publish" not in text(client.get(url))
    assert login(client, people["organizer_b"]).post(reverse("course-page-publish", args=[course.pk])).status_code == 404


def test_the_course_list_for_staff_keeps_to_scope(client, tree, people, library):
    build_course(people["organizer_a"], tree["league_a"], library["a"], title="甲盟课程")
    build_course(people["organizer_b"], tree["league_b"], library["b"], title="乙市课程")
    html = text(login(client, people["organizer_a"]).get(reverse("course-index")))
    assert "甲盟课程" in html and "乙市课程" not in html and "2 class hours" in html
    assert "甲盟课程" in text(login(client, people["auditor_a"]).get(reverse("course-index")))
    html = text(login(client, people["organizer_b"]).get(reverse("course-index")))
    assert "乙市课程" in html and "甲盟课程" not in html


# --- trainees ---------------------------------------------------------------------------------


def test_my_courses_show_completed_sections_and_credited_hours(client, tree, people, library):
    course = build_course(people["organizer_a"], tree["league_a"], library["a"])
    build_course(people["organizer_a"], tree["league_a"], library["a"], title="还没发布", publish=False)
    build_course(people["organizer_b"], tree["league_b"], library["b"], title="乙市课程")
    trainee = people["trainee_a"]
    login(client, trainee)

    html = text(client.get(reverse("my-courses")))
    assert "民族团结专题" in html and "还没发布" not in html and "乙市课程" not in html
    assert "0 of 2 sections completed" in html and 'value="0"' in html and "Credited: 0 of 2 class hours" in html

    first, second = course.items.order_by("position")
    StudyProgress.objects.create(user=trainee, item=first, credited_seconds=first.min_seconds, completed_at=timezone.now())
    html = text(client.get(reverse("my-courses")))
    assert "1 of 2 sections completed" in html and 'value="50"' in html

    StudyProgress.objects.create(user=trainee, item=second, credited_seconds=second.min_seconds, completed_at=timezone.now())
    CourseCredit.objects.create(user=trainee, course=course, credited_minutes=course.minutes)
    html = text(client.get(reverse("my-courses")))
    assert "2 class hours credited" in html and 'value="100"' in html

    page = text(client.get(reverse("course-page", args=[course.pk])))
    assert "2 of 2 sections completed" in page and "2 class hours credited" in page
    assert "data-publish" not in page and "My courses" in page


def test_my_courses_without_any_course_explains_what_will_come(client, people):
    html = text(login(client, people["trainee_a"]).get(reverse("my-courses")))
    assert "No courses for you yet" in html


def test_the_course_page_shows_each_sections_progress(client, tree, people, library):
    course = build_course(people["organizer_a"], tree["league_a"], library["a"])
    first, second = course.items.order_by("position")
    StudyProgress.objects.create(user=people["trainee_a"], item=second, credited_seconds=30)
    html = text(login(client, people["trainee_a"]).get(reverse("course-page", args=[course.pk])))
    assert "0 of 2 sections completed" in html and "Credited: 0 of 2 class hours" in html
    assert f"0:30 / {second.min_seconds // 60}:{second.min_seconds % 60:02d}" in html
    assert f'href="{reverse("study-section", args=[first.pk])}" data-start-study' in html
    assert login(client, people["trainee_b"]).get(reverse("course-page", args=[course.pk])).status_code == 404


def test_the_reading_view_shows_the_text_progress_and_neighbours(client, tree, people, library, settings):
    course = build_course(people["organizer_a"], tree["league_a"], library["a"])
    first, second = course.items.order_by("position")
    StudyProgress.objects.create(user=people["trainee_a"], item=first, credited_seconds=12)
    login(client, people["trainee_a"])

    response = client.get(reverse("study-section", args=[first.pk]))
    assert response.status_code == 200
    html = text(response)
    assert "促进各民族交往交流交融。" in html and "Section 1 of 2" in html
    assert 'data-interval="15"' in html and f'data-item="{first.pk}"' in html
    assert 'data-url="/api/v1/study/heartbeat/"' in html and "js/study.js" in html
    assert f'data-credited="12" data-min="{first.min_seconds}"' in html and "0:12" in html
    assert f'href="{reverse("study-section", args=[second.pk])}"' in html and "data-study-prev" not in html
    assert settings.CSRF_COOKIE_NAME in response.cookies

    settings.STUDY_HEARTBEAT_SECONDS = 2
    html = text(client.get(reverse("study-section", args=[second.pk])))
    assert 'data-interval="2"' in html and "data-study-prev" in html and "data-study-back" in html

    StudyProgress.objects.filter(item=first).update(credited_seconds=first.min_seconds + 5, completed_at=timezone.now())
    html = text(client.get(reverse("study-section", args=[first.pk])))
    assert "data-study-done hidden" not in html and 'value="100"' in html

    assert login(client, people["trainee_b"]).get(reverse("study-section", args=[first.pk])).status_code == 404


def test_a_draft_is_previewed_without_counting_time(client, tree, people, library):
    course = build_course(people["organizer_a"], tree["league_a"], library["a"], publish=False)
    html = text(login(client, people["organizer_a"]).get(reverse("study-section", args=[course.items.first().pk])))
    assert "reading time is not counted" in html and "data-study " not in html and "study.js" not in html


def test_a_heartbeat_from_the_reading_view_is_credited(client, tree, people, library):
    """The page and the API agree: the item id and URL the page carries earn credit."""
    course = build_course(people["organizer_a"], tree["league_a"], library["a"])
    item = course.items.order_by("position").first()
    trainee = people["trainee_a"]
    start = timezone.now()
    services.study_heartbeat(user=trainee, item=item, visible=True, active=True, now=start)
    services.study_heartbeat(user=trainee, item=item, visible=True, active=True, now=start + timedelta(seconds=15))
    html = text(login(client, trainee).get(reverse("study-section", args=[item.pk])))
    assert 'data-credited="15"' in html and "0:15" in html


# --- query counts -----------------------------------------------------------------------------


def count_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


def test_the_library_list_takes_the_same_queries_for_1_and_30_documents(client, tree, people):
    login(client, people["organizer_a"])
    make_document(tree["league_a"], people["organizer_a"], "文件0")
    few, _ = count_queries(client, reverse("library"))
    for i in range(1, 30):
        make_document(tree["league_a"], people["organizer_a"], f"文件{i}")
    many, sql = count_queries(client, reverse("library"))
    assert many == few, "\n".join(sql)


def test_my_courses_take_the_same_queries_for_1_and_30_courses(client, tree, people, library):
    trainee = people["trainee_a"]
    login(client, trainee)

    def add(n):
        for _ in range(n):
            course = build_course(people["organizer_a"], tree["league_a"], library["a"])
            item = course.items.first()
            StudyProgress.objects.create(user=trainee, item=item, credited_seconds=item.min_seconds, completed_at=timezone.now())

    add(1)
    few, _ = count_queries(client, reverse("my-courses"))
    add(29)
    many, sql = count_queries(client, reverse("my-courses"))
    assert many == few, "\n".join(sql)
    assert text(client.get(reverse("my-courses"))).count("1 of 2 sections completed") == 30


def test_the_trainee_role_is_what_opens_my_courses(client, tree, people, library):
    both = person(tree["league_a"], Role.Kind.ORGANIZER, username="both")
    Role.objects.create(user=both, organization=tree["town_a"], role=Role.Kind.TRAINEE)
    assert login(client, both).get(reverse("my-courses")).status_code == 200
