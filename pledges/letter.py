"""The printable 承诺书 of one pledge (A4 PDF) for 签约承诺: the pledge, who makes it, and the lines
where the one who pledges and the organisation's head sign and date it (seed 003: 签约 by the
secretary and the member together). The signed paper is scanned and kept with the pledge
(bulk.attach_signed_letter).

The Chinese font is the one the board poster embeds (poster.FONT_PATH), registered under the same
name, so the PDF prints the same on a machine without CJK fonts.
"""

import datetime
import functools
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .poster import FONT_NAME, FONT_PATH

MARGIN = 22 * mm
RED = colors.HexColor("#c0392b")
RULE = colors.HexColor("#999999")


@dataclass
class LetterData:
    """What the 承诺书 prints; plain values, so it is drawn without the database."""

    campaign: str
    owner: str  # the member's or organisation's name
    organization: str  # the member's branch, or the organisation itself
    title: str
    content: str
    areas: list[str]
    deadline: datetime.date
    five_items: list[str]
    for_member: bool
    signed_by: str = ""
    signed_on: datetime.date | None = None


@functools.cache
def _register_font() -> None:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=12, leading=20, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", base, fontSize=24, leading=32, alignment=TA_CENTER, textColor=RED
        ),
        "sub": ParagraphStyle("sub", base, fontSize=12, leading=18, alignment=TA_CENTER),
        "label": ParagraphStyle("label", base, fontSize=11.5, textColor=colors.HexColor("#444444")),
        "text": base,
        "sign": ParagraphStyle("sign", base, fontSize=12, leading=26),
    }


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _date(day: datetime.date | None) -> str:
    return f"{day.year} 年 {day.month} 月 {day.day} 日" if day else "＿＿＿＿年＿＿月＿＿日"


def letter_pdf(data: LetterData) -> bytes:
    """One A4 page: title, campaign, the pledge as a table, the promise and two signature blocks
    (承诺人 and 党组织负责人 for a member; the organisation's head and the level above's for an
    organisation), each with a line for the date."""
    _register_font()
    styles = _styles()
    rows = [
        ("承诺人" if data.for_member else "承诺组织", data.owner),
        ("所在党组织" if data.for_member else "上级党组织", data.organization),
        ("承诺事项", data.title),
        ("承诺内容", data.content),
        ("完成时限", _date(data.deadline)),
    ]
    if data.areas:
        rows.append(("承诺方面", "、".join(data.areas)))
    if data.five_items:
        rows.append(("“五个一”", "；".join(data.five_items)))
    table = Table(
        [
            [Paragraph(label, styles["label"]), Paragraph(_text(value), styles["text"])]
            for label, value in rows
        ],
        colWidths=[30 * mm, A4[0] - 2 * MARGIN - 30 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    promise = (
        "本人郑重承诺：认真履行上述承诺，接受党组织和群众监督，按时完成。"
        if data.for_member
        else "本组织郑重承诺：认真履行上述承诺，接受党员和群众监督，按时完成。"
    )
    left = "承诺人（签字）：" if data.for_member else "承诺组织负责人（签字）："
    right = "党组织负责人（签字）：" if data.for_member else "上级党组织负责人（签字）："
    signatures = Table(
        [
            [Paragraph(left, styles["sign"]), "", Paragraph(right, styles["sign"])],
            ["", "", ""],
            [
                Paragraph(f"日期：{_date(data.signed_on)}", styles["sign"]),
                "",
                Paragraph(f"日期：{_date(data.signed_on)}", styles["sign"]),
            ],
        ],
        # A gap between the two signatures, so their lines stay apart.
        colWidths=[(A4[0] - 2 * MARGIN - 12 * mm) / 2, 12 * mm, (A4[0] - 2 * MARGIN - 12 * mm) / 2],
        rowHeights=[None, 16 * mm, None],
    )
    signatures.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("LINEBELOW", (0, 1), (0, 1), 0.6, colors.black),
                ("LINEBELOW", (2, 1), (2, 1), 0.6, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
            ]
        )
    )
    story = [
        Paragraph("创先争优公开承诺书", styles["title"]),
        Paragraph(_text(data.campaign), styles["sub"]),
        Spacer(1, 8 * mm),
        table,
        Spacer(1, 8 * mm),
        Paragraph(promise, styles["text"]),
        Spacer(1, 14 * mm),
        signatures,
    ]
    if data.signed_by:
        story += [Spacer(1, 6 * mm), Paragraph(f"签约人：{_text(data.signed_by)}", styles["label"])]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{data.owner} 公开承诺书",
        subject=data.campaign,
        creator="",
        initialFontName=FONT_NAME,
        invariant=True,
    )
    doc.build(story)
    return buffer.getvalue()
