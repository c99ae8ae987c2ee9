"""Printable A4 sheet of 群众评议 slips (PDF): eight a page to cut apart, each with the round,
the participant group, a QR code whose link carries the code in its fragment (never sent to the
server), and the code itself to type. The sheet, font and QR code are the pledge slips'
(pledges.slips, pledges.poster): they print the same on a machine without CJK fonts."""

import io
from dataclasses import dataclass

import segno
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pledges.poster import FONT_NAME, GREY, QR_SIZE, RED
from pledges.slips import PADDING, SLIP_HEIGHT, SLIP_WIDTH, fit, lay_out, sheet_canvas

# The quiet zone around a QR code, in modules (as the poster's).
QR_BORDER = 2


@dataclass(frozen=True)
class BallotSlip:
    code: str
    group: str  # the participant group's label


def _slip(canvas: Canvas, slip: BallotSlip, x: float, y: float, *, org: str, title: str, url: str):
    left, top = x + PADDING, y + SLIP_HEIGHT - PADDING
    text_width = SLIP_WIDTH - 2 * PADDING - QR_SIZE - 3 * mm
    canvas.setFillColor(RED)
    canvas.setFont(FONT_NAME, 10)
    canvas.drawString(left, top - 10, "群众评议表")
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 12)
    canvas.drawString(left, top - 28, fit(org, 12, text_width))
    canvas.setFont(FONT_NAME, 8.5)
    canvas.setFillColor(GREY)
    canvas.drawString(left, top - 42, fit(title, 8.5, text_width))
    canvas.drawString(left, top - 54, f"参评类别：{slip.group}")
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 9.5)
    canvas.drawString(left, top - 74, "手机扫码填写，或打开")
    canvas.drawString(left, top - 87, fit(url, 9.5, text_width))
    canvas.drawString(left, top - 100, "输入评议码：")
    canvas.setFont("Courier-Bold", 16)
    canvas.drawString(left, top - 120, slip.code)
    canvas.setFont(FONT_NAME, 7.5)
    canvas.setFillColor(RED)
    canvas.drawString(left, top - 136, "匿名评议，每码限用一次。")
    draw_qr(canvas, f"{url}#{slip.code}", x + SLIP_WIDTH - PADDING - QR_SIZE, top - QR_SIZE)


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float = QR_SIZE) -> None:
    """The QR code of `text` in a square of `size` at (x, y), as one filled path of the dark
    runs of each row (every slip's code differs, so none is drawn once and reused)."""
    # A fixed mask: choosing the best of eight would cost most of the time, and any mask reads.
    matrix = segno.make_qr(text, error="m", mask=0, boost_error=False).matrix
    count = len(matrix) + 2 * QR_BORDER
    module = size / count
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        top = y + size - (row + QR_BORDER + 1) * module
        start = None
        for column, dark in enumerate([*cells, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                path.rect(x + (start + QR_BORDER) * module, top, (column - start) * module, module)
                start = None
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def slips_pdf(org: str, title: str, url: str, slips: list[BallotSlip]) -> bytes:
    buffer = io.BytesIO()
    canvas = sheet_canvas(buffer, f"{org} 群众评议码")
    canvas.setSubject(title)
    lay_out(
        canvas, slips, lambda c, slip, x, y: _slip(c, slip, x, y, org=org, title=title, url=url)
    )
    canvas.save()
    return buffer.getvalue()
