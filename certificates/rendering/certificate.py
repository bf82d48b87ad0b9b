"""A completion certificate: one A4 page, portrait or landscape.

Layout: a double border; the title large and centred; the body as wrapped Chinese paragraphs
(first-line indent of two characters); the issuer line and date bottom right with the seal over
them; the QR code bottom left with a caption, the serial and the verification URL under it.
"""
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .documents import CertificateDocument
from .fonts import font_name, require_glyphs
from .formatting import format_date, paragraphs
from .qr import draw_qr
from .seal import seal_reader

RED = colors.HexColor("#9b1c1c")
GOLD = colors.HexColor("#b8862b")
INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#555555")

BODY_SIZES = (17, 16, 15, 14, 13, 12, 11)  # tried in turn until the body fits its box


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    margin: float  # outer border from the page edge
    title_y: float  # baseline of the title
    title_size: float
    body_left: float
    body_right: float
    body_top: float
    body_bottom: float
    issuer_right: float  # right edge of the issuer line and date
    issuer_y: float  # baseline of the issuer line; the date is under it
    seal_size: float
    qr_x: float
    qr_y: float
    qr_size: float


def _layout(is_landscape: bool) -> Layout:
    if is_landscape:
        width, height = landscape(A4)
        return Layout(width, height, margin=26, title_y=height - 118, title_size=44,
                      body_left=110, body_right=width - 110, body_top=height - 150, body_bottom=205,
                      issuer_right=width - 110, issuer_y=150, seal_size=118,
                      qr_x=80, qr_y=92, qr_size=84)
    width, height = A4
    return Layout(width, height, margin=26, title_y=height - 150, title_size=42,
                  body_left=78, body_right=width - 78, body_top=height - 195, body_bottom=265,
                  issuer_right=width - 80, issuer_y=200, seal_size=118,
                  qr_x=72, qr_y=116, qr_size=88)


def texts_drawn(doc: CertificateDocument, *, qr: bool = True) -> list[str]:
    """Every piece of text the certificate prints (for the glyph check)."""
    texts = [doc.title, doc.body, doc.issuer_line, format_date(doc.issued_on),
             _("Serial No. %(serial)s") % {"serial": doc.serial}, doc.verify_url]
    if qr:
        texts.append(_("Scan to verify"))
    return texts


def render_certificate(doc: CertificateDocument, *, qr: bool = True) -> bytes:
    """The certificate as PDF bytes. ValueError when some text has no glyph in the font (naming
    the characters), when the seal is not a readable PNG, or when the body does not fit the page."""
    return render_with(doc, draw_qr if qr else None)


def render_with(doc: CertificateDocument, qr_drawer) -> bytes:
    """render_certificate with a given QR drawing function (None: no QR code); for the bench."""
    require_glyphs(*texts_drawn(doc, qr=qr_drawer is not None))
    font = font_name()
    layout = _layout(doc.landscape)
    seal = seal_reader(doc.seal_png) if doc.seal_png else None
    body = _fit_body(doc.body, font, layout)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.width, layout.height), initialFontName=font)
    canvas.setTitle(doc.pdf_title or doc.title)
    canvas.setAuthor(doc.pdf_author or doc.issuer_line)
    canvas.setSubject(doc.serial)
    canvas.setCreator("cadre training system")

    _draw_border(canvas, layout)
    _draw_title(canvas, doc.title, font, layout)
    top = layout.body_top
    for paragraph, height in body:
        paragraph.drawOn(canvas, layout.body_left, top - height)
        top -= height + paragraph.style.spaceAfter
    _draw_issuer(canvas, doc, font, layout, seal)
    _draw_verification(canvas, doc, font, layout, qr_drawer)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _fit_body(text: str, font: str, layout: Layout) -> list[tuple[Paragraph, float]]:
    """The body's paragraphs wrapped at the largest size that fits the body box."""
    width = layout.body_right - layout.body_left
    room = layout.body_top - layout.body_bottom
    blocks = paragraphs(text)
    for size in BODY_SIZES:
        style = ParagraphStyle(
            f"body{size}", fontName=font, fontSize=size, leading=round(size * 1.85), textColor=INK,
            alignment=TA_JUSTIFY, firstLineIndent=2 * size, wordWrap="CJK", spaceAfter=round(size * 0.5),
        )
        wrapped, used = [], 0.0
        for block in blocks:
            paragraph = Paragraph(block, style)
            height = paragraph.wrap(width, room)[1]
            wrapped.append((paragraph, height))
            used += height + style.spaceAfter
        if used - style.spaceAfter <= room:
            return wrapped
    raise ValueError(_("The certificate text is too long to fit on one page."))


