"""The reports as files: an Excel workbook (openpyxl, write-only: rows go out as they come) and a
PDF (ReportLab platypus: the embedded Chinese font, the table header repeated on every page,
"第 X 页 共 Y 页", the scope, the period and who produced it when). Both are made from the same
`Table`s as the page, so the figures are the same everywhere.
"""
import io
from xml.sax.saxutils import escape
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable
from reportlab.platypus import TableStyle

from certificates.rendering.fonts import font_name

HOURS, PERCENT, INTEGER, TEXT = "hours", "percent", "integer", "text"
CHUNK = 200  # PDF rows per table piece: the rows are read, laid out and let go a piece at a time


@dataclass
class Column:
    title: str
    kind: str = TEXT
    width: int = 14  # characters, for the workbook


@dataclass
class Table:
    name: str  # the sheet's name
    columns: list[Column]
    rows: Callable[[], Iterable[tuple]]  # called once per file: a fresh iterator each time
    note: str = ""


@dataclass
class Report:
    title: str
    scope: str
    period: str
    produced_by: str
    tables: list[Table] = field(default_factory=list)


def hours_value(centi: int) -> Decimal:
    return Decimal(centi) / 100


def percent_value(part: int, whole: int) -> Decimal | None:
    """A share as a fraction rounded down to 1/10000 (0.0994 shows as 9.94 %), None without a whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_DOWN)


def text_of(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == HOURS:
        return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    if kind == PERCENT:
        return f"{(value * 100).quantize(Decimal('0.01')).normalize():f}%"
    return str(value)


# --- Excel -------------------------------------------------------------------------------------

NUMBER_FORMATS = {HOURS: "0.00", PERCENT: "0.00%", INTEGER: "0"}


def workbook(report: Report) -> bytes:
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in report.tables:
        sheet = book.create_sheet(title=table.name[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns):
            sheet.column_dimensions[chr(ord("A") + index)].width = column.width
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows():
            cells = []
            for column, value in zip(table.columns, row):
                cell = WriteOnlyCell(sheet, value=value)
                if column.kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[column.kind]
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------------


class _Pending(list):
    """The flowables of a document, made as platypus asks for them: a table's rows are read a
    piece at a time from its iterator, so a 10,000-row report never holds all its rows at once.
    platypus only looks at the front (len, [0], del [0], puts split parts back at the front)."""

    def __init__(self, pieces: Iterator):
        super().__init__()
        self._pieces = pieces

    def _fill(self) -> None:
        if not list.__len__(self):
            following = next(self._pieces, None)
            if following is not None:
                list.append(self, following)

    def __len__(self) -> int:
        self._fill()
        return list.__len__(self)

    def __getitem__(self, index):
        self._fill()
        return list.__getitem__(self, index)


class _NumberedCanvas(pdfcanvas.Canvas):
    """Writes "第 X 页 共 Y 页" in one pass: every page draws a form XObject for the total, and
    the form is defined once the last page is known (PDF resolves it when the file is read), so no
    page has to be kept in memory to be redrawn."""

    TOTAL_FORM = "report_page_count"

    def __init__(self, *args, footer=None, **kwargs):
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = font_name()  # otherwise ReportLab embeds nothing and names Helvetica
        super().__init__(*args, **kwargs)
        self._footer = footer

    def showPage(self):
        self._footer(self, self.TOTAL_FORM)
        super().showPage()

    def save(self):
        total = self.getPageNumber() - 1
        self.beginForm(self.TOTAL_FORM)
        self.setFont(font_name(), 8)
        self.setFillColor(colors.HexColor("#666666"))
        self.drawRightString(0, 0, str(total))
        self.endForm()
        super().save()


def _styles():
    name = font_name()
    return (
        ParagraphStyle("title", fontName=name, fontSize=16, leading=22, spaceAfter=4),
        ParagraphStyle("meta", fontName=name, fontSize=9, leading=13, textColor=colors.HexColor("#444444")),
        ParagraphStyle("heading", fontName=name, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4),
        ParagraphStyle("cell", fontName=name, fontSize=8, leading=10),
    )


def _table_pieces(table: Table, width: float, cell_style) -> Iterator:
    header = [Paragraph(c.title, cell_style) for c in table.columns]
    weights = [c.width for c in table.columns]
    widths = [width * w / sum(weights) for w in weights]
    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font_name()),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e7e7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("ALIGN", (0, 1), (-1, -1), "LEFT"),
    ])
    piece = []
    for row in table.rows():
        # Text may need wrapping (a Paragraph); figures are short strings, far cheaper to lay out.
        piece.append([Paragraph(escape(text_of(v, c.kind)), cell_style) if c.kind == TEXT else text_of(v, c.kind)
                      for c, v in zip(table.columns, row)])
        if len(piece) == CHUNK:
            yield PdfTable([header, *piece], colWidths=widths, repeatRows=1, style=style)
            piece = []
    if piece or not table.rows:
        yield PdfTable([header, *piece], colWidths=widths, repeatRows=1, style=style)


def pdf(report: Report, *, wide: bool = True) -> bytes:
    title_style, meta_style, heading_style, cell_style = _styles()
    pagesize = landscape(A4) if wide else A4
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                                 bottomMargin=16 * mm, title=report.title, author=report.produced_by,
                                 initialFontName=font_name())
    produced = _("Produced by %(who)s at %(when)s") % {
        "who": report.produced_by, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}

    def footer(canvas, total_form):
        canvas.saveState()
        canvas.setFont(font_name(), 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(14 * mm, 8 * mm, f"{report.title} · {report.scope} · {report.period}")
        # "第 X 页 共 Y 页": Y is a form drawn right-aligned in a slot, filled in when the document ends.
        before, _sep, after = (_("Page %(page)d of %(pages)d") % {"page": canvas.getPageNumber(), "pages": 0}).rpartition(" 0")
        if not _sep:
            before, after = f"{canvas.getPageNumber()} /", ""
        right = pagesize[0] - 14 * mm
        canvas.drawRightString(right, 8 * mm, after)
        slot = right - canvas.stringWidth(after, font_name(), 8)
        canvas.translate(slot - 1, 8 * mm)
        canvas.doForm(total_form)
        canvas.translate(-(slot - 1), -8 * mm)
        canvas.drawRightString(slot - canvas.stringWidth("0000", font_name(), 8) - 2, 8 * mm, before)
        canvas.restoreState()

    def pieces():
        yield Paragraph(report.title, title_style)
        yield Paragraph(_("Scope: %(scope)s · Period: %(period)s") % {"scope": report.scope, "period": report.period}, meta_style)
        yield Paragraph(produced, meta_style)
        for table in report.tables:
            yield Paragraph(table.name, heading_style)
            if table.note:
                yield Paragraph(table.note, meta_style)
            yield from _table_pieces(table, document.width, cell_style)
            yield Spacer(1, 4 * mm)

    document.build(_Pending(pieces()), canvasmaker=lambda *a, **k: _NumberedCanvas(*a, footer=footer, **k))
    return buffer.getvalue()
