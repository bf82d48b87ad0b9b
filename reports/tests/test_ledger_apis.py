"""The ledger's API: filing, the list and its filters, transitions, measures, responsible people,
evidence upload and download, the timeline and the exports; an auditor of league B gets none of
league A's findings in any list, count, detail, file or export; the list's query count does not
grow with its rows."""
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.tests.conftest import make_class
from reports.findings import EvidenceFile, Finding, Measure
from reports.ledger import services

from .conftest import PDF_BYTES, file_finding, in_days, make_overdue, png_bytes, upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def measure_for(finding, actor, **kwargs):
    values = dict(text="增加专题课", responsible_name="张伟", responsible_unit="甲盟党校", due_on=in_days(5))
    values.update(kwargs)
    return services.measure_create(actor=actor, finding=finding, **values)


# --- scope -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, expected", [
    ("auditor_a", {"a"}), ("organizer_a", {"a"}), ("auditor_b", {"b"}), ("admin_region", {"a", "b"}), ("trainee_a", set()),
    ("organizer_b", {"b"}),
])
def test_the_list_holds_only_findings_in_the_callers_scope(api_client, people, auditor_b, findings, who, expected):
    user = auditor_b if who == "auditor_b" else people[who]
    response = as_user(api_client, user).get(URL)
    assert set(ids(response)) == {findings[k].pk for k in expected}
    assert response.json()["count"] == len(expected)