def _draw_border(canvas: Canvas, layout: Layout) -> None:
    m, w, h = layout.margin, layout.width, layout.height
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(4)
    canvas.rect(m, m, w - 2 * m, h - 2 * m, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(m + 8, m + 8, w - 2 * m - 16, h - 2 * m - 16, stroke=1, fill=0)
    canvas.setLineWidth(0.5)
    canvas.rect(m + 12, m + 12, w - 2 * m - 24, h - 2 * m - 24, stroke=1, fill=0)
    # a small gold square in each corner, between the two inner lines and the outer one
    canvas.setFillColor(GOLD)
    for x, y in ((m + 4, m + 4), (w - m - 12, m + 4), (m + 4, h - m - 12), (w - m - 12, h - m - 12)):
        canvas.rect(x, y, 8, 8, stroke=0, fill=1)
    canvas.restoreState()


def _draw_title(canvas: Canvas, title: str, font: str, layout: Layout) -> None:
    size = layout.title_size
    spacing = size * 0.3 if len(title) <= 6 else size * 0.05
    room = layout.width - 2 * layout.margin - 80
    while size > 20 and canvas.stringWidth(title, font, size) + spacing * (len(title) - 1) > room:
        size -= 2
        spacing = min(spacing, size * 0.05)
    canvas.saveState()  # character spacing and render mode are graphics state: keep them to the title
    text = canvas.beginText()
    text.setFont(font, size)
    text.setFillColor(RED)
    text.setStrokeColor(RED)
    text.setTextRenderMode(2)  # fill and stroke: a bolder title from a font without a bold face
    canvas.setLineWidth(size / 40)
    text.setCharSpace(spacing)
    line_width = canvas.stringWidth(title, font, size) + spacing * (len(title) - 1)
    text.setTextOrigin((layout.width - line_width) / 2, layout.title_y)
    text.textOut(title)
    canvas.drawText(text)
    canvas.restoreState()


def _draw_issuer(canvas: Canvas, doc: CertificateDocument, font: str, layout: Layout, seal) -> None:
    size = 16
    room = layout.issuer_right - layout.width / 2
    while size > 10 and canvas.stringWidth(doc.issuer_line, font, size) > room:
        size -= 1
    date = format_date(doc.issued_on)
    canvas.setFillColor(INK)
    canvas.setFont(font, size)
    canvas.drawRightString(layout.issuer_right, layout.issuer_y, doc.issuer_line)
    canvas.setFont(font, 15)
    canvas.drawRightString(layout.issuer_right, layout.issuer_y - 28, date)
    if seal is None:
        return
    # The seal is centred on the block of the two lines, as a stamp pressed over the signature.
    block_width = max(canvas.stringWidth(doc.issuer_line, font, size), canvas.stringWidth(date, font, 15))
    centre_x = layout.issuer_right - block_width / 2
    centre_y = layout.issuer_y - 8
    image_width, image_height = seal.getSize()
    scale = layout.seal_size / max(image_width, image_height)
    draw_width, draw_height = image_width * scale, image_height * scale
    canvas.drawImage(seal, centre_x - draw_width / 2, centre_y - draw_height / 2, draw_width, draw_height,
                     mask="auto")


def _draw_verification(canvas: Canvas, doc: CertificateDocument, font: str, layout: Layout, qr_drawer) -> None:
    x, y, size = layout.qr_x, layout.qr_y, layout.qr_size
    canvas.setFillColor(GREY)
    if qr_drawer is not None:
        qr_drawer(canvas, doc.verify_url, x, y, size)
        canvas.setFillColor(GREY)
        canvas.setFont(font, 9)
        canvas.drawCentredString(x + size / 2, y - 6, _("Scan to verify"))
    canvas.setFont(font, 10)
    canvas.drawString(x + 4, y - 22, _("Serial No. %(serial)s") % {"serial": doc.serial})
    canvas.setFont(font, 7)
    canvas.drawString(x + 4, y - 34, doc.verify_url)
