"""The classes API: scope, sessions, roster import, check-in over HTTP, and query counts."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.conftest import person
from accounts.tests.helpers import upload, xlsx
from courses.models import Attendance, ClassSession, Enrollment, TrainingClass
from courses.training import attendance

from .conftest import TOPIC, enroll, make_class, make_session

pytestmark = pytest.mark.django_db


def as_user(api_client, user):
    api_client.force_authenticate(User.objects.get(pk=user.pk))
    return api_client


def test_an_organizer_creates_a_class_and_schedules_sessions_with_exact_hours(api_client, tree, people):
    client = as_user(api_client, people["organizer_a"])
    today = timezone.localdate()
    response = client.post("/api/v1/classes/", {
        "organization": tree["banner_a"].pk, "kind": "main", "title": "旗委党校第一期主体班",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=4)).isoformat(),
    }, format="json")
    assert response.status_code == 201, response.content
    class_id = response.json()["id"]
    assert response.json()["status"] == "planned" and response.json()["year"] == today.year
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    first = client.post(f"/api/v1/classes/{class_id}/sessions/", {
        "title": "铸牢中华民族共同体意识专题", "starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=100)).isoformat(),
        "topics": [TOPIC],
    }, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["centi_hours"] == 222 and first.json()["hours"] == "2.22"  # 100 min / 45, to the hundredth
    overlapping = client.post(f"/api/v1/classes/{class_id}/sessions/", {
        "title": "重叠", "starts_at": (start + timedelta(minutes=99)).isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "centi_hours": 70,
    }, format="json")
    assert overlapping.status_code == 400 and overlapping.json()["code"] == "session_overlaps"
    assert "铸牢中华民族共同体意识专题" in overlapping.json()["message"]
    adjoining = client.post(f"/api/v1/classes/{class_id}/sessions/", {
        "title": "紧接着的一课", "starts_at": (start + timedelta(minutes=100)).isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "centi_hours": 70,
    }, format="json")
    assert adjoining.status_code == 201
    assert ClassSession.objects.filter(training_class_id=class_id).count() == 2
    compliance = client.get(f"/api/v1/classes/{class_id}/compliance/").json()["results"]
    assert [(r["metric"], r["state"]) for r in compliance] == [("topic_hour_ratio", "complies")]


def test_classes_outside_the_subtree_do_not_exist(api_client, tree, people):
    mine = make_class(tree["league_a"], people["organizer_a"])
    theirs = make_class(tree["league_b"], people["organizer_b"])
    client = as_user(api_client, people["organizer_b"])
    assert [c["id"] for c in client.get("/api/v1/classes/").json()["results"]] == [theirs.pk]
    for url in (f"/api/v1/classes/{mine.pk}/", f"/api/v1/classes/{mine.pk}/sessions/", f"/api/v1/classes/{mine.pk}/enrollments/",
                f"/api/v1/classes/{mine.pk}/compliance/"):
        assert client.get(url).status_code == 404, url
    session = make_session(mine)
    assert client.get(f"/api/v1/sessions/{session.pk}/attendance/").status_code == 404
    assert client.get(f"/api/v1/sessions/{session.pk}/checkin-display/").status_code == 404
    assert client.post(f"/api/v1/sessions/{session.pk}/checkin/open/").status_code == 404
    # An auditor of league A reads the roster and compliance, but cannot show the QR code.
    auditor = as_user(api_client, people["auditor_a"])
    assert auditor.get(f"/api/v1/classes/{mine.pk}/enrollments/").status_code == 200
    assert auditor.get(f"/api/v1/sessions/{session.pk}/checkin-display/").status_code == 404


def test_a_trainee_sees_their_timetable_but_not_the_roster(api_client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"])
    make_session(training_class)
    enroll(training_class, people["trainee_a"])
    client = as_user(api_client, people["trainee_a"])
    assert [c["id"] for c in client.get("/api/v1/classes/").json()["results"]] == [training_class.pk]
    assert client.get(f"/api/v1/classes/{training_class.pk}/sessions/").json()["count"] == 1
    assert client.get(f"/api/v1/classes/{training_class.pk}/enrollments/").status_code == 404
    assert as_user(api_client, people["trainee_b"]).get(f"/api/v1/classes/{training_class.pk}/").status_code == 404


def test_registration_is_approved_by_an_organizer(api_client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"], status="enrolling")
    trainee = as_user(api_client, people["trainee_a"])
    assert [c["id"] for c in trainee.get("/api/v1/classes/").json()["results"]] == [training_class.pk]
    registered = trainee.post(f"/api/v1/classes/{training_class.pk}/register/")
    assert registered.status_code == 201 and registered.json()["status"] == "pending"
    assert as_user(api_client, people["trainee_b"]).post(f"/api/v1/classes/{training_class.pk}/register/").status_code == 404
    organizer = as_user(api_client, people["organizer_a"])
    enrollment_id = registered.json()["enrollment"]
    refused = organizer.post(f"/api/v1/classes/{training_class.pk}/enrollments/{enrollment_id}/decide/", {"approve": False}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    approved = as_user(api_client, people["organizer_a"]).post(f"/api/v1/classes/{training_class.pk}/enrollments/{enrollment_id}/decide/", {"approve": True}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "enrolled"


def test_a_roster_with_one_bad_row_imports_nobody_and_names_the_row(api_client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"])
    a = person(tree["town_a"], Role.Kind.TRAINEE, display_name="乌云", employee_number="T1001", phone="13800000001")
    b = person(tree["banner_a"], Role.Kind.TRAINEE, display_name="巴特尔", employee_number="T1002")
    client = as_user(api_client, people["organizer_a"])
    bad = xlsx([["乌云", "T1001", "", "NM-A-1-1"], ["巴特尔", "T1002", "", "NM-A-1"], ["其木格", "", "13800000002", "NM-A-1"]],
               header=["姓名", "工号", "手机", "单位编码"])
    response = client.post(f"/api/v1/classes/{training_class.pk}/enrollments/import/", {"file": upload("名单.xlsx", bad)}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "import_invalid"
    [error] = response.json()["errors"]
    assert (error["row"], error["column"]) == (4, "手机") and "13800000002" in error["message"]
    assert not Enrollment.objects.exists()
    good = xlsx([["乌云", "", "13800000001", "NM-A-1-1"], ["巴特尔", "T1002", "", "NM-A-1"]], header=["姓名", "工号", "手机", "单位编码"])
    response = client.post(f"/api/v1/classes/{training_class.pk}/enrollments/import/", {"file": upload("名单.xlsx", good)}, format="multipart")
    assert response.status_code == 200 and response.json()["added"] == 2
    assert set(Enrollment.objects.values_list("user_id", flat=True)) == {a.pk, b.pk}
    wrong_name = xlsx([["乌云其其格", "T1001", "", "NM-A-1-1"]], header=["姓名", "工号", "手机", "单位编码"])
    response = client.post(f"/api/v1/classes/{training_class.pk}/enrollments/import/", {"file": upload("名单.xlsx", wrong_name)}, format="multipart")
    assert response.json()["errors"][0]["row"] == 2 and response.json()["errors"][0]["column"] == "姓名"
    broken = client.post(f"/api/v1/classes/{training_class.pk}/enrollments/import/", {"file": upload("名单.xlsx", xlsx([["x"]])[:50])}, format="multipart")
    assert broken.status_code == 400 and broken.json()["code"] == "not_excel"


def test_check_in_over_http_is_201_then_200(api_client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"])
    session = make_session(training_class, minutes=120)
    enroll(training_class, people["trainee_a"])
    organizer = as_user(api_client, people["organizer_a"])
    display = organizer.post(f"/api/v1/sessions/{session.pk}/checkin/open/").json()
    assert display["open"] and display["qr_svg"].startswith("<svg") and len(display["code"]) == 6
    trainee = as_user(api_client, people["trainee_a"])
    first = trainee.post("/api/v1/checkin/", {"token": display["token"]}, format="json")
    assert first.status_code == 201 and first.json()["status"] == "present"
    again = trainee.post("/api/v1/checkin/", {"token": display["token"]}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert Attendance.objects.count() == 1
    organizer = as_user(api_client, people["organizer_a"])
    assert organizer.get(f"/api/v1/sessions/{session.pk}/checkin-display/").json()["checked_in"] == 1
    stranger = as_user(api_client, people["trainee_b"]).post("/api/v1/checkin/", {"token": display["token"]}, format="json")
    assert stranger.status_code == 403 and stranger.json()["code"] == "not_on_roster"


def test_closing_needs_the_agenda_and_timetable(api_client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    training_class = make_class(tree["league_a"], people["organizer_a"])
    client = as_user(api_client, people["organizer_a"])
    response = client.post(f"/api/v1/classes/{training_class.pk}/close/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "files_missing"
    assert TrainingClass.objects.get(pk=training_class.pk).status == "running"
    files = {"agenda_file": SimpleUploadedFile("议程.pdf", b"%PDF-1.4 agenda"), "timetable_file": SimpleUploadedFile("课表.xlsx", b"timetable")}
    response = client.post(f"/api/v1/classes/{training_class.pk}/close/", files, format="multipart")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    locked = client.post(f"/api/v1/classes/{training_class.pk}/sessions/", {
        "title": "补课", "starts_at": timezone.now().isoformat(), "ends_at": (timezone.now() + timedelta(hours=1)).isoformat()}, format="json")
    assert locked.status_code == 400 and locked.json()["code"] == "class_closed"


# --- query counts ----------------------------------------------------------------------------


def count_queries(api_client, user, url):
    as_user(api_client, user)
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx), response


def grow(tree, people, n, state):
    """n more classes, sessions, trainees and marks, on the same first class."""
    organizer = people["organizer_a"]
    if "class" not in state:
        state["class"] = make_class(tree["league_a"], organizer)
        state["session"] = make_session(state["class"], starts_at=timezone.now() - timedelta(days=30), topics=[TOPIC])
    for _ in range(n):
        make_class(tree["banner_a"], organizer, title="更多班次")
        last = ClassSession.objects.filter(training_class=state["class"]).order_by("-starts_at").first()
        make_session(state["class"], starts_at=last.ends_at + timedelta(minutes=10), topics=[TOPIC, "其他"])
        [enrollment] = enroll(state["class"], person(tree["town_a"], Role.Kind.TRAINEE))
        attendance.attendance_mark(actor=organizer, session=state["session"], enrollment=enrollment, status="present")


@pytest.mark.parametrize("url", [
    "/api/v1/classes/",
    "/api/v1/classes/{class}/sessions/",
    "/api/v1/classes/{class}/enrollments/",
    "/api/v1/sessions/{session}/attendance/",
])
def test_list_queries_do_not_grow_with_rows(api_client, tree, people, url):
    state = {}
    grow(tree, people, 1, state)
    full = url.format(**{"class": state["class"].pk, "session": state["session"].pk}) + "?page_size=100"
    few, response_few = count_queries(api_client, people["organizer_a"], full)
    grow(tree, people, 30, state)
    many, response_many = count_queries(api_client, people["organizer_a"], full)
    assert response_many.json()["count"] >= response_few.json()["count"] + 30
    assert many == few, f"{url}: {few} queries for the small list, {many} for the large one"
