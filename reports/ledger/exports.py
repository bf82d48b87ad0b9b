"""The ledger's two files, from plain rows (no database access here): one Excel workbook with three
sheets, 问题清单、措施清单、责任清单 (problems, measures, responsibilities), and a PDF with the same
three tables.

Workbook: the header row frozen and filtered, column widths set, dates stored as dates, overdue
rows in red. PDF: A4 landscape, the embedded Chinese font of the certificates
(certificates.rendering.fonts) and no other, every table's header repeated on each page, and on
each page the scope, who produced it and when, and "Page X of Y".
"""
import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from certificates.rendering.fonts import font_name
from certificates.rendering.formatting import paragraph_markup

# The sheet names are the ledger's own terms, in every interface language.
SHEET_FINDINGS, SHEET_MEASURES, SHEET_RESPONSIBILITIES = "问题清单", "措施清单", "责任清单"


@dataclass(frozen=True)
class FindingRow:
    number: int
    organization: str
    title: str
    description: str
    category: str
    training_class: str
    filed_by: str
    filed_on: datetime.date
    due_on: datetime.date
    status: str
    overdue: bool
    measures: int
    measures_done: int
    closed_on: datetime.date | None


@dataclass(frozen=True)
class MeasureRow:
    finding_number: int
    finding_title: str
    organization: str
    text: str
    responsible_name: str
    responsible_unit: str
    due_on: datetime.date
    done_on: datetime.date | None
    overdue: bool


@dataclass(frozen=True)
class ResponsibilityRow:
    finding_number: int
    finding_title: str
    organization: str
    person_name: str
    unit: str
    role: str
    source: str  # the measure the person is responsible for, when listed from a measure


@dataclass(frozen=True)
class Ledger:
    scope: str
    filters: str
    produced_at: datetime.datetime  # local time
    produced_by: str
    findings: tuple[FindingRow, ...]
    measures: tuple[MeasureRow, ...]
    responsibilities: tuple[ResponsibilityRow, ...]


def _yes(value: bool) -> str:
    return _("Yes") if value else ""


def _columns() -> dict[str, list[tuple[str, int, str]]]:
    """Per sheet: (header, width in characters, kind) with kind "text", "wrap", "date" or "int"."""
    return {
        SHEET_FINDINGS: [
            (_("No."), 6, "int"), (_("Organization"), 18, "text"), (_("Problem"), 30, "wrap"),
            (_("Description"), 60, "wrap"), (_("Category"), 16, "text"), (_("Training class"), 24, "wrap"),
            (_("Filed by"), 12, "text"), (_("Filed on"), 12, "date"), (_("Rectify by"), 12, "date"),
            (_("Status"), 16, "text"), (_("Overdue"), 8, "text"), (_("Measures"), 9, "int"),
            (_("Measures done"), 9, "int"), (_("Closed on"), 12, "date"),
        ],
        SHEET_MEASURES: [
            (_("No."), 6, "int"), (_("Problem"), 30, "wrap"), (_("Organization"), 18, "text"), (_("Measure"), 60, "wrap"),
            (_("Responsible person"), 14, "text"), (_("Responsible unit"), 20, "text"), (_("Due on"), 12, "date"),
            (_("Done on"), 12, "date"), (_("Overdue"), 8, "text"),
        ],
        SHEET_RESPONSIBILITIES: [
            (_("No."), 6, "int"), (_("Problem"), 30, "wrap"), (_("Organization"), 18, "text"), (_("Person"), 14, "text"),
            (_("Unit"), 20, "text"), (_("Responsibility"), 20, "text"), (_("Measure"), 50, "wrap"),
        ],
    }


