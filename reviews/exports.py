"""The rectification register as an export (core.exports): the rows the register lists for the
same filters and subtree, in its order."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Column, Table, exported_at, queryset_table, register
from orgs import access as org_access
from orgs.models import Organization, subtree_q

from . import access, selectors
from .forms import RegisterFilterForm
from .models import RectificationSource, RectificationState


def register_table(params: dict, user) -> Table:
    """params: org (id, or None for the whole scope), state, source, overdue, q, dates."""
    today = timezone.localdate()
    scope = access.rectifications_for(user)
    under = None
    if params.get("org"):
        under = Organization.objects.get(pk=params["org"])
        if not org_access.in_scope(user, under):
            raise PermissionError("out of scope")
        scope = scope.filter(subtree_q(under.path, "organization__path"))
    form = RegisterFilterForm({k: params.get(k, "") for k in ("state", "source", "overdue", "q")})
    wanted = form.wanted()
    rows = selectors.register(scope, today, wanted)
    columns = [
        Column(_("责任组织"), lambda r: r.organization.name, 24),
        Column(_("存在问题"), lambda r: r.problem, 40),
        Column(_("问题来源"), lambda r: r.get_source_display(), 12),
        Column(_("责任人"), lambda r: r.responsible_person, 12),
        Column(_("整改措施"), lambda r: r.measures, 36),
        Column(_("整改时限"), lambda r: r.deadline, 14, "date"),
        Column(_("状态"), lambda r: r.get_state_display(), 10),
        Column(_("是否逾期"), lambda r: _("逾期") if r.late else "", 8),
        Column(_("登记单位"), lambda r: r.registered_by_org.name, 20),
        Column(_("整改情况"), lambda r: r.report_note, 36),
        Column(_("销号时间"), lambda r: r.closed_at, 18, "date"),
    ]
    filters = []
    if wanted.state:
        filters.append(RectificationState(wanted.state).label)
    if wanted.source:
        filters.append(RectificationSource(wanted.source).label)
    if wanted.overdue:
        filters.append(_("只看逾期"))
    if wanted.search:
        filters.append(_("搜索“%(q)s”") % {"q": wanted.search})
    title = _("%(org)s整改台账（%(filters)s）导出于 %(time)s") % {
        "org": under.name if under else _("我的范围"),
        "filters": "，".join(str(f) for f in filters) or _("全部"),
        "time": exported_at(),
    }
    return queryset_table(_("整改台账"), title, columns, rows, params)


register("reviews.register", register_table)


def reviews_table(params: dict, user) -> Table:
    """An organisation's reviews (of it and of its members) in the campaign, as its page lists
    them. params: org, campaign (or none), dates."""
    org = Organization.objects.get(pk=params["org"])
    if not org_access.in_scope(user, org):
        raise PermissionError("out of scope")
    reviews = access.reviews_for(user).filter(organization=org)
    if params.get("campaign"):
        reviews = reviews.filter(campaign_id=params["campaign"])
    reviews = reviews.select_related("member", "author", "reviewer_org").order_by("-held_on", "-id")
    columns = [
        Column(_("点评日期"), lambda r: r.held_on, 14, "date"),
        Column(_("点评对象"), lambda r: r.target_name, 16),
        Column(_("点评形式"), lambda r: r.get_form_display(), 10),
        Column(_("点评人单位"), lambda r: r.reviewer_org.name, 20),
        Column(_("点评人身份"), lambda r: r.get_reviewer_role_display(), 12),
        Column(_("总体评价"), lambda r: r.get_rating_display(), 8),
        Column(_("主要成绩"), lambda r: r.achievements, 40),
        Column(_("存在问题"), lambda r: r.problems, 40),
        Column(_("努力方向"), lambda r: r.direction, 40),
    ]
    title = _("%(org)s领导点评记录 导出于 %(time)s") % {
        "org": org.name,
        "time": exported_at(),
    }
    return queryset_table(_("领导点评"), title, columns, reviews, params)


def rounds_table(params: dict, user) -> Table:
    """The 群众评议 rounds of the user's scope (or of one subtree) with their aggregate results:
    ballots and satisfaction as closing kept them — never an answer, a comment or a group too
    small to show. params: org (or none), dates."""
    rounds = access.rounds_for(user).select_related("organization", "run_by")
    under = None
    if params.get("org"):
        under = Organization.objects.get(pk=params["org"])
        if not org_access.in_scope(user, under):
            raise PermissionError("out of scope")
        rounds = rounds.filter(subtree_q(under.path, "organization__path"))
    rounds = rounds.order_by("-starts_on", "-id")

    def overall(r):
        results = r.results or {}
        if results.get("too_few"):
            return None
        return (results.get("overall") or {}).get("rate")

    columns = [
        Column(_("被评议组织"), lambda r: r.organization.name, 24),
        Column(_("名称"), lambda r: r.title, 24),
        Column(_("组织评议的上级"), lambda r: r.run_by.name, 20),
        Column(_("开始日期"), lambda r: r.starts_on, 14, "date"),
        Column(_("结束日期"), lambda r: r.ends_on, 14, "date"),
        Column(_("状态"), lambda r: r.get_state_display(), 8),
        Column(_("收回评议表"), lambda r: (r.results or {}).get("ballots"), 10, "number"),
        Column(_("满意度%"), overall, 10, "number"),
    ]
    title = _("%(org)s群众评议结果汇总 导出于 %(time)s") % {
        "org": under.name if under else _("我的范围"),
        "time": exported_at(),
    }
    return queryset_table(_("群众评议"), title, columns, rounds, params)


register("reviews.reviews", reviews_table)
register("reviews.rounds", rounds_table)
