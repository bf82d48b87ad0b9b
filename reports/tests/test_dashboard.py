"""The auditors' dashboard: the year's figures of a unit and of each unit under it, the classes it
hosts with those that fall short standing out, only inside the caller's scope; and in a browser,
from the top down to a class that falls short, a finding filed from it, the compliance PDF."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import ComplianceRule
from courses.tests.conftest import make_class
from reports.findings import Finding

from .test_rollups import dataset, people, person, session, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_rule(dataset):
    ComplianceRule.objects.exclude(pk=dataset["rule"].pk).update(active=False)
    return dataset


def page(client, user, **params):
    client.force_login(user)
    response = client.get("/dashboard/", params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def figure(html, name):
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def test_the_dashboard_shows_the_units_figures_and_each_unit_under_it(client, only_rule, people, tree):
    html = page(client, people["auditor_a"])
    assert "甲盟" in html and "乙市" not in html
    assert (figure(html, "classes"), figure(html, "person_times"), figure(html, "people"), figure(html, "hours")) == ("5", "3", "2", "22")
    assert figure(html, "rate") == "50%"  # 1 of 2 decidable classes
    units = re.findall(r'data-unit="(\d+)"( class="is-overdue" data-short)?', html)
    assert [(int(pk), bool(short)) for pk, short in units] == [(tree["banner_a"].pk, True)]
    # The league hosts one covered class itself, exactly at 10 %.
    assert 'data-state="complies"' in html and "恰好10%" in html


def test_drilling_down_reaches_the_class_that_falls_short_with_a_link_to_file_a_finding(client, only_rule, people, tree):
    html = page(client, people["auditor_a"], organization=tree["banner_a"].pk)
    assert "差一点" in html and 'data-state="short"' in html and "data-file-finding" in html
    assert "甲盟</a> ›" in html  # the way back up
    organizer_html = page(client, people["organizer_a"], organization=tree["banner_a"].pk)
    assert "data-file-finding" not in organizer_html  # organizers answer findings, they do not file them


def test_a_unit_outside_the_callers_scope_is_a_404_and_trainees_are_refused(client, only_rule, people, tree):
    client.force_login(people["auditor_a"])
    assert client.get("/dashboard/", {"organization": tree["league_b"].pk}).status_code == 404
    client.force_login(people["trainee_a"])
    assert client.get("/dashboard/").status_code == 403


def test_the_dashboard_runs_as_many_queries_for_more_units_and_classes(client, only_rule, people, tree):
    from accounts.tests.factories import make_org

    def count():
        client.force_login(people["auditor_a"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/").status_code == 200
        return len(captured)

    before = count()
    for n in range(3):
        unit = make_org(f"甲盟新旗{n}", f"NM-A-N{n}", "banner_county", tree["league_a"])
        made = make_class(unit, people["organizer_a"], title=f"新旗主体班{n}", status="closed")
        session(made, 300, topical=n == 0)
        session(make_class(tree["league_a"], people["organizer_a"], title=f"盟本级{n}", status="running"), 200)
    assert count() == before


@pytest.mark.browser
def test_an_auditor_drills_down_to_a_short_class_files_a_finding_and_downloads_the_pdf(live_server, only_rule, people, tree, browser_page):
    from courses.tests.test_browser_library import no_sideways_scroll, sign_in

    base = live_server.url
    auditor = browser_page(width=375, height=800, mobile=True)
    sign_in(auditor, base, "auditor_a")
    auditor.goto(f"{base}/dashboard/")
    assert auditor.text_content("[data-figure='classes']").strip() == "5"
    no_sideways_scroll(auditor)
    auditor.click(f"[data-unit='{tree['banner_a'].pk}'] a")
    auditor.wait_for_selector("[data-state='short']")
    no_sideways_scroll(auditor)
    auditor.screenshot(path="/tmp/dashboard-banner.png", full_page=True)
    auditor.click("[data-state='short'] [data-file-finding]")
    auditor.wait_for_url(re.compile(r".*/findings/new/\?training_class=\d+"))
    assert "差一点" in auditor.input_value("#id_title")
    auditor.click("[data-finding-form] button[type=submit]")
    auditor.wait_for_selector("[data-finding-status='open']")
    assert Finding.objects.get().training_class.title == "差一点"

    auditor.goto(f"{base}/dashboard/")
    with auditor.expect_download() as download:
        auditor.click("[data-compliance-pdf]")
    path = download.value.path()
    with open(path, "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