def _rows(ledger: Ledger) -> dict[str, list[tuple[list, bool]]]:
    """Per sheet: (cell values, overdue) for each row."""
    return {
        SHEET_FINDINGS: [
            ([f.number, f.organization, f.title, f.description, f.category, f.training_class, f.filed_by, f.filed_on, f.due_on,
              f.status, _yes(f.overdue), f.measures, f.measures_done, f.closed_on], f.overdue)
            for f in ledger.findings
        ],
        SHEET_MEASURES: [
            ([m.finding_number, m.finding_title, m.organization, m.text, m.responsible_name, m.responsible_unit, m.due_on,
              m.done_on, _yes(m.overdue)], m.overdue)
            for m in ledger.measures
        ],
        SHEET_RESPONSIBILITIES: [
            ([r.finding_number, r.finding_title, r.organization, r.person_name, r.unit, r.role, r.source], False)
            for r in ledger.responsibilities
        ],
    }


def ledger_workbook(ledger: Ledger) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    props = workbook.properties
    props.title = _("Rectification ledger")
    props.subject = ledger.scope
    props.creator = ledger.produced_by
    props.description = _produced(ledger) + (f" {ledger.filters}" if ledger.filters else "")
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EFE6D8")
    red = Font(color="B42318")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    rows = _rows(ledger)
    for name, columns in _columns().items():
        sheet = workbook.create_sheet(name)
        sheet.append([header for header, _width, _kind in columns])
        for cell in sheet[1]:
            cell.font, cell.fill, cell.alignment = bold, header_fill, Alignment(vertical="center", wrap_text=True)
        for values, overdue in rows[name]:
            sheet.append(values)
            for cell, (_header, _width, kind) in zip(sheet[sheet.max_row], columns):
                cell.alignment = wrap if kind == "wrap" else top
                if kind == "date":
                    cell.number_format = "yyyy-mm-dd"
                if overdue:
                    cell.font = red
        for index, (_header, width, _kind) in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF --------------------------------------------------------------------------------------

PAGE = landscape(A4)
MARGIN = 36
INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#8c8c8c")
HEADER_FILL = colors.HexColor("#efe6d8")
OVERDUE_FILL = colors.HexColor("#fdecea")
OVERDUE_INK = colors.HexColor("#b42318")
# A table row cannot split across pages, so the PDF cuts very long texts (the workbook has them whole).
PDF_TEXT_LIMIT = 800


def _produced(ledger: Ledger) -> str:
    return _("Produced %(when)s by %(who)s.") % {"when": ledger.produced_at.strftime("%Y-%m-%d %H:%M"), "who": ledger.produced_by}


def _page_label(page: int, pages: int) -> str:
    return _("Page %(page)d of %(pages)d") % {"page": page, "pages": pages}


