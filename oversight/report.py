"""The campaign report (总结验收): an A4 PDF of a subtree — the headline figures, the dashboard's
charts drawn as vector graphics (ReportLab's charts), the ranking of the child units, the
commendations and the rectifications still open — with the project's Chinese font embedded,
page numbers and the date. Every figure comes from oversight.dashboard, as on the dashboard.

A district's report is made by a job (`report_job_task`), whose page offers the file."""

import io
from html import escape

from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from campaign.models import Campaign
from campaign.requirements import requirements_of
from orgs.models import Organization, subtree_q
from pledges.models import PledgeState
from pledges.poster import FONT_NAME, GREY, RED, register_font
from pledges.selectors import percent_text
from reviews.models import Commendation, Rectification

from . import dashboard, ranking

MARGIN = 16 * mm
BLUE = colors.HexColor("#0a58ca")
# Units in a chart: the lowest by coverage when there are more (a bar each must stay legible).
CHART_UNITS = 20


def _styles() -> dict:
    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=9.5, leading=13)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26, textColor=RED),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=GREY),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=8),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
    }


def _grid(rows: list[list], widths: list[float], styles) -> Table:
    # ReportLab reads a paragraph as markup: names and texts are escaped like HTML.
    cells = [[Paragraph(escape(str(v)), styles["cell"]) for v in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e1df")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _bar_chart(labels: list[str], series: list[list[float]], names: list[str], maximum=None):
    """A horizontal bar chart as a vector drawing, one group per label."""
    width, row = 170 * mm, 7 * mm
    height = max(40 * mm, row * len(labels) * max(len(series), 1) / 1.4 + 18 * mm)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 42 * mm, 12 * mm
    chart.width, chart.height = width - 50 * mm, height - 18 * mm
    chart.data = [list(reversed(values)) for values in series]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = FONT_NAME
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fontName = FONT_NAME
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    if maximum is not None:
        chart.valueAxis.valueMax = maximum
    for index, colour in enumerate((RED, BLUE, colors.HexColor("#146c43"))[: len(series)]):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    for index, name in enumerate(names):
        x = chart.x + index * 40 * mm
        drawing.add(String(x, 3 * mm, f"■ {name}", fontName=FONT_NAME, fontSize=8))
        drawing.contents[-1].fillColor = (RED, BLUE, colors.HexColor("#146c43"))[index]
    return drawing


def report_pdf(org: Organization, campaign: Campaign) -> bytes:
    register_font()
    styles = _styles()
    today = timezone.localdate()
    board = dashboard.dashboard(org, campaign, today)
    whole = board.whole
    requirements = requirements_of(campaign)
    ranked = ranking.rank(board, requirements)
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 9 * mm, f"{org.name} · {campaign.name} · 生成于 {printed}")
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=16 * mm,
        title=f"{org.name}{campaign.name}总结报告",
        creator="",
    )
    story = [
        Paragraph(escape(f"{org.name}创先争优活动总结报告"), styles["title"]),
        Paragraph(
            escape(f"{campaign.name}")
            + f" · {campaign.starts_on.isoformat()} 至 {campaign.ends_on.isoformat()}"
            f" · 数据截至 {today.isoformat()}",
            styles["subtitle"],
        ),
        Spacer(1, 6 * mm),
        Paragraph("一、主要数据", styles["h2"]),
    ]
    cov, pledges, reviews = whole.coverage, whole.pledges, whole.reviews
    headline = [
        ["指标", "数值", "指标", "数值"],
        [
            "党组织承诺率",
            f"{percent_text(cov.organization_rate)}（{cov.pledged_organizations}/{cov.organizations}）",
            "党员承诺率",
            f"{percent_text(cov.member_rate)}（{cov.pledged_members}/{cov.members}）",
        ],
        [
            "公开承诺",
            f"{pledges.public} 项",
            "践诺率（已完成/已公开）",
            f"{percent_text(pledges.done_rate)}（{pledges.done}/{pledges.public}）",
        ],
        [
            "逾期未完成的承诺",
            f"{pledges.overdue} 项",
            "领导点评",
            f"已点评 {reviews.held} 次，达标组织 {reviews.reviewed}/{reviews.organizations}",
        ],
        [
            "群众评议开展",
            f"{reviews.evaluated}/{reviews.organizations} 个组织，{reviews.rounds} 次",
            "群众满意度",
            f"{percent_text(reviews.satisfaction)}（{reviews.rated_votes} 票）",
        ],
        [
            "整改事项",
            f"未销号 {reviews.rectifications_open}，逾期 {reviews.rectifications_overdue}",
            "已销号",
            f"{reviews.rectifications_closed}（按期 {reviews.rectifications_on_time}）",
        ],
    ]
    story.append(_grid(headline, [34 * mm, 52 * mm, 40 * mm, 52 * mm], styles))

    units = dashboard.lagging(board.children, CHART_UNITS)
    if units:
        caption = "各单位承诺覆盖（两个100%）"
        if len(units) < len(board.children):
            caption = f"承诺覆盖最低的 {len(units)} 个单位"
        story += [
            Paragraph(f"二、{caption}", styles["h2"]),
            _bar_chart(
                [u.org.name for u in units],
                [
                    [u.figures.coverage.member_rate or 0 for u in units],
                    [u.figures.coverage.organization_rate or 0 for u in units],
                ],
                ["党员承诺率", "党组织承诺率"],
                maximum=100,
            ),
        ]
    states = [(label, pledges.by_state.get(value, 0)) for value, label in PledgeState.choices]
    story += [
        KeepTogether(
            [
                Paragraph("三、承诺所处环节", styles["h2"]),
                _bar_chart(
                    [str(label) for label, _n in states], [[n for _l, n in states]], ["承诺数"]
                ),
            ]
        )
    ]

    if ranked:
        weights = "、".join(
            f"{m.label}×{getattr(requirements, m.weight_field)}" for m in ranking.MEASURES
        )
        rows = [["名次", "单位", "综合得分", "建议定级", "最弱项"]]
        for row in ranked:
            weakest = f"{row.weakest[0]} {row.weakest[1]}%" if row.weakest else "—"
            rows.append(
                [
                    row.rank or "—",
                    row.unit.org.name,
                    row.score or "—",
                    row.grade_label or "—",
                    weakest,
                ]
            )
        story += [
            Paragraph("四、下级单位排名（督查评促）", styles["h2"]),
            Paragraph(
                escape(f"综合得分按权重：{weights}；无数据的项目不计入。"), styles["subtitle"]
            ),
            Spacer(1, 2 * mm),
            _grid(rows, [14 * mm, 60 * mm, 22 * mm, 22 * mm, 60 * mm], styles),
        ]

    within = subtree_q(org.path, "awarded_by__path")
    honours = list(
        Commendation.objects.filter(within, published=True)
        .select_related("member__branch", "organization")
        .order_by("-awarded_on")[:50]
    )
    story.append(Paragraph("五、典型引路（已公开的表彰）", styles["h2"]))
    if honours:
        rows = [["表彰", "类别", "受表彰", "日期"]]
        for item in honours:
            who = item.member.name if item.member_id else item.organization.name
            rows.append([item.title, item.get_kind_display(), who, item.awarded_on.isoformat()])
        story.append(_grid(rows, [62 * mm, 36 * mm, 50 * mm, 30 * mm], styles))
    else:
        story.append(Paragraph("暂无已公开的表彰。", styles["body"]))

    open_items = list(
        Rectification.objects.filter(subtree_q(org.path, "organization__path"))
        .open()
        .select_related("organization")
        .order_by("deadline", "id")[:200]
    )
    story.append(Paragraph("六、尚未销号的整改事项", styles["h2"]))
    if open_items:
        rows = [["责任组织", "存在问题", "整改时限", "状态"]]
        for item in open_items:
            late = "（逾期）" if item.is_overdue(today) else ""
            rows.append(
                [
                    item.organization.name,
                    item.problem[:120],
                    item.deadline.isoformat() + late,
                    item.get_state_display(),
                ]
            )
        story.append(_grid(rows, [40 * mm, 90 * mm, 28 * mm, 20 * mm], styles))
    else:
        story.append(Paragraph("整改事项均已销号。", styles["body"]))

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
