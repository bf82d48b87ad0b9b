import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from courses.models import Course

from .conftest import make_document

pytestmark = pytest.mark.django_db


def as_user(api_client, user):
    api_client.force_authenticate(User.objects.get(pk=user.pk))


def create_course(api_client, org, sections, **extra):
    body = {"organization": org.pk, "title": "民族团结专题", "minutes": 90, "sections": sections, "topics": ["铸牢中华民族共同体意识"], **extra}
    return api_client.post("/api/v1/courses/", body, format="json")


def test_an_organizer_builds_and_publishes_a_course_from_two_sections(api_client, tree, people, library):
    as_user(api_client, people["organizer_a"])
    tree_rows = api_client.get(f"/api/v1/documents/{library['a'].pk}/sections/").json()
    assert [r["title"] for r in tree_rows] == ["交往交流交融", "五个认同"]
    response = create_course(api_client, tree["league_a"], [r["id"] for r in tree_rows])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["minutes"], body["class_hours"], body["status"], body["topics"]) == (90, "2.00", "draft", ["铸牢中华民族共同体意识"])
    assert api_client.post(f"/api/v1/courses/{body['id']}/publish/").json()["status"] == "published"


def test_class_hours_are_exact(api_client, tree, people, library):
    as_user(api_client, people["organizer_a"])
    section = api_client.get(f"/api/v1/documents/{library['a'].pk}/sections/").json()[0]["id"]
    assert create_course(api_client, tree["league_a"], [section], minutes=20).json()["class_hours"] == "0.44"
    assert create_course(api_client, tree["league_a"], [section], minutes=45 * 7).json()["class_hours"] == "7.00"


def test_the_sibling_leagues_library_and_courses_are_invisible(api_client, tree, people, library):
    b_section = library["b"].current_version.sections.get()
    as_user(api_client, people["organizer_b"])
    b_course = create_course(api_client, tree["league_b"], [b_section.pk]).json()
    api_client.post(f"/api/v1/courses/{b_course['id']}/publish/")

    as_user(api_client, people["organizer_a"])
    assert [d["title"] for d in api_client.get("/api/v1/documents/").json()["results"]] == ["甲盟学习材料"]
    assert api_client.get("/api/v1/courses/").json()["count"] == 0
    for url in (f"/api/v1/documents/{library['b'].pk}/", f"/api/v1/documents/{library['b'].pk}/sections/",
                f"/api/v1/sections/{b_section.pk}/", f"/api/v1/courses/{b_course['id']}/"):
        assert api_client.get(url).status_code == 404, url
    assert api_client.post(f"/api/v1/courses/{b_course['id']}/publish/").status_code == 404
    assert create_course(api_client, tree["league_a"], [b_section.pk]).status_code == 404
    assert create_course(api_client, tree["league_b"], [library["a"].current_version.sections.first().pk]).status_code == 404
    hits = api_client.get("/api/v1/sections/search/?q=交往交流交融").json()
    assert {h["document"]["title"] for h in hits["results"]} == {"甲盟学习材料"}
    assert api_client.post("/api/v1/study/heartbeat/", {"item": Course.objects.get().items.get().pk, "visible": True, "active": True}, format="json").status_code == 404


def test_trainees_see_published_courses_offered_above_them_and_nothing_of_the_library(api_client, tree, people, library):
    as_user(api_client, people["organizer_a"])
    sections = [s.pk for s in library["a"].current_version.sections.all()]
    draft = create_course(api_client, tree["league_a"], sections, title="草稿").json()
    published = create_course(api_client, tree["league_a"], sections, title="已发布").json()
    api_client.post(f"/api/v1/courses/{published['id']}/publish/")

    as_user(api_client, people["trainee_a"])  # a trainee in a township under league A
    assert [c["title"] for c in api_client.get("/api/v1/courses/").json()["results"]] == ["已发布"]
    assert api_client.get(f"/api/v1/courses/{draft['id']}/").status_code == 404
    assert api_client.get("/api/v1/documents/").json()["count"] == 0
    detail = api_client.get(f"/api/v1/courses/{published['id']}/").json()
    assert [i["heading"] for i in detail["items"]] == ["一、交往交流交融", "二、五个认同"]
    beat = api_client.post("/api/v1/study/heartbeat/", {"item": detail["items"][0]["id"], "visible": True, "active": True}, format="json")
    assert beat.status_code == 200 and beat.json()["credited_seconds"] == 0  # the first beat starts the clock

    as_user(api_client, people["trainee_b"])  # league B's trainee is not offered league A's course
    assert api_client.get("/api/v1/courses/").json()["count"] == 0
    assert api_client.post("/api/v1/study/heartbeat/", {"item": detail["items"][0]["id"], "visible": True, "active": True}, format="json").status_code == 404