def test_league_b_gets_none_of_league_a_in_detail_parts_files_or_exports(api_client, people, auditor_b, findings):
    a = findings["a"]
    measure = measure_for(a, people["organizer_a"])
    evidence = services.evidence_upload(actor=people["organizer_a"], finding=a, file=upload("整改报告.pdf", PDF_BYTES))
    client = as_user(api_client, auditor_b)
    for path in ("", "measures/", "responsibilities/", "evidence/", f"evidence/{evidence.pk}/", "history/"):
        response = client.get(f"{URL}{a.pk}/{path}")
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    assert client.post(f"{URL}{a.pk}/transition/", {"action": "start"}, format="json").status_code == 404
    assert client.put(f"{URL}{a.pk}/measures/{measure.pk}/", {"text": "x", "responsible_name": "x", "due_on": in_days(3)},
                      format="json").status_code == 404
    assert client.delete(f"{URL}{a.pk}/evidence/{evidence.pk}/").status_code == 404
    assert client.get(URL, {"organization": a.organization_id}).json()["count"] == 0
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{URL}export/").content))
    assert [row[2] for row in book["问题清单"].iter_rows(min_row=2, values_only=True)] == ["乙市轮训覆盖不全"]
    assert book["措施清单"].max_row == 1  # the header only: league A's measure is not there
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists() and Measure.objects.filter(pk=measure.pk).exists()


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_filters_by_status_organization_overdue_category_and_words(api_client, tree, people, findings):
    auditor = people["admin_region"]
    late = make_overdue(file_finding(auditor, tree["town_a"], title="签到记录缺失", category="attendance"))
    services.finding_transition(actor=people["organizer_a"], finding=findings["a"], action="start")
    client = as_user(api_client, auditor)
    assert ids(client.get(URL, {"status": "rectifying"})) == [findings["a"].pk]
    assert set(ids(client.get(URL, {"organization": tree["league_a"].pk}))) == {findings["a"].pk, late.pk}  # the subtree
    assert ids(client.get(URL, {"organization": tree["town_a"].pk})) == [late.pk]
    assert ids(client.get(URL, {"overdue": "true"})) == [late.pk]
    assert set(ids(client.get(URL, {"overdue": "false"}))) == {findings["a"].pk, findings["b"].pk}
    assert ids(client.get(URL, {"category": "coverage"})) == [findings["b"].pk]
    assert ids(client.get(URL, {"q": "签到"})) == [late.pk]
    row = client.get(URL, {"overdue": "true"}).json()["results"][0]
    assert row["overdue"] is True and row["organization_name"] == "甲盟一旗一镇" and row["status"] == "open"
    assert row["allowed_actions"] == ["start"]  # the region admin manages too
    bad = client.get(URL, {"status": "finished"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def _count(api_client, user, url) -> tuple[int, list[str]]:
    from accounts.models import User

    as_user(api_client, User.objects.get(pk=user.pk))  # no roles cached from an earlier request
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(url).status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries]


def test_the_list_runs_as_many_queries_for_one_finding_as_for_five(api_client, tree, people):
    auditor = people["auditor_a"]
    first = file_finding(auditor, tree["banner_a"], training_class=make_class(tree["banner_a"], people["organizer_a"]))
    measure_for(first, people["organizer_a"])
    one, _ = _count(api_client, auditor, URL)
    for n in range(4):
        finding = file_finding(auditor, tree["town_a"], title=f"问题{n}", training_class=make_class(tree["town_a"], people["organizer_a"]))
        measure_for(finding, people["organizer_a"])
    five, sql = _count(api_client, auditor, URL)
    assert api_client.get(URL).json()["count"] == 5
    assert five == one <= 6, "\n".join(sql)


# --- writing through the API --------------------------------------------------------------------------


def test_an_auditor_files_a_finding_from_a_class_and_others_are_refused(api_client, tree, people):
    training_class = make_class(tree["banner_a"], people["organizer_a"])
    body = {"organization": tree["banner_a"].pk, "training_class": training_class.pk, "title": "专题课时不足",
            "description": "占比9%", "category": "topic_hours", "due_on": in_days(20).isoformat()}
    created = as_user(api_client, people["auditor_a"]).post(URL, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "open" and data["training_class_title"] == training_class.title and data["allowed_actions"] == []
    refused = as_user(api_client, people["organizer_a"]).post(URL, body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "not_in_scope" and "organization" in refused.json()["errors"]
    other_class = make_class(tree["banner_b"], people["organizer_b"])
    hidden = as_user(api_client, people["auditor_a"]).post(URL, {**body, "training_class": other_class.pk}, format="json")
    assert hidden.status_code == 404
    past = as_user(api_client, people["auditor_a"]).post(URL, {**body, "due_on": in_days(-1).isoformat()}, format="json")
    assert past.status_code == 400 and past.json()["code"] == "due_in_past" and "due_on" in past.json()["errors"]
    assert Finding.objects.count() == 1


def test_transitions_measures_and_history_through_the_api(api_client, people, findings):
    a = findings["a"]
    organizer = as_user(api_client, people["organizer_a"])
    assert organizer.post(f"{URL}{a.pk}/transition/", {"action": "start"}, format="json").json()["status"] == "rectifying"
    created = organizer.post(f"{URL}{a.pk}/measures/", {"text": "补排专题课2课时", "responsible_name": "张伟", "due_on": in_days(7).isoformat()},
                             format="json")
    assert created.status_code == 201 and created.json()["done"] is False
    measure_id = created.json()["id"]
    refused = organizer.post(f"{URL}{a.pk}/transition/", {"action": "submit"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "measures_not_done"
    done = organizer.put(f"{URL}{a.pk}/measures/{measure_id}/", {"text": "补排专题课2课时", "responsible_name": "张伟",
                                                                  "responsible_unit": "甲盟党校", "due_on": in_days(7).isoformat(),
                                                                  "done": True}, format="json")
    assert done.status_code == 200 and done.json()["done"] is True and done.json()["responsible_unit"] == "甲盟党校"
    assert organizer.post(f"{URL}{a.pk}/transition/", {"action": "submit"}, format="json").json()["status"] == "submitted"
    forbidden = organizer.post(f"{URL}{a.pk}/transition/", {"action": "close"}, format="json")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    auditor = as_user(api_client, people["auditor_a"])
    no_comment = auditor.post(f"{URL}{a.pk}/transition/", {"action": "send_back"}, format="json")
    assert no_comment.status_code == 400 and no_comment.json()["code"] == "comment_required"
    closed = auditor.post(f"{URL}{a.pk}/transition/", {"action": "close", "comment": "整改到位"}, format="json").json()
    assert closed["status"] == "closed" and closed["allowed_actions"] == ["reopen"] and closed["measures_done"] == 1
    history = auditor.get(f"{URL}{a.pk}/history/").json()
    assert [h["event"] for h in history] == ["close", "submit", "measure_done", "measure_add", "start", "file"]
    assert history[0]["comment"] == "整改到位" and history[0]["user_name"] == people["auditor_a"].display_name
    assert history[0]["status"] == "closed"
    locked = as_user(api_client, people["organizer_a"]).delete(f"{URL}{a.pk}/measures/{measure_id}/")
    assert locked.status_code == 409 and locked.json()["code"] == "finding_locked"


def test_editing_a_finding_moves_its_due_date_with_a_reason(api_client, people, findings):
    a = findings["a"]
    response = as_user(api_client, people["auditor_a"]).patch(f"{URL}{a.pk}/", {"due_on": in_days(60).isoformat(), "comment": "延期"},
                                                               format="json")
    assert response.status_code == 200 and response.json()["due_on"] == in_days(60).isoformat()
    assert response.json()["title"] == a.title
    assert a.history.latest().history_change_reason == "edit: 延期"
    assert as_user(api_client, people["organizer_a"]).patch(f"{URL}{a.pk}/", {"title": "改"}, format="json").status_code == 403


def test_responsibilities_through_the_api(api_client, people, findings):
    a = findings["a"]
    client = as_user(api_client, people["auditor_a"])
    created = client.post(f"{URL}{a.pk}/responsibilities/", {"person_name": "王小红", "unit": "甲盟一旗委组织部", "role": "主要责任人"},
                          format="json")
    assert created.status_code == 201
    assert [r["person_name"] for r in client.get(f"{URL}{a.pk}/responsibilities/").json()] == ["王小红"]
    assert client.delete(f"{URL}{a.pk}/responsibilities/{created.json()['id']}/").status_code == 204
    assert client.get(f"{URL}{a.pk}/responsibilities/").json() == []


def test_evidence_upload_download_and_refusal(api_client, people, findings):
    a = findings["a"]
    measure = measure_for(a, people["organizer_a"])
    client = as_user(api_client, people["organizer_a"])
    created = client.post(f"{URL}{a.pk}/evidence/", {"file": upload("现场照片.png", png_bytes()), "measure": measure.pk}, format="multipart")
    assert created.status_code == 201, created.content
    assert created.json()["measure"] == measure.pk and created.json()["content_type"] == "image/png"
    download = as_user(api_client, people["auditor_a"]).get(f"{URL}{a.pk}/evidence/{created.json()['id']}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    assert "filename*=utf-8''%E7%8E%B0" in download["Content-Disposition"]
    refused = client.post(f"{URL}{a.pk}/evidence/", {"file": upload("报告.exe", b"MZ0000")}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "file_type_not_allowed" and "file" in refused.json()["errors"]
    assert [e["name"] for e in client.get(f"{URL}{a.pk}/evidence/").json()] == ["现场照片.png"]


def test_the_export_in_both_formats(api_client, people, findings):
    client = as_user(api_client, people["admin_region"])
    xlsx = client.get(f"{URL}export/", {"status": "open"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["问题清单", "措施清单", "责任清单"]
    pdf = client.get(f"{URL}export/", {"file_format": "pdf", "organization": findings["b"].organization_id})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"{URL}export/", {"file_format": "doc"}).status_code == 400
