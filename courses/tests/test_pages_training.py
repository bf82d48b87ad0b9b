"""The class pages through Django's test client: who sees what, hand marks with reasons, the
roster import's errors, and the trainee's code check-in."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from accounts.tests.conftest import person
from accounts.tests.helpers import xlsx
from courses.models import Attendance, Enrollment
from courses.training import attendance, checkin

from .conftest import TOPIC, enroll, make_class, make_session

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_class_page_shows_the_compliance_panel_to_staff_only(client, tree, people):
    main = make_class(tree["league_a"], people["organizer_a"])
    make_session(main, centi_hours=350, topics=[TOPIC])
    make_session(main, starts_at=timezone.now() + timedelta(hours=3), centi_hours=3650)
    enroll(main, people["trainee_a"])
    page = signed_in(client, people["auditor_a"]).get(f"/classes/{main.pk}/").content.decode()
    assert 'data-rule="topic_hour_ratio" data-state="short"' in page
    assert "0.5" in page and "0.56" in page
    assert "data-session-form" not in page  # auditors read, they do not schedule
    trainee_page = signed_in(client, people["trainee_a"]).get(f"/classes/{main.pk}/").content.decode()
    assert "data-compliance" not in trainee_page and "data-roster" not in trainee_page
    assert signed_in(client, people["organizer_b"]).get(f"/classes/{main.pk}/").status_code == 404


def test_a_hand_mark_needs_a_reason_to_change_and_lands_in_the_record(client, tree, people):
    organizer = people["organizer_a"]
    training_class = make_class(tree["league_a"], organizer)
    session = make_session(training_class)
    [enrollment] = enroll(training_class, people["trainee_a"])
    signed_in(client, organizer)
    url = f"/sessions/{session.pk}/sheet/"
    client.post(url, {"enrollment": enrollment.pk, "status": "absent", "note": ""})
    assert Attendance.objects.get().status == "absent"
    response = client.post(url, {"enrollment": enrollment.pk, "status": "excused", "note": ""}, follow=True)
    assert Attendance.objects.get().status == "absent"
    assert "data-history" in response.content.decode()
    client.post(url, {"enrollment": enrollment.pk, "status": "excused", "note": "病假，有医院证明"})
    page = client.get(url).content.decode()
    assert Attendance.objects.get().status == "excused" and "病假，有医院证明" in page
    # An auditor sees the sheet but not the controls; the organizer of another league gets nothing.
    auditor_page = signed_in(client, people["auditor_a"]).get(url).content.decode()
    assert "病假，有医院证明" in auditor_page and "mark-form" not in auditor_page
    assert signed_in(client, people["auditor_a"]).post(url, {"enrollment": enrollment.pk, "status": "present"}).status_code == 403
    assert signed_in(client, people["organizer_b"]).get(url).status_code == 404


def test_a_bad_roster_file_lists_each_problem_and_enrols_nobody(client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"])
    person(tree["town_a"], Role.Kind.TRAINEE, display_name="乌云", employee_number="T1001")
    content = xlsx([["乌云", "T1001", "", "NM-A-1-1"], ["", "T9999", "", "NM-A-1"]], header=["姓名", "工号", "手机", "单位编码"])
    response = signed_in(client, people["organizer_a"]).post(
        f"/classes/{training_class.pk}/roster/import/", {"file": SimpleUploadedFile("名单.xlsx", content)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-import-errors" in page and "T9999" in page and "<td>3</td>" in page
    assert not Enrollment.objects.exists()


def test_the_trainee_checks_in_with_the_code_on_the_schedule_page(client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"])
    session = attendance.checkin_open(actor=people["organizer_a"], session=make_session(training_class))
    enroll(training_class, people["trainee_a"])
    signed_in(client, people["trainee_a"])
    page = client.get("/schedule/").content.decode()
    assert f'data-session="{session.pk}"' in page
    wrong = client.post("/schedule/", {"code": "abc"})
    assert 'data-checkin-error="code_invalid"' in wrong.content.decode()
    code = checkin.code_for(session, checkin.slot_at(timezone.now()))
    done = client.post("/schedule/", {"code": code}).content.decode()
    assert 'data-checkin-result="present"' in done
    assert Attendance.objects.get().method == "code"


def test_the_scan_page_checks_in_on_post_only(client, tree, people):
    training_class = make_class(tree["league_a"], people["organizer_a"])
    session = attendance.checkin_open(actor=people["organizer_a"], session=make_session(training_class))
    enroll(training_class, people["trainee_a"])
    token = checkin.token_for(session, timezone.now())
    signed_in(client, people["trainee_a"])
    assert "data-auto-submit" in client.get(f"/checkin/?t={token}").content.decode()
    assert not Attendance.objects.exists()  # opening the link alone writes nothing
    assert 'data-checkin-result="present"' in client.post("/checkin/", {"t": token}).content.decode()
    forged = client.post("/checkin/", {"t": token[:-2] + "xx"})
    assert forged.status_code == 400 and 'data-checkin-error="token_forged"' in forged.content.decode()


def test_class_list_and_projector_screen_are_scoped(client, tree, people):
    mine = make_class(tree["league_a"], people["organizer_a"], title="甲盟班")
    make_class(tree["league_b"], people["organizer_b"], title="乙市班")
    session = make_session(mine)
    page = signed_in(client, people["organizer_a"]).get("/classes/").content.decode()
    assert "甲盟班" in page and "乙市班" not in page
    assert client.get(f"/sessions/{session.pk}/checkin-screen/").status_code == 200
    assert signed_in(client, people["auditor_a"]).get(f"/sessions/{session.pk}/checkin-screen/").status_code == 404
    empty = signed_in(client, people["trainee_b"]).get("/classes/").content.decode()
    assert 'class="empty"' in empty