def test_search_ranks_by_hits_and_highlights_the_first(api_client, tree, people, library):
    make_document(tree["league_a"], people["organizer_a"], "另一份", [("一、", "别的", "只提一次五个认同。")])
    make_document(tree["league_a"], people["organizer_a"], "第三份", [("一、", "反复", "五个认同；" * 40)])
    as_user(api_client, people["auditor_a"])
    results = api_client.get("/api/v1/sections/search/?q=五个认同").json()["results"]
    # A heading hit first, even with fewer hits (31) than a body that repeats it (40); then by hits.
    assert [(r["heading"], r["hits"]) for r in results] == [("二、五个认同", 31), ("一、反复", 40), ("一、别的", 1)]
    assert "<mark>五个认同</mark>" in results[2]["snippet"]
    assert api_client.get("/api/v1/sections/search/?q=%20").json()["code"] == "query_empty"


def test_section_topics_are_set_by_organizers_and_suggested_from_the_text(api_client, tree, people, library):
    section = library["a"].current_version.sections.first()
    as_user(api_client, people["organizer_a"])
    response = api_client.put(f"/api/v1/sections/{section.pk}/topics/", {"topics": ["民族团结进步", "交往交流交融"]}, format="json")
    assert response.json()["topics"] == ["交往交流交融", "民族团结进步"]
    assert api_client.get(f"/api/v1/sections/{section.pk}/topic-suggestions/").json()["topics"] == ["交往交流交融"]
    as_user(api_client, people["auditor_a"])
    assert api_client.put(f"/api/v1/sections/{section.pk}/topics/", {"topics": []}, format="json").status_code == 403


def grow(tree, people, n, start):
    for i in range(start, start + n):
        doc = make_document(tree["league_a"], people["organizer_a"], f"文件{i}", [("一、", "要求", "五个认同" * 3)])
        from courses import services

        course = services.course_create(actor=people["organizer_a"], organization=tree["league_a"], title=f"课{i}",
                                        minutes=45, sections=list(doc.current_version.sections.all()), topics=["专题"])
        services.course_publish(actor=people["organizer_a"], course=course)


@pytest.mark.parametrize("url", ["/api/v1/documents/", "/api/v1/courses/", "/api/v1/sections/search/?q=五个认同"])
def test_list_queries_do_not_grow_with_rows(api_client, tree, people, url):
    def count():
        as_user(api_client, people["organizer_a"])
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(url + ("&" if "?" in url else "?") + "page_size=100").status_code == 200
        return len(ctx), [q["sql"] for q in ctx.captured_queries]

    grow(tree, people, 1, 0)
    few, _ = count()
    grow(tree, people, 49, 1)
    many, sql = count()
    assert many == few, "\n".join(sql)


def test_a_documents_section_tree_takes_the_same_queries_for_1_and_30_sections(api_client, tree, people):
    from courses import services
    from courses.models import KeyTerm

    def document_with(n):
        doc = make_document(tree["league_a"], people["organizer_a"], f"{n}节", [
            (f"{i}.", f"第{i}节", "坚持“五个认同”，做到“三个离不开”。") for i in range(1, n + 1)
        ])
        for section in doc.current_version.sections.all():
            KeyTerm.objects.create(section=section, term="五个认同", offsets=[[1, 5]])
            services.section_set_topics(actor=people["organizer_a"], section=section, names=["铸牢中华民族共同体意识"])
        return doc

    def count(doc):
        as_user(api_client, people["auditor_a"])
        with CaptureQueriesContext(connection) as ctx:
            rows = api_client.get(f"/api/v1/documents/{doc.pk}/sections/").json()
        return len(ctx), rows, [q["sql"] for q in ctx.captured_queries]

    few, rows, _ = count(document_with(1))
    assert rows[0]["key_terms"][0]["term"] == "五个认同" and rows[0]["topics"] == ["铸牢中华民族共同体意识"]
    many, rows, sql = count(document_with(30))
    assert len(rows) == 30 and all(r["topics"] == ["铸牢中华民族共同体意识"] for r in rows)
    assert many == few, "\n".join(sql)
