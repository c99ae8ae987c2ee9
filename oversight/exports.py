"""Exports that look across the apps (core.exports): the pledges of a subtree with their final
verdicts (pledges below, their 评诺 in reviews), the ranking, and the statistics sheet offices
send upward (创先争优活动情况统计表), all from the same selectors as their pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from campaign.models import Campaign
from campaign.requirements import requirements_of, reviews_due
from core.exports import Column, Table, exported_at, queryset_table, register
from orgs import access as org_access
from orgs.models import Organization
from pledges.models import PledgeState
from pledges.selectors import subtree_pledges
from reviews.models import FinalVerdict

from . import dashboard, ranking


def _scope(params: dict, user) -> tuple[Organization, Campaign]:
    org = Organization.objects.get(pk=params["org"])
    if not org_access.in_scope(user, org):
        raise PermissionError("out of scope")
    return org, Campaign.objects.get(pk=params["campaign"])


# --- Pledges ----------------------------------------------------------------------------------


def pledges_table(params: dict, user) -> Table:
    """params: org, campaign, state, overdue, dates: the rows of pledges:list."""
    org, campaign = _scope(params, user)
    today = timezone.localdate()
    pledges = subtree_pledges(org, campaign).select_related(
        "member", "member__branch", "organization"
    )
    if params.get("state") in PledgeState.values:
        pledges = pledges.filter(state=params["state"])
    if params.get("overdue") == "1":
        pledges = pledges.overdue(today)
    pledges = pledges.order_by("deadline", "id")
    verdicts = dict(
        FinalVerdict.objects.filter(pledge__in=pledges.values("pk")).values_list(
            "pledge_id", "result"
        )
    )
    labels = dict(FinalVerdict._meta.get_field("result").choices)

    def owner(p):
        return p.member.name if p.member_id else p.organization.name

    def place(p):
        return p.member.branch.name if p.member_id else p.organization.name

    columns = [
        Column(_("承诺人"), owner, 14),
        Column(_("类型"), lambda p: _("党员") if p.member_id else _("党组织"), 8),
        Column(_("所在党组织"), place, 24),
        Column(_("承诺事项"), lambda p: p.title, 24),
        Column(_("承诺内容"), lambda p: p.content, 50),
        Column(_("完成时限"), lambda p: p.deadline, 14, "date"),
        Column(_("状态"), lambda p: p.get_state_display(), 10),
        Column(_("是否逾期"), lambda p: _("逾期") if p.is_overdue(today) else "", 8),
        Column(_("最终评价"), lambda p: labels.get(verdicts.get(p.pk), ""), 10),
    ]
    filters = []
    if params.get("state") in PledgeState.values:
        filters.append(PledgeState(params["state"]).label)
    if params.get("overdue") == "1":
        filters.append(_("已逾期"))
    title = _("%(org)s公开承诺清单（%(campaign)s；%(filters)s）导出于 %(time)s") % {
        "org": org.name,
        "campaign": campaign.name,
        "filters": "，".join(str(f) for f in filters) or _("全部"),
        "time": exported_at(),
    }
    return queryset_table(_("承诺清单"), title, columns, pledges, params)


# --- The ranking --------------------------------------------------------------------------------


def ranking_table(params: dict, user) -> Table:
    org, campaign = _scope(params, user)
    requirements = requirements_of(campaign)
    board = dashboard.dashboard(org, campaign, timezone.localdate())
    rows = ranking.rank(board, requirements)
    columns = [
        Column(_("名次"), lambda r: r.rank, 6, "number"),
        Column(_("单位"), lambda r: r.unit.org.name, 24),
        Column(_("综合得分"), lambda r: r.score, 10, "number"),
        *(
            Column(str(m.label), lambda r, key=m.key: r.rates[key], 12, "number")
            for m in ranking.MEASURES
        ),
        Column(_("建议定级"), lambda r: r.grade_label, 10),
        Column(_("榜单"), lambda r: {"top": _("红榜"), "bottom": _("黑榜")}.get(r.band, ""), 8),
    ]
    weights = "、".join(
        f"{m.label}×{getattr(requirements, m.weight_field)}" for m in ranking.MEASURES
    )
    title = _("%(org)s下级单位排名（%(campaign)s；权重 %(weights)s）导出于 %(time)s") % {
        "org": org.name,
        "campaign": campaign.name,
        "weights": weights,
        "time": exported_at(),
    }
    return Table(_("下级排名"), title, columns, rows, params.get("dates", "chinese"), len(rows))


register("oversight.pledges", pledges_table)
register("oversight.ranking", ranking_table)


# --- The statistics sheet (创先争优活动情况统计表) -----------------------------------------


def _minus(whole, parts):
    """A figures dataclass (or a dict of counts) less the sum of `parts`, field by field."""
    if isinstance(whole, dict):
        return {k: v - sum(p.get(k, 0) for p in parts) for k, v in whole.items()}
    if isinstance(whole, int):
        return whole - sum(parts)
    values = {
        f: _minus(getattr(whole, f), [getattr(p, f) for p in parts])
        for f in whole.__dataclass_fields__
    }
    return type(whole)(**values)


STAT_COLUMNS = [
    (_lazy("党组织数"), lambda f, due: f.coverage.organizations),
    (_lazy("党员数"), lambda f, due: f.coverage.members),
    (_lazy("公开承诺党组织"), lambda f, due: f.coverage.pledged_organizations),
    (_lazy("公开承诺党员"), lambda f, due: f.coverage.pledged_members),
    (_lazy("党组织覆盖率%"), lambda f, due: f.coverage.organization_rate),
    (_lazy("党员覆盖率%"), lambda f, due: f.coverage.member_rate),
    (_lazy("已兑现承诺"), lambda f, due: f.pledges.done),
    (_lazy("领导点评已开展"), lambda f, due: f.reviews.held),
    (_lazy("领导点评应开展"), lambda f, due: due * f.reviews.organizations),
    (_lazy("群众评议次数"), lambda f, due: f.reviews.rounds),
    (_lazy("群众满意度%"), lambda f, due: f.reviews.satisfaction),
    (_lazy("整改未销号"), lambda f, due: f.reviews.rectifications_open),
    (_lazy("整改已销号"), lambda f, due: f.reviews.rectifications_closed),
]


def statistics_rows(org: Organization, campaign: Campaign, today) -> list[tuple]:
    """(unit name, grade, figures) for each child, the 本级 row (the organisation's own: its
    pledge, its members held directly) and the total, which is the organisation's figures:
    counts summed, rates recomputed from the sums by STAT_COLUMNS, never averaged."""
    board = dashboard.dashboard(org, campaign, today)
    children = [(u.org.name, u.org.get_grade_display(), u.figures) for u in board.children]
    own = _minus(board.whole, [u.figures for u in board.children])
    return [
        *children,
        (_("本级"), org.get_grade_display(), own),
        (_("合计"), "", board.whole),
    ]


def statistics_table(params: dict, user) -> Table:
    org, campaign = _scope(params, user)
    today = timezone.localdate()
    due = reviews_due(campaign, today, requirements_of(campaign))
    rows = statistics_rows(org, campaign, today)
    columns = [
        Column(_("单位"), lambda r: r[0], 24),
        *(
            Column(str(label), lambda r, value=value: value(r[2], due), 12, "number")
            for label, value in STAT_COLUMNS
        ),
        Column(_("分类定级"), lambda r: r[1], 10),
    ]
    title = _("%(org)s创先争优活动情况统计表（%(campaign)s）截至 %(day)s") % {
        "org": org.name,
        "campaign": campaign.name,
        "day": today.isoformat(),
    }
    return Table(_("活动情况统计表"), title, columns, rows, "chinese", len(rows))


register("oversight.statistics", statistics_table)
