"""An hour transcript (学时证明): for one trainee and one year, every class attended, its dates and
the attended and topic hours, with the totals; signed off by the issuer, verifiable by QR code.

A platypus story on A4 portrait: the table repeats its header row on every page, and every page's
footer carries the serial and the page number, so a loose page can be matched to its transcript.
"""
import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .documents import TranscriptDocument, TranscriptRow
from .fonts import font_name, require_glyphs
from .formatting import format_centi_hours, format_date, paragraph_markup
from .qr import draw_qr

RED = colors.HexColor("#9b1c1c")
INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#8c8c8c")
HEADER_FILL = colors.HexColor("#efe6d8")
TOTAL_FILL = colors.HexColor("#f6f1e9")

MARGIN = 54
QR_SIZE = 84
# Column widths (points) for: number, class, host, dates, attended hours, topic hours.
COLUMNS = (26, 156, 110, 79, 58, 58)  # 487 in all: the width between the margins


class QRFlowable(Flowable):
    def __init__(self, data: str, size: float):
        super().__init__()
        self.data, self.size = data, size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        draw_qr(self.canv, self.data, 0, 0, self.size)


def _labels() -> dict[str, str]:
    return {
        "title": _("Hour transcript"),
        "number": _("No."),
        "class": _("Class"),
        "host": _("Host"),
        "dates": _("Dates"),
        "attended": _("Attended hours"),
        "topic": _("Topic hours"),
        "total": _("Total"),
        "scan": _("Scan to verify"),
    }


def _dates(row: TranscriptRow) -> str:
    if row.starts_on == row.ends_on:
        return format_date(row.starts_on)
    return _("%(start)s – %(end)s") % {"start": format_date(row.starts_on), "end": format_date(row.ends_on)}


def render_transcript(doc: TranscriptDocument) -> bytes:
    """The transcript as PDF bytes; ValueError (naming the characters) when some text has no glyph."""
    labels = _labels()
    person = _("Name: %(name)s") % {"name": doc.name}
    year = _("Year: %(year)d") % {"year": doc.year}
    intro = _("The training classes attended in %(year)d, in class hours:") % {"year": doc.year}
    serial = _("Serial No. %(serial)s") % {"serial": doc.serial}
    issued_on = format_date(doc.issued_on)
    dates = [_dates(row) for row in doc.rows]
    total_attended = sum(row.attended_centi_hours for row in doc.rows)
    total_topic = sum(row.topic_centi_hours for row in doc.rows)
    require_glyphs(
        *labels.values(), person, year, intro, serial, issued_on, doc.issuer, doc.verify_url,
        _footer(doc.serial, 1), *dates, *(row.title + row.host for row in doc.rows),
    )

    font = font_name()
    style = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12.5, textColor=INK, wordWrap="CJK")
    plain = ParagraphStyle("dates", parent=style, fontSize=8.5, wordWrap=None)  # breaks at spaces only
    title_style = ParagraphStyle("title", parent=style, fontSize=26, leading=34, alignment=TA_CENTER,
                                 textColor=RED, spaceAfter=18)
    text_style = ParagraphStyle("text", parent=style, fontSize=11.5, leading=19, spaceAfter=4)
    right = ParagraphStyle("right", parent=text_style, fontSize=13, leading=24, alignment=TA_RIGHT)

    head = ParagraphStyle("head", parent=plain, fontSize=9, alignment=TA_CENTER)
    data = [[Paragraph(paragraph_markup(labels[key]), head)
             for key in ("number", "class", "host", "dates", "attended", "topic")]]
    for number, (row, when) in enumerate(zip(doc.rows, dates), start=1):
        data.append([
            str(number),
            Paragraph(paragraph_markup(row.title), style),
            Paragraph(paragraph_markup(row.host), style),
            Paragraph(paragraph_markup(when), plain),
            format_centi_hours(row.attended_centi_hours),
            format_centi_hours(row.topic_centi_hours),
        ])
    data.append([labels["total"], "", "", "", format_centi_hours(total_attended), format_centi_hours(total_topic)])
    table = Table(data, colWidths=COLUMNS, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (4, 1), (5, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BOX", (0, 0), (-1, -1), 1, INK),
        ("SPAN", (0, -1), (3, -1)),
        ("ALIGN", (0, -1), (3, -1), "CENTER"),
        ("FONT", (0, -1), (-1, -1), font, 10.5),
        ("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
        ("LINEABOVE", (0, -1), (-1, -1), 1, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, 0), 2),
        ("RIGHTPADDING", (0, 0), (-1, 0), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))

    verification = Table(
        [[QRFlowable(doc.verify_url, QR_SIZE), "", Paragraph(paragraph_markup(doc.issuer), right)],
         [labels["scan"], "", Paragraph(issued_on, right)],
         [serial, "", ""],
         [doc.verify_url, "", ""]],
        colWidths=(QR_SIZE + 150, A4[0] - 2 * MARGIN - QR_SIZE - 150 - 230, 230),
        hAlign="LEFT",
    )
    verification.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("FONT", (0, 3), (0, 3), font, 7),
        ("TEXTCOLOR", (0, 0), (-1, -1), GREY),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("TOPPADDING", (0, 1), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))

    story = [
        Paragraph(paragraph_markup(labels["title"]), title_style),
        Paragraph(paragraph_markup(person), text_style),
        Paragraph(paragraph_markup(year), text_style),
        Paragraph(paragraph_markup(intro), text_style),
        Spacer(1, 6),
        table,
        Spacer(1, 28),
        KeepTogether([verification]),
    ]

    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 10,
        title=doc.pdf_title or labels["title"], author=doc.pdf_author or doc.issuer, subject=doc.serial,
        creator="cadre training system", initialFontName=font,
    )

    def footer(canvas, template_doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(GREY)
        canvas.drawCentredString(A4[0] / 2, MARGIN - 16, _footer(doc.serial, canvas.getPageNumber()))
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _footer(serial: str, page: int) -> str:
    return _("%(serial)s · page %(page)d") % {"serial": serial, "page": page}
