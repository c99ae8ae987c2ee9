"""The printable A4 of a 群众评议's results (PDF): the round, overall satisfaction, a stacked bar
per item and the table beside it, the participant groups (small ones merged into the total, as
on the page), and how many came from paper and the 意见箱. Never a comment, a name or a phone.
It embeds the project's Chinese font, so it prints the same on a machine without CJK fonts."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pledges.poster import FONT_NAME, GREY, RED, register_font

from .models import EvaluationRound

MARGIN = 18 * mm
COLOURS = {
    "satisfied": colors.HexColor("#146c43"),
    "basic": colors.HexColor("#ffc107"),
    "dissatisfied": colors.HexColor("#b02a37"),
}
LABELS = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意"}


def _percent(value) -> str:
    return "—" if value is None else f"{value}%"


def results_pdf(round_: EvaluationRound, results: dict) -> bytes:
    register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, initialFontName=FONT_NAME, invariant=True)
    canvas.setTitle(f"{round_.organization.name} {round_.title} 结果")
    canvas.setCreator("")
    width, height = A4
    y = height - MARGIN
    canvas.setFillColor(RED)
    canvas.setFont(FONT_NAME, 20)
    canvas.drawString(MARGIN, y - 20, "群众评议结果公示")
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 13)
    canvas.drawString(MARGIN, y - 42, round_.organization.name)
    canvas.setFont(FONT_NAME, 9.5)
    canvas.setFillColor(GREY)
    canvas.drawString(
        MARGIN,
        y - 58,
        f"{round_.title} · {round_.starts_on.isoformat()} 至 {round_.ends_on.isoformat()}"
        f" · 组织评议：{round_.run_by.name}",
    )
    y -= 90
    if results.get("too_few"):
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_NAME, 11)
        canvas.drawString(
            MARGIN,
            y,
            f"共收到 {results['ballots']} 份评议表，不足 5 份：为保护参评人员，不显示具体结果。",
        )
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_NAME, 28)
    canvas.drawString(MARGIN, y, _percent(results["overall"]["rate"]))
    canvas.setFont(FONT_NAME, 10)
    canvas.drawString(
        MARGIN + 70 * mm, y + 12, f"总体满意度（满意＋基本满意），共 {results['ballots']} 份"
    )
    canvas.setFillColor(GREY)
    canvas.drawString(
        MARGIN + 70 * mm,
        y - 2,
        f"网上 {results['online']} 份，纸质 {results['paper']} 份，意见箱 {results['box']} 份",
    )
    y -= 30
    # One stacked bar per item, its figures beside it.
    bar_left, bar_width = MARGIN + 28 * mm, 80 * mm
    canvas.setFont(FONT_NAME, 9)
    for item in results["items"]:
        total = item["satisfied"] + item["basic"] + item["dissatisfied"]
        canvas.setFillColor(colors.black)
        canvas.drawString(MARGIN, y + 3, item["item"])
        x = bar_left
        for key in ("satisfied", "basic", "dissatisfied"):
            share = item[key] / total if total else 0
            canvas.setFillColor(COLOURS[key])
            canvas.rect(x, y, bar_width * share, 12, stroke=0, fill=1)
            x += bar_width * share
        canvas.setFillColor(colors.black)
        counts = f"{item['satisfied']} / {item['basic']} / {item['dissatisfied']}"
        canvas.drawString(
            bar_left + bar_width + 4 * mm, y + 3, f"{counts}  满意度 {_percent(item['rate'])}"
        )
        y -= 22
    x = bar_left
    for key in ("satisfied", "basic", "dissatisfied"):
        canvas.setFillColor(COLOURS[key])
        canvas.rect(x, y + 2, 8, 8, stroke=0, fill=1)
        canvas.setFillColor(GREY)
        canvas.drawString(x + 11, y + 2, LABELS[key])
        x += 28 * mm
    y -= 30
    if results["groups"]:
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_NAME, 11)
        canvas.drawString(MARGIN, y, "各类参评人员")
        canvas.setFont(FONT_NAME, 9.5)
        for group in results["groups"]:
            y -= 16
            text = (
                f"{group['label']}：{group['ballots']} 份，满意度 {_percent(group['rate'])}"
                if group["shown"]
                else f"{group['label']}：人数较少，只计入总数，不单独显示"
            )
            canvas.drawString(MARGIN + 4 * mm, y, text)
    canvas.setFont(FONT_NAME, 8)
    canvas.setFillColor(GREY)
    canvas.drawString(MARGIN, MARGIN, "本结果只公示汇总数据，不含任何意见内容、姓名或联系方式。")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
