"""The ledger's files read back: the workbook with openpyxl (three sheets, frozen headers, widths,
dates as dates, overdue in red, a measure's responsible person among the responsibilities), the
PDF with poppler's pdftotext and pdffonts (the same rows, the scope and who produced it, page
numbers on every page, only the embedded Chinese font)."""
import datetime
import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from django.utils import timezone, translation

from reports.findings import Finding
from reports.ledger import exports, selectors, services

from .conftest import file_finding, in_days, make_overdue

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")),
                                   reason="poppler-utils reads the PDF back: run scripts/install_system_deps.sh")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ledger_data(tree, people):
    """Two findings of league A: one overdue with two measures (one done) and a named responsible
    person, one closed."""
    auditor, organizer = people["auditor_a"], people["organizer_a"]
    late = file_finding(auditor, tree["banner_a"], title="专题课时占比不足", description="第一期主体班专题课时占比9.85%。")
    services.finding_transition(actor=organizer, finding=late, action="start")
    first = services.measure_create(actor=organizer, finding=late, text="补排专题课2课时", responsible_name="张伟", responsible_unit="甲盟党校",
                                    due_on=in_days(5))
    services.measure_create(actor=organizer, finding=late, text="完善签到台账", responsible_name="李华", responsible_unit="甲盟一旗",
                            due_on=in_days(6))
    services.measure_set_done(actor=organizer, measure=first)
    services.responsibility_create(actor=auditor, finding=late, person_name="张伟", unit="甲盟党校", role="直接责任人")
    make_overdue(late)
    closed = file_finding(auditor, tree["league_a"], title="学习组未开展专题学习", category="study_sessions", due_on=in_days(40))
    Finding.objects.filter(pk=closed.pk).update(status=Finding.Status.CLOSED, closed_at=timezone.now())
    findings = selectors.finding_list(user=auditor).order_by("pk")
    return selectors.ledger_for_export(user=auditor, findings=findings, scope=selectors.scope_text(user=auditor), filters="")


def test_the_workbook_has_the_three_lists(ledger_data, people):
    book = openpyxl.load_workbook(io.BytesIO(exports.ledger_workbook(ledger_data)))
    assert book.sheetnames == ["问题清单", "措施清单", "责任清单"]
    problems, measures, people_sheet = book["问题清单"], book["措施清单"], book["责任清单"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["A"].width == 6 and sheet.column_dimensions["B"].width >= 18
        assert all(cell.font.bold for cell in sheet[1])

    header = [c.value for c in problems[1]]
    assert header[:4] == ["No.", "Organization", "Problem", "Description"] and header[8] == "Rectify by"
    rows = list(problems.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[9], r[10], r[11], r[12]) for r in rows] == [
        (1, "甲盟一旗", "专题课时占比不足", "Being rectified", "Yes", 2, 1),
        (2, "甲盟", "学习组未开展专题学习", "Closed", None, 0, 0),
    ]
    filed, due = problems.cell(2, 8), problems.cell(2, 9)
    assert isinstance(filed.value, datetime.datetime) and filed.value.date() == timezone.localdate()
    assert isinstance(due.value, datetime.datetime) and due.value.date() == in_days(-3) and due.number_format == "yyyy-mm-dd"
    assert problems.cell(2, 3).font.color.rgb.endswith("B42318")  # overdue: red
    assert problems.cell(3, 14).value.date() == timezone.localdate()  # closed on

    assert [(r[0], r[3], r[4], r[5], r[7] is not None) for r in measures.iter_rows(min_row=2, values_only=True)] == [
        (1, "补排专题课2课时", "张伟", "甲盟党校", True), (1, "完善签到台账", "李华", "甲盟一旗", False)]
    assert measures.cell(2, 7).number_format == "yyyy-mm-dd"
    # The named person once (not again for their measure), then the other measure's person.
    assert [(r[0], r[3], r[4], r[5], r[6]) for r in people_sheet.iter_rows(min_row=2, values_only=True)] == [
        (1, "张伟", "甲盟党校", "直接责任人", None), (1, "李华", "甲盟一旗", "Responsible for a measure", "完善签到台账")]
    assert book.properties.creator == str(people["auditor_a"]) and "甲盟" in book.properties.subject


def test_an_empty_ledger_still_has_its_three_headed_sheets(people):
    data = selectors.ledger_for_export(user=people["auditor_a"], findings=Finding.objects.none(), scope="甲盟", filters="")
    book = openpyxl.load_workbook(io.BytesIO(exports.ledger_workbook(data)))
    assert [sheet.max_row for sheet in book.worksheets] == [1, 1, 1]


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


@needs_poppler
def test_the_pdf_has_the_rows_the_scope_page_numbers_and_only_the_embedded_font(ledger_data, people, tmp_path):
    path = tmp_path / "ledger.pdf"
    path.write_bytes(exports.ledger_pdf(ledger_data))
    flat = re.sub(r"\s+", "", run("pdftotext", str(path), "-"))
    for expected in ("Rectificationledger", "问题清单", "措施清单", "责任清单", "专题课时占比不足", "学习组未开展专题学习", "补排专题课2课时",
                     "完善签到台账", "直接责任人", "Scope:甲盟andtheunitsunderthem", people["auditor_a"].display_name,
                     "Beingrectified·Overdue", in_days(-3).isoformat()):
        assert expected in flat, expected
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all("WenQuanYiMicroHei" in row.split()[0] and row.split()[-5:-3] == ["yes", "yes"] for row in fonts), fonts


@needs_poppler
def test_a_long_pdf_repeats_the_header_and_numbers_every_page(tree, people, tmp_path):
    auditor = people["auditor_a"]
    for n in range(40):
        file_finding(auditor, tree["town_a"], title=f"问题{n:02d}", description="问题描述。" * 40)
    data = selectors.ledger_for_export(user=auditor, findings=selectors.finding_list(user=auditor), scope="甲盟", filters="逾期")
    path = tmp_path / "long.pdf"
    path.write_bytes(exports.ledger_pdf(data))
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(path))).group(1))
    assert pages >= 3
    for page in range(1, pages + 1):
        text = run("pdftotext", "-f", str(page), "-l", str(page), str(path), "-")
        assert f"Page {page} of {pages}" in text
        if page < pages:  # the problem table runs over every page but the last (which has the empty lists)
            assert "Rectify by" in text and "Organization" in text
    flat = re.sub(r"\s+", "", run("pdftotext", str(path), "-"))
    assert all(f"问题{n:02d}" in flat for n in range(40)) and "Filters:逾期" in flat
