"""The certificate pages through Django's test client: templates with preview, a class's
certificates (criteria, issuing, revoke, reissue), downloads, my certificates and transcripts, the
public verification page and its rate limit; scope (another league's staff and another trainee get
a 404) and query counts."""
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from certificates import selectors, services
from certificates.models import Certificate, CertificateTemplate, IssueRun, IssuingCriteria, Transcript
from courses.models import Attendance

from .conftest import BODY, closed_class, issue, make_template, trainees_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions below read the English interface."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()  # the verification limit counts in the cache, per address and minute
    yield
    cache.clear()


def text(response) -> str:
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def mark_present(training_class, trainee, organizer):
    """The transcript counts attended sessions: mark the trainee present at the class's session."""
    Attendance.objects.create(session=training_class.sessions.get(), enrollment=training_class.enrollments.get(user=trainee),
                              status=Attendance.Status.PRESENT, method=Attendance.Method.MANUAL, recorded_at=timezone.now(),
                              recorded_by=organizer)


def count_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


def png(size=(40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (200, 0, 0, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture
def issued(closed, people):
    """The closed class's certificates: trainee_a's, 欧阳明's and 李华's (the fourth did not complete)."""
    run = issue(closed, people["organizer_a"])
    assert run.status == IssueRun.Status.DONE and run.done == 3
    return {c.user.username: c for c in Certificate.objects.filter(training_class=closed).select_related("user")}


# --- templates ---------------------------------------------------------------------------------


def test_the_template_list_shows_the_templates_in_scope_and_the_new_template_form_to_managers(client, people, template):
    html = text(login(client, people["organizer_a"]).get(reverse("certificate-template-index")))
    assert template.name in html
    assert "New template" in html and "{starts_on}" in html  # the placeholders are listed as help
    assert reverse("certificate-template-page-preview", args=[template.pk]) in html

    html = text(login(client, people["auditor_a"]).get(reverse("certificate-template-index")))
    assert template.name in html and "New template" not in html

    html = text(login(client, people["organizer_b"]).get(reverse("certificate-template-index")))
    assert template.name not in html and "No certificate templates yet" in html

    assert login(client, people["trainee_a"]).get(reverse("certificate-template-index")).status_code == 403


def test_a_manager_creates_a_template_with_a_seal_and_a_refusal_shows_next_to_its_field(client, tree, people):
    login(client, people["organizer_a"])
    data = {"organization": tree["banner_a"].pk, "name": "旗级模板", "title": "培训合格证书", "body": "{name}同志参加{class}，{nonsense}。",
            "issuer_line": "甲盟一旗委组织部", "landscape": "on"}
    refused = client.post(reverse("certificate-template-index"), data)
    assert refused.status_code == 400
    assert 'id="id_body_errors"' in text(refused) and "{nonsense}" in text(refused)
    assert not CertificateTemplate.objects.filter(name="旗级模板").exists()

    response = client.post(reverse("certificate-template-index"), {**data, "body": BODY, "seal": upload("seal.png", png())})
    template = CertificateTemplate.objects.get(name="旗级模板")
    assert response.status_code == 302 and response.url == reverse("certificate-template-page", args=[template.pk])
    assert template.organization == tree["banner_a"] and template.landscape and template.seal

    # Another league's organization is not on offer.
    other = client.post(reverse("certificate-template-index"), {**data, "name": "乙市模板", "organization": tree["league_b"].pk, "body": BODY})
    assert other.status_code == 400 and not CertificateTemplate.objects.filter(name="乙市模板").exists()


def test_a_manager_edits_a_template_removes_its_seal_archives_it_and_previews_it(client, tree, people):
    template = make_template(tree["league_a"], people["organizer_a"], seal=upload("seal.png", png()))
    login(client, people["organizer_a"])
    url = reverse("certificate-template-page", args=[template.pk])
    page = text(client.get(url))
    assert "Remove the seal" in page and reverse("certificate-template-page-preview", args=[template.pk]) in page

    fields = {"name": template.name, "title": "培训合格证书", "body": BODY, "issuer_line": template.issuer_line}
    refused = client.post(url, {**fields, "seal": upload("seal.png", b"not a png")})
    assert refused.status_code == 400 and 'id="id_seal_errors"' in text(refused)
    template.refresh_from_db()
    assert template.title == "结业证书" and template.seal  # unchanged

    response = client.post(url, {**fields, "remove_seal": "on", "archived": "on"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "培训合格证书" and not template.seal and template.archived

    preview = client.get(reverse("certificate-template-page-preview", args=[template.pk]))
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline") and preview.content.startswith(b"%PDF")


def test_a_template_page_is_read_only_for_auditors_and_a_404_outside_scope(client, people, template):
    url = reverse("certificate-template-page", args=[template.pk])
    html = text(login(client, people["auditor_a"]).get(url))
    assert template.body in html and "Save the template" not in html
    assert client.post(url, {"name": "x", "title": "x", "body": "x", "issuer_line": "x"}).status_code == 403
    for outsider in ("organizer_b", "trainee_a"):
        login(client, people[outsider])
        assert client.get(url).status_code == 404
        assert client.get(reverse("certificate-template-page-preview", args=[template.pk])).status_code == 404
    template.refresh_from_db()
    assert template.name == "结业证书模板"


# --- a class's certificates --------------------------------------------------------------------


def test_an_organizer_sets_the_criteria_issues_and_sees_the_certificates(client, tree, people, template):
    others = trainees_at(tree["town_a"], 2)
    training_class = closed_class(tree["league_a"], people["organizer_a"], [people["trainee_a"], *others], completed=[people["trainee_a"], others[0]])
    url = reverse("class-certificates", args=[training_class.pk])
    login(client, people["organizer_a"])
    page = text(client.get(url))
    assert "Save the criteria" in page and template.name in page and "certificate template first." in page

    other_league = make_template(tree["league_b"], people["organizer_b"], name="乙市模板", issuer_line="乙市委组织部")
    refused = client.post(url, {"action": "criteria", "template": other_league.pk, "issue_on_close": "on"})
    assert refused.status_code == 400 and 'id="id_template_errors"' in text(refused)
    assert not IssuingCriteria.objects.filter(training_class=training_class).exists()

    response = client.post(url, {"action": "criteria", "template": template.pk, "exam": ""})
    assert response.status_code == 302 and response.url == url
    criteria = IssuingCriteria.objects.get(training_class=training_class)
    assert criteria.template == template and criteria.exam is None and not criteria.issue_on_close

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(url, {"action": "issue"}).status_code == 302
    run = selectors.latest_run(training_class=training_class)
    assert run.status == IssueRun.Status.DONE and (run.total, run.done) == (2, 2)
    page = text(client.get(url))
    certificates = list(Certificate.objects.filter(training_class=training_class).order_by("serial"))
    assert len(certificates) == 2
    for certificate in certificates:
        assert certificate.serial in page and reverse("certificate-page-download", args=[certificate.pk]) in page
    assert "24" in page  # the class hours, 2400 hundredths
    assert "data-run-done>2<" in page and "data-run-total>2<" in page and "data-active" not in page  # no polling once done
    assert reverse("api-class-certificates-zip", args=[training_class.pk]) in page
    assert reverse("api-class-certificate-run", args=[training_class.pk]) in page


def test_the_run_in_progress_is_polled_and_its_problems_are_listed(client, people, closed):
    IssueRun.objects.create(training_class=closed, status=IssueRun.Status.RUNNING, total=10, done=4,
                            problems=[{"user": 1, "name": "王小红", "reason": "has not passed the exam"}])
    html = text(login(client, people["auditor_a"]).get(reverse("class-certificates", args=[closed.pk])))
    assert "data-active" in html and "js/certificates.js" in html
    assert 'max="10" value="4"' in html and "王小红" in html and "has not passed the exam" in html


def test_auditors_see_a_classs_certificates_without_acting_and_outsiders_get_a_404(client, people, closed, issued):
    url = reverse("class-certificates", args=[closed.pk])
    html = text(login(client, people["auditor_a"]).get(url))
    assert issued["trainee_a"].serial in html
    assert "Save the criteria" not in html and 'value="revoke"' not in html and 'value="issue"' not in html
    assert client.post(url, {"action": "revoke", "certificate": issued["trainee_a"].pk, "reason": "x"}).status_code == 403
    for outsider in ("organizer_b", "trainee_a"):
        assert login(client, people[outsider]).get(url).status_code == 404
        assert client.post(url, {"action": "issue"}).status_code == 404
    assert Certificate.objects.filter(training_class=closed, status="valid").count() == 3


def test_revoking_needs_a_reason_and_the_verification_page_then_says_revoked(client, people, closed, issued, settings):
    certificate = issued["trainee_a"]
    url = reverse("class-certificates", args=[closed.pk])
    login(client, people["organizer_a"])
    refused = client.post(url, {"action": "revoke", "certificate": certificate.pk, "reason": "  "}, follow=True)
    assert "Give the reason for revoking the certificate." in text(refused)
    certificate.refresh_from_db()
    assert certificate.status == "valid"

    client.post(url, {"action": "revoke", "certificate": certificate.pk, "reason": "信息有误"})
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoke_reason == "信息有误"
    page = text(client.get(url))
    assert "信息有误" in page

    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops the cookies, the language one too
    verified = client.get(reverse("verify", args=[certificate.code]))
    assert verified.status_code == 200 and 'data-status="revoked"' in text(verified) and "Revoked" in text(verified)


def test_reissuing_gives_a_new_serial_and_the_old_code_says_replaced(client, people, closed, issued, settings):
    old = issued["学员0"]
    login(client, people["organizer_a"])
    client.post(reverse("class-certificates", args=[closed.pk]), {"action": "reissue", "certificate": old.pk, "reason": "姓名更正"})
    old.refresh_from_db()
    assert old.status == "revoked" and old.replaced_by is not None
    new = old.replaced_by
    assert new.serial != old.serial and new.status == "valid" and new.pdf
    page = text(client.get(reverse("class-certificates", args=[closed.pk])))
    assert f"Replaced by {new.serial}" in page

    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops the cookies, the language one too
    html = text(client.get(reverse("verify", args=[old.code])))
    assert "Replaced by a new certificate" in html and "data-replaced" in html
    assert 'data-status="valid"' in text(client.get(reverse("verify", args=[new.code])))


def test_the_class_page_links_to_its_certificates_for_staff_only(client, people, closed):
    link = reverse("class-certificates", args=[closed.pk])
    assert link in text(login(client, people["auditor_a"]).get(reverse("class-page", args=[closed.pk])))
    assert link not in text(login(client, people["trainee_a"]).get(reverse("class-page", args=[closed.pk])))


# --- downloads ---------------------------------------------------------------------------------


def test_a_certificate_downloads_for_its_trainee_and_the_classs_staff_only(client, people, issued, settings):
    certificate = issued["trainee_a"]
    url = reverse("certificate-page-download", args=[certificate.pk])
    for who in ("trainee_a", "organizer_a", "auditor_a"):
        response = login(client, people[who]).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", who
        assert response.content.startswith(b"%PDF") and certificate.serial in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith("attachment")
    for outsider in ("organizer_b", "trainee_b"):
        assert login(client, people[outsider]).get(url).status_code == 404
    # A classmate's certificate is not the trainee's to download.
    classmate = issued["学员0"]
    assert login(client, people["trainee_a"]).get(reverse("certificate-page-download", args=[classmate.pk])).status_code == 404
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops the cookies, the language one too
    assert client.get(url).status_code == 302  # to the sign-in page


def test_a_certificate_whose_pdf_is_not_made_yet_answers_409_with_a_page(client, people, issued):
    certificate = issued["trainee_a"]
    Certificate.objects.filter(pk=certificate.pk).update(pdf="")
    response = login(client, people["trainee_a"]).get(reverse("certificate-page-download", args=[certificate.pk]))
    assert response.status_code == 409 and "The PDF is being made" in text(response)


# --- my certificates and transcripts --------------------------------------------------------------


def test_my_certificates_lists_the_trainees_own_and_makes_a_transcript(client, people, closed, issued):
    trainee = people["trainee_a"]
    mark_present(closed, trainee, people["organizer_a"])
    login(client, trainee)
    html = text(client.get(reverse("my-certificates")))
    mine = issued["trainee_a"]
    assert mine.serial in html and reverse("certificate-page-download", args=[mine.pk]) in html
    assert issued["学员0"].serial not in html
    assert "Hour transcript for year" in html

    response = client.post(reverse("my-certificates"), {"year": closed.year})
    assert response.status_code == 302 and response.url == reverse("my-certificates")
    transcript = Transcript.objects.get(user=trainee)
    assert transcript.year == closed.year and transcript.attended_centi_hours == 2400
    html = text(client.get(reverse("my-certificates")))
    assert transcript.serial in html
    download = client.get(reverse("transcript-page-download", args=[transcript.pk]))
    assert download.status_code == 200 and download.content.startswith(b"%PDF")

    # Someone else's transcript is a 404 for a trainee, and so is a year with nothing in it.
    assert login(client, people["trainee_b"]).get(reverse("transcript-page-download", args=[transcript.pk])).status_code == 404
    refused = client.post(reverse("my-certificates"), {"year": closed.year})
    assert refused.status_code == 400 and f"No closed class in {closed.year} has hours" in text(refused)
    assert not Transcript.objects.filter(user=people["trainee_b"]).exists()


def test_my_certificates_says_so_when_there_is_none(client, people):
    html = text(login(client, people["trainee_b"]).get(reverse("my-certificates")))
    assert "No certificates yet" in html


# --- public verification ---------------------------------------------------------------------


def test_the_verification_page_is_public_and_shows_the_masked_name_only(client, people, closed, issued):
    certificate = issued["学员0"]  # 欧阳明
    response = client.get(reverse("verify", args=[certificate.code]))
    html = text(response)
    assert response.status_code == 200 and 'data-status="valid"' in html and "Valid" in html
    assert "欧*明" in html and "欧阳明" not in html
    for shown in (certificate.serial, closed.title, certificate.issuer, "24"):
        assert shown in html
    assert 'name="robots" content="noindex"' in html
    assert "Sign out" not in html  # nothing of a signed-in page


def test_an_unknown_code_is_a_friendly_404(client):
    response = client.get(reverse("verify", args=["no-such-code"]))
    assert response.status_code == 404 and "No document with this code" in text(response)


def test_verification_is_rate_limited_per_address(client, settings, issued):
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 2
    url = reverse("verify", args=[issued["trainee_a"].code])
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429 and "Too many verifications" in text(refused) and refused["Retry-After"] == "60"
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200  # another address has its own count


# --- query counts ------------------------------------------------------------------------------


def _class_with(tree, people, template, count, title):
    trainees = trainees_at(tree["town_a"], count, prefix=title)
    training_class = closed_class(tree["league_a"], people["organizer_a"], trainees, title=title)
    services.criteria_set(actor=people["organizer_a"], training_class=training_class, template=template)
    issue(training_class, people["organizer_a"])
    return training_class, trainees


def test_the_class_certificates_page_runs_as_many_queries_for_1_and_5_certificates(client, tree, people, template):
    one, _ = _class_with(tree, people, template, 1, "一期")
    five, _ = _class_with(tree, people, template, 5, "五期")
    login(client, people["organizer_a"])
    count_1, _ = count_queries(client, reverse("class-certificates", args=[one.pk]))
    count_5, sql = count_queries(client, reverse("class-certificates", args=[five.pk]))
    assert count_1 == count_5, "\n".join(sql)


def test_my_certificates_runs_as_many_queries_for_1_and_5_certificates(client, tree, people, template):
    _, [alone] = _class_with(tree, people, template, 1, "独")
    _, [busy] = _class_with(tree, people, template, 1, "忙")
    for n in range(4):
        training_class = closed_class(tree["league_a"], people["organizer_a"], [busy], title=f"第{n}期")
        services.criteria_set(actor=people["organizer_a"], training_class=training_class, template=template)
        issue(training_class, people["organizer_a"])
    assert Certificate.objects.filter(user=busy).count() == 5
    count_1, _ = count_queries(login(client, alone), reverse("my-certificates"))
    count_5, sql = count_queries(login(client, busy), reverse("my-certificates"))
    assert count_1 == count_5, "\n".join(sql)
