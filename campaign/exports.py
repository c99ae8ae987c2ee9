"""The notifications log as an export (core.exports): the user's inbox as its page lists it."""

from django.utils.translation import gettext as _

from core.exports import Column, Table, exported_at, queryset_table, register

from . import access


def notifications_table(params: dict, user) -> Table:
    """params: show ("all" or unread only), dates."""
    rows = access.notifications_for(user)
    if params.get("show") != "all":
        rows = rows.unread()
    rows = rows.order_by("-created_at", "-id")
    columns = [
        Column(_("时间"), lambda n: n.created_at, 20, "date"),
        Column(_("类型"), lambda n: n.get_kind_display(), 12),
        Column(_("党组织"), lambda n: n.organization.name, 24),
        Column(_("标题"), lambda n: n.title, 40),
        Column(_("内容"), lambda n: n.body, 50),
        Column(_("已读"), lambda n: n.read_at is not None, 6),
        Column(_("邮件已发"), lambda n: n.emailed_at is not None, 8),
    ]
    title = _("通知记录（%(which)s）导出于 %(time)s") % {
        "which": _("全部") if params.get("show") == "all" else _("未读"),
        "time": exported_at(),
    }
    return queryset_table(_("通知记录"), title, columns, rows, params)


register("campaign.notifications", notifications_table)
