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
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from .linebreak import WrappedParagraph

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"

MARGIN = 10 * mm
WIDTH = A4[0] - 2 * MARGIN  # 190 mm between the margins
QR_SIZE = 28 * mm
# Members in three columns, as on a board on the wall; a 40-member branch fits on two pages.
GRID_COLUMNS = 3
# A poster on a wall shows the gist; the full text is one scan away on the board's web page.
# The limits also keep every cell shorter than a page, so rows never break across pages.
NAME_LIMIT = 100
CONTENT_LIMIT = 200
PROGRESS_LIMIT = 100
CELL_TITLE_LIMIT = 32
CELL_CONTENT_LIMIT = 56
CELL_PROGRESS_LIMIT = 18

RED_HEX = "#c0392b"
RED = colors.HexColor(RED_HEX)
GREY = colors.HexColor("#555555")
PAPER = colors.HexColor("#fdf6f5")
RULE = colors.HexColor("#d9b8b4")


Styles = dict[str, ParagraphStyle]


@functools.cache
def register_font() -> None:
    # Face 0 of the collection is the proportional "Micro Hei"; face 1 is its monospaced twin.
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))


def _styles() -> Styles:
    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=9.5, leading=13, wordWrap="CJK")
    white = colors.white
    return {
        "title": ParagraphStyle("title", base, fontSize=24, leading=29, textColor=white),
        "org": ParagraphStyle("org", base, fontSize=16, leading=21, textColor=white, spaceBefore=2),
        "campaign": ParagraphStyle("campaign", base, fontSize=10.5, leading=14, textColor=white),
        "caption": ParagraphStyle("caption", base, fontSize=7.5, leading=9, alignment=TA_CENTER),
        "section": ParagraphStyle(
            "section", base, fontSize=12, leading=15, textColor=RED, spaceBefore=6, spaceAfter=3
        ),
        "org_title": ParagraphStyle("org_title", base, fontSize=12, leading=16),
        "org_content": ParagraphStyle("org_content", base, fontSize=10, leading=14),
        "name": ParagraphStyle("name", base, fontSize=10.5, leading=13, textColor=RED),
        "item": ParagraphStyle("item", base, fontSize=9, leading=11),
        "cell": ParagraphStyle("cell", base, fontSize=7.5, leading=9.5),
        "note": ParagraphStyle("note", base, fontSize=7, leading=9, textColor=GREY),
        "empty": ParagraphStyle("empty", base, fontSize=12, leading=16, spaceBefore=12),
    }


def _plain(value: str, limit: int = NAME_LIMIT) -> str:
    """User text for print: whitespace runs made one space, cut at `limit` characters."""
    value = " ".join(value.split())
    if len(value) > limit:
        value = value[:limit].rstrip() + "…"
    return value


def _text(value: str, limit: int = NAME_LIMIT) -> str:
    """User text as Paragraph markup (escaped), for text that never wraps against the rules."""
    return escape(_plain(value, limit))


def _wrapped(value: str, style: ParagraphStyle, limit: int):
    return WrappedParagraph(_plain(value, limit), style)


def qr_drawing(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE, barBorder=2)
    # The drawing would otherwise select Helvetica, adding a font the poster never uses.
    drawing = Drawing(QR_SIZE, QR_SIZE, initialFontName=FONT_NAME)
    drawing.add(widget)
    return drawing


def _title_band(org_name: str, campaign_name: str, board_url: str, styles: Styles) -> Table:
    """The red band across the top of a 公开栏: title, organisation, campaign, and the QR code
    to the board's web page on a white ground."""
    left = [
        Paragraph("公开承诺栏", styles["title"]),
        _wrapped(org_name, styles["org"], NAME_LIMIT),
        _wrapped(campaign_name, styles["campaign"], NAME_LIMIT),
    ]
    right = [qr_drawing(board_url), Paragraph("扫码查看全文和最新进展", styles["caption"])]
    qr_width = QR_SIZE + 6 * mm
    table = Table([[left, right]], colWidths=[WIDTH - qr_width, qr_width])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("BACKGROUND", (0, 0), (0, 0), RED),
                ("BACKGROUND", (1, 0), (1, 0), colors.white),
                ("BOX", (0, 0), (-1, -1), 1.5, RED),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (0, 0), 6 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    return table


def _state(pledge: dict) -> str:
    state = f"完成时限 {pledge['deadline'].isoformat()} · {_plain(pledge['state_label'])}"
    return state + ("（已逾期）" if pledge["overdue"] else "")


