"""Certificates in a real browser (Debian's chromium through Playwright), on a 375-px phone.

A trainee signs in, opens My certificates from the navigation, downloads the certificate (a PDF),
then the verification page the QR code leads to, opened without signing in, says valid. The
organizer's template pages fit the phone, and the page of the class's certificates follows a running issue: the bar moves and the page
shows the result when the run ends. No page scrolls sideways. Screenshots go to
/tmp/certificates-*.png for a person to look at."""
import re

import pytest

from certificates import services
from certificates.models import Certificate, IssueRun
from courses.tests.test_browser_library import no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = dict(width=375, height=800, mobile=True)


@pytest.fixture
def issued(closed, people):
    """The class's certificates, issued as the page's button does (the eager task runs on commit)."""
    run = services.issue_request(actor=people["organizer_a"], training_class=closed)
    run.refresh_from_db()
    assert run.status == IssueRun.Status.DONE and run.done == 3
    return Certificate.objects.get(training_class=closed, user=people["trainee_a"])


def test_a_trainee_downloads_a_certificate_and_its_verification_page_says_valid_on_a_phone(live_server, people, issued, browser_page):
    base = live_server.url
    page = browser_page(**PHONE)
    sign_in(page, base, "trainee_a")

    # My certificates, from the navigation behind the Menu button.
    page.click(".menu-toggle")
    page.click(".site-nav a[href='/my/certificates/']")
    page.wait_for_url(f"{base}/my/certificates/")
    item = f"[data-my-certificates] [data-certificate='{issued.pk}']"
    assert page.get_attribute(item, "data-status") == "valid"
    assert issued.serial in page.text_content(item)
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/certificates-mine.png", full_page=True)

    with page.expect_download() as caught:
        page.click(f"{item} [data-download]")
    download = caught.value
    assert download.suggested_filename == f"{issued.serial}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # The verification page, opened as a stranger would from the QR code: no session.
    stranger = browser_page(**PHONE)
    response = stranger.goto(f"{base}/verify/{issued.code}/")
    assert response.status == 200
    assert stranger.get_attribute("[data-verify]", "data-status") == "valid"
    assert stranger.text_content("[data-verify-status]").strip() in ("有效", "Valid")
    name = stranger.text_content("[data-verify-name]").strip()
    assert name != issued.name and name[0] == issued.name[0] and "*" in name
    assert stranger.locator(".site-account__logout").count() == 0
    no_sideways_scroll(stranger)
    assert stranger.evaluate("document.querySelector('[data-verify-status]').getBoundingClientRect().right") <= 375
    stranger.screenshot(path="/tmp/certificates-verify.png", full_page=True)


def test_the_class_certificates_page_follows_a_running_issue_on_a_phone(live_server, people, closed, issued, browser_page):
    run = IssueRun.objects.create(training_class=closed, status=IssueRun.Status.RUNNING, total=4, done=1, requested_by=people["organizer_a"])
    page = browser_page(**PHONE)
    sign_in(page, base := live_server.url, "organizer_a")

    # The templates, from the navigation: the list with the new-template form, and a template's page.
    page.click(".menu-toggle")
    page.click(".site-nav a[href='/certificate-templates/']")
    page.click("[data-new-template]")
    page.wait_for_selector("#id_body")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/certificates-templates.png", full_page=True)
    page.click(f"a[href='/certificate-templates/{issued.template_id}/']")
    page.wait_for_selector("[data-template-form]")
    no_sideways_scroll(page)

    # The class's page links to its certificates.
    page.goto(f"{base}/classes/{closed.pk}/")
    page.click("[data-certificates-link]")
    page.wait_for_url(f"{base}/classes/{closed.pk}/certificates/")
    page.wait_for_selector("[data-run][data-active]")
    assert page.get_attribute("[data-run-progress]", "value") == "1"
    assert page.locator("[data-certificates] tr[data-certificate]").count() == 3
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/certificates-class.png", full_page=True)

    # The worker moves on: the bar follows within a poll (2 s).
    IssueRun.objects.filter(pk=run.pk).update(done=3)
    page.wait_for_function("document.querySelector('[data-run-progress]').value === 3", timeout=6_000)
    assert page.text_content("[data-run-done]") == "3"

    # It ends with a problem: the page loads again and shows who was left out, no longer polling.
    IssueRun.objects.filter(pk=run.pk).update(status=IssueRun.Status.DONE, done=4,
                                              problems=[{"user": 0, "name": "王小红", "reason": "has not passed the exam"}])
    page.wait_for_selector("[data-run]:not([data-active]) [data-problems]", timeout=6_000)
    assert "王小红" in page.text_content("[data-problems]")
    assert re.search(r"\b4\b", page.text_content("[data-run-done]"))
    no_sideways_scroll(page)
