"""An exported table (core.exports.Table) as a printable A4 landscape PDF: the title, the
header repeated on every page, page numbers and the date; the project's Chinese font embedded
(pledges/fonts), so it prints the same on a machine without CJK fonts. Used for the statistics
sheet offices send upward."""

import io
from html import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.exports import cell_value
from pledges.poster import FONT_NAME, GREY, RED, register_font

MARGIN = 12 * mm


def table_pdf(table) -> bytes:
    register_font()
    buffer = io.BytesIO()
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8)
        canvas.setFillColor(GREY)
        width, _height = landscape(A4)
        canvas.drawString(MARGIN, 7 * mm, f"{table.name} · 打印于 {printed}")
        canvas.drawRightString(width - MARGIN, 7 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=14 * mm,
        title=table.title,
        creator="",
    )
    title = ParagraphStyle("title", fontName=FONT_NAME, fontSize=14, leading=18, textColor=RED)
    cell = ParagraphStyle("cell", fontName=FONT_NAME, fontSize=7.5, leading=9.5)
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=cell, textColor=colors.white)

    def text(value) -> str:
        # ReportLab reads a paragraph as markup: names and texts are escaped like HTML.
        return "—" if value in ("", None) else escape(str(value))

    rows = [[Paragraph(text(c.header), head) for c in table.columns]]
    for row in table.rows:
        values = [cell_value(c.value(row), c, table.dates) for c in table.columns]
        rows.append(
            [
                Paragraph(text(v), number if c.kind == "number" else cell)
                for v, c in zip(values, table.columns, strict=True)
            ]
        )
    width = landscape(A4)[0] - 2 * MARGIN
    weights = [c.width for c in table.columns]
    grid = Table(rows, colWidths=[width * w / sum(weights) for w in weights], repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), RED),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")]),
            ]
        )
    )
    document.build(
        [Paragraph(escape(table.title), title), Spacer(1, 4 * mm), grid],
        onFirstPage=footer,
        onLaterPages=footer,
    )
    return buffer.getvalue()
