"""The reports API gives the known answers, only inside the caller's scope, in a fixed number of
queries; the summary paragraph quotes the same figures."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .test_rollups import dataset, people, person, session, tree  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def get(api_client, user, url, **params):
    api_client.force_authenticate(user)
    return api_client.get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_compliance_report_lists_the_classes_and_the_rollup_with_the_known_answers(api_client, dataset, people, tree):
    body = get(api_client, people["auditor_a"], "/api/v1/reports/compliance/", organization=tree["league_a"].pk, rule=dataset["rule"].pk).json()
    assert body["classes"]["count"] == 3
    assert [(c["title"], c["total_centi_hours"], c["topic_centi_hours"], c["state"], c["retag_centi_hours"])
            for c in body["classes"]["results"]] == [
        ("恰好10%", 700, 70, "complies", 0), ("差一点", 1000, 99, "short", 1), ("未排课", 0, 0, "undecided", 0)]
    assert [(r["organization"]["name"], r["classes"], r["decidable"], r["complying"]) for r in body["rollup"]] == [
        ("甲盟", 3, 2, 1), ("甲盟一旗", 2, 1, 0), ("甲盟一旗一镇", 1, 0, 0)]


def test_an_organization_outside_the_callers_scope_is_a_404_and_the_default_is_their_own(api_client, dataset, people, tree):
    assert get(api_client, people["auditor_a"], "/api/v1/reports/compliance/", organization=tree["league_b"].pk).status_code == 404
    assert get(api_client, people["auditor_a"], "/api/v1/reports/statistics/", organization=tree["league_b"].pk).status_code == 404
    assert get(api_client, people["trainee_a"], "/api/v1/reports/statistics/").status_code == 404
    body = get(api_client, people["auditor_a"], "/api/v1/reports/statistics/").json()
    assert body["organization"]["name"] == "甲盟"


def test_statistics_come_with_the_previous_period(api_client, dataset, people, tree):
    body = get(api_client, people["auditor_a"], "/api/v1/reports/statistics/", organization=tree["league_a"].pk).json()
    assert body["figures"]["classes"] == 5 and body["figures"]["person_times"] == 3 and body["figures"]["hours"] == 2200
    assert body["previous"]["classes"] == 1 and body["previous_period"]["starts_on"].endswith("-01-01")
    refused = get(api_client, people["auditor_a"], "/api/v1/reports/statistics/", starts_on="2026-05-01")
    assert refused.status_code == 400 and "ends_on" in refused.json()["errors"]


def test_the_summary_paragraph_quotes_the_report_figures(api_client, dataset, people, tree):
    from courses.models import ComplianceRule

    ComplianceRule.objects.exclude(pk=dataset["rule"].pk).update(active=False)
    body = get(api_client, people["auditor_a"], "/api/v1/reports/summary/", organization=tree["league_a"].pk,
               year=timezone.localdate().year).json()
    text = body["text"]
    assert "5" in text and "3" in text and "22" in text  # classes, person-times, class hours
    assert "9.94%" in text  # 169 of 1700 covered hours, rounded down
    assert body["figures"]["complying"] == 1 and body["figures"]["decidable"] == 2


def test_the_compliance_report_runs_as_many_queries_for_3_classes_as_for_13(api_client, dataset, people, tree):
    from courses.tests.conftest import make_class

    def count():
        api_client.force_authenticate(type(people["auditor_a"]).objects.get(pk=people["auditor_a"].pk))  # no cached scope
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get("/api/v1/reports/compliance/", {"organization": tree["league_a"].pk, "rule": dataset["rule"].pk}).status_code == 200
        return len(captured)

    before = count()
    for n in range(10):
        made = make_class(tree["banner_a"], people["organizer_a"], title=f"加开{n}", status="running")
        session(made, 200, topical=n % 2 == 0)
    assert count() == before
