"""Printable A4 sheet of members' draft-link slips (PDF): eight slips a page, to cut apart along
the dashed lines and hand out, each with the member's name, a QR code of their personal link,
the link itself and its last day.

The Chinese font and the QR code are the poster's (pledges/poster.py): the font ships with the
project and a subset is embedded, so the sheet prints the same on a machine with no CJK fonts.
"""

import datetime
import io
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .poster import FONT_NAME, GREY, MARGIN, QR_SIZE, RED, qr_drawing, register_font

COLUMNS, ROWS = 2, 4
SLIP_WIDTH = (A4[0] - 2 * MARGIN) / COLUMNS
SLIP_HEIGHT = (A4[1] - 2 * MARGIN) / ROWS
PADDING = 5 * mm
CUT = colors.HexColor("#888888")


@dataclass(frozen=True)
class Slip:
    name: str
    url: str
    expires_on: datetime.date


def fit(text: str, size: float, width: float) -> str:
    """The text cut with an ellipsis to fit `width` at `size`."""
    if stringWidth(text, FONT_NAME, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT_NAME, size) > width:
        text = text[:-1]
    return text + "…"


def _lines(text: str, size: float, width: float) -> list[str]:
    """The text broken anywhere (a URL has no spaces) into lines of at most `width`."""
    lines, line = [], ""
    for char in text:
        if line and stringWidth(line + char, FONT_NAME, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def sheet_canvas(buffer, title: str) -> Canvas:
    """An A4 canvas for slips, with the project's Chinese font embedded."""
    register_font()
    canvas = Canvas(
        buffer, pagesize=A4, initialFontName=FONT_NAME, invariant=True, pageCompression=1
    )
    canvas.setTitle(title)
    canvas.setCreator("")
    return canvas


def lay_out(canvas: Canvas, items: list, draw) -> None:
    """Draws the items COLUMNS × ROWS a page, each in a dashed frame to cut along, by
    draw(canvas, item, x, y) with (x, y) the slip's lower left corner; numbers the pages."""
    per_page = COLUMNS * ROWS
    pages = (len(items) + per_page - 1) // per_page or 1
    for start in range(0, max(len(items), 1), per_page):
        for index, item in enumerate(items[start : start + per_page]):
            column, row = index % COLUMNS, index // COLUMNS
            x = MARGIN + column * SLIP_WIDTH
            y = A4[1] - MARGIN - (row + 1) * SLIP_HEIGHT
            canvas.saveState()
            canvas.setStrokeColor(CUT)
            canvas.setLineWidth(0.4)
            canvas.setDash(3, 3)
            canvas.rect(x, y, SLIP_WIDTH, SLIP_HEIGHT)
            canvas.restoreState()
            draw(canvas, item, x, y)
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawCentredString(
            A4[0] / 2, MARGIN / 2, f"沿虚线剪开 · 第 {start // per_page + 1} 页 / 共 {pages} 页"
        )
        canvas.showPage()


def _slip(canvas: Canvas, slip: Slip, x: float, y: float, org_name: str, campaign: str) -> None:
    """One slip with its lower left corner at (x, y)."""
    left, top = x + PADDING, y + SLIP_HEIGHT - PADDING
    text_width = SLIP_WIDTH - 2 * PADDING - QR_SIZE - 3 * mm
    canvas.setFillColor(RED)
    canvas.setFont(FONT_NAME, 10)
    canvas.drawString(left, top - 10, "党员自拟公开承诺")
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 17)
    canvas.drawString(left, top - 33, fit(slip.name, 17, text_width))
    canvas.setFont(FONT_NAME, 8.5)
    canvas.setFillColor(GREY)
    canvas.drawString(left, top - 49, fit(org_name, 8.5, text_width))
    canvas.drawString(left, top - 61, fit(campaign, 8.5, text_width))
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 9.5)
    canvas.drawString(left, top - 82, "用手机扫右侧二维码，")
    canvas.drawString(left, top - 95, "写下您的承诺并提交。")
    canvas.setFont(FONT_NAME, 8.5)
    canvas.drawString(left, top - 112, f"有效期至 {slip.expires_on.isoformat()}")
    canvas.setFont(FONT_NAME, 8)
    canvas.setFillColor(RED)
    canvas.drawString(left, top - 125, "本链接仅供本人使用，请勿转发。")

    qr_x = x + SLIP_WIDTH - PADDING - QR_SIZE
    renderPDF.draw(qr_drawing(slip.url), canvas, qr_x, top - QR_SIZE)

    canvas.setFillColor(GREY)
    canvas.setFont(FONT_NAME, 6.5)
    url_lines = _lines(slip.url, 6.5, SLIP_WIDTH - 2 * PADDING)
    for index, line in enumerate(url_lines):
        canvas.drawString(left, y + PADDING + (len(url_lines) - 1 - index) * 8, line)


def slips_pdf(org_name: str, campaign_name: str, slips: list[Slip]) -> bytes:
    """An A4 portrait PDF with COLUMNS × ROWS slips a page, in the order given."""
    buffer = io.BytesIO()
    canvas = sheet_canvas(buffer, f"{org_name} 党员自拟承诺二维码")
    canvas.setSubject(campaign_name)
    lay_out(canvas, slips, lambda c, slip, x, y: _slip(c, slip, x, y, org_name, campaign_name))
    canvas.save()
    return buffer.getvalue()
