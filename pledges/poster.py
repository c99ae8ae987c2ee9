"""Printable A4 poster (PDF) of an organisation's public pledge board (公开栏).

The Chinese font ships with the project (pledges/fonts/, see its README) and ReportLab embeds a
subset of it into each PDF, so the poster prints the same on a machine with no CJK fonts and
nothing is fetched at run time.
"""

import datetime
import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"

MARGIN = 15 * mm
QR_SIZE = 34 * mm
# 承诺人, 承诺事项/内容, 完成时限, 状态: together the 180 mm between the margins.
COLUMN_WIDTHS = [32 * mm, 100 * mm, 22 * mm, 26 * mm]
# A poster on a wall shows the gist; the full text is one scan away on the board's web page.
# The limits also keep every row shorter than a page, so rows never break across pages.
NAME_LIMIT = 100
CONTENT_LIMIT = 200
PROGRESS_LIMIT = 100

RED_HEX = "#c0392b"
RED = colors.HexColor(RED_HEX)
GREY = colors.HexColor("#555555")
HEADER_BG = colors.HexColor("#f3e3e1")
RULE = colors.HexColor("#999999")


Styles = dict[str, ParagraphStyle]


@functools.cache
def _register_font() -> None:
    # Face 0 of the collection is the proportional "Micro Hei"; face 1 is its monospaced twin.
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))


def _styles() -> Styles:
    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontSize=26, leading=32, textColor=RED),
        "org": ParagraphStyle("org", base, fontSize=18, leading=24, spaceBefore=4),
        "campaign": ParagraphStyle("campaign", base, fontSize=12, leading=16, spaceBefore=4),
        "caption": ParagraphStyle("caption", base, fontSize=8, leading=10, alignment=TA_CENTER),
        "head": ParagraphStyle("head", base, fontSize=10, leading=13),
        "cell": base,
        "item": ParagraphStyle("item", base, fontSize=10.5, leading=14),
        "note": ParagraphStyle("note", base, fontSize=8.5, leading=11.5, textColor=GREY),
        "empty": ParagraphStyle("empty", base, fontSize=12, leading=16, spaceBefore=12),
    }


def _text(value: str, limit: int = NAME_LIMIT) -> str:
    """User text as Paragraph markup: whitespace runs made one space, cut at `limit` characters."""
    value = " ".join(value.split())
    if len(value) > limit:
        value = value[:limit].rstrip() + "…"
    return escape(value)


def _qr_code(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE, barBorder=2)
    # The drawing would otherwise select Helvetica, adding a font the poster never uses.
    drawing = Drawing(QR_SIZE, QR_SIZE, initialFontName=FONT_NAME)
    drawing.add(widget)
    return drawing


def _header(org_name: str, campaign_name: str, board_url: str, styles: Styles) -> Table:
    left = [
        Paragraph("公开承诺栏", styles["title"]),
        Paragraph(_text(org_name), styles["org"]),
        Paragraph(_text(campaign_name), styles["campaign"]),
    ]
    right = [_qr_code(board_url), Paragraph("扫码查看最新进展", styles["caption"])]
    table = Table([[left, right]], colWidths=[sum(COLUMN_WIDTHS) - QR_SIZE - 4 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.5, RED),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
            ]
        )
    )
    return table


def _row(pledge: dict, styles: Styles) -> list:
    item = [Paragraph(_text(pledge["title"]), styles["item"])]
    if pledge["content"].strip():
        item.append(Paragraph(_text(pledge["content"], CONTENT_LIMIT), styles["cell"]))
    if pledge["latest_progress"].strip():
        progress = _text(pledge["latest_progress"], PROGRESS_LIMIT)
        item.append(Paragraph(f"最新进展：{progress}", styles["note"]))
    state = _text(pledge["state_label"])
    if pledge["overdue"]:
        state += f'<br/><font color="{RED_HEX}">（已逾期）</font>'
    return [
        Paragraph(_text(pledge["owner"]), styles["cell"]),
        item,
        Paragraph(pledge["deadline"].isoformat(), styles["cell"]),
        Paragraph(state, styles["cell"]),
    ]


def _pledge_table(pledges: list[dict], styles: Styles) -> Table:
    head = [
        Paragraph(label, styles["head"])
        for label in ("承诺人", "承诺事项/内容", "完成时限", "状态")
    ]
    table = Table(
        [head] + [_row(pledge, styles) for pledge in pledges],
        colWidths=COLUMN_WIDTHS,
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, RED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def board_poster_pdf(
    org_name: str,
    campaign_name: str,
    board_url: str,
    pledges: list[dict],
    generated_on: datetime.date,
) -> bytes:
    """A4 portrait PDF of the board: title, organisation, campaign, a QR code to `board_url`, and
    one table row per pledge, continued over as many pages as needed with the header row repeated.

    Each pledge is a dict with owner, title, content, deadline (date), state_label,
    latest_progress ("" for none) and overdue (bool). Content and progress are shortened for
    print; the QR code leads to the full text.
    """
    _register_font()
    styles = _styles()
    footer_date = f"生成日期：{generated_on.isoformat()}"

    def draw_footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8.5)
        canvas.setFillColor(GREY)
        y = MARGIN / 2
        canvas.drawString(MARGIN, y, footer_date)
        canvas.drawCentredString(A4[0] / 2, y, f"第 {doc.page} 页")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{org_name} 公开承诺栏",
        subject=campaign_name,
        creator="",
        # Otherwise the canvas starts in Helvetica, a font the poster never uses.
        initialFontName=FONT_NAME,
        # Same input, same bytes: no timestamp or random document id.
        invariant=True,
    )
    story = [_header(org_name, campaign_name, board_url, styles), Spacer(1, 6 * mm)]
    if pledges:
        story.append(_pledge_table(pledges, styles))
    else:
        story.append(Paragraph("暂无公开的承诺。", styles["empty"]))
    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
