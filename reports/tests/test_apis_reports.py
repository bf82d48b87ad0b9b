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
    assert "举办培训班5期，培训3人次（2人），授课22课时" in text  # classes, person-times, people, class hours
    assert "开展宣讲2场次，受众200人次" in text
    assert "课时占比9.94%" in text and "2个可判定班次中1个" in text  # 169 of 1700 covered hours, rounded down
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


def test_the_compliance_pdf_and_workbook_carry_the_same_known_answers(api_client, dataset, people, tree, tmp_path):
    import io
    import re
    import shutil
    import subprocess
    from decimal import Decimal

    import openpyxl

    params = {"organization": tree["league_a"].pk, "rule": dataset["rule"].pk}
    book = openpyxl.load_workbook(io.BytesIO(get(api_client, people["auditor_a"], "/api/v1/reports/compliance/export/",
                                                 file_format="xlsx", **params).content))
    rollup_sheet, classes_sheet = book.worksheets
    assert rollup_sheet.freeze_panes == "A2" and classes_sheet.freeze_panes == "A2"
    rows = list(classes_sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], Decimal(str(r[4])), Decimal(str(r[5])), r[7]) for r in rows] == [
        ("恰好10%", Decimal("7"), Decimal("0.7"), "符合"), ("差一点", Decimal("10"), Decimal("0.99"), "未达标"),
        ("未排课", Decimal("0"), Decimal("0"), "暂无法判定")]
    assert Decimal(str(rows[0][6])) == Decimal("0.1") and classes_sheet.cell(row=2, column=7).number_format == "0.00%"
    assert [(r[0], r[2], r[3], r[4]) for r in rollup_sheet.iter_rows(min_row=2, values_only=True)] == [
        ("甲盟", 3, 2, 1), ("甲盟一旗", 2, 1, 0), ("甲盟一旗一镇", 1, 0, 0)]

    content = get(api_client, people["auditor_a"], "/api/v1/reports/compliance/export/", file_format="pdf", **params).content
    assert content.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing: run scripts/install_system_deps.sh")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)
    for expected in ("恰好10%", "10%", "符合", "差一点", "9.9%", "未达标", "0.01", "甲盟一旗一镇", "第1页共1页"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded
    assert get(api_client, people["auditor_a"], "/api/v1/reports/compliance/export/", file_format="pdf",
               organization=tree["league_b"].pk).status_code == 404


def test_the_statistics_report_by_organization_and_kind_agrees_in_api_workbook_and_pdf(api_client, dataset, people, tree, tmp_path):
    import io
    import re
    import shutil
    import subprocess
    from decimal import Decimal

    import openpyxl

    body = get(api_client, people["auditor_a"], "/api/v1/reports/statistics/", organization=tree["league_a"].pk).json()
    by_org = {r["organization"]["name"]: (r["classes"], r["person_times"], r["people"], r["hours"]) for r in body["by_organization"]}
    # The league counts its whole subtree; the banner its own and the township's; the township its own.
    assert by_org == {"甲盟": (5, 3, 2, 2200), "甲盟一旗": (2, 3, 2, 1000), "甲盟一旗一镇": (1, 1, 1, 0)}
    assert body["by_kind"] == {"main": {"classes": 3, "person_times": 3, "hours": 1700},
                               "special": {"classes": 1, "person_times": 0, "hours": 300},
                               "lecture": {"classes": 1, "person_times": 0, "hours": 200}}

    book = openpyxl.load_workbook(io.BytesIO(get(api_client, people["auditor_a"], "/api/v1/reports/statistics/export/",
                                                 organization=tree["league_a"].pk, file_format="xlsx").content))
    organizations, kinds = book.worksheets
    rows = {r[0]: r for r in organizations.iter_rows(min_row=2, values_only=True)}
    assert (rows["甲盟"][2], rows["甲盟"][3], rows["甲盟"][4], rows["甲盟"][6]) == (5, 1, 3, 2)  # last year: one class
    assert Decimal(str(rows["甲盟"][7])) == Decimal("22") and Decimal(str(rows["甲盟"][8])) == Decimal("10")
    assert len(list(kinds.iter_rows(min_row=2, values_only=True))) == 3
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is missing: run scripts/install_system_deps.sh")
    path = tmp_path / "statistics.pdf"
    path.write_bytes(get(api_client, people["auditor_a"], "/api/v1/reports/statistics/export/", organization=tree["league_a"].pk,
                         file_format="pdf").content)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)
    assert "培训统计" in text and "甲盟一旗一镇" in text and "22" in text and "乙市" not in text
