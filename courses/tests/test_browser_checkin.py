"""QR check-in in a real browser, with two browser contexts: the organizer's projector screen
and a trainee's phone.

The organizer schedules a session through the class page, opens check-in for the one running
now and shows the QR code; the trainee's phone (375 px) opens the URL the QR code carries and is
checked in; the organizer's live count goes from 0 to 1 without a reload. A person who is not on
the roster opening the same URL is refused with the reason. Screenshots go to /tmp/checkin-*.png."""
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.conftest import person
from courses.models import Attendance, ClassSession

from .conftest import enroll, make_class, make_session
from .test_browser_library import no_sideways_scroll, sign_in

pytestmark = pytest.mark.browser


def test_a_trainee_scans_the_projected_qr_code_and_the_organizers_count_goes_up(live_server, tree, people, browser_page):
    base = live_server.url
    organizer = people["organizer_a"]
    training_class = make_class(tree["league_a"], organizer, title="甲盟铸牢意识专题培训班", kind="special")
    now_session = make_session(training_class, starts_at=timezone.now() - timedelta(minutes=2), minutes=120, title="民族团结进步专题讲座")
    enroll(training_class, people["trainee_a"])
    outsider = person(tree["league_a"], Role.Kind.TRAINEE, username="not_on_roster")

    # The organizer's screen: the class page, where a session for tomorrow morning is added.
    screen = browser_page(width=1280, height=900)
    sign_in(screen, base, "organizer_a")
    screen.click(".site-nav a[href='/classes/']")
    screen.click(f"a[href='/classes/{training_class.pk}/']")
    tomorrow = timezone.localdate() + timedelta(days=1)
    screen.click("[data-add-session]")
    screen.fill("#id_title", "交往交流交融研讨")
    screen.fill("#id_date", tomorrow.isoformat())
    screen.fill("#id_start", "09:00")
    screen.fill("#id_end", "10:30")
    screen.fill("#id_topics", "铸牢中华民族共同体意识")
    screen.click("[data-session-form] button[type=submit]")
    screen.wait_for_selector("text=交往交流交融研讨")
    added = ClassSession.objects.get(title="交往交流交融研讨")
    assert added.centi_hours == 200  # 90 minutes = 2 课时 by default
    assert [t.name for t in added.topics.all()] == ["铸牢中华民族共同体意识"]

    # It opens check-in for the session running now: a QR code, a code, a count of 0.
    screen.click(f"tr[data-session='{now_session.pk}'] [data-checkin-link]")
    screen.click("[data-open-checkin]")
    screen.wait_for_selector("[data-qr] svg")
    screen.wait_for_function("document.querySelector('[data-enrolled]').textContent === '1'")
    assert screen.text_content("[data-count]") == "0"
    assert screen.text_content("[data-code]").isdigit()
    scanned_url = screen.get_attribute("[data-qr]", "data-url")
    assert scanned_url.startswith(f"{base}/checkin/?t={now_session.pk}.")
    screen.screenshot(path="/tmp/checkin-projector.png", full_page=True)

    # The trainee's phone opens what the QR code carries (signing in on the way) and is checked in.
    phone = browser_page(width=375, height=740, mobile=True)
    phone.goto(scanned_url)
    phone.fill("#id_username", "trainee_a")
    phone.fill("#id_password", "pass-Word-123")
    phone.click("form[action='/accounts/login/'] button[type=submit]")
    phone.wait_for_selector("[data-checkin-result='present']")
    assert "民族团结进步专题讲座" in phone.text_content("[data-checkin-result]")
    no_sideways_scroll(phone)
    phone.screenshot(path="/tmp/checkin-phone.png", full_page=True)

    # The organizer's count goes up by itself, and the name shows in the recent list.
    screen.wait_for_function("document.querySelector('[data-count]').textContent === '1'")
    assert people["trainee_a"].display_name in screen.text_content("[data-recent]")

    # Opening the page again records nothing new.
    phone.goto(scanned_url)
    phone.wait_for_selector("[data-checkin-result='present']")
    assert "已" in phone.text_content("[data-checkin-result]") or "already" in phone.text_content("[data-checkin-result]").lower()
    assert Attendance.objects.filter(session=now_session).count() == 1

    # Someone not on the roster opening the same URL is told why, and nothing is recorded.
    other = browser_page(width=375, height=740, mobile=True)
    other.goto(scanned_url)
    other.fill("#id_username", outsider.username)
    other.fill("#id_password", "pass-Word-123")
    other.click("form[action='/accounts/login/'] button[type=submit]")
    other.wait_for_selector("[data-checkin-error='not_on_roster']")
    assert training_class.title in other.text_content("[data-checkin-error]")
    assert Attendance.objects.filter(session=now_session).count() == 1

    # The trainee's schedule shows the mark.
    phone.goto(f"{base}/schedule/")
    assert phone.locator(f"[data-session='{now_session.pk}'] [data-my-mark]").text_content().strip() in ("出勤", "Present")
    no_sideways_scroll(phone)
