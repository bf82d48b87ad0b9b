"""The ledger in a real browser (Debian's chromium through Playwright) on a 375-px phone: an auditor
files a finding from a class that falls short, the organizer records a measure and submits, the
auditor closes it; an overdue finding stands out in red on the list; no page scrolls sideways.
Screenshots go to /tmp/ledger-*.png for a person to look at."""
import pytest

from courses.tests.test_browser_library import no_sideways_scroll, sign_in
from reports.findings import Finding

from .conftest import file_finding, in_days, make_overdue
from .test_ledger_pages import short_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = dict(width=375, height=800, mobile=True)


def test_a_finding_from_a_short_class_to_closed_on_a_phone(live_server, tree, people, browser_page):
    base = live_server.url
    training_class = short_class(tree, people)
    late = make_overdue(file_finding(people["auditor_a"], tree["town_a"], title="签到记录缺失，未按要求留存台账资料"))

    auditor = browser_page(**PHONE)
    sign_in(auditor, base, "auditor_a")
    auditor.goto(f"{base}/classes/{training_class.pk}/")
    auditor.click("[data-file-finding]")
    auditor.wait_for_url(f"{base}/findings/new/?training_class={training_class.pk}")
    assert "第三期主体班" in auditor.input_value("#id_title")
    assert "0.99 / 9.99" in auditor.input_value("#id_description")
    no_sideways_scroll(auditor)
    auditor.screenshot(path="/tmp/ledger-new.png", full_page=True)
    auditor.click("[data-finding-form] button[type=submit]")
    auditor.wait_for_selector("[data-finding-status='open']")
    finding = Finding.objects.get(training_class=training_class)
    no_sideways_scroll(auditor)

    organizer = browser_page(**PHONE)
    sign_in(organizer, base, "organizer_a")
    organizer.goto(f"{base}/findings/{finding.pk}/")
    organizer.click("[data-action='start']")
    organizer.wait_for_selector("[data-finding-status='rectifying']")
    organizer.fill("#id_text", "补排铸牢中华民族共同体意识专题课2课时，调整课程表。")
    organizer.fill("#id_responsible_name", "张伟")
    organizer.fill("#id_responsible_unit", "甲盟一旗党校")
    organizer.fill("#id_due_on", in_days(10).isoformat())
    organizer.click("[data-measure-form] button[type=submit]")
    organizer.click("[data-measure-done]")
    organizer.wait_for_selector("[data-measures-done]:has-text('1 / 1')")
    organizer.click("[data-action='submit']")
    organizer.wait_for_selector("[data-finding-status='submitted']")
    no_sideways_scroll(organizer)
    organizer.screenshot(path="/tmp/ledger-finding.png", full_page=True)

    auditor.goto(f"{base}/findings/{finding.pk}/")
    auditor.fill("#id_comment", "整改到位，同意销号。")
    auditor.click("[data-action='close']")
    auditor.wait_for_selector("[data-finding-status='closed']")
    assert auditor.locator(".timeline__item").count() >= 6

    auditor.goto(f"{base}/findings/")
    row = auditor.locator(f"[data-finding='{late.pk}']")
    assert row.get_attribute("data-overdue") is not None
    assert row.locator(".overdue-tag").is_visible()
    colour = row.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour == "rgb(180, 35, 24)", colour  # --c-error
    no_sideways_scroll(auditor)
    auditor.screenshot(path="/tmp/ledger-list.png", full_page=True)
