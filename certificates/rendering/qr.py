"""QR codes on a ReportLab canvas, in two ways, measured against each other by
bench/certificate_render.py:

- draw_qr_path: segno computes the matrix; its dark modules are drawn as ONE filled path, each
  horizontal run of dark modules one rectangle, in module units under a scaling transform (short
  operators, one fill);
- draw_qr_widget: ReportLab's own QrCodeWidget (pure-Python encoder; one filled rectangle per run).

draw_qr is the one in use: the path. Measured (bench/certificate_render.py, one core): the QR
code alone costs about 5.5 ms as a path against 24 ms as the widget, and a certificate with it
renders at 94/s against 33/s (201/s without a QR code).
Both use error correction M (or better) and a quiet zone of 4 modules inside the given square,
painted white so that a background or border never touches the code.
"""
import segno
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str

QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks


def draw_qr_path(canvas, data: str, x: float, y: float, size: float, *, mask: int | None = None) -> None:
    """Draw `data` as a QR code filling the square (x, y, size, size), quiet zone included.

    mask=None lets segno pick the best of the 8 mask patterns, as the QR standard asks; that
    evaluation is about 80 % of segno's time. A fixed mask (0-7) is measured by the bench only.
    """
    # error="m" with boost_error (the default): M, or better when it fits in the same size
    matrix = segno.make(data, error="m", micro=False, mask=mask).matrix
    count = len(matrix)
    modules = count + 2 * QUIET_ZONE
    # The operators are written directly (integers in module units under one scaling transform):
    # ReportLab's path object formats every coordinate as a float, which was a third of the cost.
    # Everything is inside q ... Q, so the canvas's own idea of the graphics state stays right.
    operators = [
        f"q 1 g {fp_str(x, y, size, size)} re f",
        f"{fp_str(size / modules)} 0 0 {fp_str(size / modules, x, y)} cm 0 g",
    ]
    for row_index, row in enumerate(matrix):
        bottom = modules - QUIET_ZONE - row_index - 1  # PDF y grows upwards; row 0 is the top row
        column = 0
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                operators.append(f"{QUIET_ZONE + start} {bottom} {column - start} 1 re")
            else:
                column += 1
    operators.append("f Q")
    canvas.addLiteral("\n".join(operators))


def draw_qr_widget(canvas, data: str, x: float, y: float, size: float) -> None:
    """The same with ReportLab's QrCodeWidget (sized directly: getBounds() would double its cost)."""
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.restoreState()
    widget = QrCodeWidget(data, barLevel="M", barBorder=QUIET_ZONE, barWidth=size, barHeight=size)
    drawing = Drawing(size, size)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


draw_qr = draw_qr_path
