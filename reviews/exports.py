"""The rectification register as an export (core.exports): the rows the register lists for the
same filters and subtree, in its order."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Column, Table, register
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
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    return Table(
        name=_("整改台账"),
        title=title,
        columns=columns,
        rows=rows.iterator(chunk_size=2000),
        dates=params.get("dates", "chinese"),
        count=rows.count(),
    )


register("reviews.register", register_table)