def _cut(text: str) -> str:
    return text if len(text) <= PDF_TEXT_LIMIT else text[:PDF_TEXT_LIMIT] + "…"


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _numbered_canvas(font: str, footer_left: str):
    """A Canvas that holds its pages until the end, so each footer can say "Page X of Y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.saveState()
                self.setFont(font, 7.5)
                self.setFillColor(GREY)
                self.drawString(MARGIN, MARGIN - 18, footer_left)
                self.drawRightString(PAGE[0] - MARGIN, MARGIN - 18, _page_label(number, total))
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def _table(header: list[str], rows: list[tuple[list, bool]], widths: tuple[int, ...], font: str, numeric: tuple[int, ...] = ()) -> Table:
    table = Table([header, *(cells for cells, _overdue in rows)], colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands = [
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for column in numeric:
        commands.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
    for index, (_cells, overdue) in enumerate(rows, start=1):
        if overdue:
            commands += [("BACKGROUND", (0, index), (-1, index), OVERDUE_FILL), ("TEXTCOLOR", (0, index), (-1, index), OVERDUE_INK)]
    table.setStyle(TableStyle(commands))
    return table


def ledger_pdf(ledger: Ledger) -> bytes:
    font = font_name()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10.5, textColor=INK, wordWrap="CJK")
    red_cell = ParagraphStyle("red", parent=cell, textColor=OVERDUE_INK)
    head = ParagraphStyle("head", parent=cell, fontSize=8)
    title_style = ParagraphStyle("title", parent=cell, fontSize=18, leading=24, spaceAfter=6)
    meta = ParagraphStyle("meta", parent=cell, fontSize=9, leading=13, textColor=GREY)
    heading = ParagraphStyle("heading", parent=cell, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)

    def p(text: str, style=cell) -> Paragraph:
        return Paragraph(paragraph_markup(text) if text else "", style)

    def headers(*labels: str) -> list[Paragraph]:
        return [p(label, head) for label in labels]

    overdue_mark = _("Overdue")
    finding_rows = []
    for f in ledger.findings:
        style = red_cell if f.overdue else cell
        # The font has no bold face: the title stands out by size.
        problem = [p(f.title, ParagraphStyle("problem", parent=style, fontSize=9, leading=12)), p(_cut(f.description), style)]
        if f.training_class:
            problem.append(p(_("Class: %(title)s") % {"title": f.training_class}, style))
        status = f.status + (f" · {overdue_mark}" if f.overdue else "")
        finding_rows.append(([
            str(f.number), p(f.organization, style), problem, p(f.category, style), _date(f.filed_on),
            _date(f.due_on), p(status, style), f"{f.measures_done}/{f.measures}",
        ], f.overdue))
    measure_rows = [([
        str(m.finding_number), p(m.finding_title, red_cell if m.overdue else cell), p(_cut(m.text), red_cell if m.overdue else cell),
        p(m.responsible_name), p(m.responsible_unit), _date(m.due_on) + (f"\n{overdue_mark}" if m.overdue else ""), _date(m.done_on),
    ], m.overdue) for m in ledger.measures]
    responsibility_rows = [([
        str(r.finding_number), p(r.finding_title), p(r.person_name), p(r.unit), p(r.role), p(_cut(r.source)),
    ], False) for r in ledger.responsibilities]

    def section(title: str, rows, header, widths, numeric=()):
        parts = [Paragraph(paragraph_markup(title), heading)]
        if rows:
            parts.append(_table(header, rows, widths, font, numeric))
        else:
            parts.append(p(_("None."), meta))
        return parts

    story = [
        Paragraph(paragraph_markup(_("Rectification ledger")), title_style),
        p(_("Scope: %(scope)s") % {"scope": ledger.scope}, meta),
    ]
    if ledger.filters:
        story.append(p(_("Filters: %(filters)s") % {"filters": ledger.filters}, meta))
    story += [
        p(_produced(ledger), meta),
        p(_("%(findings)d problems, %(measures)d measures, %(people)d responsible people.") % {
            "findings": len(ledger.findings), "measures": len(ledger.measures), "people": len(ledger.responsibilities)}, meta),
        Spacer(1, 4),
        *section(SHEET_FINDINGS, finding_rows,
                 headers(_("No."), _("Organization"), _("Problem"), _("Category"), _("Filed on"), _("Rectify by"), _("Status"),
                         _("Measures done")),
                 (28, 92, 324, 70, 58, 58, 82, 58), numeric=(0, 7)),
        *section(SHEET_MEASURES, measure_rows,
                 headers(_("No."), _("Problem"), _("Measure"), _("Responsible person"), _("Responsible unit"), _("Due on"),
                         _("Done on")),
                 (28, 150, 286, 80, 110, 58, 58), numeric=(0,)),
        *section(SHEET_RESPONSIBILITIES, responsibility_rows,
                 headers(_("No."), _("Problem"), _("Person"), _("Unit"), _("Responsibility"), _("Measure")),
                 (28, 200, 80, 130, 120, 212), numeric=(0,)),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 6,
        title=_("Rectification ledger"), author=ledger.produced_by, subject=ledger.scope, creator="cadre training system",
        initialFontName=font,
    )
    scope = ledger.scope if len(ledger.scope) <= 60 else ledger.scope[:60] + "…"
    footer = " · ".join((_("Rectification ledger"), scope, _produced(ledger)))
    document.build(story, canvasmaker=_numbered_canvas(font, footer))
    return buffer.getvalue()
