"""The activation slips of a provisioning batch: an A4 PDF to print and cut (eight slips a page,
each with the person's name, organisations, login, activation code, and the site's activation
address as text and QR code) and the same rows as an XLSX, packed in one ZIP, because the codes
exist in clear only in this answer (the database keeps their digests).

The font and QR code are the board poster's (pledges.poster): the font ships with the project and
a subset is embedded, so the slips print the same on a machine with no CJK fonts.
"""

import io
import zipfile

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pledges.poster import FONT_NAME, GREY, QR_SIZE, RED, qr_drawing
from pledges.slips import PADDING, SLIP_HEIGHT, SLIP_WIDTH, fit, lay_out, sheet_canvas

from .provisioning import Slip

# Formula-like cells would run in Excel: a leading quote keeps them text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QR_FORM = "activation-qr"


def _slip(canvas: Canvas, slip: Slip, x: float, y: float, url: str) -> None:
    left, top = x + PADDING, y + SLIP_HEIGHT - PADDING
    text_width = SLIP_WIDTH - 2 * PADDING - QR_SIZE - 3 * mm
    canvas.setFillColor(RED)
    canvas.setFont(FONT_NAME, 10)
    canvas.drawString(left, top - 10, "账号开通通知")
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 17)
    canvas.drawString(left, top - 33, fit(slip.name, 17, text_width))
    canvas.setFont(FONT_NAME, 8.5)
    canvas.setFillColor(GREY)
    canvas.drawString(left, top - 49, fit(slip.organizations, 8.5, text_width))
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 9.5)
    canvas.drawString(left, top - 68, fit(f"登录名：{slip.login}", 9.5, text_width))
    canvas.drawString(left, top - 82, "激活码：")
    canvas.setFont(FONT_NAME, 14)
    canvas.drawString(left, top - 100, slip.code)
    canvas.setFont(FONT_NAME, 8.5)
    canvas.drawString(left, top - 118, "扫码或打开下方网址，输入登录名和")
    canvas.drawString(left, top - 130, "激活码，设置自己的密码。")
    canvas.setFont(FONT_NAME, 8)
    canvas.setFillColor(RED)
    canvas.drawString(left, top - 144, "激活码仅限本人使用一次，请妥善保管。")

    canvas.saveState()
    canvas.translate(x + SLIP_WIDTH - PADDING - QR_SIZE, top - QR_SIZE)
    canvas.doForm(QR_FORM)
    canvas.restoreState()
    canvas.setFillColor(GREY)
    canvas.setFont(FONT_NAME, 7)
    canvas.drawString(left, y + PADDING, fit(url, 7, SLIP_WIDTH - 2 * PADDING))


def slips_pdf(title: str, url: str, slips: list[Slip]) -> bytes:
    buffer = io.BytesIO()
    canvas = sheet_canvas(buffer, f"{title} 账号激活码")
    # The same address on every slip: its QR code is drawn once, as a form each slip places.
    canvas.beginForm(QR_FORM)
    renderPDF.draw(qr_drawing(url), canvas, 0, 0)
    canvas.endForm()
    lay_out(canvas, slips, lambda c, slip, x, y: _slip(c, slip, x, y, url))
    canvas.save()
    return buffer.getvalue()


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def slips_xlsx(title: str, url: str, slips: list[Slip]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("激活码")
    sheet.freeze_panes = "A3"
    for letter, width in zip("ABCDEF", (12, 16, 16, 18, 40, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    sheet.append([f"{title} 账号激活码（{made} 生成；激活网址：{url}）"])
    header = []
    for text in ("姓名", "登录名", "手机号码", "激活码", "所在党组织（角色）", "激活网址"):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for slip in slips:
        sheet.append(
            [
                _text(slip.name),
                _text(slip.login),
                _text(slip.phone),
                slip.code,
                _text(slip.organizations),
                url,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def slips_zip(title: str, url: str, slips: list[Slip]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("激活码单.pdf", slips_pdf(title, url, slips))
        archive.writestr("激活码名单.xlsx", slips_xlsx(title, url, slips))
    return buffer.getvalue()