def _organisation_box(pledge: dict, styles: Styles) -> Table:
    """The organisation's own pledge, across the page before its members'."""
    body = [_wrapped(pledge["title"], styles["org_title"], NAME_LIMIT)]
    if pledge["content"].strip():
        body.append(_wrapped(pledge["content"], styles["org_content"], CONTENT_LIMIT))
    body.append(_wrapped(_state(pledge), styles["note"], NAME_LIMIT))
    if pledge["latest_progress"].strip():
        progress = _plain(pledge["latest_progress"], PROGRESS_LIMIT)
        body.append(WrappedParagraph(f"最新进展：{progress}", styles["note"]))
    table = Table([[body]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("BACKGROUND", (0, 0), (-1, -1), PAPER),
                ("BOX", (0, 0), (-1, -1), 0.8, RED),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ]
        )
    )
    return table


def _member_cell(pledge: dict, styles: Styles) -> list:
    """A member's pledge in the grid: the name as its heading with the state and deadline beside
    it, the title, the content's gist, the latest progress."""
    meta = f"  {pledge['deadline'].isoformat()} 前 · {_plain(pledge['state_label'], 10)}"
    meta_markup = f'<font size="7" color="{RED_HEX if pledge["overdue"] else "#555555"}">%s</font>'
    if pledge["overdue"]:
        meta += " · 已逾期"
    cell = [
        WrappedParagraph(
            [(_plain(pledge["owner"], 20), "%s", None), (meta, meta_markup, 7)], styles["name"]
        ),
        _wrapped(pledge["title"], styles["item"], CELL_TITLE_LIMIT),
    ]
    if pledge["content"].strip():
        cell.append(_wrapped(pledge["content"], styles["cell"], CELL_CONTENT_LIMIT))
    if pledge["latest_progress"].strip():
        progress = _plain(pledge["latest_progress"], CELL_PROGRESS_LIMIT)
        cell.append(WrappedParagraph(f"进展：{progress}", styles["note"]))
    return cell


def _member_grid(pledges: list[dict], styles: Styles) -> Table:
    """The members' pledges in a grid of GRID_COLUMNS, row by row; a row never splits."""
    cells = [_member_cell(pledge, styles) for pledge in pledges]
    cells += [""] * (-len(cells) % GRID_COLUMNS)
    rows = [cells[i : i + GRID_COLUMNS] for i in range(0, len(cells), GRID_COLUMNS)]
    table = Table(rows, colWidths=[WIDTH / GRID_COLUMNS] * GRID_COLUMNS)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
                ("BOX", (0, 0), (-1, -1), 0.8, RED),
                ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ]
        )
    )
    return table


def _numbered_canvas(org_name: str, footer_date: str):
    """A canvas that draws each page's footer once the number of pages is known
    ("第 1 页 / 共 2 页"), and a running head on the pages after the first."""

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
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int):
            self.saveState()
            self.setFont(FONT_NAME, 8.5)
            self.setFillColor(GREY)
            y = MARGIN / 2
            self.drawString(MARGIN, y, footer_date)
            self.drawCentredString(A4[0] / 2, y, f"第 {number} 页 / 共 {total} 页")
            if number > 1:
                self.setFillColor(RED)
                self.drawString(
                    MARGIN, A4[1] - MARGIN + 3 * mm, f"{_plain(org_name, 40)} 公开承诺栏（续）"
                )
            self.restoreState()

    return NumberedCanvas


def board_poster_pdf(
    org_name: str,
    campaign_name: str,
    board_url: str,
    pledges: list[dict],
    generated_on: datetime.date,
) -> bytes:
    """A4 portrait PDF that looks like a 公开栏: a red title band with the organisation, the
    campaign and a QR code to `board_url`; the organisation's own pledge across the page; its
    members' pledges in a grid of three columns (a 40-member branch fits on two pages); a footer
    "第 1 页 / 共 2 页". Lines break by the Chinese rules (pledges/linebreak.py).

    Each pledge is a dict with owner, title, content, deadline (date), state_label,
    latest_progress ("" for none), overdue (bool) and, for the organisation's own pledge,
    organization=True. Texts are shortened for print; the QR code leads to the full text.
    """
    register_font()
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 2 * mm,
        title=f"{org_name} 公开承诺栏",
        subject=campaign_name,
        creator="",
        # Otherwise the canvas starts in Helvetica, a font the poster never uses.
        initialFontName=FONT_NAME,
        # Same input, same bytes: no timestamp or random document id.
        invariant=True,
    )
    story = [_title_band(org_name, campaign_name, board_url, styles)]
    own = [p for p in pledges if p.get("organization")]
    members = [p for p in pledges if not p.get("organization")]
    for pledge in own:
        story += [Paragraph("党组织承诺", styles["section"]), _organisation_box(pledge, styles)]
    if members:
        story.append(Paragraph(f"党员承诺（{len(members)} 人）", styles["section"]))
        story.append(_member_grid(members, styles))
    if not pledges:
        story.append(Paragraph("暂无公开的承诺。", styles["empty"]))
    footer_date = f"生成日期：{generated_on.isoformat()}"
    doc.build(story, canvasmaker=_numbered_canvas(org_name, footer_date))
    return buffer.getvalue()
