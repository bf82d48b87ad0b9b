"""The certificates API: scope (nobody downloads outside it but through verification), the public
verification and its rate limit, templates, transcripts, and query counts of every list."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import Certificate

from .conftest import closed_class, issue, make_template, trainees_at


def signed_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def issued(closed, people):
    issue(closed, people["organizer_a"])
    return Certificate.objects.get(training_class=closed, user=people["trainee_a"])


def test_a_trainee_downloads_their_own_certificate_and_nobody_else_outside_scope_can(api_client, people, issued):
    url = f"/api/v1/certificates/{issued.pk}/download/"
    response = signed_in(api_client, people["trainee_a"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and issued.serial in response["Content-Disposition"]
    for outsider in ("trainee_b", "organizer_b"):
        assert signed_in(api_client, people[outsider]).get(url).status_code == 404
        assert signed_in(api_client, people[outsider]).get("/api/v1/certificates/").json()["count"] == 0
    assert signed_in(api_client, people["auditor_a"]).get(url).status_code == 200  # staff of the host's subtree


def test_another_trainee_of_the_same_class_cannot_read_a_classmates_certificate(api_client, closed, people, issued):
    classmate = Certificate.objects.filter(training_class=closed).exclude(user=people["trainee_a"]).first()
    client = signed_in(api_client, people["trainee_a"])
    assert client.get(f"/api/v1/certificates/{classmate.pk}/").status_code == 404
    assert client.get(f"/api/v1/certificates/{classmate.pk}/download/").status_code == 404
    assert [c["id"] for c in client.get("/api/v1/certificates/").json()["results"]] == [issued.pk]


def test_the_class_zip_holds_every_valid_certificate_for_staff_only(api_client, closed, people, issued):
    import io
    import zipfile

    response = signed_in(api_client, people["organizer_a"]).get(f"/api/v1/classes/{closed.pk}/certificates/zip/")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
    assert signed_in(api_client, people["organizer_b"]).get(f"/api/v1/classes/{closed.pk}/certificates/zip/").status_code == 404
    assert signed_in(api_client, people["trainee_a"]).get(f"/api/v1/classes/{closed.pk}/certificates/zip/").status_code == 404


def test_the_public_verification_needs_no_sign_in_and_shows_only_the_listed_facts(api_client, issued):
    response = api_client.get(f"/api/v1/verify/{issued.code}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid" and body["serial"] == issued.serial
    assert issued.name not in str(body) and body["name"][0] == issued.name[0]
    assert set(body) == {"kind", "status", "replaced", "serial", "name", "title", "hours", "date", "dates", "issuer"}
    assert api_client.get("/api/v1/verify/not-a-code/").status_code == 404


def test_verification_is_rate_limited_per_address(api_client, issued, settings):
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 3
    cache.clear()
    codes = [api_client.get(f"/api/v1/verify/{issued.code}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "code" in api_client.get(f"/api/v1/verify/{issued.code}/").json()
    cache.clear()


def test_revoking_through_the_api_needs_a_reason_and_the_verification_says_revoked(api_client, people, issued):
    client = signed_in(api_client, people["organizer_a"])
    refused = client.post(f"/api/v1/certificates/{issued.pk}/revoke/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    assert client.post(f"/api/v1/certificates/{issued.pk}/revoke/", {"reason": "信息有误"}, format="json").json()["status"] == "revoked"
    assert api_client.get(f"/api/v1/verify/{issued.code}/").json()["status"] == "revoked"
    assert signed_in(api_client, people["organizer_b"]).post(f"/api/v1/certificates/{issued.pk}/reissue/", {"reason": "x"}, format="json").status_code == 404


def test_issuing_through_the_api_runs_and_reports_progress(api_client, closed, people, django_capture_on_commit_callbacks):
    client = signed_in(api_client, people["organizer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/classes/{closed.pk}/certificates/")
    assert response.status_code == 202
    run = client.get(f"/api/v1/classes/{closed.pk}/certificates/run/").json()
    assert run["status"] == "done" and run["done"] == run["total"] == 3
    assert signed_in(api_client, people["auditor_a"]).post(f"/api/v1/classes/{closed.pk}/certificates/").status_code == 403


def test_a_template_with_an_unknown_placeholder_is_refused_naming_it(api_client, tree, people):
    response = signed_in(api_client, people["organizer_a"]).post("/api/v1/certificate-templates/", {
        "organization": tree["league_a"].pk, "name": "模板", "title": "结业证书", "body": "{name}参加了{course}", "issuer_line": "甲盟组织部",
    }, format="multipart")
    assert response.status_code == 400 and "{course}" in response.json()["message"]


def test_a_template_preview_is_a_pdf_and_templates_stay_in_scope(api_client, tree, people, template):
    response = signed_in(api_client, people["organizer_a"]).get(f"/api/v1/certificate-templates/{template.pk}/preview/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert signed_in(api_client, people["organizer_b"]).get(f"/api/v1/certificate-templates/{template.pk}/").status_code == 404


def test_a_trainee_asks_for_their_own_transcript_and_not_for_someone_elses(api_client, closed, people):
    from django.utils import timezone

    from courses.models import Attendance

    Attendance.objects.create(session=closed.sessions.get(), enrollment=closed.enrollments.get(user=people["trainee_a"]), status="present",
                              method="manual", recorded_at=timezone.now(), recorded_by=people["organizer_a"])
    client = signed_in(api_client, people["trainee_a"])
    created = client.post("/api/v1/transcripts/", {"year": timezone.localdate().year}, format="json")
    assert created.status_code == 201 and created.json()["attended_centi_hours"] == 2400
    assert client.get(f"/api/v1/transcripts/{created.json()['id']}/download/").content.startswith(b"%PDF")
    other = client.post("/api/v1/transcripts/", {"year": timezone.localdate().year, "user": people["trainee_b"].pk}, format="json")
    assert other.status_code == 404
    assert signed_in(api_client, people["trainee_b"]).get(f"/api/v1/transcripts/{created.json()['id']}/download/").status_code == 404


def add_transcripts(user, count):
    from django.utils import timezone

    from certificates.models import Transcript
    from certificates.services import new_code

    start = Transcript.objects.count()
    for n in range(start, start + count):
        Transcript.objects.create(organization=user.organization, user=user, serial=f"T-{n}", code=new_code(), name=user.display_name,
                                  issuer=user.organization.name, issued_at=timezone.now(), year=2020 + n, rows=[],
                                  attended_centi_hours=100, topic_centi_hours=0)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/api/v1/certificates/", "/api/v1/certificate-templates/", "/api/v1/transcripts/", "class"])
def test_list_queries_do_not_grow_with_the_rows(api_client, tree, people, template, url):
    organizer = people["organizer_a"]
    client = signed_in(api_client, organizer)
    small = closed_class(tree["league_a"], organizer, trainees_at(tree["town_a"], 1, prefix="一"), title="小班")
    from certificates import services

    services.criteria_set(actor=organizer, training_class=small, template=template)
    issue(small, organizer)
    target = f"/api/v1/classes/{small.pk}/certificates/" if url == "class" else url
    add_transcripts(people["trainee_a"], 1)
    before = _queries(client, target)
    big_people = trainees_at(tree["town_a"], 6, prefix="二")
    services.criteria_set(actor=organizer, training_class=small, template=template)
    from courses.tests.conftest import enroll

    for enrollment in enroll(small, *big_people):
        enrollment.completed, enrollment.attended_centi_hours = True, 2400
        enrollment.save(update_fields=["completed", "attended_centi_hours"])
    issue(small, organizer)
    for n in range(4):
        make_template(tree["league_a"], organizer, name=f"模板{n}")
    add_transcripts(people["trainee_a"], 5)
    assert Certificate.objects.filter(training_class=small).count() == 7
    assert _queries(client, target) == before
